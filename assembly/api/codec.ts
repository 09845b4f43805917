// Canonical-ABI glue for `interface codec` (wit/codec.wit). See abi.ts for the conventions.
//
// Frames cross the boundary as compact little-endian records (one call per
// packet payload / stream chunk); byte fields are (offset, length) into the
// caller's input, which the host already holds, so no payload is copied out.
// The layouts are documented in wit/codec.wit and read by host/codec/index.ts.

import { RET, argFree, retWriterAt, retStringAt, postFreeAt } from "./abi";
import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import {
  QuicFrame, decodeFrame, frameAllowedIn, FRAME_ENCODING_ERROR, INTERNAL_ERROR, PROTOCOL_VIOLATION,
  PACKET_1RTT, STATELESS_RESET_TOKEN_LEN, PATH_DATA_LEN, isKnownFrameType,
} from "../quic/frame";
import { encodeFrame } from "../quic/frame_encode";
import {
  H3Frame, decodeH3Frame, encodeH3Frame, checkFrameOnStream, H3_INTERNAL_ERROR, H3_FRAME_ERROR,
  H3_SETTINGS, H3_GOAWAY, H3_CANCEL_PUSH, H3_MAX_PUSH_ID, H3_PUSH_PROMISE, STREAM_PUSH, DEFAULT_MAX_CONTROL_FRAME,
} from "../h3/frame";
import {
  TransportParams, PreferredAddress, decodeTransportParams, encodeTransportParams, TRANSPORT_PARAMETER_ERROR,
} from "../tls/transport_params";
import {
  H3FrameParser, H3_NEED_MORE, H3_EV_ERROR, H3_EV_FRAME_START, H3_EV_PAYLOAD, H3_EV_FRAME,
} from "../h3/frame_parser";

const reader = new Reader();
const scratch = new Reader();
const writer = new Writer();

// Bounds on what one call may make the core allocate: inputs and outputs of
// the batch calls are host-sized, so they are capped here rather than trusted.
/** decode-quic-frames: any QUIC packet payload is < 64 KiB; 1 MiB is generous. */
const MAX_QUIC_PAYLOAD: usize = 1 << 20;
/** decode-h3-frames input and h3-parser-feed chunk (output is at most ~40x). */
const MAX_H3_INPUT: usize = 1 << 20;
/** encode-*: largest output. */
const MAX_ENCODE_OUTPUT: usize = 1 << 26;

/**
 * Output budget of one decode call (issue 8: memory grows with what is kept,
 * not with how many frames a peer packs into its input). A decode call stops
 * after the record that brings its output to `max-bytes` (0: the default) and
 * reports how much input it consumed; the host calls again with the rest.
 * At least one record is always written, so every call makes progress.
 */
const DEFAULT_RECORD_BUDGET: usize = 256 << 10;
const MAX_RECORD_BUDGET: usize = 1 << 20;
@inline function recordBudget(maxBytes: u32): usize {
  return maxBytes == 0 ? DEFAULT_RECORD_BUDGET : min<usize>(<usize>maxBytes, MAX_RECORD_BUDGET);
}
/** Input bytes consumed by the last decode call (a frame boundary). */
let consumedInput: usize = 0;

/** ACK ranges kept per frame by the component's decoder (QuicFrame policy beyond that). */
const CODEC_MAX_ACK_RANGES: i32 = 1024;
const qframe = new QuicFrame(CODEC_MAX_ACK_RANGES);
const hframe = new H3Frame();

/** result<_, codec-error>: payload at RET+8 (u64 alignment). */
function retCodecError(code: u64, frameType: u64, offset: usize, reason: string): usize {
  store<u8>(RET, 1);
  store<u64>(RET + 8, code);
  store<u64>(RET + 16, frameType);
  store<u32>(RET + 24, <u32>offset);
  retStringAt(28, reason);
  return RET;
}

/** Frees whatever a result<list<u8>, codec-error> or result<record, codec-error> handed out. */
function postResult(ret: usize, okHasList: bool): void {
  if (load<u8>(ret) == 0) {
    if (okHasList) postFreeAt(ret, 8);
  } else {
    postFreeAt(ret, 28);
  }
}

@inline
function retOkWriter(): usize {
  store<u8>(RET, 0);
  retWriterAt(8, writer);
  return RET;
}

/** result<decoded-records, codec-error> ok arm: records at RET+8, consumed at RET+16. */
@inline
function retOkBatch(consumed: usize): usize {
  store<u8>(RET, 0);
  retWriterAt(8, writer);
  store<u32>(RET + 16, <u32>consumed);
  return RET;
}

// ---- varints -----------------------------------------------------------------

export function codec__varintEncode(value: u64): usize {
  writer.clear();
  writer.varint(value);
  if (writer.overflow) return retCodecError(INTERNAL_ERROR, 0, 0, "value exceeds 2^62-1");
  return retOkWriter();
}
export function codec__varintEncode__post(ret: usize): void { postResult(ret, true); }

export function codec__varintDecode(ptr: usize, len: usize): usize {
  reader.reset(ptr, len);
  const v = reader.varint();
  const failed = reader.failed;
  const used = reader.offset;
  argFree(ptr, len);
  if (failed) return retCodecError(FRAME_ENCODING_ERROR, 0, len, "truncated varint");
  store<u8>(RET, 0);
  store<u64>(RET + 8, v);
  store<u32>(RET + 16, <u32>used);
  return RET;
}
export function codec__varintDecode__post(ret: usize): void { postResult(ret, false); }

// ---- QUIC frames -------------------------------------------------------------

/** Size of a QUIC frame record before its ACK ranges (see wit/codec.wit). */
const QREC: usize = 88;

@inline
function off(p: usize, base: usize): u32 {
  return p == 0 ? 0 : <u32>(p - base);
}

/** Appends the record for the decoded frame `f` (byte fields relative to `base`). */
function writeQuicRecord(w: Writer, f: QuicFrame, base: usize): void {
  const stored = f.frameType == 0x02 || f.frameType == 0x03 ? f.ackRangesStored : 0;
  const p = w.reserve(QREC + (<usize>stored << 4));
  if (p == 0) return;
  memory.fill(p, 0, QREC);
  store<u64>(p, f.frameType);
  let dataPtr: usize = 0;
  let dataLen: u32 = 0;
  switch (<i32>f.frameType) {
    case 0x00: store<u64>(p, f.length, 8); break;
    case 0x02: case 0x03: {
      store<u64>(p, f.largestAcknowledged, 8);
      store<u64>(p, f.ackDelay, 16);
      store<u64>(p, f.ackRangeCount, 24);
      store<u64>(p, f.firstAckRange, 32);
      store<u64>(p, f.ecnEct0, 40);
      store<u64>(p, f.ecnEct1, 48);
      store<u64>(p, f.ecnCe, 56);
      store<u64>(p, f.smallestAcknowledged, 64);
      store<u32>(p, <u32>stored, 80);
      store<u32>(p, f.ackRangesTruncated ? 1 : 0, 84);
      if (stored > 0) memory.copy(p + QREC, changetype<usize>(f.ackRanges), <usize>stored << 4);
      break;
    }
    case 0x04:
      store<u64>(p, f.streamId, 8); store<u64>(p, f.errorCode, 16); store<u64>(p, f.finalSize, 24); break;
    case 0x05:
      store<u64>(p, f.streamId, 8); store<u64>(p, f.errorCode, 16); break;
    case 0x06:
      store<u64>(p, f.offset, 8); dataPtr = f.data; dataLen = <u32>f.length; break;
    case 0x07:
      dataPtr = f.token; dataLen = f.tokenLength; break;
    case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x0e: case 0x0f:
      store<u64>(p, f.streamId, 8); store<u64>(p, f.offset, 16); dataPtr = f.data; dataLen = <u32>f.length; break;
    case 0x10: case 0x14:
      store<u64>(p, f.maximumData, 8); break;
    case 0x11: case 0x15:
      store<u64>(p, f.streamId, 8); store<u64>(p, f.maximumStreamData, 16); break;
    case 0x12: case 0x13: case 0x16: case 0x17:
      store<u64>(p, f.maximumStreams, 8); break;
    case 0x18:
      store<u64>(p, f.sequenceNumber, 8); store<u64>(p, f.retirePriorTo, 16);
      store<u64>(p, <u64>off(f.statelessResetToken, base), 24);
      dataPtr = f.connectionId; dataLen = f.connectionIdLength; break;
    case 0x19:
      store<u64>(p, f.sequenceNumber, 8); break;
    case 0x1a: case 0x1b: case 0x30: case 0x31:
      dataPtr = f.data; dataLen = <u32>f.length; break;
    case 0x1c: case 0x1d:
      store<u64>(p, f.errorCode, 8); store<u64>(p, f.errorFrameType, 16);
      dataPtr = f.reasonPhrase; dataLen = f.reasonPhraseLength; break;
  }
  store<u32>(p, off(dataPtr, base), 72);
  store<u32>(p, dataLen, 76);
}

/**
 * Decodes a whole packet payload; returns 0 or an error (details in f, and
 * the failing frame's start offset in ERR_OFFSET). Records go to `w` if non-null.
 */
const ERR_OFFSET: usize = memory.data(8, 8);
function decodePayload(ptr: usize, len: usize, packetType: u32, f: QuicFrame, w: Writer | null, reencode: Writer | null, budget: usize = usize.MAX_VALUE): u64 {
  store<u32>(ERR_OFFSET, 0);
  consumedInput = 0;
  if (packetType > PACKET_1RTT) { f.reason = "unknown packet type"; f.frameType = 0; return INTERNAL_ERROR; }
  const r = reader.reset(ptr, len);
  // RFC 9000 §12.4: "An endpoint MUST treat receipt of a packet containing no
  // frames as a connection error of type PROTOCOL_VIOLATION."
  if (len == 0) { f.reason = "packet contains no frames"; f.frameType = 0; return PROTOCOL_VIOLATION; }
  while (!r.atEnd) {
    const start = r.pos;
    const err = decodeFrame(r, f, packetType);
    if (err != 0) { store<u32>(ERR_OFFSET, <u32>(start - ptr)); return err; }
    if (reencode !== null) {
      // Fuzzing: whatever decodes must encode again.
      reencode.clear();
      if (encodeFrame(reencode, f) != 0) { f.reason = "decoded frame does not re-encode"; return 0xffffffff; }
    }
    if (w !== null) {
      writeQuicRecord(w, f, ptr);
      if (w.len >= budget) break;
    }
  }
  consumedInput = r.pos - ptr;
  return 0;
}

export function codec__decodeQuicFrames(packetType: u32, ptr: usize, len: usize, maxBytes: u32): usize {
  writer.clear();
  if (len > MAX_QUIC_PAYLOAD) { argFree(ptr, len); return retCodecError(INTERNAL_ERROR, 0, 0, "payload larger than 1 MiB"); }
  const err = decodePayload(ptr, len, packetType & 0xff, qframe, writer, null, recordBudget(maxBytes));
  argFree(ptr, len);
  if (err != 0) { writer.clear(); return retCodecError(err, qframe.frameType, <usize>load<u32>(ERR_OFFSET), qframe.reason); }
  return retOkBatch(consumedInput);
}
export function codec__decodeQuicFrames__post(ret: usize): void { postResult(ret, true); }

/** Fills `f` from the record at the reader (byte fields from [data, data+dataLen)); 0 or an error. */
function readQuicRecord(r: Reader, f: QuicFrame, data: usize, dataLen: usize): u64 {
  const p = r.bytes(QREC);
  if (r.failed) return INTERNAL_ERROR;
  const t = load<u64>(p);
  f.frameType = t;
  if (!isKnownFrameType(t)) { f.reason = "unknown frame type"; return FRAME_ENCODING_ERROR; }
  const f0 = load<u64>(p, 8), f1 = load<u64>(p, 16), f2 = load<u64>(p, 24);
  const dOff = <usize>load<u32>(p, 72);
  const dLen = <usize>load<u32>(p, 76);
  const count = load<u32>(p, 80);
  // Byte fields must lie inside the data blob.
  if (dOff > dataLen || dLen > dataLen - dOff) { f.reason = "data out of range"; return INTERNAL_ERROR; }
  const dp = data + dOff;
  switch (<i32>t) {
    case 0x00: f.length = f0; break;
    case 0x02: case 0x03: {
      f.largestAcknowledged = f0; f.ackDelay = f1; f.firstAckRange = load<u64>(p, 32);
      f.ecnEct0 = load<u64>(p, 40); f.ecnEct1 = load<u64>(p, 48); f.ecnCe = load<u64>(p, 56);
      if (<i64>count > <i64>f.capacity) { f.reason = "too many ACK ranges"; return INTERNAL_ERROR; }
      const rp = r.bytes(<usize>count << 4);
      if (r.failed) return INTERNAL_ERROR;
      if (count > 0) memory.copy(changetype<usize>(f.ackRanges), rp, <usize>count << 4);
      f.ackRangesStored = <i32>count;
      break;
    }
    case 0x04: f.streamId = f0; f.errorCode = f1; f.finalSize = f2; break;
    case 0x05: f.streamId = f0; f.errorCode = f1; break;
    case 0x06: f.offset = f0; f.data = dp; f.length = <u64>dLen; break;
    case 0x07: f.token = dp; f.tokenLength = <u32>dLen; break;
    case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x0e: case 0x0f:
      f.streamId = f0; f.offset = f1; f.data = dp; f.length = <u64>dLen;
      f.fin = (t & 1) != 0; f.hasLength = (t & 2) != 0; break;
    case 0x10: case 0x14: f.maximumData = f0; break;
    case 0x11: case 0x15: f.streamId = f0; f.maximumStreamData = f1; break;
    case 0x12: case 0x13: case 0x16: case 0x17: f.maximumStreams = f0; break;
    case 0x18: {
      f.sequenceNumber = f0; f.retirePriorTo = f1;
      if (f2 > <u64>dataLen || <u64>STATELESS_RESET_TOKEN_LEN > <u64>dataLen - f2) { f.reason = "token out of range"; return INTERNAL_ERROR; }
      f.statelessResetToken = data + <usize>f2;
      f.connectionId = dp; f.connectionIdLength = <u32>dLen; break;
    }
    case 0x19: f.sequenceNumber = f0; break;
    case 0x1a: case 0x1b:
      if (dLen != PATH_DATA_LEN) { f.reason = "path data must be 8 bytes"; return FRAME_ENCODING_ERROR; }
      f.data = dp; f.length = <u64>dLen; break;
    case 0x1c: case 0x1d:
      f.errorCode = f0; f.errorFrameType = f1; f.reasonPhrase = dp; f.reasonPhraseLength = <u32>dLen; break;
    case 0x30: case 0x31:
      f.data = dp; f.length = <u64>dLen; f.hasLength = t == 0x31; break;
  }
  return 0;
}

/** An upper bound on the encoded size of `f` (for the output cap). */
function quicEncodedBound(f: QuicFrame): usize {
  let n: u64 = 64;
  const t = f.frameType;
  if (t == 0x00) n += f.length;
  else if (t == 0x02 || t == 0x03) n += <u64>f.ackRangesStored * 16;
  else if (t == 0x07) n += <u64>f.tokenLength;
  else if (t == 0x18) n += <u64>f.connectionIdLength;
  else if (t == 0x1c || t == 0x1d) n += <u64>f.reasonPhraseLength;
  else n += f.length;
  return n > <u64>MAX_ENCODE_OUTPUT ? MAX_ENCODE_OUTPUT + 1 : <usize>n;
}

export function codec__encodeQuicFrames(recPtr: usize, recLen: usize, dataPtr: usize, dataLen: usize): usize {
  writer.clear();
  const r = scratch.reset(recPtr, recLen);
  let err: u64 = 0;
  let index: u32 = 0;
  while (!r.atEnd) {
    err = readQuicRecord(r, qframe, dataPtr, dataLen);
    // RFC 9000 §19.8, RFC 9221 §4: a frame without Length runs to the end of
    // the packet, so only the last frame may omit it.
    if (err == 0 && !r.atEnd && !qframe.hasLength && ((qframe.frameType >= 0x08 && qframe.frameType <= 0x0f) || qframe.frameType == 0x30)) {
      err = FRAME_ENCODING_ERROR;
      qframe.reason = "only the last frame may omit its Length";
    }
    if (err == 0 && quicEncodedBound(qframe) > MAX_ENCODE_OUTPUT - writer.len) {
      err = INTERNAL_ERROR;
      qframe.reason = "encoded output larger than 64 MiB";
    }
    if (err == 0) {
      err = encodeFrame(writer, qframe);
      if (err != 0) qframe.reason = writer.overflow ? "value exceeds 2^62-1" : "frame cannot be encoded as given";
      if (writer.overflow) err = FRAME_ENCODING_ERROR;
    }
    if (err != 0) break;
    index++;
  }
  argFree(recPtr, recLen);
  argFree(dataPtr, dataLen);
  if (err != 0) { writer.clear(); return retCodecError(err, qframe.frameType, <usize>index, qframe.reason); }
  return retOkWriter();
}
export function codec__encodeQuicFrames__post(ret: usize): void { postResult(ret, true); }

export function codec__quicFrameAllowed(frameType: u64, packetType: u32): u32 {
  return frameAllowedIn(frameType, packetType & 0xff) ? 1 : 0;
}

// ---- HTTP/3 frames -----------------------------------------------------------

/** Size of an H3 frame record before its settings pairs. */
const HREC: usize = 32;

function writeH3Record(w: Writer, f: H3Frame, base: usize): void {
  const t = f.frameType;
  const pairs = t == H3_SETTINGS ? f.settingsCount : 0;
  const p = w.reserve(HREC + (<usize>pairs << 4));
  if (p == 0) return;
  store<u64>(p, t);
  let a: u64 = 0;
  if (t == H3_GOAWAY) a = f.id;
  else if (t == H3_CANCEL_PUSH || t == H3_MAX_PUSH_ID || t == H3_PUSH_PROMISE) a = f.pushId;
  store<u64>(p, a, 8);
  const hasData = !(t == H3_SETTINGS || t == H3_GOAWAY || t == H3_CANCEL_PUSH || t == H3_MAX_PUSH_ID);
  store<u32>(p, hasData ? off(f.data, base) : 0, 16);
  store<u32>(p, hasData ? <u32>f.length : 0, 20);
  store<u32>(p, pairs, 24);
  store<u32>(p, 0, 28);
  if (pairs > 0) {
    // The payload was validated: re-read the pairs without checks failing.
    const r = scratch.reset(f.settings, <usize>f.settingsLength);
    let q = p + HREC;
    for (let i: u32 = 0; i < pairs; i++) {
      store<u64>(q, r.varint());
      store<u64>(q, r.varint(), 8);
      q += 16;
    }
  }
}

export function codec__decodeH3Frames(ptr: usize, len: usize, maxBytes: u32): usize {
  writer.clear();
  if (len > MAX_H3_INPUT) { argFree(ptr, len); return retCodecError(H3_INTERNAL_ERROR, 0, 0, "input larger than 1 MiB"); }
  const budget = recordBudget(maxBytes);
  const r = reader.reset(ptr, len);
  let err: u64 = 0;
  let start: usize = ptr;
  while (!r.atEnd) {
    start = r.pos;
    err = decodeH3Frame(r, hframe, scratch);
    if (err != 0) break;
    writeH3Record(writer, hframe, ptr);
    if (writer.len >= budget) break;
  }
  const consumed = r.pos - ptr;
  argFree(ptr, len);
  if (err != 0) { writer.clear(); return retCodecError(err, hframe.frameType, start - ptr, hframe.reason); }
  return retOkBatch(consumed);
}
export function codec__decodeH3Frames__post(ret: usize): void { postResult(ret, true); }

/** Settings pairs for encode, re-encoded as varints (static, bounded). */
const settingsBuf = new Writer();

function readH3Record(r: Reader, f: H3Frame, data: usize, dataLen: usize): u64 {
  const p = r.bytes(HREC);
  if (r.failed) return H3_INTERNAL_ERROR;
  const t = load<u64>(p);
  f.frameType = t;
  const a = load<u64>(p, 8);
  const dOff = <usize>load<u32>(p, 16);
  const dLen = <usize>load<u32>(p, 20);
  const pairs = load<u32>(p, 24);
  if (dOff > dataLen || dLen > dataLen - dOff) { f.reason = "data out of range"; return H3_INTERNAL_ERROR; }
  f.data = data + dOff;
  f.length = <u64>dLen;
  f.pushId = a;
  f.id = a;
  f.settingsLength = 0;
  f.settingsCount = 0;
  if (t == H3_SETTINGS) {
    if (<usize>pairs > r.remaining >> 4) { f.reason = "settings out of range"; return H3_INTERNAL_ERROR; }
    const pp = r.bytes(<usize>pairs << 4);
    if (r.failed) return H3_INTERNAL_ERROR;
    settingsBuf.clear();
    for (let i: u32 = 0; i < pairs; i++) {
      settingsBuf.varint(load<u64>(pp + (<usize>i << 4)));
      settingsBuf.varint(load<u64>(pp + (<usize>i << 4), 8));
    }
    if (settingsBuf.overflow) { f.reason = "setting exceeds 2^62-1"; return H3_INTERNAL_ERROR; }
    f.settings = settingsBuf.buf;
    f.settingsLength = <u32>settingsBuf.len;
  }
  return 0;
}

export function codec__encodeH3Frames(recPtr: usize, recLen: usize, dataPtr: usize, dataLen: usize): usize {
  writer.clear();
  const r = reader.reset(recPtr, recLen);
  let err: u64 = 0;
  let index: u32 = 0;
  while (!r.atEnd) {
    hframe.reason = "";
    err = readH3Record(r, hframe, dataPtr, dataLen);
    if (err == 0 && (hframe.length + <u64>hframe.settingsLength + 32) > <u64>(MAX_ENCODE_OUTPUT - writer.len)) {
      err = H3_INTERNAL_ERROR;
      hframe.reason = "encoded output larger than 64 MiB";
    }
    if (err == 0) {
      err = encodeH3Frame(writer, hframe, scratch);
      if (err != 0 && hframe.reason == "") hframe.reason = "frame cannot be encoded as given";
    }
    if (err != 0) break;
    index++;
  }
  argFree(recPtr, recLen);
  argFree(dataPtr, dataLen);
  if (err != 0) { writer.clear(); return retCodecError(err, hframe.frameType, <usize>index, hframe.reason); }
  return retOkWriter();
}
export function codec__encodeH3Frames__post(ret: usize): void { postResult(ret, true); }

export function codec__h3FrameAllowed(streamKind: u32, frameType: u64): u32 {
  return checkFrameOnStream(streamKind & 0xff, frameType) == 0 ? 1 : 0;
}

// ---- incremental H3 parser (u32 handles) ---------------------------------------

const parsers = new Array<H3FrameParser | null>();
const freeSlots = new Array<u32>();

export function codec__h3ParserNew(streamKind: u32, maxControlFrame: u32): u32 {
  const kind = streamKind & 0xff;
  // An unknown stream kind is refused (handle 0), not guessed as 'any':
  // the §7.2 rules would silently not apply.
  if (kind > STREAM_PUSH) return 0;
  const max = maxControlFrame == 0 ? DEFAULT_MAX_CONTROL_FRAME : (maxControlFrame > 1 << 20 ? 1 << 20 : maxControlFrame);
  const p = new H3FrameParser(kind, max);
  if (freeSlots.length > 0) {
    const slot = freeSlots.pop();
    parsers[<i32>slot] = p;
    return slot + 1;
  }
  parsers.push(p);
  return <u32>parsers.length;
}

@inline
function parserAt(handle: u32): H3FrameParser | null {
  if (handle == 0 || handle > <u32>parsers.length) return null;
  return unchecked(parsers[<i32>handle - 1]);
}

export function codec__h3ParserFree(handle: u32): void {
  const p = parserAt(handle);
  if (p === null) return;
  p.dispose();
  parsers[<i32>handle - 1] = null;
  freeSlots.push(handle - 1);
}

/** Size of a parser event record before its settings pairs. */
const EREC: usize = 40;

/** Runs `p` over [ptr, ptr+len), writing events to `w` when non-null; 0 or an error code. */
function feedParser(p: H3FrameParser, ptr: usize, len: usize, fin: bool, ev: H3Frame, w: Writer | null, budget: usize = usize.MAX_VALUE): u64 {
  const r = reader.reset(ptr, len);
  consumedInput = len;
  for (;;) {
    if (w !== null && w.len >= budget) {
      // Budget reached: stop at an event boundary; fin waits for the rest.
      consumedInput = r.pos - ptr;
      if (consumedInput < len) return 0;
    }
    const k = p.next(r, ev);
    if (k == H3_NEED_MORE) break;
    if (k == H3_EV_ERROR) return p.error;
    if (w === null) continue;
    const pairs = k == H3_EV_FRAME && ev.frameType == H3_SETTINGS ? ev.settingsCount : 0;
    const q = w.reserve(EREC + (<usize>pairs << 4));
    if (q == 0) continue;
    store<u32>(q, <u32>k);
    store<u32>(q, pairs, 4);
    store<u64>(q, ev.frameType, 8);
    let a: u64 = 0, b: u64 = 0;
    if (k == H3_EV_FRAME_START) { a = ev.length; b = ev.pushId; }
    else if (k == H3_EV_FRAME) a = ev.frameType == H3_GOAWAY ? ev.id : ev.pushId;
    store<u64>(q, a, 16);
    store<u64>(q, b, 24);
    store<u32>(q, k == H3_EV_PAYLOAD ? <u32>(ev.data - ptr) : 0, 32);
    store<u32>(q, k == H3_EV_PAYLOAD ? <u32>ev.length : 0, 36);
    if (pairs > 0) {
      const s = scratch.reset(ev.settings, <usize>ev.settingsLength);
      let o = q + EREC;
      for (let i: u32 = 0; i < pairs; i++) {
        store<u64>(o, s.varint());
        store<u64>(o, s.varint(), 8);
        o += 16;
      }
    }
  }
  if (fin) return p.finish(ev);
  return 0;
}

export function codec__h3ParserFeed(handle: u32, ptr: usize, len: usize, fin: u32, maxBytes: u32): usize {
  writer.clear();
  const p = parserAt(handle);
  if (p === null) { argFree(ptr, len); return retCodecError(H3_INTERNAL_ERROR, 0, 0, "no such parser"); }
  if (len > MAX_H3_INPUT) { argFree(ptr, len); return retCodecError(H3_INTERNAL_ERROR, 0, 0, "chunk larger than 1 MiB"); }
  const before = p.consumed;
  const err = feedParser(p, ptr, len, fin != 0, hframe, writer, recordBudget(maxBytes));
  argFree(ptr, len);
  if (err != 0) {
    writer.clear();
    // Relative to this chunk; a frame that began in an earlier chunk gives its
    // negative distance (two's complement, floored at -2^21), see wit/codec.wit.
    let rel: i64 = <i64>p.frameStart - <i64>before;
    if (rel < -(1 << 21)) rel = -(1 << 21);
    return retCodecError(err, hframe.frameType, <usize><u32><i32>rel, hframe.reason);
  }
  return retOkBatch(consumedInput);
}
export function codec__h3ParserFeed__post(ret: usize): void { postResult(ret, true); }

// ---- transport parameters (RFC 9000 §18, RFC 9221 §3) -----------------------------

/**
 * The packed form of transport parameters (see wit/codec.wit): a 152-byte
 * header — present u32 (bit n: parameter id n for 0x00..0x10; bit 17:
 * max_datagram_frame_size 0x20) | reserved u32 | 18 slots of 8 bytes, one per
 * id in that order — then the bytes the slots point at. Integer parameters
 * hold their value (u64); byte parameters (connection ids, the reset token,
 * the preferred_address body of RFC 9000 Figure 22) hold offset u32 | length
 * u32 from the start of the list; disable_active_migration has no value.
 */
const TP_HDR: usize = 8 + 18 * 8;
const TP_DGRAM_SLOT: u32 = 17;
const tpWriter = new Writer();

@inline function tpSlotOf(id: u64): u32 { return id == 0x20 ? TP_DGRAM_SLOT : <u32>id; }
@inline function tpIsBytes(slot: u32): bool { return slot == 0x00 || slot == 0x02 || slot == 0x0d || slot == 0x0f || slot == 0x10; }

function tpCopy(p: usize, n: usize): Uint8Array {
  const out = new Uint8Array(<i32>n);
  if (n) memory.copy(out.dataStart, p, n);
  return out;
}

/** Packs `tp` into `w` (header, then the byte fields). */
function packTransportParams(tp: TransportParams, w: Writer): void {
  const h = w.reserve(TP_HDR);
  if (h == 0) return;
  memory.fill(h, 0, TP_HDR);
  let present: u32 = 0;
  // Byte fields go after the header; record (off, len) in their slots.
  const put = (slot: u32, b: Uint8Array | null, w: Writer, h: usize): u32 => {
    if (b == null) return 0;
    store<u32>(h + 8 + (<usize>slot << 3), <u32>w.len);
    store<u32>(h + 8 + (<usize>slot << 3), <u32>b.length, 4);
    w.bytes(b.dataStart, <usize>b.length);
    return <u32>1 << slot;
  };
  present |= put(0x00, tp.originalDestinationConnectionId, w, h);
  present |= put(0x02, tp.statelessResetToken, w, h);
  present |= put(0x0f, tp.initialSourceConnectionId, w, h);
  present |= put(0x10, tp.retrySourceConnectionId, w, h);
  const pa = tp.preferredAddress;
  if (pa != null) {
    // RFC 9000 §18.2 Figure 22, as on the wire.
    const body = new Writer();
    body.bytes(pa.ipv4.dataStart, 4); body.u16(pa.ipv4Port);
    body.bytes(pa.ipv6.dataStart, 16); body.u16(pa.ipv6Port);
    body.u8(<u32>pa.connectionId.length); body.bytes(pa.connectionId.dataStart, <usize>pa.connectionId.length);
    body.bytes(pa.statelessResetToken.dataStart, 16);
    present |= put(0x0d, tpCopy(body.buf, body.len), w, h);
    body.release();
  }
  // Integers: always reported (absent ones carry the RFC 9000 §18.2 defaults).
  const ints: StaticArray<u64> = [
    tp.maxIdleTimeout, tp.maxUdpPayloadSize, tp.initialMaxData, tp.initialMaxStreamDataBidiLocal,
    tp.initialMaxStreamDataBidiRemote, tp.initialMaxStreamDataUni, tp.initialMaxStreamsBidi,
    tp.initialMaxStreamsUni, tp.ackDelayExponent, tp.maxAckDelay,
  ];
  const ids: StaticArray<u32> = [0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b];
  for (let i = 0; i < ids.length; i++) {
    const id = unchecked(ids[i]);
    store<u64>(h + 8 + (<usize>id << 3), unchecked(ints[i]));
    present |= <u32>1 << id;
  }
  store<u64>(h + 8 + (0x0e << 3), tp.activeConnectionIdLimit);
  present |= <u32>1 << 0x0e;
  if (tp.disableActiveMigration) present |= <u32>1 << 0x0c;
  if (tp.hasMaxDatagramFrameSize) {
    store<u64>(h + 8 + (<usize>TP_DGRAM_SLOT << 3), tp.maxDatagramFrameSize);
    present |= <u32>1 << TP_DGRAM_SLOT;
  }
  store<u32>(h, present);
}

/** Unpacks the packed form at [ptr, ptr+len) into a TransportParams; "" or why not. */
function unpackTransportParams(ptr: usize, len: usize, tp: TransportParams): string {
  if (len < TP_HDR) return "packed transport parameters shorter than their header";
  const present = load<u32>(ptr);
  if ((present >> 18) != 0) return "unknown bit in the packed presence mask";
  for (let slot: u32 = 0; slot <= TP_DGRAM_SLOT; slot++) {
    if ((present & (<u32>1 << slot)) == 0) continue;
    const sp = ptr + 8 + (<usize>slot << 3);
    if (tpIsBytes(slot)) {
      const o = <usize>load<u32>(sp), n = <usize>load<u32>(sp, 4);
      if (o > len || n > len - o) return "byte field out of range";
      const p = ptr + o;
      switch (slot) {
        case 0x00: tp.originalDestinationConnectionId = tpCopy(p, n); break;
        case 0x02: tp.statelessResetToken = tpCopy(p, n); break;
        case 0x0f: tp.initialSourceConnectionId = tpCopy(p, n); break;
        case 0x10: tp.retrySourceConnectionId = tpCopy(p, n); break;
        case 0x0d: {
          // RFC 9000 §18.2 Figure 22
          const r = new Reader(p, n);
          const pa = new PreferredAddress();
          const v4 = r.bytes(4); const v4p = r.u16();
          const v6 = r.bytes(16); const v6p = r.u16();
          const cl = <usize>r.u8(); const cp = r.bytes(cl); const tk = r.bytes(16);
          if (r.failed || !r.atEnd) return "malformed preferred_address";
          memory.copy(pa.ipv4.dataStart, v4, 4); pa.ipv4Port = v4p;
          memory.copy(pa.ipv6.dataStart, v6, 16); pa.ipv6Port = v6p;
          pa.connectionId = tpCopy(cp, cl);
          memory.copy(pa.statelessResetToken.dataStart, tk, 16);
          tp.preferredAddress = pa;
          break;
        }
      }
      continue;
    }
    const x = load<u64>(sp);
    switch (slot) {
      case 0x01: tp.maxIdleTimeout = x; break;
      case 0x03: tp.maxUdpPayloadSize = x; break;
      case 0x04: tp.initialMaxData = x; break;
      case 0x05: tp.initialMaxStreamDataBidiLocal = x; break;
      case 0x06: tp.initialMaxStreamDataBidiRemote = x; break;
      case 0x07: tp.initialMaxStreamDataUni = x; break;
      case 0x08: tp.initialMaxStreamsBidi = x; break;
      case 0x09: tp.initialMaxStreamsUni = x; break;
      case 0x0a: tp.ackDelayExponent = x; break;
      case 0x0b: tp.maxAckDelay = x; break;
      case 0x0c: tp.disableActiveMigration = true; break;
      case 0x0e: tp.activeConnectionIdLimit = x; break;
      case TP_DGRAM_SLOT: tp.maxDatagramFrameSize = x; tp.hasMaxDatagramFrameSize = true; break;
    }
  }
  return "";
}

/** transport-params-decode: the extension body -> packed form (RFC 9000 §18.2 rules). */
export function codec__transportParamsDecode(ptr: usize, len: usize, fromServer: u32): usize {
  const res = decodeTransportParams(ptr, len, fromServer != 0);
  argFree(ptr, len);
  if (res.error != 0) return retCodecError(res.error, 0, 0, res.reason);
  writer.clear();
  packTransportParams(res.params, writer);
  return retOkWriter();
}
export function codec__transportParamsDecode__post(ret: usize): void { postResult(ret, true); }

/**
 * transport-params-encode: packed form -> extension body, refused with
 * TRANSPORT_PARAMETER_ERROR when the peer would refuse it (the output is
 * decoded again with the receiver's rules, RFC 9000 §7.4, §18.2).
 */
export function codec__transportParamsEncode(ptr: usize, len: usize, fromServer: u32): usize {
  const tp = new TransportParams();
  const why = unpackTransportParams(ptr, len, tp);
  argFree(ptr, len);
  if (why.length) return retCodecError(TRANSPORT_PARAMETER_ERROR, 0, 0, why);
  writer.clear();
  encodeTransportParams(tp, writer);
  // RFC 9000 §16: every value is a varint (< 2^62).
  if (writer.overflow) { writer.clear(); return retCodecError(TRANSPORT_PARAMETER_ERROR, 0, 0, "value exceeds 2^62-1"); }
  const check = decodeTransportParams(writer.buf, writer.len, fromServer != 0);
  if (check.error != 0) { writer.clear(); return retCodecError(check.error, 0, 0, check.reason); }
  return retOkWriter();
}
export function codec__transportParamsEncode__post(ret: usize): void { postResult(ret, true); }

// ---- fuzzing and benchmarking entry points ----------------------------------------

/** Outcome for an input whose decoded frames did not re-encode (a codec bug). */
const ROUNDTRIP_BUG: u64 = 0xffffffff;
const fuzzParser = new H3FrameParser(0, DEFAULT_MAX_CONTROL_FRAME);
/** One parser per stream kind (0 any, 1 control, 2 request, 3 push). */
const fuzzParsers: StaticArray<H3FrameParser> = [
  new H3FrameParser(0), new H3FrameParser(1), new H3FrameParser(2), new H3FrameParser(3),
];
const fuzzWriter = new Writer();

function fuzzOne(target: u32, param: u32, p: usize, n: usize, index: u32): u64 {
  switch (target) {
    case 0: { // varints until the end
      const r = reader.reset(p, n);
      while (!r.atEnd) r.varint();
      return r.failed ? FRAME_ENCODING_ERROR : 0;
    }
    case 1: { // QUIC frames in packet type `param`, each re-encoded
      const err = decodePayload(p, n, param, qframe, null, fuzzWriter);
      return err == 0xffffffff ? ROUNDTRIP_BUG : err;
    }
    case 2: { // H3 frames in a buffer, each re-encoded
      const r = reader.reset(p, n);
      while (!r.atEnd) {
        const err = decodeH3Frame(r, hframe, scratch);
        if (err != 0) return err;
        fuzzWriter.clear();
        if (encodeH3Frame(fuzzWriter, hframe, scratch) != 0) return ROUNDTRIP_BUG;
      }
      return 0;
    }
    case 3: { // the incremental parser for stream kind `param`, input split pseudo-randomly
      const parser = unchecked(fuzzParsers[<i32>(param & 3)]);
      parser.reset();
      let seed: u32 = index * 2654435761 ^ <u32>n ^ 0x9e3779b9;
      let at: usize = 0;
      while (at < n) {
        seed = seed * 1103515245 + 12345;
        let chunk = <usize>((seed >> 16) % 9);
        if (chunk > n - at) chunk = n - at;
        const err = feedParser(parser, p + at, chunk, false, hframe, null);
        if (err != 0) return err;
        at += chunk;
      }
      return feedParser(parser, p + n, 0, true, hframe, null);
    }
  }
  return INTERNAL_ERROR;
}

/**
 * fuzz-decode: `inputs` is a sequence of (u32 LE length, bytes); returns one
 * outcome per input (0 = accepted, else the wire error code).
 */
export function codec__fuzzDecode(target: u32, param: u32, ptr: usize, len: usize): usize {
  writer.clear();
  let index: u32 = 0;
  let q = ptr;
  const end = ptr + len;
  while (end - q >= 4) {
    const n = <usize>load<u32>(q);
    q += 4;
    if (n > end - q) break;
    const outcome = fuzzOne(target & 0xff, param & 0xff, q, n, index);
    writer.u64(0); // reserve 8 bytes, then store little-endian
    store<u64>(writer.buf + writer.len - 8, outcome);
    q += n;
    index++;
  }
  argFree(ptr, len);
  store<u32>(RET, <u32>writer.take());
  store<u32>(RET, index, 4);
  return RET;
}
export function codec__fuzzDecode__post(ret: usize): void { postFreeAt(ret, 0); }

// Bench-only: run an operation `iterations` times inside the core.
/** Encode benches keep at most this many decoded frames (memory bounded by it, not by the input). */
const BENCH_MAX_FRAMES = 4096;
let benchFrames: Array<QuicFrame> | null = null;
let benchH3: Array<H3Frame> | null = null;

export function codec__benchLoop(op: u32, param: u32, ptr: usize, len: usize, iterations: u32): u64 {
  let total: u64 = 0;
  const pt = param & 0xff;
  // A boundary value must not hold the instance for hours: at most 2^20 iterations.
  if (iterations > 1 << 20) iterations = 1 << 20;
  switch (op & 0xff) {
    case 0: { // decode QUIC payload
      const r = new Reader();
      for (let i: u32 = 0; i < iterations; i++) {
        r.reset(ptr, len);
        while (!r.atEnd) {
          if (decodeFrame(r, qframe, pt) != 0) break;
          total++;
        }
      }
      break;
    }
    case 1: { // encode QUIC frames decoded once from the payload
      if (benchFrames === null) benchFrames = new Array<QuicFrame>();
      const frames = benchFrames!;
      const r = new Reader(ptr, len);
      let n = 0;
      while (!r.atEnd && n < BENCH_MAX_FRAMES) {
        if (n >= frames.length) frames.push(new QuicFrame(64));
        if (decodeFrame(r, unchecked(frames[n]), pt) != 0) break;
        n++;
      }
      const buf = heap.alloc(len + 64);
      const w = new Writer();
      for (let i: u32 = 0; i < iterations; i++) {
        w.fixed(buf, len + 64);
        for (let j = 0; j < n; j++) encodeFrame(w, unchecked(frames[j]));
        total += <u64>n;
      }
      heap.free(buf);
      break;
    }
    case 2: { // decode H3 frames in a buffer
      const r = new Reader();
      for (let i: u32 = 0; i < iterations; i++) {
        r.reset(ptr, len);
        while (!r.atEnd) {
          if (decodeH3Frame(r, hframe, scratch) != 0) break;
          total++;
        }
      }
      break;
    }
    case 3: { // encode H3 frames decoded once
      if (benchH3 === null) benchH3 = new Array<H3Frame>();
      const frames = benchH3!;
      const r = new Reader(ptr, len);
      let n = 0;
      while (!r.atEnd && n < BENCH_MAX_FRAMES) {
        if (n >= frames.length) frames.push(new H3Frame());
        if (decodeH3Frame(r, unchecked(frames[n]), scratch) != 0) break;
        n++;
      }
      const buf = heap.alloc(len + 64);
      const w = new Writer();
      for (let i: u32 = 0; i < iterations; i++) {
        w.fixed(buf, len + 64);
        for (let j = 0; j < n; j++) encodeH3Frame(w, unchecked(frames[j]), scratch);
        total += <u64>n;
      }
      heap.free(buf);
      break;
    }
    case 4: { // incremental parser over the whole buffer, counting events
      const r = new Reader();
      for (let i: u32 = 0; i < iterations; i++) {
        fuzzParser.reset();
        r.reset(ptr, len);
        for (;;) {
          const k = fuzzParser.next(r, hframe);
          if (k == H3_NEED_MORE || k == H3_EV_ERROR) break;
          if (k == H3_EV_FRAME || k == H3_EV_FRAME_START) total++;
        }
      }
      break;
    }
  }
  argFree(ptr, len);
  return total;
}
