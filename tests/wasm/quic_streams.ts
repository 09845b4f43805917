// Test entry: exposes the stream foundations of assembly/quic/ (stream_id.ts,
// stream_recv.ts, stream_send.ts, flow_control.ts) to tests/quic/stream_*.test.ts
// and tests/quic/flow_control.test.ts. Objects live in handle tables (index = handle).
import { isBidi, isClientInitiated, isValidStreamId, nthStreamId, streamType, streamIndex, streamCountFor, canSend, canReceive, isLocallyInitiated } from "../../assembly/quic/stream_id";
import { StreamRecv } from "../../assembly/quic/stream_recv";
import { StreamSend, StreamChunk } from "../../assembly/quic/stream_send";
import { SendCredit, RecvCredit } from "../../assembly/quic/flow_control";
import { RangeSet } from "../../assembly/quic/range_set";

export { isBidi, isClientInitiated, isValidStreamId, nthStreamId, streamType, streamIndex, streamCountFor, canSend, canReceive, isLocallyInitiated };

const recvs: StreamRecv[] = [];
const sends: StreamSend[] = [];
const sendCredits: SendCredit[] = [];
const recvCredits: RecvCredit[] = [];
const chunk = new StreamChunk();

// --- StreamRecv ---
export function recvNew(capacity: u64, maxRanges: i32): i32 { recvs.push(new StreamRecv(capacity, maxRanges)); return recvs.length - 1; }
export function recvFrame(h: i32, offset: u64, data: Uint8Array, fin: bool): u64 {
  return recvs[h].onStreamFrame(offset, data.dataStart, <u64>data.length, fin);
}
/** A frame whose length is given without data (for limit checks; the bytes are never touched on error paths). */
export function recvFrameLen(h: i32, offset: u64, length: u64, fin: bool): u64 {
  return recvs[h].onStreamFrame(offset, 0, length, fin);
}
export function recvRead(h: i32, max: i32): Uint8Array {
  const r = recvs[h];
  const n = <i32>min(<u64>max, r.readable);
  const out = new Uint8Array(n);
  const got = r.read(out.dataStart, <u64>n);
  return out.subarray(0, <i32>got);
}
export function recvReset(h: i32, code: u64, finalSize: u64): u64 { return recvs[h].onResetStream(code, finalSize); }
export function recvResetAt(h: i32, code: u64, finalSize: u64, reliableSize: u64): u64 { return recvs[h].onResetStreamAt(code, finalSize, reliableSize); }
export function recvResetPending(h: i32): bool { return recvs[h].resetAtPending; }
/** [state, readOffset, maxReceivedOffset, finalSize, finalSizeKnown, rangeCount, hasBuffer, readable, resetErrorCode] */
export function recvInfo(h: i32): u64[] {
  const r = recvs[h];
  return [<u64>r.state, r.readOffset, r.maxReceivedOffset, r.finalSize, r.finalSizeKnown ? 1 : 0, <u64>r.rangeCount, r.hasBuffer ? 1 : 0, r.readable, r.resetErrorCode];
}
export function recvReason(h: i32): string { return recvs[h].reason; }

// --- StreamSend ---
export function sendNew(capacity: u64, maxRanges: i32): i32 { sends.push(new StreamSend(capacity, maxRanges)); return sends.length - 1; }
export function sendWrite(h: i32, data: Uint8Array): u64 { return sends[h].write(data.dataStart, <u64>data.length); }
export function sendFinish(h: i32): bool { return sends[h].finish(); }
/** Emits one chunk: [offset, length, fin, retransmit] followed by the bytes, or null. */
export function sendEmit(h: i32, maxLength: i32): Uint8Array | null {
  const buf = new Uint8Array(maxLength + 1);
  if (!sends[h].emit(<u64>maxLength, buf.dataStart, chunk)) return null;
  lastChunk[0] = chunk.offset; lastChunk[1] = chunk.length; lastChunk[2] = chunk.fin ? 1 : 0; lastChunk[3] = chunk.retransmit ? 1 : 0;
  return buf.subarray(0, <i32>chunk.length);
}
const lastChunk: u64[] = [0, 0, 0, 0];
export function sendLastChunk(): u64[] { return lastChunk.slice(0); }
export function sendAck(h: i32, offset: u64, length: u64, fin: bool): void { sends[h].onAck(offset, length, fin); }
export function sendLost(h: i32, offset: u64, length: u64, fin: bool): void { sends[h].onLost(offset, length, fin); }
export function sendReset(h: i32, code: u64): bool { return sends[h].reset(code); }
export function sendResetAt(h: i32, code: u64, reliableSize: u64): bool { return sends[h].resetAt(code, reliableSize); }
export function sendResetReliable(h: i32): u64 { return sends[h].resetReliableSize; }
export function sendResetPending(h: i32): bool { return sends[h].resetPendingSend; }
export function sendResetAcked(h: i32): void { sends[h].onResetAcked(); }
/** [state, ackedOffset, writeOffset, sentOffset, writable, hasPending, hasBuffer, resetFinalSize, finAcked] */
export function sendInfo(h: i32): u64[] {
  const s = sends[h];
  return [<u64>s.state, s.ackedOffset, s.writeOffset, s.sentOffset, s.writable, s.hasPending ? 1 : 0, s.hasBuffer ? 1 : 0, s.resetFinalSize, s.finAcked ? 1 : 0];
}
export function sendEmitEmpty(h: i32): bool { return sends[h].emit(0, 0, chunk); }

// --- flow control ---
export function scNew(initialMax: u64): i32 { sendCredits.push(new SendCredit(initialMax)); return sendCredits.length - 1; }
export function scMaxData(h: i32, limit: u64): bool { return sendCredits[h].onMaxData(limit); }
export function scConsume(h: i32, n: u64): void { sendCredits[h].consume(n); }
export function scAvailable(h: i32): u64 { return sendCredits[h].available; }
export function scBlocked(h: i32, hasData: bool): bool { return sendCredits[h].shouldSendBlocked(hasData); }
export function scBlockedLost(h: i32): void { sendCredits[h].onBlockedLost(); }

export function rcNew(window: u64, maxWindow: u64): i32 { recvCredits.push(new RecvCredit(window, maxWindow)); return recvCredits.length - 1; }
export function rcReceived(h: i32, v: u64): u64 { return recvCredits[h].onReceived(v); }
export function rcReceivedDelta(h: i32, n: u64): u64 { return recvCredits[h].onReceivedDelta(n); }
export function rcConsumed(h: i32, n: u64, now: u64, rtt: u64): void { recvCredits[h].onConsumed(n, now, rtt); }
/** [maxData, window, received, consumed, shouldSendUpdate] */
export function rcInfo(h: i32): u64[] {
  const c = recvCredits[h];
  return [c.maxData, c.window, c.received, c.consumed, c.shouldSendUpdate ? 1 : 0];
}
export function rcUpdateSent(h: i32): void { recvCredits[h].onUpdateSent(); }
export function rcUpdateLost(h: i32): void { recvCredits[h].onUpdateLost(); }

// --- RangeSet in its refusing mode, as the stream code uses it: half-open [s, e)
// offsets here, mapped onto the set's inclusive ranges ---
const rangeSets: RangeSet[] = [];
export function rsNew(capacity: i32): i32 { rangeSets.push(new RangeSet(capacity, true)); return rangeSets.length - 1; }
export function rsInsert(h: i32, s: u64, e: u64): bool { return e <= s || rangeSets[h].insert(s, e - 1); }
export function rsInsertCoarse(h: i32, s: u64, e: u64): void { if (e > s) rangeSets[h].insertCoarse(s, e - 1); }
export function rsRemove(h: i32, s: u64, e: u64): bool { return e <= s || rangeSets[h].remove(s, e - 1); }
/** [start0, end0, start1, end1, ...], ascending, ends exclusive */
export function rsRanges(h: i32): u64[] {
  const r = rangeSets[h];
  const out = new Array<u64>(r.count * 2);
  for (let i = 0; i < r.count; i++) {
    const k = r.count - 1 - i; // startAt/endAt count from the top
    out[i * 2] = r.startAt(k);
    out[i * 2 + 1] = r.endAt(k) + 1;
  }
  return out;
}
