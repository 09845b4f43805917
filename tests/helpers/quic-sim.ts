// The transport simulator's endpoints: a QUIC endpoint of the component
// (wit/quic.wit, through the same transpiled glue users get) as a
// `SimEndpoint` of tests/helpers/pair.ts. Two of them in one process, in
// virtual time: the client is 'a', the server 'b'.
//
// Addresses: each side has a base address (family 4, 10.0.0.x, port); a
// datagram carries the address the receiver sees in `meta`, so NAT
// rebinding (`rebind`) and client migration (local-id 1 = a second socket
// with its own port) change what the server observes.
import { quic } from '../../host/core/engine.js';
import { callEngine } from '../../host/core/call.js';
import { TlsConfig, type TlsOptions } from '../../host/tls/index.js';
import type { Datagram, Micros, SimEndpoint } from './pair.js';

// ---- temporary codecs (host/quic/wire.ts replaces them) ----
export interface QuicOptions { [k: string]: number | boolean | string | undefined }
const CONFIG_KEYS: Record<string, number> = {
  maxIdleTimeout: 1, initialMaxData: 2, streamWindow: 3, maxStreamWindow: 4, maxConnectionWindow: 5, maxStreamsBidi: 6,
  maxStreamsUni: 7, maxAckDelay: 8, ackDelayExponent: 9, activeConnectionIdLimit: 10, connectionIdLength: 11,
  maxDatagramFrameSize: 12, maxUdpPayloadSize: 13, congestionControl: 14, keepAlive: 15, sendBufferSize: 16,
  keyUpdateInterval: 17, disableActiveMigration: 18, datagramQueue: 19, maxConnections: 20, retry: 21, pacing: 22,
  handshakeTimeout: 25,
};
export function encodeQuicConfig(o: QuicOptions): Uint8Array {
  const out: number[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const key = CONFIG_KEYS[k];
    if (!key) throw new Error(`unknown option ${k}`);
    let n = typeof v === 'boolean' ? (v ? 1n : 0n) : k === 'congestionControl' ? (v === 'newreno' ? 0n : 1n) : BigInt(v as number);
    out.push(key);
    for (let i = 7; i >= 0; i--) out.push(Number((n >> BigInt(i * 8)) & 0xffn));
  }
  return Uint8Array.from(out);
}
export function packDatagrams(ds: { localId: number; addr: Uint8Array; data: Uint8Array }[]): Uint8Array {
  const parts: number[] = [];
  for (const d of ds) {
    parts.push(d.localId >>> 24, (d.localId >>> 16) & 255, (d.localId >>> 8) & 255, d.localId & 255, d.addr.length, ...d.addr, d.data.length >> 8, d.data.length & 255);
    for (const b of d.data) parts.push(b);
  }
  return Uint8Array.from(parts);
}
export function unpackDatagrams(b: Uint8Array): { localId: number; addr: Uint8Array; data: Uint8Array }[] {
  const out = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 0;
  while (o < b.length) {
    const localId = v.getUint32(o); const al = b[o + 4];
    const addr = b.slice(o + 5, o + 5 + al); o += 5 + al;
    const n = v.getUint16(o); o += 2;
    out.push({ localId, addr, data: b.slice(o, o + n) }); o += n;
  }
  return out;
}
const KINDS = ['', 'connected', 'stream-opened', 'stream-readable', 'stream-writable', 'stream-reset', 'stop-sending', 'stream-send-done',
  'streams-available', 'datagram', 'path-changed', 'migration-failed', 'ticket', 'keylog', 'warning', 'closed', 'qlog', 'new-token'] as const;
const CLOSE_KINDS = ['local', 'remote', 'idle', 'reset', 'handshake-timeout', 'version-negotiation'] as const;
export interface QuicEventRecord {
  connection: number; kind: typeof KINDS[number]; app: boolean; remote: boolean; closeKind: typeof CLOSE_KINDS[number];
  stream: bigint; value: bigint; data: Uint8Array;
}
export function unpackEvents(b: Uint8Array): QuicEventRecord[] {
  const out: QuicEventRecord[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 0;
  while (o < b.length) {
    const connection = v.getUint32(o); const kind = KINDS[b[o + 4]]; const flags = b[o + 5]; const ck = CLOSE_KINDS[b[o + 6]];
    const stream = v.getBigUint64(o + 7); const value = v.getBigUint64(o + 15); const n = v.getUint32(o + 23);
    const data = b.slice(o + 27, o + 27 + n); o += 27 + n;
    out.push({ connection, kind, app: (flags & 1) !== 0, remote: (flags & 2) !== 0, closeKind: ck, stream, value, data });
  }
  return out;
}

export const NO_TIMEOUT = 2n ** 64n - 1n;


export function addr(last: number, port: number): Uint8Array {
  return Uint8Array.of(4, 10, 0, 0, last, port >> 8, port & 0xff);
}

export interface SimOptions {
  quic?: QuicOptions;
  tls: TlsOptions;
}

export class QuicSimEndpoint implements SimEndpoint {
  readonly ep: number;
  readonly tls: TlsConfig;
  events: QuicEventRecord[] = [];
  /** Stream data received per connection and stream (read as soon as readable). */
  readonly received = new Map<string, Uint8Array[]>();
  readonly finished = new Set<string>();
  /** Port offset applied to what the peer sees (NAT rebinding). */
  natShift = 0;
  /** When false, readable streams are not drained (to test flow control). */
  autoRead = true;
  /** Wall clock for certificates and tickets: read once, so a run does not depend on how long it takes. */
  readonly wall = BigInt(Date.now());
  constructor(readonly host: number, readonly port: number, opts: SimOptions) {
    this.tls = new TlsConfig(opts.tls);
    this.ep = callEngine(() => quic.endpointNew(encodeQuicConfig(opts.quic ?? {}), this.tls.id), (p) => new Error(String(p)));
  }

  /** The address the peer sees for our socket `localId`. */
  addressOf(localId: number): Uint8Array { return addr(this.host, this.port + localId * 100 + this.natShift); }

  connect(now: Micros, peer: Uint8Array, opts: { session?: Uint8Array; token?: Uint8Array } = {}): number {
    return callEngine(() => quic.connect(this.ep, BigInt(Math.round(now)), this.wall, peer, 0, opts.session ?? new Uint8Array(0), opts.token ?? new Uint8Array(0)),
      (p) => new Error(String(p)));
  }

  recv(now: Micros, data: Uint8Array, _from: string, meta?: unknown): void {
    const from = meta as Uint8Array;
    quic.recv(this.ep, BigInt(Math.round(now)), this.wall, packDatagrams([{ localId: 0, addr: from, data }]));
    this.drain();
  }

  pollTransmit(now: Micros): Datagram | null {
    const out = quic.pollTransmit(this.ep, BigInt(Math.round(now)), 1);
    if (out.length === 0) return null;
    const [d] = unpackDatagrams(out);
    return { data: d.data, meta: this.addressOf(d.localId) };
  }

  pollTimeout(): Micros | null {
    const t = quic.nextTimeout(this.ep);
    return t === NO_TIMEOUT ? null : Number(t);
  }

  onTimeout(now: Micros): void {
    quic.onTimeout(this.ep, BigInt(Math.round(now)), this.wall);
    this.drain();
  }

  /** Takes the events; reads readable streams when autoRead. */
  drain(): void {
    for (;;) {
      const evs = unpackEvents(quic.pollEvents(this.ep, 256));
      if (evs.length === 0) break;
      for (const e of evs) {
        this.events.push(e);
        if (e.kind === 'stream-readable' && this.autoRead) this.readAll(e.connection, e.stream);
      }
    }
  }

  readAll(conn: number, stream: bigint): void {
    const key = `${conn}:${stream}`;
    for (;;) {
      const c = quic.streamRead(conn, stream, 65536);
      if (c.data.length > 0) {
        let list = this.received.get(key);
        if (!list) this.received.set(key, (list = []));
        list.push(c.data.slice());
      }
      if (c.fin) this.finished.add(key);
      if (c.data.length === 0) break;
    }
  }

  bytes(conn: number, stream: bigint): Uint8Array {
    const parts = this.received.get(`${conn}:${stream}`) ?? [];
    return Buffer.concat(parts);
  }

  eventsOf(kind: QuicEventRecord['kind']): QuicEventRecord[] { return this.events.filter((e) => e.kind === kind); }
  connected(): boolean { return this.eventsOf('connected').length > 0; }
  closed(): QuicEventRecord | undefined { return this.eventsOf('closed')[0]; }
  stats(conn: number) { return quic.stats(conn); }

  close(): void {
    quic.endpointFree(this.ep);
    this.tls.close();
  }
}

/** Writes `data` to a stream as far as the send buffer takes it; returns the offset reached. */
export function writeSome(conn: number, stream: bigint, data: Uint8Array, from: number, fin = true): number {
  let off = from;
  while (off < data.length) {
    const chunk = data.subarray(off, Math.min(data.length, off + 65536));
    const last = off + chunk.length === data.length;
    const n = Number(quic.streamWrite(conn, stream, chunk, fin && last));
    if (n <= 0) break;
    off += n;
    if (n < chunk.length) break;
  }
  if (off === data.length && data.length === 0 && fin) quic.streamWrite(conn, stream, data, true);
  return off;
}
