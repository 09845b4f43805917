// QUIC frame encoder (RFC 9000 §19, RFC 9221 §4): writes the frame described
// by a `QuicFrame` record (same fields as the decoder fills, see frame.ts)
// into a `Writer`. Fixed-mode writers make it a packet builder: a frame that
// does not fit sets `w.overflow` and the caller backs out (w.len = saved).
//
// The encoder emits the canonical form: single-byte frame types, shortest
// varints, the OFF bit only for a non-zero offset. It refuses (returns an
// error code, writes nothing useful) frames that a receiver would reject:
// values above 2^62-1, stream counts above 2^60, CID lengths outside 1..20,
// ACK ranges that underflow, empty NEW_TOKEN tokens, a RESET_STREAM_AT
// reliable size above its final size.

import { Writer } from "../wire/writer";
import { VARINT_MAX } from "../wire/varint";
import {
  QuicFrame, FRAME_ACK_ECN, FRAME_CONNECTION_CLOSE,
  STREAM_BIT_OFF, STREAM_BIT_LEN, STREAM_BIT_FIN, FRAME_STREAM, FRAME_DATAGRAM, FRAME_DATAGRAM_LEN,
  MAX_STREAMS_LIMIT, STATELESS_RESET_TOKEN_LEN, PATH_DATA_LEN, isKnownFrameType,
} from "./frame";
import { FRAME_ENCODING_ERROR, INTERNAL_ERROR } from "./errors";
import { MAX_CID_LEN } from "./constants";

/** Longest PADDING run encoded in one call (far above any QUIC packet, 65527 bytes). */
export const MAX_PADDING: u64 = 1 << 24;

/**
 * Appends `f` to `w`. A STREAM or DATAGRAM frame with `hasLength` false runs
 * to the end of the packet: the caller puts it last. Returns 0, FRAME_ENCODING_ERROR for field values no
 * receiver would accept, or INTERNAL_ERROR when the writer overflowed (a
 * fixed-size packet buffer that is full).
 */
export function encodeFrame(w: Writer, f: QuicFrame): u64 {
  const t = f.frameType;
  if (!isKnownFrameType(t)) return FRAME_ENCODING_ERROR;
  switch (<i32>t) {
    case 0x00: { // §19.1 PADDING: `length` zero bytes (at least one, at most MAX_PADDING)
      if (f.length == 0 || f.length > MAX_PADDING) return FRAME_ENCODING_ERROR;
      w.fill(0, <usize>f.length);
      break;
    }
    case 0x01: case 0x1e: // PING, HANDSHAKE_DONE
      w.u8(<u32>t);
      break;
    case 0x02: case 0x03: { // §19.3 ACK
      const stored = f.ackRangesStored;
      if (stored < 0 || stored > f.capacity) return FRAME_ENCODING_ERROR;
      // §19.3.1: every computed packet number must stay >= 0.
      if (f.firstAckRange > f.largestAcknowledged) return FRAME_ENCODING_ERROR;
      let smallest = f.largestAcknowledged - f.firstAckRange;
      const ranges = f.ackRanges;
      for (let i = 0; i < stored; i++) {
        const gap = unchecked(ranges[i << 1]);
        const len = unchecked(ranges[(i << 1) + 1]);
        if (smallest < 2 || gap > smallest - 2) return FRAME_ENCODING_ERROR;
        const largest = smallest - gap - 2;
        if (len > largest) return FRAME_ENCODING_ERROR;
        smallest = largest - len;
      }
      w.u8(<u32>t);
      w.varint(f.largestAcknowledged);
      w.varint(f.ackDelay);
      w.varint(<u64>stored);
      w.varint(f.firstAckRange);
      for (let i = 0; i < stored; i++) {
        w.varint(unchecked(ranges[i << 1]));
        w.varint(unchecked(ranges[(i << 1) + 1]));
      }
      if (t == FRAME_ACK_ECN) {
        w.varint(f.ecnEct0);
        w.varint(f.ecnEct1);
        w.varint(f.ecnCe);
      }
      break;
    }
    case 0x04: // §19.4 RESET_STREAM
      w.u8(<u32>t);
      w.varint(f.streamId);
      w.varint(f.errorCode);
      w.varint(f.finalSize);
      break;
    case 0x24: // draft-ietf-quic-reliable-stream-reset §4 RESET_STREAM_AT
      if (f.reliableSize > f.finalSize) return FRAME_ENCODING_ERROR;
      w.u8(<u32>t);
      w.varint(f.streamId);
      w.varint(f.errorCode);
      w.varint(f.finalSize);
      w.varint(f.reliableSize);
      break;
    case 0x05: // §19.5 STOP_SENDING
      w.u8(<u32>t);
      w.varint(f.streamId);
      w.varint(f.errorCode);
      break;
    case 0x06: // §19.6 CRYPTO
      if (f.offset + f.length > VARINT_MAX || f.length > VARINT_MAX) return FRAME_ENCODING_ERROR;
      w.u8(<u32>t);
      w.varint(f.offset);
      w.varint(f.length);
      w.bytes(f.data, <usize>f.length);
      break;
    case 0x07: // §19.7 NEW_TOKEN: the token MUST NOT be empty
      if (f.tokenLength == 0) return FRAME_ENCODING_ERROR;
      w.u8(<u32>t);
      w.varint(<u64>f.tokenLength);
      w.bytes(f.token, <usize>f.tokenLength);
      break;
    case 0x08: case 0x09: case 0x0a: case 0x0b:
    case 0x0c: case 0x0d: case 0x0e: case 0x0f: { // §19.8 STREAM
      if (f.length > VARINT_MAX || f.offset + f.length > VARINT_MAX) return FRAME_ENCODING_ERROR;
      let type = FRAME_STREAM;
      if (f.offset != 0) type |= STREAM_BIT_OFF;
      if (f.hasLength) type |= STREAM_BIT_LEN;
      if (f.fin) type |= STREAM_BIT_FIN;
      w.u8(<u32>type);
      w.varint(f.streamId);
      if (f.offset != 0) w.varint(f.offset);
      if (f.hasLength) w.varint(f.length);
      w.bytes(f.data, <usize>f.length);
      break;
    }
    case 0x10: case 0x14: // MAX_DATA, DATA_BLOCKED
      w.u8(<u32>t);
      w.varint(f.maximumData);
      break;
    case 0x11: case 0x15: // MAX_STREAM_DATA, STREAM_DATA_BLOCKED
      w.u8(<u32>t);
      w.varint(f.streamId);
      w.varint(f.maximumStreamData);
      break;
    case 0x12: case 0x13: case 0x16: case 0x17: // MAX_STREAMS, STREAMS_BLOCKED (§19.11, §19.14)
      if (f.maximumStreams > MAX_STREAMS_LIMIT) return FRAME_ENCODING_ERROR;
      w.u8(<u32>t);
      w.varint(f.maximumStreams);
      break;
    case 0x18: // §19.15 NEW_CONNECTION_ID
      if (f.connectionIdLength < 1 || f.connectionIdLength > MAX_CID_LEN) return FRAME_ENCODING_ERROR;
      if (f.retirePriorTo > f.sequenceNumber) return FRAME_ENCODING_ERROR;
      w.u8(<u32>t);
      w.varint(f.sequenceNumber);
      w.varint(f.retirePriorTo);
      w.u8(f.connectionIdLength);
      w.bytes(f.connectionId, <usize>f.connectionIdLength);
      w.bytes(f.statelessResetToken, STATELESS_RESET_TOKEN_LEN);
      break;
    case 0x19: // §19.16 RETIRE_CONNECTION_ID
      w.u8(<u32>t);
      w.varint(f.sequenceNumber);
      break;
    case 0x1a: case 0x1b: // PATH_CHALLENGE, PATH_RESPONSE: 8 bytes of data
      w.u8(<u32>t);
      w.bytes(f.data, PATH_DATA_LEN);
      break;
    case 0x1c: case 0x1d: // §19.19 CONNECTION_CLOSE
      w.u8(<u32>t);
      w.varint(f.errorCode);
      if (t == FRAME_CONNECTION_CLOSE) w.varint(f.errorFrameType);
      w.varint(<u64>f.reasonPhraseLength);
      w.bytes(f.reasonPhrase, <usize>f.reasonPhraseLength);
      break;
    case 0x30: case 0x31: // RFC 9221 §4 DATAGRAM
      if (f.length > VARINT_MAX) return FRAME_ENCODING_ERROR;
      w.u8(<u32>(f.hasLength ? FRAME_DATAGRAM_LEN : FRAME_DATAGRAM));
      if (f.hasLength) w.varint(f.length);
      w.bytes(f.data, <usize>f.length);
      break;
    default:
      return FRAME_ENCODING_ERROR;
  }
  return w.overflow ? INTERNAL_ERROR : 0;
}
