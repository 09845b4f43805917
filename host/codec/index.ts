// `h3-wasi/codec`: the wire codecs of the engine, for tools and tests.
//
// QUIC frames (RFC 9000 §19, RFC 9221) and HTTP/3 frames (RFC 9114 §7) as
// typed objects. One call per packet payload / buffer: the core returns compact
// records (layout in wit/codec.wit) that are turned into objects here. Byte
// fields of decoded frames (`data`, `token`, ...) are views into the input
// (`subarray`), not copies: copy them if the input buffer is reused.
import { codec } from '../core/engine.js';
import { QuicFrameRec as Q, AckRangeRec as R, H3FrameRec as H, SettingRec as S, H3EventRec as E, readQuicFrame, readAckRange, readH3Frame, readSetting, readH3Event } from '../core/gen/records.js';
import { Owned } from '../core/owned.js';
import { callEngine, componentPayload } from '../core/call.js';
import { rethrowCodec, type WitCodecError } from './rethrow.js';
import { InvalidArgumentError } from '../errors.js';
import { boolArg, bytesArg, bigintArg, describe, enumArg, intArg, U64_MAX, VARINT_MAX } from '../args.js';

/** RFC 9000 §16: shortest varint encoding of `value` (0..2^62-1). */
export function encodeVarint(value: bigint | number): Uint8Array {
  const v = bigintArg('value', value, 0n, VARINT_MAX);
  try {
    return codec.varintEncode(v);
  } catch (e) {
    rethrowCodec(e);
  }
}

/** RFC 9000 §16: decodes the varint at the start of `bytes`. */
export function decodeVarint(bytes: Uint8Array): { value: bigint; length: number } {
  bytesArg('bytes', bytes);
  try {
    return codec.varintDecode(bytes);
  } catch (e) {
    rethrowCodec(e);
  }
}

// ---- error codes ----------------------------------------------------------------

/** RFC 9000 §20.1 transport error codes used by the frame decoder. */
export const QuicError = {
  NO_ERROR: 0x00n, INTERNAL_ERROR: 0x01n, FLOW_CONTROL_ERROR: 0x03n, STREAM_LIMIT_ERROR: 0x04n,
  FRAME_ENCODING_ERROR: 0x07n, PROTOCOL_VIOLATION: 0x0an, CRYPTO_BUFFER_EXCEEDED: 0x0dn,
} as const;

/** RFC 9114 §8.1 error codes used by the HTTP/3 frame decoder. */
export const H3Error = {
  H3_INTERNAL_ERROR: 0x102n, H3_FRAME_UNEXPECTED: 0x105n, H3_FRAME_ERROR: 0x106n,
  H3_EXCESSIVE_LOAD: 0x107n, H3_SETTINGS_ERROR: 0x109n, H3_MISSING_SETTINGS: 0x10an,
} as const;

// ---- QUIC frames ------------------------------------------------------------------

/** RFC 9000 §12.4: the packet types whose payloads carry frames. */
export type PacketType = 'initial' | '0rtt' | 'handshake' | '1rtt';
const PACKET_TYPES: Record<PacketType, number> = { initial: 0, '0rtt': 1, handshake: 2, '1rtt': 3 };

export interface AckRange { gap: bigint; ackRangeLength: bigint }

/** A QUIC frame (RFC 9000 §19 field names). */
export type QuicFrame =
  | { type: 'padding'; length: number }
  | { type: 'ping' }
  | {
      type: 'ack'; largestAcknowledged: bigint; ackDelay: bigint; firstAckRange: bigint; ackRanges: AckRange[];
      /** ACK_ECN (type 0x03) only. */
      ecn?: { ect0: bigint; ect1: bigint; ce: bigint };
      /** Set when the frame had more ranges than the decoder keeps (1024); the rest were validated and dropped. */
      truncated?: true;
    }
  | { type: 'resetStream'; streamId: bigint; errorCode: bigint; finalSize: bigint }
  /** draft-ietf-quic-reliable-stream-reset §4 (type 0x24): bytes below reliableSize are delivered before the reset. */
  | { type: 'resetStreamAt'; streamId: bigint; errorCode: bigint; finalSize: bigint; reliableSize: bigint }
  | { type: 'stopSending'; streamId: bigint; errorCode: bigint }
  | { type: 'crypto'; offset: bigint; data: Uint8Array }
  | { type: 'newToken'; token: Uint8Array }
  | {
      type: 'stream'; streamId: bigint; offset: bigint; fin: boolean; data: Uint8Array;
      /** The LEN bit (default true when encoding; a frame without it runs to the end of the packet). */
      hasLength?: boolean;
    }
  | { type: 'maxData'; maximumData: bigint }
  | { type: 'maxStreamData'; streamId: bigint; maximumStreamData: bigint }
  | { type: 'maxStreams'; bidirectional: boolean; maximumStreams: bigint }
  | { type: 'dataBlocked'; maximumData: bigint }
  | { type: 'streamDataBlocked'; streamId: bigint; maximumStreamData: bigint }
  | { type: 'streamsBlocked'; bidirectional: boolean; maximumStreams: bigint }
  | { type: 'newConnectionId'; sequenceNumber: bigint; retirePriorTo: bigint; connectionId: Uint8Array; statelessResetToken: Uint8Array }
  | { type: 'retireConnectionId'; sequenceNumber: bigint }
  | { type: 'pathChallenge'; data: Uint8Array }
  | { type: 'pathResponse'; data: Uint8Array }
  | {
      type: 'connectionClose'; application: boolean; errorCode: bigint;
      /** Transport close (0x1c) only: the type of the frame that caused the error. */
      frameType?: bigint;
      reasonPhrase: Uint8Array;
    }
  | { type: 'handshakeDone' }
  | { type: 'datagram'; data: Uint8Array; hasLength?: boolean };

const EMPTY = new Uint8Array(0);

/** A packet type by name, or its number (0 Initial, 1 0-RTT, 2 Handshake, 3 1-RTT). */
function packetTypeCode(t: PacketType | number): number {
  if (typeof t === 'number') return enumArg('packetType', t, [0, 1, 2, 3]);
  return PACKET_TYPES[enumArg('packetType', t, Object.keys(PACKET_TYPES) as PacketType[])];
}

/**
 * Record bytes the core writes per decode call (wit/codec.wit "Bounded
 * output"): the wrappers below call again with the rest of the input until
 * it is consumed, so the core's memory does not grow with the frame count.
 */
const RECORD_BUDGET = 256 * 1024;

/**
 * Calls `step(rest)` on `input` from offset 0 until the core has consumed
 * all of it (at least once, for an empty input); error offsets are made
 * relative to `input` again (`signed`: the offset is an s32, see h3-parser-feed).
 */
function inBatches(input: Uint8Array, signed: boolean, step: (rest: Uint8Array, base: number) => { consumed: number }): void {
  let base = 0;
  do {
    let r: { consumed: number };
    try {
      r = step(base === 0 ? input : input.subarray(base), base);
    } catch (e) {
      const payload = componentPayload(e)?.payload as WitCodecError | undefined;
      if (payload && typeof payload.code === 'bigint') {
        payload.offset = signed ? Math.max(0, base + (payload.offset | 0)) : base + payload.offset;
      }
      rethrowCodec(e);
    }
    if (r.consumed === 0 && base < input.length) throw new Error('codec: decoder made no progress');
    base += r.consumed;
  } while (base < input.length);
}

/** Decodes one QUIC packet payload (RFC 9000 §12.4) into frames; throws CodecError with the transport error code. */
export function decodeQuicFrames(packetType: PacketType | number, payload: Uint8Array): QuicFrame[] {
  const out: QuicFrame[] = [];
  const pt = packetTypeCode(packetType);
  bytesArg('payload', payload);
  inBatches(payload, false, (rest, base) => {
    const r = codec.decodeQuicFrames(pt, rest, RECORD_BUDGET);
    parseQuicRecords(r.records, payload, base, out);
    return r;
  });
  return out;
}

function parseQuicRecords(rec: Uint8Array, input: Uint8Array, base = 0, out: QuicFrame[] = []): QuicFrame[] {
  const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  let p = 0;
  while (p + Q.SIZE <= rec.length) {
    const r = readQuicFrame(v, p);
    const t = Number(r.frameType);
    const fs = [r.f0, r.f1, r.f2, r.f3, r.f4, r.f5, r.f6, r.f7];
    const f = (i: number) => fs[i];
    const dOff = base + r.dataOff;
    const dLen = r.dataLen;
    const count = r.count;
    const data = () => input.subarray(dOff, dOff + dLen);
    let frame: QuicFrame;
    switch (t) {
      case 0x00: frame = { type: 'padding', length: Number(f(0)) }; break;
      case 0x01: frame = { type: 'ping' }; break;
      case 0x02: case 0x03: {
        const ackRanges: AckRange[] = [];
        for (let i = 0; i < count; i++) {
          ackRanges.push(readAckRange(v, p + Q.SIZE + R.SIZE * i));
        }
        const ack: QuicFrame = { type: 'ack', largestAcknowledged: f(0), ackDelay: f(1), firstAckRange: f(3), ackRanges };
        if (t === 0x03) ack.ecn = { ect0: f(4), ect1: f(5), ce: f(6) };
        if (r.flags & 1) ack.truncated = true;
        frame = ack;
        break;
      }
      case 0x04: frame = { type: 'resetStream', streamId: f(0), errorCode: f(1), finalSize: f(2) }; break;
      case 0x24: frame = { type: 'resetStreamAt', streamId: f(0), errorCode: f(1), finalSize: f(2), reliableSize: f(3) }; break;
      case 0x05: frame = { type: 'stopSending', streamId: f(0), errorCode: f(1) }; break;
      case 0x06: frame = { type: 'crypto', offset: f(0), data: data() }; break;
      case 0x07: frame = { type: 'newToken', token: data() }; break;
      case 0x10: frame = { type: 'maxData', maximumData: f(0) }; break;
      case 0x11: frame = { type: 'maxStreamData', streamId: f(0), maximumStreamData: f(1) }; break;
      case 0x12: case 0x13: frame = { type: 'maxStreams', bidirectional: t === 0x12, maximumStreams: f(0) }; break;
      case 0x14: frame = { type: 'dataBlocked', maximumData: f(0) }; break;
      case 0x15: frame = { type: 'streamDataBlocked', streamId: f(0), maximumStreamData: f(1) }; break;
      case 0x16: case 0x17: frame = { type: 'streamsBlocked', bidirectional: t === 0x16, maximumStreams: f(0) }; break;
      case 0x18: {
        const tok = base + Number(f(2));
        frame = { type: 'newConnectionId', sequenceNumber: f(0), retirePriorTo: f(1), connectionId: data(), statelessResetToken: input.subarray(tok, tok + 16) };
        break;
      }
      case 0x19: frame = { type: 'retireConnectionId', sequenceNumber: f(0) }; break;
      case 0x1a: frame = { type: 'pathChallenge', data: data() }; break;
      case 0x1b: frame = { type: 'pathResponse', data: data() }; break;
      case 0x1c: frame = { type: 'connectionClose', application: false, errorCode: f(0), frameType: f(1), reasonPhrase: data() }; break;
      case 0x1d: frame = { type: 'connectionClose', application: true, errorCode: f(0), reasonPhrase: data() }; break;
      case 0x1e: frame = { type: 'handshakeDone' }; break;
      case 0x30: case 0x31: frame = { type: 'datagram', data: data(), hasLength: t === 0x31 }; break;
      default:
        if (t >= 0x08 && t <= 0x0f) {
          frame = { type: 'stream', streamId: f(0), offset: f(1), fin: (t & 1) !== 0, data: data(), hasLength: (t & 2) !== 0 };
          break;
        }
        throw new Error(`codec: unexpected frame record type 0x${t.toString(16)}`);
    }
    out.push(frame);
    p += Q.SIZE + (t === 0x02 || t === 0x03 ? R.SIZE * count : 0);
  }
  return out;
}

/** Collects byte fields into one blob (offsets into it go in the records). */
class Blob {
  parts: Uint8Array[] = [];
  size = 0;
  add(b: Uint8Array): number {
    const at = this.size;
    if (b.length) { this.parts.push(b); this.size += b.length; }
    return at;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const b of this.parts) { out.set(b, o); o += b.length; }
    return out;
  }
}

/**
 * A numeric frame field: a bigint or a safe integer, else InvalidArgumentError.
 * Integers that a u64 record field cannot hold (negative, ≥ 2^64) are clamped
 * to 2^64-1, which the core rejects with CodecError naming the frame.
 */
function u64(name: string, x: unknown): bigint {
  let b: bigint;
  if (typeof x === 'bigint') b = x;
  else if (typeof x === 'number' && Number.isSafeInteger(x)) b = BigInt(x);
  else throw new InvalidArgumentError(name, `must be a bigint or a safe integer, got ${describe(x)}`);
  return b < 0n || b > U64_MAX ? U64_MAX : b;
}

/** A frame object: a non-null object whose `type` is a string. */
function frameArg(where: string, f: unknown): void {
  if (f === null || typeof f !== 'object' || typeof (f as { type?: unknown }).type !== 'string') {
    throw new InvalidArgumentError(where, `must be a frame object with a string 'type', got ${describe(f)}`);
  }
}

function framesArg(frames: unknown): unknown[] {
  if (!Array.isArray(frames)) throw new InvalidArgumentError('frames', `must be an array of frames, got ${describe(frames)}`);
  frames.forEach((f, i) => frameArg(`frames[${i}]`, f));
  return frames;
}

function quicRecord(frame: QuicFrame, blob: Blob, where: string): Uint8Array {
  const f = frame as unknown as Record<string, unknown>;
  const ranges = frame.type === 'ack' ? ackRangesArg(`${where}.ackRanges`, frame.ackRanges) : [];
  const rec = new Uint8Array(Q.SIZE + R.SIZE * ranges.length);
  const v = new DataView(rec.buffer);
  let t: number;
  /** Record field i from the frame's field `name`. */
  const set = (i: number, name: string, x: unknown = f[name]) => v.setBigUint64(Q.F0 + 8 * i, u64(`${where}.${name}`, x), true);
  const data = (name: string) => {
    const b = bytesArg(`${where}.${name}`, f[name]);
    v.setUint32(Q.DATA_OFF, blob.add(b), true); v.setUint32(Q.DATA_LEN, b.length, true);
  };
  switch (frame.type) {
    case 'padding': t = 0x00; set(0, 'length'); break;
    case 'ping': t = 0x01; break;
    case 'ack': {
      t = frame.ecn ? 0x03 : 0x02;
      set(0, 'largestAcknowledged'); set(1, 'ackDelay'); set(2, 'ackRanges', ranges.length); set(3, 'firstAckRange');
      if (frame.ecn) {
        const ecn = frame.ecn as unknown as Record<string, unknown>;
        set(4, 'ecn.ect0', ecn.ect0); set(5, 'ecn.ect1', ecn.ect1); set(6, 'ecn.ce', ecn.ce);
      }
      v.setUint32(Q.COUNT, ranges.length, true);
      ranges.forEach((r, i) => {
        v.setBigUint64(Q.SIZE + R.SIZE * i + R.GAP, u64(`${where}.ackRanges[${i}].gap`, r.gap), true);
        v.setBigUint64(Q.SIZE + R.SIZE * i + R.ACK_RANGE_LENGTH, u64(`${where}.ackRanges[${i}].ackRangeLength`, r.ackRangeLength), true);
      });
      break;
    }
    case 'resetStream': t = 0x04; set(0, 'streamId'); set(1, 'errorCode'); set(2, 'finalSize'); break;
    case 'resetStreamAt': t = 0x24; set(0, 'streamId'); set(1, 'errorCode'); set(2, 'finalSize'); set(3, 'reliableSize'); break;
    case 'stopSending': t = 0x05; set(0, 'streamId'); set(1, 'errorCode'); break;
    case 'crypto': t = 0x06; set(0, 'offset'); data('data'); break;
    case 'newToken': t = 0x07; data('token'); break;
    case 'stream':
      set(0, 'streamId'); set(1, 'offset'); data('data');
      t = 0x08 | (frame.offset ? 4 : 0) | (frame.hasLength === false ? 0 : 2) | (frame.fin ? 1 : 0);
      break;
    case 'maxData': t = 0x10; set(0, 'maximumData'); break;
    case 'maxStreamData': t = 0x11; set(0, 'streamId'); set(1, 'maximumStreamData'); break;
    case 'maxStreams': t = frame.bidirectional ? 0x12 : 0x13; set(0, 'maximumStreams'); break;
    case 'dataBlocked': t = 0x14; set(0, 'maximumData'); break;
    case 'streamDataBlocked': t = 0x15; set(0, 'streamId'); set(1, 'maximumStreamData'); break;
    case 'streamsBlocked': t = frame.bidirectional ? 0x16 : 0x17; set(0, 'maximumStreams'); break;
    case 'newConnectionId': {
      const token = bytesArg(`${where}.statelessResetToken`, frame.statelessResetToken);
      if (token.length !== 16) throw new InvalidArgumentError(`${where}.statelessResetToken`, `must be 16 bytes, got ${token.length}`);
      t = 0x18; set(0, 'sequenceNumber'); set(1, 'retirePriorTo'); data('connectionId');
      set(2, 'statelessResetToken', blob.add(token));
      break;
    }
    case 'retireConnectionId': t = 0x19; set(0, 'sequenceNumber'); break;
    case 'pathChallenge': t = 0x1a; data('data'); break;
    case 'pathResponse': t = 0x1b; data('data'); break;
    case 'connectionClose':
      t = frame.application ? 0x1d : 0x1c; set(0, 'errorCode'); set(1, 'frameType', frame.frameType ?? 0n); data('reasonPhrase');
      break;
    case 'handshakeDone': t = 0x1e; break;
    case 'datagram': t = frame.hasLength === false ? 0x30 : 0x31; data('data'); break;
    default: throw new InvalidArgumentError(`${where}.type`, `unknown QUIC frame type '${(frame as { type: string }).type}'`);
  }
  v.setBigUint64(Q.FRAME_TYPE, BigInt(t), true);
  return rec;
}

function ackRangesArg(name: string, ranges: unknown): AckRange[] {
  if (!Array.isArray(ranges)) throw new InvalidArgumentError(name, `must be an array of { gap, ackRangeLength }, got ${describe(ranges)}`);
  ranges.forEach((r, i) => {
    if (r === null || typeof r !== 'object') throw new InvalidArgumentError(`${name}[${i}]`, `must be { gap, ackRangeLength }, got ${describe(r)}`);
  });
  return ranges as AckRange[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * Encodes frames in canonical form (shortest varints, OFF bit only for a
 * non-zero offset). Throws CodecError (offset = index of the frame) for frames
 * no receiver would accept.
 */
export function encodeQuicFrames(frames: QuicFrame[]): Uint8Array {
  const blob = new Blob();
  const recs = concat((framesArg(frames) as QuicFrame[]).map((f, i) => quicRecord(f, blob, `frames[${i}]`)));
  try {
    return codec.encodeQuicFrames(recs, blob.bytes());
  } catch (e) {
    rethrowCodec(e);
  }
}

/** RFC 9000 §12.4 Table 3: may `frameType` appear in a packet of `packetType`? */
export function quicFrameAllowed(frameType: bigint | number, packetType: PacketType | number): boolean {
  const t = u64('frameType', frameType), pt = packetTypeCode(packetType);
  return codec.quicFrameAllowed(t, pt);
}

// ---- HTTP/3 frames ------------------------------------------------------------------

/** An HTTP/3 frame (RFC 9114 §7.2). Unknown and reserved types come back as 'unknown'. */
export type H3Frame =
  | { type: 'data'; data: Uint8Array }
  | { type: 'headers'; fieldSection: Uint8Array }
  | { type: 'cancelPush'; pushId: bigint }
  | { type: 'settings'; settings: [bigint, bigint][] }
  | { type: 'pushPromise'; pushId: bigint; fieldSection: Uint8Array }
  | { type: 'goaway'; id: bigint }
  | { type: 'maxPushId'; pushId: bigint }
  | { type: 'unknown'; frameType: bigint; payload: Uint8Array };

export type H3StreamKind = 'any' | 'control' | 'request' | 'push';
const STREAM_KINDS: Record<H3StreamKind, number> = { any: 0, control: 1, request: 2, push: 3 };
const streamKindCode = (k: unknown) => STREAM_KINDS[enumArg('streamKind', k, Object.keys(STREAM_KINDS) as H3StreamKind[])];


function h3FrameOf(t: bigint, a: bigint, data: Uint8Array, settings: [bigint, bigint][]): H3Frame {
  switch (t) {
    case 0x00n: return { type: 'data', data };
    case 0x01n: return { type: 'headers', fieldSection: data };
    case 0x03n: return { type: 'cancelPush', pushId: a };
    case 0x04n: return { type: 'settings', settings };
    case 0x05n: return { type: 'pushPromise', pushId: a, fieldSection: data };
    case 0x07n: return { type: 'goaway', id: a };
    case 0x0dn: return { type: 'maxPushId', pushId: a };
    default: return { type: 'unknown', frameType: t, payload: data };
  }
}

function readPairs(v: DataView, p: number, count: number): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (let i = 0; i < count; i++) {
    const s = readSetting(v, p + S.SIZE * i);
    out.push([s.id, s.value]);
  }
  return out;
}

/** Decodes a buffer of complete HTTP/3 frames; throws CodecError with the H3 error code. */
export function decodeH3Frames(bytes: Uint8Array): H3Frame[] {
  bytesArg('bytes', bytes);
  const out: H3Frame[] = [];
  inBatches(bytes, false, (rest, base) => {
    const r = codec.decodeH3Frames(rest, RECORD_BUDGET);
    parseH3Records(r.records, bytes, base, out);
    return r;
  });
  return out;
}

function parseH3Records(rec: Uint8Array, bytes: Uint8Array, base: number, out: H3Frame[]): void {
  const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  for (let p = 0; p + H.SIZE <= rec.length;) {
    const r = readH3Frame(v, p);
    const dOff = base + r.dataOff;
    out.push(h3FrameOf(r.frameType, r.value, bytes.subarray(dOff, dOff + r.dataLen), readPairs(v, p + H.SIZE, r.count)));
    p += H.SIZE + S.SIZE * r.count;
  }
}

function h3Record(frame: H3Frame, blob: Blob, where: string): Uint8Array {
  const f = frame as unknown as Record<string, unknown>;
  const pairs = frame.type === 'settings' ? settingsArg(`${where}.settings`, frame.settings) : [];
  const rec = new Uint8Array(H.SIZE + S.SIZE * pairs.length);
  const v = new DataView(rec.buffer);
  let t: bigint;
  let a: bigint = 0n;
  let data: Uint8Array = EMPTY;
  const num = (name: string) => u64(`${where}.${name}`, f[name]);
  const bytes = (name: string) => bytesArg(`${where}.${name}`, f[name]);
  switch (frame.type) {
    case 'data': t = 0x00n; data = bytes('data'); break;
    case 'headers': t = 0x01n; data = bytes('fieldSection'); break;
    case 'cancelPush': t = 0x03n; a = num('pushId'); break;
    case 'settings': t = 0x04n; break;
    case 'pushPromise': t = 0x05n; a = num('pushId'); data = bytes('fieldSection'); break;
    case 'goaway': t = 0x07n; a = num('id'); break;
    case 'maxPushId': t = 0x0dn; a = num('pushId'); break;
    case 'unknown': t = num('frameType'); data = bytes('payload'); break;
    default: throw new InvalidArgumentError(`${where}.type`, `unknown HTTP/3 frame type '${(frame as { type: string }).type}'`);
  }
  v.setBigUint64(H.FRAME_TYPE, t, true);
  v.setBigUint64(H.VALUE, a, true);
  v.setUint32(H.DATA_OFF, blob.add(data), true);
  v.setUint32(H.DATA_LEN, data.length, true);
  v.setUint32(H.COUNT, pairs.length, true);
  pairs.forEach(([id, val], i) => {
    v.setBigUint64(H.SIZE + S.SIZE * i + S.ID, u64(`${where}.settings[${i}][0]`, id), true);
    v.setBigUint64(H.SIZE + S.SIZE * i + S.VALUE, u64(`${where}.settings[${i}][1]`, val), true);
  });
  return rec;
}

function settingsArg(name: string, settings: unknown): [bigint, bigint][] {
  if (!Array.isArray(settings)) throw new InvalidArgumentError(name, `must be an array of [id, value] pairs, got ${describe(settings)}`);
  settings.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) throw new InvalidArgumentError(`${name}[${i}]`, `must be an [id, value] pair, got ${describe(p)}`);
  });
  return settings as [bigint, bigint][];
}

/** Encodes HTTP/3 frames; throws CodecError (offset = frame index) for frames a receiver must reject. */
export function encodeH3Frames(frames: H3Frame[]): Uint8Array {
  const blob = new Blob();
  const recs = concat((framesArg(frames) as H3Frame[]).map((f, i) => h3Record(f, blob, `frames[${i}]`)));
  try {
    return codec.encodeH3Frames(recs, blob.bytes());
  } catch (e) {
    rethrowCodec(e);
  }
}

/** RFC 9114 §7.2: may `frameType` appear on a stream of this kind? */
export function h3FrameAllowed(streamKind: H3StreamKind, frameType: bigint | number): boolean {
  const kind = streamKindCode(streamKind), t = u64('frameType', frameType);
  return codec.h3FrameAllowed(kind, t);
}

/** Events of the incremental parser. */
export type H3ParserEvent =
  /**
   * A DATA, HEADERS or PUSH_PROMISE frame begins; `length` bytes follow in
   * 'payload' events (for PUSH_PROMISE: the field section after the Push ID).
   */
  | { kind: 'start'; frameType: bigint; length: bigint; pushId?: bigint }
  /** The next bytes of the current frame's payload (a view into the chunk passed to push()). */
  | { kind: 'payload'; frameType: bigint; data: Uint8Array }
  | { kind: 'end'; frameType: bigint }
  /** A complete control frame (CANCEL_PUSH, SETTINGS, GOAWAY, MAX_PUSH_ID). */
  | { kind: 'frame'; frame: H3Frame };

/** The largest control frame (SETTINGS, ...) a parser may be told to buffer: 1 MiB. */
export const MAX_CONTROL_FRAME = 1 << 20;

/**
 * RFC 9114 §7.1: parses the HTTP/3 frames of one stream, fed in chunks split
 * anywhere. Payloads of DATA/HEADERS/PUSH_PROMISE are passed through as they
 * arrive, never buffered; control frames are buffered up to `maxControlFrame`
 * bytes. With a stream kind, the §7.2 / §6.2.1 rules apply (SETTINGS first on
 * the control stream, frames not allowed on the stream → H3_FRAME_UNEXPECTED).
 */
export class H3FrameParser {
  readonly #h: Owned;
  constructor(streamKind: H3StreamKind = 'any', maxControlFrame = 4096) {
    const kind = streamKindCode(streamKind);
    const max = intArg('maxControlFrame', maxControlFrame, 1, MAX_CONTROL_FRAME);
    this.#h = new Owned(this, callEngine(() => codec.h3ParserNew(kind, max)), codec.h3ParserFree, 'H3FrameParser');
  }

  /** Feeds the next chunk; `fin` when the stream ends after it. Throws CodecError. */
  push(chunk: Uint8Array, fin = false): H3ParserEvent[] {
    const h = this.#h.handle;
    bytesArg('chunk', chunk);
    boolArg('fin', fin);
    const out: H3ParserEvent[] = [];
    inBatches(chunk, true, (rest, base) => {
      const r = codec.h3ParserFeed(h, rest, fin, RECORD_BUDGET);
      parseEvents(r.records, chunk, base, out);
      return r;
    });
    return out;
  }

  /** Frees the parser in the core. */
  close(): void {
    this.#h.close();
  }
}

function parseEvents(rec: Uint8Array, chunk: Uint8Array, base: number, out: H3ParserEvent[]): void {
    const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    for (let p = 0; p + E.SIZE <= rec.length;) {
      const e = readH3Event(v, p);
      const kind = e.kind, count = e.count, t = e.frameType, a = e.a;
      switch (kind) {
        case 1: {
          const ev: H3ParserEvent = { kind: 'start', frameType: t, length: a };
          if (t === 0x05n) ev.pushId = e.b;
          out.push(ev);
          break;
        }
        case 2: {
          const off = base + e.dataOff;
          out.push({ kind: 'payload', frameType: t, data: chunk.subarray(off, off + e.dataLen) });
          break;
        }
        case 3: out.push({ kind: 'end', frameType: t }); break;
        case 4: out.push({ kind: 'frame', frame: h3FrameOf(t, a, EMPTY, readPairs(v, p + E.SIZE, count)) }); break;
      }
      p += E.SIZE + S.SIZE * count;
    }
}

// ---- transport parameters (RFC 9000 §18): see transport-params.ts ------------------------
export { encodeTransportParams, decodeTransportParams } from './transport-params.js';
export type { TransportParams, DecodedTransportParams, PreferredAddress, TransportParamsOptions } from './transport-params.js';
