// RFC 9000 §4: flow control credit, for one stream (MAX_STREAM_DATA) or the
// whole connection (MAX_DATA) — the same arithmetic serves both.
//
//   SendCredit — what the peer allows us: its limit, what we used, when we are
//                blocked (DATA_BLOCKED / STREAM_DATA_BLOCKED, §4.1).
//   RecvCredit — what we allow the peer: FLOW_CONTROL_ERROR on a violation,
//                when to advertise a new limit, and receive-window
//                auto-tuning (the window doubles, up to a maximum, when the
//                application consumes it in less than about two RTTs).
import { NO_ERROR, FLOW_CONTROL_ERROR } from "./errors";

/** RFC 9000 §19.9: limits are varints, at most 2^62-1. */
const MAX_LIMIT: u64 = (<u64>1 << 62) - 1;

/** What the peer allows us to send (§4.1). */
export class SendCredit {
  /** The peer's limit: initial_max_data / initial_max_stream_data_* or the largest MAX_DATA / MAX_STREAM_DATA. */
  maxData: u64;
  /** Bytes (the highest offset, for a stream) we have sent. */
  used: u64 = 0;
  /** The limit at which we last reported being blocked (u64.MAX_VALUE: never). */
  private blockedReportedAt: u64 = u64.MAX_VALUE;

  constructor(initialMax: u64) {
    this.maxData = initialMax;
  }

  /** How many more bytes we may send. */
  get available(): u64 { return this.maxData > this.used ? this.maxData - this.used : 0; }

  /**
   * RFC 9000 §4.1: a MAX_DATA / MAX_STREAM_DATA frame. "A sender MUST ignore
   * any MAX_STREAM_DATA or MAX_DATA frames that do not increase flow control
   * limits." Returns true when the limit grew.
   */
  onMaxData(limit: u64): bool {
    if (limit <= this.maxData) return false;
    this.maxData = limit;
    return true;
  }

  /** Records `n` bytes sent (the caller never sends more than `available`). */
  consume(n: u64): void {
    this.used = n > MAX_LIMIT - this.used ? MAX_LIMIT : this.used + n;
  }

  get isBlocked(): bool { return this.used >= this.maxData; }

  /**
   * RFC 9000 §4.1: "A sender SHOULD send a STREAM_DATA_BLOCKED or
   * DATA_BLOCKED frame ... when it wishes to send data but is unable to do so
   * due to stream-level flow control". True once per limit value while we
   * are blocked and have data to send; the frame carries `maxData`.
   */
  shouldSendBlocked(hasDataToSend: bool): bool {
    if (!hasDataToSend || !this.isBlocked || this.blockedReportedAt == this.maxData) return false;
    this.blockedReportedAt = this.maxData;
    return true;
  }

  /** The DATA_BLOCKED frame was lost: allow it again (if still blocked at that limit). */
  onBlockedLost(): void { this.blockedReportedAt = u64.MAX_VALUE; }
}

/** What we allow the peer to send (§4.1, §4.2), with window auto-tuning. */
export class RecvCredit {
  /** The limit we advertised (initially the transport parameter). */
  maxData: u64;
  /** Current window: the limit we advertise is `consumed + window`. */
  window: u64;
  /** Auto-tuning ceiling for `window`. */
  readonly maxWindow: u64;
  /** Credit the peer used: bytes (highest offsets) received. */
  received: u64 = 0;
  /** Bytes the application consumed (read); credit is given back from here. */
  consumed: u64 = 0;
  /** When we last advertised a limit (microseconds; 0 = never). */
  private lastUpdateAt: u64 = 0;
  private updatePending: bool = false;

  /** `window` is the initial limit (the transport parameter we sent); `maxWindow` >= it. */
  constructor(window: u64, maxWindow: u64) {
    this.window = window > MAX_LIMIT ? MAX_LIMIT : window;
    this.maxData = this.window;
    this.maxWindow = maxWindow < this.window ? this.window : (maxWindow > MAX_LIMIT ? MAX_LIMIT : maxWindow);
  }

  /**
   * The peer used credit up to `newReceived` (a stream's highest offset, or
   * the connection's sum). RFC 9000 §4.1: "A receiver MUST close the
   * connection with an error of type FLOW_CONTROL_ERROR if the sender
   * violates the advertised connection or stream data limits". Returns
   * NO_ERROR or FLOW_CONTROL_ERROR (then nothing changes).
   */
  onReceived(newReceived: u64): u64 {
    if (newReceived > this.maxData) return FLOW_CONTROL_ERROR;
    if (newReceived > this.received) this.received = newReceived;
    return NO_ERROR;
  }

  /** Adds `n` bytes to the credit used (the connection-level sum of new stream bytes). */
  onReceivedDelta(n: u64): u64 {
    if (n > this.maxData - min(this.received, this.maxData)) return FLOW_CONTROL_ERROR;
    this.received += n;
    return NO_ERROR;
  }

  /**
   * The application consumed `n` bytes at `now` (µs), with smoothed RTT `rtt`
   * (µs). Decides whether a new limit should be advertised: when less than
   * half the window remains (§4.2: "send ... frequently enough to avoid
   * blocking the sender"). Auto-tuning: if the previous update is less than
   * two RTTs old, the application is draining the window faster than the
   * peer's credit round trip, so the window doubles (up to `maxWindow`).
   */
  onConsumed(n: u64, now: u64, rtt: u64): void {
    this.consumed = n > this.received - min(this.consumed, this.received) ? this.received : this.consumed + n;
    const remaining = this.maxData - min(this.consumed, this.maxData);
    if (remaining >= this.window / 2 + (this.window & 1)) return;
    if (this.lastUpdateAt != 0 && now - min(now, this.lastUpdateAt) < (rtt > (u64.MAX_VALUE >> 1) ? u64.MAX_VALUE : rtt * 2) && this.window < this.maxWindow) {
      this.window = this.window > this.maxWindow / 2 ? this.maxWindow : this.window * 2;
    }
    const next = this.consumed + this.window > MAX_LIMIT ? MAX_LIMIT : this.consumed + this.window;
    if (next > this.maxData) {
      this.maxData = next;
      this.lastUpdateAt = now == 0 ? 1 : now;
      this.updatePending = true;
    }
  }

  /** Whether a MAX_DATA / MAX_STREAM_DATA frame carrying `maxData` should be sent. */
  get shouldSendUpdate(): bool { return this.updatePending; }
  /** The update was sent (or is no longer needed, e.g. the stream ended). */
  onUpdateSent(): void { this.updatePending = false; }
  /** The frame carrying an update was lost: send the current limit again (§13.3). */
  onUpdateLost(): void { this.updatePending = true; }
}
