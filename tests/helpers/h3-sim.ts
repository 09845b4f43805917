// HTTP/3 endpoints for the simulator (tests/helpers/pair.ts): a QUIC
// endpoint of the component with HTTP/3 on (wit/http3.wit), driven through
// the same glue the host uses. It records every HTTP/3 event per stream,
// reads bodies as soon as they are readable (unless `autoRead` is off), sends
// queued bodies as the stream takes them, and lets a server answer requests
// from a callback.
//
// `RawH3Peer` is the other kind: an endpoint that negotiates ALPN "h3"
// without HTTP/3 in the core, so tests write crafted bytes on streams it
// opens and read what the H3 endpoint sends back (tests/h3/hostile.test.ts).
import { http3, quic, qpack } from '../../host/core/engine.js';
import { callEngine } from '../../host/core/call.js';
import { decodeFields, encodeFields, encodeH3Config, type H3Field, type H3Options } from '../../host/quic/wire.js';
import { QuicSimEndpoint, pollEvents, addr, type QuicEventRecord, type QuicOptions, type SimOptions } from './quic-sim.js';
import { Pair, simSeed, type LinkOptions } from './pair.js';
import type { Pki } from '../tls/pki.js';

export interface H3Section { kind: number; fields: H3Field[]; fin: boolean }

/** What one request stream saw. */
export class H3StreamLog {
  readonly sections: H3Section[] = [];
  readonly body: Uint8Array[] = [];
  fin = false;
  /** h3StreamReset's code, and whether the peer reset it. */
  reset?: { code: bigint; remote: boolean };
  stopSending?: bigint;
  rejected?: bigint;
  sendDone = false;
  /** Order of completion (fin or reset) across the endpoint. */
  doneAt = -1;
  bodyBytes(): Buffer { return Buffer.concat(this.body); }
  headers(i = 0): Map<string, string> { return new Map(this.sections[i]?.fields ?? []); }
}

export interface H3SimOptions extends Omit<SimOptions, 'extraConfig'> { h3?: H3Options }

/** The `h3-error` a refused call carries (wit/http3.wit). */
export class H3CallError extends Error {
  constructor(readonly code: bigint, reason: string) { super(`${reason} (0x${code.toString(16)})`); }
}

const asError = (p: unknown) => {
  const e = p as { code: bigint; reason: string };
  return new H3CallError(e.code, e.reason);
};

export class H3SimEndpoint extends QuicSimEndpoint {
  readonly logs = new Map<string, H3StreamLog>();
  /** Server: called on each new request (h3Headers kind 0). */
  onRequest?: (conn: number, stream: bigint, fields: H3Field[], fin: boolean) => void;
  /** Bodies waiting for room: key -> { data, offset, fin }. */
  private readonly pending = new Map<string, { conn: number; stream: bigint; data: Uint8Array; off: number; fin: boolean }>();
  private completed = 0;
  readChunk = 65536;

  constructor(host: number, port: number, opts: H3SimOptions) {
    super(host, port, { ...opts, extraConfig: encodeH3Config(opts.h3 ?? {}) });
  }

  log(conn: number, stream: bigint): H3StreamLog {
    const k = `${conn}:${stream}`;
    let l = this.logs.get(k);
    if (!l) this.logs.set(k, (l = new H3StreamLog()));
    return l;
  }

  override drain(): void {
    for (;;) {
      const evs = pollEvents(this.ep, 256);
      if (evs.length === 0) break;
      for (const e of evs) {
        this.events.push(e);
        this.onEvent(e);
      }
    }
    this.pushBodies();
  }

  private onEvent(e: QuicEventRecord): void {
    switch (e.kind) {
      case 'h3Headers': {
        const l = this.log(e.connection, e.stream);
        const fields = decodeFields(e.bytes);
        l.sections.push({ kind: Number(e.value), fields, fin: e.fin });
        if (e.value === 0n && this.onRequest) this.onRequest(e.connection, e.stream, fields, e.fin);
        break;
      }
      case 'h3BodyReadable': if (this.autoRead) this.readBody(e.connection, e.stream); break;
      case 'h3StreamReset': {
        const l = this.log(e.connection, e.stream);
        l.reset = { code: e.value, remote: e.remote };
        l.doneAt = this.completed++;
        this.pending.delete(`${e.connection}:${e.stream}`);
        break;
      }
      case 'h3StopSending': this.log(e.connection, e.stream).stopSending = e.value; this.pending.delete(`${e.connection}:${e.stream}`); break;
      case 'h3RequestRejected': {
        const l = this.log(e.connection, e.stream);
        l.rejected = e.value;
        l.doneAt = this.completed++;
        break;
      }
      case 'h3SendDone': this.log(e.connection, e.stream).sendDone = true; break;
      default: break;
    }
  }

  readBody(conn: number, stream: bigint): void {
    const l = this.log(conn, stream);
    for (;;) {
      const c = http3.readBody(conn, stream, this.readChunk);
      if (c.data.length > 0) l.body.push(c.data.slice());
      if (c.fin && !l.fin) { l.fin = true; l.doneAt = this.completed++; }
      if (c.reset && !l.reset) l.reset = { code: c.resetCode, remote: false };
      if (c.data.length === 0) break;
    }
  }

  request(conn: number, fields: [string, string][], body?: Uint8Array, endStream = true): bigint {
    const id = callEngine(() => http3.request(conn, encodeFields(fields), endStream && !body), asError);
    if (body) this.send(conn, id, body, endStream);
    return id;
  }

  sendHeaders(conn: number, stream: bigint, fields: [string, string][], endStream = false): void {
    callEngine(() => http3.sendHeaders(conn, stream, encodeFields(fields), endStream), asError);
  }

  /** Queues a body; it leaves as the stream takes it. */
  send(conn: number, stream: bigint, data: Uint8Array, fin = true): void {
    this.pending.set(`${conn}:${stream}`, { conn, stream, data, off: 0, fin });
    this.pushBodies();
  }

  respond(conn: number, stream: bigint, status: number, body: Uint8Array = new Uint8Array(0), extra: [string, string][] = []): void {
    this.sendHeaders(conn, stream, [[':status', String(status)], ...extra], body.length === 0);
    if (body.length > 0) this.send(conn, stream, body, true);
  }

  private pushBodies(): void {
    for (const [k, p] of this.pending) {
      while (p.off < p.data.length) {
        const chunk = p.data.subarray(p.off, Math.min(p.data.length, p.off + 65536));
        const last = p.off + chunk.length === p.data.length;
        const n = Number(http3.sendData(p.conn, p.stream, chunk, p.fin && last));
        if (n < 0) { this.pending.delete(k); break; }
        p.off += n;
        if (n < chunk.length) break;
      }
      if (p.off === p.data.length) {
        if (p.data.length === 0 && p.fin) http3.sendData(p.conn, p.stream, p.data, true);
        this.pending.delete(k);
      }
    }
  }

  get sending(): number { return this.pending.size; }
  eventsH3(kind: QuicEventRecord['kind']): QuicEventRecord[] { return this.eventsOf(kind); }
}

export interface H3PairOptions { client?: QuicOptions; server?: QuicOptions; clientH3?: H3Options; serverH3?: H3Options; link?: LinkOptions }

/**
 * An HTTP/3 client (1:50000) and server (2:4433) of `Endpoint`'s kind with
 * `pki`'s EC certificates on a simulated link (seed from `label`), run until
 * both are connected and have the other's SETTINGS.
 */
export function connectH3Pair<E extends H3SimEndpoint>(Endpoint: new (host: number, port: number, opts: H3SimOptions) => E, pki: Pki, label: string, s: H3PairOptions = {}) {
  const seed = simSeed(label);
  const client = new Endpoint(1, 50000, {
    quic: s.client, h3: s.clientH3,
    tls: { serverName: 'localhost', alpn: ['h3'], trustAnchorsPem: pki.ecCa.certPem, transportParams: new Uint8Array(0) },
  } as never);
  const server = new Endpoint(2, 4433, {
    quic: s.server, h3: s.serverH3,
    tls: { server: true, alpn: ['h3'], certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, transportParams: new Uint8Array(0) },
  } as never);
  const pair = new Pair(client, server, { seed, link: s.link });
  const conn = client.connect(0, addr(2, 4433));
  pair.run(() => client.connected() && server.connected() && client.eventsOf('h3Settings').length > 0 && server.eventsOf('h3Settings').length > 0, 30_000_000);
  const sconn = server.eventsOf('connected')[0]?.connection ?? 0;
  return { client, server, pair, conn, sconn, close: () => { client.close(); server.close(); } };
}

/**
 * A QUIC endpoint that speaks ALPN "h3" but leaves HTTP/3 to the test: it
 * records stream data, resets and STOP_SENDINGs as the QUIC events say
 * (QuicSimEndpoint), and writes whatever bytes the test crafts.
 */
export class RawH3Peer extends QuicSimEndpoint {
  constructor(host: number, port: number, opts: SimOptions) { super(host, port, opts); }

  openUni(conn: number, bytes: Uint8Array, fin = false): bigint {
    const id = quic.streamOpen(conn, false);
    if (bytes.length > 0 || fin) quic.streamWrite(conn, id, bytes, fin);
    return id;
  }

  openBidi(conn: number, bytes: Uint8Array, fin = false): bigint {
    const id = quic.streamOpen(conn, true);
    if (bytes.length > 0 || fin) quic.streamWrite(conn, id, bytes, fin);
    return id;
  }

  write(conn: number, id: bigint, bytes: Uint8Array, fin = false): void {
    quic.streamWrite(conn, id, bytes, fin);
  }

  /** The code of the peer's CONNECTION_CLOSE, if it closed (application close). */
  closedBy(): bigint | undefined {
    const c = this.closed();
    return c && c.remote ? c.value : undefined;
  }

  /** The code of the peer's RESET_STREAM on `stream` (of connection `conn`, if given). */
  resetCode(stream: bigint, conn?: number): bigint | undefined {
    const e = this.events.find((x) => x.kind === 'streamReset' && x.stream === stream && (conn === undefined || x.connection === conn));
    return e?.value;
  }

  stopSendingCode(stream: bigint, conn?: number): bigint | undefined {
    const e = this.events.find((x) => x.kind === 'streamStopSending' && x.stream === stream && (conn === undefined || x.connection === conn));
    return e?.value;
  }
}

// ---- crafting bytes ------------------------------------------------------------------------

export function varint(v: number | bigint): Uint8Array {
  const n = BigInt(v);
  if (n < 64n) return Uint8Array.of(Number(n));
  if (n < 16384n) return Uint8Array.of(0x40 | Number(n >> 8n), Number(n & 0xffn));
  if (n < 1n << 30n) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, Number(n) | 0x80000000);
    return b;
  }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n | (3n << 62n));
  return b;
}

export const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** A frame: type, length, payload. */
export function frame(type: number | bigint, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return cat(varint(type), varint(payload.length), payload);
}

/** SETTINGS with these (id, value) pairs. */
export function settings(pairs: [number | bigint, number | bigint][] = []): Uint8Array {
  return frame(0x04, cat(...pairs.map(([id, v]) => cat(varint(id), varint(v)))));
}

/** Fields in QPACK's packed form ({ name-len u32 LE, value-len u32 LE, name, value }*, wit/qpack.wit). */
export function qpackFields(fields: [string, string][]): Uint8Array {
  const packed: Uint8Array[] = [];
  for (const [n, v] of fields) {
    const nb = Buffer.from(n), vb = Buffer.from(v);
    const h = new Uint8Array(8);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, nb.length, true);
    dv.setUint32(4, vb.length, true);
    packed.push(h, nb, vb);
  }
  return cat(...packed);
}

/** A field section encoded with the static table and literals only (QPACK, no dynamic table). */
export function headerBlock(fields: [string, string][], huffman = false): Uint8Array {
  const enc = qpack.encoderNew(0, 0, 0, huffman);
  try {
    return callEngine(() => qpack.encoderEncode(enc, 0n, qpackFields(fields))).section.slice();
  } finally {
    qpack.encoderFree(enc);
  }
}

/** Decodes a field section sent without the dynamic table. */
export function decodeBlock(section: Uint8Array): [string, string][] {
  const dec = callEngine(() => qpack.decoderNew(0, 0, 1n << 20n));
  try {
    const r = callEngine(() => qpack.decoderDecode(dec, 0n, section));
    if (r.tag !== 'fields') throw new Error('blocked');
    const b = r.val;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: [string, string][] = [];
    for (let p = 0; p < b.length;) {
      const nl = dv.getUint32(p, true), vl = dv.getUint32(p + 4, true);
      out.push([Buffer.from(b.subarray(p + 8, p + 8 + nl)).toString('latin1'), Buffer.from(b.subarray(p + 8 + nl, p + 8 + nl + vl)).toString('latin1')]);
      p += 8 + nl + vl;
    }
    return out;
  } finally {
    qpack.decoderFree(dec);
  }
}

/** HEADERS frame of these fields. */
export const headers = (fields: [string, string][]) => frame(0x01, headerBlock(fields));
export const data = (b: Uint8Array | string) => frame(0x00, typeof b === 'string' ? new Uint8Array(Buffer.from(b)) : b);

/** Parses the frames of a buffer (type, payload) — what a raw peer received on a stream. */
export function parseFrames(b: Uint8Array): { type: bigint; payload: Uint8Array }[] {
  const out: { type: bigint; payload: Uint8Array }[] = [];
  let p = 0;
  const rd = (): bigint => {
    const first = b[p];
    const len = 1 << (first >> 6);
    let v = BigInt(first & 0x3f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(b[p + i]);
    p += len;
    return v;
  };
  while (p < b.length) {
    const type = rd();
    const len = Number(rd());
    out.push({ type, payload: b.subarray(p, p + len) });
    p += len;
  }
  return out;
}

export const GET: [string, string][] = [[':method', 'GET'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/']];
