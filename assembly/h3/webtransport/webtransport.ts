// WebTransport over HTTP/3 (draft-ietf-webtrans-http3; README.md: what
// Chromium 156 speaks) on one HTTP/3 connection: the sessions (session.ts),
// their data streams (streams.ts), datagrams (datagrams.ts) and the capsules
// on their CONNECT streams (capsule.ts). H3Connection (../connection.ts)
// makes one when the endpoint's config enables WebTransport (QC_WT) and
// dispatches to it from a few hooks; the application's calls are at the end
// (api/http3.ts, wit/http3.wit "WebTransport").
//
// Streams after their prefix are plain QUIC streams to the host: their QUIC
// events (readable, writable, reset, stop-sending, send-done) pass through
// unchanged after a WtStream event names the session, and the host reads and
// writes them with the quic interface's stream calls.
//
// Memory a peer controls: sessions (cfg.wtMaxSessions; more CONNECTs are
// reset with H3_REQUEST_REJECTED), streams per session
// (cfg.wtMaxStreamsPerSession), streams waiting for their session
// (cfg.wtMaxBufferedStreams; their data stays in QUIC, under its flow
// control), datagrams waiting for theirs (datagrams.ts bounds), one CLOSE
// capsule per session (capsule.ts).

import { Writer } from "../../wire/writer";
import { QuicEvent, QuicEventKind, H3HeadersKind } from "../../quic/events";
import { isBidi, isClientInitiated } from "../../quic/stream_id";
import { H3Connection, NONE, OUTBOX_LIMIT } from "../connection";
import { RequestStream, SEND_DONE } from "../request_stream";
import { H3_DATA } from "../frame";
import { MessageInfo } from "../message";
import {
  H3_NO_ERROR, H3_INTERNAL_ERROR, H3_ID_ERROR, H3_MESSAGE_ERROR, H3_REQUEST_REJECTED, H3_REQUEST_CANCELLED,
  H3_STREAM_CREATION_ERROR, H3_DATAGRAM_ERROR,
} from "../errors";
import { WT_BUFFERED_STREAM_REJECTED, WT_SESSION_GONE, WT_REQUIREMENTS_NOT_MET } from "./errors";
import { WtSession, S_WAIT_SETTINGS, S_REQUESTED, S_CONNECTING, S_OPEN } from "./session";
import {
  WtStream, WS_SIGNAL, WS_SESSION, WS_BUFFERED, WS_DELIVERED, PREFIX_DONE, PREFIX_MORE, PREFIX_NOT_WT,
  WT_UNI_STREAM_TYPE, WT_BIDI_SIGNAL,
} from "./streams";
import { CAP_NEED_MORE, CAP_CLOSE, CAP_DRAIN, CAP_ERROR, writeCloseCapsule, writeDrainCapsule } from "./capsule";
import { readQuarterStreamId, quarterStreamId, MAX_QUARTER_STREAM_ID, PendingDatagrams } from "./datagrams";

/** WtSessionClosed `closeKind`: a capsule or a clean FIN; the CONNECT stream was reset; the core found an error. */
export const WT_CLOSED_CLEAN: u8 = 0;
export const WT_CLOSED_RESET: u8 = 1;
export const WT_CLOSED_ERROR: u8 = 2;

/** Capsule bytes read from a CONNECT stream per QUIC read. */
const READ_CHUNK: u64 = 4096;

@final
export class WebTransport {
  private readonly sessions: Map<u64, WtSession> = new Map();
  private readonly streams: Map<u64, WtStream> = new Map();
  /** Streams in WS_BUFFERED (their session unknown or not open yet), in arrival order. */
  private readonly buffered: u64[] = [];
  private readonly datagrams: PendingDatagrams = new PendingDatagrams();
  private readonly buf: Writer = new Writer();
  private readonly tmp: Writer = new Writer();
  /** Why the last call failed. */
  lastError: u64 = 0;
  lastReason: string = "";

  constructor(readonly h3: H3Connection) {}

  dispose(): void {
    const ss = this.sessions.values();
    for (let i = 0; i < ss.length; i++) unchecked(ss[i]).dispose();
    this.sessions.clear();
    this.streams.clear();
    this.buffered.length = 0;
    this.datagrams.clear();
    this.buf.release();
    this.tmp.release();
  }

  /** Sessions open or being set up (tests, stats). */
  get sessionCount(): i32 { return this.sessions.size; }

  // ---- hooks from H3Connection / UniStreams -------------------------------------------

  /** `id` is a WebTransport data stream (its QUIC events are ours to route). */
  @inline owns(id: u64): bool { return this.streams.has(id); }

  /** A CONNECT stream of a session (its H3 events are replaced by WebTransport ones). */
  @inline isSession(id: u64): bool { return this.sessions.has(id); }

  /** A QUIC stream event of a WebTransport data stream. */
  onStreamEvent(e: QuicEvent): void {
    const ws = this.streams.get(e.streamId);
    const k = e.kind;
    if (ws.state == WS_DELIVERED) {
      this.h3.out.copy(e);
      if (k == QuicEventKind.StreamReset || k == QuicEventKind.StreamSendDone || k == QuicEventKind.StreamReadable) this.prune(ws);
      return;
    }
    if (k == QuicEventKind.StreamReadable && (ws.state == WS_SIGNAL || ws.state == WS_SESSION)) { this.readPrefix(ws); return; }
    if (k == QuicEventKind.StreamReset) this.forget(ws); // before the application had it: nothing to tell
  }

  /** The peer's unidirectional stream turned out to be type 0x54 (§4.2); UniStreams no longer reads it. */
  onPeerUni(id: u64): void {
    const ws = new WtStream(id, WS_SESSION);
    this.streams.set(id, ws);
    this.readPrefix(ws);
  }

  /** Client: a server-initiated bidirectional stream (§4.3); false when WebTransport is not in use (H3 refuses it). */
  onPeerBidi(id: u64): bool {
    if (this.h3.uni.peer.received && !this.negotiated()) return false;
    const ws = new WtStream(id, WS_SIGNAL);
    this.streams.set(id, ws);
    return true;
  }

  /**
   * Server: the first bytes of a client's bidirectional stream, before the
   * request parser reads it: the signal value 0x41 makes it a WebTransport
   * stream (§4.3). True when the stream is ours now, or when its first
   * varint is still incomplete (the parser must wait).
   */
  claimBidi(rs: RequestStream): bool {
    const s = this.h3.c.streams.get(rs.id);
    if (s == null || s.recv == null) return false;
    const r = s.recv!;
    if (r.readOffset != 0 || r.readable == 0) return false;
    const t = this.tmp;
    t.clear();
    t.ensure(8);
    const got = r.peek(t.buf, 8);
    const len = <u64>1 << (load<u8>(t.buf) >> 6);
    if (got < len) return true;
    let v = <u64>(load<u8>(t.buf) & 0x3f);
    for (let i: u64 = 1; i < len; i++) v = (v << 8) | <u64>load<u8>(t.buf + <usize>i);
    if (v != WT_BIDI_SIGNAL) return false;
    // the client's SETTINGS may still be on the way; once they are known, a peer without WebTransport
    // gets the request parser's rules (§4.3: WT_STREAM as a frame is H3_FRAME_ERROR)
    if (this.h3.uni.peer.received && !this.negotiated()) return false;
    this.h3.drop(rs);
    const ws = new WtStream(rs.id, WS_SIGNAL);
    this.streams.set(rs.id, ws);
    this.readPrefix(ws);
    return true;
  }

  private readPrefix(ws: WtStream): void {
    const h3 = this.h3;
    const k = ws.readPrefix(h3.c);
    if (k == PREFIX_MORE) return;
    if (k == PREFIX_NOT_WT) {
      // §6.1 of RFC 9114: a server-initiated bidirectional stream that is not WebTransport's
      this.streams.delete(ws.id);
      h3.connError(H3_STREAM_CREATION_ERROR, "server-initiated bidirectional stream without the WebTransport signal");
      return;
    }
    if (k != PREFIX_DONE) {
      // ended or reset inside its prefix: nothing to deliver
      this.refuse(ws, H3_NO_ERROR);
      return;
    }
    const sid = ws.session;
    // §4.1: "If an endpoint receives a session ID ... that does not correspond to a client-initiated bidirectional stream, the endpoint MUST close the connection with an H3_ID_ERROR"
    if (!(isBidi(sid) && isClientInitiated(sid))) {
      this.streams.delete(ws.id);
      h3.connError(H3_ID_ERROR, "WebTransport stream names a session that is not a client-initiated bidirectional stream");
      return;
    }
    this.associate(ws);
  }

  /** A stream whose session ID is known: delivered, buffered, or refused. */
  private associate(ws: WtStream): void {
    const sid = ws.session;
    if (this.sessions.has(sid)) {
      const s = this.sessions.get(sid);
      if (s.state == S_OPEN) { this.deliver(ws); return; }
      this.buffer(ws);
      return;
    }
    if (this.sessionGone(sid)) { this.refuse(ws, WT_SESSION_GONE); return; }
    this.buffer(ws);
  }

  /** The session's CONNECT stream exists (or existed) and is no live session: it closed, failed, or is no WebTransport request. */
  private sessionGone(sid: u64): bool {
    const h3 = this.h3;
    const st = h3.c.streams;
    const index = sid >> 2;
    if (h3.isServer) {
      if (index >= st.remoteOpenedBidi) return false; // not opened yet: it may come
      // its request headers may still be on the way (or blocked on QPACK), or its StreamOpened event not
      // processed yet (a DATAGRAM frame ahead of the STREAM frame in one packet)
      const rs = h3.requestStream(sid);
      if (rs == null) return h3.c.streams.get(sid) == null;
      return rs.delivered;
    }
    return index >= st.openedBidi ? true : !this.sessions.has(sid);
  }

  /** §4.5: held until its session is established, within the limit. */
  private buffer(ws: WtStream): void {
    if (this.buffered.length >= this.h3.cfg.wtMaxBufferedStreams) {
      // "When the number of buffered streams is exceeded, a stream MUST be closed by sending a RESET_STREAM and/or STOP_SENDING with the WT_BUFFERED_STREAM_REJECTED error code"
      this.refuse(ws, WT_BUFFERED_STREAM_REJECTED);
      return;
    }
    ws.state = WS_BUFFERED;
    this.buffered.push(ws.id);
  }

  /** Aborts a peer's stream both ways with `code` and forgets it. */
  private refuse(ws: WtStream, code: u64): void {
    const c = this.h3.c;
    c.stopSending(ws.id, code);
    if (isBidi(ws.id)) c.streamReset(ws.id, code);
    this.forget(ws);
    this.h3.discard(ws.id);
  }

  private forget(ws: WtStream): void {
    this.streams.delete(ws.id);
    const i = this.buffered.indexOf(ws.id);
    if (i >= 0) this.buffered.splice(i, 1);
  }

  /** Forgets a delivered stream once QUIC is done with it. */
  private prune(ws: WtStream): void {
    if (this.h3.c.streams.get(ws.id) == null) this.streams.delete(ws.id);
  }

  private deliver(ws: WtStream): void {
    const h3 = this.h3;
    // the per-session limit (QUIC's MAX_STREAMS bounds the connection)
    if (this.streamsOf(ws.session) >= h3.cfg.wtMaxStreamsPerSession) { this.refuse(ws, WT_BUFFERED_STREAM_REJECTED); return; }
    ws.state = WS_DELIVERED;
    const e = h3.out.push(QuicEventKind.WtStream);
    e.streamId = ws.id;
    e.value = ws.session;
    // what already arrived (or its end) is the host's to read now
    const s = h3.c.streams.get(ws.id);
    if (s != null && s.recv != null && (s.recv!.readable > 0 || s.recv!.finalSizeKnown || s.recv!.isReset)) {
      h3.out.push(QuicEventKind.StreamReadable).streamId = ws.id;
    }
  }

  /** Live delivered streams of a session (dead ones pruned on the way). */
  private streamsOf(sid: u64): u64 {
    let n: u64 = 0;
    const all = this.streams.values();
    for (let i = 0; i < all.length; i++) {
      const ws = unchecked(all[i]);
      if (ws.session != sid || ws.state != WS_DELIVERED) continue;
      if (this.h3.c.streams.get(ws.id) == null) { this.streams.delete(ws.id); continue; }
      n++;
    }
    return n;
  }

  /** The session is open: its buffered streams and datagrams go to the host. */
  private releaseBuffered(s: WtSession): void {
    const ids = this.buffered.slice(0);
    for (let i = 0; i < ids.length; i++) {
      const id = unchecked(ids[i]);
      if (!this.streams.has(id)) continue;
      const ws = this.streams.get(id);
      if (ws.session != s.id) continue;
      this.buffered.splice(this.buffered.indexOf(id), 1);
      this.deliver(ws);
    }
    const q = this.datagrams;
    for (;;) {
      const i = q.find(s.id);
      if (i < 0) break;
      const w = q.payload(i);
      const e = this.h3.out.push(QuicEventKind.WtDatagram);
      e.streamId = s.id;
      e.bytes.bytes(w.buf, w.len);
      q.remove(i);
    }
  }

  /** The session is gone: its streams are reset (§6: WT_SESSION_GONE), buffered ones refused, datagrams dropped. */
  private endStreams(sid: u64, bufferedCode: u64): void {
    const c = this.h3.c;
    const all = this.streams.values();
    for (let i = 0; i < all.length; i++) {
      const ws = unchecked(all[i]);
      if (ws.session != sid || (ws.state != WS_DELIVERED && ws.state != WS_BUFFERED)) continue;
      if (ws.state == WS_BUFFERED) { this.refuse(ws, bufferedCode); continue; }
      // "MUST reset the send side and abort reading on the receive side of all ... streams associated with the session"
      const s = c.streams.get(ws.id);
      if (s != null) {
        if (s.send != null) c.streamReset(ws.id, WT_SESSION_GONE);
        if (s.recv != null) c.stopSending(ws.id, WT_SESSION_GONE);
      }
      this.streams.delete(ws.id);
    }
    this.datagrams.discard(sid);
  }

  private removeSession(s: WtSession): void {
    this.sessions.delete(s.id);
    s.dispose();
  }

  /** Both sides speak WebTransport: we enabled it and the peer's SETTINGS say it does (§3.1). */
  negotiated(): bool {
    const p = this.h3.uni.peer;
    return p.received && p.wt.supports(this.h3.cfg.wtDrafts);
  }

  /**
   * A field section of a request stream, before the host hears of it. True
   * when it is WebTransport's (a server's CONNECT with :protocol
   * "webtransport", a client's session response): the H3 event is not sent.
   */
  onHeaders(rs: RequestStream, kind: H3HeadersKind, info: MessageInfo, fields: Writer): bool {
    const h3 = this.h3;
    if (h3.isServer) {
      if (kind != H3HeadersKind.Request || !info.webtransport) {
        if (kind == H3HeadersKind.Request) this.settleBuffered(rs.id);
        return false;
      }
      rs.wt = true;
      rs.delivered = true;
      // §5.2 (flow-control-limit-sessions): excess CONNECT streams are reset with H3_REQUEST_REJECTED
      if (this.sessions.size >= <i32>h3.cfg.wtMaxSessions) {
        h3.resetStream(rs.id, H3_REQUEST_REJECTED);
        this.endStreams(rs.id, WT_BUFFERED_STREAM_REJECTED);
        return true;
      }
      const s = new WtSession(rs.id, S_WAIT_SETTINGS);
      this.sessions.set(rs.id, s);
      const f = new Uint8Array(fields.len);
      memory.copy(f.dataStart, fields.buf, fields.len);
      s.fields = f;
      // §3.1 (draft versions): "the server MUST NOT process any incoming WebTransport requests until the client's SETTINGS have been received"
      if (h3.uni.peer.received) this.checkRequest(s);
      return true;
    }
    if (!rs.wt || !this.sessions.has(rs.id)) return false;
    const s = this.sessions.get(rs.id);
    if (kind == H3HeadersKind.Informational) return true;
    if (kind != H3HeadersKind.Response || s.state != S_CONNECTING) {
      // trailers on a CONNECT stream carrying capsules: malformed (RFC 9297 §3.2 leaves none)
      h3.streamError(rs, H3_MESSAGE_ERROR);
      return true;
    }
    if (info.status >= 200 && info.status < 300) {
      s.state = S_OPEN;
      const e = h3.out.push(QuicEventKind.WtSessionReady);
      e.streamId = rs.id;
      e.bytes.bytes(fields.buf, fields.len);
      this.releaseBuffered(s);
      return true;
    }
    // refused: the session never existed; our side of the stream ends, its body is not ours to read
    const e = h3.out.push(QuicEventKind.WtSessionRefused);
    e.streamId = rs.id;
    e.value = <u64>info.status;
    e.bytes.bytes(fields.buf, fields.len);
    this.endStreams(rs.id, WT_BUFFERED_STREAM_REJECTED);
    this.removeSession(s);
    h3.resetStream(rs.id, H3_REQUEST_CANCELLED);
    return true;
  }

  /** Server: a request that is not a session arrived on `id`: streams that named it are refused. */
  private settleBuffered(id: u64): void {
    if (this.buffered.length == 0) return;
    this.endStreams(id, WT_SESSION_GONE);
  }

  /** The peer's SETTINGS arrived (uni_streams.ts): sessions that waited for them go on or fail. */
  onPeerSettings(): void {
    const ss = this.sessions.values();
    for (let i = 0; i < ss.length; i++) {
      const s = unchecked(ss[i]);
      if (s.state == S_WAIT_SETTINGS) this.checkRequest(s);
      if (this.h3.closed) return;
    }
  }

  /** Server: a CONNECT whose client's SETTINGS are known: to the host, or malformed. */
  private checkRequest(s: WtSession): void {
    const h3 = this.h3;
    const rs = h3.requestStream(s.id);
    if (rs == null) { this.removeSession(s); return; }
    if (!this.negotiated()) {
      // §3.1: "If the server receives SETTINGS that do not have correct values for every required setting ... the server MUST treat all ... incoming WebTransport sessions as malformed"
      h3.streamError(rs, H3_MESSAGE_ERROR);
      return;
    }
    s.state = S_REQUESTED;
    const e = h3.out.push(QuicEventKind.WtSessionRequest);
    e.streamId = s.id;
    const f = s.fields!;
    e.bytes.bytes(f.dataStart, <usize>f.length);
    s.fields = null;
  }

  /** Capsule bytes (DATA payloads) on a session's CONNECT stream can be read (H3Connection.signalBody). */
  onSessionData(rs: RequestStream): void {
    if (!this.sessions.has(rs.id)) return;
    const s = this.sessions.get(rs.id);
    // a server reads capsules once it accepted the session; a client once the response came
    if (s.state != S_OPEN || s.reading) return;
    s.reading = true;
    const h3 = this.h3;
    const w = this.buf;
    w.clear();
    w.ensure(<usize>READ_CHUNK);
    for (;;) {
      const n = h3.pumpRequest(rs, true, w.buf, READ_CHUNK);
      if (!this.sessions.has(s.id)) return; // an error ended it while reading
      if (n > 0 && !this.onCapsuleBytes(s, rs, w.buf, <usize>n)) return;
      if (rs.recvDone) { this.onSessionFin(s, rs); return; }
      if (n == 0) break;
    }
    s.reading = false;
  }

  /** Feeds capsule bytes; false when the session ended. */
  private onCapsuleBytes(s: WtSession, rs: RequestStream, p: usize, n: usize): bool {
    const h3 = this.h3;
    // §6: "If any additional stream data is received on the CONNECT stream after receiving a WT_CLOSE_SESSION capsule, the stream MUST be reset with code H3_MESSAGE_ERROR"
    if (s.closeReceived) { h3.streamError(rs, H3_MESSAGE_ERROR); return false; }
    let off: usize = 0;
    const cp = s.capsules;
    while (off < n) {
      const k = cp.next(p, n, off);
      off = cp.consumed;
      if (k == CAP_NEED_MORE) break;
      if (k == CAP_ERROR) {
        // RFC 9297 §3.3: a malformed message (RFC 9114 §4.1.2: a stream error of type H3_MESSAGE_ERROR)
        h3.streamError(rs, H3_MESSAGE_ERROR);
        return false;
      }
      if (k == CAP_DRAIN) { h3.out.push(QuicEventKind.WtSessionDraining).streamId = s.id; continue; }
      if (k == CAP_CLOSE) {
        if (off < n) { h3.streamError(rs, H3_MESSAGE_ERROR); return false; }
        s.closeReceived = true;
        this.closed(s, WT_CLOSED_CLEAN, <u64>cp.code, cp.reasonBytes, true);
        return true; // the FIN that follows ends the stream (onSessionFin)
      }
    }
    return true;
  }

  /** The peer ended the CONNECT stream (FIN). */
  private onSessionFin(s: WtSession, rs: RequestStream): void {
    const h3 = this.h3;
    // RFC 9297 §3.3: a stream that ends inside a capsule is malformed
    if (!s.capsules.atBoundary) { h3.streamError(rs, H3_MESSAGE_ERROR); return; }
    // §6: "Cleanly terminating a CONNECT stream without a WT_CLOSE_SESSION capsule SHALL be semantically equivalent to ... an error code of 0 and an empty error string"
    if (!s.closeReceived) {
      this.tmp.clear();
      this.closed(s, WT_CLOSED_CLEAN, 0, this.tmp, true);
    }
    // "The recipient MUST either close or reset the stream in response"
    this.finish(s, rs);
    this.removeSession(s);
  }

  /** Tells the host the session ended, ends its streams; the session stays until its CONNECT stream is done. */
  private closed(s: WtSession, kind: u8, code: u64, reason: Writer, remote: bool): void {
    if (s.ended) return;
    s.ended = true;
    if (s.state == S_CONNECTING && kind != WT_CLOSED_CLEAN) {
      const e = this.h3.out.push(QuicEventKind.WtSessionRefused);
      e.streamId = s.id;
      e.value = 0;
      e.remote = remote;
    } else if (s.state == S_OPEN || s.state == S_REQUESTED) {
      const e = this.h3.out.push(QuicEventKind.WtSessionClosed);
      e.streamId = s.id;
      e.value = code;
      e.closeKind = kind;
      e.remote = remote;
      e.bytes.bytes(reason.buf, reason.len);
    }
    this.endStreams(s.id, WT_SESSION_GONE);
  }

  /** Our side of the CONNECT stream ends (FIN), once. */
  private finish(s: WtSession, rs: RequestStream): void {
    if (s.closeSent) return;
    s.closeSent = true;
    rs.sendPhase = SEND_DONE;
    rs.finPending = true;
    this.h3.flushRequest(rs);
  }

  /** Queues `len` capsule bytes as one DATA frame on the CONNECT stream (RFC 9297 §3.1: capsules travel in DATA in HTTP/3). */
  private queueCapsule(rs: RequestStream, p: usize, len: usize): bool {
    const w = rs.outbox;
    if (w.len > OUTBOX_LIMIT) return false;
    w.varint(H3_DATA);
    w.varint(<u64>len);
    w.bytes(p, len);
    return true;
  }

  /** The CONNECT stream was reset by the peer, or the core aborted it on an error (H3Connection). */
  onSessionAborted(id: u64, code: u64, remote: bool): void {
    if (!this.sessions.has(id)) return;
    const s = this.sessions.get(id);
    this.tmp.clear();
    this.closed(s, remote ? WT_CLOSED_RESET : WT_CLOSED_ERROR, code, this.tmp, remote);
    this.removeSession(s);
  }

  /** A QUIC DATAGRAM on a WebTransport connection (RFC 9297 §2.1). */
  onDatagram(e: QuicEvent): void {
    const h3 = this.h3;
    const b = e.bytes;
    const off = readQuarterStreamId(b.buf, b.len);
    // "Receipt of a QUIC DATAGRAM frame whose payload is too short to allow parsing the Quarter Stream ID field MUST be treated as an HTTP/3 connection error of type H3_DATAGRAM_ERROR"
    if (off < 0) { h3.connError(H3_DATAGRAM_ERROR, "datagram without a Quarter Stream ID"); return; }
    // "the largest legal value of Quarter Stream ID is 2^60-1 ... a larger value MUST be treated as ... H3_DATAGRAM_ERROR"
    if (quarterStreamId > MAX_QUARTER_STREAM_ID) { h3.connError(H3_DATAGRAM_ERROR, "Quarter Stream ID over 2^60-1"); return; }
    const sid = quarterStreamId << 2;
    const p = b.buf + <usize>off, n = b.len - <usize>off;
    if (this.sessions.has(sid)) {
      const s = this.sessions.get(sid);
      if (s.state == S_OPEN && !s.closeReceived) {
        const ev = h3.out.push(QuicEventKind.WtDatagram);
        ev.streamId = sid;
        ev.bytes.bytes(p, n);
        return;
      }
      if (s.state != S_OPEN) this.datagrams.push(sid, p, n);
      return;
    }
    // RFC 9297 §2.1: a stream not created yet: "drop that datagram silently or buffer it temporarily"; a closed one: dropped
    if (!this.sessionGone(sid)) this.datagrams.push(sid, p, n);
  }

  // ---- the application's calls (api/http3.ts) -----------------------------------------

  private fail(code: u64, reason: string): i64 {
    this.lastError = code;
    this.lastReason = reason;
    return -1;
  }

  /** Client: opens a session with an extended CONNECT (`fields` wire form); its ID, or -1 (lastError). */
  connect(p: usize, len: usize): i64 {
    const h3 = this.h3;
    if (h3.isServer) return this.fail(H3_INTERNAL_ERROR, "a server does not open sessions");
    const peer = h3.uni.peer;
    // §5.1 (buffering-incoming): "the client MUST wait for receipt of the server's SETTINGS frame before establishing any WebTransport sessions"
    if (!peer.received) return this.fail(0, "the server's SETTINGS have not arrived");
    // §3.1: "A client MUST NOT establish WebTransport sessions if the server's SETTINGS do not have correct values for every required setting"
    if (!this.negotiated() || !peer.enableConnectProtocol || !peer.h3Datagram) return this.fail(WT_REQUIREMENTS_NOT_MET, "the server does not offer WebTransport");
    if (this.sessions.size >= <i32>h3.cfg.wtMaxSessions) return this.fail(H3_REQUEST_REJECTED, "too many WebTransport sessions");
    if (!fieldIs(p, len, ":protocol", "webtransport") && !fieldIs(p, len, ":protocol", "webtransport-h3")) {
      return this.fail(H3_MESSAGE_ERROR, "a session's CONNECT needs :protocol webtransport");
    }
    const id = h3.request(p, len, false);
    if (id < 0) return this.fail(h3.lastError, h3.lastReason);
    const rs = h3.requestStream(<u64>id)!;
    rs.wt = true;
    this.sessions.set(<u64>id, new WtSession(<u64>id, S_CONNECTING));
    return id;
  }

  /**
   * Server: answers a session's CONNECT (`fields` wire form): 2xx accepts
   * it (its buffered streams and datagrams are delivered), 1xx is sent and
   * the session waits, any other status refuses it (the stream ends).
   * 0, or -1 (lastError).
   */
  respond(id: u64, p: usize, len: usize): i64 {
    const h3 = this.h3;
    if (!h3.isServer || !this.sessions.has(id)) return this.fail(H3_INTERNAL_ERROR, "no such session request");
    const s = this.sessions.get(id);
    if (s.state != S_REQUESTED) return this.fail(H3_INTERNAL_ERROR, "the session was answered already");
    const status = statusOf(p, len);
    const accept = status >= 200 && status < 300;
    const final = status >= 200;
    if (h3.sendHeaders(id, p, len, final && !accept) < 0) return this.fail(h3.lastError, h3.lastReason);
    if (!final) return 0;
    const rs = h3.requestStream(id);
    if (!accept) {
      this.endStreams(id, WT_BUFFERED_STREAM_REJECTED);
      this.removeSession(s);
      h3.stopReading(id, H3_NO_ERROR);
      return 0;
    }
    s.state = S_OPEN;
    this.releaseBuffered(s);
    if (rs != null) this.onSessionData(rs);
    return 0;
  }

  /** Opens a WebTransport stream on an open session and writes its prefix; the stream ID, -1 (lastError; code 0: not now). */
  openStream(sid: u64, bidi: bool): i64 {
    const h3 = this.h3;
    if (!this.sessions.has(sid)) return this.fail(H3_INTERNAL_ERROR, "no such session");
    const s = this.sessions.get(sid);
    // §4.1: the client may open streams optimistically before the response
    if (!(s.state == S_OPEN || s.state == S_CONNECTING) || s.closeSent || s.closeReceived) return this.fail(H3_INTERNAL_ERROR, "the session is not open");
    const id = h3.c.openStream(bidi);
    if (id == NONE) return this.fail(0, "the peer allows no more streams now");
    const w = this.tmp;
    w.clear();
    w.varint(bidi ? WT_BIDI_SIGNAL : WT_UNI_STREAM_TYPE);
    w.varint(sid);
    const n = h3.c.streamWrite(id, w.buf, <u64>w.len, false);
    if (n != <i64>w.len) {
      h3.c.streamReset(id, H3_INTERNAL_ERROR);
      return this.fail(H3_INTERNAL_ERROR, "the stream's send buffer cannot take the prefix");
    }
    // draft-ietf-webtrans-http3 "Resetting Data Streams": a reset "MUST use the RESET_STREAM_AT frame with a Reliable
    // Size set to at least the size of the WebTransport header" — when negotiated (quic/streams.ts reset)
    h3.c.setReliablePrefix(id, <u64>w.len);
    const ws = new WtStream(id, WS_DELIVERED);
    ws.session = sid;
    this.streams.set(id, ws);
    return <i64>id;
  }

  /** A datagram on a session: 0, or a QUIC refusal code (quic/datagrams.ts), or -1 (no open session / not negotiated). */
  sendDatagram(sid: u64, p: usize, len: usize): i32 {
    const h3 = this.h3;
    if (!this.sessions.has(sid)) return -1;
    const s = this.sessions.get(sid);
    if (!(s.state == S_OPEN || s.state == S_CONNECTING) || s.closeSent || s.closeReceived) return -1;
    // RFC 9297 §2.1.1: "QUIC DATAGRAM frames MUST NOT be sent until the SETTINGS_H3_DATAGRAM setting has been both sent and received with a value of 1"
    if (!h3.uni.peer.h3Datagram) return -1;
    const w = this.tmp;
    w.clear();
    w.varint(sid >> 2);
    w.bytes(p, len);
    return h3.c.sendDatagram(w.buf, w.len);
  }

  /** Largest datagram payload a session can send now (0: none). */
  maxDatagramSize(sid: u64): u32 {
    const max = this.h3.c.maxDatagramPayload();
    const pre = <u32>((sid >> 2) < 64 ? 1 : (sid >> 2) < 16384 ? 2 : (sid >> 2) < (1 << 30) ? 4 : 8);
    return max > pre ? max - pre : 0;
  }

  /**
   * Closes a session (§6): WT_CLOSE_SESSION with `code` and `reason` (cut to
   * 1024 bytes), FIN on the CONNECT stream, its streams reset with
   * WT_SESSION_GONE; what arrives on the CONNECT stream after is dropped.
   * A client's session still connecting is cancelled. False for no session.
   */
  close(sid: u64, code: u32, reason: usize, reasonLen: usize): bool {
    const h3 = this.h3;
    if (!this.sessions.has(sid)) return false;
    const s = this.sessions.get(sid);
    const rs = h3.requestStream(sid);
    this.endStreams(sid, WT_SESSION_GONE);
    if (s.state != S_OPEN || rs == null || s.closeSent) {
      this.removeSession(s);
      if (rs != null) h3.resetStream(sid, H3_REQUEST_CANCELLED);
      return true;
    }
    const w = this.tmp;
    w.clear();
    writeCloseCapsule(w, code, reason, reasonLen);
    this.queueCapsule(rs, w.buf, w.len);
    this.finish(s, rs);
    this.removeSession(s);
    // §6: "The endpoint MAY also send a STOP_SENDING with error code WT_SESSION_GONE": we do not —
    // Chromium 156 takes a STOP_SENDING on the CONNECT stream for an aborted session and rejects
    // `closed` instead of reporting our code and reason (tests/peers/chromium_wt.test.ts); what
    // the peer still sends on it (its FIN) is read and dropped
    if (!rs.recvDone) h3.stopReading(sid, WT_SESSION_GONE, false);
    return true;
  }

  /** §4.6: WT_DRAIN_SESSION on an open session. */
  drain(sid: u64): bool {
    const h3 = this.h3;
    if (!this.sessions.has(sid)) return false;
    const s = this.sessions.get(sid);
    const rs = h3.requestStream(sid);
    if (s.state != S_OPEN || s.closeSent || rs == null) return false;
    const w = this.tmp;
    w.clear();
    writeDrainCapsule(w);
    if (!this.queueCapsule(rs, w.buf, w.len)) return false;
    h3.flushRequest(rs);
    return true;
  }
}

/** The `:status` of a wire-form field section (0 when absent or not 3 digits). */
function statusOf(p: usize, len: usize): i32 {
  const v = fieldValue(p, len, ":status");
  if (v < 0 || fieldLen != 3) return 0;
  let n = 0;
  for (let i: usize = 0; i < 3; i++) {
    const d = <i32>load<u8>(<usize>v + i) - 0x30;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n;
}

/** Whether the wire-form section has `name` with exactly `value`. */
function fieldIs(p: usize, len: usize, name: string, value: string): bool {
  const v = fieldValue(p, len, name);
  if (v < 0) return false;
  const vl = <usize>String.UTF8.byteLength(value);
  if (fieldLen != vl) return false;
  const tmp = String.UTF8.encode(value);
  return memory.compare(<usize>v, changetype<usize>(tmp), vl) == 0;
}

let fieldLen: usize = 0;
/** Address of `name`'s value in a wire-form section ({ name-len u16 BE, name, value-len u32 BE, value }*), -1 when absent; its length in `fieldLen`. */
function fieldValue(p: usize, len: usize, name: string): i64 {
  const nl0 = <usize>String.UTF8.byteLength(name);
  const nb = String.UTF8.encode(name);
  let off: usize = 0;
  while (off + 6 <= len) {
    const nl = <usize>bswap<u16>(load<u16>(p + off));
    if (off + 6 + nl > len) return -1;
    const vl = <usize>bswap<u32>(load<u32>(p + off + 2 + nl));
    if (<u64>vl > <u64>(len - off - 6 - nl)) return -1;
    if (nl == nl0 && memory.compare(p + off + 2, changetype<usize>(nb), nl) == 0) {
      fieldLen = vl;
      return <i64>(p + off + 6 + nl);
    }
    off += 6 + nl + vl;
  }
  return -1;
}
