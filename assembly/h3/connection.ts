// The HTTP/3 connection (RFC 9114) on one QUIC connection, inside the core.
//
// It is the connection's app (quic/app.ts): `process` runs after every call
// into the QUIC connection and consumes its stream events — unidirectional
// streams go to uni_streams.ts (control and QPACK streams both ways, §6.2),
// request streams are read here (one's frames: request_stream.ts) — and moves
// connection events on
// unchanged. What the host learns arrives as H3* events (quic/events.ts) in
// `out`; what it asks goes through the methods under "the application's
// calls" (api/http3.ts).
//
// Errors (§8): a connection error closes the QUIC connection with the H3
// code as an application CONNECTION_CLOSE (`connError`); a stream error
// resets the request stream and stops its reading with the code
// (`streamError`). Requests the server cannot take are answered by the core:
// 431 when the field section is over our SETTINGS_MAX_FIELD_SECTION_SIZE,
// 413 when the body is over the configured limit; H3_REQUEST_REJECTED for
// requests at or above our GOAWAY id (§5.2).
//
// Memory a peer controls: request streams (QUIC's stream limit), each with a
// header block of at most our field-section size (+ QPACK's slack); control
// frames up to the frame parser's limit; QPACK's bounded buffers
// (qpack/decoder.ts); the outboxes of our streams, each bounded (OUTBOX_LIMIT);
// PRIORITY_UPDATEs ahead of their request (PENDING_PRIORITY_LIMIT).

import { Writer } from "../wire/writer";
import { varintLen } from "../wire/varint";
import { Connection, ConnState } from "../quic/connection";
import { ConnApp, ConnAppFactory } from "../quic/app";
import { QuicEvent, QuicEventKind, H3HeadersKind } from "../quic/events";
import { QuicConfig } from "../quic/config";
import { isBidi } from "../quic/stream_id";
import { StreamRecv } from "../quic/stream_recv";
import { H3_HEADERS } from "./frame";
import {
  H3_NO_ERROR, H3_INTERNAL_ERROR, H3_STREAM_CREATION_ERROR, H3_EXCESSIVE_LOAD, H3_ID_ERROR, H3_REQUEST_REJECTED,
  H3_REQUEST_CANCELLED, H3_REQUEST_INCOMPLETE, H3_MESSAGE_ERROR, H3_CLOSED_CRITICAL_STREAM, H3_DATAGRAM_ERROR,
} from "./errors";
import { Decoder, DECODE_BLOCKED } from "./qpack/decoder";
import { checkSection, MessageInfo, MSG_REQUEST, MSG_RESPONSE, MSG_TRAILERS, responseHasNoBody } from "./message";
import {
  RequestStream, RS_MORE, RS_BODY, RS_HEADERS, RS_FIN, RS_ERROR, RS_TOO_LARGE,
  RECV_HEADERS, RECV_BODY, RECV_TRAILERS, SEND_HEADERS, SEND_BODY, SEND_DONE,
} from "./request_stream";
import { UniStreams } from "./uni_streams";
import { WebTransport } from "./webtransport/webtransport";

export const NONE: u64 = u64.MAX_VALUE;

/** The most bytes waiting for QUIC on one of our streams; more is H3_EXCESSIVE_LOAD (a peer that never reads). */
export const OUTBOX_LIMIT: usize = 1 << 20;
/** A header block may be this much larger than the field section it decodes to (prefix, integer overheads). */
const BLOCK_SLACK: u64 = 64;
/** PRIORITY_UPDATEs kept for request streams not opened yet (RFC 9218 §7.1); more are ignored. */
const PENDING_PRIORITY_LIMIT: i32 = 16;
/** Body bytes `read-body` hands out per call at most. */
export const MAX_READ: u64 = 1 << 20;

/** A response the core sends itself (431, 413): `:status` only, from the static table. */
const statusFields = new Writer();

@final
export class H3Connection extends ConnApp {
  readonly isServer: bool;
  readonly cfg: QuicConfig;
  /** Not HTTP/3 after all (ALPN): every event passes through. */
  passthrough: bool = false;
  /** A connection error was raised or the QUIC connection closed. */
  closed: bool = false;
  /** The control and QPACK streams, both ways; the encoder; the peer's SETTINGS and GOAWAY (uni_streams.ts). */
  readonly uni: UniStreams;
  private readonly requests: Map<u64, RequestStream> = new Map();
  /** WebTransport (webtransport/), when the config enables it. */
  readonly wt: WebTransport | null;
  /** QPACK (RFC 9204): our decoder, with our settings. */
  readonly decoder: Decoder;
  /** Server: the highest client request stream opened (NONE before the first). */
  private maxRequestSeen: u64 = NONE;
  /** Server: PRIORITY_UPDATEs that came before their request stream (id → urgency | incremental << 8). */
  private readonly pendingPriority: Map<u64, i32> = new Map();
  // scratch
  private readonly info: MessageInfo = new MessageInfo();
  private readonly fields: Writer = new Writer();
  private readonly tmp: Writer = new Writer();

  constructor(readonly c: Connection) {
    super();
    this.isServer = c.isServer;
    const cfg = c.cfg;
    this.cfg = cfg;
    this.decoder = new Decoder(<u32>cfg.h3QpackMaxTableCapacity, <u32>cfg.h3QpackBlockedStreams, cfg.h3MaxFieldSectionSize);
    const uni = new UniStreams(cfg);
    this.uni = uni;
    uni.h3 = this;
    this.wt = cfg.wtDrafts != 0 ? new WebTransport(this) : null;
  }

  dispose(): void {
    const rs = this.requests.values();
    for (let i = 0; i < rs.length; i++) unchecked(rs[i]).dispose();
    this.requests.clear();
    this.pendingPriority.clear();
    this.uni.dispose();
    if (this.wt != null) this.wt!.dispose();
    this.decoder.dispose();
    this.fields.release();
    this.tmp.release();
  }

  // ---- events from the QUIC connection ---------------------------------------------

  process(): void {
    const q = this.c.events;
    if (!this.passthrough && !this.closed) this.uni.openStreams();
    for (;;) {
      const e = q.peek();
      if (e == null) break;
      if (this.passthrough) this.out.copy(e);
      else this.onEvent(e);
      q.pop();
    }
    if (!this.passthrough && !this.closed) this.uni.flush();
  }

  private onEvent(e: QuicEvent): void {
    const id = e.streamId;
    const wt = this.wt;
    if (wt != null && !this.closed && e.kind >= QuicEventKind.StreamReadable && e.kind <= QuicEventKind.StreamSendDone && wt.owns(id)) { wt.onStreamEvent(e); return; }
    switch (e.kind) {
      case QuicEventKind.Connected: {
        // a client learns the ALPN here: anything but "h3" is not ours
        const b = e.bytes;
        if (!(b.len == 2 && load<u8>(b.buf) == 0x68 && load<u8>(b.buf, 1) == 0x33)) this.passthrough = true;
        this.out.copy(e);
        return;
      }
      case QuicEventKind.Closed: {
        this.closed = true;
        this.out.copy(e);
        return;
      }
      case QuicEventKind.StreamOpened: if (!this.closed) this.onStreamOpened(id); return;
      case QuicEventKind.StreamReadable: if (!this.closed) this.onReadable(id); return;
      case QuicEventKind.StreamWritable: if (!this.closed) this.onWritable(id); return;
      case QuicEventKind.StreamReset: if (!this.closed) this.onReset(id, e.value); return;
      case QuicEventKind.StreamStopSending: if (!this.closed) this.onStopSending(id, e.value); return;
      case QuicEventKind.StreamSendDone: if (!this.closed) this.onSendDone(id); return;
      case QuicEventKind.StreamsAvailable: {
        if (this.closed) return;
        if (e.value == 0) this.uni.openStreams();
        else if (!this.isServer) this.out.push(QuicEventKind.H3RequestsAvailable);
        if (wt != null) this.out.push(QuicEventKind.WtStreamsAvailable).value = e.value;
        return;
      }
      case QuicEventKind.Datagram: {
        if (this.closed) return;
        // RFC 9297 §2.1.1: "QUIC DATAGRAM frames MUST NOT be sent until the SETTINGS_H3_DATAGRAM setting has been both sent and received"
        if (!this.cfg.h3Datagram && this.c.cfg.maxDatagramFrameSize > 0) { this.connError(H3_DATAGRAM_ERROR, "datagram without SETTINGS_H3_DATAGRAM"); return; }
        if (wt != null) wt.onDatagram(e);
        else this.out.copy(e);
        return;
      }
      default: this.out.copy(e);
    }
  }

  /** RFC 9114 §8: closes the connection with `code` (an application CONNECTION_CLOSE). */
  connError(code: u64, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.c.closeApp(code, reason);
  }

  private onStreamOpened(id: u64): void {
    if (!isBidi(id)) {
      this.uni.onOpened(id);
      return;
    }
    if (!this.isServer) {
      if (this.wt != null && this.wt!.onPeerBidi(id)) return;
      // §6.1: "Clients MUST treat receipt of a server-initiated bidirectional stream as a connection error of type H3_STREAM_CREATION_ERROR"
      this.connError(H3_STREAM_CREATION_ERROR, "server-initiated bidirectional stream");
      return;
    }
    if (this.maxRequestSeen == NONE || id > this.maxRequestSeen) this.maxRequestSeen = id;
    if (id >= this.uni.sentGoaway) {
      // §5.2: requests at or above the GOAWAY id are not processed
      this.c.streamReset(id, H3_REQUEST_REJECTED);
      this.c.stopSending(id, H3_REQUEST_REJECTED);
      return;
    }
    const rs = new RequestStream(id, true, this.cfg.h3MaxFieldSectionSize + BLOCK_SLACK);
    this.requests.set(id, rs);
    if (this.pendingPriority.has(id)) {
      const p = this.pendingPriority.get(id);
      this.pendingPriority.delete(id);
      this.c.setPriority(id, <u8>(p & 0xff), (p >> 8) != 0);
      rs.priorityUpdated = true;
    }
  }

  private onReadable(id: u64): void {
    if (this.requests.has(id)) {
      const rs = this.requests.get(id);
      if (rs.answered || rs.recvAbandoned) this.discard(id);
      else if (this.wt == null || !this.wt!.claimBidi(rs)) this.pumpRequest(rs, false);
      return;
    }
    if (this.uni.onReadable(id)) return;
    // a stream we abandoned: drain what arrives
    this.discard(id);
  }

  /** Reads and drops what arrives on `id` (a stream we abandoned). */
  discard(id: u64): void {
    const buf = this.tmp;
    buf.clear();
    buf.ensure(4096);
    for (;;) {
      const n = this.c.streamRead(id, buf.buf, 4096);
      if (n <= 0) break;
    }
  }

  private onWritable(id: u64): void {
    if (this.uni.isOurs(id)) return; // process() flushes them
    if (!this.requests.has(id)) return;
    const rs = this.requests.get(id);
    this.flushRequest(rs);
    if (rs.outbox.len == 0 && rs.wantWritable) {
      rs.wantWritable = false;
      this.out.push(QuicEventKind.H3Writable).streamId = id;
    }
  }

  private onReset(id: u64, code: u64): void {
    if (this.uni.onReset(id)) return;
    if (!this.requests.has(id)) return;
    const rs = this.requests.get(id);
    // the receive side was done with (answered by the core, or the host stopped reading it): only it ends
    if (rs.answered || rs.recvAbandoned) { rs.recvDone = true; this.maybeForget(rs); return; }
    this.decoder.cancelStream(id);
    if (rs.wt) { this.drop(rs); this.wt!.onSessionAborted(id, code, true); return; }
    // the other direction goes too unless it is complete (a cancelled request needs no response; a rejected one no more body)
    if (rs.sendPhase != SEND_DONE || rs.outbox.len > 0) this.c.streamReset(id, H3_REQUEST_CANCELLED);
    this.drop(rs);
    if (this.isServer && !rs.delivered) return; // the host never saw it
    // §8.1 / §4.1.1: a client can retry a request the server reset with H3_REQUEST_REJECTED
    const ev = this.out.push(!this.isServer && code == H3_REQUEST_REJECTED ? QuicEventKind.H3RequestRejected : QuicEventKind.H3StreamReset);
    ev.streamId = id;
    ev.value = code;
    ev.remote = true;
  }

  private onStopSending(id: u64, code: u64): void {
    if (this.uni.isOurs(id)) {
      // §6.2.1: "the receiver MUST NOT request that the sender close the control stream" (and RFC 9204 §4.2 for QPACK's)
      this.connError(H3_CLOSED_CRITICAL_STREAM, "STOP_SENDING on a critical stream");
      return;
    }
    if (!this.requests.has(id)) return;
    const rs = this.requests.get(id);
    rs.sendPhase = SEND_DONE;
    rs.sendDone = true;
    rs.outbox.clear();
    rs.finPending = false;
    if (rs.wt) { this.maybeForget(rs); return; }
    const ev = this.out.push(QuicEventKind.H3StopSending);
    ev.streamId = id;
    ev.value = code;
    ev.remote = true;
    this.maybeForget(rs);
  }

  private onSendDone(id: u64): void {
    if (!this.requests.has(id)) return;
    const rs = this.requests.get(id);
    rs.sendDone = true;
    if (!rs.wt) this.out.push(QuicEventKind.H3SendDone).streamId = id;
    this.maybeForget(rs);
  }

  /** QPACK: sections that waited for encoder-stream inserts can be decoded now (RFC 9204 §2.1.2); false once closed. */
  onUnblocked(ids: u64[]): bool {
    for (let i = 0; i < ids.length; i++) {
      const id = unchecked(ids[i]);
      if (!this.requests.has(id)) continue;
      const rs = this.requests.get(id);
      rs.qpackBlocked = false;
      if (this.onHeaderBlock(rs, this.decoder.resume(id))) this.pumpRequest(rs, false);
      if (this.closed) return false;
    }
    return true;
  }

  /** Client, §5.2: the server's GOAWAY — requests at or above `id` will not be processed; the host may retry them. */
  rejectFrom(id: u64): void {
    const rs = this.requests.values();
    for (let i = 0; i < rs.length; i++) {
      const s = unchecked(rs[i]);
      if (s.id < id) continue;
      this.decoder.cancelStream(s.id);
      this.c.streamReset(s.id, H3_REQUEST_CANCELLED);
      this.c.stopSending(s.id, H3_REQUEST_CANCELLED);
      this.drop(s);
      if (s.wt) { this.wt!.onSessionAborted(s.id, H3_REQUEST_REJECTED, true); continue; }
      const e = this.out.push(QuicEventKind.H3RequestRejected);
      e.streamId = s.id;
      e.value = H3_REQUEST_REJECTED;
    }
  }

  // ---- request streams (§4.1) ---------------------------------------------------------

  /**
   * Reads what the request stream holds (request_stream.ts `pump`): field
   * sections are decoded and delivered; body bytes go to `out` (read-body) or
   * are left in QUIC with an H3BodyReadable event.
   */
  pumpRequest(rs: RequestStream, reading: bool, out: usize = 0, max: u64 = 0): u64 {
    let got: u64 = 0;
    for (;;) {
      if (rs.qpackBlocked || rs.answered || rs.recvAbandoned || this.closed || !this.requests.has(rs.id)) return got;
      const k = rs.pump(this.c, out + <usize>got, max - got);
      got += rs.got;
      if (rs.got > 0 && !this.checkBody(rs)) return got;
      switch (k) {
        case RS_MORE:
          if (reading) rs.bodySignalled = false;
          return got;
        case RS_BODY:
          // the budget ran out: when it ran out with QUIC's buffer, the host has read it dry (edge-triggered)
          if (!reading) this.signalBody(rs);
          else if (this.quicReadable(rs.id) == 0) rs.bodySignalled = false;
          return got;
        case RS_HEADERS: {
          if (!this.onHeaderBlock(rs, this.decoder.decodeSection(rs.id, rs.block.buf, rs.block.len))) return got;
          rs.block.release();
          // trailers end the body: the host sees them before it reads the end (wit/http3.wit)
          if (rs.recvPhase == RECV_TRAILERS && reading) { rs.bodySignalled = false; this.signalBody(rs); return got; }
          continue;
        }
        case RS_FIN: this.onRequestFin(rs, reading); return got;
        case RS_ERROR: this.connError(rs.error, rs.reason); return got;
        case RS_TOO_LARGE: this.tooLarge(rs); return got;
        default: return got; // RS_GONE: the QUIC event says why
      }
    }
    return got;
  }

  /** Body counters against content-length (§4.1.2) and the configured limit. False when the stream was ended. */
  private checkBody(rs: RequestStream): bool {
    // §4.1.2: "A request or response that is defined as having no content ... or whose content length ... does not match ... is malformed"
    if (rs.contentLength >= 0 && rs.bodyReceived > <u64>rs.contentLength) {
      this.streamError(rs, H3_MESSAGE_ERROR);
      return false;
    }
    if (rs.bodyReceived > this.cfg.h3MaxBodySize) {
      if (this.isServer && rs.sendPhase == SEND_HEADERS) this.respondAndStop(rs, 413);
      else this.streamError(rs, H3_EXCESSIVE_LOAD);
      return false;
    }
    return true;
  }

  private signalBody(rs: RequestStream): void {
    if (rs.wt) { this.wt!.onSessionData(rs); return; }
    if (rs.bodySignalled || rs.recvPhase == RECV_HEADERS) return;
    rs.bodySignalled = true;
    this.out.push(QuicEventKind.H3BodyReadable).streamId = rs.id;
  }

  /** The stream ended cleanly (at a frame boundary). */
  private onRequestFin(rs: RequestStream, reading: bool): void {
    if (rs.recvPhase == RECV_HEADERS) {
      // §4.1.2 / §8.1: a request stream that ends without a complete request: H3_REQUEST_INCOMPLETE;
      // a response stream without a final response is malformed
      this.streamError(rs, this.isServer ? H3_REQUEST_INCOMPLETE : H3_MESSAGE_ERROR);
      return;
    }
    if (rs.contentLength >= 0 && rs.bodyReceived != <u64>rs.contentLength) {
      this.streamError(rs, H3_MESSAGE_ERROR);
      return;
    }
    if (!rs.recvDone) {
      rs.recvDone = true;
      if (!reading) this.signalBody(rs);
    }
  }

  /**
   * A decoded (or failed, or blocked) field section of `rs`: validates it
   * (message.ts) and tells the host. False when the stream cannot go on now.
   */
  private onHeaderBlock(rs: RequestStream, rc: u64): bool {
    if (rc == DECODE_BLOCKED) { rs.qpackBlocked = true; return false; }
    if (rc == H3_EXCESSIVE_LOAD) { this.tooLarge(rs); return false; }
    if (rc != 0) { this.connError(rc, this.decoder.reason); return false; }
    const d = this.decoder.fields;
    const trailers = rs.recvPhase != RECV_HEADERS;
    const kind = trailers ? MSG_TRAILERS : this.isServer ? MSG_REQUEST : MSG_RESPONSE;
    const info = this.info;
    const out = this.fields;
    if (checkSection(d.buf, d.len, false, kind, this.cfg.h3EnableConnectProtocol, info, out) != 0) {
      // §4.1.2: "Malformed requests or responses that are detected MUST be treated as a stream error of type H3_MESSAGE_ERROR"
      this.streamError(rs, H3_MESSAGE_ERROR);
      return false;
    }
    if (info.size > this.cfg.h3MaxFieldSectionSize) { this.tooLarge(rs); return false; }
    let hk = H3HeadersKind.Trailers;
    if (trailers) {
      rs.recvPhase = RECV_TRAILERS;
    } else if (this.isServer) {
      hk = H3HeadersKind.Request;
      rs.method = info.method;
      rs.contentLength = info.contentLength;
      if (info.contentLength >= 0 && <u64>info.contentLength > this.cfg.h3MaxBodySize) {
        this.respondAndStop(rs, 413);
        return false;
      }
      // RFC 9218 §5: the request's priority orders the response; §7: a PRIORITY_UPDATE overrides it
      const p = info.priority;
      if ((p.urgency >= 0 || p.incremental) && !rs.priorityUpdated) this.c.setPriority(rs.id, <u8>(p.urgency >= 0 ? p.urgency : 3), p.incremental);
      rs.recvPhase = RECV_BODY;
    } else if (info.status < 200) {
      // §4.1: informational responses precede the final one; 101 cannot be used in HTTP/3 (§4.5)
      if (info.status == 101) { this.streamError(rs, H3_MESSAGE_ERROR); return false; }
      hk = H3HeadersKind.Informational;
    } else {
      hk = H3HeadersKind.Response;
      rs.contentLength = responseHasNoBody(rs.method, info.status) ? 0 : info.contentLength;
      if (info.contentLength >= 0 && <u64>info.contentLength > this.cfg.h3MaxBodySize && !responseHasNoBody(rs.method, info.status)) {
        this.streamError(rs, H3_EXCESSIVE_LOAD);
        return false;
      }
      rs.recvPhase = RECV_BODY;
    }
    if (this.wt != null && this.wt!.onHeaders(rs, hk, info, out)) return this.requests.has(rs.id);
    rs.delivered = true;
    const ev = this.out.push(QuicEventKind.H3Headers);
    ev.streamId = rs.id;
    ev.value = <u64>hk;
    ev.fin = rs.quicFin && rs.parser.atFrameBoundary && this.quicDrained(rs.id);
    if (hk == H3HeadersKind.Request) ev.early = this.arrivedEarly(rs.id);
    ev.bytes.bytes(out.buf, out.len);
    return true;
  }

  /** Bytes QUIC holds for the stream (frame headers included). */
  private quicReadable(id: u64): u64 {
    const r = this.recvOf(id);
    return r == null ? 0 : r.readable;
  }

  /** Some of the stream's data came in 0-RTT packets (RFC 8470 §5.1: the request may be a replay). */
  private arrivedEarly(id: u64): bool {
    const r = this.recvOf(id);
    return r != null && r.early;
  }

  /** Every byte of the QUIC stream up to its FIN has been read. */
  private quicDrained(id: u64): bool {
    const r = this.recvOf(id);
    return r == null || (r.finalSizeKnown && r.readOffset == r.finalSize);
  }

  /** The receive side of QUIC stream `id`, if it has one still. */
  private recvOf(id: u64): StreamRecv | null {
    const s = this.c.streams.get(id);
    return s == null ? null : s.recv;
  }

  /** A field section over our SETTINGS_MAX_FIELD_SECTION_SIZE (§4.2.2). */
  private tooLarge(rs: RequestStream): void {
    // a server answers 431 (RFC 6585 §5) without involving the host; a client drops the response
    // (both send QPACK's Stream Cancellation, RFC 9204 §4.4.2)
    if (this.isServer && !rs.delivered) this.respondAndStop(rs, 431);
    else this.streamError(rs, H3_EXCESSIVE_LOAD);
  }

  /**
   * The core answers a request itself: `:status` and FIN, then stops reading
   * the request (§4.1.1: STOP_SENDING with H3_NO_ERROR once a complete
   * response is sent). The host hears of it only if it saw the request.
   */
  private respondAndStop(rs: RequestStream, status: i32): void {
    const id = rs.id;
    const f = statusFields;
    f.clear();
    // QPACK form: [u32 nameLen][u32 valueLen] ":status" "NNN"
    f.ensure(8 + 7 + 3);
    store<u32>(f.buf, 7);
    store<u32>(f.buf, 3, 4);
    f.len = 8;
    f.bytes(changetype<usize>(STATUS_NAME), 7);
    f.u8(<u32>(0x30 + status / 100));
    f.u8(<u32>(0x30 + (status / 10) % 10));
    f.u8(<u32>(0x30 + status % 10));
    rs.outbox.clear();
    if (this.frameHeaders(rs, f.buf, f.len)) {
      rs.finPending = true;
      this.flushRequest(rs);
    }
    this.c.stopSending(id, H3_NO_ERROR);
    this.decoder.cancelStream(id);
    rs.sendPhase = SEND_DONE;
    rs.recvDone = true;
    this.lastStreamError = H3_EXCESSIVE_LOAD;
    if (rs.delivered) {
      const ev = this.out.push(QuicEventKind.H3StreamReset);
      ev.streamId = id;
      ev.value = H3_EXCESSIVE_LOAD;
    }
    // kept until its response is acknowledged (onSendDone): the host has no say on it any more
    rs.answered = true;
  }

  /** §8: a stream error — RESET_STREAM and STOP_SENDING with `code`; the host is told if it knew the stream. */
  streamError(rs: RequestStream, code: u64): void {
    const id = rs.id;
    this.lastStreamError = code;
    this.c.streamReset(id, code);
    this.c.stopSending(id, code);
    this.decoder.cancelStream(id);
    this.drop(rs);
    if (rs.wt) { this.wt!.onSessionAborted(id, code, false); return; }
    if (this.isServer && !rs.delivered) return;
    const ev = this.out.push(QuicEventKind.H3StreamReset);
    ev.streamId = id;
    ev.value = code;
  }

  /** The code of the last stream error (readBody reports it). */
  private lastStreamError: u64 = 0;

  /** The request stream `id` (null when unknown or done). */
  requestStream(id: u64): RequestStream | null {
    return this.requests.has(id) ? this.requests.get(id) : null;
  }

  drop(rs: RequestStream): void {
    if (!this.requests.has(rs.id)) return;
    this.requests.delete(rs.id);
    rs.dispose();
  }

  private maybeForget(rs: RequestStream): void {
    if (rs.sendDone && rs.recvDone) this.drop(rs);
  }

  /** A client's PRIORITY_UPDATE for request stream `id` (validated by readPriorityUpdate); an H3 code or 0. */
  applyPriority(id: u64, urgency: i32, incremental: bool): u64 {
    const st = this.c.streams;
    const index = id >> 2;
    // RFC 9218 §7.1: an ID beyond the stream limit we allow is a connection error of type H3_ID_ERROR
    if (index >= st.localMaxBidi) return H3_ID_ERROR;
    if (this.requests.has(id)) {
      this.c.setPriority(id, <u8>urgency, incremental);
      this.requests.get(id).priorityUpdated = true;
      return 0;
    }
    // a stream opened and done with: nothing to order; one not seen yet (the update overtook the request,
    // §7.1) is kept until it arrives — a bounded number of them, being state a peer creates for free (§13)
    if (index < st.remoteOpenedBidi && st.get(id) == null) return 0;
    if (this.pendingPriority.size < PENDING_PRIORITY_LIMIT || this.pendingPriority.has(id)) {
      this.pendingPriority.set(id, urgency | (incremental ? 0x100 : 0));
    }
    return 0;
  }

  // ---- our streams ------------------------------------------------------------------------

  flushRequest(rs: RequestStream): void {
    const w = rs.outbox;
    if (w.len > 0) {
      const n = this.c.streamWrite(rs.id, w.buf, <u64>w.len, false);
      if (n > 0) shift(w, <usize>n);
    }
    if (w.len == 0 && rs.finPending) {
      rs.finPending = false;
      this.c.streamWrite(rs.id, 0, 0, true);
    }
  }

  /** QPACK-encodes a section (QPACK form) for `rs` and queues its HEADERS frame; false on an encoder failure. */
  private frameHeaders(rs: RequestStream, p: usize, len: usize): bool {
    const u = this.uni;
    u.ensureEncoder();
    const enc = u.encoder;
    if (enc.encodeSection(rs.id, p, len) != 0) return false;
    const es = enc.encoderStream;
    if (es.len > 0) { u.encoderOut.bytes(es.buf, es.len); es.clear(); }
    const sec = enc.section;
    const w = rs.outbox;
    w.varint(H3_HEADERS);
    w.varint(<u64>sec.len);
    w.bytes(sec.buf, sec.len);
    return true;
  }

  // ---- the application's calls (api/http3.ts) ---------------------------------------------

  /** Error of the last call that failed (code, reason). */
  lastError: u64 = 0;
  lastReason: string = "";

  private refuse(code: u64, reason: string): i64 {
    this.lastError = code;
    this.lastReason = reason;
    return -1;
  }

  /** Checks an outgoing section (wire form) as `kind`; its QPACK form is left in `fields`. */
  private checkOutgoing(p: usize, len: usize, kind: i32): u64 {
    if (checkSection(p, len, true, kind, this.uni.peer.enableConnectProtocol, this.info, this.fields) != 0) {
      this.lastError = H3_MESSAGE_ERROR;
      this.lastReason = this.info.reason;
      return H3_MESSAGE_ERROR;
    }
    // §4.2.2: "An implementation that has received this parameter SHOULD NOT send an HTTP message header that exceeds the indicated size"
    if (this.info.size > this.uni.peer.maxFieldSectionSize) {
      this.lastError = H3_EXCESSIVE_LOAD;
      this.lastReason = "field section over the peer's SETTINGS_MAX_FIELD_SECTION_SIZE";
      return H3_EXCESSIVE_LOAD;
    }
    return 0;
  }

  /** Client: a new request; the stream ID, or -1 (lastError). */
  request(p: usize, len: usize, endStream: bool): i64 {
    if (this.isServer || this.passthrough) return this.refuse(H3_INTERNAL_ERROR, "not an HTTP/3 client connection");
    if (this.closed || this.c.state >= ConnState.Closing) return this.refuse(H3_INTERNAL_ERROR, "the connection is closed");
    // §5.2: "Upon receipt of a GOAWAY frame, ... the client MUST NOT send new requests on the connection"
    if (this.uni.peerGoaway != NONE) return this.refuse(H3_REQUEST_REJECTED, "the server sent GOAWAY");
    if (this.checkOutgoing(p, len, MSG_REQUEST) != 0) return -1;
    const id = this.c.openStream(true);
    if (id == NONE) return this.refuse(0, "the peer allows no more requests now");
    const rs = new RequestStream(id, false, this.cfg.h3MaxFieldSectionSize + BLOCK_SLACK);
    rs.method = this.info.method;
    this.requests.set(id, rs);
    const pr = this.info.priority;
    if (pr.urgency >= 0 || pr.incremental) this.c.setPriority(id, <u8>(pr.urgency >= 0 ? pr.urgency : 3), pr.incremental);
    if (!this.frameHeaders(rs, this.fields.buf, this.fields.len)) {
      this.drop(rs);
      this.c.streamReset(id, H3_REQUEST_CANCELLED);
      return this.refuse(H3_INTERNAL_ERROR, this.uni.encoder.reason);
    }
    rs.sendPhase = endStream ? SEND_DONE : SEND_BODY;
    rs.finPending = endStream;
    this.uni.flush();
    this.flushRequest(rs);
    return <i64>id;
  }

  /** A response (1xx or final) or trailers; 0, or -1 (lastError). */
  sendHeaders(id: u64, p: usize, len: usize, endStream: bool): i64 {
    if (this.closed || this.passthrough || !this.requests.has(id)) return this.refuse(H3_INTERNAL_ERROR, "no such request stream");
    const rs = this.requests.get(id);
    let kind = MSG_TRAILERS;
    if (this.isServer && rs.sendPhase == SEND_HEADERS) kind = MSG_RESPONSE;
    else if (rs.sendPhase != SEND_BODY) return this.refuse(H3_INTERNAL_ERROR, "headers out of order on this stream");
    if (kind == MSG_TRAILERS && !endStream) return this.refuse(H3_INTERNAL_ERROR, "trailers end the stream");
    if (this.checkOutgoing(p, len, kind) != 0) return -1;
    const informational = kind == MSG_RESPONSE && this.info.status < 200;
    if (informational && endStream) return this.refuse(H3_MESSAGE_ERROR, "an informational response cannot end the stream");
    if (rs.outbox.len > OUTBOX_LIMIT) { this.wantWritable(rs); return this.refuse(0, "the stream's send buffer is full"); }
    if (!this.frameHeaders(rs, this.fields.buf, this.fields.len)) return this.refuse(H3_INTERNAL_ERROR, this.uni.encoder.reason);
    if (!informational) rs.sendPhase = endStream ? SEND_DONE : SEND_BODY;
    rs.finPending = endStream;
    this.uni.flush();
    this.flushRequest(rs);
    if (rs.outbox.len > 0) this.wantWritable(rs);
    return 0;
  }

  private wantWritable(rs: RequestStream): void {
    rs.wantWritable = true;
    const s = this.c.streams.get(rs.id);
    if (s != null) s.writableWanted = true;
  }

  /** Body bytes, DATA-framed: bytes taken, or -1. */
  sendData(id: u64, p: usize, len: u64, endStream: bool): i64 {
    if (this.closed || this.passthrough || !this.requests.has(id)) return -1;
    const rs = this.requests.get(id);
    if (rs.sendPhase != SEND_BODY) return -1;
    this.flushRequest(rs);
    if (rs.outbox.len > 0) { this.wantWritable(rs); return 0; }
    const s = this.c.streams.get(id);
    if (s == null || s.send == null) return -1;
    const room = s.send!.writable;
    let n: u64 = 0;
    if (len > 0) {
      // frame header: type 0x00 and the length varint (sized for what fits)
      const hdr = <u64>(1 + varintLen(room));
      if (room <= hdr) { this.wantWritable(rs); return 0; }
      n = min(len, room - hdr);
      const w = this.tmp;
      w.clear();
      w.varint(0x00);
      w.varint(n);
      this.c.streamWrite(id, w.buf, <u64>w.len, false);
      this.c.streamWrite(id, p, n, false);
      if (n < len) this.wantWritable(rs);
    }
    if (endStream && n == len) {
      this.c.streamWrite(id, 0, 0, true);
      rs.sendPhase = SEND_DONE;
    }
    return <i64>n;
  }

  /** Up to `max` body bytes into `out`; fills the chunk flags. */
  readBody(id: u64, out: usize, max: u64, chunk: BodyRead): void {
    chunk.reset();
    if (this.passthrough || !this.requests.has(id)) { chunk.unknown = true; return; }
    const rs = this.requests.get(id);
    if (!rs.delivered || rs.recvPhase == RECV_HEADERS) { chunk.unknown = !rs.delivered; return; }
    chunk.got = this.pumpRequest(rs, true, out, max);
    if (!this.requests.has(id) || rs.answered) {
      // a stream error while reading (the H3StreamReset event says which), or the core answered it
      chunk.reset_ = true;
      chunk.resetCode = this.lastStreamError;
      return;
    }
    if (rs.recvDone) {
      chunk.fin = true;
      rs.bodySignalled = false;
      this.maybeForget(rs);
    }
  }

  /**
   * §4.1.2: "A server can send a complete response prior to the client
   * sending an entire request ... the server MAY send a STOP_SENDING frame";
   * the request body is no longer read (what arrives is discarded, a RESET_STREAM
   * that answers ends only the receive side) and the response goes on.
   * `sendStop` false drops what arrives without telling the peer.
   */
  stopReading(id: u64, code: u64, sendStop: bool = true): bool {
    if (this.closed || this.passthrough || !this.requests.has(id)) return false;
    const rs = this.requests.get(id);
    if (rs.recvDone) return true;
    if (sendStop) this.c.stopSending(id, code);
    // RFC 9204 §4.4.2: a stream whose field sections will not be read is cancelled for the encoder
    this.decoder.cancelStream(id);
    rs.recvAbandoned = true;
    rs.recvDone = true;
    rs.bodySignalled = false;
    this.discard(id);
    this.maybeForget(rs);
    this.uni.flush();
    return true;
  }

  /** Abandons a request stream (§4.1.1). */
  resetStream(id: u64, code: u64): bool {
    if (this.closed || this.passthrough || !this.requests.has(id)) return false;
    const rs = this.requests.get(id);
    this.c.streamReset(id, code);
    this.c.stopSending(id, code);
    this.decoder.cancelStream(id);
    this.drop(rs);
    this.uni.flush();
    return true;
  }

  /** §5.2: graceful shutdown. */
  goaway(): bool {
    if (this.closed || this.passthrough) return false;
    // a server: the first request we will not process, one past the newest we took; a client that allows no
    // pushes (no MAX_PUSH_ID) sends push ID 0
    const id: u64 = !this.isServer || this.maxRequestSeen == NONE ? 0 : this.maxRequestSeen + 4;
    if (!this.uni.sendGoaway(id)) return false;
    this.uni.flush();
    return true;
  }

  /** RFC 9218: PRIORITY_UPDATE (client) and the local scheduler. */
  setPriority(id: u64, urgency: u8, incremental: bool): bool {
    if (this.closed || this.passthrough || !this.requests.has(id)) return false;
    const u = urgency > 7 ? <u8>7 : urgency;
    this.c.setPriority(id, u, incremental);
    if (!this.isServer) {
      this.uni.sendPriorityUpdate(id, <i32>u, incremental);
      this.uni.flush();
    }
    return true;
  }

  /** Requests open on this connection (tests, stats). */
  get requestCount(): i32 { return this.requests.size; }
}

const STATUS_NAME = memory.data<u8>([0x3a, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73]); // ":status"

/** What `readBody` reports besides the bytes. */
@final
export class BodyRead {
  got: u64 = 0;
  fin: bool = false;
  reset_: bool = false;
  resetCode: u64 = 0;
  unknown: bool = false;
  reset(): void {
    this.got = 0; this.fin = false; this.reset_ = false; this.resetCode = 0; this.unknown = false;
  }
}

/** Drops the first `n` bytes of a growable writer. */
export function shift(w: Writer, n: usize): void {
  if (n >= w.len) { w.len = 0; return; }
  memory.copy(w.buf, w.buf + n, w.len - n);
  w.len -= n;
}

/** Makes the H3 connection of a connection whose ALPN is "h3" (endpoint.ts `runApp`). */
export class H3Factory extends ConnAppFactory {
  create(c: Connection): ConnApp | null {
    if (!c.isServer) {
      // a client of an HTTP/3 endpoint speaks HTTP/3 from the start (0-RTT requests); the
      // negotiated ALPN is checked at Connected (anything else: passthrough)
      c.appDecided = true;
      return new H3Connection(c);
    }
    const alpn = c.tls.alpn;
    if (alpn.length == 0) {
      if (c.handshakeComplete || c.state >= ConnState.Closing) c.appDecided = true;
      return null;
    }
    c.appDecided = true;
    if (alpn.length == 2 && alpn[0] == 0x68 && alpn[1] == 0x33) return new H3Connection(c);
    return null;
  }
}
