// The unidirectional streams of an HTTP/3 connection (RFC 9114 §6.2): ours —
// the control stream with SETTINGS and a grease frame (§6.2.1, §7.2.8), the
// QPACK encoder and decoder streams (RFC 9204 §4.2), a grease stream
// (§6.2.3) — and the peer's, by type: its control stream and the frames on it
// (SETTINGS, GOAWAY, CANCEL_PUSH, MAX_PUSH_ID, PRIORITY_UPDATE), its QPACK
// streams, push streams (refused: we never allow pushes) and unknown types
// (aborted). The QPACK encoder lives here, being made from the peer's
// SETTINGS. Part of H3Connection (connection.ts), which routes stream events
// here and is called back for connection errors and request streams.

import { Writer } from "../wire/writer";
import { Reader } from "../wire/reader";
import { varintLen } from "../wire/varint";
import { ConnState } from "../quic/connection";
import { QuicConfig } from "../quic/config";
import { QuicEventKind } from "../quic/events";
import { isBidi, isClientInitiated } from "../quic/stream_id";
import { randomU64 } from "../crypto/random";
import { H3Frame, STREAM_CONTROL, H3_GOAWAY, H3_SETTINGS, H3_CANCEL_PUSH, H3_MAX_PUSH_ID, isPriorityUpdate } from "./frame";
import { H3FrameParser, H3_NEED_MORE, H3_EV_ERROR, H3_EV_FRAME } from "./frame_parser";
import { H3_STREAM_CREATION_ERROR, H3_CLOSED_CRITICAL_STREAM, H3_FRAME_UNEXPECTED, H3_EXCESSIVE_LOAD, H3_ID_ERROR } from "./errors";
import { Encoder } from "./qpack/encoder";
import { Priority, readPriorityUpdate, lastElementId, writePriorityUpdate } from "./priority";
import { PeerSettings, writeSettings, greaseId } from "./settings";
import { H3Connection, NONE, OUTBOX_LIMIT, shift } from "./connection";
import { WT_UNI_STREAM_TYPE } from "./webtransport/streams";

// RFC 9114 §6.2: unidirectional stream types; RFC 9204 §4.2.
const TYPE_CONTROL: u64 = 0x00;
const TYPE_PUSH: u64 = 0x01;
const TYPE_ENCODER: u64 = 0x02;
const TYPE_DECODER: u64 = 0x03;

/** The encoder's dynamic table: at most this much of the peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY. */
const ENCODER_CAPACITY: u32 = 16384;

/** A unidirectional stream the peer opened. */
@final
class UniStream {
  type: u64 = NONE;
  /** The stream-type varint being read (§6.2: it may arrive split). */
  vlen: u32 = 0;
  vgot: u32 = 0;
  vacc: u64 = 0;
  constructor(readonly id: u64) {}
}

@final
export class UniStreams {
  // ours, and what waits for QUIC on them
  controlId: u64 = NONE;
  encoderId: u64 = NONE;
  decoderId: u64 = NONE;
  private greaseSent: bool = false;
  private readonly controlOut: Writer = new Writer();
  readonly encoderOut: Writer = new Writer();
  private readonly decoderOut: Writer = new Writer();
  // the peer's
  peerControl: u64 = NONE;
  peerEncoder: u64 = NONE;
  peerDecoder: u64 = NONE;
  private readonly uni: Map<u64, UniStream> = new Map();
  private readonly controlParser: H3FrameParser = new H3FrameParser(STREAM_CONTROL);
  /** QPACK (RFC 9204): the encoder with the peer's settings (capacity 0 until its SETTINGS, §3.2.3). */
  encoder: Encoder;
  /** The peer's SETTINGS (settings.ts). */
  readonly peer: PeerSettings = new PeerSettings();
  /** GOAWAY (§5.2): the id we sent, the peer's latest. */
  sentGoaway: u64 = NONE;
  peerGoaway: u64 = NONE;
  /** The peer's MAX_PUSH_ID (a server checks it never falls, §7.2.7). */
  private peerMaxPushId: u64 = NONE;
  // scratch
  private readonly ev: H3Frame = new H3Frame();
  private readonly rd: Reader = new Reader();
  private readonly rd2: Reader = new Reader();
  private readonly tmp: Writer = new Writer();
  private readonly prio: Priority = new Priority();

  /** The connection these streams belong to (set by it once it is constructed). */
  h3!: H3Connection;

  constructor(cfg: QuicConfig) {
    this.encoder = zeroEncoder();
    // each stream starts with its type (§6.2); what we write before QUIC lets us open it waits behind that
    const w = this.controlOut;
    w.varint(TYPE_CONTROL);
    writeSettings(w, cfg, this.tmp);
    // §7.2.8: a reserved frame type, to exercise the peer's "ignore unknown frames"
    w.varint(greaseId());
    w.varint(1);
    w.u8(<u32>(randomU64() & 0xff));
    this.encoderOut.varint(TYPE_ENCODER);
    this.decoderOut.varint(TYPE_DECODER);
  }

  dispose(): void {
    this.uni.clear();
    this.controlParser.dispose();
    this.controlOut.release();
    this.encoderOut.release();
    this.decoderOut.release();
    this.tmp.release();
    if (this.encoder !== ZERO_ENCODER) this.encoder.dispose();
  }

  /** One of our control or QPACK streams. */
  @inline isOurs(id: u64): bool {
    return id == this.controlId || id == this.encoderId || id == this.decoderId;
  }

  /** One of the peer's control or QPACK streams (§6.2.1: closing one is a connection error). */
  @inline isCritical(id: u64): bool {
    return id != NONE && (id == this.peerControl || id == this.peerEncoder || id == this.peerDecoder);
  }

  /** The peer opened unidirectional stream `id`. */
  onOpened(id: u64): void {
    this.uni.set(id, new UniStream(id));
  }

  /** Reads the peer's stream `id`; false when it is not one of ours to read. */
  onReadable(id: u64): bool {
    if (!this.uni.has(id)) return false;
    this.read(this.uni.get(id));
    return true;
  }

  /** RESET_STREAM on a unidirectional stream of the peer's; false when `id` is none of them. */
  onReset(id: u64): bool {
    if (this.isCritical(id)) {
      // §6.2.1: "If either control stream is closed at any point, this MUST be treated as a connection error of type H3_CLOSED_CRITICAL_STREAM"
      this.h3.connError(H3_CLOSED_CRITICAL_STREAM, "critical stream reset");
      return true;
    }
    if (!this.uni.has(id)) return false;
    this.uni.delete(id);
    return true;
  }

  private read(u: UniStream): void {
    const h3 = this.h3;
    const c = h3.c;
    const buf = this.tmp;
    buf.clear();
    buf.ensure(4096);
    for (;;) {
      // the type varint a byte at a time, then chunks
      const want: u64 = u.type == NONE ? 1 : 4096;
      const n = c.streamRead(u.id, buf.buf, want);
      if (n < 0) return;
      const fin = c.lastReadFin;
      if (n > 0) {
        if (u.type == NONE) {
          const b = load<u8>(buf.buf);
          if (u.vgot == 0) { u.vlen = <u32>1 << (b >> 6); u.vacc = <u64>(b & 0x3f); }
          else u.vacc = (u.vacc << 8) | <u64>b;
          u.vgot++;
          if (u.vgot == u.vlen) {
            if (!this.onType(u, u.vacc)) return;
          }
        } else if (!this.onData(u, buf.buf, <usize>n)) {
          return;
        }
      }
      if (h3.closed) return;
      if (fin) {
        if (this.isCritical(u.id)) h3.connError(H3_CLOSED_CRITICAL_STREAM, "critical stream closed");
        else this.uni.delete(u.id);
        return;
      }
      if (n == 0) return;
    }
  }

  /** The stream type is known (§6.2); false when the stream is no longer read. */
  private onType(u: UniStream, t: u64): bool {
    const h3 = this.h3;
    u.type = t;
    if (t == TYPE_CONTROL || t == TYPE_ENCODER || t == TYPE_DECODER) {
      const have = t == TYPE_CONTROL ? this.peerControl : t == TYPE_ENCODER ? this.peerEncoder : this.peerDecoder;
      // §6.2.1 / RFC 9204 §4.2: "Receipt of a second stream claiming to be a control stream MUST be treated as a connection error of type H3_STREAM_CREATION_ERROR"
      if (have != NONE) { h3.connError(H3_STREAM_CREATION_ERROR, "a second control or QPACK stream"); return false; }
      if (t == TYPE_CONTROL) this.peerControl = u.id;
      else if (t == TYPE_ENCODER) this.peerEncoder = u.id;
      else this.peerDecoder = u.id;
      return true;
    }
    if (t == TYPE_PUSH) {
      // §6.2.2: "Only servers can push; if a server receives a client-initiated push stream, this MUST be treated as a connection error of type H3_STREAM_CREATION_ERROR";
      // a client never sent MAX_PUSH_ID, so any push ID is above the limit: H3_ID_ERROR (§4.6)
      if (h3.isServer) h3.connError(H3_STREAM_CREATION_ERROR, "push stream from a client");
      else h3.connError(H3_ID_ERROR, "push stream without MAX_PUSH_ID");
      return false;
    }
    // draft-ietf-webtrans-http3 §4.2: a WebTransport stream; the session ID follows
    if (t == WT_UNI_STREAM_TYPE && h3.wt != null) {
      this.uni.delete(u.id);
      h3.wt!.onPeerUni(u.id);
      return false;
    }
    // §6.2: "Recipients of unknown stream types MUST either abort reading of the stream or discard incoming data";
    // "If reading is aborted, the recipient SHOULD use the H3_STREAM_CREATION_ERROR error code"
    h3.c.stopSending(u.id, H3_STREAM_CREATION_ERROR);
    this.uni.delete(u.id);
    h3.discard(u.id);
    return false;
  }

  private onData(u: UniStream, p: usize, n: usize): bool {
    const h3 = this.h3;
    if (u.id == this.peerControl) return this.onControlData(p, n);
    if (u.id == this.peerEncoder) {
      const d = h3.decoder;
      const rc = d.feedEncoderStream(p, n);
      if (rc != 0) { h3.connError(rc, d.reason); return false; }
      return h3.onUnblocked(d.takeUnblocked());
    }
    if (u.id == this.peerDecoder) {
      // the shared zero-capacity encoder keeps no state; parsing the peer's instructions needs some (a cut
      // instruction, a sticky error): this connection gets its own
      this.ensureEncoder();
      if (this.encoder === ZERO_ENCODER) this.encoder = new Encoder(0, 0, 0);
      const rc = this.encoder.feedDecoderStream(p, n);
      if (rc != 0) { h3.connError(rc, this.encoder.reason); return false; }
      return true;
    }
    return true;
  }

  /** Frames on the peer's control stream (§6.2.1, §7.2). */
  private onControlData(p: usize, n: usize): bool {
    const h3 = this.h3;
    const r = this.rd;
    r.reset(p, n);
    const ev = this.ev;
    const parser = this.controlParser;
    for (;;) {
      const k = parser.next(r, ev);
      if (k == H3_NEED_MORE) return true;
      if (k == H3_EV_ERROR) { h3.connError(parser.error, ev.reason); return false; }
      if (k != H3_EV_FRAME) continue;
      const t = ev.frameType;
      let err: u64 = 0;
      if (t == H3_SETTINGS) err = this.onSettings(ev);
      else if (t == H3_GOAWAY) err = this.onGoaway(ev.id);
      else if (t == H3_CANCEL_PUSH) {
        // §7.2.3: a CANCEL_PUSH for a push ID above the allowed maximum is H3_ID_ERROR; we allow none (no MAX_PUSH_ID)
        // and a server never promised any
        err = H3_ID_ERROR; ev.reason = "CANCEL_PUSH without a push";
      } else if (t == H3_MAX_PUSH_ID) {
        // §7.2.7: "Receipt of a MAX_PUSH_ID frame on a client MUST be treated as a connection error of type H3_FRAME_UNEXPECTED";
        // "A MAX_PUSH_ID frame cannot reduce the maximum push ID; receipt ... that contains a smaller value ... MUST be treated as ... H3_ID_ERROR"
        if (!h3.isServer) { err = H3_FRAME_UNEXPECTED; ev.reason = "MAX_PUSH_ID from a server"; }
        else if (this.peerMaxPushId != NONE && ev.pushId < this.peerMaxPushId) { err = H3_ID_ERROR; ev.reason = "MAX_PUSH_ID reduced"; }
        else this.peerMaxPushId = ev.pushId;
      } else if (isPriorityUpdate(t)) {
        // RFC 9218 §7.1: "... a client MUST treat receipt of a PRIORITY_UPDATE frame as a connection error of type H3_FRAME_UNEXPECTED"
        if (!h3.isServer) { err = H3_FRAME_UNEXPECTED; ev.reason = "PRIORITY_UPDATE from a server"; }
        else {
          err = readPriorityUpdate(t, ev.data, <usize>ev.length, this.rd2, this.prio);
          if (err != 0) ev.reason = "invalid PRIORITY_UPDATE";
          else {
            err = h3.applyPriority(lastElementId, this.prio.urgency, this.prio.incremental);
            if (err != 0) ev.reason = "PRIORITY_UPDATE for a stream beyond the limit";
          }
        }
      }
      if (err != 0) { h3.connError(err, ev.reason); return false; }
    }
    return true;
  }

  /** §7.2.4: the peer's SETTINGS (validated by the parser: duplicates, HTTP/2 identifiers). */
  private onSettings(f: H3Frame): u64 {
    const ev = this.h3.out.push(QuicEventKind.H3Settings);
    // RFC 9204 §3.2.3: the encoder may use the dynamic table from now on (made when first needed: ensureEncoder)
    const err = this.peer.apply(f.settings, <usize>f.settingsLength, this.rd2, ev.bytes);
    if (err != 0) f.reason = this.peer.reason;
    else if (this.h3.wt != null) this.h3.wt!.onPeerSettings();
    return err;
  }

  /**
   * This connection's own encoder, with the peer's table capacity and
   * blocked-streams limit, once its SETTINGS allow a table — made on first use,
   * so an idle connection holds none (~16 KiB). Until then, or when the peer
   * allows no table, the shared zero-capacity one serves.
   */
  ensureEncoder(): void {
    const ps = this.peer;
    if (this.encoder !== ZERO_ENCODER || !ps.received || ps.qpackMaxTableCapacity == 0) return;
    const peerCap = ps.qpackMaxTableCapacity > 0xffffffff ? <u32>0xffffffff : <u32>ps.qpackMaxTableCapacity;
    const blocked = ps.qpackBlockedStreams > 0xffff ? <u32>0xffff : <u32>ps.qpackBlockedStreams;
    this.encoder = new Encoder(peerCap, blocked, peerCap < ENCODER_CAPACITY ? peerCap : ENCODER_CAPACITY);
  }

  /** §5.2: the peer's GOAWAY. */
  private onGoaway(id: u64): u64 {
    const h3 = this.h3;
    // §5.2: from a server, a client-initiated bidirectional stream ID ("A client MUST treat receipt of a GOAWAY frame containing a stream ID of any other type as a connection error of type H3_ID_ERROR")
    if (!h3.isServer && !(isBidi(id) && isClientInitiated(id))) { this.ev.reason = "GOAWAY with a stream ID that is not a client request"; return H3_ID_ERROR; }
    // §5.2: "An endpoint MAY send multiple GOAWAY frames ... the identifier MUST NOT be greater than ... previous"; "MUST treat receipt of a GOAWAY frame containing an identifier greater than ... as a connection error of type H3_ID_ERROR"
    if (this.peerGoaway != NONE && id > this.peerGoaway) { this.ev.reason = "GOAWAY id increased"; return H3_ID_ERROR; }
    this.peerGoaway = id;
    h3.out.push(QuicEventKind.H3Goaway).value = id;
    // requests at or above the id will not be processed: the client may retry them elsewhere (§5.2)
    if (!h3.isServer) h3.rejectFrom(id);
    return 0;
  }

  /** §5.2: our GOAWAY with `id` (never more than one sent before); false before our control stream exists. */
  sendGoaway(id: u64): bool {
    if (this.controlId == NONE) return false;
    if (this.sentGoaway != NONE && id > this.sentGoaway) id = this.sentGoaway; // §5.2: never increases
    if (id == this.sentGoaway) return true;
    this.sentGoaway = id;
    const w = this.controlOut;
    w.varint(H3_GOAWAY);
    w.varint(<u64>varintLen(id));
    w.varint(id);
    return true;
  }

  /** RFC 9218 §7: a client's PRIORITY_UPDATE for request stream `id`. */
  sendPriorityUpdate(id: u64, urgency: i32, incremental: bool): void {
    writePriorityUpdate(this.controlOut, this.tmp, id, urgency, incremental);
  }

  /** Opens the control and QPACK streams (and a grease stream) as soon as QUIC allows (§6.2.1, RFC 9204 §4.2, §6.2.3). */
  openStreams(): void {
    const c = this.h3.c;
    if (c.state >= ConnState.Closing) return;
    if (this.controlId == NONE) {
      const id = c.openStream(false);
      if (id == NONE) return;
      this.controlId = id;
    }
    if (this.encoderId == NONE) {
      const id = c.openStream(false);
      if (id == NONE) return;
      this.encoderId = id;
    }
    if (this.decoderId == NONE) {
      const id = c.openStream(false);
      if (id == NONE) return;
      this.decoderId = id;
    }
    if (!this.greaseSent && c.streams.canOpen(false)) {
      // §6.2.3: a stream of a reserved type, which the peer must ignore
      this.greaseSent = true;
      const id = c.openStream(false);
      if (id != NONE) {
        const w = this.tmp;
        w.clear();
        w.varint(greaseId());
        w.u32(<u32>randomU64());
        c.streamWrite(id, w.buf, <u64>w.len, true);
      }
    }
  }

  /** Hands waiting bytes to QUIC; the decoder's instructions are collected first (RFC 9204 §4.4). */
  flush(): void {
    if (this.decoderId != NONE) this.h3.decoder.takeDecoderStream(this.decoderOut);
    this.flushOne(this.controlId, this.controlOut);
    this.flushOne(this.encoderId, this.encoderOut);
    this.flushOne(this.decoderId, this.decoderOut);
  }

  private flushOne(id: u64, w: Writer): void {
    const h3 = this.h3;
    if (id == NONE || w.len == 0 || h3.closed) return;
    const n = h3.c.streamWrite(id, w.buf, <u64>w.len, false);
    if (n > 0) shift(w, <usize>n);
    // a peer that gives our critical streams no credit must not make us hold without bound
    if (w.len > OUTBOX_LIMIT) h3.connError(H3_EXCESSIVE_LOAD, "the peer does not read a critical stream");
  }
}

/**
 * The encoder every connection uses until the peer's SETTINGS allow a dynamic
 * table (RFC 9204 §3.2.3: capacity 0 until then), and for good when the peer
 * allows none: encoding with no table keeps no per-connection state (no
 * inserts, no outstanding sections), so one is shared instead of ~16 KiB per
 * connection. Parsing the peer's decoder stream does keep state: a connection
 * whose peer writes instructions gets its own (onData).
 */
let ZERO_ENCODER: Encoder | null = null;
function zeroEncoder(): Encoder {
  let e = ZERO_ENCODER;
  if (e == null) { e = new Encoder(0, 0, 0); ZERO_ENCODER = e; }
  return e;
}
