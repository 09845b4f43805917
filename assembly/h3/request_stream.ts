// One HTTP/3 request stream (RFC 9114 §4.1): the frame sequence of each
// direction and the bytes that wait to be sent. The connection
// (connection.ts) decodes field sections and turns what `pump` reports into
// events; this file only frames and sequences.
//
// Receiving: `pump` reads the QUIC stream *in place*: frame headers a byte at
// a time and DATA payloads straight into the caller's buffer, so body bytes
// stay in the QUIC receive ring (and its flow control) until the host reads
// them. It stops at each complete HEADERS payload (`RS_HEADERS`, the bytes in
// `block`), when DATA is next but the budget is spent (`RS_BODY`), when
// nothing more has arrived (`RS_MORE`), at a clean end (`RS_FIN`), or on an
// error (`RS_ERROR`: `error`, always a connection error from the framing).
//
//   recvPhase  RECV_HEADERS --final HEADERS--> RECV_BODY --trailers--> RECV_TRAILERS
//              (1xx responses keep RECV_HEADERS)
//
// Sending: a HEADERS frame is queued whole in `outbox` (QUIC may take it in
// pieces); DATA is framed to what the QUIC send buffer takes (connection.ts).
//
//   sendPhase  SEND_HEADERS --final HEADERS--> SEND_BODY --trailers or FIN--> SEND_DONE

import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { Connection } from "../quic/connection";
import { H3Frame, STREAM_REQUEST, H3_DATA, H3_HEADERS, H3_PUSH_PROMISE } from "./frame";
import { H3FrameParser, H3_NEED_MORE, H3_EV_ERROR, H3_EV_FRAME_START, H3_EV_PAYLOAD, H3_EV_FRAME_END } from "./frame_parser";
import { H3_FRAME_UNEXPECTED, H3_ID_ERROR } from "./errors";
import { METHOD_OTHER } from "./message";

export const RS_MORE: i32 = 0;
export const RS_BODY: i32 = 1;
export const RS_HEADERS: i32 = 2;
export const RS_FIN: i32 = 3;
export const RS_ERROR: i32 = 4;
/** The HEADERS frame is larger than `blockLimit` (its payload is not read). */
export const RS_TOO_LARGE: i32 = 5;
/** The QUIC stream is gone or was reset (the connection learns why from the QUIC event). */
export const RS_GONE: i32 = 6;

export const RECV_HEADERS: i32 = 0;
export const RECV_BODY: i32 = 1;
export const RECV_TRAILERS: i32 = 2;

export const SEND_HEADERS: i32 = 0;
export const SEND_BODY: i32 = 1;
export const SEND_DONE: i32 = 2;

const NO_FRAME: u64 = u64.MAX_VALUE;
/** Bytes of a HEADERS payload or a skipped frame read per QUIC read. */
const CHUNK: usize = 4096;
const SCRATCH: usize = memory.data(<i32>CHUNK, 8);

@final
export class RequestStream {
  readonly parser: H3FrameParser = new H3FrameParser(STREAM_REQUEST);
  private readonly ev: H3Frame = new H3Frame();
  private readonly r: Reader = new Reader();
  /** Type of the DATA or HEADERS frame being read (NO_FRAME between frames). */
  private inFrame: u64 = NO_FRAME;
  /** The HEADERS payload being gathered, whole once `pump` returns RS_HEADERS. */
  readonly block: Writer = new Writer();
  recvPhase: i32 = RECV_HEADERS;
  sendPhase: i32 = SEND_HEADERS;
  /** QUIC has delivered the FIN (every byte is read). */
  quicFin: bool = false;
  /** The end of the message was processed (FIN at a frame boundary), or the stream was abandoned. */
  recvDone: bool = false;
  /** Body bytes received so far; the declared content-length (-1 none). */
  bodyReceived: u64 = 0;
  contentLength: i64 = -1;
  /** The request's method (client: what it sent; server: what it received). */
  method: i32 = METHOD_OTHER;
  /** The host has seen this message's headers (a server: the request). */
  delivered: bool = false;
  /** The field section waits for QPACK encoder-stream instructions (RFC 9204 §2.1.2). */
  qpackBlocked: bool = false;
  /** An H3BodyReadable is outstanding (edge-triggered, like QUIC's StreamReadable). */
  bodySignalled: bool = false;
  /** The core answered the request itself (431, 413): the host no longer has a say. */
  answered: bool = false;
  /** A server stopped reading the request (`stop-reading`, §4.1.2): what still arrives is discarded. */
  recvAbandoned: bool = false;
  /** Server: a PRIORITY_UPDATE set the response's priority; it overrides the request's priority field (RFC 9218 §7). */
  priorityUpdated: bool = false;
  /** The host was told `send-data` took less: H3Writable once QUIC takes more. */
  wantWritable: bool = false;
  /** Frames QUIC has not taken yet, and a FIN to send after them. */
  readonly outbox: Writer = new Writer();
  finPending: bool = false;
  /** The CONNECT stream of a WebTransport session (webtransport/): its events are the session's. */
  wt: bool = false;
  /** Everything sent was acknowledged (QUIC StreamSendDone), or the send side was reset. */
  sendDone: bool = false;
  /** RS_ERROR: the connection error code and why. */
  error: u64 = 0;
  reason: string = "";
  /** Body bytes copied by the last `pump`. */
  got: u64 = 0;

  constructor(readonly id: u64, readonly isServer: bool, readonly blockLimit: u64) {}

  /** Frees the buffers (the object is dropped afterwards). */
  dispose(): void {
    this.block.release();
    this.outbox.release();
    this.parser.dispose();
  }

  /** Between frames, or inside a DATA payload: where body bytes are read from. */
  @inline get atBody(): bool {
    return this.inFrame == H3_DATA && this.parser.remaining > 0;
  }

  private fail(code: u64, reason: string): i32 {
    this.error = code;
    this.reason = reason;
    return RS_ERROR;
  }

  /**
   * Reads frames from the QUIC stream (see the file comment); up to `max`
   * body bytes go to `out` (`got` says how many).
   */
  pump(c: Connection, out: usize, max: u64): i32 {
    this.got = 0;
    const p = this.parser;
    for (;;) {
      let buf: usize, want: u64;
      if (this.inFrame == H3_DATA && p.remaining > 0) {
        const room = max - this.got;
        // out of budget; but a stream that already ended inside this payload is an error to report now
        if (room == 0 && !this.quicFin) return RS_BODY;
        buf = out + <usize>this.got;
        want = room < p.remaining ? room : p.remaining;
      } else {
        buf = SCRATCH;
        // frame headers a byte at a time: never read past them into a DATA payload
        want = p.remaining > 0 && this.inFrame != H3_DATA ? (p.remaining < <u64>CHUNK ? p.remaining : <u64>CHUNK) : 1;
      }
      let n: i64 = 0;
      if (!this.quicFin) {
        n = c.streamRead(this.id, buf, want);
        if (n < 0 || c.lastReadReset) return RS_GONE;
        if (c.lastReadFin) this.quicFin = true;
      }
      if (n == 0) {
        if (!this.quicFin) return RS_MORE;
        // RFC 9114 §7.1: a stream that ends inside a frame: H3_FRAME_ERROR (connection)
        const err = p.finish(this.ev);
        if (err != 0) return this.fail(err, this.ev.reason);
        if (this.inFrame == H3_DATA && p.remaining == 0) { this.inFrame = NO_FRAME; }
        return RS_FIN;
      }
      const r = this.r;
      r.reset(buf, <usize>n);
      const isBody = buf != SCRATCH;
      for (;;) {
        const k = p.next(r, this.ev);
        if (k == H3_NEED_MORE) break;
        if (k == H3_EV_ERROR) return this.fail(p.error, this.ev.reason);
        const ev = this.ev;
        if (k == H3_EV_FRAME_START) {
          const t = ev.frameType;
          if (t == H3_HEADERS) {
            // §4.1: a HEADERS frame after the trailers is an invalid frame sequence
            if (this.recvPhase == RECV_TRAILERS) return this.fail(H3_FRAME_UNEXPECTED, "HEADERS after trailers");
            if (ev.payloadLength > this.blockLimit) return RS_TOO_LARGE;
            this.inFrame = H3_HEADERS;
            this.block.clear();
          } else if (t == H3_DATA) {
            // §4.1: "Receipt of an invalid sequence of frames MUST be treated as a connection error of type H3_FRAME_UNEXPECTED" (DATA before HEADERS or after trailers)
            if (this.recvPhase != RECV_BODY) return this.fail(H3_FRAME_UNEXPECTED, "DATA outside a message body");
            this.inFrame = H3_DATA;
          } else if (t == H3_PUSH_PROMISE) {
            // §7.2.5: a server receiving PUSH_PROMISE: H3_FRAME_UNEXPECTED; a client: the push ID exceeds
            // the maximum it allowed (we never send MAX_PUSH_ID): H3_ID_ERROR (§4.6)
            return this.isServer ? this.fail(H3_FRAME_UNEXPECTED, "PUSH_PROMISE from a client")
              : this.fail(H3_ID_ERROR, "PUSH_PROMISE without MAX_PUSH_ID");
          }
        } else if (k == H3_EV_PAYLOAD) {
          if (this.inFrame == H3_HEADERS) this.block.bytes(ev.data, <usize>ev.length);
          else if (isBody) { this.got += ev.length; this.bodyReceived += ev.length; }
        } else if (k == H3_EV_FRAME_END) {
          const t = this.inFrame;
          this.inFrame = NO_FRAME;
          if (t == H3_HEADERS) return RS_HEADERS;
        }
      }
    }
    return RS_MORE; // not reached
  }
}
