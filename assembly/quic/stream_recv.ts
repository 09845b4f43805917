// The receive side of one stream (RFC 9000 §2.2, §3.2, §4.5): bounded
// reassembly of STREAM frame data into in-order bytes for the application.
//
// Memory: received bytes live in a ring indexed by stream offset, allocated
// on the first frame at the smallest power of two (from RING_MIN) that holds
// what arrived, doubled as more arrives, never above `capacity`, and freed
// whenever the application has read everything received. Which offsets have arrived is a RangeSet of at
// most `maxRanges` ranges. So a peer can make us hold at most `capacity`
// bytes plus `maxRanges` ranges, whatever it sends:
//   - data beyond readOffset + capacity is FLOW_CONTROL_ERROR (the flow-control
//     limit we advertise — flow_control.ts — must never exceed it);
//   - data that would create more than `maxRanges` out-of-order ranges is
//     PROTOCOL_VIOLATION (a hostile fragmentation; see `onStreamFrame`).
import { NO_ERROR, FINAL_SIZE_ERROR, FLOW_CONTROL_ERROR, FRAME_ENCODING_ERROR, PROTOCOL_VIOLATION } from "./errors";
import { RangeSet } from "./range_set";
import { MAX_STREAM_BUFFER } from "./constants";
import { ringSizeFor, regrowRing } from "./ring";

/** RFC 9000 §19.8: offset + length may not exceed 2^62-1. */
const MAX_STREAM_OFFSET: u64 = (<u64>1 << 62) - 1;

/** RFC 9000 §3.2: receiving stream states this file tracks. */
export const enum RecvState {
  /** Recv: final size unknown. */
  Recv = 0,
  /** Size Known: the final size is known, data missing. */
  SizeKnown = 1,
  /** Data Recvd: every byte up to the final size has arrived. */
  DataRecvd = 2,
  /** Data Read: the application has read everything (terminal). */
  DataRead = 3,
  /** Reset Recvd: RESET_STREAM arrived before all data. */
  ResetRecvd = 4,
  /** Reset Read: the application has seen the reset (terminal). */
  ResetRead = 5,
}

export class StreamRecv {
  /** Bytes of the ring; the most this stream buffers (raised by `grow`). */
  capacity: u64;
  /** The offset the application reads next. */
  readOffset: u64 = 0;
  /** The largest offset + length received (the flow-control credit consumed, §4.5). */
  maxReceivedOffset: u64 = 0;
  /** RFC 9000 §4.5: the final size, valid when `finalSizeKnown`. */
  finalSize: u64 = 0;
  finalSizeKnown: bool = false;
  state: RecvState = RecvState.Recv;
  /** RFC 9000 §19.4: the application error code of RESET_STREAM. */
  resetErrorCode: u64 = 0;
  /**
   * draft-ietf-quic-reliable-stream-reset §5: a RESET_STREAM_AT arrived and
   * waits for the application to read the bytes below `reliableSize`; the
   * stream then enters Reset Recvd with `resetErrorCode`.
   */
  resetAtPending: bool = false;
  /** The Reliable Size of the pending RESET_STREAM_AT (only lowered by later frames). */
  reliableSize: u64 = 0;
  /** Why the last call failed (for TransportError.reason). */
  reason: string = "";
  /** Data arrived in 0-RTT packets (RFC 9001 §4.6): replayable (RFC 8470 §5.1); the application decides. */
  early: bool = false;

  private ring: usize = 0;
  /** Bytes of the ring (kept as the size to come back at after a release): from RING_MIN, doubled as data needs it, at most `capacity`. */
  private ringSize: u64 = 0;
  private received: RangeSet;

  /** `capacity` > 0 bytes of buffer; at most `maxRanges` out-of-order ranges. */
  constructor(capacity: u64, maxRanges: i32 = 32) {
    // bounded so that heap.alloc cannot fail on a configuration value
    this.capacity = capacity == 0 ? 1 : (capacity > MAX_STREAM_BUFFER ? MAX_STREAM_BUFFER : capacity);
    this.received = new RangeSet(maxRanges, true);
  }

  /** Number of ranges currently buffered (ranges at or above readOffset). */
  get rangeCount(): i32 { return this.received.count; }

  /** Bytes readable now, in order. */
  get readable(): u64 {
    if (this.received.isEmpty || this.received.smallest > this.readOffset) return 0;
    return this.received.lowestEnd + 1 - this.readOffset;
  }

  /** Whether the ring is allocated (released when all received data is read). */
  get hasBuffer(): bool { return this.ring != 0; }

  private fail(code: u64, reason: string): u64 {
    this.reason = reason;
    return code;
  }

  /**
   * RFC 9000 §19.8: a STREAM frame's `length` bytes at `data` for `offset`,
   * with the FIN bit `fin`. Returns NO_ERROR or a connection error code
   * (nothing is changed on error).
   */
  onStreamFrame(offset: u64, data: usize, length: u64, fin: bool): u64 {
    // §19.8: "the sum of the offset and data length ... cannot exceed 2^62-1"
    if (offset > MAX_STREAM_OFFSET || length > MAX_STREAM_OFFSET - offset) {
      return this.fail(FRAME_ENCODING_ERROR, "stream offset beyond 2^62-1");
    }
    const end = offset + length;
    if (this.state >= RecvState.ResetRecvd) {
      // §3.2: after a reset, data may still arrive; only the final-size rules apply.
      if (end > this.finalSize || (fin && end != this.finalSize)) {
        return this.fail(FINAL_SIZE_ERROR, "stream data beyond the final size");
      }
      return NO_ERROR;
    }
    // RFC 9000 §4.5: "Once a final size for a stream is known, it cannot
    // change. If a RESET_STREAM or STREAM frame is received indicating a change
    // in the final size for the stream, an endpoint SHOULD respond with an
    // error of type FINAL_SIZE_ERROR"; likewise for data beyond it, and a final
    // size below data already received.
    if (this.finalSizeKnown) {
      if (end > this.finalSize) return this.fail(FINAL_SIZE_ERROR, "stream data beyond the final size");
      if (fin && end != this.finalSize) return this.fail(FINAL_SIZE_ERROR, "stream final size changed");
    } else if (fin && end < this.maxReceivedOffset) {
      return this.fail(FINAL_SIZE_ERROR, "stream final size below data received");
    }
    // §4.1: a receiver MUST close with FLOW_CONTROL_ERROR when the sender
    // exceeds the limit; our buffer bounds that limit.
    if (end > this.readOffset + this.capacity) {
      return this.fail(FLOW_CONTROL_ERROR, "stream data beyond the receive window");
    }
    // RFC 9000 §2.2: "Data that has already been received can be discarded."
    // "The data at a given offset MUST NOT change if it is sent multiple
    // times; an endpoint MAY treat receipt of different data at the same
    // offset within a stream as a connection error of type
    // PROTOCOL_VIOLATION." We choose the cheaper option: bytes already
    // received are kept and the new copy is ignored, never compared.
    let s = offset > this.readOffset ? offset : this.readOffset;
    // reliable-stream-reset §5: bytes at or above the Reliable Size of a
    // pending RESET_STREAM_AT are not delivered; they are not kept.
    const keepEnd = this.resetAtPending && end > this.reliableSize ? this.reliableSize : end;
    if (s < keepEnd) {
      // Copy only into the gaps: bytes already held stay as first received.
      // (Bytes written into a gap are not "held" until the insert below
      // succeeds, so a refused frame leaves no visible change.)
      let pos = s;
      while (pos < keepEnd) {
        const held = this.received.coveredUntil(pos);
        if (held > pos) { pos = held; continue; }
        const next = min(this.received.nextStartAfter(pos), keepEnd);
        this.store(pos, data + <usize>(pos - offset), next - pos);
        pos = next;
      }
      // Bound the ranges: a hostile fragmentation (many tiny out-of-order
      // pieces) is refused rather than tracked.
      if (!this.received.insert(s, keepEnd - 1)) {
        return this.fail(PROTOCOL_VIOLATION, "too many out-of-order stream fragments");
      }
    }
    if (end > this.maxReceivedOffset) this.maxReceivedOffset = end;
    if (fin && !this.finalSizeKnown) {
      this.finalSizeKnown = true;
      this.finalSize = end;
      this.state = RecvState.SizeKnown;
    }
    if (this.state == RecvState.SizeKnown && !this.resetAtPending && this.readable == this.finalSize - this.readOffset) {
      this.state = RecvState.DataRecvd;
    }
    return NO_ERROR;
  }

  /** Copies `len` bytes for stream offsets [off, off + len) into the ring. */
  private store(off: u64, src: usize, len: u64): void {
    if (len == 0) return;
    if (this.ring == 0 || off + len - this.readOffset > this.ringSize) this.reserve(off + len - this.readOffset);
    const size = this.ringSize;
    const pos = off % size;
    const first = min(len, size - pos);
    memory.copy(this.ring + <usize>pos, src, <usize>first);
    if (first < len) memory.copy(this.ring, src + <usize>first, <usize>(len - first));
  }

  /**
   * Copies up to `max` in-order bytes to `out`; returns how many (0 when
   * nothing is readable). Frees the ring once everything received is read.
   */
  read(out: usize, max: u64): u64 {
    if (this.state >= RecvState.ResetRecvd) {
      this.state = RecvState.ResetRead;
      return 0;
    }
    const n = this.copyOut(out, max);
    if (n > 0) {
      this.readOffset += n;
      this.received.removeBelow(this.readOffset);
    }
    if (this.received.isEmpty) this.releaseBuffer();
    // reliable-stream-reset §5: the reset is delivered once the reliable bytes were
    if (this.resetAtPending && this.readOffset >= this.reliableSize) this.enterResetRecvd();
    else if (this.finalSizeKnown && this.readOffset == this.finalSize) this.state = RecvState.DataRead;
    return n;
  }

  /** Copies up to `max` in-order bytes to `out` without consuming them (a protocol peeking at a stream's first bytes). */
  peek(out: usize, max: u64): u64 {
    if (this.state >= RecvState.ResetRecvd) return 0;
    return this.copyOut(out, max);
  }

  /** Copies up to `max` in-order bytes from the read offset to `out` (the ring may wrap); the count. */
  private copyOut(out: usize, max: u64): u64 {
    const n = min(this.readable, max);
    if (n > 0) {
      const size = this.ringSize;
      const pos = this.readOffset % size;
      const first = min(n, size - pos);
      memory.copy(out, this.ring + <usize>pos, <usize>first);
      if (first < n) memory.copy(out + <usize>first, this.ring, <usize>(n - first));
    }
    return n;
  }

  /** Whether the application has read every byte up to FIN. */
  get finished(): bool { return this.state == RecvState.DataRead; }

  /** Whether a RESET_STREAM was received (the application should stop reading). */
  get isReset(): bool { return this.state >= RecvState.ResetRecvd; }

  /**
   * RFC 9000 §19.4: RESET_STREAM with `finalSize` and `errorCode`. Returns
   * NO_ERROR or FINAL_SIZE_ERROR / FLOW_CONTROL_ERROR.
   */
  onResetStream(errorCode: u64, finalSize: u64): u64 {
    return this.onResetStreamAt(errorCode, finalSize, 0);
  }

  /**
   * draft-ietf-quic-reliable-stream-reset §4, §5: RESET_STREAM_AT (RESET_STREAM
   * is Reliable Size 0). The final-size rules of RFC 9000 §4.5 apply as for
   * RESET_STREAM. The bytes below `reliableSize` are still delivered: the
   * stream enters Reset Recvd when the application has read them (at once
   * when it already has). A later frame may lower the Reliable Size, never
   * raise it (the lower value is kept). Returns NO_ERROR or
   * FINAL_SIZE_ERROR / FLOW_CONTROL_ERROR.
   */
  onResetStreamAt(errorCode: u64, finalSize: u64, reliableSize: u64): u64 {
    if (finalSize > MAX_STREAM_OFFSET) return this.fail(FRAME_ENCODING_ERROR, "final size beyond 2^62-1");
    // §4.5: a final size that changes, or lies below data received, is FINAL_SIZE_ERROR.
    if (this.finalSizeKnown && finalSize != this.finalSize) {
      return this.fail(FINAL_SIZE_ERROR, "stream final size changed");
    }
    if (finalSize < this.maxReceivedOffset) {
      return this.fail(FINAL_SIZE_ERROR, "stream final size below data received");
    }
    if (finalSize > this.readOffset + this.capacity) {
      return this.fail(FLOW_CONTROL_ERROR, "final size beyond the receive window");
    }
    // §3.2: in Data Recvd or later, a reset may be ignored (all data arrived).
    if (this.state == RecvState.DataRecvd || this.state == RecvState.DataRead || this.state >= RecvState.ResetRecvd) {
      return NO_ERROR;
    }
    if (reliableSize > finalSize) reliableSize = finalSize; // the decoder refuses this; a caller may not
    if (this.resetAtPending && reliableSize > this.reliableSize) reliableSize = this.reliableSize;
    this.finalSize = finalSize;
    this.finalSizeKnown = true;
    // §4.5: the final size counts as received for flow control.
    this.maxReceivedOffset = finalSize;
    this.resetErrorCode = errorCode;
    if (reliableSize > this.readOffset) {
      // reliable-stream-reset §5: deliver [readOffset, reliableSize) first;
      // what arrived at or above the Reliable Size is dropped.
      this.resetAtPending = true;
      this.reliableSize = reliableSize;
      if (this.state == RecvState.Recv) this.state = RecvState.SizeKnown;
      this.received.remove(reliableSize, u64.MAX_VALUE);
      if (this.received.isEmpty) this.releaseBuffer();
      return NO_ERROR;
    }
    this.enterResetRecvd();
    return NO_ERROR;
  }

  private enterResetRecvd(): void {
    this.resetAtPending = false;
    this.state = RecvState.ResetRecvd;
    // §3.2: "the implementation MAY interrupt delivery of stream data,
    // discard any data that was not consumed" — release it now.
    this.received.clear();
    this.releaseBuffer();
  }

  /**
   * Raises the buffer to `capacity` bytes (receive-window auto-tuning,
   * flow_control.ts), keeping what is buffered at its offsets. Never shrinks.
   */
  grow(capacity: u64): void {
    if (capacity > MAX_STREAM_BUFFER) capacity = MAX_STREAM_BUFFER;
    if (capacity <= this.capacity) return;
    this.capacity = capacity; // the ring grows when data needs it
  }

  /**
   * Makes the ring hold `need` bytes from readOffset (need <= capacity): the
   * first allocation is the smallest power of two from RING_MIN that fits,
   * then it doubles (a released ring comes back at its last size), never past `capacity` — so memory follows what the peer
   * actually sent, not the window it was given.
   */
  private reserve(need: u64): void {
    const size = ringSizeFor(this.ring, this.ringSize, need, this.capacity);
    // held bytes end at maxReceivedOffset, or at the Reliable Size of a pending
    // RESET_STREAM_AT (maxReceivedOffset is then the final size, §4.5)
    const heldEnd = this.resetAtPending && this.maxReceivedOffset > this.reliableSize ? this.reliableSize : this.maxReceivedOffset;
    this.ring = regrowRing(this.ring, this.ringSize, size, this.readOffset, heldEnd);
    this.ringSize = size;
  }

  /** Frees the ring (also call when the stream is discarded). */
  releaseBuffer(): void {
    if (this.ring != 0) {
      heap.free(this.ring);
      this.ring = 0;
    }
  }
}
