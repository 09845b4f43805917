// What a connection tells its host, as typed records in the order things
// happened (quinn-proto's `Event`). The host drains them with `poll-events`
// after its inputs; records are pooled, so the same objects come back and a
// steady stream of events allocates nothing.
//
// Readiness events are edge-triggered: `StreamReadable` is queued once when a
// stream goes from nothing-to-read to something-to-read (or its FIN/reset
// becomes visible) and again only after the host read it dry.

import { Writer } from "../wire/writer";

export enum QuicEventKind {
  /** Handshake complete (RFC 9001 §4.1.1): `value` = 0-RTT state (0 none, 1 accepted, 2 rejected), `bytes` = ALPN. */
  Connected = 1,
  /** The peer opened `streamId`. */
  StreamOpened = 2,
  /** `streamId` has bytes (or its FIN) to read. */
  StreamReadable = 3,
  /** `streamId` accepts writes again. */
  StreamWritable = 4,
  /** The peer reset `streamId` (RESET_STREAM, `value` = application error code). */
  StreamReset = 5,
  /** The peer asked us to stop sending on `streamId` (STOP_SENDING, `value` = code). */
  StreamStopSending = 6,
  /** Everything we sent on `streamId` and its FIN were acknowledged. */
  StreamSendDone = 7,
  /** The peer allows more streams: `value` = 1 bidirectional, 0 unidirectional. */
  StreamsAvailable = 8,
  /** A DATAGRAM frame's payload (`bytes`). */
  Datagram = 9,
  /** The connection moved to a new validated path: `bytes` = the peer address. */
  PathChanged = 10,
  /** A migration's new path did not validate; the connection stays on the old one (`bytes` = the failed address). */
  MigrationFailed = 11,
  /** A session ticket for resumption (`bytes`, opaque). */
  Ticket = 12,
  /** One SSLKEYLOGFILE line (`text`). */
  KeyLog = 13,
  /** Something the user should know (`text`). */
  Warning = 14,
  /**
   * Terminal: `value` = error code, `app` = application (0x1d) close,
   * `remote` = the peer closed (or reset), `text` = reason; `closeKind`
   * says how (CloseKind).
   */
  Closed = 15,
  /** A qlog event (`text`: one JSON-SEQ record body, RFC 9000 names). */
  Qlog = 16,
  /** Client: a NEW_TOKEN token (RFC 9000 §8.1.3) to present on a later connection to this server (`bytes`). */
  NewToken = 17,
  // HTTP/3 connections (h3/connection.ts; wit/http3.wit says what each carries).
  /** A field section: `value` = H3HeadersKind, flag `fin` = the stream ended right after it, `bytes` = packed fields. */
  H3Headers = 32,
  /** `streamId` has body bytes or its end for `read-body` (edge-triggered). */
  H3BodyReadable = 33,
  /** `streamId` takes body bytes again. */
  H3Writable = 34,
  /** `streamId` was reset: `value` = H3 code, `remote` = by the peer (else by the core on a stream error). */
  H3StreamReset = 35,
  /** The peer's STOP_SENDING on `streamId`: `value` = code. */
  H3StopSending = 36,
  /** All sent on `streamId`, FIN included, was acknowledged. */
  H3SendDone = 37,
  /** The peer's GOAWAY: `value` = its id. */
  H3Goaway = 38,
  /** The peer's SETTINGS: `bytes` = (id u64 BE, value u64 BE) pairs. */
  H3Settings = 39,
  /** Client: the request on `streamId` was not processed (`value` = code); a retry is safe. */
  H3RequestRejected = 40,
  /** Client: the peer allows more request streams. */
  H3RequestsAvailable = 41,
  // WebTransport (h3/webtransport/, wit/http3.wit): `streamId` = the session ID unless said otherwise
  /** Server: a session's CONNECT arrived; `bytes` = its packed fields. */
  WtSessionRequest = 42,
  /** Client: the server answered the CONNECT with 2xx; `bytes` = the response's fields. */
  WtSessionReady = 43,
  /** Client: no session: `value` = the final status (0 when the CONNECT stream was reset: H3 code in `bytes`' absence), `bytes` = fields. */
  WtSessionRefused = 44,
  /** The session ended: `value` = application code (closeKind 0) or H3 code (1 reset, 2 error), `bytes` = reason. */
  WtSessionClosed = 45,
  /** The peer sent WT_DRAIN_SESSION. */
  WtSessionDraining = 46,
  /** A peer's WebTransport stream: `streamId` = the stream, `value` = its session. */
  WtStream = 47,
  /** A datagram of the session: `bytes` = the payload. */
  WtDatagram = 48,
  /** More WebTransport streams can be opened: `value` = 1 bidirectional, 0 unidirectional. */
  WtStreamsAvailable = 49,
}

/** `value` of an H3Headers event. */
export const enum H3HeadersKind {
  Request = 0,
  Informational = 1,
  Response = 2,
  Trailers = 3,
}

/** How a connection ended. */
export const enum CloseKind {
  /** We closed (application or transport error). */
  Local = 0,
  /** The peer sent CONNECTION_CLOSE. */
  Remote = 1,
  /** RFC 9000 §10.1: the idle timeout expired. */
  Idle = 2,
  /** RFC 9000 §10.3: a stateless reset arrived. */
  StatelessReset = 3,
  /** The handshake did not complete in time. */
  HandshakeTimeout = 4,
  /** The client received Version Negotiation without a version in common (RFC 9000 §6.2). */
  VersionNegotiation = 5,
}

@final
export class QuicEvent {
  kind: QuicEventKind = QuicEventKind.Connected;
  streamId: u64 = 0;
  value: u64 = 0;
  app: bool = false;
  remote: bool = false;
  closeKind: u8 = 0;
  /** H3Headers: the stream ended right after this field section. */
  fin: bool = false;
  /** H3Headers: the request (some of it) arrived in 0-RTT (RFC 8470 §5.1). */
  early: bool = false;
  text: string = "";
  bytes: Writer = new Writer();
}

export class QuicEventQueue {
  private pool: QuicEvent[] = [];
  private head: i32 = 0;
  private n: i32 = 0;

  get length(): i32 { return this.n - this.head; }

  /** Appends an event of `kind` (pooled; fields reset). */
  push(kind: QuicEventKind): QuicEvent {
    let e: QuicEvent;
    if (this.n < this.pool.length) e = unchecked(this.pool[this.n]);
    else { e = new QuicEvent(); this.pool.push(e); }
    this.n++;
    e.kind = kind;
    e.streamId = 0;
    e.value = 0;
    e.app = false;
    e.remote = false;
    e.closeKind = 0;
    e.fin = false;
    e.early = false;
    e.text = "";
    e.bytes.clear();
    return e;
  }

  /** The oldest undelivered event, or null; call `pop` once it is consumed. */
  peek(): QuicEvent | null {
    return this.head < this.n ? unchecked(this.pool[this.head]) : null;
  }

  pop(): void {
    if (this.head < this.n) this.head++;
    if (this.head == this.n) { this.head = 0; this.n = 0; }
  }

  /** Appends a copy of `src` (an app moving a connection event to its own queue). */
  copy(src: QuicEvent): void {
    const e = this.push(src.kind);
    e.streamId = src.streamId;
    e.value = src.value;
    e.app = src.app;
    e.remote = src.remote;
    e.closeKind = src.closeKind;
    e.fin = src.fin;
    e.early = src.early;
    e.text = src.text;
    if (src.bytes.len > 0) e.bytes.bytes(src.bytes.buf, src.bytes.len);
  }

  /** Frees the records' byte buffers. */
  release(): void {
    for (let i = 0; i < this.pool.length; i++) unchecked(this.pool[i]).bytes.release();
    this.head = 0;
    this.n = 0;
  }
}
