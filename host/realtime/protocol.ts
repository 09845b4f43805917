// The realtime wire protocol (docs/realtime-protocol.md): the frames both
// the hub (host/realtime/) and the browser client (host/realtime/client/)
// speak, their validation, and the length-prefixed framing used on
// WebTransport streams. Browser-safe: no Node APIs.

/** A frame larger than this is a protocol error (docs/realtime-protocol.md "Frames"). */
export const MAX_FRAME = 1 << 20;
export const MAX_CLIENT_ID = 64;

export interface HelloFrame { t: 'hello'; clientId: string; lastSeq: number }
export interface WelcomeFrame { t: 'welcome'; userId: string; connectionId: string; lastSeq: number }
export interface MsgFrame { t: 'msg'; seq: number; type: string; room?: string; body?: unknown }
export interface AckFrame { t: 'ack'; seq: number }
export interface DeliverFrame { t: 'deliver'; seq: number; from: string; type: string; room?: string; body?: unknown; ts: number }
export interface PingFrame { t: 'ping' | 'pong'; ts: number }
export interface ErrorFrame { t: 'error'; code: string; message: string }
export type Frame = HelloFrame | WelcomeFrame | MsgFrame | AckFrame | DeliverFrame | PingFrame | ErrorFrame;

/** A frame that breaks docs/realtime-protocol.md; `code` is what an `error` frame names. */
export class ProtocolError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isSeq = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const optStr = (v: unknown, max: number) => v === undefined || isStr(v, max);

/** Checks one parsed frame's shape; throws ProtocolError('bad_frame') naming what is wrong. */
export function validateFrame(v: unknown): Frame {
  const bad = (why: string): never => { throw new ProtocolError('bad_frame', why); };
  if (!isObj(v)) return bad('a frame must be a JSON object');
  switch (v.t) {
    case 'hello':
      if (!isStr(v.clientId, MAX_CLIENT_ID)) bad(`hello.clientId must be a string of 1-${MAX_CLIENT_ID} characters`);
      if (!isSeq(v.lastSeq, 0)) bad('hello.lastSeq must be an integer ≥ 0');
      break;
    case 'welcome':
      if (!isStr(v.userId, 256) || !isStr(v.connectionId, 256) || !isSeq(v.lastSeq, 0)) bad('welcome needs userId, connectionId and lastSeq');
      break;
    case 'msg':
      if (!isSeq(v.seq, 1)) bad('msg.seq must be an integer ≥ 1');
      if (!isStr(v.type, 64)) bad('msg.type must be a string of 1-64 characters');
      if (!optStr(v.room, 256)) bad('msg.room must be a string of 1-256 characters');
      break;
    case 'ack':
      if (!isSeq(v.seq, 0)) bad('ack.seq must be an integer ≥ 0');
      break;
    case 'deliver':
      if (!isSeq(v.seq, 1) || !isStr(v.type, 64) || typeof v.from !== 'string' || !isSeq(v.ts, 0) || !optStr(v.room, 256)) bad('deliver needs seq, from, type and ts');
      break;
    case 'ping': case 'pong':
      if (typeof v.ts !== 'number' || !Number.isFinite(v.ts)) bad(`${v.t}.ts must be a number`);
      break;
    case 'error':
      if (typeof v.code !== 'string' || typeof v.message !== 'string') bad('error needs code and message');
      break;
    default:
      bad(`unknown frame kind ${JSON.stringify(v.t)}`);
  }
  return v as unknown as Frame;
}

const utf8e = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/** One frame as JSON text (WebSocket messages). */
export function encodeText(f: Frame): string {
  return JSON.stringify(f);
}

/** A WebSocket message or datagram's text/bytes → a validated frame. */
export function decodeText(data: string | Uint8Array): Frame {
  if (typeof data !== 'string') {
    if (data.length > MAX_FRAME) throw new ProtocolError('bad_frame', `a frame of ${data.length} bytes is over ${MAX_FRAME}`);
    try { data = utf8d.decode(data); } catch { throw new ProtocolError('bad_frame', 'a frame must be UTF-8'); }
  }
  if (data.length > MAX_FRAME) throw new ProtocolError('bad_frame', `a frame is over ${MAX_FRAME} bytes`);
  let v: unknown;
  try { v = JSON.parse(data); } catch { throw new ProtocolError('bad_frame', 'a frame must be JSON'); }
  return validateFrame(v);
}

/** One frame with its 4-byte big-endian length (WebTransport streams). */
export function encodeFramed(f: Frame): Uint8Array {
  const json = utf8e.encode(JSON.stringify(f));
  if (json.length > MAX_FRAME) throw new ProtocolError('bad_frame', `a frame of ${json.length} bytes is over ${MAX_FRAME}`);
  const out = new Uint8Array(4 + json.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  return out;
}

/**
 * Reassembles length-prefixed frames from a stream's chunks, whatever their
 * boundaries; holds at most one frame (≤ MAX_FRAME) plus its prefix.
 */
export class FrameReader {
  #buf = new Uint8Array(0);

  /** The frames completed by `chunk`; throws ProtocolError on a bad or oversized frame. */
  push(chunk: Uint8Array): Frame[] {
    const buf = new Uint8Array(this.#buf.length + chunk.length);
    buf.set(this.#buf);
    buf.set(chunk, this.#buf.length);
    const out: Frame[] = [];
    let at = 0;
    for (;;) {
      if (buf.length - at < 4) break;
      const len = new DataView(buf.buffer, buf.byteOffset + at, 4).getUint32(0);
      if (len > MAX_FRAME) throw new ProtocolError('bad_frame', `a frame of ${len} bytes is over ${MAX_FRAME}`);
      if (buf.length - at - 4 < len) break;
      out.push(decodeText(buf.subarray(at + 4, at + 4 + len)));
      at += 4 + len;
    }
    this.#buf = buf.slice(at);
    return out;
  }

  /** Bytes of an incomplete frame held (a stream that ends with some is truncated). */
  get pending(): number { return this.#buf.length; }
}
