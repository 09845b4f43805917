// `interface codec` (wit/codec.wit): the wire codecs for tools and tests. The
// canonical-ABI shims are generated (gen/codec.ts).
//
// Frames cross the boundary as compact little-endian records (one call per
// packet payload / stream chunk); byte fields are (offset, length) into the
// caller's input, which the host already holds, so no payload is copied out.
// The record layouts come from wit/records.json (gen/records.ts here, the
// host's readers in host/core/gen/records.ts).

import { Bytes } from "./abi";
import { HandleTable } from "./handles";
import {
  CodecError, DecodedVarint, DecodedRecords, DecodedRecordsOrCodecError, BytesOrCodecError, DecodedVarintOrCodecError,
} from "./gen/codec_types";
import { QuicFrameRec, AckRangeRec, H3FrameRec, SettingRec, H3EventRec } from "./gen/records";
import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import {
  QuicFrame, decodeFrame, frameAllowedIn, PACKET_1RTT, STATELESS_RESET_TOKEN_LEN, PATH_DATA_LEN, isKnownFrameType,
} from "../quic/frame";
import { FRAME_ENCODING_ERROR, INTERNAL_ERROR, PROTOCOL_VIOLATION, TRANSPORT_PARAMETER_ERROR } from "../quic/errors";
import { encodeFrame } from "../quic/frame_encode";
import {
  H3Frame, decodeH3Frame, encodeH3Frame, checkFrameOnStream,
  H3_SETTINGS, H3_GOAWAY, H3_CANCEL_PUSH, H3_MAX_PUSH_ID, H3_PUSH_PROMISE, STREAM_PUSH, DEFAULT_MAX_CONTROL_FRAME,
} from "../h3/frame";
import { H3_INTERNAL_ERROR } from "../h3/errors";
import { H3FrameParser, H3_NEED_MORE, H3_EV_ERROR, H3_EV_FRAME_START, H3_EV_PAYLOAD, H3_EV_FRAME } from "../h3/frame_parser";
import {
  TransportParams, PreferredAddress, decodeTransportParams, encodeTransportParams,
} from "../quic/transport_params";

export const reader = new Reader();
export const scratch = new Reader();
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

/** ACK ranges kept per frame by the component's decoder (QuicFrame policy beyond that). */
const CODEC_MAX_ACK_RANGES: i32 = 1024;
export const qframe = new QuicFrame(CODEC_MAX_ACK_RANGES);
export const hframe = new H3Frame();

@inline
function codecError(code: u64, frameType: u64, offset: usize, reason: string): CodecError {
  return new CodecError(code, frameType, <u32>offset, reason);
}

// ---- varints -----------------------------------------------------------------

export function varintEncode(value: u64): BytesOrCodecError {
  writer.clear();
  writer.varint(value);
  // RFC 9000 §16: at most 2^62-1
  if (writer.overflow) return BytesOrCodecError.err(codecError(INTERNAL_ERROR, 0, 0, "value exceeds 2^62-1"));
  return BytesOrCodecError.ok(Bytes.fromWriter(writer));
}

export function varintDecode(bytes: Bytes): DecodedVarintOrCodecError {
  reader.reset(bytes.ptr, bytes.len);
  const v = reader.varint();
  if (reader.failed) return DecodedVarintOrCodecError.err(codecError(FRAME_ENCODING_ERROR, 0, bytes.len, "truncated varint"));
  return DecodedVarintOrCodecError.ok(new DecodedVarint(v, <u32>reader.offset));
}

// ---- QUIC frames -------------------------------------------------------------

@inline
function off(p: usize, base: usize): u32 {
  return p == 0 ? 0 : <u32>(p - base);
}

/** Appends the record for the decoded frame `f` (byte fields relative to `base`). */
function writeQuicRecord(w: Writer, f: QuicFrame, base: usize): void {
  const stored = f.frameType == 0x02 || f.frameType == 0x03 ? f.ackRangesStored : 0;
  const p = w.reserve(QuicFrameRec.SIZE + <usize>stored * AckRangeRec.SIZE);
  if (p == 0) return;
  memory.fill(p, 0, QuicFrameRec.SIZE);
  store<u64>(p + QuicFrameRec.FRAME_TYPE, f.frameType);
  let dataPtr: usize = 0;
  let dataLen: u32 = 0;
  const f0 = p + QuicFrameRec.F0, f1 = p + QuicFrameRec.F1, f2 = p + QuicFrameRec.F2;
  switch (<i32>f.frameType) {
    case 0x00: store<u64>(f0, f.length); break;
    case 0x02: case 0x03: {
      store<u64>(f0, f.largestAcknowledged);
      store<u64>(f1, f.ackDelay);
      store<u64>(f2, f.ackRangeCount);
      store<u64>(p + QuicFrameRec.F3, f.firstAckRange);
      store<u64>(p + QuicFrameRec.F4, f.ecnEct0);
      store<u64>(p + QuicFrameRec.F5, f.ecnEct1);
      store<u64>(p + QuicFrameRec.F6, f.ecnCe);
      store<u64>(p + QuicFrameRec.F7, f.smallestAcknowledged);
      store<u32>(p + QuicFrameRec.COUNT, <u32>stored);
      store<u32>(p + QuicFrameRec.FLAGS, f.ackRangesTruncated ? 1 : 0);
      // QuicFrame keeps its ranges as (gap, length) u64 pairs: the AckRangeRec layout
      if (stored > 0) memory.copy(p + QuicFrameRec.SIZE, changetype<usize>(f.ackRanges), <usize>stored * AckRangeRec.SIZE);
      break;
    }
    case 0x04:
      store<u64>(f0, f.streamId); store<u64>(f1, f.errorCode); store<u64>(f2, f.finalSize); break;
    case 0x24: // RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §4)
      store<u64>(f0, f.streamId); store<u64>(f1, f.errorCode); store<u64>(f2, f.finalSize);
      store<u64>(p + QuicFrameRec.F3, f.reliableSize); break;
    case 0x05:
      store<u64>(f0, f.streamId); store<u64>(f1, f.errorCode); break;
    case 0x06:
      store<u64>(f0, f.offset); dataPtr = f.data; dataLen = <u32>f.length; break;
    case 0x07:
      dataPtr = f.token; dataLen = f.tokenLength; break;
    case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x0e: case 0x0f:
      store<u64>(f0, f.streamId); store<u64>(f1, f.offset); dataPtr = f.data; dataLen = <u32>f.length; break;
    case 0x10: case 0x14:
      store<u64>(f0, f.maximumData); break;
    case 0x11: case 0x15:
      store<u64>(f0, f.streamId); store<u64>(f1, f.maximumStreamData); break;
    case 0x12: case 0x13: case 0x16: case 0x17:
      store<u64>(f0, f.maximumStreams); break;
    case 0x18:
      store<u64>(f0, f.sequenceNumber); store<u64>(f1, f.retirePriorTo);
      store<u64>(f2, <u64>off(f.statelessResetToken, base));
      dataPtr = f.connectionId; dataLen = f.connectionIdLength; break;
    case 0x19:
      store<u64>(f0, f.sequenceNumber); break;
    case 0x1a: case 0x1b: case 0x30: case 0x31:
      dataPtr = f.data; dataLen = <u32>f.length; break;
    case 0x1c: case 0x1d:
      store<u64>(f0, f.errorCode); store<u64>(f1, f.errorFrameType);
      dataPtr = f.reasonPhrase; dataLen = f.reasonPhraseLength; break;
  }
  store<u32>(p + QuicFrameRec.DATA_OFF, off(dataPtr, base));
  store<u32>(p + QuicFrameRec.DATA_LEN, dataLen);
}

/** How far a decode call got: the input consumed (a frame or event boundary), and where it failed. */
@final
export class Progress {
  /** Input bytes consumed by the call. */
  consumed: usize = 0;
  /** The start of the failing frame, relative to the input. */
  failedAt: usize = 0;
}

/**
 * Decodes a packet payload; returns 0 or an error (details in f, the failing
 * frame's start offset in `at.failedAt`). Records go to `w` if non-null, until
 * they reach `budget` bytes; `at.consumed` says how much input that took.
 */
export function decodePayload(ptr: usize, len: usize, packetType: u32, f: QuicFrame, w: Writer | null, reencode: Writer | null, at: Progress, budget: usize = usize.MAX_VALUE): u64 {
  at.failedAt = 0;
  at.consumed = 0;
  if (packetType > PACKET_1RTT) { f.reason = "unknown packet type"; f.frameType = 0; return INTERNAL_ERROR; }
  const r = reader.reset(ptr, len);
  // RFC 9000 §12.4: "An endpoint MUST treat receipt of a packet containing no
  // frames as a connection error of type PROTOCOL_VIOLATION."
  if (len == 0) { f.reason = "packet contains no frames"; f.frameType = 0; return PROTOCOL_VIOLATION; }
  while (!r.atEnd) {
    const start = r.pos;
    const err = decodeFrame(r, f, packetType);
    if (err != 0) { at.failedAt = start - ptr; return err; }
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
  at.consumed = r.pos - ptr;
  return 0;
}

const progress = new Progress();

/** One batch of records and how much input it covered. */
@inline function batch(consumed: usize): DecodedRecordsOrCodecError {
  return DecodedRecordsOrCodecError.ok(new DecodedRecords(Bytes.fromWriter(writer), <u32>consumed));
}

export function decodeQuicFrames(packetType: u8, payload: Bytes, maxBytes: u32): DecodedRecordsOrCodecError {
  writer.clear();
  if (payload.len > MAX_QUIC_PAYLOAD) return DecodedRecordsOrCodecError.err(codecError(INTERNAL_ERROR, 0, 0, "payload larger than 1 MiB"));
  const err = decodePayload(payload.ptr, payload.len, packetType, qframe, writer, null, progress, recordBudget(maxBytes));
  if (err != 0) { writer.clear(); return DecodedRecordsOrCodecError.err(codecError(err, qframe.frameType, progress.failedAt, qframe.reason)); }
  return batch(progress.consumed);
}

/** Fills `f` from the record at the reader (byte fields from [data, data+dataLen)); 0 or an error. */
function readQuicRecord(r: Reader, f: QuicFrame, data: usize, dataLen: usize): u64 {
  const p = r.bytes(QuicFrameRec.SIZE);
  if (r.failed) return INTERNAL_ERROR;
  const t = load<u64>(p + QuicFrameRec.FRAME_TYPE);
  f.frameType = t;
  if (!isKnownFrameType(t)) { f.reason = "unknown frame type"; return FRAME_ENCODING_ERROR; }
  const f0 = load<u64>(p + QuicFrameRec.F0), f1 = load<u64>(p + QuicFrameRec.F1), f2 = load<u64>(p + QuicFrameRec.F2);
  const dOff = <usize>load<u32>(p + QuicFrameRec.DATA_OFF);
  const dLen = <usize>load<u32>(p + QuicFrameRec.DATA_LEN);
  const count = load<u32>(p + QuicFrameRec.COUNT);
  // Byte fields must lie inside the data blob.
  if (dOff > dataLen || dLen > dataLen - dOff) { f.reason = "data out of range"; return INTERNAL_ERROR; }
  const dp = data + dOff;
  switch (<i32>t) {
    case 0x00: f.length = f0; break;
    case 0x02: case 0x03: {
      f.largestAcknowledged = f0; f.ackDelay = f1; f.firstAckRange = load<u64>(p + QuicFrameRec.F3);
      f.ecnEct0 = load<u64>(p + QuicFrameRec.F4); f.ecnEct1 = load<u64>(p + QuicFrameRec.F5); f.ecnCe = load<u64>(p + QuicFrameRec.F6);
      if (<i64>count > <i64>f.capacity) { f.reason = "too many ACK ranges"; return INTERNAL_ERROR; }
      const rp = r.bytes(<usize>count * AckRangeRec.SIZE);
      if (r.failed) return INTERNAL_ERROR;
      // QuicFrame keeps its ranges as (gap, length) u64 pairs: the AckRangeRec layout
      if (count > 0) memory.copy(changetype<usize>(f.ackRanges), rp, <usize>count * AckRangeRec.SIZE);
      f.ackRangesStored = <i32>count;
      break;
    }
    case 0x04: f.streamId = f0; f.errorCode = f1; f.finalSize = f2; break;
    case 0x24: f.streamId = f0; f.errorCode = f1; f.finalSize = f2; f.reliableSize = load<u64>(p + QuicFrameRec.F3); break;
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

export function encodeQuicFrames(records: Bytes, data: Bytes): BytesOrCodecError {
  writer.clear();
  const dataPtr = data.ptr, dataLen = data.len;
  const r = scratch.reset(records.ptr, records.len);
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
  if (err != 0) { writer.clear(); return BytesOrCodecError.err(codecError(err, qframe.frameType, <usize>index, qframe.reason)); }
  return BytesOrCodecError.ok(Bytes.fromWriter(writer));
}

export function quicFrameAllowed(frameType: u64, packetType: u8): bool {
  return frameAllowedIn(frameType, packetType);
}

// ---- HTTP/3 frames -----------------------------------------------------------

/** The SETTINGS pairs of `f` as SettingRec records at `q` (the payload was validated: re-read without checks failing). */
function writeSettings(q: usize, f: H3Frame, pairs: u32): void {
  const r = scratch.reset(f.settings, <usize>f.settingsLength);
  for (let i: u32 = 0; i < pairs; i++) {
    store<u64>(q + SettingRec.ID, r.varint());
    store<u64>(q + SettingRec.VALUE, r.varint());
    q += SettingRec.SIZE;
  }
}

function writeH3Record(w: Writer, f: H3Frame, base: usize): void {
  const t = f.frameType;
  const pairs = t == H3_SETTINGS ? f.settingsCount : 0;
  const p = w.reserve(H3FrameRec.SIZE + <usize>pairs * SettingRec.SIZE);
  if (p == 0) return;
  store<u64>(p + H3FrameRec.FRAME_TYPE, t);
  let a: u64 = 0;
  if (t == H3_GOAWAY) a = f.id;
  else if (t == H3_CANCEL_PUSH || t == H3_MAX_PUSH_ID || t == H3_PUSH_PROMISE) a = f.pushId;
  store<u64>(p + H3FrameRec.VALUE, a);
  const hasData = !(t == H3_SETTINGS || t == H3_GOAWAY || t == H3_CANCEL_PUSH || t == H3_MAX_PUSH_ID);
  store<u32>(p + H3FrameRec.DATA_OFF, hasData ? off(f.data, base) : 0);
  store<u32>(p + H3FrameRec.DATA_LEN, hasData ? <u32>f.length : 0);
  store<u32>(p + H3FrameRec.COUNT, pairs);
  store<u32>(p + H3FrameRec.RESERVED, 0);
  if (pairs > 0) writeSettings(p + H3FrameRec.SIZE, f, pairs);
}

export function decodeH3Frames(bytes: Bytes, maxBytes: u32): DecodedRecordsOrCodecError {
  writer.clear();
  const ptr = bytes.ptr, len = bytes.len;
  if (len > MAX_H3_INPUT) return DecodedRecordsOrCodecError.err(codecError(H3_INTERNAL_ERROR, 0, 0, "input larger than 1 MiB"));
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
  if (err != 0) { writer.clear(); return DecodedRecordsOrCodecError.err(codecError(err, hframe.frameType, start - ptr, hframe.reason)); }
  return batch(r.pos - ptr);
}

/** Settings pairs for encode, re-encoded as varints (static, bounded). */
const settingsBuf = new Writer();

function readH3Record(r: Reader, f: H3Frame, data: usize, dataLen: usize): u64 {
  const p = r.bytes(H3FrameRec.SIZE);
  if (r.failed) return H3_INTERNAL_ERROR;
  const t = load<u64>(p + H3FrameRec.FRAME_TYPE);
  f.frameType = t;
  const a = load<u64>(p + H3FrameRec.VALUE);
  const dOff = <usize>load<u32>(p + H3FrameRec.DATA_OFF);
  const dLen = <usize>load<u32>(p + H3FrameRec.DATA_LEN);
  const pairs = load<u32>(p + H3FrameRec.COUNT);
  if (dOff > dataLen || dLen > dataLen - dOff) { f.reason = "data out of range"; return H3_INTERNAL_ERROR; }
  f.data = data + dOff;
  f.length = <u64>dLen;
  f.pushId = a;
  f.id = a;
  f.settingsLength = 0;
  f.settingsCount = 0;
  if (t == H3_SETTINGS) {
    if (<usize>pairs > r.remaining / SettingRec.SIZE) { f.reason = "settings out of range"; return H3_INTERNAL_ERROR; }
    const pp = r.bytes(<usize>pairs * SettingRec.SIZE);
    if (r.failed) return H3_INTERNAL_ERROR;
    settingsBuf.clear();
    for (let i: u32 = 0; i < pairs; i++) {
      const q = pp + <usize>i * SettingRec.SIZE;
      settingsBuf.varint(load<u64>(q + SettingRec.ID));
      settingsBuf.varint(load<u64>(q + SettingRec.VALUE));
    }
    if (settingsBuf.overflow) { f.reason = "setting exceeds 2^62-1"; return H3_INTERNAL_ERROR; }
    f.settings = settingsBuf.buf;
    f.settingsLength = <u32>settingsBuf.len;
  }
  return 0;
}

export function encodeH3Frames(records: Bytes, data: Bytes): BytesOrCodecError {
  writer.clear();
  const dataPtr = data.ptr, dataLen = data.len;
  const r = reader.reset(records.ptr, records.len);
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
  if (err != 0) { writer.clear(); return BytesOrCodecError.err(codecError(err, hframe.frameType, <usize>index, hframe.reason)); }
  return BytesOrCodecError.ok(Bytes.fromWriter(writer));
}

export function h3FrameAllowed(streamKind: u8, frameType: u64): bool {
  return checkFrameOnStream(streamKind, frameType) == 0;
}

// ---- incremental H3 parser (handles in the generational table) ------------------

const parsers = new HandleTable<H3FrameParser>();

export function h3ParserNew(streamKind: u8, maxControlFrame: u32): u32 {
  // An unknown stream kind is refused (handle 0), not guessed as 'any':
  // the §7.2 rules would silently not apply.
  if (streamKind > STREAM_PUSH) return 0;
  const max = maxControlFrame == 0 ? DEFAULT_MAX_CONTROL_FRAME : (maxControlFrame > 1 << 20 ? 1 << 20 : maxControlFrame);
  const p = new H3FrameParser(streamKind, max);
  const h = parsers.add(p);
  if (h == 0) p.dispose();
  return h;
}

export function h3ParserFree(parser: u32): void {
  const p = parsers.remove(parser);
  if (p !== null) p.dispose();
}

/**
 * Runs `p` over [ptr, ptr+len), writing events to `w` when non-null, until
 * they reach `budget` bytes; 0 or an error code. `at.consumed`: the input
 * taken (an event boundary); `fin` applies only once all of it is.
 */
export function feedParser(p: H3FrameParser, ptr: usize, len: usize, fin: bool, ev: H3Frame, w: Writer | null, at: Progress, budget: usize = usize.MAX_VALUE): u64 {
  const r = reader.reset(ptr, len);
  at.consumed = len;
  for (;;) {
    if (w !== null && w.len >= budget) {
      // Budget reached: stop at an event boundary; fin waits for the rest.
      at.consumed = r.pos - ptr;
      if (at.consumed < len) return 0;
    }
    const k = p.next(r, ev);
    if (k == H3_NEED_MORE) break;
    if (k == H3_EV_ERROR) return p.error;
    if (w === null) continue;
    const pairs = k == H3_EV_FRAME && ev.frameType == H3_SETTINGS ? ev.settingsCount : 0;
    const q = w.reserve(H3EventRec.SIZE + <usize>pairs * SettingRec.SIZE);
    if (q == 0) continue;
    store<u32>(q + H3EventRec.KIND, <u32>k);
    store<u32>(q + H3EventRec.COUNT, pairs);
    store<u64>(q + H3EventRec.FRAME_TYPE, ev.frameType);
    let a: u64 = 0, b: u64 = 0;
    if (k == H3_EV_FRAME_START) { a = ev.length; b = ev.pushId; }
    else if (k == H3_EV_FRAME) a = ev.frameType == H3_GOAWAY ? ev.id : ev.pushId;
    store<u64>(q + H3EventRec.A, a);
    store<u64>(q + H3EventRec.B, b);
    store<u32>(q + H3EventRec.DATA_OFF, k == H3_EV_PAYLOAD ? <u32>(ev.data - ptr) : 0);
    store<u32>(q + H3EventRec.DATA_LEN, k == H3_EV_PAYLOAD ? <u32>ev.length : 0);
    if (pairs > 0) writeSettings(q + H3EventRec.SIZE, ev, pairs);
  }
  if (fin) return p.finish(ev);
  return 0;
}

export function h3ParserFeed(parser: u32, bytes: Bytes, fin: bool, maxBytes: u32): DecodedRecordsOrCodecError {
  writer.clear();
  const p = parsers.get(parser);
  if (p === null) return DecodedRecordsOrCodecError.err(codecError(H3_INTERNAL_ERROR, 0, 0, "no such parser"));
  if (bytes.len > MAX_H3_INPUT) return DecodedRecordsOrCodecError.err(codecError(H3_INTERNAL_ERROR, 0, 0, "chunk larger than 1 MiB"));
  const before = p.consumed;
  const err = feedParser(p, bytes.ptr, bytes.len, fin, hframe, writer, progress, recordBudget(maxBytes));
  if (err != 0) {
    writer.clear();
    // Relative to this chunk; a frame that began in an earlier chunk gives its
    // negative distance (two's complement, floored at -2^21), see wit/codec.wit.
    let rel: i64 = <i64>p.frameStart - <i64>before;
    if (rel < -(1 << 21)) rel = -(1 << 21);
    return DecodedRecordsOrCodecError.err(codecError(err, hframe.frameType, <usize><u32><i32>rel, hframe.reason));
  }
  return batch(progress.consumed);
}

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
export function transportParamsDecode(bytes: Bytes, fromServer: bool): BytesOrCodecError {
  const res = decodeTransportParams(bytes.ptr, bytes.len, fromServer);
  if (res.error != 0) return BytesOrCodecError.err(codecError(res.error, 0, 0, res.reason));
  writer.clear();
  packTransportParams(res.params, writer);
  return BytesOrCodecError.ok(Bytes.fromWriter(writer));
}

/**
 * transport-params-encode: packed form -> extension body, refused with
 * TRANSPORT_PARAMETER_ERROR when the peer would refuse it (the output is
 * decoded again with the receiver's rules, RFC 9000 §7.4, §18.2).
 */
export function transportParamsEncode(params: Bytes, fromServer: bool): BytesOrCodecError {
  const tp = new TransportParams();
  const why = unpackTransportParams(params.ptr, params.len, tp);
  if (why.length) return BytesOrCodecError.err(codecError(TRANSPORT_PARAMETER_ERROR, 0, 0, why));
  writer.clear();
  encodeTransportParams(tp, writer);
  // RFC 9000 §16: every value is a varint (< 2^62).
  if (writer.overflow) { writer.clear(); return BytesOrCodecError.err(codecError(TRANSPORT_PARAMETER_ERROR, 0, 0, "value exceeds 2^62-1")); }
  const check = decodeTransportParams(writer.buf, writer.len, fromServer);
  if (check.error != 0) { writer.clear(); return BytesOrCodecError.err(codecError(check.error, 0, 0, check.reason)); }
  return BytesOrCodecError.ok(Bytes.fromWriter(writer));
}
