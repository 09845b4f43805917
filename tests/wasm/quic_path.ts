// Test entry: exposes assembly/quic/ path.ts, pmtud.ts, datagrams.ts, timer.ts
// and idle.ts to tests/quic/{path,pmtud,datagrams,timer,idle}.test.ts.
// One instance of each, replaced by *New().
export { cabi_realloc } from "../../assembly/api/abi";
import { Path, pathValidationTimeout, NEW_PATH_PTO, MAX_OUTSTANDING_CHALLENGES, MAX_PENDING_RESPONSES, PATH_DATA_LEN } from "../../assembly/quic/path";
import { Pmtud, BASE_PLPMTU, MAX_PROBES, DEFAULT_MAX_PLPMTU, PMTU_RAISE_TIMER, PROBE_TIMER, BLACK_HOLE_THRESHOLD } from "../../assembly/quic/pmtud";
import { Datagrams, DropPolicy, datagramFrameSize, maxDatagramPayload } from "../../assembly/quic/datagrams";
import { TimerTable, Timer } from "../../assembly/quic/timer";
import { IdleTimer } from "../../assembly/quic/idle";

export { pathValidationTimeout, maxDatagramPayload };

function bytesAt(ptr: usize, len: i32): Uint8Array {
  const out = new Uint8Array(len);
  memory.copy(out.dataStart, ptr, <usize>len);
  return out;
}

// --- path.ts
let path = new Path();
/** [NEW_PATH_PTO, MAX_OUTSTANDING_CHALLENGES, MAX_PENDING_RESPONSES, PATH_DATA_LEN] */
export function pathConstants(): u64[] {
  return [NEW_PATH_PTO, <u64>MAX_OUTSTANDING_CHALLENGES, <u64>MAX_PENDING_RESPONSES, <u64>PATH_DATA_LEN];
}
export function pathNew(validated: bool): void { path = new Path(validated); }
export function pathReset(validated: bool): void { path.reset(validated); }
export function pathSetAddress(a: Uint8Array): bool { return path.setAddress(a.dataStart, a.length); }
export function pathAddress(): Uint8Array { return bytesAt(path.addrPtr, path.addrLen); }
export function pathSameAddress(a: Uint8Array): bool { return path.sameAddress(a.dataStart, a.length); }
export function pathSameHost(a: Uint8Array): bool { return path.sameHost(a.dataStart, a.length); }
export function pathReceived(bytes: u64): void { path.onReceived(bytes); }
export function pathSent(bytes: u64): void { path.onSent(bytes); }
export function pathValidate(): void { path.validate(); }
export function pathAllowance(): u64 { return path.sendAllowance(); }
export function pathStartChallenge(now: u64, pto: u64): void { path.startChallenge(now, pto); }
export function pathChallengeData(): Uint8Array { return bytesAt(path.challengeData, PATH_DATA_LEN); }
export function pathChallengeSent(datagramSize: u32, now: u64): void { path.onChallengeSent(datagramSize, now); }
export function pathRetryTimer(now: u64): void { path.onRetryTimer(now); }
export function pathRetryAt(): u64 { return path.retryAt; }
export function pathChallengeLost(): void { path.onChallengeLost(); }
export function pathResponse(data: Uint8Array): bool { return data.length == PATH_DATA_LEN && path.onPathResponse(data.dataStart); }
export function pathTimeout(now: u64): bool { return path.onValidationTimeout(now); }
export function pathCancel(): void { path.cancelValidation(); }
export function pathValidationTimeoutNow(): u64 { return path.validationTimeout(); }
export function pathQueueResponse(data: Uint8Array): void { path.queueResponse(data.dataStart); }
/** The oldest owed response, removed; null when none. */
export function pathPopResponse(): Uint8Array | null {
  if (path.responseCount == 0) return null;
  const d = bytesAt(path.responseData, PATH_DATA_LEN);
  path.popResponse();
  return d;
}
/** [validated, bytesReceived, bytesSent, validating, challengePending, validationDeadline, failed, mtuValidated, responseCount, responsesDropped] */
export function pathInfo(): u64[] {
  return [path.validated ? 1 : 0, path.bytesReceived, path.bytesSent, path.validating ? 1 : 0, path.challengePending ? 1 : 0,
    path.validationDeadline, path.failed ? 1 : 0, path.mtuValidated ? 1 : 0, <u64>path.responseCount, path.responsesDropped];
}

// --- pmtud.ts
let pmtud = new Pmtud();
/** [BASE_PLPMTU, MAX_PROBES, DEFAULT_MAX_PLPMTU, PMTU_RAISE_TIMER, PROBE_TIMER, BLACK_HOLE_THRESHOLD] */
export function pmtudConstants(): u64[] {
  return [<u64>BASE_PLPMTU, <u64>MAX_PROBES, <u64>DEFAULT_MAX_PLPMTU, PMTU_RAISE_TIMER, PROBE_TIMER, <u64>BLACK_HOLE_THRESHOLD];
}
export function pmtudNew(maxPlpmtu: u32): void { pmtud = maxPlpmtu == 0 ? new Pmtud() : new Pmtud(maxPlpmtu); }
export function pmtudPeerMax(size: u64): void { pmtud.setPeerMaxUdpPayload(size); }
export function pmtudEnable(now: u64, baseConfirmed: bool): void { pmtud.enable(now, baseConfirmed); }
export function pmtudDisable(): void { pmtud.disable(); }
export function pmtudShouldProbe(now: u64): bool { return pmtud.shouldProbe(now); }
export function pmtudNextProbeSize(): u32 { return pmtud.nextProbeSize(); }
export function pmtudProbeSent(pn: u64, size: u32, now: u64): void { pmtud.onProbeSent(pn, size, now); }
export function pmtudProbeAcked(size: u32, now: u64): void { pmtud.onProbeAcked(size, now); }
export function pmtudProbeLost(size: u32, now: u64): void { pmtud.onProbeLost(size, now); }
export function pmtudPacketAcked(pn: u64, size: u32): void { pmtud.onPacketAcked(pn, size); }
export function pmtudPacketLost(pn: u64, size: u32, now: u64): bool { return pmtud.onPacketLost(pn, size, now); }
export function pmtudBlackHole(now: u64): void { pmtud.onCongestionBlackHole(now); }
/** [state, currentMtu, maxPlpmtu, probeInFlight, probeCount, timeout, blackHoles, probePn] */
export function pmtudInfo(): u64[] {
  return [<u64>pmtud.state, <u64>pmtud.currentMtu(), <u64>pmtud.maxPlpmtu, pmtud.probeInFlight ? 1 : 0, <u64>pmtud.probeCount,
    pmtud.timeout(), <u64>pmtud.blackHoles, pmtud.probePn];
}

// --- datagrams.ts
let dg = new Datagrams();
export function dgFrameSize(len: u64): u64 { return datagramFrameSize(len); }
export function dgNew(outCount: i32, outBytes: u32, outRefuse: bool, inCount: i32, inBytes: u32, inRefuse: bool): void {
  dg = new Datagrams(outCount, outBytes, outRefuse ? DropPolicy.RefuseNew : DropPolicy.DropOldest,
    inCount, inBytes, inRefuse ? DropPolicy.RefuseNew : DropPolicy.DropOldest);
}
export function dgConfigure(local: u64, peer: u64): void { dg.configure(local, peer); }
export function dgMaxPayload(): i64 { return dg.maxPayload(); }
export function dgPush(data: Uint8Array): i32 { return dg.push(data.dataStart, <u64>data.length); }
/** push with a claimed length and no bytes (for refusals only). */
export function dgPushLen(len: u64): i32 { return dg.push(0, len); }
export function dgNextToSend(frameSpace: u64, maxSpace: u64): i64 { return dg.nextToSend(frameSpace, maxSpace); }
export function dgPopOutgoing(): Uint8Array | null {
  const n = dg.outgoing.peekLen();
  if (n < 0) return null;
  const out = new Uint8Array(<i32>n);
  dg.popOutgoing(out.dataStart);
  return out;
}
export function dgOnFrame(data: Uint8Array, hasLength: bool): u64 { return dg.onFrame(data.dataStart, <u64>data.length, hasLength); }
export function dgOnFrameLen(len: u64, hasLength: bool): u64 { return dg.onFrame(0, len, hasLength); }
export function dgPopIncoming(): Uint8Array | null {
  const n = dg.peekIncomingLen();
  if (n < 0) return null;
  const out = new Uint8Array(<i32>n);
  dg.popIncoming(out.dataStart);
  return out;
}
/** [outCount, outBytes, outDropped, droppedTooLarge, inCount, inBytes, inDropped, droppedIncomingTooLarge] */
export function dgInfo(): u64[] {
  return [<u64>dg.outgoing.count, <u64>dg.outgoing.bytes, dg.outgoing.dropped, dg.droppedTooLarge,
    <u64>dg.incoming.count, <u64>dg.incoming.bytes, dg.incoming.dropped, dg.droppedIncomingTooLarge];
}

// --- timer.ts
let timers = new TimerTable();
export function timerCount(): i32 { return Timer.Count; }
export function timerNew(): void { timers = new TimerTable(); }
export function timerSet(t: i32, at: u64): void { timers.set(<Timer>t, at); }
export function timerStop(t: i32): void { timers.stop(<Timer>t); }
export function timerGet(t: i32): u64 { return timers.get(<Timer>t); }
export function timerNext(): u64 { return timers.next(); }
export function timerFirstExpired(now: u64): i32 { return timers.firstExpired(now); }
/** Enum values in declaration order: Idle .. Pmtud. */
export function timerIds(): i32[] {
  return [Timer.Idle, Timer.LossDetection, Timer.AckDelay, Timer.PathValidation, Timer.Pacing, Timer.KeepAlive, Timer.Close, Timer.KeyDiscard, Timer.Pmtud, Timer.Handshake];
}

// --- idle.ts
let idle = new IdleTimer();
export function idleNew(): void { idle = new IdleTimer(); }
export function idleConfigure(localMs: u64, peerMs: u64): void { idle.configure(localMs, peerMs); }
export function idleReceived(now: u64, pto: u64): void { idle.onPacketReceived(now, pto); }
export function idleAckElicitingSent(now: u64, pto: u64): void { idle.onAckElicitingSent(now, pto); }
export function idleDeadline(): u64 { return idle.deadline(); }
export function idleTimeout(): u64 { return idle.timeout; }
export function idlePeriod(pto: u64): u64 { return idle.period(pto); }
