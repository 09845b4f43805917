// SCAFFOLDING: just enough HTTP/3 (RFC 9114) by hand over h3-wasi/quic to run
// QUIC-level interop against ngtcp2's HTTP/3 programs before our HTTP/3 layer
// exists. The real layer (assembly/h3/, host/http3/) replaces this: the ngtcp2
// interop moved to it (tests/peers/ngtcp2_h3.test.ts); once tshark.test.ts
// does too, this file goes.
//
// Both sides: a control stream with an empty SETTINGS frame (§6.2.1, §7.2.4;
// so QPACK's dynamic table stays off: RFC 9204 §3.2.3 capacity 0) and the two
// QPACK streams (RFC 9204 §4.2), never closed (§6.2.1: closing a critical
// stream is H3_CLOSED_CRITICAL_STREAM). The peer's unidirectional streams are
// read to their end; its control stream's SETTINGS are kept. Field sections
// go through host/qpack (static table and literals), frames through
// host/codec (encodeH3Frames, H3FrameParser).
import crypto from 'node:crypto';
import { encodeH3Frames, H3FrameParser } from '../../host/codec/index.js';
import { QpackDecoder, QpackEncoder, type Field } from '../../host/qpack/index.js';
import type { QuicConnection, QuicBidirectionalStream } from '../../host/quic/index.js';

/** RFC 9114 §6.2 / RFC 9204 §4.2 unidirectional stream types. */
const CONTROL = 0x00, QPACK_ENCODER = 0x02, QPACK_DECODER = 0x03;
const HEADERS = 0x01n, DATA = 0x00n;

export interface H3Peer {
  /** The peer's SETTINGS (§7.2.4), once its control stream delivered them. */
  settings: Promise<[bigint, bigint][]>;
  /** Types of the unidirectional streams the peer opened (§6.2). */
  uniTypes: bigint[];
}

/** Opens our control and QPACK streams and reads the peer's unidirectional streams. */
async function openCriticalStreams(conn: QuicConnection): Promise<H3Peer> {
  const uniTypes: bigint[] = [];
  let gotSettings!: (s: [bigint, bigint][]) => void;
  const settings = new Promise<[bigint, bigint][]>((resolve) => { gotSettings = resolve; });
  void (async () => {
    const r = conn.incomingUnidirectionalStreams.getReader();
    for (;;) {
      const { value, done } = await r.read().catch(() => ({ value: undefined, done: true as const }));
      if (done || !value) return;
      void readPeerUni(value, uniTypes, gotSettings).catch(() => {});
    }
  })();
  const open = async (type: number, body: Uint8Array) => {
    const w = (await conn.createUnidirectionalStream()).getWriter();
    void w.write(Uint8Array.from([type, ...body])).catch(() => {});
    w.releaseLock(); // left open for the connection's lifetime
  };
  await open(CONTROL, encodeH3Frames([{ type: 'settings', settings: [] }]));
  await open(QPACK_ENCODER, new Uint8Array(0));
  await open(QPACK_DECODER, new Uint8Array(0));
  return { settings, uniTypes };
}

/** RFC 9000 §16: the length of the varint whose first byte is `b`. */
const varintLength = (b: number) => 1 << (b >> 6);

function readVarint(b: Uint8Array): bigint {
  let v = BigInt(b[0]! & 0x3f);
  for (let i = 1; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

async function readPeerUni(stream: ReadableStream<Uint8Array>, types: bigint[], gotSettings: (s: [bigint, bigint][]) => void): Promise<void> {
  const r = stream.getReader();
  let head = new Uint8Array(0);
  let type: bigint | null = null;
  let parser: H3FrameParser | null = null; // the control stream's; the others are drained
  try {
    for (;;) {
      const { value, done } = await r.read();
      if (done) return;
      let chunk = value;
      if (type === null) {
        head = Buffer.concat([head, chunk]);
        const n = varintLength(head[0]!);
        if (head.length < n) continue;
        type = readVarint(head.subarray(0, n));
        types.push(type);
        chunk = head.subarray(n);
        if (type === BigInt(CONTROL)) parser = new H3FrameParser('control');
      }
      if (!parser) continue;
      for (const ev of parser.push(chunk)) if (ev.kind === 'frame' && ev.frame.type === 'settings') gotSettings(ev.frame.settings);
    }
  } finally {
    parser?.close();
  }
}

export interface Message {
  /** Decoded field section (pseudo-headers included), in order. */
  fields: Field[];
  body: Uint8Array;
}

/**
 * Reads an HTTP/3 message (§4.1): one HEADERS frame, DATA frames, FIN.
 * Trailers and unknown frames are skipped; the body is kept whole.
 */
async function readMessage(readable: ReadableStream<Uint8Array>, decoder: QpackDecoder, streamId: bigint): Promise<Message> {
  const parser = new H3FrameParser('request');
  const r = readable.getReader();
  const section: Uint8Array[] = [];
  const body: Uint8Array[] = [];
  let fields: Field[] | null = null;
  let inHeaders = false;
  try {
    for (;;) {
      const { value, done } = await r.read();
      for (const ev of parser.push(value ?? new Uint8Array(0), done)) {
        if (ev.kind === 'start' && ev.frameType === HEADERS) inHeaders = fields === null;
        else if (ev.kind === 'payload' && ev.frameType === HEADERS && inHeaders) section.push(Uint8Array.from(ev.data));
        else if (ev.kind === 'payload' && ev.frameType === DATA) body.push(Uint8Array.from(ev.data));
        else if (ev.kind === 'end' && ev.frameType === HEADERS && inHeaders) {
          inHeaders = false;
          fields = decoder.decode(streamId, Buffer.concat(section));
          if (!fields) throw new Error('QPACK: field section blocked (the dynamic table is off: the peer broke RFC 9204 §2.1.2)');
        }
      }
      if (done) break;
    }
  } finally {
    parser.close();
  }
  if (!fields) throw new Error(`stream ${streamId}: no HEADERS frame`);
  return { fields, body: Buffer.concat(body) };
}

async function writeMessage(writable: WritableStream<Uint8Array>, encoder: QpackEncoder, streamId: bigint, fields: Field[], body?: Uint8Array): Promise<void> {
  const { section } = encoder.encode(streamId, fields);
  const frames = encodeH3Frames([{ type: 'headers', fieldSection: section }, ...(body && body.length ? [{ type: 'data' as const, data: body }] : [])]);
  const w = writable.getWriter();
  await w.write(frames);
  await w.close();
}

export interface H3Response {
  status: number;
  fields: Field[];
  body: Uint8Array;
  sha256: string;
}

/** A client: `get()` sends GET requests (each on its own bidirectional stream). */
export class MiniH3Client {
  readonly #conn: QuicConnection;
  readonly #encoder = new QpackEncoder({ huffman: false });
  readonly #decoder = new QpackDecoder();
  readonly peer: Promise<H3Peer>;

  /** Opens the critical streams at once (in 0-RTT when the connection allows it). */
  constructor(conn: QuicConnection) {
    this.#conn = conn;
    this.peer = openCriticalStreams(conn);
  }

  async get(authority: string, path: string): Promise<H3Response> {
    await this.peer;
    const s: QuicBidirectionalStream = await this.#conn.createBidirectionalStream();
    const request: Field[] = [[':method', 'GET'], [':scheme', 'https'], [':authority', authority], [':path', path], ['user-agent', 'h3-wasi-mini']];
    const [, msg] = await Promise.all([
      writeMessage(s.writable, this.#encoder, s.id, request),
      readMessage(s.readable, this.#decoder, s.id),
    ]);
    const status = Number(msg.fields.find(([n]) => n === ':status')?.[1]);
    return { status, fields: msg.fields, body: msg.body, sha256: sha256(msg.body) };
  }

  close(): void {
    this.#encoder.close();
    this.#decoder.close();
  }
}

export interface H3Request { method: string; path: string; authority: string; fields: Field[] }

/** What the responder answers a request with. */
export type Handler = (req: H3Request) => { status: number; body?: Uint8Array };

/**
 * A server side on one connection: answers every request stream with
 * `handler`'s status and body (content-length set). Resolves the returned
 * list's entries as requests arrive; ends when the connection does.
 */
export function serveMiniH3(conn: QuicConnection, handler: Handler): { requests: H3Request[]; peer: Promise<H3Peer>; done: Promise<void> } {
  const encoder = new QpackEncoder({ huffman: false });
  const decoder = new QpackDecoder();
  const requests: H3Request[] = [];
  const peer = openCriticalStreams(conn);
  const answer = async (s: QuicBidirectionalStream) => {
    const { fields } = await readMessage(s.readable, decoder, s.id);
    const get = (n: string) => fields.find(([k]) => k === n)?.[1] ?? '';
    const req = { method: get(':method'), path: get(':path'), authority: get(':authority'), fields };
    requests.push(req);
    const res = handler(req);
    const body = res.body ?? new Uint8Array(0);
    await writeMessage(s.writable, encoder, s.id, [[':status', String(res.status)], ['content-length', String(body.length)]], body);
  };
  const done = (async () => {
    const r = conn.incomingBidirectionalStreams.getReader();
    const pending: Promise<void>[] = [];
    for (;;) {
      const { value, done: end } = await r.read().catch(() => ({ value: undefined, done: true as const }));
      if (end || !value) break;
      pending.push(answer(value).catch(() => {}));
    }
    await Promise.all(pending);
    encoder.close();
    decoder.close();
  })();
  return { requests, peer, done };
}

export const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
