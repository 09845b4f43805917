// Receiving: a datagram → its coalesced packets (RFC 9000 §12.2) → header
// protection and AEAD removed (RFC 9001 §5) → duplicate check (§12.3) →
// frames (§12.4, §19) applied to the connection. A packet that cannot be
// opened is dropped (RFC 9001 §5.5); a frame that breaks a rule closes the
// connection with its error code.

import { Connection, ConnState } from "./connection";
import { PacketSpace } from "./space";
import {
  PacketHeader, parsePacketHeader, checkRetry, checkVersionNegotiation, vnVersionCount, vnVersionAt,
  PACKET_RETRY, PACKET_VERSION_NEGOTIATION,
} from "./packet";
import {
  QuicFrame, decodeFrame, isAckEliciting, isProbing,
  PACKET_INITIAL, PACKET_0RTT, PACKET_HANDSHAKE, PACKET_1RTT,
  FRAME_PADDING, FRAME_PING, FRAME_ACK, FRAME_ACK_ECN, FRAME_RESET_STREAM, FRAME_RESET_STREAM_AT, FRAME_STOP_SENDING, FRAME_CRYPTO,
  FRAME_NEW_TOKEN, FRAME_MAX_DATA, FRAME_MAX_STREAM_DATA, FRAME_MAX_STREAMS_BIDI, FRAME_MAX_STREAMS_UNI,
  FRAME_DATA_BLOCKED, FRAME_STREAM_DATA_BLOCKED, FRAME_STREAMS_BLOCKED_BIDI, FRAME_STREAMS_BLOCKED_UNI,
  FRAME_NEW_CONNECTION_ID, FRAME_RETIRE_CONNECTION_ID, FRAME_PATH_CHALLENGE, FRAME_PATH_RESPONSE,
  FRAME_CONNECTION_CLOSE, FRAME_CONNECTION_CLOSE_APP, FRAME_HANDSHAKE_DONE, FRAME_DATAGRAM, FRAME_DATAGRAM_LEN,
  FRAME_STREAM,
} from "./frame";
import { Reader } from "../wire/reader";
import { PacketNumberField, decodePacketNumber } from "./packet_number";
import { PacketKeys, removeHeaderProtection, decryptPayload } from "./protection";
import { SPACE_INITIAL, SPACE_HANDSHAKE, SPACE_APPLICATION } from "./ack_tracker";
import { NO_ERROR, PROTOCOL_VIOLATION, CRYPTO_BUFFER_EXCEEDED, FLOW_CONTROL_ERROR } from "./errors";
import { QuicEventKind, CloseKind } from "./events";
import { Path } from "./path";
import { isSupportedVersion } from "./version";
import { LEVEL_0RTT } from "./space";
import { DropTrigger } from "./qlog";

const AEAD_TAG_LEN: usize = 16;

// Per-datagram scratch (the core is single-threaded and never reentrant).
const HDR = new PacketHeader();
const PN = new PacketNumberField();
const FRAME = new QuicFrame();
const READER = new Reader();

/** What processing one packet found (for path handling, §9.3). */
class PacketInfo {
  ackEliciting: bool = false;
  /** Only probing frames (§9.1). */
  probingOnly: bool = true;
  pn: u64 = 0;
  isLargest: bool = false;
}
const INFO = new PacketInfo();

/**
 * One datagram from `addr` (the host's address encoding, path.ts) on the
 * local socket `localId`. The bytes are decrypted in place.
 */
export function handleDatagram(c: Connection, now: u64, wallMs: u64, ptr: usize, len: usize, addr: usize, addrLen: i32, localId: u32): void {
  c.now = now;
  c.wallMs = wallMs;
  if (c.state == ConnState.Draining || c.state == ConnState.Closed) return;
  c.stats.bytesReceived += <u64>len;
  let path: Path | null = null;
  if (c.path.matches(addr, addrLen, localId)) path = c.path;
  else {
    const pp = c.probePath;
    if (pp != null && pp.matches(addr, addrLen, localId)) path = pp;
  }
  // §8.1: bytes received on a path count toward what may be sent back on it
  if (path != null) path.onReceived(<u64>len);
  let off: usize = 0;
  let firstDcid: usize = 0;
  let firstDcidLen: i32 = -1;
  let anyProcessed = false;
  while (off < len) {
    const rem = len - off;
    const pkt = ptr + off;
    const hdr = HDR;
    if (parsePacketHeader(pkt, rem, c.cfg.cidLen, hdr) != 0) {
      // §12.2: a packet that cannot be parsed ends the datagram
      maybeStatelessReset(c, ptr, len, anyProcessed);
      break;
    }
    off += hdr.packetLen;
    // §12.2: "Senders MUST NOT coalesce QUIC packets with different connection
    // IDs into a single UDP datagram. Receivers SHOULD ignore any subsequent
    // packets with a different Destination Connection ID"
    if (firstDcidLen < 0) { firstDcid = hdr.dcid; firstDcidLen = hdr.dcidLen; }
    else if (hdr.dcidLen != firstDcidLen || memory.compare(hdr.dcid, firstDcid, <usize>firstDcidLen) != 0) {
      dropped(c, hdr, DropTrigger.Rejected);
      continue;
    }
    if (c.state == ConnState.Closing) {
      c.onPacketWhileClosing();
      return;
    }
    const processed = handlePacket(c, pkt, hdr, now, addr, addrLen, localId, path);
    if (processed) anyProcessed = true;
    else if (hdr.type == PACKET_1RTT) maybeStatelessReset(c, ptr, len, anyProcessed);
    if (c.state >= ConnState.Closing) break;
  }
  // §8.1 counts every byte received from an address: the datagram that moved
  // the connection to a new peer address (§9.3) is credit there too, so its
  // PATH_CHALLENGE can be sent (found against ngtcp2's --nat-rebinding)
  if (path == null && c.path.matches(addr, addrLen, localId)) c.path.onReceived(<u64>len);
  if (anyProcessed) c.idle.onPacketReceived(now, c.pto());
  c.logMetrics();
}

/** A packet not processed: counted, and logged (qlog packet_dropped). Returns false for the caller to return. */
function dropped(c: Connection, hdr: PacketHeader, trigger: DropTrigger): bool {
  c.stats.packetsDropped++;
  const q = c.qlog;
  if (q != null) q.packetDropped(c.now, hdr.type, hdr.packetLen, trigger);
  return false;
}

/** RFC 9000 §10.3.1: a datagram we could not process may be a stateless reset. */
function maybeStatelessReset(c: Connection, ptr: usize, len: usize, anyProcessed: bool): void {
  if (anyProcessed || len < 21) return;
  if (c.remoteCids.matchesStatelessReset(ptr, len)) {
    c.enterDraining(<u8>CloseKind.StatelessReset, 0, false, "stateless reset");
  }
}

/** Opens and processes one packet; false when it was dropped. */
function handlePacket(c: Connection, pkt: usize, hdr: PacketHeader, now: u64, addr: usize, addrLen: i32, localId: u32, path: Path | null): bool {
  const type = hdr.type;
  if (type == PACKET_VERSION_NEGOTIATION) { onVersionNegotiation(c, pkt, hdr); return false; }
  if (type == PACKET_RETRY) { onRetry(c, pkt, hdr); return false; }
  if (hdr.isLong && hdr.version != c.version) return dropped(c, hdr, DropTrigger.Unsupported);
  // which space and keys
  let sp: PacketSpace;
  let keys: PacketKeys | null = null;
  if (type == PACKET_INITIAL) {
    sp = c.initial;
    keys = sp.rx;
  } else if (type == PACKET_HANDSHAKE) {
    sp = c.handshake;
    keys = sp.rx;
  } else if (type == PACKET_0RTT) {
    sp = c.app;
    // RFC 9001 §4.6: only a server reads 0-RTT; once 1-RTT keys exist it may still (§5.7)
    keys = c.isServer ? c.zeroRtt : null;
  } else {
    sp = c.app;
    const k = c.oneRtt;
    // RFC 9001 §5.7: "Endpoints in either role MUST NOT decrypt 1-RTT packets
    // from their peer prior to completing the handshake"
    keys = k != null && c.handshakeComplete ? k.rx : null;
  }
  if (sp.discarded || keys == null) return dropped(c, hdr, DropTrigger.KeyUnavailable);
  // RFC 9001 §5.4: header protection (the header key is the same for every key phase)
  const pnLen = removeHeaderProtection(keys.hp, pkt, hdr.packetLen, hdr.pnOffset, PN);
  if (pnLen == 0) return dropped(c, hdr, DropTrigger.Invalid);
  const largest: i64 = sp.ack.hasReceived ? <i64>sp.ack.largestReceived : -1;
  const pn = decodePacketNumber(largest, PN.truncated, <u32>pnLen << 3);
  const first = load<u8>(pkt);
  const hdrLen = hdr.pnOffset + <usize>pnLen;
  // RFC 9000 §17.2, §17.3.1: reserved bits must be zero after removing protection
  const reservedBad = hdr.isLong ? (first & 0x0c) != 0 : (first & 0x18) != 0;
  let keyPhaseFlip = false;
  if (type == PACKET_1RTT) {
    const k = c.oneRtt!;
    const bit = (first & 0x04) != 0;
    const rk = k.readKeysFor(bit, pn);
    if (rk == null) return dropped(c, hdr, DropTrigger.KeyUnavailable);
    if (!decryptPayload(rk, pkt, hdr.packetLen, hdrLen, pn)) return dropped(c, hdr, DropTrigger.DecryptionFailure);
    keyPhaseFlip = bit != k.phase && rk === k.rxNext;
  } else if (!decryptPayload(keys, pkt, hdr.packetLen, hdrLen, pn)) {
    return dropped(c, hdr, DropTrigger.DecryptionFailure);
  }
  // RFC 9000 §17.2: "An endpoint MUST treat receipt of a packet that has a
  // non-zero value for these bits after removing both packet and header
  // protection as a connection error of type PROTOCOL_VIOLATION"
  if (reservedBad) { c.closeWithError(PROTOCOL_VIOLATION, 0, "reserved header bits set"); return true; }
  // §12.3: duplicates are dropped, after authentication
  const payload = pkt + hdrLen;
  const payloadLen = hdr.packetLen - hdrLen - AEAD_TAG_LEN;
  if (sp.ack.onPacketReceived(pn, packetIsAckEliciting(payload, payloadLen), now)) return dropped(c, hdr, DropTrigger.Duplicate);
  c.stats.packetsReceived++;
  const q = c.qlog;
  if (q != null) q.packetReceived(now, type, pn, hdr.packetLen, payload, payloadLen);
  // RFC 9001 §6.2: the peer updated its keys; we follow
  if (keyPhaseFlip) c.rotateKeys(c.oneRtt!, true);
  if (type == PACKET_1RTT) {
    const k = c.oneRtt!;
    if (pn < k.firstRecvPnOfPhase && ((first & 0x04) != 0) == k.phase) k.firstRecvPnOfPhase = pn;
  }
  // Client: the server's first Initial fixes the CID we send to (§7.2)
  if (!c.isServer && type == PACKET_INITIAL && !c.gotServerInitial) {
    c.gotServerInitial = true;
    memory.copy(changetype<usize>(c.peerScid), hdr.scid, <usize>hdr.scidLen);
    c.peerScidLen = hdr.scidLen;
    c.remoteCids.setFirst(hdr.scid, hdr.scidLen);
  }
  // RFC 9001 §4.9.1: a server discards Initial keys when it first processes a
  // Handshake packet; RFC 9000 §8.1: that also validates the client's address
  if (c.isServer && type == PACKET_HANDSHAKE) {
    c.path.validated = true;
    c.discardSpace(SPACE_INITIAL);
  }
  const info = INFO;
  info.ackEliciting = false;
  info.probingOnly = true;
  info.pn = pn;
  info.isLargest = sp.ack.largestReceived == pn;
  processFrames(c, sp, type, payload, payloadLen, hdr, path, addr, addrLen, localId, info);
  if (c.state >= ConnState.Closing) return true;
  // RFC 9000 §9.3: a non-probing packet with the largest packet number from a
  // new address moves the connection there (the peer migrated or was rebound)
  if (c.isServer && type == PACKET_1RTT && !info.probingOnly && info.isLargest && path !== c.path) {
    onPeerAddressChange(c, addr, addrLen, localId, now);
  }
  return true;
}

/** §13.2.1: whether any frame is ack-eliciting — a quick scan of frame types (PADDING/ACK/CLOSE only is not). */
function packetIsAckEliciting(p: usize, n: usize): bool {
  // decoding twice costs little next to decryption, and keeps one decoder
  const r = READER;
  r.reset(p, n);
  const f = FRAME;
  while (!r.atEnd) {
    if (decodeFrame(r, f, PACKET_1RTT) != 0) return true; // malformed: the processing will close
    if (isAckEliciting(f.frameType)) return true;
  }
  return false;
}

function processFrames(c: Connection, sp: PacketSpace, type: u32, p: usize, n: usize, hdr: PacketHeader, path: Path | null,
                       addr: usize, addrLen: i32, localId: u32, info: PacketInfo): void {
  const r = READER;
  r.reset(p, n);
  const f = FRAME;
  const err = c.error;
  // §12.4: a packet with no frames is PROTOCOL_VIOLATION
  if (r.atEnd) { c.closeWithError(PROTOCOL_VIOLATION, 0, "packet without frames"); return; }
  while (!r.atEnd) {
    const code = decodeFrame(r, f, type);
    if (code != 0) { c.closeWithError(code, f.frameType, f.reason); return; }
    const ft = f.frameType;
    if (isAckEliciting(ft)) info.ackEliciting = true;
    if (!isProbing(ft)) info.probingOnly = false;
    let e: u64 = NO_ERROR;
    if (ft >= FRAME_STREAM && ft <= FRAME_STREAM + 7) {
      e = c.streams.onStreamFrame(f.streamId, f.offset, f.data, f.length, f.fin, c.now, err, ft);
      // RFC 8470 §5.1: the application learns which stream data could be a replay
      if (e == NO_ERROR && type == PACKET_0RTT) c.streams.markEarly(f.streamId);
    } else switch (<i32>ft) {
      case <i32>FRAME_PADDING: case <i32>FRAME_PING: break;
      case <i32>FRAME_ACK: case <i32>FRAME_ACK_ECN: {
        // §19.3: ACK Delay is scaled by the sender's ack_delay_exponent
        const delay = f.ackDelay << <u64>c.peerAckDelayExponent;
        e = c.loss.onAckReceived(sp.id, f, delay < f.ackDelay ? u64.MAX_VALUE : delay, c.now, c.sink);
        if (e != NO_ERROR) err.set(e, ft, "ACK of a packet never sent");
        if (f.largestAcknowledged > <u64>sp.largestAckedByPeer || sp.largestAckedByPeer < 0) sp.largestAckedByPeer = <i64>f.largestAcknowledged;
        if (sp.id == SPACE_APPLICATION) c.onApplicationAck();
        break;
      }
      case <i32>FRAME_RESET_STREAM: e = c.streams.onResetStream(f.streamId, f.errorCode, f.finalSize, err, ft); break;
      case <i32>FRAME_STOP_SENDING: e = c.streams.onStopSending(f.streamId, f.errorCode, err, ft); break;
      case <i32>FRAME_CRYPTO: {
        const cr = sp.cryptoRecv;
        const before = cr.maxReceivedOffset;
        const ce = cr.onStreamFrame(f.offset, f.data, f.length, false);
        if (ce != NO_ERROR) {
          // RFC 9000 §7.5: more out-of-order CRYPTO data than we buffer
          e = err.set(ce == FLOW_CONTROL_ERROR || ce == PROTOCOL_VIOLATION ? CRYPTO_BUFFER_EXCEEDED : ce, ft, "CRYPTO data beyond the buffer");
          break;
        }
        if (cr.maxReceivedOffset >= before) c.feedCrypto(sp);
        break;
      }
      case <i32>FRAME_NEW_TOKEN: {
        // §19.7: "A server MUST treat receipt of a NEW_TOKEN frame as a connection error of type PROTOCOL_VIOLATION"
        if (c.isServer) { e = err.set(PROTOCOL_VIOLATION, ft, "NEW_TOKEN from a client"); break; }
        const ev = c.events.push(QuicEventKind.NewToken);
        ev.bytes.bytes(f.token, <usize>f.tokenLength);
        break;
      }
      case <i32>FRAME_MAX_DATA: c.streams.connSend.onMaxData(f.maximumData); c.streams.onConnCredit(); break;
      case <i32>FRAME_MAX_STREAM_DATA: e = c.streams.onMaxStreamData(f.streamId, f.maximumStreamData, err, ft); break;
      case <i32>FRAME_MAX_STREAMS_BIDI: c.streams.onMaxStreams(true, f.maximumStreams); break;
      case <i32>FRAME_MAX_STREAMS_UNI: c.streams.onMaxStreams(false, f.maximumStreams); break;
      case <i32>FRAME_DATA_BLOCKED: break;
      case <i32>FRAME_STREAM_DATA_BLOCKED: e = c.streams.onStreamDataBlocked(f.streamId, err, ft); break;
      case <i32>FRAME_STREAMS_BLOCKED_BIDI: e = c.streams.onStreamsBlocked(true, f.maximumStreams, err, ft); break;
      case <i32>FRAME_STREAMS_BLOCKED_UNI: e = c.streams.onStreamsBlocked(false, f.maximumStreams, err, ft); break;
      case <i32>FRAME_NEW_CONNECTION_ID: {
        e = c.remoteCids.onNewConnectionId(f.sequenceNumber, f.retirePriorTo, f.connectionId, <i32>f.connectionIdLength, f.statelessResetToken);
        if (e != NO_ERROR) err.set(e, ft, "NEW_CONNECTION_ID refused");
        break;
      }
      case <i32>FRAME_RETIRE_CONNECTION_ID: {
        e = c.localCids.onRetire(f.sequenceNumber, hdr.dcid, hdr.dcidLen);
        if (e != NO_ERROR) err.set(e, ft, "RETIRE_CONNECTION_ID refused");
        break;
      }
      case <i32>FRAME_PATH_CHALLENGE: {
        // §8.2.2: respond on the path the challenge came from
        c.queuePathResponse(f.data, addr, addrLen, localId);
        break;
      }
      case <i32>FRAME_PATH_RESPONSE: c.onPathResponse(f.data); break;
      case <i32>FRAME_CONNECTION_CLOSE: case <i32>FRAME_CONNECTION_CLOSE_APP: {
        // §10.2.2: the peer closed — drain
        const reason = String.UTF8.decodeUnsafe(f.reasonPhrase, <usize>f.reasonPhraseLength, false);
        c.enterDraining(<u8>CloseKind.Remote, f.errorCode, ft == FRAME_CONNECTION_CLOSE_APP, reason);
        return;
      }
      case <i32>FRAME_HANDSHAKE_DONE: {
        // §19.20: "A server MUST treat receipt of a HANDSHAKE_DONE frame as a connection error of type PROTOCOL_VIOLATION"
        if (c.isServer) { e = err.set(PROTOCOL_VIOLATION, ft, "HANDSHAKE_DONE from a client"); break; }
        c.confirmHandshake();
        break;
      }
      case <i32>FRAME_DATAGRAM: case <i32>FRAME_DATAGRAM_LEN: {
        e = c.datagrams.onFrame(f.data, f.length, f.hasLength);
        if (e != NO_ERROR) { err.set(e, ft, "DATAGRAM refused"); break; }
        c.deliverDatagrams();
        break;
      }
      // draft-ietf-quic-reliable-stream-reset §3, §4: RESET_STREAM_AT to an endpoint
      // that did not advertise reset_stream_at is a connection error of type
      // PROTOCOL_VIOLATION; otherwise RESET_STREAM's rules with a Reliable Size.
      case <i32>FRAME_RESET_STREAM_AT:
        e = c.cfg.resetStreamAt ? c.streams.onResetStream(f.streamId, f.errorCode, f.finalSize, err, ft, f.reliableSize)
          : err.set(PROTOCOL_VIOLATION, ft, "RESET_STREAM_AT without reset_stream_at advertised");
        break;
      default: e = err.set(PROTOCOL_VIOLATION, ft, "unexpected frame");
    }
    if (e != NO_ERROR) { c.closeWithError(err.code, err.frameType, err.reason); return; }
    if (c.state >= ConnState.Closing) return;
  }
}

/** RFC 9000 §6.2: a client that gets Version Negotiation. */
function onVersionNegotiation(c: Connection, pkt: usize, hdr: PacketHeader): void {
  // only before anything else arrived from the server, and only for a client
  if (c.isServer || c.gotServerInitial || c.state != ConnState.Handshake) return;
  // §6.2: "A client MUST discard a Version Negotiation packet that lists the
  // QUIC version selected by the client"; the CIDs must echo ours (RFC 8999 §6)
  const first = c.localCids.active(0);
  if (!checkVersionNegotiation(pkt, hdr.packetLen, changetype<usize>(c.odcid), c.odcidLen, changetype<usize>(first.cid), first.len, c.version, hdr)) return;
  const q = c.qlog;
  if (q != null) q.packetReceivedNoPn(c.now, PACKET_VERSION_NEGOTIATION, hdr.packetLen);
  let common: u32 = 0;
  const n = vnVersionCount(hdr);
  for (let i = 0; i < n; i++) {
    const v = vnVersionAt(hdr, i);
    if (common == 0 && isSupportedVersion(v)) common = v;
  }
  // RFC 9000 §6.2: without a common version the attempt is abandoned. (A
  // compatible version could be retried by the host as a new connection.)
  c.enterDraining(<u8>CloseKind.VersionNegotiation, common, false, common != 0 ? "server asks for another QUIC version" : "no QUIC version in common");
  c.finishClose();
}

/** RFC 9000 §17.2.5.2: a client that gets a Retry. */
function onRetry(c: Connection, pkt: usize, hdr: PacketHeader): void {
  // "A client MUST accept and process at most one Retry packet for each
  // connection attempt"; only before any Initial from the server
  if (c.isServer || c.gotServerInitial || c.retryScidLen >= 0 || c.state != ConnState.Handshake) return;
  if (!checkRetry(pkt, hdr.packetLen, changetype<usize>(c.odcid), c.odcidLen, hdr)) return;
  // "A client MUST discard a Retry packet with a zero-length Retry Token field."
  if (hdr.tokenLen == 0) return;
  const q = c.qlog;
  if (q != null) q.packetReceivedNoPn(c.now, PACKET_RETRY, hdr.packetLen);
  c.onRetryAccepted(hdr.scid, hdr.scidLen, hdr.token, hdr.tokenLen);
}

/** §9.3: the peer's address changed. */
function onPeerAddressChange(c: Connection, addr: usize, addrLen: i32, localId: u32, now: u64): void {
  // §9: a client that sent disable_active_migration... the server's case is
  // the client's address: NAT rebinding happens whatever was negotiated, so
  // it is followed, and the new path validated (§9.3)
  c.switchPath(addr, addrLen, localId, now);
}
