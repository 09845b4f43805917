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
import {
  QUIC_EVENT, CLOSE_KIND, checkQuicOptions, decodeEvents, encodeQuicConfig, packDatagrams, unpackDatagrams,
  type QuicOptions, type QuicWireEvent,
} from '../../host/quic/wire.js';
import type { Datagram, Micros, SimEndpoint } from './pair.js';

// The batches and the config blob are host/quic/wire.ts's codecs, the ones
// the driver uses; only the kind names are the simulator's (the wire's
// tables inverted), so tests and failure messages read 'connected', not 1.
export type { QuicOptions };
export type QuicEventName = keyof typeof QUIC_EVENT;
export type CloseKindName = keyof typeof CLOSE_KIND;
/** A `poll-events` record as host/quic/wire.ts decodes it, kinds named; `bytes` is a view into the batch. */
export interface QuicEventRecord extends Omit<QuicWireEvent, 'kind' | 'closeKind'> { kind: QuicEventName; closeKind: CloseKindName }

function namesOf<K extends string>(table: Record<K, number>): K[] {
  const out: K[] = [];
  for (const k of Object.keys(table) as K[]) out[table[k]] = k;
  return out;
}
const EVENT_NAMES = namesOf(QUIC_EVENT);
const CLOSE_NAMES = namesOf(CLOSE_KIND);

/** Takes up to `max` events of endpoint `ep` (one `poll-events` call). */
export function pollEvents(ep: number, max: number): QuicEventRecord[] {
  return decodeEvents(quic.pollEvents(ep, max)).map((e) => ({ ...e, kind: EVENT_NAMES[e.kind], closeKind: CLOSE_NAMES[e.closeKind] }));
}

/** The config blob of `endpoint-new`: validated as the host validates it, without a role (the fuzzer gives a client server options too) and without the host's defaults. */
export function simConfig(o: QuicOptions = {}, qlog = false): Uint8Array {
  return encodeQuicConfig(checkQuicOptions(o), qlog);
}

/** `next-timeout` when nothing is pending (wit/quic.wit: u64 max). */
export const NO_TIMEOUT = 2n ** 64n - 1n;

/** Whether a datagram's first packet is a long-header Initial (QUIC v1: type 0; v2, RFC 9369 §3.2: type 1). */
function carriesInitial(d: Uint8Array): boolean {
  if (d.length < 5 || (d[0] & 0x80) === 0) return false;
  const version = ((d[1] << 24) | (d[2] << 16) | (d[3] << 8) | d[4]) >>> 0;
  const type = (d[0] >> 4) & 3;
  return version === 1 ? type === 0 : version === 0x6b3343cf ? type === 1 : false;
}

export function addr(last: number, port: number): Uint8Array {
  return Uint8Array.of(4, 10, 0, 0, last, port >> 8, port & 0xff);
}

export interface SimOptions {
  quic?: QuicOptions;
  tls: TlsOptions;
  /** The core emits qlog events (kind 'qlog', JSON in `bytes`). */
  qlog?: boolean;
  /** Config entries appended to the QUIC options' (HTTP/3: host/quic/wire.ts encodeH3Config). */
  extraConfig?: Uint8Array;
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
  readonly isClient: boolean;
  constructor(readonly host: number, readonly port: number, opts: SimOptions) {
    this.isClient = !(opts.tls as { server?: boolean }).server;
    this.tls = new TlsConfig(opts.tls);
    const base = simConfig(opts.quic, opts.qlog);
    const config = opts.extraConfig ? Buffer.concat([base, opts.extraConfig]) : base;
    this.ep = callEngine(() => quic.endpointNew(config, this.tls.id), (p) => new Error(String(p)));
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
    // RFC 9000 §14.1, checked on everything a client sends: "A client MUST expand the payload of all UDP
    // datagrams carrying Initial packets to at least the smallest allowed maximum datagram size of 1200 bytes"
    if (this.isClient && carriesInitial(d.data) && d.data.length < 1200) {
      throw new Error(`RFC 9000 §14.1: the client sent a datagram with an Initial packet of ${d.data.length} bytes`);
    }
    return { data: d.data, meta: this.addressOf(d.localId), dest: d.addr };
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
      const evs = pollEvents(this.ep, 256);
      if (evs.length === 0) break;
      for (const e of evs) {
        this.events.push(e);
        if (e.kind === 'streamReadable' && this.autoRead) this.readAll(e.connection, e.stream);
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
