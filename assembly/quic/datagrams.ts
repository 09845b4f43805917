// RFC 9221 DATAGRAM frames: the outgoing and incoming queues of one
// connection and the max_datagram_frame_size rules (RFC 9221 §3).
//
// Each queue is a FIFO of datagrams in one byte ring (allocated on the first
// datagram, then reused: no allocation per datagram) with a ring of lengths;
// it is bounded in count and in bytes. When full it either drops its oldest
// datagrams (DropOldest) or refuses the new one (RefuseNew); every drop is
// counted for the connection's stats and events. DATAGRAM frames are never
// retransmitted (RFC 9221 §5.2), so a popped datagram is gone.
//
// Frame sizes: max_datagram_frame_size counts "the frame type, length, and
// payload" (RFC 9221 §3). We send every DATAGRAM frame with a Length field
// (type 0x31), so a payload of n bytes takes `datagramFrameSize(n)` =
// 1 + varintLen(n) + n.
import { NO_ERROR, PROTOCOL_VIOLATION } from "./errors";
import { varintLen, VARINT_MAX } from "../wire/varint";

/** `push` results (local refusals, not transport errors). */
export const DATAGRAM_OK: i32 = 0;
/** RFC 9221 §3: the peer did not advertise max_datagram_frame_size (or sent 0): "MUST NOT send DATAGRAM frames". */
export const DATAGRAM_UNSUPPORTED: i32 = 1;
/** RFC 9221 §3: the frame would exceed the peer's max_datagram_frame_size ("MUST NOT send DATAGRAM frames that are larger"), or the queue's byte bound. */
export const DATAGRAM_TOO_LARGE: i32 = 2;
/** RefuseNew: the outgoing queue is full. */
export const DATAGRAM_QUEUE_FULL: i32 = 3;

/** What a full queue does with a new datagram. */
export const enum DropPolicy {
  /** Drop the oldest queued datagrams to make room (counted in `dropped`). */
  DropOldest = 0,
  /** Keep the queue; the new datagram is refused (outgoing) or dropped (incoming). */
  RefuseNew = 1,
}

/** The DATAGRAM frame (type 0x31, with Length) carrying `len` payload bytes. */
@inline export function datagramFrameSize(len: u64): u64 {
  return 1 + <u64>varintLen(len) + len;
}

/** The largest payload whose frame (with Length) fits `frameSize` bytes; -1 when not even an empty one does. */
export function maxDatagramPayload(frameSize: u64): i64 {
  if (frameSize < 2) return -1;
  // 1 + varintLen(n) + n grows with n: start at the 1-byte-Length guess and step down (a few steps at most)
  let n = frameSize - 2;
  if (n > VARINT_MAX) n = VARINT_MAX;
  while (datagramFrameSize(n) > frameSize) n--;
  return <i64>n;
}

/** A FIFO of datagrams bounded in count and bytes, stored in one reused byte ring. */
@final
export class DatagramQueue {
  readonly maxCount: i32;
  readonly maxBytes: u32;
  readonly policy: DropPolicy;
  /** The byte ring (allocated with the first non-empty datagram). */
  private ring: StaticArray<u8> | null = null;
  /** Payload lengths, `maxCount` slots, oldest at `head`. */
  private lens: StaticArray<u32>;
  private head: i32 = 0;
  /** Datagrams queued. */
  count: i32 = 0;
  /** Offset in the ring of the oldest datagram's first byte. */
  private byteHead: u32 = 0;
  /** Payload bytes queued. */
  bytes: u32 = 0;
  /** Datagrams dropped by the policy (oldest evicted, or new ones dropped). */
  dropped: u64 = 0;

  constructor(maxCount: i32, maxBytes: u32, policy: DropPolicy = DropPolicy.DropOldest) {
    const n = maxCount < 1 ? 1 : maxCount;
    this.lens = new StaticArray<u32>(n);
    this.maxCount = n;
    this.maxBytes = maxBytes;
    this.policy = policy;
  }

  /** Length of the oldest datagram, or -1 when empty. */
  peekLen(): i64 {
    return this.count == 0 ? -1 : <i64>unchecked(this.lens[this.head]);
  }

  /**
   * Makes room for a `len`-byte datagram per the policy. False when it cannot
   * be queued: larger than the byte bound, or full under RefuseNew (nothing
   * is dropped or counted here for those).
   */
  canAccept(len: u32): bool {
    if (len > this.maxBytes) return false;
    const full = this.count == this.maxCount || len > this.maxBytes - this.bytes;
    if (!full) return true;
    if (this.policy == DropPolicy.RefuseNew) return false;
    while (this.count == this.maxCount || len > this.maxBytes - this.bytes) {
      this.discard();
      this.dropped++;
    }
    return true;
  }

  /** Appends `len` bytes from `ptr`; call after `canAccept(len)` returned true. */
  append(ptr: usize, len: u32): void {
    if (len != 0) {
      let ring = this.ring;
      if (ring === null) { ring = new StaticArray<u8>(<i32>this.maxBytes); this.ring = ring; }
      const base = changetype<usize>(ring);
      const cap = this.maxBytes;
      // bytes + len <= cap, so the tail position is below 2·cap
      let at = this.byteHead + this.bytes;
      if (at >= cap) at -= cap;
      const first = cap - at < len ? cap - at : len;
      memory.copy(base + <usize>at, ptr, <usize>first);
      if (first < len) memory.copy(base, ptr + <usize>first, <usize>(len - first));
    }
    let slot = this.head + this.count;
    if (slot >= this.maxCount) slot -= this.maxCount;
    unchecked(this.lens[slot] = len);
    this.count++;
    this.bytes += len;
  }

  /** Copies the oldest datagram to `out` (room for `peekLen()` bytes) and removes it; its length, or -1 when empty. */
  pop(out: usize): i64 {
    if (this.count == 0) return -1;
    const len = unchecked(this.lens[this.head]);
    if (len != 0) {
      const base = changetype<usize>(this.ring);
      const at = this.byteHead;
      const first = this.maxBytes - at < len ? this.maxBytes - at : len;
      memory.copy(out, base + <usize>at, <usize>first);
      if (first < len) memory.copy(out + <usize>first, base, <usize>(len - first));
    }
    this.discard();
    return <i64>len;
  }

  /** Removes the oldest datagram without copying it. */
  discard(): void {
    if (this.count == 0) return;
    const len = unchecked(this.lens[this.head]);
    let bh = this.byteHead + len;
    if (bh >= this.maxBytes) bh -= this.maxBytes;
    this.byteHead = this.count == 1 ? 0 : bh;
    this.bytes -= len;
    this.head = this.head + 1 == this.maxCount ? 0 : this.head + 1;
    this.count--;
    if (this.count == 0) { this.head = 0; this.byteHead = 0; }
  }

  /** Drops everything queued (not counted as drops). */
  clear(): void {
    this.head = 0;
    this.count = 0;
    this.byteHead = 0;
    this.bytes = 0;
  }
}

/** The DATAGRAM state of one connection (RFC 9221). */
@final
export class Datagrams {
  /** Our max_datagram_frame_size transport parameter (0 = not advertised: we refuse DATAGRAM frames). */
  localMaxFrameSize: u64 = 0;
  /** The peer's max_datagram_frame_size (0 = absent: we may not send). */
  peerMaxFrameSize: u64 = 0;
  readonly outgoing: DatagramQueue;
  readonly incoming: DatagramQueue;
  /** Outgoing datagrams dropped because no packet at the path MTU could carry them. */
  droppedTooLarge: u64 = 0;
  /** Incoming datagrams dropped because they exceed the incoming queue's byte bound. */
  droppedIncomingTooLarge: u64 = 0;

  constructor(outCount: i32 = 64, outBytes: u32 = 65536, outPolicy: DropPolicy = DropPolicy.DropOldest,
              inCount: i32 = 64, inBytes: u32 = 65536, inPolicy: DropPolicy = DropPolicy.DropOldest) {
    this.outgoing = new DatagramQueue(outCount, outBytes, outPolicy);
    this.incoming = new DatagramQueue(inCount, inBytes, inPolicy);
  }

  /** RFC 9221 §3: the limits both sides advertised (0 = not advertised). */
  configure(localMaxFrameSize: u64, peerMaxFrameSize: u64): void {
    this.localMaxFrameSize = localMaxFrameSize;
    this.peerMaxFrameSize = peerMaxFrameSize;
  }

  /** The largest payload the peer accepts (-1 when it does not accept DATAGRAM frames). */
  maxPayload(): i64 {
    if (this.peerMaxFrameSize == 0) return -1;
    return maxDatagramPayload(this.peerMaxFrameSize);
  }

  // --- sending

  /**
   * Queues `len` bytes at `ptr` to send (copied). DATAGRAM_UNSUPPORTED /
   * DATAGRAM_TOO_LARGE when RFC 9221 §3 forbids sending it, DATAGRAM_QUEUE_FULL
   * when a RefuseNew queue is full; under DropOldest the oldest queued
   * datagrams give way (`outgoing.dropped`).
   */
  push(ptr: usize, len: u64): i32 {
    // RFC 9221 §3: "An endpoint MUST NOT send DATAGRAM frames until it has
    // received the max_datagram_frame_size transport parameter with a non-zero value"
    if (this.peerMaxFrameSize == 0) return DATAGRAM_UNSUPPORTED;
    // RFC 9221 §3: "An endpoint MUST NOT send DATAGRAM frames that are larger
    // than the max_datagram_frame_size value it has received from its peer."
    if (len > <u64>u32.MAX_VALUE || datagramFrameSize(len) > this.peerMaxFrameSize) return DATAGRAM_TOO_LARGE;
    const n = <u32>len;
    if (n > this.outgoing.maxBytes) return DATAGRAM_TOO_LARGE;
    if (!this.outgoing.canAccept(n)) return DATAGRAM_QUEUE_FULL;
    this.outgoing.append(ptr, n);
    return DATAGRAM_OK;
  }

  /**
   * The payload length of the next datagram to send if its frame fits in
   * `frameSpace` bytes of the packet being built, else -1 (none queued, or the
   * next one waits for a packet with more room — order is kept). Datagrams
   * whose frame exceeds `maxSpace` (the room in an empty packet at the path's
   * current MTU) can never be sent: they are dropped first and counted in
   * `droppedTooLarge`.
   */
  nextToSend(frameSpace: u64, maxSpace: u64): i64 {
    const q = this.outgoing;
    while (q.count != 0) {
      const len = <u64>q.peekLen();
      const size = datagramFrameSize(len);
      if (size <= frameSpace) return <i64>len;
      if (size <= maxSpace) return -1;
      q.discard();
      this.droppedTooLarge++;
    }
    return -1;
  }

  /** Copies the next datagram's payload to `out` and removes it; its length, or -1 when none. */
  popOutgoing(out: usize): i64 {
    return this.outgoing.pop(out);
  }

  // --- receiving

  /**
   * A DATAGRAM frame with `len` payload bytes at `ptr` arrived (`hasLength`:
   * type 0x31). Returns NO_ERROR or PROTOCOL_VIOLATION (RFC 9221 §3). Queued
   * for the application, or dropped and counted when the queue cannot hold it
   * (RFC 9221 §5.3: "they MAY be dropped by the receiver if the receiver
   * cannot process them").
   */
  onFrame(ptr: usize, len: u64, hasLength: bool = true): u64 {
    // RFC 9221 §3: "An endpoint that receives a DATAGRAM frame when it has not
    // indicated support via the transport parameter MUST terminate the
    // connection with an error of type PROTOCOL_VIOLATION."
    if (this.localMaxFrameSize == 0) return PROTOCOL_VIOLATION;
    // RFC 9221 §3: "... receives a DATAGRAM frame that is larger than the value
    // it sent in its max_datagram_frame_size transport parameter MUST terminate
    // the connection with an error of type PROTOCOL_VIOLATION."
    const frameSize = hasLength ? datagramFrameSize(len) : 1 + len;
    if (len > this.localMaxFrameSize || frameSize > this.localMaxFrameSize) return PROTOCOL_VIOLATION;
    const q = this.incoming;
    if (len > <u64>q.maxBytes) {
      this.droppedIncomingTooLarge++;
      return NO_ERROR;
    }
    const n = <u32>len;
    if (!q.canAccept(n)) {
      q.dropped++; // RefuseNew: the new one is dropped
      return NO_ERROR;
    }
    q.append(ptr, n);
    return NO_ERROR;
  }

  /** Length of the next received datagram, or -1. */
  peekIncomingLen(): i64 {
    return this.incoming.peekLen();
  }

  /** Copies the next received datagram to `out` (room for `peekIncomingLen()` bytes) and removes it; its length, or -1. */
  popIncoming(out: usize): i64 {
    return this.incoming.pop(out);
  }
}
