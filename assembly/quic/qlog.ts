// qlog events from the core: each one a JSON object `{time, name, data}`
// written straight into a QuicEvent (kind Qlog) for the host to append to the
// connection's trace (host/quic/qlog.ts). Only connections whose endpoint was
// configured with QC_QLOG have a `QlogEvents`; the others pay one null check
// per hook.
//
// Names and fields are those of qlog 0.3 (draft-ietf-quic-qlog-quic-events-03,
// "category:event"), the version qvis, quiche and ngtcp2 read and write; the
// later drafts (../shared/specs/draft-ietf-quic-qlog-quic-events.md) keep the
// data fields used here and rename the events ("quic:packet_sent",
// "quic:recovery_metrics_updated"; docs/quic.md has the table).
//
// `time` is the core's clock in milliseconds (`now` / 1000, microsecond
// precision); the host rebases it on the trace's start.

import { Writer } from "../wire/writer";
import { Reader } from "../wire/reader";
import { QuicEventQueue, QuicEventKind } from "./events";
import {
  QuicFrame, decodeFrame,
  PACKET_INITIAL, PACKET_0RTT, PACKET_HANDSHAKE, PACKET_1RTT,
  FRAME_PADDING, FRAME_PING, FRAME_ACK, FRAME_ACK_ECN, FRAME_RESET_STREAM, FRAME_RESET_STREAM_AT, FRAME_STOP_SENDING, FRAME_CRYPTO,
  FRAME_NEW_TOKEN, FRAME_MAX_DATA, FRAME_MAX_STREAM_DATA, FRAME_MAX_STREAMS_BIDI, FRAME_MAX_STREAMS_UNI,
  FRAME_DATA_BLOCKED, FRAME_STREAM_DATA_BLOCKED, FRAME_STREAMS_BLOCKED_BIDI, FRAME_STREAMS_BLOCKED_UNI,
  FRAME_NEW_CONNECTION_ID, FRAME_RETIRE_CONNECTION_ID, FRAME_PATH_CHALLENGE, FRAME_PATH_RESPONSE,
  FRAME_CONNECTION_CLOSE, FRAME_CONNECTION_CLOSE_APP, FRAME_HANDSHAKE_DONE, FRAME_DATAGRAM, FRAME_DATAGRAM_LEN,
  FRAME_STREAM,
} from "./frame";
import { PACKET_RETRY, PACKET_VERSION_NEGOTIATION } from "./packet";
import { SPACE_INITIAL, SPACE_HANDSHAKE } from "./ack_tracker";

/** Frames listed per packet at most (a packet of tiny frames is summarised by the rest). */
const MAX_FRAMES_LOGGED = 64;
const HEX = "0123456789abcdef";

// Frames are decoded for the log with their own scratch record (the caller's
// record may be in use).
const QF = new QuicFrame();
const QR = new Reader();

/** packet_dropped triggers (quic-events §packet_dropped). */
export const enum DropTrigger {
  KeyUnavailable = 0,
  DecryptionFailure = 1,
  Duplicate = 2,
  Invalid = 3,
  Unsupported = 4,
  Rejected = 5,
}

/** packet_lost triggers (RFC 9002 §6.1.1, §6.1.2; 0-RTT rejected, RFC 9001 §4.6.2). */
export const enum LostTrigger {
  ReorderingThreshold = 0,
  TimeThreshold = 1,
  Rejected = 2,
}

/** key_updated triggers. */
export const enum KeyTrigger {
  Tls = 0,
  LocalUpdate = 1,
  RemoteUpdate = 2,
}

/** A compact JSON writer over a Writer: nested objects and arrays, commas placed for the caller. */
@final
class Json {
  w: Writer = new Writer();
  /** Bit n set: the container at depth n already has a member. */
  private filled: u64 = 0;
  private depth: i32 = 0;
  /** A key was just written: its value takes no comma. */
  private afterKey: bool = false;

  reset(w: Writer): void {
    this.w = w;
    this.filled = 0;
    this.depth = 0;
    this.afterKey = false;
  }

  /** A comma before every member but the first of the innermost container. */
  private sep(): void {
    const bit: u64 = <u64>1 << <u64>this.depth;
    if ((this.filled & bit) != 0) this.w.u8(0x2c);
    this.filled |= bit;
  }

  private valueSep(): void {
    if (this.afterKey) { this.afterKey = false; return; }
    if (this.depth > 0) this.sep();
  }

  /** `"key":` (keys are ASCII literals). */
  key(k: string): Json {
    this.sep();
    this.quoted(k);
    this.w.u8(0x3a);
    this.afterKey = true;
    return this;
  }

  private open(ch: u32): Json {
    this.valueSep();
    this.w.u8(ch);
    this.depth++;
    this.filled &= ~(<u64>1 << <u64>this.depth);
    return this;
  }

  private close(ch: u32): Json {
    this.depth--;
    this.w.u8(ch);
    return this;
  }

  beginObject(): Json { return this.open(0x7b); }
  endObject(): Json { return this.close(0x7d); }
  beginArray(): Json { return this.open(0x5b); }
  endArray(): Json { return this.close(0x5d); }

  /** Bytes already formatted as one JSON value. */
  rawValue(ptr: usize, len: usize): Json {
    this.valueSep();
    this.w.bytes(ptr, len);
    return this;
  }

  num(v: u64): Json {
    this.valueSep();
    writeU64(this.w, v);
    return this;
  }

  /** Microseconds as decimal milliseconds ("12.345"). */
  ms(us: u64): Json {
    this.valueSep();
    writeU64(this.w, us / 1000);
    const frac = <u32>(us % 1000);
    if (frac != 0) {
      this.w.u8(0x2e);
      this.w.u8(0x30 + frac / 100);
      this.w.u8(0x30 + (frac / 10) % 10);
      this.w.u8(0x30 + frac % 10);
    }
    return this;
  }

  bool(v: bool): Json {
    this.valueSep();
    if (v) { this.w.u8(0x74); this.w.u8(0x72); this.w.u8(0x75); this.w.u8(0x65); }
    else { this.w.u8(0x66); this.w.u8(0x61); this.w.u8(0x6c); this.w.u8(0x73); this.w.u8(0x65); }
    return this;
  }

  /** An ASCII literal string. */
  str(s: string): Json {
    this.valueSep();
    this.quoted(s);
    return this;
  }

  /** An ASCII literal between quotes (keys and names need no escaping). */
  private quoted(s: string): void {
    this.w.u8(0x22);
    for (let i = 0; i < s.length; i++) this.w.u8(<u32>s.charCodeAt(i));
    this.w.u8(0x22);
  }

  /** Bytes from the network as a JSON string: quote, backslash and controls escaped, the rest passed through (the host decodes UTF-8 with replacement). */
  text(ptr: usize, len: usize): Json {
    this.valueSep();
    this.w.u8(0x22);
    for (let i: usize = 0; i < len; i++) {
      const b = <u32>load<u8>(ptr + i);
      if (b == 0x22 || b == 0x5c) { this.w.u8(0x5c); this.w.u8(b); }
      else if (b < 0x20 || b == 0x7f) {
        this.w.u8(0x5c); this.w.u8(0x75); this.w.u8(0x30); this.w.u8(0x30);
        this.w.u8(<u32>HEX.charCodeAt(b >> 4)); this.w.u8(<u32>HEX.charCodeAt(b & 15));
      } else this.w.u8(b);
    }
    this.w.u8(0x22);
    return this;
  }

  hex(ptr: usize, len: usize): Json {
    this.valueSep();
    this.w.u8(0x22);
    for (let i: usize = 0; i < len; i++) {
      const b = <u32>load<u8>(ptr + i);
      this.w.u8(<u32>HEX.charCodeAt(b >> 4));
      this.w.u8(<u32>HEX.charCodeAt(b & 15));
    }
    this.w.u8(0x22);
    return this;
  }
}

function writeU64(w: Writer, v: u64): void {
  if (v == 0) { w.u8(0x30); return; }
  let digits: i32 = 0;
  let t = v;
  while (t != 0) { digits++; t /= 10; }
  if (!w.ensure(<usize>digits)) return;
  const at = w.ptr;
  for (let i = digits - 1; i >= 0; i--) {
    store<u8>(at + <usize>i, <u8>(0x30 + v % 10));
    v /= 10;
  }
  w.len += <usize>digits;
}

const J = new Json();

/** qlog 0.3 PacketType. */
export function packetTypeName(type: u32): string {
  switch (type) {
    case PACKET_INITIAL: return "initial";
    case PACKET_HANDSHAKE: return "handshake";
    case PACKET_0RTT: return "0RTT";
    case PACKET_1RTT: return "1RTT";
    case PACKET_RETRY: return "retry";
    case PACKET_VERSION_NEGOTIATION: return "version_negotiation";
    default: return "unknown";
  }
}

function dropTriggerName(t: DropTrigger): string {
  switch (t) {
    case DropTrigger.KeyUnavailable: return "key_unavailable";
    case DropTrigger.DecryptionFailure: return "decryption_failure";
    case DropTrigger.Duplicate: return "duplicate";
    case DropTrigger.Invalid: return "invalid";
    case DropTrigger.Unsupported: return "unsupported";
    default: return "rejected";
  }
}

/** The congestion controller's state as qlog names it. */
export const enum CongestionState { SlowStart = 0, CongestionAvoidance = 1, Recovery = 2, ApplicationLimited = 3 }

function congestionStateName(s: CongestionState): string {
  switch (s) {
    case CongestionState.SlowStart: return "slow_start";
    case CongestionState.CongestionAvoidance: return "congestion_avoidance";
    case CongestionState.Recovery: return "recovery";
    default: return "application_limited";
  }
}

/** What recovery_metrics_updated reports; fields are logged when they change. */
@final
export class RecoveryMetrics {
  minRtt: u64 = 0;
  smoothedRtt: u64 = 0;
  latestRtt: u64 = 0;
  rttvar: u64 = 0;
  ptoCount: u64 = 0;
  congestionWindow: u64 = 0;
  bytesInFlight: u64 = 0;
  ssthresh: u64 = 0;
}

/** One connection's qlog emitter. */
@final
export class QlogEvents {
  private last: RecoveryMetrics = new RecoveryMetrics();
  private hasLast: bool = false;
  private congestion: i32 = -1;
  private mtu: u32 = 0;
  /** The frames of the packet being built (formatted before protection, emitted after). */
  private pendingFrames: Writer = new Writer();

  constructor(private readonly events: QuicEventQueue, private readonly isServer: bool) {}

  /** Frees the frame buffer (the connection is going; its events are released with the queue). */
  release(): void {
    this.pendingFrames.release();
  }

  private begin(now: u64, name: string): Json {
    const e = this.events.push(QuicEventKind.Qlog);
    const j = J;
    j.reset(e.bytes);
    j.beginObject();
    j.key("time").ms(now);
    j.key("name").str(name);
    j.key("data").beginObject();
    return j;
  }

  private finish(j: Json): void {
    j.endObject(); // data
    j.endObject();
  }

  private header(j: Json, type: u32, pn: u64, hasPn: bool): void {
    j.key("header").beginObject();
    j.key("packet_type").str(packetTypeName(type));
    if (hasPn) j.key("packet_number").num(pn);
    j.endObject();
  }

  /** Formats the frames of a plaintext payload for the next `packetSent`. */
  prepareSent(type: u32, payload: usize, len: usize): void {
    const w = this.pendingFrames;
    w.clear();
    const j = J;
    j.reset(w);
    frames(j, type, payload, len);
  }

  /** transport:packet_sent, with the frames `prepareSent` formatted. */
  packetSent(now: u64, type: u32, pn: u64, size: usize, mtuProbe: bool, ptoProbe: bool): void {
    const j = this.begin(now, "transport:packet_sent");
    this.header(j, type, pn, true);
    j.key("raw").beginObject().key("length").num(<u64>size).endObject();
    if (mtuProbe) j.key("is_mtu_probe_packet").bool(true);
    if (ptoProbe) j.key("trigger").str("pto_probe");
    const pf = this.pendingFrames;
    if (pf.len > 0) {
      j.key("frames").rawValue(pf.buf, pf.len);
      pf.clear();
    }
    this.finish(j);
  }

  /** transport:packet_received with the frames of the (decrypted) payload. */
  packetReceived(now: u64, type: u32, pn: u64, size: usize, payload: usize, payloadLen: usize): void {
    const j = this.begin(now, "transport:packet_received");
    this.header(j, type, pn, true);
    j.key("raw").beginObject().key("length").num(<u64>size).endObject();
    j.key("frames");
    frames(j, type, payload, payloadLen);
    this.finish(j);
  }

  /** A Retry or Version Negotiation packet (no packet number, no frames). */
  packetReceivedNoPn(now: u64, type: u32, size: usize): void {
    const j = this.begin(now, "transport:packet_received");
    this.header(j, type, 0, false);
    j.key("raw").beginObject().key("length").num(<u64>size).endObject();
    this.finish(j);
  }

  /** transport:packet_dropped. */
  packetDropped(now: u64, type: u32, size: usize, trigger: DropTrigger): void {
    const j = this.begin(now, "transport:packet_dropped");
    this.header(j, type, 0, false);
    j.key("raw").beginObject().key("length").num(<u64>size).endObject();
    j.key("trigger").str(dropTriggerName(trigger));
    this.finish(j);
  }

  /** recovery:packet_lost. */
  packetLost(now: u64, space: u32, pn: u64, oneRtt: bool, trigger: LostTrigger): void {
    const j = this.begin(now, "recovery:packet_lost");
    const type = space == SPACE_INITIAL ? PACKET_INITIAL : space == SPACE_HANDSHAKE ? PACKET_HANDSHAKE : oneRtt ? PACKET_1RTT : PACKET_0RTT;
    this.header(j, type, pn, true);
    j.key("trigger").str(trigger == LostTrigger.ReorderingThreshold ? "reordering_threshold" : trigger == LostTrigger.TimeThreshold ? "time_threshold" : "rejected");
    this.finish(j);
  }

  /**
   * recovery:metrics_updated with the fields that changed since the last
   * one, and congestion_state_updated / connectivity:mtu_updated on change.
   */
  metrics(now: u64, m: RecoveryMetrics, state: CongestionState, mtu: u32): void {
    const l = this.last;
    const all = !this.hasLast;
    if (all || m.minRtt != l.minRtt || m.smoothedRtt != l.smoothedRtt || m.latestRtt != l.latestRtt || m.rttvar != l.rttvar
        || m.ptoCount != l.ptoCount || m.congestionWindow != l.congestionWindow || m.bytesInFlight != l.bytesInFlight || m.ssthresh != l.ssthresh) {
      const j = this.begin(now, "recovery:metrics_updated");
      if (all || m.minRtt != l.minRtt) j.key("min_rtt").ms(m.minRtt);
      if (all || m.smoothedRtt != l.smoothedRtt) j.key("smoothed_rtt").ms(m.smoothedRtt);
      if (all || m.latestRtt != l.latestRtt) j.key("latest_rtt").ms(m.latestRtt);
      if (all || m.rttvar != l.rttvar) j.key("rtt_variance").ms(m.rttvar);
      if (all || m.ptoCount != l.ptoCount) j.key("pto_count").num(m.ptoCount);
      if (all || m.congestionWindow != l.congestionWindow) j.key("congestion_window").num(m.congestionWindow);
      if (all || m.bytesInFlight != l.bytesInFlight) j.key("bytes_in_flight").num(m.bytesInFlight);
      // "infinite" before the first congestion event: not logged
      if ((all || m.ssthresh != l.ssthresh) && m.ssthresh != u64.MAX_VALUE) j.key("ssthresh").num(m.ssthresh);
      this.finish(j);
      l.minRtt = m.minRtt; l.smoothedRtt = m.smoothedRtt; l.latestRtt = m.latestRtt; l.rttvar = m.rttvar;
      l.ptoCount = m.ptoCount; l.congestionWindow = m.congestionWindow; l.bytesInFlight = m.bytesInFlight; l.ssthresh = m.ssthresh;
      this.hasLast = true;
    }
    if (<i32>state != this.congestion) {
      const j = this.begin(now, "recovery:congestion_state_updated");
      if (this.congestion >= 0) j.key("old").str(congestionStateName(<CongestionState>this.congestion));
      j.key("new").str(congestionStateName(state));
      this.finish(j);
      this.congestion = <i32>state;
    }
    if (mtu != this.mtu) {
      const j = this.begin(now, "connectivity:mtu_updated");
      if (this.mtu != 0) j.key("old").num(<u64>this.mtu);
      j.key("new").num(<u64>mtu);
      this.finish(j);
      this.mtu = mtu;
    }
  }

  /** security:key_updated: keys of `space` (0-RTT when `zeroRtt`) installed or rotated. */
  keyUpdated(now: u64, space: u32, zeroRtt: bool, read: bool, trigger: KeyTrigger, generation: u64): void {
    const j = this.begin(now, "security:key_updated");
    j.key("key_type").str(keyTypeName(this.isServer != read, space, zeroRtt));
    j.key("trigger").str(trigger == KeyTrigger.Tls ? "tls" : trigger == KeyTrigger.LocalUpdate ? "local_update" : "remote_update");
    if (trigger != KeyTrigger.Tls) j.key("generation").num(generation);
    this.finish(j);
  }

  /** security:key_updated for both directions of `space`. */
  keysUpdated(now: u64, space: u32, trigger: KeyTrigger, generation: u64): void {
    this.keyUpdated(now, space, false, true, trigger, generation);
    this.keyUpdated(now, space, false, false, trigger, generation);
  }

  /** security:key_discarded for both directions of `space` (RFC 9001 §4.9) or the 0-RTT keys. */
  keysDiscarded(now: u64, space: u32, zeroRtt: bool): void {
    for (let i = 0; i < 2; i++) {
      const j = this.begin(now, "security:key_discarded");
      j.key("key_type").str(keyTypeName(i == 0, space, zeroRtt));
      j.key("trigger").str("tls");
      this.finish(j);
    }
  }
}

/** qlog KeyType: whose secret (`server`) at which level. */
function keyTypeName(server: bool, space: u32, zeroRtt: bool): string {
  if (zeroRtt) return server ? "server_0rtt_secret" : "client_0rtt_secret";
  if (space == SPACE_INITIAL) return server ? "server_initial_secret" : "client_initial_secret";
  if (space == SPACE_HANDSHAKE) return server ? "server_handshake_secret" : "client_handshake_secret";
  return server ? "server_1rtt_secret" : "client_1rtt_secret";
}

/** The frames of a plaintext payload as a qlog array (quic-events §QuicFrame). */
function frames(j: Json, type: u32, p: usize, n: usize): void {
  const r = QR;
  r.reset(p, n);
  const f = QF;
  j.beginArray();
  let count = 0;
  while (!r.atEnd) {
    if (decodeFrame(r, f, type) != 0) break; // the log shows what decoded; the receive path judges the rest
    if (count++ == MAX_FRAMES_LOGGED) {
      j.beginObject().key("frame_type").str("unknown").key("raw").beginObject().key("length").num(<u64>(n - r.pos + 1)).endObject().endObject();
      break;
    }
    frame(j, f);
  }
  j.endArray();
}

function frame(j: Json, f: QuicFrame): void {
  const ft = f.frameType;
  j.beginObject();
  if (ft >= FRAME_STREAM && ft <= FRAME_STREAM + 7) {
    j.key("frame_type").str("stream").key("stream_id").num(f.streamId).key("offset").num(f.offset)
      .key("length").num(f.length).key("fin").bool(f.fin);
    j.endObject();
    return;
  }
  switch (<i32>ft) {
    case <i32>FRAME_PADDING: j.key("frame_type").str("padding").key("length").num(f.length); break;
    case <i32>FRAME_PING: j.key("frame_type").str("ping"); break;
    case <i32>FRAME_ACK: case <i32>FRAME_ACK_ECN: {
      j.key("frame_type").str("ack");
      j.key("ack_delay").num(f.ackDelay); // the encoded field (exponent not applied)
      // acked_ranges from the highest: [smallest, largest] pairs (§19.3.1)
      j.key("acked_ranges").beginArray();
      let hi = f.largestAcknowledged;
      let lo = hi - f.firstAckRange;
      j.beginArray().num(lo).num(hi).endArray();
      for (let i = 0; i < f.ackRangesStored; i++) {
        const gap = unchecked(f.ackRanges[i * 2]);
        const len = unchecked(f.ackRanges[i * 2 + 1]);
        hi = lo - gap - 2;
        lo = hi - len;
        j.beginArray().num(lo).num(hi).endArray();
      }
      j.endArray();
      if (ft == FRAME_ACK_ECN) j.key("ect0").num(f.ecnEct0).key("ect1").num(f.ecnEct1).key("ce").num(f.ecnCe);
      break;
    }
    case <i32>FRAME_RESET_STREAM:
      j.key("frame_type").str("reset_stream").key("stream_id").num(f.streamId).key("error_code").num(f.errorCode).key("final_size").num(f.finalSize);
      break;
    case <i32>FRAME_RESET_STREAM_AT: // draft-ietf-quic-reliable-stream-reset §4
      j.key("frame_type").str("reset_stream_at").key("stream_id").num(f.streamId).key("error_code").num(f.errorCode)
        .key("final_size").num(f.finalSize).key("reliable_size").num(f.reliableSize);
      break;
    case <i32>FRAME_STOP_SENDING:
      j.key("frame_type").str("stop_sending").key("stream_id").num(f.streamId).key("error_code").num(f.errorCode);
      break;
    case <i32>FRAME_CRYPTO: j.key("frame_type").str("crypto").key("offset").num(f.offset).key("length").num(f.length); break;
    case <i32>FRAME_NEW_TOKEN:
      j.key("frame_type").str("new_token").key("token").beginObject().key("raw").beginObject()
        .key("length").num(<u64>f.tokenLength).endObject().endObject();
      break;
    case <i32>FRAME_MAX_DATA: j.key("frame_type").str("max_data").key("maximum").num(f.maximumData); break;
    case <i32>FRAME_MAX_STREAM_DATA:
      j.key("frame_type").str("max_stream_data").key("stream_id").num(f.streamId).key("maximum").num(f.maximumStreamData);
      break;
    case <i32>FRAME_MAX_STREAMS_BIDI: case <i32>FRAME_MAX_STREAMS_UNI:
      j.key("frame_type").str("max_streams").key("stream_type").str(ft == FRAME_MAX_STREAMS_BIDI ? "bidirectional" : "unidirectional")
        .key("maximum").num(f.maximumStreams);
      break;
    case <i32>FRAME_DATA_BLOCKED: j.key("frame_type").str("data_blocked").key("limit").num(f.maximumData); break;
    case <i32>FRAME_STREAM_DATA_BLOCKED:
      j.key("frame_type").str("stream_data_blocked").key("stream_id").num(f.streamId).key("limit").num(f.maximumStreamData);
      break;
    case <i32>FRAME_STREAMS_BLOCKED_BIDI: case <i32>FRAME_STREAMS_BLOCKED_UNI:
      j.key("frame_type").str("streams_blocked").key("stream_type").str(ft == FRAME_STREAMS_BLOCKED_BIDI ? "bidirectional" : "unidirectional")
        .key("limit").num(f.maximumStreams);
      break;
    case <i32>FRAME_NEW_CONNECTION_ID:
      // the reset token is a secret of the connection: not logged
      j.key("frame_type").str("new_connection_id").key("sequence_number").num(f.sequenceNumber)
        .key("retire_prior_to").num(f.retirePriorTo).key("connection_id_length").num(<u64>f.connectionIdLength)
        .key("connection_id").hex(f.connectionId, <usize>f.connectionIdLength);
      break;
    case <i32>FRAME_RETIRE_CONNECTION_ID:
      j.key("frame_type").str("retire_connection_id").key("sequence_number").num(f.sequenceNumber);
      break;
    case <i32>FRAME_PATH_CHALLENGE: j.key("frame_type").str("path_challenge").key("data").hex(f.data, <usize>f.length); break;
    case <i32>FRAME_PATH_RESPONSE: j.key("frame_type").str("path_response").key("data").hex(f.data, <usize>f.length); break;
    case <i32>FRAME_CONNECTION_CLOSE: case <i32>FRAME_CONNECTION_CLOSE_APP: {
      const app = ft == FRAME_CONNECTION_CLOSE_APP;
      j.key("frame_type").str("connection_close").key("error_space").str(app ? "application" : "transport")
        .key("error_code").num(f.errorCode);
      if (!app) j.key("trigger_frame_type").num(f.errorFrameType);
      j.key("reason").text(f.reasonPhrase, <usize>f.reasonPhraseLength);
      break;
    }
    case <i32>FRAME_HANDSHAKE_DONE: j.key("frame_type").str("handshake_done"); break;
    case <i32>FRAME_DATAGRAM: case <i32>FRAME_DATAGRAM_LEN: j.key("frame_type").str("datagram").key("length").num(f.length); break;
    default: j.key("frame_type").str("unknown").key("raw_frame_type").num(ft);
  }
  j.endObject();
}
