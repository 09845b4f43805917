// Test entry: exposes assembly/quic/ connection IDs, stateless reset and
// address-validation tokens (cid_local.ts, cid_remote.ts, stateless_reset.ts,
// token.ts) to tests/quic/{cid_local,cid_remote,stateless_reset,token}.test.ts.
// Objects live in handle tables (index = handle).
import { LocalCids, LocalCid } from "../../assembly/quic/cid_local";
import { RemoteCids } from "../../assembly/quic/cid_remote";
import { resetTokenFor, buildStatelessReset, couldBeStatelessReset, statelessResetLength } from "../../assembly/quic/stateless_reset";
import { sealRetryToken, sealNewToken, openToken, TokenCheck } from "../../assembly/quic/token";
import { Writer } from "../../assembly/wire/writer";
export { cabi_realloc } from "../../assembly/api/abi";

// --- stateless_reset.ts ---
export function srToken(key: Uint8Array, cid: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  resetTokenFor(key.dataStart, <usize>key.length, cid.dataStart, cid.length, out.dataStart);
  return out;
}
export function srLength(triggerLen: usize, outCap: usize, r: u64): usize { return statelessResetLength(triggerLen, outCap, r); }
export function srBuild(token: Uint8Array, triggerLen: usize, outCap: i32): Uint8Array {
  const out = new Uint8Array(outCap + 1); // one guard byte past the capacity
  out[outCap] = 0xee;
  const n = buildStatelessReset(token.dataStart, triggerLen, out.dataStart, <usize>outCap);
  if (out[outCap] != 0xee) return new Uint8Array(0); // wrote past outCap
  return out.subarray(0, <i32>n);
}
export function srCould(d: Uint8Array): bool { return couldBeStatelessReset(d.dataStart, <usize>d.length); }

// --- cid_local.ts ---
// A LocalCid as 45 bytes: seq (8, big-endian), len (1), cid (20, zero-padded), token (16).
const REC: i32 = 45;
function putRec(out: Uint8Array, at: i32, c: LocalCid): void {
  for (let i = 0; i < 8; i++) out[at + i] = <u8>(c.seq >> (<u64>(7 - i) * 8));
  out[at + 8] = <u8>c.len;
  for (let i = 0; i < c.len; i++) out[at + 9 + i] = c.cid[i];
  for (let i = 0; i < 16; i++) out[at + 29 + i] = c.resetToken[i];
}
function rec(c: LocalCid | null): Uint8Array | null {
  if (c === null) return null;
  const out = new Uint8Array(REC);
  putRec(out, 0, c);
  return out;
}
const locals: LocalCids[] = [];
export function lcNew(cidLen: i32, key: Uint8Array, maxActive: i32): i32 {
  locals.push(new LocalCids(cidLen, key.dataStart, <usize>key.length, maxActive));
  return locals.length - 1;
}
export function lcIssueFirst(h: i32): Uint8Array | null { return rec(locals[h].issueFirst()); }
export function lcSetPeerLimit(h: i32, limit: u64): void { locals[h].setPeerLimit(limit); }
export function lcWantsIssue(h: i32): bool { return locals[h].wantsIssue(); }
export function lcIssueNext(h: i32): Uint8Array | null { return rec(locals[h].issueNext()); }
export function lcRetire(h: i32, seq: u64, dcid: Uint8Array): u64 { return locals[h].onRetire(seq, dcid.dataStart, dcid.length); }
export function lcRetireBelow(h: i32, seq: u64): bool { return locals[h].retireBelow(seq); }
export function lcLost(h: i32, seq: u64): void { locals[h].onNewCidLost(seq); }
export function lcPendingResend(h: i32): Uint8Array | null { return rec(locals[h].pendingResend()); }
export function lcSeqOf(h: i32, cid: Uint8Array): i64 { return locals[h].seqOf(cid.dataStart, cid.length); }
/** which: 0 added, 1 retired, 2 active — records concatenated. */
export function lcList(h: i32, which: i32): Uint8Array {
  const l = locals[h];
  const n = which == 0 ? l.addedCount : (which == 1 ? l.retiredCount : l.activeCount);
  const out = new Uint8Array(n * REC);
  for (let i = 0; i < n; i++) putRec(out, i * REC, which == 0 ? l.added(i) : (which == 1 ? l.retired(i) : l.active(i)));
  return out;
}
export function lcClear(h: i32): void { locals[h].clearChanges(); }
/** [retirePriorTo, nextSeq, peerLimit, activeCount, addedCount, retiredCount, maxActive] */
export function lcInfo(h: i32): u64[] {
  const l = locals[h];
  return [l.retirePriorTo, l.nextSeq, <u64>l.peerLimit, <u64>l.activeCount, <u64>l.addedCount, <u64>l.retiredCount, <u64>l.maxActive];
}

// --- cid_remote.ts ---
const remotes: RemoteCids[] = [];
export function rcNew(limit: u64): i32 { remotes.push(new RemoteCids(limit)); return remotes.length - 1; }
export function rcSetFirst(h: i32, cid: Uint8Array): void { remotes[h].setFirst(cid.dataStart, cid.length); }
export function rcSetFirstToken(h: i32, token: Uint8Array): void { remotes[h].setFirstResetToken(token.dataStart); }
export function rcNewCid(h: i32, seq: u64, rpt: u64, cid: Uint8Array, token: Uint8Array): u64 {
  return remotes[h].onNewConnectionId(seq, rpt, cid.dataStart, cid.length, token.dataStart);
}
/** [currentSeq, currentLen, hasCurrent, storedCount, pendingRetireCount, unackedRetireCount, largestRetirePriorTo, zeroLength, activeLimit] */
export function rcInfo(h: i32): u64[] {
  const r = remotes[h];
  return [r.currentSeq, <u64>r.currentLen, r.hasCurrent ? 1 : 0, <u64>r.storedCount, <u64>r.pendingRetireCount,
    <u64>r.unackedRetireCount, r.largestRetirePriorTo, r.zeroLength ? 1 : 0, <u64>r.activeLimit];
}
export function rcCurrent(h: i32): Uint8Array {
  const r = remotes[h];
  const out = new Uint8Array(r.currentLen);
  memory.copy(out.dataStart, r.currentPtr(), <usize>r.currentLen);
  return out;
}
export function rcHasSpare(h: i32): bool { return remotes[h].hasSpare(); }
export function rcRotate(h: i32): bool { return remotes[h].rotate(); }
export function rcTakeRetire(h: i32): u64 { return remotes[h].takePendingRetire(); }
export function rcRetireLost(h: i32, seq: u64): void { remotes[h].onRetireLost(seq); }
export function rcRetireAcked(h: i32, seq: u64): void { remotes[h].onRetireAcked(seq); }
export function rcMatches(h: i32, d: Uint8Array): bool { return remotes[h].matchesStatelessReset(d.dataStart, <usize>d.length); }

// --- token.ts ---
const w = new Writer();
const check = new TokenCheck();
function taken(ok: bool): Uint8Array | null {
  if (!ok || w.overflow) { w.clear(); return null; }
  const out = new Uint8Array(<i32>w.len);
  memory.copy(out.dataStart, w.buf, w.len);
  w.clear();
  return out;
}
export function tkSealRetry(key: Uint8Array, nowMs: u64, addr: Uint8Array, odcid: Uint8Array, scid: Uint8Array): Uint8Array | null {
  w.clear();
  return taken(sealRetryToken(key.dataStart, nowMs, addr.dataStart, addr.length, odcid.dataStart, odcid.length, scid.dataStart, scid.length, w));
}
export function tkSealNew(key: Uint8Array, nowMs: u64, addr: Uint8Array): Uint8Array | null {
  w.clear();
  return taken(sealNewToken(key.dataStart, nowMs, addr.dataStart, addr.length, w));
}
/** Sealing into a fixed region of `cap` bytes: the token or null (overflow). */
export function tkSealNewFixed(key: Uint8Array, nowMs: u64, addr: Uint8Array, cap: i32): Uint8Array | null {
  const buf = new Uint8Array(cap);
  const fw = new Writer().fixed(buf.dataStart, <usize>cap);
  if (!sealNewToken(key.dataStart, nowMs, addr.dataStart, addr.length, fw) || fw.overflow) return null;
  return buf.subarray(0, <i32>fw.len);
}
/** [valid, kind, issuedMs] — the token bytes are checked unchanged by the caller. */
export function tkOpen(key: Uint8Array, token: Uint8Array, addr: Uint8Array, nowMs: u64, retryLifetime: u64, newLifetime: u64): u64[] {
  const ok = openToken(key.dataStart, token.dataStart, <usize>token.length, addr.dataStart, addr.length, nowMs, retryLifetime, newLifetime, check);
  return [ok ? 1 : 0, <u64>check.kind, check.issuedMs];
}
export function tkOdcid(): Uint8Array {
  const out = new Uint8Array(check.odcidLen);
  memory.copy(out.dataStart, check.odcidPtr, <usize>check.odcidLen);
  return out;
}
export function tkScid(): Uint8Array {
  const out = new Uint8Array(check.retryScidLen);
  memory.copy(out.dataStart, check.retryScidPtr, <usize>check.retryScidLen);
  return out;
}
export function tkReason(): string { return check.reason; }
