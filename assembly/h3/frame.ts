// HTTP/3 frames (RFC 9114 §7): types, which frames each stream
// type may carry (§7.2 table), SETTINGS validation, a decoder for a frame that
// is wholly in memory, and the encoder. The incremental parser for frames
// that arrive in pieces is in frame_parser.ts.

import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { VARINT_MAX, varintLen } from "../wire/varint";
import { H3_FRAME_UNEXPECTED, H3_FRAME_ERROR, H3_EXCESSIVE_LOAD, H3_SETTINGS_ERROR, H3_INTERNAL_ERROR } from "./errors";

// ---- RFC 9114 §7.2: frame types ----------------------------------------------
export const H3_DATA: u64 = 0x00;
export const H3_HEADERS: u64 = 0x01;
export const H3_CANCEL_PUSH: u64 = 0x03;
export const H3_SETTINGS: u64 = 0x04;
export const H3_PUSH_PROMISE: u64 = 0x05;
export const H3_GOAWAY: u64 = 0x07;
export const H3_MAX_PUSH_ID: u64 = 0x0d;
/** RFC 9218 §7.1: PRIORITY_UPDATE for a request stream; §7.2: for a push (control stream only). */
export const H3_PRIORITY_UPDATE_REQUEST: u64 = 0xf0700;
export const H3_PRIORITY_UPDATE_PUSH: u64 = 0xf0701;

@inline
export function isPriorityUpdate(t: u64): bool {
  return t == H3_PRIORITY_UPDATE_REQUEST || t == H3_PRIORITY_UPDATE_PUSH;
}

// ---- RFC 9114 §7.2.4.1: settings ---------------------------------------------
export const SETTINGS_MAX_FIELD_SECTION_SIZE: u64 = 0x06;
/** RFC 9204 §5: QPACK settings. */
export const SETTINGS_QPACK_MAX_TABLE_CAPACITY: u64 = 0x01;
export const SETTINGS_QPACK_BLOCKED_STREAMS: u64 = 0x07;

// ---- stream kinds for the §7.2 table ------------------------------------------
/** No stream-type rules: framing only. */
export const STREAM_ANY: u32 = 0;
export const STREAM_CONTROL: u32 = 1;
export const STREAM_REQUEST: u32 = 2;
export const STREAM_PUSH: u32 = 3;

/**
 * Bound on SETTINGS (and PUSH_PROMISE push-ID prefix) buffering by default.
 * Larger SETTINGS frames are H3_EXCESSIVE_LOAD (RFC 9114 §10.5: an endpoint
 * MAY treat suspicious activity as H3_EXCESSIVE_LOAD).
 */
export const DEFAULT_MAX_CONTROL_FRAME: u32 = 4096;

/**
 * Most settings accepted in one SETTINGS frame (the duplicate check is a
 * quadratic scan, so this bounds its cost at ~0.5M compares). More is
 * H3_EXCESSIVE_LOAD (§10.5). Real peers send fewer than ten.
 */
export const MAX_SETTINGS: u32 = 1024;

/** RFC 9114 §7.2.8: types 0x1f * N + 0x21 are reserved (greasing). */
@inline
export function isReservedFrameType(t: u64): bool {
  return t >= 0x21 && (t - 0x21) % 0x1f == 0;
}

/** RFC 9114 §7.2.4.1: setting identifiers 0x1f * N + 0x21 are reserved (greasing). */
@inline
export function isReservedSetting(id: u64): bool {
  return id >= 0x21 && (id - 0x21) % 0x1f == 0;
}

/**
 * RFC 9114 §7.2.8 / §11.2.1: frame types used in HTTP/2 with no HTTP/3
 * counterpart (PRIORITY 0x02, PING 0x06, WINDOW_UPDATE 0x08, CONTINUATION 0x09):
 * "their receipt MUST be treated as a connection error of type H3_FRAME_UNEXPECTED."
 */
@inline
export function isHttp2FrameType(t: u64): bool {
  return t == 0x02 || t == 0x06 || t == 0x08 || t == 0x09;
}

/**
 * RFC 9114 §7.2.4.1 / §11.2.2: HTTP/2 setting identifiers with no HTTP/3
 * counterpart (0x00, 0x02..0x05): "their receipt MUST be treated as a
 * connection error of type H3_SETTINGS_ERROR."
 */
@inline
export function isHttp2Setting(id: u64): bool {
  return id == 0x00 || (id >= 0x02 && id <= 0x05);
}

/** A frame type defined by RFC 9114 (DATA .. MAX_PUSH_ID). */
@inline
export function isKnownH3FrameType(t: u64): bool {
  return t == H3_DATA || t == H3_HEADERS || t == H3_CANCEL_PUSH || t == H3_SETTINGS
    || t == H3_PUSH_PROMISE || t == H3_GOAWAY || t == H3_MAX_PUSH_ID;
}

/** §7.2 table, "Control Stream" column (SETTINGS only as the first frame, see frame_parser). */
export function allowedOnControlStream(t: u64): bool {
  if (t == H3_DATA || t == H3_HEADERS || t == H3_PUSH_PROMISE) return false;
  return !isHttp2FrameType(t);
}

/** §7.2 table, "Request Stream" column (and RFC 9218 §7.1: PRIORITY_UPDATE only on the control stream). */
export function allowedOnRequestStream(t: u64): bool {
  if (t == H3_CANCEL_PUSH || t == H3_SETTINGS || t == H3_GOAWAY || t == H3_MAX_PUSH_ID || isPriorityUpdate(t)) return false;
  return !isHttp2FrameType(t);
}

/** §7.2 table, "Push Stream" column. */
export function allowedOnPushStream(t: u64): bool {
  if (t == H3_CANCEL_PUSH || t == H3_SETTINGS || t == H3_GOAWAY || t == H3_MAX_PUSH_ID || t == H3_PUSH_PROMISE || isPriorityUpdate(t)) return false;
  return !isHttp2FrameType(t);
}

/**
 * Frame-type check for a stream kind: 0 or H3_FRAME_UNEXPECTED. Unknown and
 * reserved types are allowed everywhere (§9: "Implementations MUST discard
 * frames ... that have unknown or unsupported types").
 */
export function checkFrameOnStream(streamKind: u32, t: u64): u64 {
  let ok: bool;
  switch (streamKind) {
    case STREAM_CONTROL: ok = allowedOnControlStream(t); break;
    case STREAM_REQUEST: ok = allowedOnRequestStream(t); break;
    case STREAM_PUSH: ok = allowedOnPushStream(t); break;
    default: ok = !isHttp2FrameType(t);
  }
  return ok ? 0 : H3_FRAME_UNEXPECTED;
}

/**
 * One decoded frame (reused; fields by type):
 *   DATA          data, length          HEADERS        data, length (encoded field section)
 *   CANCEL_PUSH   pushId                SETTINGS       settings, settingsCount (validated payload)
 *   PUSH_PROMISE  pushId, data, length  GOAWAY         id (stream ID or push ID)
 *   MAX_PUSH_ID   pushId                other types    data, length (the payload, to skip)
 */
@final
export class H3Frame {
  frameType: u64 = 0;
  /** Payload length from the frame header. */
  payloadLength: u64 = 0;
  data: usize = 0;
  length: u64 = 0;
  pushId: u64 = 0;
  id: u64 = 0;
  /** SETTINGS payload (pairs of varints) and the number of pairs in it. */
  settings: usize = 0;
  settingsLength: u32 = 0;
  settingsCount: u32 = 0;
  reason: string = "";
}

const SCRATCH: usize = memory.data(8, 8);

@inline
function fail(f: H3Frame, code: u64, reason: string): u64 {
  f.reason = reason;
  return code;
}

/**
 * RFC 9114 §7.2.4: checks a SETTINGS payload of `len` bytes at `p`; returns 0
 * or the error code, and stores the number of pairs in f.settingsCount.
 * Duplicates are found by a quadratic scan over at most MAX_SETTINGS pairs.
 */
export function validateSettings(p: usize, len: usize, f: H3Frame, scratch: Reader): u64 {
  const r = scratch.reset(p, len);
  let count: u32 = 0;
  while (!r.atEnd) {
    const idStart = r.pos;
    const id = r.varint();
    r.varint();
    // §7.1: a payload that ends inside a field is H3_FRAME_ERROR.
    if (r.failed) return fail(f, H3_FRAME_ERROR, "truncated setting");
    // §7.2.4.1: HTTP/2-only identifiers MUST be treated as H3_SETTINGS_ERROR.
    if (isHttp2Setting(id)) return fail(f, H3_SETTINGS_ERROR, "HTTP/2 setting identifier");
    if (count >= MAX_SETTINGS) return fail(f, H3_EXCESSIVE_LOAD, "more than 1024 settings");
    // §7.2.4: "The same setting identifier MUST NOT occur more than once in the
    // SETTINGS frame. A receiver MAY treat the presence of duplicate setting
    // identifiers as a connection error of type H3_SETTINGS_ERROR." We do.
    let q = p;
    while (q < idStart) {
      q = readVarintAt(q, idStart, SCRATCH);
      if (q == 0) break; // cannot happen: [p, idStart) was parsed above
      const prev = load<u64>(SCRATCH);
      q = readVarintAt(q, idStart, SCRATCH);
      if (q == 0) break;
      if (prev == id) return fail(f, H3_SETTINGS_ERROR, "duplicate setting identifier");
    }
    count++;
  }
  f.settings = p;
  f.settingsLength = <u32>len;
  f.settingsCount = count;
  return 0;
}

/** Reads one varint from [p, end) into `out[0]`; returns the next address, 0 on failure. */
@inline
export function readVarintAt(p: usize, end: usize, out: usize): usize {
  if (p >= end) return 0;
  const first = load<u8>(p);
  const n = <usize>1 << (first >> 6);
  if (n > end - p) return 0;
  let v: u64;
  switch (<i32>n) {
    case 1: v = <u64>first; break;
    case 2: v = <u64>(bswap<u16>(load<u16>(p)) & 0x3fff); break;
    case 4: v = <u64>(bswap<u32>(load<u32>(p)) & 0x3fffffff); break;
    default: v = bswap<u64>(load<u64>(p)) & VARINT_MAX;
  }
  store<u64>(out, v);
  return p + n;
}

/**
 * Parses the payload of a frame whose type and length have been read and
 * whose whole payload is at [p, p+len) (CANCEL_PUSH, SETTINGS, GOAWAY,
 * MAX_PUSH_ID, PUSH_PROMISE, or anything else). Returns 0 or an error code.
 */
export function parsePayload(t: u64, p: usize, len: usize, f: H3Frame, scratch: Reader): u64 {
  f.data = p;
  f.length = <u64>len;
  switch (<i32>t) {
    case 0x00: case 0x01: // DATA, HEADERS: opaque
      return 0;
    case 0x03: case 0x07: case 0x0d: { // CANCEL_PUSH, GOAWAY, MAX_PUSH_ID: one varint
      const r = scratch.reset(p, len);
      const v = r.varint();
      // §7.1: "A frame payload that contains additional bytes after the
      // identified fields or a frame payload that terminates before the end
      // of the identified fields MUST be treated as a connection error of
      // type H3_FRAME_ERROR."
      if (r.failed || !r.atEnd) return fail(f, H3_FRAME_ERROR, "frame length does not match its single varint");
      if (t == H3_GOAWAY) f.id = v; else f.pushId = v;
      return 0;
    }
    case 0x04:
      return validateSettings(p, len, f, scratch);
    case 0x05: { // PUSH_PROMISE: Push ID, then the encoded field section
      const r = scratch.reset(p, len);
      f.pushId = r.varint();
      if (r.failed) return fail(f, H3_FRAME_ERROR, "PUSH_PROMISE ends inside its Push ID");
      f.data = r.pos;
      f.length = <u64>r.remaining;
      return 0;
    }
  }
  return 0; // unknown or reserved: payload in data/length, to be ignored
}

/**
 * Decodes one frame that lies wholly at the reader's position (used on
 * buffers; streams go through H3FrameParser). Returns 0 or the H3 error code;
 * a frame cut short by the end of input is H3_FRAME_ERROR (§7.1: a truncated
 * last frame at the end of a stream).
 */
export function decodeH3Frame(r: Reader, f: H3Frame, scratch: Reader): u64 {
  f.reason = "";
  f.frameType = 0;
  const t = r.varint();
  if (r.failed) return fail(f, H3_FRAME_ERROR, "truncated frame type");
  f.frameType = t;
  const len = r.varint();
  if (r.failed) return fail(f, H3_FRAME_ERROR, "truncated frame length");
  f.payloadLength = len;
  if (isHttp2FrameType(t)) return fail(f, H3_FRAME_UNEXPECTED, "HTTP/2 frame type");
  if (len > <u64>r.remaining) return fail(f, H3_FRAME_ERROR, "frame payload truncated");
  const p = r.bytes(<usize>len);
  return parsePayload(t, p, <usize>len, f, scratch);
}

/** Writes a frame header (type, length). */
@inline
export function encodeH3Header(w: Writer, t: u64, len: u64): void {
  w.varint(t);
  w.varint(len);
}

/**
 * Encodes `f`. DATA, HEADERS and unknown types take data/length as payload;
 * PUSH_PROMISE pushId + data/length; CANCEL_PUSH / MAX_PUSH_ID pushId; GOAWAY
 * id; SETTINGS the pairs at settings/settingsLength (checked like a received
 * frame). Returns 0 or an error code (H3_FRAME_UNEXPECTED for HTTP/2 types,
 * H3_SETTINGS_ERROR for bad settings, H3_INTERNAL_ERROR on values > 2^62-1).
 */
export function encodeH3Frame(w: Writer, f: H3Frame, scratch: Reader): u64 {
  const t = f.frameType;
  if (isHttp2FrameType(t)) return H3_FRAME_UNEXPECTED;
  switch (<i32>t) {
    case 0x03: case 0x0d: case 0x07: {
      const v = t == H3_GOAWAY ? f.id : f.pushId;
      const n = varintLen(v);
      if (n == 0) return H3_INTERNAL_ERROR;
      encodeH3Header(w, t, <u64>n);
      w.varint(v);
      break;
    }
    case 0x04: {
      const err = validateSettings(f.settings, <usize>f.settingsLength, f, scratch);
      if (err != 0) return err;
      encodeH3Header(w, t, <u64>f.settingsLength);
      w.bytes(f.settings, <usize>f.settingsLength);
      break;
    }
    case 0x05: {
      const n = varintLen(f.pushId);
      if (n == 0) return H3_INTERNAL_ERROR;
      encodeH3Header(w, t, <u64>n + f.length);
      w.varint(f.pushId);
      w.bytes(f.data, <usize>f.length);
      break;
    }
    default:
      encodeH3Header(w, t, f.length);
      w.bytes(f.data, <usize>f.length);
  }
  return w.overflow ? H3_INTERNAL_ERROR : 0;
}
