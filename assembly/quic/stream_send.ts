// The send side of one stream (RFC 9000 §2.2, §3.1, §19.8): a bounded send
// buffer the application appends to, cut into STREAM frames' worth of bytes
// for packetization; acknowledged ranges are freed, lost ranges resent — in
// offset order and before new data.
//
// Memory: unacknowledged bytes [ackedOffset, writeOffset) live in a ring
// indexed by stream offset, allocated on the first write at the smallest
// power of two (from RING_MIN) that holds them, doubled as writes need,
// never above `capacity`, and freed once everything written is acknowledged. Acknowledged ranges above
// `ackedOffset` and lost ranges are RangeSets of `maxRanges` each; when the
// lost set is full it is coarsened (it then covers more bytes than were lost:
// resending acknowledged bytes is harmless, §2.2), and an acknowledgment the
// acked set cannot hold is forgotten and its bytes queued for resending.
import { RangeSet } from "./range_set";
import { MAX_STREAM_BUFFER } from "./constants";
import { ringSizeFor, regrowRing } from "./ring";

/** RFC 9000 §3.1: sending stream states. */
export const enum SendState {
  /** Ready / Send: data may be written and sent. */
  Send = 0,
  /** Data Sent: FIN sent, waiting for acknowledgments. */
  DataSent = 1,
  /** Data Recvd: every byte and the FIN acknowledged (terminal). */
  DataRecvd = 2,
  /** Reset Sent: RESET_STREAM queued or sent. */
  ResetSent = 3,
  /** Reset Recvd: RESET_STREAM acknowledged (terminal). */
  ResetRecvd = 4,
}

/** One STREAM frame's worth of data, filled by `StreamSend.emit` (reused by the caller). */
export class StreamChunk {
  offset: u64 = 0;
  length: u64 = 0;
  fin: bool = false;
  /** Whether this chunk resends data already sent (a lost range). */
  retransmit: bool = false;
}

export class StreamSend {
  readonly capacity: u64;
  /** Every byte below this offset is acknowledged (and freed). */
  ackedOffset: u64 = 0;
  /** The offset the next application byte gets. */
  writeOffset: u64 = 0;
  /** The offset of the next new (never sent) byte. */
  sentOffset: u64 = 0;
  /** FIN requested by the application (`finish`). */
  finRequested: bool = false;
  finSent: bool = false;
  finAcked: bool = false;
  private finLost: bool = false;
  state: SendState = SendState.Send;
  /** RFC 9000 §19.4: the error code and final size of our RESET_STREAM. */
  resetErrorCode: u64 = 0;
  resetFinalSize: u64 = 0;
  /**
   * draft-ietf-quic-reliable-stream-reset §5: the Reliable Size of our
   * RESET_STREAM_AT (0 for RESET_STREAM). Bytes below it are still sent,
   * resent when lost, and must be acknowledged before Reset Recvd.
   */
  resetReliableSize: u64 = 0;
  private resetPending: bool = false;
  private resetAcked: bool = false;

  private ring: usize = 0;
  /** Bytes of the ring (kept as the size to come back at after a release): from RING_MIN, doubled as writes need it, at most `capacity`. */
  private ringSize: u64 = 0;
  private acked: RangeSet;
  private lost: RangeSet;

  constructor(capacity: u64, maxRanges: i32 = 32) {
    // bounded so that heap.alloc cannot fail on a configuration value
    this.capacity = capacity == 0 ? 1 : (capacity > MAX_STREAM_BUFFER ? MAX_STREAM_BUFFER : capacity);
    this.acked = new RangeSet(maxRanges, true);
    this.lost = new RangeSet(maxRanges, true);
  }

  /** Free space in the send buffer (what `write` accepts now). */
  get writable(): u64 {
    if (this.finRequested || this.state >= SendState.ResetSent) return 0;
    return this.capacity - (this.writeOffset - this.ackedOffset);
  }

  /** Bytes written but never sent. */
  get unsent(): u64 { return this.writeOffset - this.sentOffset; }

  /** Whether `emit` has something to hand out (data, a lost range or a FIN). */
  get hasPending(): bool {
    if (!this.sendsData) return false;
    return !this.lost.isEmpty || this.sentOffset < this.writeOffset ||
      (this.state < SendState.ResetSent && this.finRequested && (!this.finSent || this.finLost) && !this.finAcked);
  }

  /** Whether lost data waits to be resent (resending needs no new flow-control credit). */
  get hasLost(): bool { return !this.lost.isEmpty && this.sendsData; }

  /** Data may still go out: not reset, or reset with reliable bytes not yet acknowledged. */
  private get sendsData(): bool {
    return this.state < SendState.ResetSent || (this.state == SendState.ResetSent && this.ackedOffset < this.resetReliableSize);
  }

  /** Whether the ring is allocated. */
  get hasBuffer(): bool { return this.ring != 0; }

  /** Appends up to `len` bytes at `src`; returns how many were taken (bounded by `writable`). */
  write(src: usize, len: u64): u64 {
    const n = min(len, this.writable);
    if (n == 0) return 0;
    const held = this.writeOffset + n - this.ackedOffset;
    if (this.ring == 0 || held > this.ringSize) this.reserve(held);
    const size = this.ringSize;
    const pos = this.writeOffset % size;
    const first = min(n, size - pos);
    memory.copy(this.ring + <usize>pos, src, <usize>first);
    if (first < n) memory.copy(this.ring, src + <usize>first, <usize>(n - first));
    this.writeOffset += n;
    return n;
  }

  /** RFC 9000 §3.1: the application ends the stream; FIN goes with the last byte. */
  finish(): bool {
    if (this.state >= SendState.ResetSent || this.finRequested) return false;
    this.finRequested = true;
    return true;
  }

  /**
   * Hands out the next frame's worth of data, at most `maxLength` bytes:
   * first the lowest lost range (RFC 9000 §13.3: lost data is sent in new
   * frames), then new data. Fills `chunk` and copies its bytes to `dst`
   * (room for `maxLength`). Returns false when there is nothing to send.
   */
  emit(maxLength: u64, dst: usize, chunk: StreamChunk): bool {
    if (!this.sendsData) return false;
    // 1. Lost data, in offset order, skipping what was acknowledged since.
    while (!this.lost.isEmpty) {
      // the lowest lost range, [s, e)
      let s = this.lost.smallest;
      let e = this.lost.lowestEnd + 1;
      if (s < this.ackedOffset) s = this.ackedOffset;
      s = this.acked.coveredUntil(s);
      if (s >= e) { this.lost.remove(0, e - 1); continue; }
      e = min(e, this.acked.nextStartAfter(s));
      if (maxLength == 0) break;
      const n = min(e - s, maxLength);
      this.copyOut(s, n, dst);
      this.lost.remove(0, s + n - 1);
      chunk.offset = s;
      chunk.length = n;
      chunk.retransmit = true;
      // The FIN rides with the last byte when it too was lost.
      chunk.fin = this.finSent && s + n == this.writeOffset && this.finLost && this.state < SendState.ResetSent;
      if (chunk.fin) this.finLost = false;
      return true;
    }
    // 2. New data (or a lone FIN).
    const avail = this.writeOffset - this.sentOffset;
    const n = min(avail, maxLength);
    const finNow = this.state < SendState.ResetSent && this.finRequested && this.sentOffset + n == this.writeOffset
      && (!this.finSent || this.finLost) && !this.finAcked;
    if (n == 0 && !finNow) return false;
    const s = this.sentOffset;
    this.copyOut(s, n, dst);
    this.sentOffset += n;
    chunk.offset = s;
    chunk.length = n;
    chunk.retransmit = false;
    chunk.fin = finNow;
    if (finNow) {
      this.finSent = true;
      this.finLost = false;
      this.state = SendState.DataSent;
    }
    return true;
  }

  private copyOut(off: u64, n: u64, dst: usize): void {
    if (n == 0) return;
    const size = this.ringSize;
    const pos = off % size;
    const first = min(n, size - pos);
    memory.copy(dst, this.ring + <usize>pos, <usize>first);
    if (first < n) memory.copy(dst + <usize>first, this.ring, <usize>(n - first));
  }

  /** A frame [offset, offset + length) (with `fin`) was acknowledged: free it. */
  onAck(offset: u64, length: u64, fin: bool): void {
    if (this.state == SendState.ResetRecvd || this.state == SendState.DataRecvd) return;
    // Only bytes that were sent can be acknowledged.
    let end = offset + length;
    if (end < offset || end > this.sentOffset) end = this.sentOffset;
    if (fin && this.finSent) this.finAcked = true;
    if (offset < end && end > this.ackedOffset) {
      const s = offset > this.ackedOffset ? offset : this.ackedOffset;
      if (s == this.ackedOffset) {
        this.ackedOffset = this.acked.coveredUntil(end) > end ? this.acked.coveredUntil(end) : end;
        this.acked.removeBelow(this.ackedOffset);
        // ranges starting exactly at the new ackedOffset extend it
        const c = this.acked.coveredUntil(this.ackedOffset);
        if (c > this.ackedOffset) { this.ackedOffset = c; this.acked.removeBelow(c); }
      } else if (!this.acked.insert(s, end - 1)) {
        // Cannot remember this acknowledgment: resend the bytes instead.
        this.lost.insertCoarse(s, end - 1);
      }
      this.lost.removeBelow(this.ackedOffset);
    }
    if (this.ackedOffset == this.writeOffset && this.lost.isEmpty && this.ring != 0) {
      heap.free(this.ring);
      this.ring = 0;
    }
    if (this.state == SendState.ResetSent) this.checkResetDone();
    else if (this.finAcked && this.ackedOffset == this.writeOffset) this.state = SendState.DataRecvd;
  }

  /** A frame [offset, offset + length) (with `fin`) was declared lost: queue it for resending. */
  onLost(offset: u64, length: u64, fin: bool): void {
    if (this.state == SendState.DataRecvd || this.state == SendState.ResetRecvd) return;
    let end = offset + length;
    if (end < offset || end > this.sentOffset) end = this.sentOffset;
    // after a RESET_STREAM_AT only the bytes below the Reliable Size are resent
    if (this.state == SendState.ResetSent && end > this.resetReliableSize) end = this.resetReliableSize;
    const s = offset > this.ackedOffset ? offset : this.ackedOffset;
    if (s < end) this.lost.insertCoarse(s, end - 1);
    if (fin && this.finSent && !this.finAcked) this.finLost = true;
  }

  /**
   * RFC 9000 §3.1, §19.4: the application abandons the stream. The final size
   * is the amount of data sent (flow-control credit consumed, §4.5). Returns
   * false when the stream already ended (all data acknowledged) or was reset.
   */
  reset(errorCode: u64): bool {
    return this.resetAt(errorCode, 0);
  }

  /**
   * draft-ietf-quic-reliable-stream-reset §5: reset with a Reliable Size (0 is
   * RESET_STREAM). `reliableSize` is capped at what was written; the bytes
   * below it are still delivered (sent, resent when lost), nothing at or
   * above it is sent any more. The final size is the larger of what was sent
   * and the Reliable Size (the caller holds flow-control credit for it).
   */
  resetAt(errorCode: u64, reliableSize: u64): bool {
    if (this.state == SendState.DataRecvd || this.state >= SendState.ResetSent) return false;
    if (reliableSize > this.writeOffset) reliableSize = this.writeOffset;
    this.state = SendState.ResetSent;
    this.resetErrorCode = errorCode;
    this.resetReliableSize = reliableSize;
    this.resetFinalSize = this.sentOffset > reliableSize ? this.sentOffset : reliableSize;
    this.resetPending = true;
    if (reliableSize <= this.ackedOffset) {
      this.resetReliableSize = 0; // everything reliable is already acknowledged
      this.lost.clear();
      this.acked.clear();
      this.releaseBuffer();
      return true;
    }
    // nothing at or above the Reliable Size is sent again, nor for the first time
    this.lost.remove(reliableSize, u64.MAX_VALUE);
    this.writeOffset = this.resetFinalSize;
    return true;
  }

  /** Reset Sent with reliable bytes still to deliver: they are within the final size, so need no new credit. */
  get isResetting(): bool { return this.state == SendState.ResetSent && this.sendsData; }

  /** Reset Recvd once the reset frame and every reliable byte are acknowledged. */
  private checkResetDone(): void {
    if (this.resetAcked && this.ackedOffset >= this.resetReliableSize) {
      this.state = SendState.ResetRecvd;
      this.resetPending = false;
      this.lost.clear();
      this.acked.clear();
      this.releaseBuffer();
    }
  }

  /** Whether a RESET_STREAM frame should be sent (again); the caller then calls `onResetSent`. */
  get resetPendingSend(): bool { return this.resetPending; }
  onResetSent(): void { this.resetPending = false; }
  /** The RESET_STREAM frame was lost: send it again. */
  onResetLost(): void { if (this.state == SendState.ResetSent && !this.resetAcked) this.resetPending = true; }
  /** RFC 9000 §3.1: "Once a packet containing a RESET_STREAM has been acknowledged, the sending part of the stream enters the Reset Recvd state". */
  onResetAcked(): void {
    if (this.state != SendState.ResetSent) return;
    this.resetAcked = true;
    this.resetPending = false;
    this.checkResetDone();
  }

  /**
   * Makes the ring hold `need` bytes from ackedOffset (need <= capacity): the
   * first allocation is the smallest power of two from RING_MIN that fits,
   * then it doubles (a released ring comes back at its last size), never past `capacity`.
   */
  private reserve(need: u64): void {
    const size = ringSizeFor(this.ring, this.ringSize, need, this.capacity);
    this.ring = regrowRing(this.ring, this.ringSize, size, this.ackedOffset, this.writeOffset);
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
