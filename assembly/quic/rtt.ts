// RTT estimation (RFC 9002 §5) and the probe timeout duration (RFC 9002 §6.2.1).
// Pure state: every input (samples, ack delays, `now`) is passed in, in microseconds.

/** RFC 9002 §6.2.2: "the initial RTT SHOULD be set to 333 milliseconds". */
export const kInitialRtt: u64 = 333_000;
/** RFC 9002 §6.1.2: kGranularity, the timer granularity, is 1 millisecond. */
export const kGranularity: u64 = 1_000;
/** RFC 9000 §18.2: max_ack_delay defaults to 25 milliseconds. */
export const kDefaultMaxAckDelay: u64 = 25_000;
/** The PTO backoff shift is capped so `duration << ptoCount` cannot overflow (1 << 30 is far past any idle timeout). */
const MAX_PTO_SHIFT: u32 = 30;

/** RTT state of one path (RFC 9002 §5, Appendix A.3). */
export class RttEstimator {
  /** RFC 9002 §5.2: the most recent RTT sample, ack delay not subtracted. */
  latestRtt: u64 = 0;
  /** RFC 9002 §5.2: the minimum over the samples, ack delay ignored. */
  minRtt: u64 = 0;
  /** RFC 9002 §5.3: exponentially weighted moving average of adjusted samples. */
  smoothedRtt: u64 = kInitialRtt;
  /** RFC 9002 §5.3: mean deviation of the samples. */
  rttvar: u64 = kInitialRtt / 2;
  /** RFC 9002 §5.3 / A.3: time of the first sample (meaningful when `hasSample`). */
  firstRttSampleTime: u64 = 0;
  /** Whether a first sample was taken (RFC 9002 A.3 tests first_rtt_sample == 0). */
  hasSample: bool = false;
  /** The peer's max_ack_delay (RFC 9000 §18.2), µs. */
  maxAckDelay: u64 = kDefaultMaxAckDelay;

  constructor(maxAckDelay: u64 = kDefaultMaxAckDelay) {
    this.maxAckDelay = maxAckDelay;
  }

  /** RFC 9002 §5.3: before the first sample, and on a new path (RFC 9000 §9.4). */
  reset(): void {
    this.latestRtt = 0;
    this.minRtt = 0;
    this.smoothedRtt = kInitialRtt;
    this.rttvar = kInitialRtt / 2;
    this.firstRttSampleTime = 0;
    this.hasSample = false;
  }

  /**
   * Takes one RTT sample (RFC 9002 §5.1: the largest acknowledged packet is newly
   * acknowledged and at least one newly acknowledged packet was ack-eliciting).
   * `latestRtt` = now - time the largest acknowledged packet was sent;
   * `ackDelay` is the decoded ACK Delay field (RFC 9000 §19.3), µs.
   */
  updateRtt(latestRtt: u64, ackDelay: u64, handshakeConfirmed: bool, now: u64): void {
    this.latestRtt = latestRtt;
    // RFC 9002 §5.3: on the first sample, min_rtt = smoothed_rtt = latest_rtt,
    // rttvar = latest_rtt / 2; the ack delay is not used.
    if (!this.hasSample) {
      this.hasSample = true;
      this.firstRttSampleTime = now;
      this.minRtt = latestRtt;
      this.smoothedRtt = latestRtt;
      this.rttvar = latestRtt / 2;
      return;
    }
    // RFC 9002 §5.2: min_rtt ignores the acknowledgment delay.
    if (latestRtt < this.minRtt) this.minRtt = latestRtt;
    // RFC 9002 §5.3: MUST use the lesser of the ack delay and max_ack_delay
    // after the handshake is confirmed (and SHOULD ignore max_ack_delay before).
    let delay = ackDelay;
    if (handshakeConfirmed && delay > this.maxAckDelay) delay = this.maxAckDelay;
    // RFC 9002 §5.3: MUST NOT subtract the ack delay if the result would be
    // smaller than min_rtt.
    let adjustedRtt = latestRtt;
    if (latestRtt >= this.minRtt + delay) adjustedRtt = latestRtt - delay;
    // RFC 9002 §5.3: rttvar = 3/4 * rttvar + 1/4 * |smoothed_rtt - adjusted_rtt|;
    // smoothed_rtt = 7/8 * smoothed_rtt + 1/8 * adjusted_rtt.
    const s = this.smoothedRtt;
    const rttvarSample = s > adjustedRtt ? s - adjustedRtt : adjustedRtt - s;
    this.rttvar = (3 * this.rttvar + rttvarSample) / 4;
    this.smoothedRtt = (7 * s + adjustedRtt) / 8;
  }

  /**
   * RFC 9002 §6.2.1: PTO = smoothed_rtt + max(4 * rttvar, kGranularity) + max_ack_delay,
   * doubled for each consecutive PTO (`ptoCount`, the exponential backoff).
   * `includeMaxAckDelay` is false for the Initial and Handshake spaces (and for
   * Application Data before handshake confirmation, RFC 9002 A.8), where the
   * peer does not delay acknowledgments.
   */
  ptoDuration(ptoCount: u32, includeMaxAckDelay: bool): u64 {
    const v = 4 * this.rttvar;
    let duration = this.smoothedRtt + (v > kGranularity ? v : kGranularity);
    if (includeMaxAckDelay) duration += this.maxAckDelay;
    const shift = ptoCount < MAX_PTO_SHIFT ? ptoCount : MAX_PTO_SHIFT;
    // Saturate rather than wrap: a u64 timer at MAX_VALUE never fires.
    if (duration > (u64.MAX_VALUE >> shift)) return u64.MAX_VALUE;
    return duration << shift;
  }
}
