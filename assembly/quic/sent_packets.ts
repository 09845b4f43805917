// Sent-packet records of one packet-number space (RFC 9002 §6, Appendix A.1):
// what loss detection needs per packet (A.1.1: packet number, ack-eliciting,
// in flight, sent bytes, time sent) and the frames it carried, so that an
// acknowledgment or a loss can be turned into "this frame was delivered" /
// "resend this" (RFC 9000 §13.3).
//
// Memory: the records live in a ring ordered by packet number (packet numbers
// strictly increase per space, RFC 9000 §12.3, so appending keeps it sorted and
// a packet number is found by binary search). An acknowledged or lost packet
// leaves a tombstone in its slot (its record goes back to the pool at once);
// tombstones are popped from the front by `trim`, so the ring spans from the
// oldest outstanding packet to the newest — bounded in practice by the
// congestion window — and shrinks again when that span does. A tombstone
// remembers whether its packet was acknowledged: RFC 9002 §7.6.2 asks whether
// any packet sent between two lost ones was acknowledged. Records (and the
// frame records each holds) are pooled: steady-state sending allocates nothing.
//
// Use (the connection, per packet it builds in `space`):
//   const p = loss.sent[space].push(pn, now);
//   const f = p.addFrame(SentFrameKind.Stream); f.streamId = ...; ...
//   p.size = bytesOnTheWire; p.ackEliciting = ...; p.inFlight = ...;
//   loss.onPacketSent(space, p, now);
// A gap in the packet numbers pushed (RFC 9000 §21.4: skipping a packet
// number to detect optimistic ACKs) is remembered in `skipped`: an ACK that
// covers such a number is PROTOCOL_VIOLATION (loss.ts).
import { RangeSet } from "./range_set";

/** What a sent frame needs for retransmission or for its acknowledgment to mean something. */
export const enum SentFrameKind {
  Stream = 1, Crypto, Ack, ResetStream, StopSending, MaxData, MaxStreamData, MaxStreamsBidi, MaxStreamsUni,
  NewConnectionId, RetireConnectionId, HandshakeDone, NewToken, Ping, Datagram, PathChallenge, PathResponse,
  DataBlocked, StreamDataBlocked, StreamsBlockedBidi, StreamsBlockedUni,
}

/** One frame of a sent packet (pooled with its packet; valid only during the sink call that hands it out). */
@final
export class SentFrame {
  kind: SentFrameKind = SentFrameKind.Ping;
  streamId: u64 = 0;
  /** Stream / CRYPTO offset. */
  offset: u64 = 0;
  /** Stream / CRYPTO / DATAGRAM data length. */
  length: u64 = 0;
  fin: bool = false;
  /** Generic value: largest acknowledged (Ack), sequence number (New/RetireConnectionId), limit (Max*, *Blocked), error code (ResetStream/StopSending). */
  value: u64 = 0;

  @inline reset(kind: SentFrameKind): void {
    this.kind = kind;
    this.streamId = 0;
    this.offset = 0;
    this.length = 0;
    this.fin = false;
    this.value = 0;
  }
}

/** RFC 9002 A.1.1: the fields of one sent packet, and its frames. */
@final
export class SentPacket {
  /** packet_number */
  pn: u64 = 0;
  /** time_sent, µs */
  timeSent: u64 = 0;
  /** sent_bytes: bytes on the wire including header and AEAD tag, without UDP/IP overhead. */
  size: u32 = 0;
  /** ack_eliciting (RFC 9000 §13.2.1: any frame but ACK, PADDING, CONNECTION_CLOSE). */
  ackEliciting: bool = false;
  /** in_flight: counts toward bytes_in_flight (ack-eliciting or PADDING frames, RFC 9002 §2). */
  inFlight: bool = false;
  /** A DPLPMTUD probe: its loss is not a congestion signal (RFC 8899 §4.4, RFC 9000 §14.4). */
  isPmtuProbe: bool = false;
  /** Frames recorded with `addFrame`. */
  nFrames: i32 = 0;
  private frames: Array<SentFrame> = new Array<SentFrame>();

  /** The i-th frame, 0 <= i < nFrames. */
  @inline frame(i: i32): SentFrame {
    assert(i >= 0 && i < this.nFrames);
    return this.frames[i];
  }

  /** Appends a frame record (reused from earlier use of this packet record; fields reset). */
  addFrame(kind: SentFrameKind): SentFrame {
    const n = this.nFrames;
    let f: SentFrame;
    if (n < this.frames.length) {
      f = unchecked(this.frames[n]);
    } else {
      f = new SentFrame();
      this.frames.push(f);
    }
    f.reset(kind);
    this.nFrames = n + 1;
    return f;
  }

  @inline reset(pn: u64, timeSent: u64): void {
    this.pn = pn;
    this.timeSent = timeSent;
    this.size = 0;
    this.ackEliciting = false;
    this.inFlight = false;
    this.isPmtuProbe = false;
    this.nFrames = 0;
  }
}

/** Slot states: a live record, or the tombstone of a removed one. */
const LIVE: u8 = 0;
const ACKED: u8 = 1;
const LOST: u8 = 2;

const INITIAL_CAPACITY: i32 = 8; // small: an idle connection keeps three of these rings; they double as packets fly
/** Records kept for reuse beyond what is in flight (more go to the garbage collector). */
const DEFAULT_MAX_POOLED: i32 = 1024;
/** Skipped packet-number ranges remembered (the lowest is forgotten when full). */
const SKIPPED_RANGES: i32 = 16;

/**
 * One packet-number space's packets in flight or awaiting acknowledgment,
 * ordered by pn (pn strictly increase per space). Pooled: records are reused
 * after acknowledgment/loss, so steady-state sending allocates nothing.
 *
 * Slots are addressed by index 0 .. length-1 from the oldest; an index stays
 * valid until `trim` (called by loss.ts after each operation). Do not push
 * while iterating.
 */
@final
export class SentPackets {
  /** Live records (sent, neither acknowledged nor declared lost nor discarded). */
  count: i32 = 0;
  /** The largest packet number pushed (valid when `hasSent`); kept by `clear`. */
  largestSent: u64 = 0;
  hasSent: bool = false;
  /** Packet numbers skipped on purpose (gaps between pushes, and below the first one): acknowledging them is PROTOCOL_VIOLATION. */
  readonly skipped: RangeSet = new RangeSet(SKIPPED_RANGES);

  private pns: StaticArray<u64>;
  private recs: StaticArray<SentPacket | null>;
  private states: StaticArray<u8>;
  private head: i32 = 0;
  private len: i32 = 0;
  private mask: i32;
  private pool: Array<SentPacket> = new Array<SentPacket>();
  readonly maxPooled: i32;

  constructor(maxPooled: i32 = DEFAULT_MAX_POOLED) {
    this.maxPooled = maxPooled < 0 ? 0 : maxPooled;
    this.pns = new StaticArray<u64>(INITIAL_CAPACITY);
    this.recs = new StaticArray<SentPacket | null>(INITIAL_CAPACITY);
    this.states = new StaticArray<u8>(INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
  }

  /**
   * Starts recording packet `pn` (must exceed the last one); returns the record
   * to fill with frames, then its size and flags (a packet with no frames worth
   * keeping still counts for in-flight/ACK purposes).
   */
  push(pn: u64, timeSent: u64): SentPacket {
    assert(!this.hasSent || pn > this.largestSent, "packet numbers must increase");
    // RFC 9000 §13.1: numbers never sent cannot be acknowledged; remember the gap.
    const from: u64 = this.hasSent ? this.largestSent + 1 : 0;
    if (pn > from) this.skipped.insert(from, pn - 1);
    this.largestSent = pn;
    this.hasSent = true;

    if (this.len == this.mask + 1) this.resize((this.mask + 1) << 1);
    const at = (this.head + this.len) & this.mask;
    const pool = this.pool;
    const p = pool.length > 0 ? pool.pop() : new SentPacket();
    p.reset(pn, timeSent);
    unchecked(this.pns[at] = pn);
    unchecked(this.recs[at] = p);
    unchecked(this.states[at] = LIVE);
    this.len++;
    this.count++;
    return p;
  }

  /** Slots from the oldest record or tombstone to the newest (live records and tombstones). */
  @inline get length(): i32 {
    return this.len;
  }

  /** Ring capacity in slots (grows by doubling, shrinks when mostly unused). */
  @inline get capacity(): i32 {
    return this.mask + 1;
  }

  /** Records waiting in the pool for reuse. */
  @inline get poolSize(): i32 {
    return this.pool.length;
  }

  /** Packet number of slot `i` (0 when out of range). */
  pnAt(i: i32): u64 {
    if (<u32>i >= <u32>this.len) return 0;
    return unchecked(this.pns[(this.head + i) & this.mask]);
  }

  /** The live record in slot `i`; null for a tombstone or out of range. */
  packetAt(i: i32): SentPacket | null {
    if (<u32>i >= <u32>this.len) return null;
    return unchecked(this.recs[(this.head + i) & this.mask]);
  }

  /** Slot `i` is the tombstone of an acknowledged packet (including one acknowledged after it was declared lost). */
  wasAckedAt(i: i32): bool {
    if (<u32>i >= <u32>this.len) return false;
    return unchecked(this.states[(this.head + i) & this.mask]) == ACKED;
  }

  /** The first slot whose packet number is >= `pn` (`length` when none), by binary search. */
  lowerBound(pn: u64): i32 {
    let lo = 0;
    let hi = this.len;
    const pns = this.pns;
    const head = this.head;
    const mask = this.mask;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (unchecked(pns[(head + mid) & mask]) < pn) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** The live record of packet `pn`, or null. */
  find(pn: u64): SentPacket | null {
    const i = this.lowerBound(pn);
    if (i < this.len && this.pnAt(i) == pn) return this.packetAt(i);
    return null;
  }

  /** The oldest live record, or null. */
  oldest(): SentPacket | null {
    for (let i = 0; i < this.len; i++) {
      const p = unchecked(this.recs[(this.head + i) & this.mask]);
      if (p !== null) return p;
    }
    return null;
  }

  /**
   * Turns live slot `i` into a tombstone (`acked`: acknowledged, else lost or
   * abandoned) and returns its record to the pool. Read the record before.
   */
  removeAt(i: i32, acked: bool): void {
    if (<u32>i >= <u32>this.len) return;
    const at = (this.head + i) & this.mask;
    const p = unchecked(this.recs[at]);
    if (p === null) return;
    unchecked(this.recs[at] = null);
    unchecked(this.states[at] = acked ? ACKED : LOST);
    this.count--;
    this.release(p);
  }

  /** A lost packet's tombstone was acknowledged after all (a spurious loss); returns whether it was one. */
  markAckedAt(i: i32): bool {
    if (<u32>i >= <u32>this.len) return false;
    const at = (this.head + i) & this.mask;
    if (unchecked(this.states[at]) != LOST) return false;
    unchecked(this.states[at] = ACKED);
    return true;
  }

  /** Does [lo, hi] hold a packet number that was skipped (never sent)? */
  isSkipped(lo: u64, hi: u64): bool {
    const s = this.skipped;
    if (s.isEmpty || lo > hi) return false;
    return s.coveredUntil(lo) != lo || s.nextStartAfter(lo) <= hi;
  }

  /** Pops tombstones from the front, then halves the ring while it is at most a quarter full (so after a trim, capacity is the initial one or less than 4 × length). Invalidates indices. */
  trim(): void {
    const mask = this.mask;
    while (this.len > 0 && unchecked(this.recs[this.head]) === null) {
      this.head = (this.head + 1) & mask;
      this.len--;
    }
    if (this.len == 0) this.head = 0;
    let cap = mask + 1;
    while (cap > INITIAL_CAPACITY && this.len <= (cap >> 2)) cap >>= 1;
    if (cap != mask + 1) this.resize(cap);
  }

  /** Drops everything (key discard): records go back to the pool; `largestSent` and `skipped` are kept (packet numbers never restart, RFC 9000 §12.3). */
  clear(): void {
    for (let i = 0; i < this.len; i++) {
      const at = (this.head + i) & this.mask;
      const p = unchecked(this.recs[at]);
      if (p !== null) {
        unchecked(this.recs[at] = null);
        this.release(p);
      }
    }
    this.len = 0;
    this.head = 0;
    this.count = 0;
    if (this.mask + 1 > INITIAL_CAPACITY) this.resize(INITIAL_CAPACITY);
  }

  /** The space is over (keys discarded, RFC 9001 §4.9): the pooled records go to the garbage collector. */
  dropPool(): void {
    this.pool = new Array<SentPacket>();
  }

  @inline private release(p: SentPacket): void {
    if (this.pool.length < this.maxPooled) this.pool.push(p);
  }

  /** Copies the slots in order into a ring of `cap` slots (a power of two >= len). */
  private resize(cap: i32): void {
    const pns = new StaticArray<u64>(cap);
    const recs = new StaticArray<SentPacket | null>(cap);
    const states = new StaticArray<u8>(cap);
    for (let i = 0; i < this.len; i++) {
      const at = (this.head + i) & this.mask;
      unchecked(pns[i] = this.pns[at]);
      unchecked(recs[i] = this.recs[at]);
      unchecked(states[i] = this.states[at]);
    }
    this.pns = pns;
    this.recs = recs;
    this.states = states;
    this.head = 0;
    this.mask = cap - 1;
  }
}
