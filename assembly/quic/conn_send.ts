// Sending: one datagram per call, made of up to one packet per space
// (Initial, Handshake, then 0-RTT or 1-RTT, RFC 9000 §12.2), within what the
// path allows (anti-amplification §8.1, the PMTU §14), the congestion window
// and the pacer (RFC 9002 §7). Frames are taken in a fixed order: ACK,
// CRYPTO, then (application space) connection control, stream control,
// DATAGRAM, STREAM data by priority; every frame worth resending is recorded
// on the sent packet (sent_packets.ts) for loss recovery.

import { Connection, ConnState } from "./connection";
import { PacketSpace } from "./space";
import { PacketBuilder } from "./packet_builder";
import {
  QuicFrame, PACKET_INITIAL, PACKET_0RTT, PACKET_HANDSHAKE, PACKET_1RTT,
  FRAME_PING, FRAME_CRYPTO, FRAME_HANDSHAKE_DONE, FRAME_MAX_DATA, FRAME_MAX_STREAM_DATA, FRAME_MAX_STREAMS_BIDI,
  FRAME_MAX_STREAMS_UNI, FRAME_DATA_BLOCKED, FRAME_STREAM_DATA_BLOCKED, FRAME_STREAMS_BLOCKED_BIDI,
  FRAME_STREAMS_BLOCKED_UNI, FRAME_NEW_CONNECTION_ID, FRAME_RETIRE_CONNECTION_ID, FRAME_PATH_CHALLENGE,
  FRAME_PATH_RESPONSE, FRAME_CONNECTION_CLOSE, FRAME_CONNECTION_CLOSE_APP, FRAME_RESET_STREAM, FRAME_RESET_STREAM_AT, FRAME_STOP_SENDING,
  FRAME_NEW_TOKEN, FRAME_DATAGRAM_LEN, FRAME_STREAM, STREAM_BIT_OFF, STREAM_BIT_LEN, STREAM_BIT_FIN, PATH_DATA_LEN,
} from "./frame";
import { encodeFrame } from "./frame_encode";
import { SentPacket, SentFrameKind } from "./sent_packets";
import { SPACE_INITIAL, SPACE_HANDSHAKE, SPACE_APPLICATION } from "./ack_tracker";
import { Writer } from "../wire/writer";
import { varintLen } from "../wire/varint";
import { StreamChunk } from "./stream_send";
import { Stream } from "./streams";
import { Path, MIN_PACKET_ALLOWANCE } from "./path";
import { APPLICATION_ERROR } from "./errors";
import { MIN_UDP_PAYLOAD } from "./config";
import { Timer } from "./timer";

const AEAD_TAG_LEN: usize = 16;
const BUILDER = new PacketBuilder();
const F = new QuicFrame();
const CHUNK = new StreamChunk();
/** Scratch for a STREAM frame's data before its header is known. */
let STREAM_SCRATCH: usize = heap.alloc(65536);

/** Where the last datagram from `pollTransmit` goes. */
@final
export class TransmitTarget {
  addrPtr: usize = 0;
  addrLen: i32 = 0;
  localId: u32 = 0;
}
export const TARGET = new TransmitTarget();

/**
 * Builds the next datagram into `buf` (capacity `cap`); returns its length,
 * 0 when there is nothing to send now. `TARGET` says where it goes.
 */
export function pollTransmit(c: Connection, now: u64, buf: usize, cap: usize): usize {
  const n = transmit(c, now, buf, cap);
  if (n > 0) c.logMetrics();
  return n;
}

function transmit(c: Connection, now: u64, buf: usize, cap: usize): usize {
  c.now = now;
  if (c.state == ConnState.Draining || c.state == ConnState.Closed) return 0;
  if (c.state == ConnState.Closing) return sendClose(c, buf, cap);
  // path validation on a probe path first (RFC 9000 §8.2, §9.1)
  const pp = c.probePath;
  if (pp != null && (pp.challengePending || (pp.responseCount > 0))) {
    const n = sendProbe(c, pp, buf, cap);
    if (n > 0) return n;
  }
  const path = c.path;
  let max = min(cap, <usize>c.pmtud.currentMtu());
  // §8.1: before validation a server sends at most three times what it received
  if (!path.validated) {
    const allowance = path.sendAllowance();
    if (allowance < <u64>max) max = <usize>allowance;
    if (<u64>max < MIN_PACKET_ALLOWANCE) return 0;
  }
  const n = buildDatagram(c, path, buf, max, now, false);
  if (n > 0) return n;
  // DPLPMTUD probe when nothing else is sent (RFC 8899 §5, RFC 9000 §14.4)
  if (c.handshakeConfirmed && path.validated && c.pmtud.shouldProbe(now)) return sendPmtuProbe(c, buf, cap, now);
  return 0;
}

/** What one space has to send now. */
function spaceWants(c: Connection, sp: PacketSpace, now: u64, congestionOk: bool): bool {
  if (!spaceCanSend(c, sp)) return false;
  if (sp.ack.shouldSendAck(now)) return true;
  if (sp.probesPending > 0) return true;
  if (challengeOwed(c, sp)) return true; // §9.4: outside the congestion window (buildPacket)
  if (!congestionOk) return false;
  if (sp.cryptoSend.hasPending) return true;
  if (sp.id != SPACE_APPLICATION) return false;
  // 0-RTT carries stream data only (buildPacket)
  if (sp.tx == null) {
    const s = c.streams.next();
    return s != null && streamCanSend(c, s);
  }
  return appWants(c);
}

/** A PATH_CHALLENGE is owed on the current path and `sp` is the 1-RTT space that carries it. */
function challengeOwed(c: Connection, sp: PacketSpace): bool {
  return c.path.challengePending && sp.id == SPACE_APPLICATION && packetType(c, sp) == PACKET_1RTT;
}

function spaceCanSend(c: Connection, sp: PacketSpace): bool {
  if (sp.discarded) return false;
  if (sp.tx != null) return true;
  // 0-RTT: a client with early keys before 1-RTT (RFC 9001 §4.6.1)
  return sp.id == SPACE_APPLICATION && !c.isServer && c.zeroRtt != null;
}

function appWants(c: Connection): bool {
  const st = c.streams;
  if (c.pingPending || c.handshakeDonePending || c.path.responseCount > 0 || c.path.challengePending) return true;
  if (st.connRecv.shouldSendUpdate || st.maxStreamsBidiPending || st.maxStreamsUniPending) return true;
  if (st.creditQueue.length > 0 || st.streamsBlockedBidiPending || st.streamsBlockedUniPending) return true;
  if (c.localCids.wantsIssue() || c.localCids.pendingResend() != null || c.remoteCids.pendingRetireCount > 0) return true;
  if (c.newTokenPending.len > 0 || c.datagrams.outgoing.count > 0) return true;
  const s = st.next();
  return s != null && streamCanSend(c, s);
}

/** Whether the scheduler's stream can send something now (resends and FIN need no credit). */
function streamCanSend(c: Connection, s: Stream): bool {
  const snd = s.send;
  if (snd == null) return false;
  if (snd.resetPendingSend || snd.hasLost) return true;
  // a lone FIN, or reliable bytes of a RESET_STREAM_AT (their credit was taken at the reset)
  if (snd.unsent == 0 || snd.isResetting) return snd.hasPending;
  return s.sendCredit.available > 0 && c.streams.connSend.available > 0;
}

function buildDatagram(c: Connection, path: Path, buf: usize, max: usize, now: u64, probe: bool): usize {
  const cc = c.cc;
  // RFC 9002 §7: ack-eliciting packets need congestion window; PTO probes do not (§7.5)
  const anyProbe = c.initial.probesPending > 0 || c.handshake.probesPending > 0 || c.app.probesPending > 0;
  let congestionOk = anyProbe || cc.canSend(<u64>max);
  // RFC 9002 §7.7: the pacer spaces ack-eliciting packets
  if (congestionOk && c.cfg.pacing && !anyProbe && c.handshakeConfirmed) {
    c.pacer.update(cc.congestionWindow, c.rtt.smoothedRtt);
    const at = c.pacer.nextSendTime(now, <u64>max);
    if (at > now) {
      c.timers.set(Timer.Pacing, at);
      congestionOk = false;
    }
  }
  // which spaces send (the last one is padded when the datagram needs it)
  let last = -1;
  for (let i = 0; i < 3; i++) {
    if (spaceWants(c, unchecked(c.spaces[i]), now, congestionOk)) last = i;
  }
  if (last < 0) return 0;
  // RFC 9000 §14.1: a client pads every datagram with an Initial packet to
  // 1200 bytes; a server pads those with ack-eliciting Initial packets
  let pad = false;
  let off: usize = 0;
  for (let i = 0; i <= last; i++) {
    const sp = unchecked(c.spaces[i]);
    if (!spaceWants(c, sp, now, congestionOk)) continue;
    if (sp.id == SPACE_INITIAL && (!c.isServer || sp.cryptoSend.hasPending || sp.probesPending > 0)) pad = true;
    const padTo: usize = pad && i == last ? <usize>MIN_UDP_PAYLOAD : 0;
    const next = buildPacket(c, sp, buf, off, max, now, congestionOk, padTo);
    if (next == 0) break;
    off = next;
    if (c.state >= ConnState.Closing) break;
  }
  if (off == 0) return 0;
  if (pad && off < <usize>MIN_UDP_PAYLOAD) off = padWithPacket(c, buf, off, max, now);
  path.onSent(<u64>off);
  if (!path.validated) c.stats.unvalidatedSent += <u64>off;
  c.stats.bytesSent += <u64>off;
  TARGET.addrPtr = path.addrPtr;
  TARGET.addrLen = path.addrLen;
  TARGET.localId = path.localId;
  return off;
}

/**
 * RFC 9000 §14.1: a datagram with an Initial that must reach 1200 bytes whose
 * last packet was not padded (a later space had nothing to send after all)
 * gets one more packet, of PADDING frames only, coalesced after the others
 * (§12.2) in the highest space we have keys for. Returns the new end.
 */
function padWithPacket(c: Connection, buf: usize, off: usize, max: usize, now: u64): usize {
  const app = c.app, hs = c.handshake;
  const sp = app.tx != null && !app.discarded ? app
    : spaceCanSend(c, hs) ? hs
    : spaceCanSend(c, app) ? app
    : c.initial;
  if (!spaceCanSend(c, sp) || !beginPacket(c, sp, buf, off, max)) return off;
  BUILDER.padToDatagram(<usize>MIN_UDP_PAYLOAD);
  const p = c.loss.sent[sp.id].push(sp.nextPn, now);
  const end = finishPacket(c, changetype<PacketKeys_>(txKeysFor(c, sp)), false, false);
  if (end == 0) { abandon(c, sp); return off; }
  sp.nextPn++;
  p.size = <u32>(end - off);
  p.ackEliciting = false;
  p.inFlight = true; // RFC 9002 §2: PADDING counts toward bytes in flight
  c.loss.onPacketSent(sp.id, p, now);
  c.stats.packetsSent++;
  return end;
}

/** Header fields for a packet of `sp`. */
function packetType(c: Connection, sp: PacketSpace): u32 {
  if (sp.id == SPACE_INITIAL) return PACKET_INITIAL;
  if (sp.id == SPACE_HANDSHAKE) return PACKET_HANDSHAKE;
  return sp.tx != null ? PACKET_1RTT : PACKET_0RTT;
}

function beginPacket(c: Connection, sp: PacketSpace, buf: usize, off: usize, max: usize): bool {
  const type = packetType(c, sp);
  const dcid = c.remoteCids.currentPtr();
  const dcidLen = c.remoteCids.currentLen;
  const first = c.localCids.active(0);
  const token = type == PACKET_INITIAL && !c.isServer ? c.token : new Uint8Array(0);
  const k = c.oneRtt;
  const phase = type == PACKET_1RTT && k != null ? k.phase : false;
  return BUILDER.begin(buf, off, max, type, c.version, dcid, dcidLen, changetype<usize>(first.cid), first.len,
    token.dataStart, <usize>token.length, sp.nextPn, sp.largestAckedByPeer, phase);
}

function txKeysFor(c: Connection, sp: PacketSpace): usize {
  if (sp.id == SPACE_APPLICATION) {
    const k = c.oneRtt;
    if (k != null) return changetype<usize>(k.tx);
    return changetype<usize>(c.zeroRtt);
  }
  return changetype<usize>(sp.tx);
}

/**
 * Builds one packet of `sp` at `buf + off` (datagram limit `max`); returns
 * the offset after it, or 0 when nothing was built.
 */
function buildPacket(c: Connection, sp: PacketSpace, buf: usize, off: usize, max: usize, now: u64, congestionOk: bool, padTo: usize): usize {
  if (!beginPacket(c, sp, buf, off, max)) return 0;
  const w = BUILDER.payload;
  const pn = sp.nextPn;
  const p = c.loss.sent[sp.id].push(pn, now);
  let ackEliciting = false;
  const ptoProbe = sp.probesPending > 0;
  // 1. ACK (RFC 9000 §13.2) first when one is owed; otherwise one rides
  // along at the end of a packet that carries something else, if it fits (so
  // an ACK never crowds out a frame that needs the whole packet, and a packet
  // is never built for an ACK nobody asked for)
  const ackOwed = sp.ack.hasRanges && (sp.ack.shouldSendAck(now) || sp.ack.ackElicitingSinceAck > 0);
  if (ackOwed) writeAck(c, sp, w, p, now);
  // RFC 9000 §9.4: "A sender can make exceptions for probe packets so that
  // their loss detection is independent and does not unduly cause the
  // congestion controller to reduce its sending rate" — a PATH_CHALLENGE to
  // the peer's new address goes out whatever the window, which after a NAT
  // rebinding is full of packets sent to the old address (lost): held back,
  // the path never validated (found against ngtcp2's --nat-rebinding)
  if (!congestionOk && sp.probesPending == 0 && challengeOwed(c, sp) && writePathChallenge(c, w, p)) ackEliciting = true;
  if (congestionOk || sp.probesPending > 0) {
    // 2. CRYPTO (RFC 9001 §4.1.3)
    if (writeCrypto(c, sp, w, p)) ackEliciting = true;
    if (sp.id == SPACE_APPLICATION && packetType(c, sp) == PACKET_1RTT) {
      if (writeControl(c, w, p)) ackEliciting = true;
      if (writeStreams(c, w, p)) ackEliciting = true;
    } else if (sp.id == SPACE_APPLICATION) {
      // 0-RTT: stream data only (RFC 9000 §12.4 Table 3 allows more; this is what is useful)
      if (writeStreams(c, w, p)) ackEliciting = true;
    }
    // a PTO probe or keep-alive with nothing else to say is a PING (RFC 9002 §6.2.4)
    if (!ackEliciting && (sp.probesPending > 0 || (c.pingPending && sp.id == SPACE_APPLICATION))) {
      w.u8(<u8>FRAME_PING);
      if (!w.overflow) { ackEliciting = true; p.addFrame(SentFrameKind.Ping); }
    }
    if (ackEliciting) {
      if (sp.probesPending > 0) sp.probesPending--;
      if (sp.id == SPACE_APPLICATION) c.pingPending = false;
    }
  }
  if (!ackOwed && w.len > 0 && sp.ack.hasRanges) writeAck(c, sp, w, p, now);
  if (w.len == 0) {
    abandon(c, sp);
    return 0;
  }
  if (padTo > 0) BUILDER.padToDatagram(padTo);
  const end = finishPacket(c, changetype<PacketKeys_>(txKeysFor(c, sp)), false, ptoProbe);
  if (end == 0) {
    abandon(c, sp);
    return 0;
  }
  sp.nextPn++;
  p.size = <u32>(end - off);
  p.ackEliciting = ackEliciting;
  p.inFlight = ackEliciting || padTo > 0;
  c.loss.onPacketSent(sp.id, p, now);
  if (p.inFlight && c.cfg.pacing) c.pacer.onSent(now, <u64>p.size);
  c.stats.packetsSent++;
  if (ackEliciting) {
    c.idle.onAckElicitingSent(now, c.pto());
    c.lastAckElicitingSentAt = now;
  }
  // RFC 9001 §4.9.1: a client discards Initial keys when it first sends a Handshake packet
  if (!c.isServer && sp.id == SPACE_HANDSHAKE) c.discardSpace(SPACE_INITIAL);
  if (sp.id == SPACE_APPLICATION && packetType(c, sp) == PACKET_1RTT) c.maybeInitiateKeyUpdate();
  return end;
}

/** An ACK frame of `sp`'s received packets, when it fits (RFC 9000 §19.3, ranges bounded by ack_tracker.ts). */
function writeAck(c: Connection, sp: PacketSpace, w: Writer, p: SentPacket, now: u64): void {
  if (!sp.ack.writeAckFrame(F, now, <u32>c.cfg.ackDelayExponent) || !put(w)) return;
  sp.ack.onAckSent();
  p.addFrame(SentFrameKind.Ack).value = F.largestAcknowledged;
}

/**
 * A packet begun and recorded but not sent after all: its record goes, its
 * number is skipped (packet numbers never repeat, RFC 9000 §12.3; a number
 * never sent can never be acknowledged, sent_packets.ts remembers the gap).
 */
function abandon(c: Connection, sp: PacketSpace): void {
  BUILDER.abandon();
  const sent = c.loss.sent[sp.id];
  sent.removeAt(sent.length - 1, false);
  sp.nextPn++;
}

// the PacketKeys type under the name the builder takes
import { PacketKeys as PacketKeys_ } from "./protection";

/** Protects the packet being built (RFC 9001 §5); with qlog on, logs it as packet_sent (its frames read before protection). */
function finishPacket(c: Connection, keys: PacketKeys_, mtuProbe: bool, ptoProbe: bool): usize {
  const q = c.qlog;
  if (q == null) return BUILDER.finish(keys);
  BUILDER.padToMinPayload(); // the sample padding finish() adds is part of what the peer decodes
  const w = BUILDER.payload;
  q.prepareSent(BUILDER.type, w.buf, w.len);
  const end = BUILDER.finish(keys);
  if (end != 0) q.packetSent(c.now, BUILDER.type, BUILDER.pn, BUILDER.packetLen, mtuProbe, ptoProbe);
  return end;
}

function writeCrypto(c: Connection, sp: PacketSpace, w: Writer, p: SentPacket): bool {
  const cs = sp.cryptoSend;
  let wrote = false;
  while (cs.hasPending) {
    // CRYPTO header: type + offset (≤ 8) + length (2 bytes for < 16384)
    const room = w.available;
    if (room < 12) break;
    const maxData = <u64>(room - 11);
    if (!cs.emit(min(maxData, 16383), STREAM_SCRATCH, CHUNK)) break;
    F.frameType = FRAME_CRYPTO;
    F.offset = CHUNK.offset;
    F.data = STREAM_SCRATCH;
    F.length = CHUNK.length;
    const save = w.len;
    if (encodeFrame(w, F) != 0 || w.overflow) {
      w.len = save; w.overflow = false;
      cs.onLost(CHUNK.offset, CHUNK.length, false);
      break;
    }
    const sf = p.addFrame(SentFrameKind.Crypto);
    sf.offset = CHUNK.offset;
    sf.length = CHUNK.length;
    wrote = true;
  }
  return wrote;
}

/** Appends one simple frame from F; false (and nothing written) when it does not fit. */
function put(w: Writer): bool {
  const save = w.len;
  if (encodeFrame(w, F) != 0 || w.overflow) { w.len = save; w.overflow = false; return false; }
  return true;
}

/** A PATH_CHALLENGE owed on the current path (RFC 9000 §8.2.1), when it fits. */
function writePathChallenge(c: Connection, w: Writer, p: SentPacket): bool {
  const path = c.path;
  if (!path.challengePending) return false;
  F.frameType = FRAME_PATH_CHALLENGE;
  F.data = path.challengeData;
  F.length = PATH_DATA_LEN;
  if (!put(w)) return false;
  path.onChallengeSent(<u32>BUILDER.end, c.now);
  p.addFrame(SentFrameKind.PathChallenge);
  return true;
}

function writeControl(c: Connection, w: Writer, p: SentPacket): bool {
  let wrote = false;
  const st = c.streams;
  if (c.handshakeDonePending && c.isServer) {
    F.frameType = FRAME_HANDSHAKE_DONE;
    if (put(w)) { c.handshakeDonePending = false; p.addFrame(SentFrameKind.HandshakeDone); wrote = true; }
  }
  // path validation on the current path (RFC 9000 §8.2)
  const path = c.path;
  while ((path.responseCount > 0)) {
    F.frameType = FRAME_PATH_RESPONSE;
    F.data = path.responseData;
    F.length = PATH_DATA_LEN;
    if (!put(w)) break;
    path.popResponse();
    p.addFrame(SentFrameKind.PathResponse);
    wrote = true;
  }
  if (writePathChallenge(c, w, p)) wrote = true;
  // flow control (RFC 9000 §4)
  if (st.connRecv.shouldSendUpdate) {
    F.frameType = FRAME_MAX_DATA;
    F.maximumData = st.connRecv.maxData;
    if (put(w)) { st.connRecv.onUpdateSent(); p.addFrame(SentFrameKind.MaxData).value = F.maximumData; wrote = true; }
  }
  if (st.maxStreamsBidiPending) {
    F.frameType = FRAME_MAX_STREAMS_BIDI;
    F.maximumStreams = st.localMaxBidi;
    if (put(w)) { st.maxStreamsBidiPending = false; p.addFrame(SentFrameKind.MaxStreamsBidi).value = F.maximumStreams; wrote = true; }
  }
  if (st.maxStreamsUniPending) {
    F.frameType = FRAME_MAX_STREAMS_UNI;
    F.maximumStreams = st.localMaxUni;
    if (put(w)) { st.maxStreamsUniPending = false; p.addFrame(SentFrameKind.MaxStreamsUni).value = F.maximumStreams; wrote = true; }
  }
  // per-stream credit and STOP_SENDING
  const q = st.creditQueue;
  while (q.length > 0) {
    const s = unchecked(q[0]);
    const r = s.recv;
    if (s.stopSendingPending && r != null) {
      F.frameType = FRAME_STOP_SENDING;
      F.streamId = s.id;
      F.errorCode = s.stopSendingCode;
      if (!put(w)) break;
      s.stopSendingPending = false;
      s.stopSendingSent = true;
      const sf = p.addFrame(SentFrameKind.StopSending);
      sf.streamId = s.id;
      sf.value = s.stopSendingCode;
      wrote = true;
    }
    const credit = s.recvCredit;
    if (credit != null && credit.shouldSendUpdate && r != null && !r.finalSizeKnown) {
      F.frameType = FRAME_MAX_STREAM_DATA;
      F.streamId = s.id;
      F.maximumStreamData = credit.maxData;
      if (!put(w)) break;
      credit.onUpdateSent();
      const sf = p.addFrame(SentFrameKind.MaxStreamData);
      sf.streamId = s.id;
      sf.value = credit.maxData;
      wrote = true;
    }
    q.shift();
    s.blockedPending = false;
  }
  // connection IDs (RFC 9000 §5.1)
  let lc = c.localCids.pendingResend();
  while (lc != null || c.localCids.wantsIssue()) {
    const next = lc != null ? lc : c.localCids.issueNext();
    if (next == null) break;
    const cid = next!;
    F.frameType = FRAME_NEW_CONNECTION_ID;
    F.sequenceNumber = cid.seq;
    F.retirePriorTo = c.localCids.retirePriorTo;
    F.connectionId = changetype<usize>(cid.cid);
    F.connectionIdLength = <u32>cid.len;
    F.statelessResetToken = changetype<usize>(cid.resetToken);
    if (!put(w)) { c.localCids.onNewCidLost(cid.seq); break; }
    p.addFrame(SentFrameKind.NewConnectionId).value = cid.seq;
    wrote = true;
    lc = c.localCids.pendingResend();
  }
  while (c.remoteCids.pendingRetireCount > 0) {
    const seq = c.remoteCids.takePendingRetire();
    F.frameType = FRAME_RETIRE_CONNECTION_ID;
    F.sequenceNumber = seq;
    if (!put(w)) { c.remoteCids.onRetireLost(seq); break; }
    p.addFrame(SentFrameKind.RetireConnectionId).value = seq;
    wrote = true;
  }
  if (c.newTokenPending.len > 0) {
    F.frameType = FRAME_NEW_TOKEN;
    F.token = c.newTokenPending.buf;
    F.tokenLength = <u32>c.newTokenPending.len;
    if (put(w)) { c.newTokenPending.clear(); p.addFrame(SentFrameKind.NewToken); wrote = true; }
  }
  // blocked signals (RFC 9000 §4.1, §4.6)
  if (st.connSend.shouldSendBlocked(st.hasNewDataToSend())) {
    F.frameType = FRAME_DATA_BLOCKED;
    F.maximumData = st.connSend.maxData;
    if (put(w)) { p.addFrame(SentFrameKind.DataBlocked).value = F.maximumData; wrote = true; }
  }
  if (st.streamsBlockedBidiPending) {
    F.frameType = FRAME_STREAMS_BLOCKED_BIDI;
    F.maximumStreams = st.peerMaxBidi;
    if (put(w)) { st.streamsBlockedBidiPending = false; p.addFrame(SentFrameKind.StreamsBlockedBidi).value = F.maximumStreams; wrote = true; }
  }
  if (st.streamsBlockedUniPending) {
    F.frameType = FRAME_STREAMS_BLOCKED_UNI;
    F.maximumStreams = st.peerMaxUni;
    if (put(w)) { st.streamsBlockedUniPending = false; p.addFrame(SentFrameKind.StreamsBlockedUni).value = F.maximumStreams; wrote = true; }
  }
  // DATAGRAM (RFC 9221 §5: not retransmitted; sent when it fits)
  // (datagrams.ts drops, and counts, those no packet at the path MTU could carry)
  const maxSpace = c.packetFrameRoom();
  for (;;) {
    const len = c.datagrams.nextToSend(<u64>w.available, maxSpace);
    if (len < 0) break;
    if (!w.ensure(1 + varintLen(<u64>len) + <usize>len)) { w.overflow = false; break; }
    w.u8(<u8>FRAME_DATAGRAM_LEN);
    w.varint(<u64>len);
    const at = w.reserve(<usize>len);
    if (at == 0) { w.overflow = false; break; }
    c.datagrams.popOutgoing(at);
    p.addFrame(SentFrameKind.Datagram);
    wrote = true;
  }
  return wrote;
}

/** STREAM and RESET_STREAM frames by priority (streams.ts). */
function writeStreams(c: Connection, w: Writer, p: SentPacket): bool {
  const st = c.streams;
  let wrote = false;
  let guard = 0;
  while (w.available > 24 && guard++ < 64) {
    const s = st.next();
    if (s == null) break;
    const snd = s.send!;
    if (snd.resetPendingSend) {
      // draft-ietf-quic-reliable-stream-reset §4: RESET_STREAM_AT when bytes stay reliable
      F.frameType = snd.resetReliableSize > 0 ? FRAME_RESET_STREAM_AT : FRAME_RESET_STREAM;
      F.streamId = s.id;
      F.errorCode = snd.resetErrorCode;
      F.finalSize = snd.resetFinalSize;
      F.reliableSize = snd.resetReliableSize;
      if (!put(w)) break;
      snd.onResetSent();
      const sf = p.addFrame(SentFrameKind.ResetStream);
      sf.streamId = s.id;
      wrote = true;
      st.rotate(s);
      continue;
    }
    if (!streamCanSend(c, s)) {
      // blocked on flow control: STREAM_DATA_BLOCKED once per limit (§4.1), then wait for credit
      if (s.sendCredit.shouldSendBlocked(true)) {
        F.frameType = FRAME_STREAM_DATA_BLOCKED;
        F.streamId = s.id;
        F.maximumStreamData = s.sendCredit.maxData;
        if (put(w)) {
          const sf = p.addFrame(SentFrameKind.StreamDataBlocked);
          sf.streamId = s.id;
          sf.value = F.maximumStreamData;
          wrote = true;
        }
      }
      st.park(s);
      continue;
    }
    // header: type 1 + id + offset (≤ 8) + length (2)
    const hdr = 1 + varintLen(s.id) + 8 + 2;
    if (w.available <= <usize>hdr) break;
    let room = <u64>(w.available - <usize>hdr);
    if (room > 16383) room = 16383;
    const newCredit = min(s.sendCredit.available, st.connSend.available);
    const maxLen = snd.hasLost || snd.isResetting ? room : min(room, newCredit);
    if (!snd.emit(maxLen, STREAM_SCRATCH, CHUNK)) { st.rotate(s); continue; }
    let type = FRAME_STREAM | STREAM_BIT_LEN;
    if (CHUNK.offset > 0) type |= STREAM_BIT_OFF;
    if (CHUNK.fin) type |= STREAM_BIT_FIN;
    w.varint(type);
    w.varint(s.id);
    if (CHUNK.offset > 0) w.varint(CHUNK.offset);
    w.varint(CHUNK.length);
    w.bytes(STREAM_SCRATCH, <usize>CHUNK.length);
    if (!CHUNK.retransmit) {
      // §4.1: new bytes use credit on the stream and the connection
      const end = CHUNK.offset + CHUNK.length;
      if (end > s.sendCredit.used) {
        const fresh = end - s.sendCredit.used;
        s.sendCredit.consume(fresh);
        st.connSend.consume(fresh);
      }
    }
    const sf = p.addFrame(SentFrameKind.Stream);
    sf.streamId = s.id;
    sf.offset = CHUNK.offset;
    sf.length = CHUNK.length;
    sf.fin = CHUNK.fin;
    wrote = true;
    st.rotate(s);
  }
  return wrote;
}

/** A datagram on the probe path: PATH_CHALLENGE / PATH_RESPONSE padded to 1200 (RFC 9000 §8.2.1). */
function sendProbe(c: Connection, pp: Path, buf: usize, cap: usize): usize {
  const sp = c.app;
  if (c.oneRtt == null || cap < <usize>MIN_UDP_PAYLOAD) return 0;
  if (!beginPacket(c, sp, buf, 0, <usize>MIN_UDP_PAYLOAD)) return 0;
  const w = BUILDER.payload;
  const now = c.now;
  const p = c.loss.sent[sp.id].push(sp.nextPn, now);
  while ((pp.responseCount > 0)) {
    F.frameType = FRAME_PATH_RESPONSE;
    F.data = pp.responseData;
    F.length = PATH_DATA_LEN;
    if (!put(w)) break;
    pp.popResponse();
    p.addFrame(SentFrameKind.PathResponse);
  }
  if (pp.challengePending) {
    F.frameType = FRAME_PATH_CHALLENGE;
    F.data = pp.challengeData;
    F.length = PATH_DATA_LEN;
    if (put(w)) { pp.onChallengeSent(<u32>MIN_UDP_PAYLOAD, now); p.addFrame(SentFrameKind.PathChallenge); }
  }
  BUILDER.padToDatagram(<usize>MIN_UDP_PAYLOAD);
  const end = finishPacket(c, c.oneRtt!.tx, false, false);
  if (end == 0) { abandon(c, sp); return 0; }
  sp.nextPn++;
  p.size = <u32>end;
  p.ackEliciting = true;
  p.inFlight = false; // probes on another path do not count against this path's window
  c.loss.onPacketSent(sp.id, p, now);
  c.stats.packetsSent++;
  c.stats.bytesSent += <u64>end;
  pp.onSent(<u64>end);
  TARGET.addrPtr = pp.addrPtr;
  TARGET.addrLen = pp.addrLen;
  TARGET.localId = pp.localId;
  return end;
}

/** RFC 8899 §4.1: a probe is a PING padded to the size being tried. */
function sendPmtuProbe(c: Connection, buf: usize, cap: usize, now: u64): usize {
  const size = <usize>c.pmtud.nextProbeSize();
  if (size > cap || !c.cc.canSend(<u64>size)) return 0;
  const sp = c.app;
  if (!beginPacket(c, sp, buf, 0, size)) return 0;
  const w = BUILDER.payload;
  w.u8(<u8>FRAME_PING);
  BUILDER.padToDatagram(size);
  const p = c.loss.sent[sp.id].push(sp.nextPn, now);
  // value 1 marks a DPLPMTUD probe for the sink; `length` is the size probed
  const pf = p.addFrame(SentFrameKind.Ping);
  pf.value = 1;
  const end = finishPacket(c, c.oneRtt!.tx, true, false);
  if (end == 0) { abandon(c, sp); return 0; }
  p.size = <u32>end;
  p.ackEliciting = true;
  p.inFlight = true;
  p.isPmtuProbe = true;
  pf.length = <u64>end;
  c.pmtud.onProbeSent(sp.nextPn, <u32>end, now);
  sp.nextPn++;
  c.loss.onPacketSent(sp.id, p, now);
  c.stats.packetsSent++;
  c.stats.bytesSent += <u64>end;
  TARGET.addrPtr = c.path.addrPtr;
  TARGET.addrLen = c.path.addrLen;
  TARGET.localId = c.path.localId;
  return end;
}

/**
 * RFC 9000 §10.2: CONNECTION_CLOSE while closing. Before the handshake is
 * confirmed the peer may lack 1-RTT keys, so it goes in every space we have
 * keys for (§10.2.3), an application close as APPLICATION_ERROR outside 1-RTT.
 */
function sendClose(c: Connection, buf: usize, cap: usize): usize {
  if (!c.closePending) return 0;
  let max = min(cap, <usize>c.pmtud.currentMtu());
  if (!c.path.validated) {
    const allowance = c.path.sendAllowance();
    if (allowance < <u64>max) max = <usize>allowance;
  }
  let off: usize = 0;
  for (let i = 0; i < 3; i++) {
    const sp = unchecked(c.spaces[i]);
    if (!spaceCanSend(c, sp)) continue;
    // once confirmed, only 1-RTT (the others are discarded anyway)
    if (!beginPacket(c, sp, buf, off, max)) break;
    const w = BUILDER.payload;
    const oneRtt = packetType(c, sp) == PACKET_1RTT;
    const app = c.closeIsApp && oneRtt;
    F.frameType = app ? FRAME_CONNECTION_CLOSE_APP : FRAME_CONNECTION_CLOSE;
    F.errorCode = c.closeIsApp && !oneRtt ? APPLICATION_ERROR : c.closeCode;
    F.errorFrameType = app ? 0 : c.closeFrameType;
    // §10.2.3: no reason phrase outside 1-RTT for an application close (it could leak)
    const reason = c.closeIsApp && !oneRtt ? "" : c.closeReason;
    const bytes = String.UTF8.encode(reason, false);
    const rl = min(bytes.byteLength, 256);
    F.reasonPhrase = changetype<usize>(bytes);
    F.reasonPhraseLength = <u32>rl;
    if (!put(w)) break;
    if (sp.id == SPACE_INITIAL && !c.isServer) BUILDER.padToDatagram(<usize>MIN_UDP_PAYLOAD);
    const end = finishPacket(c, changetype<PacketKeys_>(txKeysFor(c, sp)), false, false);
    if (end == 0) break;
    sp.nextPn++;
    off = end;
  }
  if (off == 0) return 0;
  c.onCloseSent();
  c.path.onSent(<u64>off);
  TARGET.addrPtr = c.path.addrPtr;
  TARGET.addrLen = c.path.addrLen;
  TARGET.localId = c.path.localId;
  return off;
}
