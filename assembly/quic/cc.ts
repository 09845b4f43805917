// The congestion controller interface (RFC 9002 §7) shared by NewReno (cc_new_reno.ts)
// and CUBIC (cc_cubic.ts). Sizes in bytes, times in microseconds, all passed in.
import { RttEstimator } from "./rtt";

/** RFC 9002 §7.2: kInitialWindow = min(10 * max_datagram_size, max(2 * max_datagram_size, 14720)). */
export function initialWindow(maxDatagramSize: u64): u64 {
  const a = 10 * maxDatagramSize;
  const b2 = 2 * maxDatagramSize;
  const b = b2 > 14720 ? b2 : <u64>14720;
  return a < b ? a : b;
}

/** RFC 9002 §7.2: kMinimumWindow = 2 * max_datagram_size. */
export function minimumWindow(maxDatagramSize: u64): u64 {
  return 2 * maxDatagramSize;
}

/** Which algorithm a connection uses (config.ts picks one). */
export const enum CongestionAlgorithm { NewReno = 0, Cubic = 1 }

/**
 * Window-based congestion control (RFC 9002 §7, Appendix B). The loss detector
 * calls: `onPacketSent` for each in-flight packet; `onPacketsAcked` once per ACK
 * frame with the newly acknowledged in-flight bytes; `removeFromFlight` for
 * packets declared lost or discarded, then `onCongestionEvent` with the send time
 * of the newest lost packet; `onPersistentCongestion` after that when RFC 9002
 * §7.6 declares it.
 */
export abstract class CongestionController {
  /** RFC 9002 §7: the max_datagram_size the window is counted in. */
  maxDatagramSize: u64;
  /** RFC 9002 B.2: congestion_window, bytes. */
  congestionWindow: u64;
  /** RFC 9002 B.2: bytes_in_flight — sent, ack-eliciting or padding, not yet acknowledged, lost or discarded. */
  bytesInFlight: u64 = 0;
  /** RFC 9002 §7.3.1: the slow start threshold, "infinite" (u64.MAX_VALUE) initially. */
  ssthresh: u64 = u64.MAX_VALUE;
  /** RFC 9002 B.2: congestion_recovery_start_time (valid when `hasRecoveryStart`). */
  congestionRecoveryStartTime: u64 = 0;
  /** False before the first congestion event and after persistent congestion (RFC 9002 B.8 resets the start time). */
  hasRecoveryStart: bool = false;
  /**
   * RFC 9002 §7.8: set by the sender while it is application or flow-control
   * limited; acknowledgments then do not grow the window (B.5 IsAppOrFlowControlLimited).
   */
  appLimited: bool = false;

  constructor(maxDatagramSize: u64) {
    this.maxDatagramSize = maxDatagramSize;
    this.congestionWindow = initialWindow(maxDatagramSize);
  }

  /**
   * RFC 9000 §9.4: on a new path "the endpoint MUST reset the congestion
   * controller ... to initial values" (bytes in flight stay counted until
   * acknowledged or lost).
   */
  resetForNewPath(): void {
    this.congestionWindow = initialWindow(this.maxDatagramSize);
    this.ssthresh = u64.MAX_VALUE;
    this.hasRecoveryStart = false;
    this.appLimited = false;
  }

  /** RFC 9002 §7.2 */
  get minimumWindow(): u64 { return minimumWindow(this.maxDatagramSize); }

  /** RFC 9002 B.4: counts an in-flight packet. */
  onPacketSent(bytes: u64, now: u64): void {
    this.bytesInFlight += bytes;
  }

  /** Removes acknowledged, lost or discarded bytes from flight (never below zero). */
  removeFromFlight(bytes: u64): void {
    this.bytesInFlight = bytes < this.bytesInFlight ? this.bytesInFlight - bytes : 0;
  }

  /** RFC 9002 §7: bytes the window still admits. */
  get availableWindow(): u64 {
    return this.congestionWindow > this.bytesInFlight ? this.congestionWindow - this.bytesInFlight : 0;
  }

  /** RFC 9002 §7: "MUST NOT send packets if they would cause bytes_in_flight to be larger than the congestion window" (probes excepted). */
  canSend(bytes: u64): bool {
    return this.bytesInFlight + bytes <= this.congestionWindow;
  }

  /** RFC 9002 B.5 InCongestionRecovery: a packet sent before the recovery period began. */
  inRecovery(sentTime: u64): bool {
    return this.hasRecoveryStart && sentTime <= this.congestionRecoveryStartTime;
  }

  /** Starts a recovery period (RFC 9002 §7.3.2); false if `sentTime` is already inside one. */
  protected enterRecovery(sentTime: u64, now: u64): bool {
    if (this.inRecovery(sentTime)) return false;
    this.congestionRecoveryStartTime = now;
    this.hasRecoveryStart = true;
    return true;
  }

  /**
   * Newly acknowledged in-flight bytes; `largestSentTime` is the send time of the
   * newest of them (packets sent before the recovery period do not grow the window).
   */
  abstract onPacketsAcked(bytes: u64, largestSentTime: u64, now: u64, rtt: RttEstimator): void;

  /** RFC 9002 §7.3.2 / B.6: a loss or an ECN-CE report for a packet sent at `sentTime`. */
  abstract onCongestionEvent(sentTime: u64, now: u64): void;

  /** RFC 9002 §7.6.2: "the sender's congestion window MUST be reduced to the minimum congestion window". */
  abstract onPersistentCongestion(): void;
}
