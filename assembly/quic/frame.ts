// QUIC frames (RFC 9000 §12.4, §19; DATAGRAM from RFC 9221 §4): types,
// the packet-type rules of Table 3, and a decoder that
// fills a reusable `QuicFrame` record from a `Reader` without allocating.
//
// Use (one packet payload):
//
//   const f = new QuicFrame();            // once; reused for every frame
//   r.reset(payloadPtr, payloadLen);
//   if (r.atEnd) -> PROTOCOL_VIOLATION     // §12.4: a packet with no frames
//   while (!r.atEnd) {
//     const err = decodeFrame(r, f, packetType);
//     if (err != 0) -> CONNECTION_CLOSE(err, f.frameType, f.reason)
//     ... switch on f.frameType; byte fields (data, token, reasonPhrase,
//     connectionId, statelessResetToken) are pointers into the payload ...
//   }
//
// What the decoder checks is everything §19 says a receiver MUST reject from
// the bytes alone. Rules that need connection state or the endpoint's role
// (stream direction, flow-control limits, "a server MUST treat receipt of a
// NEW_TOKEN frame as PROTOCOL_VIOLATION", datagram negotiation, ...) belong to
// the connection, which has the decoded fields to apply them.

import { Reader } from "../wire/reader";
import { VARINT_MAX } from "../wire/varint";
import { FRAME_ENCODING_ERROR, PROTOCOL_VIOLATION } from "./errors";
import { MAX_CID_LEN } from "./constants";

// ---- RFC 9000 §19 / RFC 9221 §4: frame types --------------------------------
export const FRAME_PADDING: u64 = 0x00;
export const FRAME_PING: u64 = 0x01;
export const FRAME_ACK: u64 = 0x02;
export const FRAME_ACK_ECN: u64 = 0x03;
export const FRAME_RESET_STREAM: u64 = 0x04;
export const FRAME_STOP_SENDING: u64 = 0x05;
export const FRAME_CRYPTO: u64 = 0x06;
export const FRAME_NEW_TOKEN: u64 = 0x07;
/** STREAM is 0x08..0x0f; the low three bits are OFF, LEN and FIN (§19.8). */
export const FRAME_STREAM: u64 = 0x08;
export const STREAM_BIT_OFF: u64 = 0x04;
export const STREAM_BIT_LEN: u64 = 0x02;
export const STREAM_BIT_FIN: u64 = 0x01;
export const FRAME_MAX_DATA: u64 = 0x10;
export const FRAME_MAX_STREAM_DATA: u64 = 0x11;
export const FRAME_MAX_STREAMS_BIDI: u64 = 0x12;
export const FRAME_MAX_STREAMS_UNI: u64 = 0x13;
export const FRAME_DATA_BLOCKED: u64 = 0x14;
export const FRAME_STREAM_DATA_BLOCKED: u64 = 0x15;
export const FRAME_STREAMS_BLOCKED_BIDI: u64 = 0x16;
export const FRAME_STREAMS_BLOCKED_UNI: u64 = 0x17;
export const FRAME_NEW_CONNECTION_ID: u64 = 0x18;
export const FRAME_RETIRE_CONNECTION_ID: u64 = 0x19;
export const FRAME_PATH_CHALLENGE: u64 = 0x1a;
export const FRAME_PATH_RESPONSE: u64 = 0x1b;
export const FRAME_CONNECTION_CLOSE: u64 = 0x1c;
export const FRAME_CONNECTION_CLOSE_APP: u64 = 0x1d;
export const FRAME_HANDSHAKE_DONE: u64 = 0x1e;
/** RFC 9221 §4: DATAGRAM without (0x30) and with (0x31) a Length field. */
export const FRAME_DATAGRAM: u64 = 0x30;
export const FRAME_DATAGRAM_LEN: u64 = 0x31;
/** draft-ietf-quic-reliable-stream-reset §4: RESET_STREAM_AT (a RESET_STREAM with a Reliable Size). */
export const FRAME_RESET_STREAM_AT: u64 = 0x24;

// ---- packet types, as the decoder's `packetType` argument -------------------
export const PACKET_INITIAL: u32 = 0;
export const PACKET_0RTT: u32 = 1;
export const PACKET_HANDSHAKE: u32 = 2;
export const PACKET_1RTT: u32 = 3;

/** RFC 9000 §19.11, §19.14: stream counts cannot exceed 2^60. */
export const MAX_STREAMS_LIMIT: u64 = <u64>1 << 60;
export const STATELESS_RESET_TOKEN_LEN: usize = 16;
export const PATH_DATA_LEN: usize = 8;
/** Default cap on ACK ranges kept per frame (see QuicFrame.ackRanges). */
export const DEFAULT_MAX_ACK_RANGES: i32 = 64;

// RFC 9000 §12.4, Table 3 "Pkts" column (and RFC 9221 §4 for DATAGRAM:
// 0-RTT and 1-RTT only), one bit per packet type: bit 0 Initial, 1 0-RTT,
// 2 Handshake, 3 1-RTT. Index = frame type 0x00..0x1e.
const I: u8 = 1, Z: u8 = 2, H: u8 = 4, O: u8 = 8;
const ALLOWED: usize = memory.data<u8>([
  /* 00 PADDING */ I | Z | H | O, /* 01 PING */ I | Z | H | O,
  /* 02 ACK */ I | H | O, /* 03 ACK_ECN */ I | H | O,
  /* 04 RESET_STREAM */ Z | O, /* 05 STOP_SENDING */ Z | O,
  /* 06 CRYPTO */ I | H | O, /* 07 NEW_TOKEN */ O,
  /* 08-0f STREAM */ Z | O, Z | O, Z | O, Z | O, Z | O, Z | O, Z | O, Z | O,
  /* 10 MAX_DATA */ Z | O, /* 11 MAX_STREAM_DATA */ Z | O,
  /* 12, 13 MAX_STREAMS */ Z | O, Z | O,
  /* 14 DATA_BLOCKED */ Z | O, /* 15 STREAM_DATA_BLOCKED */ Z | O,
  /* 16, 17 STREAMS_BLOCKED */ Z | O, Z | O,
  /* 18 NEW_CONNECTION_ID */ Z | O, /* 19 RETIRE_CONNECTION_ID */ Z | O,
  /* 1a PATH_CHALLENGE */ Z | O, /* 1b PATH_RESPONSE */ O,
  // "ih": only CONNECTION_CLOSE of type 0x1c may appear in Initial/Handshake.
  /* 1c CONNECTION_CLOSE */ I | Z | H | O, /* 1d CONNECTION_CLOSE app */ Z | O,
  /* 1e HANDSHAKE_DONE */ O,
]);

/** True when `frameType` is one this decoder knows (§19, RFC 9221). */
@inline
export function isKnownFrameType(frameType: u64): bool {
  return frameType <= FRAME_HANDSHAKE_DONE || frameType == FRAME_DATAGRAM || frameType == FRAME_DATAGRAM_LEN
    || frameType == FRAME_RESET_STREAM_AT;
}

/**
 * RFC 9000 §12.4 (Table 3): may a frame of this type appear in a packet of
 * this type? False for unknown frame types and packet types.
 */
export function frameAllowedIn(frameType: u64, packetType: u32): bool {
  if (packetType > PACKET_1RTT) return false;
  let mask: u8;
  if (frameType <= FRAME_HANDSHAKE_DONE) mask = load<u8>(ALLOWED + <usize>frameType);
  else if (frameType == FRAME_DATAGRAM || frameType == FRAME_DATAGRAM_LEN) mask = Z | O;
  // draft-ietf-quic-reliable-stream-reset §4: allowed where RESET_STREAM is (0-RTT, 1-RTT)
  else if (frameType == FRAME_RESET_STREAM_AT) mask = Z | O;
  else return false;
  return (mask & (<u8>1 << <u8>packetType)) != 0;
}

/** RFC 9000 §13.2.1: every frame but ACK, PADDING and CONNECTION_CLOSE is ack-eliciting. */
@inline
export function isAckEliciting(frameType: u64): bool {
  return !(frameType == FRAME_PADDING || frameType == FRAME_ACK || frameType == FRAME_ACK_ECN
    || frameType == FRAME_CONNECTION_CLOSE || frameType == FRAME_CONNECTION_CLOSE_APP);
}

/** RFC 9000 §9.1: probing frames (PATH_CHALLENGE, PATH_RESPONSE, NEW_CONNECTION_ID, PADDING). */
@inline
export function isProbing(frameType: u64): bool {
  return frameType == FRAME_PADDING || frameType == FRAME_PATH_CHALLENGE
    || frameType == FRAME_PATH_RESPONSE || frameType == FRAME_NEW_CONNECTION_ID;
}

/**
 * One decoded frame. Preallocate one and reuse it: `decodeFrame` overwrites
 * only the fields of the type it decoded (plus `frameType`), so read the
 * fields that belong to `frameType`. Pointers (`data`, `token`, ...) point into
 * the decoded payload and are valid as long as that memory is.
 *
 * Field use by frame type (names from RFC 9000 §19):
 *   PADDING              length (a run of consecutive PADDING bytes is one record)
 *   ACK / ACK_ECN        largestAcknowledged, ackDelay (raw, unscaled), ackRangeCount,
 *                        firstAckRange, ackRanges/ackRangesStored/ackRangesTruncated,
 *                        smallestAcknowledged; ecnEct0, ecnEct1, ecnCe (0x03 only)
 *   RESET_STREAM         streamId, errorCode (Application Protocol Error Code), finalSize
 *   RESET_STREAM_AT      streamId, errorCode, finalSize, reliableSize (0x24, reliable stream reset draft)
 *   STOP_SENDING         streamId, errorCode
 *   CRYPTO               offset, data, length
 *   NEW_TOKEN            token, tokenLength
 *   STREAM (0x08-0x0f)   streamId, offset, data, length, fin, hasLength (LEN bit)
 *   MAX_DATA             maximumData
 *   MAX_STREAM_DATA      streamId, maximumStreamData
 *   MAX_STREAMS          maximumStreams (0x12 bidi, 0x13 uni)
 *   DATA_BLOCKED         maximumData
 *   STREAM_DATA_BLOCKED  streamId, maximumStreamData
 *   STREAMS_BLOCKED      maximumStreams (0x16 bidi, 0x17 uni)
 *   NEW_CONNECTION_ID    sequenceNumber, retirePriorTo, connectionId, connectionIdLength,
 *                        statelessResetToken (16 bytes)
 *   RETIRE_CONNECTION_ID sequenceNumber
 *   PATH_CHALLENGE/RESP  data (8 bytes), length = 8
 *   CONNECTION_CLOSE     errorCode, errorFrameType (0x1c only), reasonPhrase, reasonPhraseLength
 *   DATAGRAM (0x30/31)   data, length, hasLength
 */
@final
export class QuicFrame {
  frameType: u64 = 0;
  streamId: u64 = 0;
  offset: u64 = 0;
  /** Data bytes of STREAM / CRYPTO / DATAGRAM / PATH_*; run length for PADDING. */
  length: u64 = 0;
  data: usize = 0;
  fin: bool = false;
  /** STREAM LEN bit / DATAGRAM type 0x31: the frame carried a Length field. */
  hasLength: bool = false;

  largestAcknowledged: u64 = 0;
  ackDelay: u64 = 0;
  /** ACK Range Count as received (may exceed what was stored). */
  ackRangeCount: u64 = 0;
  firstAckRange: u64 = 0;
  /** (Gap, ACK Range Length) pairs in wire order: ackRanges[2i], ackRanges[2i+1]. */
  ackRanges: StaticArray<u64>;
  ackRangesStored: i32 = 0;
  /**
   * Policy for more ranges than `maxAckRanges`: all ranges are still parsed
   * and validated (§19.3.1 underflow), only the first `maxAckRanges` (the
   * highest packet numbers, i.e. the most recent) are stored, and this flag is
   * set. Losing older ranges only delays acknowledgment of those packets; the
   * memory is bounded by the cap, never by the input.
   */
  ackRangesTruncated: bool = false;
  /** The smallest packet number the frame acknowledges (after all ranges). */
  smallestAcknowledged: u64 = 0;
  ecnEct0: u64 = 0;
  ecnEct1: u64 = 0;
  ecnCe: u64 = 0;

  errorCode: u64 = 0;
  finalSize: u64 = 0;
  /** RESET_STREAM_AT: bytes below this offset are delivered before the reset. */
  reliableSize: u64 = 0;
  /** CONNECTION_CLOSE 0x1c: the Frame Type field (type of the offending frame). */
  errorFrameType: u64 = 0;
  reasonPhrase: usize = 0;
  reasonPhraseLength: u32 = 0;

  token: usize = 0;
  tokenLength: u32 = 0;

  maximumData: u64 = 0;
  maximumStreamData: u64 = 0;
  maximumStreams: u64 = 0;

  sequenceNumber: u64 = 0;
  retirePriorTo: u64 = 0;
  connectionId: usize = 0;
  connectionIdLength: u32 = 0;
  statelessResetToken: usize = 0;

  /** Why decoding failed (a static string; "" on success). */
  reason: string = "";

  constructor(readonly maxAckRanges: i32 = DEFAULT_MAX_ACK_RANGES) {
    this.ackRanges = new StaticArray<u64>(maxAckRanges < 1 ? 2 : maxAckRanges * 2);
  }

  @inline get capacity(): i32 {
    return this.ackRanges.length >> 1;
  }
}

@inline
function fail(f: QuicFrame, code: u64, reason: string): u64 {
  f.reason = reason;
  return code;
}

/**
 * Decodes one frame at the reader's position into `f`. Returns 0, or the
 * transport error code to close the connection with (f.frameType then holds
 * the offending type, 0 when the type itself could not be read, and f.reason
 * says why). On error the reader's position is unspecified.
 */
export function decodeFrame(r: Reader, f: QuicFrame, packetType: u32): u64 {
  f.reason = "";
  // RFC 9000 §12.4: the Frame Type is a varint that MUST use the shortest
  // encoding; for every type defined so far that is one byte.
  const first = r.peekU8();
  let frameType: u64;
  if (first < 0x40) {
    if (r.atEnd) { f.frameType = 0; return fail(f, FRAME_ENCODING_ERROR, "missing frame type"); }
    r.pos += 1;
    frameType = <u64>first;
  } else {
    frameType = r.varint();
    f.frameType = frameType;
    if (r.failed) { f.frameType = 0; return fail(f, FRAME_ENCODING_ERROR, "truncated frame type"); }
    // §12.4: "An endpoint MAY treat the receipt of a frame type that uses a
    // longer encoding than necessary as a connection error of type
    // PROTOCOL_VIOLATION." We do.
    if (frameType < 0x40 || (frameType < 0x4000 && first >= 0x80) || (frameType < 0x40000000 && first >= 0xc0)) {
      return fail(f, PROTOCOL_VIOLATION, "frame type not minimally encoded");
    }
  }
  f.frameType = frameType;
  // §12.4: "An endpoint MUST treat the receipt of a frame of unknown type as a
  // connection error of type FRAME_ENCODING_ERROR."
  if (!isKnownFrameType(frameType)) return fail(f, FRAME_ENCODING_ERROR, "unknown frame type");
  // §12.4: "An endpoint MUST treat receipt of a frame in a packet type that is
  // not permitted as a connection error of type PROTOCOL_VIOLATION."
  if (!frameAllowedIn(frameType, packetType)) return fail(f, PROTOCOL_VIOLATION, "frame not allowed in this packet type");

  switch (<i32>frameType) {
    case 0x00: { // §19.1 PADDING: coalesce the run of zero bytes.
      let p = r.pos;
      const end = r.end;
      while (p < end && load<u8>(p) == 0) p++;
      f.length = <u64>(p - r.pos) + 1;
      r.pos = p;
      return 0;
    }
    case 0x01: // §19.2 PING
    case 0x1e: // §19.20 HANDSHAKE_DONE
      return 0;
    case 0x02:
    case 0x03:
      return decodeAck(r, f, frameType == FRAME_ACK_ECN);
    case 0x04: // §19.4 RESET_STREAM
      f.streamId = r.varint();
      f.errorCode = r.varint();
      f.finalSize = r.varint();
      break;
    case 0x24: // draft-ietf-quic-reliable-stream-reset §4 RESET_STREAM_AT
      f.streamId = r.varint();
      f.errorCode = r.varint();
      f.finalSize = r.varint();
      f.reliableSize = r.varint();
      if (r.failed) break;
      // §4: "Reliable Size ... MUST be smaller than or equal to the Final Size"; a
      // larger value is a connection error of type FRAME_ENCODING_ERROR.
      if (f.reliableSize > f.finalSize) return fail(f, FRAME_ENCODING_ERROR, "RESET_STREAM_AT reliable size above the final size");
      break;
    case 0x05: // §19.5 STOP_SENDING
      f.streamId = r.varint();
      f.errorCode = r.varint();
      break;
    case 0x06: { // §19.6 CRYPTO
      f.offset = r.varint();
      const len = r.varint();
      if (r.failed) break;
      if (len > <u64>r.remaining) return fail(f, FRAME_ENCODING_ERROR, "CRYPTO data exceeds the packet");
      // §19.6: "The largest offset delivered on a stream -- the sum of the
      // offset and data length -- cannot exceed 2^62-1. Receipt of a frame that
      // exceeds this limit MUST be treated as a connection error of type
      // FRAME_ENCODING_ERROR or CRYPTO_BUFFER_EXCEEDED."
      if (f.offset + len > VARINT_MAX) return fail(f, FRAME_ENCODING_ERROR, "CRYPTO offset + length exceeds 2^62-1");
      f.length = len;
      f.data = r.bytes(<usize>len);
      break;
    }
    case 0x07: { // §19.7 NEW_TOKEN
      const len = r.varint();
      if (r.failed) break;
      // §19.7: "A client MUST treat receipt of a NEW_TOKEN frame with an empty
      // Token field as a connection error of type FRAME_ENCODING_ERROR."
      if (len == 0) return fail(f, FRAME_ENCODING_ERROR, "empty NEW_TOKEN token");
      if (len > <u64>r.remaining) return fail(f, FRAME_ENCODING_ERROR, "NEW_TOKEN token exceeds the packet");
      f.tokenLength = <u32>len;
      f.token = r.bytes(<usize>len);
      break;
    }
    case 0x08: case 0x09: case 0x0a: case 0x0b:
    case 0x0c: case 0x0d: case 0x0e: case 0x0f: { // §19.8 STREAM
      f.streamId = r.varint();
      f.offset = (frameType & STREAM_BIT_OFF) != 0 ? r.varint() : 0;
      f.fin = (frameType & STREAM_BIT_FIN) != 0;
      f.hasLength = (frameType & STREAM_BIT_LEN) != 0;
      let len: u64;
      if (f.hasLength) {
        len = r.varint();
        if (r.failed) break;
        if (len > <u64>r.remaining) return fail(f, FRAME_ENCODING_ERROR, "STREAM data exceeds the packet");
      } else {
        // §19.8: without LEN, "the Stream Data field extends to the end of the packet".
        if (r.failed) break;
        len = <u64>r.remaining;
      }
      // §19.8: "The largest offset delivered on a stream -- the sum of the
      // offset and data length -- cannot exceed 2^62-1 ... Receipt of a frame
      // that exceeds this limit MUST be treated as a connection error of type
      // FRAME_ENCODING_ERROR or FLOW_CONTROL_ERROR."
      if (f.offset + len > VARINT_MAX) return fail(f, FRAME_ENCODING_ERROR, "STREAM offset + length exceeds 2^62-1");
      f.length = len;
      f.data = r.bytes(<usize>len);
      break;
    }
    case 0x10: // §19.9 MAX_DATA
    case 0x14: // §19.12 DATA_BLOCKED
      f.maximumData = r.varint();
      break;
    case 0x11: // §19.10 MAX_STREAM_DATA
    case 0x15: // §19.13 STREAM_DATA_BLOCKED
      f.streamId = r.varint();
      f.maximumStreamData = r.varint();
      break;
    case 0x12: case 0x13: // §19.11 MAX_STREAMS
    case 0x16: case 0x17: // §19.14 STREAMS_BLOCKED
      f.maximumStreams = r.varint();
      if (r.failed) break;
      // §19.11: "This value cannot exceed 2^60 ... Receipt of a frame that
      // permits opening of a stream larger than this limit MUST be treated as
      // a connection error of type FRAME_ENCODING_ERROR." §19.14: the same for
      // STREAMS_BLOCKED ("STREAM_LIMIT_ERROR or FRAME_ENCODING_ERROR").
      if (f.maximumStreams > MAX_STREAMS_LIMIT) return fail(f, FRAME_ENCODING_ERROR, "Maximum Streams exceeds 2^60");
      break;
    case 0x18: { // §19.15 NEW_CONNECTION_ID
      f.sequenceNumber = r.varint();
      f.retirePriorTo = r.varint();
      const len = <u32>r.u8();
      if (r.failed) break;
      // §19.15: "Values less than 1 and greater than 20 are invalid and MUST be
      // treated as a connection error of type FRAME_ENCODING_ERROR."
      if (len < 1 || len > MAX_CID_LEN) return fail(f, FRAME_ENCODING_ERROR, "NEW_CONNECTION_ID length not in 1..20");
      // §19.15: "Receipt of a frame with a Retire Prior To field that is
      // greater than that in the Sequence Number field MUST be treated as a
      // connection error of type FRAME_ENCODING_ERROR."
      if (f.retirePriorTo > f.sequenceNumber) return fail(f, FRAME_ENCODING_ERROR, "Retire Prior To exceeds Sequence Number");
      f.connectionIdLength = len;
      f.connectionId = r.bytes(<usize>len);
      f.statelessResetToken = r.bytes(STATELESS_RESET_TOKEN_LEN);
      break;
    }
    case 0x19: // §19.16 RETIRE_CONNECTION_ID
      f.sequenceNumber = r.varint();
      break;
    case 0x1a: // §19.17 PATH_CHALLENGE
    case 0x1b: // §19.18 PATH_RESPONSE
      f.length = <u64>PATH_DATA_LEN;
      f.data = r.bytes(PATH_DATA_LEN);
      break;
    case 0x1c:
    case 0x1d: { // §19.19 CONNECTION_CLOSE
      f.errorCode = r.varint();
      f.errorFrameType = frameType == FRAME_CONNECTION_CLOSE ? r.varint() : 0;
      const len = r.varint();
      if (r.failed) break;
      if (len > <u64>r.remaining) return fail(f, FRAME_ENCODING_ERROR, "reason phrase exceeds the packet");
      f.reasonPhraseLength = <u32>len;
      f.reasonPhrase = r.bytes(<usize>len);
      break;
    }
    case 0x30: // RFC 9221 §4 DATAGRAM without Length: data to the end of the packet
      f.hasLength = false;
      f.length = <u64>r.remaining;
      f.data = r.bytes(r.remaining);
      break;
    case 0x31: { // RFC 9221 §4 DATAGRAM with Length
      f.hasLength = true;
      const len = r.varint();
      if (r.failed) break;
      if (len > <u64>r.remaining) return fail(f, FRAME_ENCODING_ERROR, "DATAGRAM data exceeds the packet");
      f.length = len;
      f.data = r.bytes(<usize>len);
      break;
    }
    default:
      return fail(f, FRAME_ENCODING_ERROR, "unknown frame type");
  }
  // A frame that ends before its fields do is malformed (§12.4, §19).
  if (r.failed) return fail(f, FRAME_ENCODING_ERROR, "truncated frame");
  return 0;
}

/** §19.3 ACK / ACK_ECN, with the §19.3.1 range arithmetic checked. */
function decodeAck(r: Reader, f: QuicFrame, ecn: bool): u64 {
  const largest = r.varint();
  f.largestAcknowledged = largest;
  f.ackDelay = r.varint();
  const count = r.varint();
  f.ackRangeCount = count;
  const firstRange = r.varint();
  f.firstAckRange = firstRange;
  f.ackRangesStored = 0;
  f.ackRangesTruncated = false;
  if (r.failed) return fail(f, FRAME_ENCODING_ERROR, "truncated ACK frame");
  // §19.3.1: "If any computed packet number is negative, an endpoint MUST
  // generate a connection error of type FRAME_ENCODING_ERROR."
  if (firstRange > largest) return fail(f, FRAME_ENCODING_ERROR, "First ACK Range exceeds Largest Acknowledged");
  let smallest = largest - firstRange;
  // Each range takes at least two bytes: a count larger than that is a lie,
  // caught before looping over it.
  if (count > <u64>(r.remaining >> 1)) return fail(f, FRAME_ENCODING_ERROR, "ACK Range Count exceeds the frame");
  const cap = f.capacity;
  const ranges = f.ackRanges;
  const n = <i32>count;
  for (let i = 0; i < n; i++) {
    const gap = r.varint();
    const len = r.varint();
    if (r.failed) return fail(f, FRAME_ENCODING_ERROR, "truncated ACK range");
    // §19.3.1: largest = previous_smallest - gap - 2; smallest = largest - ack_range.
    if (smallest < 2 || gap > smallest - 2) return fail(f, FRAME_ENCODING_ERROR, "ACK range gap underflows");
    const rangeLargest = smallest - gap - 2;
    if (len > rangeLargest) return fail(f, FRAME_ENCODING_ERROR, "ACK range length underflows");
    smallest = rangeLargest - len;
    if (i < cap) {
      unchecked(ranges[i << 1] = gap);
      unchecked(ranges[(i << 1) + 1] = len);
      f.ackRangesStored = i + 1;
    } else {
      f.ackRangesTruncated = true;
    }
  }
  f.smallestAcknowledged = smallest;
  if (ecn) {
    // §19.3.2: ECN counts follow the ranges in type 0x03.
    f.ecnEct0 = r.varint();
    f.ecnEct1 = r.varint();
    f.ecnCe = r.varint();
  } else {
    f.ecnEct0 = 0;
    f.ecnEct1 = 0;
    f.ecnCe = 0;
  }
  if (r.failed) return fail(f, FRAME_ENCODING_ERROR, "truncated ACK frame");
  return 0;
}
