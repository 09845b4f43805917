// The connection's timers (quinn-proto's timer.rs shape): one deadline per
// kind in a StaticArray<u64>, u64.MAX = not armed; the next timeout is their
// minimum. Sans-IO: the connection arms and stops them; the host asks for
// `next()` (pollTimeout) and calls handleTimeout(now), which takes the
// expired ones with `firstExpired(now)` until none is left.

/** The timers of a connection; the order is the order expired timers are handled in. */
export const enum Timer {
  /** RFC 9000 §10.1 idle timeout (idle.ts computes the deadline). */
  Idle = 0,
  /** RFC 9002 §6.2: loss detection (time threshold) or PTO. */
  LossDetection = 1,
  /** RFC 9000 §13.2.1: the latest an ACK is sent (max_ack_delay). */
  AckDelay = 2,
  /** RFC 9000 §8.2.4: abandoning path validation. */
  PathValidation = 3,
  /** RFC 9002 §7.7: the pacer lets the next packet go. */
  Pacing = 4,
  /** RFC 9000 §10.1.2: a PING before the idle timeout, when keep-alive is on. */
  KeepAlive = 5,
  /** RFC 9000 §10.2: the end of the closing or draining state (3×PTO). */
  Close = 6,
  /** RFC 9001 §6.1: old 1-RTT keys are discarded 3×PTO after a key update. */
  KeyDiscard = 7,
  /** RFC 8899 §5.1.1: DPLPMTUD raise / retry timer (pmtud.ts). */
  Pmtud = 8,
  /** The handshake must complete by then (QuicConfig.handshakeTimeoutMs). */
  Handshake = 9,
  /** The number of timers (not a timer). */
  Count = 10,
}

/** A deadline that is not armed. */
export const TIMER_UNSET: u64 = u64.MAX_VALUE;

@final
export class TimerTable {
  private at: StaticArray<u64> = new StaticArray<u64>(Timer.Count);

  constructor() {
    this.stopAll();
  }

  /** Arms `t` for `at` (µs); TIMER_UNSET stops it. */
  set(t: Timer, at: u64): void {
    if (<u32>t >= <u32>Timer.Count) return;
    unchecked(this.at[t] = at);
  }

  /** Disarms `t`. */
  stop(t: Timer): void {
    this.set(t, TIMER_UNSET);
  }

  /** The deadline of `t`, TIMER_UNSET when not armed. */
  get(t: Timer): u64 {
    if (<u32>t >= <u32>Timer.Count) return TIMER_UNSET;
    return unchecked(this.at[t]);
  }

  isSet(t: Timer): bool {
    return this.get(t) != TIMER_UNSET;
  }

  stopAll(): void {
    for (let i = 0; i < Timer.Count; i++) unchecked(this.at[i] = TIMER_UNSET);
  }

  /** The earliest deadline, TIMER_UNSET when none is armed. */
  next(): u64 {
    let m = TIMER_UNSET;
    for (let i = 0; i < Timer.Count; i++) {
      const v = unchecked(this.at[i]);
      if (v < m) m = v;
    }
    return m;
  }

  /**
   * The first timer (in enum order) whose deadline is at or before `now`, or
   * -1. It stays armed: the caller stops or re-arms it, then asks again.
   */
  firstExpired(now: u64): i32 {
    for (let i = 0; i < Timer.Count; i++) {
      const v = unchecked(this.at[i]);
      if (v != TIMER_UNSET && v <= now) return i;
    }
    return -1;
  }
}
