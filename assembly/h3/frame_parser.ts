// Incremental HTTP/3 frame parser (RFC 9114 §7.1): one per stream, fed the
// stream's bytes in whatever pieces QUIC delivers them, split at any byte.
//
// Pull API (no allocation per frame):
//
//   const p = new H3FrameParser(STREAM_REQUEST);   // once per stream
//   const ev = new H3Frame();                      // reusable event record
//   r.reset(chunkPtr, chunkLen);
//   for (;;) {
//     const k = p.next(r, ev);
//     if (k == H3_NEED_MORE) break;                // chunk consumed
//     if (k == H3_EV_ERROR) -> close with p.error (ev.reason says why)
//     ...
//   }
//   at FIN: drain as above, then p.finish() must return 0.
//
// Events:
//   H3_EV_FRAME_START  DATA / HEADERS / PUSH_PROMISE began: ev.frameType,
//                      ev.payloadLength; PUSH_PROMISE also ev.pushId and
//                      ev.length = bytes of field section that follow.
//   H3_EV_PAYLOAD      the next payload bytes of that frame: ev.data/ev.length
//                      point into the chunk being fed (zero copy).
//   H3_EV_FRAME_END    that frame is complete.
//   H3_EV_FRAME        a small control frame, whole and validated:
//                      CANCEL_PUSH / MAX_PUSH_ID (ev.pushId), GOAWAY (ev.id),
//                      SETTINGS (ev.settings/settingsLength/settingsCount, in
//                      the parser's buffer until the next call).
// Unknown and reserved frame types (§9, §7.2.8) are skipped without an event.
//
// Memory: DATA/HEADERS/PUSH_PROMISE payloads are never buffered. Control
// frames are buffered up to `maxControlFrame` bytes (SETTINGS above it is
// H3_EXCESSIVE_LOAD; CANCEL_PUSH/GOAWAY/MAX_PUSH_ID hold one varint, so a
// length above 8 is H3_FRAME_ERROR before any byte is buffered).

import { Reader } from "../wire/reader";
import {
  H3Frame, parsePayload, checkFrameOnStream, isHttp2FrameType, isPriorityUpdate,
  H3_DATA, H3_HEADERS, H3_CANCEL_PUSH, H3_SETTINGS, H3_PUSH_PROMISE, H3_GOAWAY, H3_MAX_PUSH_ID,
  STREAM_CONTROL, STREAM_ANY, DEFAULT_MAX_CONTROL_FRAME,
} from "./frame";
import { H3_FRAME_ERROR, H3_FRAME_UNEXPECTED, H3_EXCESSIVE_LOAD, H3_MISSING_SETTINGS } from "./errors";

export const H3_NEED_MORE: i32 = 0;
export const H3_EV_FRAME_START: i32 = 1;
export const H3_EV_PAYLOAD: i32 = 2;
export const H3_EV_FRAME_END: i32 = 3;
export const H3_EV_FRAME: i32 = 4;
export const H3_EV_ERROR: i32 = -1;

const S_TYPE: i32 = 0;
const S_LENGTH: i32 = 1;
const S_PUSH_ID: i32 = 2;
const S_PAYLOAD: i32 = 3;
const S_BUFFER: i32 = 4;
const S_SKIP: i32 = 5;
const S_ERROR: i32 = 6;

@final
export class H3FrameParser {
  state: i32 = S_TYPE;
  /** Current frame's type and Length field. */
  frameType: u64 = 0;
  frameLength: u64 = 0;
  /** Payload bytes of the current frame not yet consumed. */
  remaining: u64 = 0;
  /** Partial varint: bytes expected, bytes seen, value so far. */
  private vlen: u32 = 0;
  private vgot: u32 = 0;
  private vacc: u64 = 0;
  /**
   * Control-frame buffer: grown to the largest control frame buffered so far
   * (at most maxControlFrame, or 8 for the single-varint frames), not
   * reserved up front (issue 8: memory grows with what is kept).
   */
  private buf: usize = 0;
  private bufLen: u32 = 0;
  private bufCap: usize = 0;
  private scratch: Reader = new Reader();
  /** Control stream: the first frame (SETTINGS) has been seen. */
  sawFirst: bool = false;
  /** The error code once `next` returned H3_EV_ERROR (sticky). */
  error: u64 = 0;
  /** Stream offset of the next byte to be consumed (for error reports). */
  consumed: u64 = 0;
  /** Stream offset where the current frame began. */
  frameStart: u64 = 0;

  constructor(readonly streamKind: u32 = STREAM_ANY, readonly maxControlFrame: u32 = DEFAULT_MAX_CONTROL_FRAME) {
  }

  /** Makes room for a control frame of `n` bytes (the caller checked n against the limits). */
  private ensureBuf(n: usize): void {
    if (n <= this.bufCap) return;
    const c = n < 8 ? <usize>8 : n;
    this.buf = this.buf == 0 ? heap.alloc(c) : heap.realloc(this.buf, c);
    this.bufCap = c;
  }

  /** Frees the control-frame buffer; the parser must not be used afterwards. */
  dispose(): void {
    if (this.buf != 0) heap.free(this.buf);
    this.buf = 0;
    this.bufCap = 0;
    this.state = S_ERROR;
  }

  /** Back to the start of a stream (keeps the buffer). */
  reset(): void {
    this.state = S_TYPE;
    this.vgot = 0;
    this.bufLen = 0;
    this.sawFirst = false;
    this.error = 0;
    this.consumed = 0;
    this.frameStart = 0;
  }

  /** True between frames (a clean place for the stream to end). */
  @inline get atFrameBoundary(): bool {
    return this.state == S_TYPE && this.vgot == 0;
  }

  /**
   * At the stream's FIN, after `next` returned H3_NEED_MORE: 0, or
   * H3_FRAME_ERROR when the stream ended inside a frame (§7.1: "if the last
   * frame on the stream was truncated, this MUST be treated as a connection
   * error of type H3_FRAME_ERROR").
   */
  finish(ev: H3Frame): u64 {
    if (this.state == S_ERROR) return this.error;
    if (this.atFrameBoundary) return 0;
    return this.failWith(ev, H3_FRAME_ERROR, "stream ended inside a frame");
  }

  private failWith(ev: H3Frame, code: u64, reason: string): u64 {
    this.state = S_ERROR;
    this.error = code;
    ev.reason = reason;
    ev.frameType = this.frameType;
    return code;
  }

  /** Accumulates a varint across chunks; true when complete (value in vacc). */
  private varint(r: Reader): bool {
    if (this.vgot == 0) {
      // Fast path: the whole varint is in this chunk.
      const p = r.pos;
      if (p >= r.end) return false;
      const n = <usize>1 << (load<u8>(p) >> 6);
      if (n <= r.end - p) {
        this.vacc = r.varint();
        this.vlen = <u32>n;
        this.consumed += <u64>n;
        return true;
      }
    }
    while (r.pos < r.end) {
      const b = load<u8>(r.pos);
      r.pos += 1;
      this.consumed += 1;
      if (this.vgot == 0) {
        this.vlen = <u32>1 << (b >> 6);
        this.vacc = <u64>(b & 0x3f);
      } else {
        this.vacc = (this.vacc << 8) | <u64>b;
      }
      this.vgot++;
      if (this.vgot == this.vlen) {
        this.vgot = 0;
        return true;
      }
    }
    return false;
  }

  /** Returns the next event (see the file comment), consuming from `r`. */
  next(r: Reader, ev: H3Frame): i32 {
    for (;;) {
      switch (this.state) {
        case S_TYPE: {
          if (this.vgot == 0) this.frameStart = this.consumed;
          if (!this.varint(r)) return H3_NEED_MORE;
          this.frameType = this.vacc;
          this.state = S_LENGTH;
          break;
        }
        case S_LENGTH: {
          if (!this.varint(r)) return H3_NEED_MORE;
          this.frameLength = this.vacc;
          this.remaining = this.vacc;
          const k = this.dispatch(ev);
          if (k != H3_NEED_MORE) return k;
          break;
        }
        case S_PUSH_ID: {
          // The Push ID varint must fit inside the frame (§7.1).
          if (this.vgot == 0 && r.pos < r.end) {
            const n = <u64>1 << (load<u8>(r.pos) >> 6);
            if (n > this.remaining) {
              this.failWith(ev, H3_FRAME_ERROR, "PUSH_PROMISE ends inside its Push ID");
              return H3_EV_ERROR;
            }
          }
          if (!this.varint(r)) return H3_NEED_MORE;
          this.remaining -= <u64>this.vlen;
          ev.frameType = this.frameType;
          ev.payloadLength = this.frameLength;
          ev.pushId = this.vacc;
          ev.length = this.remaining;
          this.state = S_PAYLOAD;
          return H3_EV_FRAME_START;
        }
        case S_PAYLOAD: {
          if (this.remaining == 0) {
            this.state = S_TYPE;
            ev.frameType = this.frameType;
            ev.length = 0;
            return H3_EV_FRAME_END;
          }
          const avail = <u64>(r.end - r.pos);
          if (avail == 0) return H3_NEED_MORE;
          const n = avail < this.remaining ? avail : this.remaining;
          ev.frameType = this.frameType;
          ev.data = r.pos;
          ev.length = n;
          r.pos += <usize>n;
          this.remaining -= n;
          this.consumed += n;
          return H3_EV_PAYLOAD;
        }
        case S_BUFFER: {
          const avail = <u64>(r.end - r.pos);
          const n = avail < this.remaining ? avail : this.remaining;
          if (n != 0) {
            memory.copy(this.buf + <usize>this.bufLen, r.pos, <usize>n);
            this.bufLen += <u32>n;
            r.pos += <usize>n;
            this.remaining -= n;
            this.consumed += n;
          }
          if (this.remaining != 0) return H3_NEED_MORE;
          ev.reason = "";
          ev.frameType = this.frameType;
          ev.payloadLength = this.frameLength;
          const err = parsePayload(this.frameType, this.buf, <usize>this.bufLen, ev, this.scratch);
          if (err != 0) {
            this.state = S_ERROR;
            this.error = err;
            return H3_EV_ERROR;
          }
          this.state = S_TYPE;
          return H3_EV_FRAME;
        }
        case S_SKIP: {
          const avail = <u64>(r.end - r.pos);
          const n = avail < this.remaining ? avail : this.remaining;
          r.pos += <usize>n;
          this.remaining -= n;
          this.consumed += n;
          if (this.remaining != 0) return H3_NEED_MORE;
          this.state = S_TYPE;
          break;
        }
        default: // S_ERROR: sticky
          return H3_EV_ERROR;
      }
    }
    return H3_EV_ERROR; // unreachable: the loop only exits by returning
  }

  /** A frame header is complete: apply the §7.2 rules and pick the payload mode. */
  private dispatch(ev: H3Frame): i32 {
    const t = this.frameType;
    const len = this.frameLength;
    // §7.2.8: HTTP/2 frame types MUST be treated as H3_FRAME_UNEXPECTED.
    if (isHttp2FrameType(t)) { this.failWith(ev, H3_FRAME_UNEXPECTED, "HTTP/2 frame type"); return H3_EV_ERROR; }
    if (this.streamKind == STREAM_CONTROL) {
      if (!this.sawFirst) {
        // §6.2.1: "If the first frame of the control stream is any other frame
        // type, this MUST be treated as a connection error of type H3_MISSING_SETTINGS."
        if (t != H3_SETTINGS) { this.failWith(ev, H3_MISSING_SETTINGS, "first frame on the control stream is not SETTINGS"); return H3_EV_ERROR; }
        this.sawFirst = true;
      } else if (t == H3_SETTINGS) {
        // §7.2.4: a second SETTINGS frame MUST be H3_FRAME_UNEXPECTED.
        this.failWith(ev, H3_FRAME_UNEXPECTED, "second SETTINGS frame");
        return H3_EV_ERROR;
      }
    }
    if (checkFrameOnStream(this.streamKind, t) != 0) {
      this.failWith(ev, H3_FRAME_UNEXPECTED, "frame type not allowed on this stream");
      return H3_EV_ERROR;
    }
    if (t == H3_DATA || t == H3_HEADERS) {
      this.state = S_PAYLOAD;
      ev.frameType = t;
      ev.payloadLength = len;
      ev.pushId = 0;
      ev.length = len;
      return H3_EV_FRAME_START;
    }
    if (t == H3_PUSH_PROMISE) {
      if (len == 0) { this.failWith(ev, H3_FRAME_ERROR, "PUSH_PROMISE without a Push ID"); return H3_EV_ERROR; }
      this.state = S_PUSH_ID;
      return H3_NEED_MORE;
    }
    if (t == H3_CANCEL_PUSH || t == H3_GOAWAY || t == H3_MAX_PUSH_ID) {
      // One varint: 1..8 bytes (§7.1: length must match the fields exactly).
      if (len == 0 || len > 8) { this.failWith(ev, H3_FRAME_ERROR, "frame length does not match its single varint"); return H3_EV_ERROR; }
      this.ensureBuf(<usize>len);
      this.state = S_BUFFER;
      this.bufLen = 0;
      return H3_NEED_MORE;
    }
    // RFC 9218 §7: PRIORITY_UPDATE on the control stream is buffered like SETTINGS (H3_EV_FRAME, payload in data/length).
    if (t == H3_SETTINGS || (this.streamKind == STREAM_CONTROL && isPriorityUpdate(t))) {
      if (len > <u64>this.maxControlFrame) { this.failWith(ev, H3_EXCESSIVE_LOAD, "control frame larger than the limit"); return H3_EV_ERROR; }
      this.ensureBuf(<usize>len);
      this.state = S_BUFFER;
      this.bufLen = 0;
      return H3_NEED_MORE;
    }
    // §9: "Implementations MUST discard frames ... that have unknown or
    // unsupported types." Reserved types (§7.2.8) too.
    this.state = S_SKIP;
    return H3_NEED_MORE;
  }
}
