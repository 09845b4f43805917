// CUBIC congestion control (RFC 9438) on the RFC 9002 §7 frame: slow start,
// recovery periods and persistent congestion as in NewReno; the window growth
// in congestion avoidance and the multiplicative decrease from RFC 9438.
// Windows are kept in bytes (u64); the cubic curve is evaluated in f64, which
// wasm computes deterministically (IEEE 754, AssemblyScript's own Math.cbrt).
import { CongestionController } from "./cc";
import { RttEstimator } from "./rtt";

/** RFC 9438 §4.2 and §5.1 (fairness to Reno): C = 0.4 (segments / s^3). */
export const CUBIC_C: f64 = 0.4;
/** RFC 9438 §4.6: beta_cubic = 0.7. */
export const BETA_CUBIC: f64 = 0.7;
/** RFC 9438 §4.3: alpha_cubic = 3 * (1 - beta_cubic) / (1 + beta_cubic). */
export const ALPHA_CUBIC: f64 = 3.0 * (1.0 - BETA_CUBIC) / (1.0 + BETA_CUBIC);

export class Cubic extends CongestionController {
  /** RFC 9438 §4.1.2: W_max, the window (bytes) just before the last reduction; 0 = none since persistent congestion or start. */
  wMax: f64 = 0;
  /** RFC 9438 §4.2 Figure 2: K, seconds for W_cubic to return to W_max. */
  k: f64 = 0;
  /** RFC 9438 §4.3: W_est, the Reno-friendly estimate (bytes). */
  wEst: f64 = 0;
  /** RFC 9438 §4.6: cwnd_prior, the window before the last reduction (bytes). */
  cwndPrior: f64 = 0;
  /** RFC 9438 §4.2: cwnd_epoch, the window when the congestion avoidance stage began. */
  cwndEpoch: u64 = 0;
  /** RFC 9438 §4.2: t_epoch, start of the current congestion avoidance stage, µs. */
  tEpoch: u64 = 0;
  /** Whether a congestion avoidance stage is under way (`tEpoch` valid). */
  inEpoch: bool = false;

  constructor(maxDatagramSize: u64) {
    super(maxDatagramSize);
  }

  /** RFC 9438 §4.2 Figure 1: W_cubic(t) = C * (t - K)^3 + W_max, in bytes (t in seconds). */
  wCubic(t: f64): f64 {
    const d = t - this.k;
    return CUBIC_C * d * d * d * <f64>this.maxDatagramSize + this.wMax;
  }

  /** RFC 9438 §4.2 Figure 2: K = cubic_root((W_max - cwnd_epoch) / C), windows in segments. */
  private computeK(cwndEpoch: u64): f64 {
    const w = <f64>cwndEpoch;
    if (this.wMax <= w) return 0;
    return Math.cbrt((this.wMax - w) / <f64>this.maxDatagramSize / CUBIC_C);
  }

  onPacketsAcked(bytes: u64, largestSentTime: u64, now: u64, rtt: RttEstimator): void {
    this.removeFromFlight(bytes);
    // RFC 9002 §7.8: no increase while application or flow-control limited.
    if (this.appLimited) return;
    // RFC 9002 §7.3.2: no increase during the recovery period.
    if (this.inRecovery(largestSentTime)) return;
    // RFC 9438 §4.10: slow start below ssthresh (RFC 9002 §7.3.1).
    if (this.congestionWindow < this.ssthresh) {
      this.congestionWindow += bytes;
      return;
    }
    const mss = <f64>this.maxDatagramSize;
    let cwnd = <f64>this.congestionWindow;
    // RFC 9438 §4.2: a congestion avoidance stage begins: t_epoch, cwnd_epoch,
    // K; with no earlier reduction W_max is the current window (K = 0), as after
    // a timeout (RFC 9438 §4.8).
    if (!this.inEpoch) {
      this.inEpoch = true;
      this.tEpoch = now;
      this.cwndEpoch = this.congestionWindow;
      if (this.wMax < cwnd) this.wMax = cwnd;
      this.k = this.computeK(this.cwndEpoch);
      this.wEst = cwnd;
    }
    const t = now > this.tEpoch ? <f64>(now - this.tEpoch) / 1e6 : 0.0;
    const rttSec = <f64>rtt.smoothedRtt / 1e6;
    // RFC 9438 §4.3: W_est += alpha_cubic * segments_acked / cwnd (segments);
    // alpha_cubic becomes 1 once W_est reaches cwnd_prior.
    const alpha = this.wEst >= this.cwndPrior ? 1.0 : ALPHA_CUBIC;
    this.wEst += alpha * <f64>bytes * mss / cwnd;
    const wCubicNow = this.wCubic(t);
    if (wCubicNow < this.wEst) {
      // RFC 9438 §4.3: Reno-friendly region — cwnd = W_est.
      cwnd = this.wEst;
    } else {
      // RFC 9438 §4.4, §4.5: target = W_cubic(t + RTT) clamped to [cwnd, 1.5 * cwnd];
      // cwnd grows by (target - cwnd) / cwnd per segment acknowledged.
      let target = this.wCubic(t + rttSec);
      if (target < cwnd) target = cwnd;
      if (target > 1.5 * cwnd) target = 1.5 * cwnd;
      cwnd += (target - cwnd) * <f64>bytes / cwnd;
    }
    const next = <u64>cwnd;
    if (next > this.congestionWindow) this.congestionWindow = next;
  }

  onCongestionEvent(sentTime: u64, now: u64): void {
    // RFC 9002 §7.3.2: one reduction per recovery period.
    if (!this.enterRecovery(sentTime, now)) return;
    const cwnd = <f64>this.congestionWindow;
    // RFC 9438 §4.7 fast convergence: a reduction below the last W_max releases
    // bandwidth: W_max = cwnd * (1 + beta_cubic) / 2; otherwise W_max = cwnd.
    this.wMax = cwnd < this.wMax ? cwnd * (1.0 + BETA_CUBIC) / 2.0 : cwnd;
    // RFC 9438 §4.6: cwnd_prior = cwnd; ssthresh = cwnd * beta_cubic (the
    // window, RFC 9002 §7.3.2 — not the flight size); cwnd = max(ssthresh, minimum).
    this.cwndPrior = cwnd;
    const min = this.minimumWindow;
    const reduced = <u64>(cwnd * BETA_CUBIC);
    this.ssthresh = reduced > min ? reduced : min;
    this.congestionWindow = this.ssthresh;
    // RFC 9438 §4.2: K for the next stage, from the window it will start at; the
    // stage (t_epoch) starts at the first acknowledgment after recovery.
    this.k = this.computeK(this.congestionWindow);
    this.wEst = <f64>this.congestionWindow;
    this.inEpoch = false;
  }

  onPersistentCongestion(): void {
    // RFC 9002 §7.6.2: collapse to the minimum window; RFC 9438 §4.8: the next
    // stage starts with K = 0 and W_max = the window at its start.
    this.congestionWindow = this.minimumWindow;
    this.hasRecoveryStart = false;
    this.congestionRecoveryStartTime = 0;
    this.wMax = 0;
    this.k = 0;
    this.inEpoch = false;
  }
}
