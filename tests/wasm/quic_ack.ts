// Test entry: exposes assembly/quic/range_set.ts and ack_tracker.ts to
// tests/quic/range_set.test.ts and tests/quic/ack_tracker.test.ts. The tests
// drive one instance of each held here (test-only state).
import { RangeSet } from "../../assembly/quic/range_set";
import { AckTracker } from "../../assembly/quic/ack_tracker";
import { QuicFrame, decodeFrame, PACKET_1RTT } from "../../assembly/quic/frame";
import { encodeFrame } from "../../assembly/quic/frame_encode";
import { Reader } from "../../assembly/wire/reader";
import { Writer } from "../../assembly/wire/writer";

let rs = new RangeSet(1);

export function rsNew(capacity: i32): void { rs = new RangeSet(capacity); }
export function rsInsert(start: u64, end: u64): bool { return rs.insert(start, end); }
export function rsContains(v: u64): bool { return rs.contains(v); }
export function rsCovers(start: u64, end: u64): bool { return rs.covers(start, end); }
export function rsRemoveBelow(v: u64): void { rs.removeBelow(v); }
export function rsEvictedBelow(): u64 { return rs.evictedBelow; }
export function rsCount(): i32 { return rs.count; }

/** Applies ops as triples (op, a, b): 0 insert [a, b], 1 removeBelow a. */
export function rsApply(ops: u64[]): void {
  for (let i = 0; i + 2 < ops.length; i += 3) {
    if (ops[i] == 0) rs.insert(ops[i + 1], ops[i + 2]);
    else rs.removeBelow(ops[i + 1]);
  }
}

/** The ranges from the top: [start0, end0, start1, end1, ...]; plus out-of-range reads (must be 0). */
export function rsRanges(): u64[] {
  const out = new Array<u64>();
  for (let i = 0; i < rs.count; i++) { out.push(rs.startAt(i)); out.push(rs.endAt(i)); }
  return out;
}
export function rsOutOfRange(): u64 { return rs.startAt(-1) | rs.endAt(rs.count) | rs.startAt(i32.MAX_VALUE); }

let at = new AckTracker(0, 1, 0);

export function atNew(space: u32, maxRanges: i32, maxAckDelay: u64): void { at = new AckTracker(space, maxRanges, maxAckDelay); }
/** onPacketReceived: returns true for a duplicate. */
export function atRecv(pn: u64, ackEliciting: bool, now: u64): bool { return at.onPacketReceived(pn, ackEliciting, now); }
/** Receives pns (all ack-eliciting, at time `now`); returns the duplicate flags. */
export function atRecvMany(pns: u64[], now: u64): bool[] {
  const out = new Array<bool>(pns.length);
  for (let i = 0; i < pns.length; i++) out[i] = at.onPacketReceived(pns[i], true, now);
  return out;
}
export function atShouldSend(now: u64): bool { return at.shouldSendAck(now); }
export function atDeadline(): u64 { return at.ackDeadline; }
export function atImmediate(): bool { return at.ackImmediately; }
export function atOnAckSent(): void { at.onAckSent(); }
export function atOnAckAcknowledged(largest: u64): void { at.onAckAcknowledged(largest); }
export function atMinimum(): u64 { return at.minimumPacketNumber; }
export function atLargest(): u64[] { return [at.largestReceived, at.largestReceivedTime, at.hasReceived ? 1 : 0]; }
export function atDelayField(now: u64, exp: u32): u64 { return at.ackDelayField(now, exp); }

/**
 * Writes the ACK frame into a QuicFrame of `frameCap` ranges, encodes it with
 * encodeFrame, decodes the bytes with decodeFrame, and returns
 * [ok, encodeErr, decodeErr, truncated, largest, ackDelay, firstAckRange, (gap, len)...]
 * from the decoded frame.
 */
export function atAckRoundTrip(now: u64, exp: u32, frameCap: i32): u64[] {
  const f = new QuicFrame(frameCap);
  if (!at.writeAckFrame(f, now, exp)) return [0];
  const w = new Writer();
  const encErr = encodeFrame(w, f);
  const truncated: u64 = f.ackRangesTruncated ? 1 : 0;
  const g = new QuicFrame(frameCap + 8);
  const r = new Reader(w.buf, w.len);
  const decErr = decodeFrame(r, g, PACKET_1RTT);
  const out: u64[] = [1, encErr, decErr, truncated, g.largestAcknowledged, g.ackDelay, g.firstAckRange];
  for (let i = 0; i < g.ackRangesStored; i++) { out.push(g.ackRanges[i << 1]); out.push(g.ackRanges[(i << 1) + 1]); }
  if (!r.atEnd) out[2] = 0xdead;
  w.release();
  return out;
}
