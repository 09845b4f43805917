// Test entry: exposes assembly/quic/sent_packets.ts and loss.ts to
// tests/quic/sent_packets.test.ts and tests/quic/loss.test.ts. One instance of
// each, replaced by *New(); the sink logs what it is told.
import { SentPackets, SentPacket, SentFrame, SentFrameKind } from "../../assembly/quic/sent_packets";
import { LossDetection, LossSink, kPacketThreshold, kTimeThresholdNum, kTimeThresholdDen, kPersistentCongestionThreshold } from "../../assembly/quic/loss";
import { RttEstimator, kGranularity } from "../../assembly/quic/rtt";
import { CongestionController } from "../../assembly/quic/cc";
import { NewReno } from "../../assembly/quic/cc_new_reno";
import { Cubic } from "../../assembly/quic/cc_cubic";
import { QuicFrame, FRAME_ACK } from "../../assembly/quic/frame";

export function constants(): u64[] {
  return [kPacketThreshold, kTimeThresholdNum, kTimeThresholdDen, kPersistentCongestionThreshold, kGranularity];
}

// --- sent_packets.ts
let sp = new SentPackets();

export function spNew(maxPooled: i32): void { sp = new SentPackets(maxPooled); }
/** Pushes `pn` with `nFrames` frames: frame j is a Stream frame {streamId: j, offset: pn, length: j + 1, fin: j odd, value: pn * 16 + j}. */
export function spPush(pn: u64, timeSent: u64, nFrames: i32): void {
  const p = sp.push(pn, timeSent);
  for (let j = 0; j < nFrames; j++) {
    const f = p.addFrame(SentFrameKind.Stream);
    f.streamId = <u64>j; f.offset = pn; f.length = <u64>(j + 1); f.fin = (j & 1) != 0; f.value = pn * 16 + <u64>j;
  }
  p.size = <u32>(pn & 0xffff);
}
/** [found, pn, timeSent, size, nFrames, then per frame: kind, streamId, offset, length, fin, value] */
export function spFind(pn: u64): u64[] {
  const p = sp.find(pn);
  if (p === null) return [0];
  const out: u64[] = [1, p.pn, p.timeSent, <u64>p.size, <u64>p.nFrames];
  for (let j = 0; j < p.nFrames; j++) {
    const f = p.frame(j);
    out.push(<u64>f.kind); out.push(f.streamId); out.push(f.offset); out.push(f.length); out.push(f.fin ? 1 : 0); out.push(f.value);
  }
  return out;
}
export function spLowerBound(pn: u64): i32 { return sp.lowerBound(pn); }
export function spRemoveAt(i: i32, acked: bool): void { sp.removeAt(i, acked); }
export function spMarkAckedAt(i: i32): bool { return sp.markAckedAt(i); }
export function spTrim(): void { sp.trim(); }
export function spClear(): void { sp.clear(); }
export function spIsSkipped(lo: u64, hi: u64): bool { return sp.isSkipped(lo, hi); }
/** [count, length, capacity, poolSize, largestSent, hasSent, oldest pn or 2^64-1] */
export function spState(): u64[] {
  const o = sp.oldest();
  return [<u64>sp.count, <u64>sp.length, <u64>sp.capacity, <u64>sp.poolSize, sp.largestSent, sp.hasSent ? 1 : 0, o === null ? u64.MAX_VALUE : o.pn];
}
/** Per slot: pn, state (0 live, 1 acked tombstone, 2 lost tombstone); plus out-of-range reads [pnAt(-1), pnAt(length), packetAt(length) null]. */
export function spSlots(): u64[] {
  const out = new Array<u64>();
  for (let i = 0; i < sp.length; i++) {
    out.push(sp.pnAt(i));
    out.push(sp.packetAt(i) !== null ? 0 : (sp.wasAckedAt(i) ? 1 : 2));
  }
  return out;
}
export function spOutOfRange(): u64 {
  return sp.pnAt(-1) | sp.pnAt(sp.length) | (sp.packetAt(sp.length) === null ? 0 : 1) | (sp.packetAt(-1) === null ? 0 : 1)
    | (sp.wasAckedAt(-1) ? 1 : 0) | (sp.markAckedAt(sp.length) ? 1 : 0);
}
/** Pushes and acknowledges `n` packets starting at `firstPn`, `inFlightMax` outstanding at a time (in order); returns [poolSize, capacity, count]. */
export function spChurn(firstPn: u64, n: i32, inFlightMax: i32, nFrames: i32): u64[] {
  let pn = firstPn;
  for (let k = 0; k < n; k++) {
    const p = sp.push(pn++, <u64>k);
    for (let j = 0; j < nFrames; j++) p.addFrame(SentFrameKind.Ping);
    if (sp.count >= inFlightMax) {
      // acknowledge the oldest live packet
      for (let i = 0; i < sp.length; i++) {
        if (sp.packetAt(i) !== null) { sp.removeAt(i, true); break; }
      }
      sp.trim();
    }
  }
  return [<u64>sp.poolSize, <u64>sp.capacity, <u64>sp.count];
}

// --- loss.ts
class LogSink extends LossSink {
  /** (what: 0 acked / 1 lost, space, pn, frame index) */
  log: u64[] = [];
  onFrameAcked(space: u32, f: SentFrame): void { this.add(0, space, f); }
  onFrameLost(space: u32, f: SentFrame): void { this.add(1, space, f); }
  private add(what: u64, space: u32, f: SentFrame): void {
    this.log.push(what); this.log.push(<u64>space); this.log.push(f.offset); this.log.push(f.streamId);
  }
}

let rtt = new RttEstimator();
let cc: CongestionController = new NewReno(1200);
let loss = new LossDetection(rtt, cc, false);
let sink = new LogSink();
let ackFrame = new QuicFrame(64);

/** ccKind 0 = NewReno, 1 = CUBIC; maxRanges: the ACK frame's range capacity. */
export function lossNew(isServer: bool, ccKind: i32, mds: u64, maxAckDelay: u64, maxRanges: i32): void {
  rtt = new RttEstimator(maxAckDelay);
  cc = ccKind == 0 ? <CongestionController>new NewReno(mds) : <CongestionController>new Cubic(mds);
  loss = new LossDetection(rtt, cc, isServer);
  sink = new LogSink();
  ackFrame = new QuicFrame(maxRanges);
}
/** Sends `pn` in `space` with `nFrames` frames (frame j: offset = pn, streamId = j). */
export function lossSend(space: u32, pn: u64, now: u64, size: u32, ackEliciting: bool, inFlight: bool, pmtuProbe: bool, nFrames: i32): void {
  const p = loss.sent[space].push(pn, now);
  for (let j = 0; j < nFrames; j++) {
    const f = p.addFrame(ackEliciting ? SentFrameKind.Stream : SentFrameKind.Ack);
    f.offset = pn; f.streamId = <u64>j;
  }
  p.size = size; p.ackEliciting = ackEliciting; p.inFlight = inFlight; p.isPmtuProbe = pmtuProbe;
  loss.onPacketSent(space, p, now);
}
/** An ACK frame as on the wire: largest, first range, then (gap, length) pairs; ranges past the frame's capacity are dropped (truncated). */
export function lossAck(space: u32, largest: u64, firstRange: u64, pairs: u64[], ackDelay: u64, now: u64): u64 {
  const f = ackFrame;
  f.frameType = FRAME_ACK;
  f.largestAcknowledged = largest;
  f.firstAckRange = firstRange;
  const n = pairs.length >> 1;
  const cap = f.capacity;
  const stored = n < cap ? n : cap;
  for (let i = 0; i < stored * 2; i++) f.ackRanges[i] = pairs[i];
  f.ackRangeCount = <u64>n;
  f.ackRangesStored = stored;
  f.ackRangesTruncated = stored < n;
  return loss.onAckReceived(space, f, ackDelay, now, sink);
}
export function lossTimeout(now: u64): i32 { return <i32>loss.onTimeout(now, sink); }
export function lossDiscard(space: u32, now: u64): void { loss.discardSpace(space, now); }
export function lossDeclareAllLost(space: u32, now: u64): void { loss.declareAllLost(space, sink, now); }
export function lossDeclareAllLostNoTime(space: u32): void { loss.declareAllLost(space, sink); }
export function lossSetFlags(handshakeConfirmed: bool, peerCompletedAddressValidation: bool, hasHandshakeKeys: bool, atAntiAmplificationLimit: bool): void {
  loss.handshakeConfirmed = handshakeConfirmed;
  loss.peerCompletedAddressValidation = peerCompletedAddressValidation;
  loss.hasHandshakeKeys = hasHandshakeKeys;
  loss.atAntiAmplificationLimit = atAntiAmplificationLimit;
}
export function lossRearm(now: u64): void { loss.setLossDetectionTimer(now); }
/** The sink's log since the last call: (what 0 acked / 1 lost, space, pn, frame index) quadruples. */
export function lossLog(): u64[] {
  const l = sink.log;
  sink.log = [];
  return l;
}
/**
 * [timeout, ptoCount, probeSpace, bytesInFlight, congestionWindow, ssthresh, congestionRecoveryStartTime, hasRecoveryStart,
 *  latestRtt, minRtt, smoothedRtt, rttvar, firstRttSampleTime, hasSample,
 *  newlyAcked, newlyAckedAckEliciting, newlyLost, persistentCongestion, peerCompletedAddressValidation,
 *  packetsSent, bytesSent, packetsAcked, bytesAcked, packetsLost, bytesLost, ptoExpirations, persistentCongestionEvents]
 */
export function lossState(): u64[] {
  return [loss.timeout(), <u64>loss.ptoCount, <u64>loss.probeSpace, loss.bytesInFlight(), cc.congestionWindow, cc.ssthresh,
    cc.congestionRecoveryStartTime, cc.hasRecoveryStart ? 1 : 0,
    rtt.latestRtt, rtt.minRtt, rtt.smoothedRtt, rtt.rttvar, rtt.firstRttSampleTime, rtt.hasSample ? 1 : 0,
    <u64>loss.newlyAcked, loss.newlyAckedAckEliciting ? 1 : 0, <u64>loss.newlyLost, loss.persistentCongestion ? 1 : 0,
    loss.peerCompletedAddressValidation ? 1 : 0,
    loss.packetsSent, loss.bytesSent, loss.packetsAcked, loss.bytesAcked, loss.packetsLost, loss.bytesLost,
    loss.ptoExpirations, loss.persistentCongestionEvents];
}
/** [largestAcked, lossTime, ackElicitingInFlight, count, length, capacity, poolSize, largestSent] */
export function lossSpace(space: u32): u64[] {
  const s = loss.sent[space];
  return [loss.largestAcked(space), loss.lossTimeOf(space), <u64>loss.ackElicitingInFlightIn(space),
    <u64>s.count, <u64>s.length, <u64>s.capacity, <u64>s.poolSize, s.largestSent];
}
/**
 * Sends `n` ack-eliciting packets in the Application space, `stepUs` apart; once `window` are
 * outstanding, each send is followed by an ACK of the oldest (largest only); returns
 * [poolSize, capacity, count, bytesInFlight, newlyLost total].
 */
export function lossChurn(n: i32, window: i32, stepUs: u64, size: u32): u64[] {
  const s = loss.sent[2];
  let pn: u64 = s.hasSent ? s.largestSent + 1 : 0;
  let next: u64 = pn; // next to acknowledge
  let now: u64 = 1_000_000;
  let lost: u64 = 0;
  for (let k = 0; k < n; k++) {
    const p = s.push(pn++, now);
    p.addFrame(SentFrameKind.Ping);
    p.size = size; p.ackEliciting = true; p.inFlight = true;
    loss.onPacketSent(2, p, now);
    if (s.count >= window) {
      const f = ackFrame;
      f.frameType = FRAME_ACK; f.largestAcknowledged = next; f.firstAckRange = 0; f.ackRangesStored = 0; f.ackRangeCount = 0; f.ackRangesTruncated = false;
      loss.onAckReceived(2, f, 0, now, sink);
      lost += <u64>loss.newlyLost;
      next++;
      sink.log.length = 0;
    }
    now += stepUs;
  }
  return [<u64>s.poolSize, <u64>s.capacity, <u64>s.count, loss.bytesInFlight(), lost];
}
