// The connection IDs the peer issued us (RFC 9000 §5.1.1, §5.1.2, §19.15,
// §19.16): the one we send to, spares for migration (§9.5), NEW_CONNECTION_ID
// with its Retire Prior To, the RETIRE_CONNECTION_ID frames we owe, and the
// stateless reset tokens that go with them (§10.3.1).
//
//   const cids = new RemoteCids(4);                   // our active_connection_id_limit
//   cids.setFirst(scidOfPeersFirstPacket, len);        // seq 0 (a client: again after the server's Initial / a Retry)
//   cids.setFirstResetToken(tp.statelessResetToken);   // a client, from the server's transport parameters
//   cids.onNewConnectionId(1, 0, pa.cid, pa.len, pa.token); // a client, preferred_address (§5.1.1: sequence 1)
//   err = cids.onNewConnectionId(f.seq, f.retirePriorTo, f.cid, f.len, f.token);
//   while (cids.pendingRetireCount > 0) send RETIRE_CONNECTION_ID(cids.takePendingRetire());
//
// Storage is allocated in the constructor: `activeLimit` records and a table
// of 4 × activeLimit retirements not yet acknowledged.

import { ctEqual } from "../crypto/ct";
import { MAX_CID_LEN } from "./constants";
import { STATELESS_RESET_TOKEN_LEN } from "./frame";
import { NO_ERROR, PROTOCOL_VIOLATION, CONNECTION_ID_LIMIT_ERROR, FRAME_ENCODING_ERROR } from "./errors";
import { RangeSet } from "./range_set";
import { couldBeStatelessReset } from "./stateless_reset";

/** The most peer CIDs we store; advertise at most this as active_connection_id_limit. */
export const MAX_REMOTE_CID_LIMIT: u64 = 64;
/**
 * Retirements we track until acknowledged, per unit of our limit. §5.1.2: "An
 * endpoint SHOULD allow for sending and tracking a number of
 * RETIRE_CONNECTION_ID frames of at least twice the value of the
 * active_connection_id_limit transport parameter."
 */
const RETIRE_TRACKING_FACTOR: i32 = 4;

const RETIRE_PENDING: u8 = 0;
const RETIRE_IN_FLIGHT: u8 = 1;

/** One CID the peer issued us. */
@final
class RemoteCid {
  seq: u64 = 0;
  cid: StaticArray<u8> = new StaticArray<u8>(<i32>MAX_CID_LEN);
  len: i32 = 0;
  resetToken: StaticArray<u8> = new StaticArray<u8>(<i32>STATELESS_RESET_TOKEN_LEN);
  hasToken: bool = false;
  /** Packets were sent to it (§10.3.1: only then is its token checked). */
  used: bool = false;
  stored: bool = false;

  @inline get cidPtr(): usize { return changetype<usize>(this.cid); }
  @inline get tokenPtr(): usize { return changetype<usize>(this.resetToken); }
}

export class RemoteCids {
  /** Our active_connection_id_limit (2..64): how many of the peer's CIDs we store. */
  readonly activeLimit: i32;
  /** The sequence number of the CID we send to (u64.MAX_VALUE when there is none: see `hasCurrent`). */
  currentSeq: u64 = u64.MAX_VALUE;
  /** Its length. */
  currentLen: i32 = 0;
  /** The peer uses zero-length CIDs (§5.1.1, §19.15). */
  zeroLength: bool = false;
  /** §19.15: the largest Retire Prior To received. */
  largestRetirePriorTo: u64 = 0;
  /** RETIRE_CONNECTION_ID frames waiting to be sent. */
  pendingRetireCount: i32 = 0;

  private slots: StaticArray<RemoteCid>;
  private nStored: i32 = 0;
  private cur: i32 = -1;
  /**
   * Sequence numbers we have sent RETIRE_CONNECTION_ID for (§19.15 "unless it
   * has already done so"), as ranges: contiguous for a peer issuing in order.
   * When full the lowest range is forgotten (`evictedBelow`): a forgotten
   * sequence number below Retire Prior To is retired again (harmless to the
   * peer), one above it is ignored.
   */
  private retiredSeqs: RangeSet;
  /** Retirements not yet acknowledged: sequence number and state. */
  private rSeq: StaticArray<u64>;
  private rState: StaticArray<u8>;
  private nR: i32 = 0;

  /** `activeLimit` = our active_connection_id_limit (§18.2), clamped to 2..64. */
  constructor(activeLimit: u64) {
    const l = activeLimit < 2 ? 2 : (activeLimit > MAX_REMOTE_CID_LIMIT ? MAX_REMOTE_CID_LIMIT : activeLimit);
    const n = <i32>l;
    const cap = n * RETIRE_TRACKING_FACTOR;
    this.activeLimit = n;
    this.slots = new StaticArray<RemoteCid>(n);
    this.retiredSeqs = new RangeSet(cap);
    this.rSeq = new StaticArray<u64>(cap);
    this.rState = new StaticArray<u8>(cap);
    const slots = this.slots;
    for (let i = 0; i < n; i++) unchecked(slots[i] = new RemoteCid());
  }

  // --- the handshake CID (§7.2) ---

  /**
   * The peer's CID of sequence 0 (§5.1.1): the Source Connection ID of its
   * first packet. A client calls this first with the Destination Connection
   * ID it chose, then again after a Retry and after the server's first
   * Initial (§7.2: "the client MUST change the Destination Connection ID it
   * uses for sending packets in response to only the first received Initial
   * or Retry packet"); each call replaces the bytes and forgets the token.
   * A zero length means the peer uses zero-length CIDs.
   */
  setFirst(cid: usize, len: i32): void {
    const n = len < 0 ? 0 : (len > <i32>MAX_CID_LEN ? <i32>MAX_CID_LEN : len);
    let i = this.findSeq(0);
    if (i < 0) {
      i = this.freeSlot();
      if (i < 0) return;
      this.nStored++;
    }
    const e = unchecked(this.slots[i]);
    e.seq = 0;
    e.len = n;
    memory.copy(e.cidPtr, cid, <usize>n);
    e.hasToken = false;
    e.stored = true;
    this.zeroLength = n == 0;
    this.makeCurrent(i);
  }

  /**
   * §18.2 stateless_reset_token (sent by a server only): "This transport
   * parameter ... applies to the connection ID that it selected during the
   * handshake" — sequence 0. 16 bytes at `token`.
   */
  setFirstResetToken(token: usize): void {
    const i = this.findSeq(0);
    if (i < 0) return;
    const e = unchecked(this.slots[i]);
    memory.copy(e.tokenPtr, token, STATELESS_RESET_TOKEN_LEN);
    e.hasToken = true;
  }

  // --- NEW_CONNECTION_ID (§19.15) ---

  /**
   * A NEW_CONNECTION_ID frame. Returns 0 or the error code:
   *  - §19.15: "An endpoint that is sending packets with a zero-length
   *    Destination Connection ID MUST treat receipt of a NEW_CONNECTION_ID
   *    frame as a connection error of type PROTOCOL_VIOLATION."
   *  - §19.15: "Receipt of the same frame multiple times MUST NOT be treated as
   *    a connection error"; but a sequence number "used for different
   *    connection IDs", or a connection ID repeated "with a different
   *    Stateless Reset Token field value or a different Sequence Number field
   *    value" MAY be PROTOCOL_VIOLATION (we do), as may a token repeated for
   *    another CID (§10.3.2).
   *  - §19.15: "A receiver MUST ignore any Retire Prior To fields that do not
   *    increase the largest received Retire Prior To value"; an increase
   *    retires every stored CID below it — §5.1.2 "MUST stop using the
   *    corresponding connection IDs and retire them with RETIRE_CONNECTION_ID
   *    frames before adding the newly provided connection ID" — switching the
   *    current one to the lowest remaining.
   *  - §19.15: a sequence number below the largest Retire Prior To: "MUST send
   *    a corresponding RETIRE_CONNECTION_ID frame that retires the newly
   *    received connection ID, unless it has already done so for that
   *    sequence number". A sequence number we retired ourselves is ignored.
   *  - §5.1.1: more than `activeLimit` stored afterwards: "MUST close the
   *    connection with an error of type CONNECTION_ID_LIMIT_ERROR".
   *  - §5.1.2: more than 4 × activeLimit retirements not yet acknowledged
   *    ("MAY choose to treat having connection IDs in need of retirement that
   *    exceed this limit as a connection error of type
   *    CONNECTION_ID_LIMIT_ERROR").
   * (Length 1..20 and Retire Prior To ≤ Sequence Number are the decoder's
   * FRAME_ENCODING_ERROR, frame.ts; checked again here.)
   */
  onNewConnectionId(seq: u64, retirePriorTo: u64, cid: usize, cidLen: i32, resetToken: usize): u64 {
    if (this.zeroLength) return PROTOCOL_VIOLATION;
    if (cidLen < 1 || cidLen > <i32>MAX_CID_LEN || retirePriorTo > seq) return FRAME_ENCODING_ERROR;
    const slots = this.slots;
    let dup = false;
    for (let i = 0; i < slots.length; i++) {
      const e = unchecked(slots[i]);
      if (!e.stored) continue;
      const sameCid = e.len == cidLen && ctEqual(e.cidPtr, cid, <usize>cidLen);
      const sameToken = e.hasToken && ctEqual(e.tokenPtr, resetToken, STATELESS_RESET_TOKEN_LEN);
      if (e.seq == seq) {
        if (!sameCid || !sameToken) return PROTOCOL_VIOLATION;
        dup = true;
      } else if (sameCid || sameToken) {
        return PROTOCOL_VIOLATION;
      }
    }
    // Retire Prior To: retire before adding (§5.1.2).
    if (retirePriorTo > this.largestRetirePriorTo) {
      this.largestRetirePriorTo = retirePriorTo;
      for (let i = 0; i < slots.length; i++) {
        const e = unchecked(slots[i]);
        if (!e.stored || e.seq >= retirePriorTo) continue;
        if (!this.queueRetire(e.seq)) return CONNECTION_ID_LIMIT_ERROR;
        this.removeSlot(i);
      }
    }
    if (!dup && !this.retiredSeqs.contains(seq)) {
      if (seq < this.largestRetirePriorTo) {
        if (!this.queueRetire(seq)) return CONNECTION_ID_LIMIT_ERROR;
      } else if (seq < this.retiredSeqs.evictedBelow) {
        // Below what the bounded record of retirements still holds: it may be
        // one we retired long ago, so it is never stored again.
      } else {
        if (this.nStored >= this.activeLimit) return CONNECTION_ID_LIMIT_ERROR;
        const i = this.freeSlot();
        const e = unchecked(slots[i]);
        e.seq = seq;
        e.len = cidLen;
        memory.copy(e.cidPtr, cid, <usize>cidLen);
        memory.copy(e.tokenPtr, resetToken, STATELESS_RESET_TOKEN_LEN);
        e.hasToken = true;
        e.used = false;
        e.stored = true;
        this.nStored++;
      }
    }
    if (this.cur < 0) {
      const i = this.lowestStored(false);
      if (i >= 0) this.makeCurrent(i);
    }
    return NO_ERROR;
  }

  // --- the CID we send to ---

  /**
   * False when every CID the peer gave us has been retired (it retired them
   * all through Retire Prior To while we had moved away from its newest): send
   * nothing until a NEW_CONNECTION_ID arrives.
   */
  get hasCurrent(): bool { return this.cur >= 0; }
  /** The bytes of the CID we send to (`currentLen` of them). */
  currentPtr(): usize {
    return this.cur < 0 ? changetype<usize>(unchecked(this.slots[0]).cid) : unchecked(this.slots[this.cur]).cidPtr;
  }
  /** How many CIDs are stored (the current one included). */
  get storedCount(): i32 { return this.nStored; }

  /** §9.5: is there a CID we have never sent to? */
  hasSpare(): bool {
    return this.lowestStored(true) >= 0;
  }

  /**
   * §9.5: "An endpoint MUST NOT reuse a connection ID when sending to more
   * than one destination address" — moves to the unused CID of lowest
   * sequence number and retires the one we sent to (§5.1.2 "SHOULD retire
   * connection IDs when they are no longer actively using either the local or
   * destination address"). False (nothing changes) when there is no spare or
   * the retirement cannot be tracked.
   */
  rotate(): bool {
    const next = this.lowestStored(true);
    if (next < 0) return false;
    const old = this.cur;
    if (old >= 0) {
      if (!this.queueRetire(unchecked(this.slots[old]).seq)) return false;
      this.removeSlot(old);
    }
    this.makeCurrent(next);
    return true;
  }

  // --- RETIRE_CONNECTION_ID to send (§19.16) ---

  /**
   * The sequence number for the next RETIRE_CONNECTION_ID frame (marked in
   * flight); u64.MAX_VALUE when `pendingRetireCount` is 0.
   */
  takePendingRetire(): u64 {
    for (let i = 0; i < this.nR; i++) {
      if (unchecked(this.rState[i]) == RETIRE_PENDING) {
        unchecked(this.rState[i] = RETIRE_IN_FLIGHT);
        this.pendingRetireCount--;
        return unchecked(this.rSeq[i]);
      }
    }
    return u64.MAX_VALUE;
  }

  /** §13.3: the RETIRE_CONNECTION_ID for `seq` was lost: send it again (unless already acknowledged). */
  onRetireLost(seq: u64): void {
    const i = this.findRetire(seq);
    if (i >= 0 && unchecked(this.rState[i]) == RETIRE_IN_FLIGHT) {
      unchecked(this.rState[i] = RETIRE_PENDING);
      this.pendingRetireCount++;
    }
  }

  /** The RETIRE_CONNECTION_ID for `seq` was acknowledged: forget it. */
  onRetireAcked(seq: u64): void {
    const i = this.findRetire(seq);
    if (i < 0) return;
    if (unchecked(this.rState[i]) == RETIRE_PENDING) this.pendingRetireCount--;
    const n = --this.nR;
    unchecked(this.rSeq[i] = this.rSeq[n]);
    unchecked(this.rState[i] = this.rState[n]);
  }

  /** Retirements not yet acknowledged (pending and in flight). */
  get unackedRetireCount(): i32 { return this.nR; }

  // --- stateless reset (§10.3.1) ---

  /**
   * §10.3.1: do the last 16 bytes of the datagram equal the stateless reset
   * token of a CID we hold and have sent to? "MUST NOT check for any stateless
   * reset tokens associated with connection IDs it has not used or for
   * connection IDs that have been retired"; each token is compared in
   * constant time and every candidate is compared ("MUST perform the
   * comparison without leaking information about the value of the token").
   */
  matchesStatelessReset(datagram: usize, len: usize): bool {
    if (!couldBeStatelessReset(datagram, len)) return false;
    const tail = datagram + len - STATELESS_RESET_TOKEN_LEN;
    const slots = this.slots;
    let hit: u32 = 0;
    for (let i = 0; i < slots.length; i++) {
      const e = unchecked(slots[i]);
      if (e.stored && e.used && e.hasToken) hit |= <u32>ctEqual(e.tokenPtr, tail, STATELESS_RESET_TOKEN_LEN);
    }
    return hit != 0;
  }

  // --- internals ---

  private makeCurrent(i: i32): void {
    const e = unchecked(this.slots[i]);
    e.used = true;
    this.cur = i;
    this.currentSeq = e.seq;
    this.currentLen = e.len;
  }

  private removeSlot(i: i32): void {
    const e = unchecked(this.slots[i]);
    e.stored = false;
    e.hasToken = false;
    e.used = false;
    this.nStored--;
    if (this.cur == i) {
      this.cur = -1;
      this.currentSeq = u64.MAX_VALUE;
      this.currentLen = 0;
      const j = this.lowestStored(false);
      if (j >= 0) this.makeCurrent(j);
    }
  }

  /** The stored CID of lowest sequence number (only unused ones if `unusedOnly`), or -1. */
  private lowestStored(unusedOnly: bool): i32 {
    let best = -1;
    let bestSeq = u64.MAX_VALUE;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const e = unchecked(slots[i]);
      if (!e.stored || (unusedOnly && e.used) || i == this.cur) continue;
      if (best < 0 || e.seq < bestSeq) { best = i; bestSeq = e.seq; }
    }
    return best;
  }

  private findSeq(seq: u64): i32 {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const e = unchecked(slots[i]);
      if (e.stored && e.seq == seq) return i;
    }
    return -1;
  }

  private freeSlot(): i32 {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) if (!unchecked(slots[i]).stored) return i;
    return -1;
  }

  /** Queues a RETIRE_CONNECTION_ID for `seq`; false when the tracking table is full (§5.1.2). */
  private queueRetire(seq: u64): bool {
    if (this.findRetire(seq) >= 0) return true;
    if (this.nR >= this.rSeq.length) return false;
    unchecked(this.rSeq[this.nR] = seq);
    unchecked(this.rState[this.nR] = RETIRE_PENDING);
    this.nR++;
    this.pendingRetireCount++;
    this.retiredSeqs.insert(seq, seq);
    return true;
  }

  private findRetire(seq: u64): i32 {
    for (let i = 0; i < this.nR; i++) if (unchecked(this.rSeq[i]) == seq) return i;
    return -1;
  }
}
