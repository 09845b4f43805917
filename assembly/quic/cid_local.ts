// The connection IDs we issue to the peer (RFC 9000 §5.1, §5.1.1, §5.1.2,
// §19.15, §19.16): sequence numbers, stateless reset tokens (§10.3.2), the
// peer's active_connection_id_limit (§18.2), RETIRE_CONNECTION_ID from the
// peer, our own Retire Prior To, NEW_CONNECTION_ID frames to resend after a
// loss, and the routing changes the endpoint applies to its CID table.
//
//   const cids = new LocalCids(8, resetKey, 32);
//   const first = cids.issueFirst();            // SCID of our first packet
//   cids.setPeerLimit(tp.activeConnectionIdLimit);
//   while (cids.wantsIssue()) {                  // when 1-RTT keys are available
//     const c = cids.issueNext()!;               // NEW_CONNECTION_ID(c.seq, cids.retirePriorTo, c.cid, c.resetToken)
//   }
//   // after every call into the connection, the endpoint:
//   for (i < cids.addedCount) register(cids.added(i)); for (i < cids.retiredCount) unregister(cids.retired(i));
//   cids.clearChanges();
//
// Records are pooled: a record returned by `retired(i)` is recycled by
// `clearChanges()`, so do not keep it past that call.

import { randomBytes } from "../crypto/random";
import { ctEqual } from "../crypto/ct";
import { MAX_CID_LEN } from "./constants";
import { STATELESS_RESET_TOKEN_LEN } from "./frame";
import { NO_ERROR, PROTOCOL_VIOLATION } from "./errors";
import { resetTokenFor } from "./stateless_reset";

/** The default cap on how many CIDs we keep active for the peer, whatever its limit (§5.1.1 "MAY limit"). */
export const DEFAULT_MAX_LOCAL_CIDS: i32 = 8;
/** RFC 9000 §18.2: "If this transport parameter is absent, a default of 2 is assumed." */
export const DEFAULT_ACTIVE_CONNECTION_ID_LIMIT: u64 = 2;
/** How often a fresh CID is redrawn when it collides with one already active. */
const MAX_DRAWS: i32 = 16;

/** A connection ID we issued (§5.1.1) and its stateless reset token (§10.3.2). */
@final
export class LocalCid {
  seq: u64 = 0;
  cid: StaticArray<u8> = new StaticArray<u8>(<i32>MAX_CID_LEN);
  len: i32 = 0;
  resetToken: StaticArray<u8> = new StaticArray<u8>(<i32>STATELESS_RESET_TOKEN_LEN);
  /** Our NEW_CONNECTION_ID for it was lost and is to be sent again. */
  resend: bool = false;

  @inline get cidPtr(): usize { return changetype<usize>(this.cid); }
  @inline get resetTokenPtr(): usize { return changetype<usize>(this.resetToken); }
}

export class LocalCids {
  /** Our CID length (0..20; 0: zero-length CIDs, nothing is issued beyond seq 0). */
  readonly cidLen: i32;
  /** The most CIDs we keep active for the peer, whatever its limit. */
  readonly maxActive: i32;
  /** min(the peer's active_connection_id_limit, maxActive). */
  peerLimit: i32;
  /**
   * §19.15 Retire Prior To for the NEW_CONNECTION_ID frames we send: every
   * CID below it is one we asked the peer to retire (`retireBelow`).
   */
  retirePriorTo: u64 = 0;
  /** The sequence number the next CID gets (§5.1.1 "MUST increase by 1"). */
  nextSeq: u64 = 0;

  private key: StaticArray<u8>;
  /** Issued, not yet retired by the peer: routing must accept them (§5.1.1). */
  private act: StaticArray<LocalCid | null>;
  private nAct: i32 = 0;
  private addedList: Array<LocalCid> = new Array<LocalCid>();
  private retiredList: Array<LocalCid> = new Array<LocalCid>();
  private free: Array<LocalCid> = new Array<LocalCid>();

  /**
   * `cidLen` our CID length (clamped to 0..20); `resetKey` the endpoint's
   * static key for stateless reset tokens (copied); `maxActive` our own cap on
   * active CIDs (at least 2).
   */
  constructor(cidLen: i32, resetKey: usize, resetKeyLen: usize, maxActive: i32 = DEFAULT_MAX_LOCAL_CIDS) {
    const m = maxActive < 2 ? 2 : (maxActive > 64 ? 64 : maxActive);
    this.cidLen = cidLen < 0 ? 0 : (cidLen > <i32>MAX_CID_LEN ? <i32>MAX_CID_LEN : cidLen);
    this.maxActive = m;
    this.peerLimit = min(<i32>DEFAULT_ACTIVE_CONNECTION_ID_LIMIT, m);
    this.key = new StaticArray<u8>(<i32>resetKeyLen);
    // Active CIDs: up to maxActive current ones plus as many being retired
    // after a `retireBelow` (§5.1.1 allows exceeding the peer's limit then).
    this.act = new StaticArray<LocalCid | null>(m * 2 + 1);
    memory.copy(changetype<usize>(this.key), resetKey, resetKeyLen);
  }

  // --- issuing (§5.1.1) ---

  /**
   * The CID of sequence 0 (§5.1.1: "The initial connection ID issued by an
   * endpoint is sent in the Source Connection ID field of the long packet
   * header ... The sequence number of the initial connection ID is 0"), drawn
   * at random. Call once, first.
   */
  issueFirst(): LocalCid {
    return this.issue();
  }

  /**
   * RFC 9000 §18.2 active_connection_id_limit of the peer. §5.1.1: "An
   * endpoint MUST NOT provide more connection IDs than the peer's limit"; we
   * also cap it at `maxActive`. Values below 2 are a TRANSPORT_PARAMETER_ERROR
   * caught by transport_params.ts; here they count as 2.
   */
  setPeerLimit(limit: u64): void {
    const l = limit < DEFAULT_ACTIVE_CONNECTION_ID_LIMIT ? DEFAULT_ACTIVE_CONNECTION_ID_LIMIT : limit;
    this.peerLimit = l > <u64>this.maxActive ? this.maxActive : <i32>l;
  }

  /**
   * True while the peer holds fewer CIDs than its limit (§5.1.1 "SHOULD
   * ensure that its peer has a sufficient number of available and unused
   * connection IDs"): the connection then calls `issueNext()` and sends
   * NEW_CONNECTION_ID. CIDs below `retirePriorTo` do not count (§5.1.1: we
   * "MAY send connection IDs that temporarily exceed a peer's limit if the
   * NEW_CONNECTION_ID frame also requires the retirement of any excess").
   * False before `issueFirst()`, and always with zero-length CIDs (§5.1.1:
   * such an endpoint "cannot issue a new connection ID").
   */
  wantsIssue(): bool {
    return this.cidLen > 0 && this.nextSeq > 0 && this.countFrom(this.retirePriorTo) < this.peerLimit && this.nAct < this.act.length;
  }

  /**
   * The next CID (sequence `nextSeq`), to send in NEW_CONNECTION_ID with
   * Retire Prior To = `retirePriorTo`; null when `wantsIssue()` is false.
   * (Right after `issueFirst()`, a server sending preferred_address uses this
   * for the CID of sequence 1, §5.1.1.)
   */
  issueNext(): LocalCid | null {
    if (!this.wantsIssue()) return null;
    return this.issue();
  }

  private issue(): LocalCid {
    const c = this.take();
    c.seq = this.nextSeq++;
    c.len = this.cidLen;
    c.resend = false;
    const p = c.cidPtr;
    // §5.1: "the same connection ID MUST NOT be issued more than once on the
    // same connection": redraw on a collision with an active one (likely only
    // with very short CIDs; older, retired ones are not remembered).
    for (let i = 0; i < MAX_DRAWS; i++) {
      randomBytes(p, <usize>c.len);
      if (this.findCid(p, c.len) < 0) break;
    }
    resetTokenFor(changetype<usize>(this.key), <usize>this.key.length, p, c.len, c.resetTokenPtr);
    unchecked(this.act[this.nAct++] = c);
    this.addedList.push(c);
    return c;
  }

  // --- retirement (§5.1.2, §19.16) ---

  /**
   * A RETIRE_CONNECTION_ID frame (§19.16) in a packet whose Destination
   * Connection ID is `packetDcid`. Returns 0 or the error code:
   *  - "An endpoint that provides a zero-length connection ID MUST treat
   *    receipt of a RETIRE_CONNECTION_ID frame as a connection error of type
   *    PROTOCOL_VIOLATION."
   *  - "Receipt of a RETIRE_CONNECTION_ID frame containing a sequence number
   *    greater than any previously sent to the peer MUST be treated as a
   *    connection error of type PROTOCOL_VIOLATION."
   *  - "The sequence number specified in a RETIRE_CONNECTION_ID frame MUST NOT
   *    refer to the Destination Connection ID field of the packet in which the
   *    frame is contained. The peer MAY treat this as a connection error of
   *    type PROTOCOL_VIOLATION." (we do)
   *  - an already retired sequence number is ignored (a retransmission).
   * The retired CID is reported through `retired(i)`; `wantsIssue()` then asks
   * for a replacement (§5.1.1 "SHOULD supply a new connection ID when the peer
   * retires a connection ID").
   */
  onRetire(seq: u64, packetDcid: usize, packetDcidLen: i32): u64 {
    if (this.cidLen == 0) return PROTOCOL_VIOLATION;
    if (seq >= this.nextSeq) return PROTOCOL_VIOLATION;
    const i = this.findSeq(seq);
    if (i < 0) return NO_ERROR;
    const c = unchecked(this.act[i])!;
    if (packetDcidLen == c.len && ctEqual(c.cidPtr, packetDcid, <usize>c.len)) return PROTOCOL_VIOLATION;
    this.removeAt(i);
    return NO_ERROR;
  }

  /**
   * Asks the peer to retire every CID below `seq` ourselves (§5.1.2: "Such
   * an endpoint can cause its peer to retire connection IDs by sending a
   * NEW_CONNECTION_ID frame with an increased Retire Prior To field"), e.g.
   * after a migration. The CIDs stay active (routing accepts them, §5.1.2
   * "SHOULD continue to accept the previously issued connection IDs until they
   * are retired by the peer") until the peer's RETIRE_CONNECTION_ID arrives;
   * `wantsIssue()` then asks for replacements, whose NEW_CONNECTION_ID frames
   * carry the new Retire Prior To. Returns false and changes nothing when
   * `seq` does not increase `retirePriorTo`, is above `nextSeq`, no active CID
   * is below it, CIDs are zero-length, or CIDs from the previous increase are
   * still active (§5.1.2: "SHOULD NOT issue updates of the Retire Prior To
   * field before receiving RETIRE_CONNECTION_ID frames that retire all
   * connection IDs indicated by the previous Retire Prior To value").
   */
  retireBelow(seq: u64): bool {
    if (this.cidLen == 0 || seq <= this.retirePriorTo || seq > this.nextSeq) return false;
    if (this.countFrom(this.retirePriorTo) != this.nAct) return false;
    if (this.countFrom(seq) == this.nAct) return false;
    this.retirePriorTo = seq;
    return true;
  }

  // --- loss of NEW_CONNECTION_ID (§13.3) ---

  /**
   * A NEW_CONNECTION_ID frame we sent for `seq` was lost. §13.3: "New
   * connection IDs are sent in NEW_CONNECTION_ID frames and retransmitted if
   * the packet containing them is lost" — unless the CID was retired since, or
   * lies below `retirePriorTo` (a resend then would carry Retire Prior To
   * greater than its sequence number, §19.15 FRAME_ENCODING_ERROR, and the
   * peer is retiring it anyway).
   */
  onNewCidLost(seq: u64): void {
    if (seq < this.retirePriorTo) return;
    const i = this.findSeq(seq);
    if (i >= 0) unchecked(this.act[i])!.resend = true;
  }

  /**
   * The next CID whose NEW_CONNECTION_ID is to be sent again (with Retire
   * Prior To = `retirePriorTo`), or null; the resend mark is cleared (call
   * `onNewCidLost` again if that copy is lost too).
   */
  pendingResend(): LocalCid | null {
    for (let i = 0; i < this.nAct; i++) {
      const c = unchecked(this.act[i])!;
      if (c.resend) {
        c.resend = false;
        if (c.seq >= this.retirePriorTo) return c;
      }
    }
    return null;
  }

  // --- routing changes for the endpoint ---

  /** CIDs issued since the last `clearChanges()` and not retired since. */
  get addedCount(): i32 { return this.addedList.length; }
  added(i: i32): LocalCid { return this.addedList[i]; }
  /** CIDs retired since the last `clearChanges()` (only ones reported as added before). */
  get retiredCount(): i32 { return this.retiredList.length; }
  retired(i: i32): LocalCid { return this.retiredList[i]; }
  /** Forgets the changes; the retired records are recycled. */
  clearChanges(): void {
    const r = this.retiredList;
    for (let i = 0, n = r.length; i < n; i++) this.free.push(unchecked(r[i]));
    r.length = 0;
    this.addedList.length = 0;
  }

  /** Every active CID (for unregistering when the connection goes away). */
  get activeCount(): i32 { return this.nAct; }
  active(i: i32): LocalCid { return this.act[i]!; }
  /** Is `cid` one of ours and active? Its sequence number, or -1. */
  seqOf(cid: usize, len: i32): i64 {
    const i = this.findCid(cid, len);
    return i < 0 ? -1 : <i64>unchecked(this.act[i])!.seq;
  }

  // --- internals ---

  private take(): LocalCid {
    const f = this.free;
    return f.length > 0 ? f.pop() : new LocalCid();
  }

  /** How many active CIDs have a sequence number of at least `seq`. */
  private countFrom(seq: u64): i32 {
    let n = 0;
    for (let i = 0; i < this.nAct; i++) if (unchecked(this.act[i])!.seq >= seq) n++;
    return n;
  }

  private findSeq(seq: u64): i32 {
    for (let i = 0; i < this.nAct; i++) if (unchecked(this.act[i])!.seq == seq) return i;
    return -1;
  }

  private findCid(cid: usize, len: i32): i32 {
    for (let i = 0; i < this.nAct; i++) {
      const c = unchecked(this.act[i])!;
      if (c.len == len && memory.compare(c.cidPtr, cid, <usize>len) == 0) return i;
    }
    return -1;
  }

  private removeAt(i: i32): void {
    const c = unchecked(this.act[i])!;
    const n = --this.nAct;
    for (let j = i; j < n; j++) unchecked(this.act[j] = this.act[j + 1]);
    unchecked(this.act[n] = null);
    // Issued and retired between two drains: the endpoint never saw it.
    const a = this.addedList;
    const k = a.indexOf(c);
    if (k >= 0) { a.splice(k, 1); this.free.push(c); } else this.retiredList.push(c);
  }
}
