// A token-bucket pacer (RFC 9002 §7.7). Tokens are bytes; the bucket refills at
// rate = N * congestion_window / smoothed_rtt with N = 1.25 and holds at most
// the initial window (at most 10 datagrams), the burst RFC 9002 §7.7 allows.
import { initialWindow } from "./cc";

/** RFC 9002 §7.7: N = 1.25, as the fraction 5/4. */
const PACING_N_NUM: u64 = 5;
const PACING_N_DEN: u64 = 4;

export class Pacer {
  /** The bucket's size, bytes: kInitialWindow (RFC 9002 §7.2), i.e. up to 10 datagrams. */
  capacity: u64;
  /** Bytes that may be sent now without waiting. */
  tokens: u64;
  /** Time up to which the tokens were credited, µs. */
  lastRefill: u64 = 0;
  /** The inputs of the rate (RFC 9002 §7.7), set by `update`. */
  congestionWindow: u64 = 0;
  smoothedRtt: u64 = 0;

  constructor(maxDatagramSize: u64) {
    this.capacity = initialWindow(maxDatagramSize);
    this.tokens = this.capacity;
  }

  /** Sets the rate's inputs (after an ACK or a window change). */
  update(congestionWindow: u64, smoothedRtt: u64): void {
    this.congestionWindow = congestionWindow;
    this.smoothedRtt = smoothedRtt;
  }

  /** Bytes credited over `elapsed` µs, capped at `capacity`: elapsed * N * cwnd / srtt. */
  private credit(elapsed: u64): u64 {
    const cwnd = this.congestionWindow;
    const den = PACING_N_DEN * this.smoothedRtt;
    // The time that fills the bucket; beyond it the product could overflow.
    const fill = this.capacity * den / (PACING_N_NUM * cwnd) + 1;
    if (elapsed >= fill) return this.capacity;
    const c = elapsed * PACING_N_NUM * cwnd / den;
    return c < this.capacity ? c : this.capacity;
  }

  /** Whether the rate is defined; without a window or an RTT the pacer lets everything through. */
  private get active(): bool {
    return this.congestionWindow != 0 && this.smoothedRtt != 0;
  }

  /** Tokens available at `now` (does not change state). */
  available(now: u64): u64 {
    if (!this.active) return this.capacity;
    const elapsed = now > this.lastRefill ? now - this.lastRefill : 0;
    const t = this.tokens + this.credit(elapsed);
    return t < this.capacity ? t : this.capacity;
  }

  /**
   * RFC 9002 §7.7: the earliest time (≥ now) a packet of `bytes` may be sent.
   * A packet larger than the bucket waits for a full bucket.
   */
  nextSendTime(now: u64, bytes: u64): u64 {
    if (!this.active) return now;
    const have = this.available(now);
    const need = bytes < this.capacity ? bytes : this.capacity;
    if (have >= need) return now;
    // ceil((need - have) * srtt / (N * cwnd))
    const num = (need - have) * PACING_N_DEN * this.smoothedRtt;
    const den = PACING_N_NUM * this.congestionWindow;
    return now + (num + den - 1) / den;
  }

  /** Takes `bytes` tokens for a packet sent at `now` (never below zero). */
  onSent(now: u64, bytes: u64): void {
    if (!this.active) {
      this.lastRefill = now;
      return;
    }
    if (now > this.lastRefill) {
      const elapsed = now - this.lastRefill;
      const c = this.credit(elapsed);
      const t = this.tokens + c;
      if (t >= this.capacity) {
        this.tokens = this.capacity;
        this.lastRefill = now;
      } else {
        this.tokens = t;
        // Advance only by the time the credited whole bytes took, keeping the remainder.
        const used = c * PACING_N_DEN * this.smoothedRtt / (PACING_N_NUM * this.congestionWindow);
        this.lastRefill += used < elapsed ? used : elapsed;
      }
    }
    this.tokens = bytes < this.tokens ? this.tokens - bytes : 0;
  }
}
