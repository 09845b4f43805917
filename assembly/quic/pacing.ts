// A token-bucket pacer (RFC 9002 §7.7). Tokens are bytes; the bucket refills at
// rate = N * congestion_window / smoothed_rtt with N = 1.25 and holds what
// that rate sends in BURST_INTERVAL_US, at least the initial window (10
// datagrams, the burst RFC 9002 §7.7 recommends) and at most
// MAX_BURST_DATAGRAMS. The host wakes the core with timers of millisecond
// granularity (node's setTimeout), so a bucket smaller than a millisecond's
// worth of sending would cap the rate at one bucket per timer tick instead of
// the congestion controller's rate; §7.7 allows for this ("practical
// considerations, such as packetization, scheduling delays ... can cause a
// sender to deviate from this rate over time periods that are much shorter
// than an RTT"). quinn-proto sizes its bucket the same way
// (connection/pacing.rs: 2 ms, 10 to 256 datagrams).
import { initialWindow } from "./cc";

/** RFC 9002 §7.7: N = 1.25, as the fraction 5/4. */
const PACING_N_NUM: u64 = 5;
const PACING_N_DEN: u64 = 4;
/** The bucket holds this long of sending at the current window and RTT, µs. */
export const BURST_INTERVAL_US: u64 = 2000;
/** The bucket never holds more than this many datagrams. */
export const MAX_BURST_DATAGRAMS: u64 = 256;

export class Pacer {
  /** The bucket's size, bytes: BURST_INTERVAL_US at cwnd / srtt within [kInitialWindow (RFC 9002 §7.2), MAX_BURST_DATAGRAMS]. */
  capacity: u64;
  /** Its bounds. */
  private minCapacity: u64;
  private maxCapacity: u64;
  /** Bytes that may be sent now without waiting. */
  tokens: u64;
  /** Time up to which the tokens were credited, µs. */
  lastRefill: u64 = 0;
  /** The inputs of the rate (RFC 9002 §7.7), set by `update`. */
  congestionWindow: u64 = 0;
  smoothedRtt: u64 = 0;

  constructor(maxDatagramSize: u64) {
    this.minCapacity = initialWindow(maxDatagramSize);
    this.maxCapacity = MAX_BURST_DATAGRAMS * maxDatagramSize;
    if (this.maxCapacity < this.minCapacity) this.maxCapacity = this.minCapacity;
    this.capacity = this.minCapacity;
    this.tokens = this.capacity;
  }

  /** Sets the rate's inputs (before each send decision) and sizes the bucket from them. */
  update(congestionWindow: u64, smoothedRtt: u64): void {
    if (congestionWindow == this.congestionWindow && smoothedRtt == this.smoothedRtt) return;
    this.congestionWindow = congestionWindow;
    this.smoothedRtt = smoothedRtt;
    let cap = this.minCapacity;
    if (smoothedRtt != 0) {
      // cwnd is at most 2^40-ish (flow control bounds it); * 2000 stays far below 2^64
      const w = congestionWindow < (u64.MAX_VALUE / BURST_INTERVAL_US) ? congestionWindow : u64.MAX_VALUE / BURST_INTERVAL_US;
      cap = w * BURST_INTERVAL_US / smoothedRtt;
      if (cap < this.minCapacity) cap = this.minCapacity;
      if (cap > this.maxCapacity) cap = this.maxCapacity;
    }
    this.capacity = cap;
    if (this.tokens > cap) this.tokens = cap;
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
