// A QUIC connection shaped like the W3C WebTransport object: `ready`,
// `closed`, streams as web streams, `datagrams`, `close()`, `getStats()`;
// plus what QUIC adds: `migrate()` (client), the negotiated `alpn`, and the
// latest resumption `session` and NEW_TOKEN `token` for the next connection.
//
// `QuicConnection` is the public face; `ConnectionCore` behind it receives
// the driver's events for this connection (driver.ts), owns the streams
// (stream.ts) and writes the qlog trace and key log lines (qlog.ts).

import { quic } from '../core/engine.js';
import { ClosedError, H3WasiError, InvalidArgumentError, QuicError, type QuicCloseKind } from '../errors.js';
import { bigintArg, boolArg, describe, intArg, optionsArg, stringArg, VARINT_MAX } from '../args.js';
import { nowUs, U64_MAX, type ConnectionSink, type QuicDriver } from './driver.js';
import { CLOSE_KIND, QUIC_EVENT, type QuicWireEvent } from './wire.js';
import { CIPHER_SUITES } from '../tls/wire.js';
import { QuicStream, type StreamChunk, type StreamHost } from './stream.js';
import { bindUdp, decodeAddress, type SocketAddress } from './socket.js';
import { appendKeyLog, connectionStarted, tupleInfo, type QlogWriter } from './qlog.js';

/** How `closed` resolves on a clean close (an application close, or a transport close with NO_ERROR). */
export interface QuicCloseInfo {
  /** The application error code (as a number; `wireCode` has it exactly). */
  closeCode: number;
  reason: string;
  wireCode: bigint;
  /** The peer closed. */
  remote: boolean;
}

export interface QuicBidirectionalStream {
  readonly id: bigint;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

export interface QuicDatagrams {
  /** DATAGRAM frames that arrived (RFC 9221); dropped when the consumer falls `highWaterMark` behind. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Each write queues one DATAGRAM frame; one larger than the path carries is dropped (as in WebTransport). */
  readonly writable: WritableStream<Uint8Array>;
  /** The largest payload that fits one packet on the current path (an estimate from the path MTU). */
  readonly maxDatagramSize: number;
}

export interface QuicConnectionStats {
  state: 'handshake' | 'established' | 'closing' | 'draining' | 'closed';
  /** RFC 9002 §5, in milliseconds. */
  smoothedRtt: number;
  minRtt: number;
  rttVariation: number;
  congestionWindow: number;
  bytesInFlight: number;
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  bytesSent: number;
  bytesReceived: number;
  /** The largest datagram the path is known to carry (DPLPMTUD). */
  pathMtu: number;
  keyUpdates: number;
  /** Streams the engine holds. */
  streams: number;
  /** The QUIC version in use: 1 (RFC 9000) or 0x6b3343cf (v2, RFC 9369); 0 when closed. */
  version: number;
  /** The TLS cipher suite negotiated, e.g. 'TLS_AES_128_GCM_SHA256'; '' before the handshake says. */
  cipherSuite: string;
  datagrams: {
    /** Arrived while `datagrams.readable` was full. */
    droppedIncoming: number;
    /** Written but dropped: too large for the path, or pushed out of a full queue. */
    droppedOutgoing: number;
  };
}

const STATES = ['handshake', 'established', 'closing', 'draining', 'closed'] as const;
const SUITE_NAMES = new Map<number, string>(Object.entries(CIPHER_SUITES).map(([name, code]) => [code, name]));
const CLOSE_KINDS: Record<number, QuicCloseKind> = {
  [CLOSE_KIND.local]: 'local', [CLOSE_KIND.remote]: 'remote', [CLOSE_KIND.idle]: 'idle',
  [CLOSE_KIND.statelessReset]: 'reset', [CLOSE_KIND.handshakeTimeout]: 'handshake-timeout',
  [CLOSE_KIND.versionNegotiation]: 'version-negotiation',
};
/** W3C WebTransport close(): the reason is at most 1024 bytes of UTF-8. */
const MAX_REASON = 1024;
const DATAGRAM_HIGH_WATER_MARK = 128;
/** Distinct engine warnings a connection passes to process.emitWarning (all go to its qlog). */
const MAX_WARNINGS = 8;
const utf8 = new TextDecoder();
const NO_CHUNK: StreamChunk = { data: new Uint8Array(0), fin: false, reset: false, resetCode: 0n, unknown: true };

interface Waiter { resolve: () => void; reject: (e: unknown) => void }

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  // observed or not, a failed connection must not become an unhandled rejection
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Truncates a string to at most `max` bytes of UTF-8 without splitting a character. */
function truncateUtf8(s: string, max: number): string {
  const b = new TextEncoder().encode(s);
  if (b.length <= max) return s;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return utf8.decode(b.subarray(0, end));
}

/** RFC 9001 §4.6: 0-RTT's outcome for a client. */
export type QuicEarlyData = 'none' | 'accepted' | 'rejected';

/**
 * How a stream's data is scheduled against the others' (RFC 9218 §4's
 * parameters, applied by the engine's scheduler): `urgency` 0 (first) to 7
 * (default 3); `incremental` streams of one urgency share the connection
 * round-robin, the others go one after another in the order they were opened
 * (default false).
 */
export interface QuicStreamOptions { urgency?: number; incremental?: boolean }

interface StreamPriority { urgency: number; incremental: boolean }

function priorityArg(options: unknown): StreamPriority | null {
  if (options === undefined) return null;
  const o = optionsArg<QuicStreamOptions>('options', options, ['urgency', 'incremental']);
  if (o.urgency === undefined && o.incremental === undefined) return null;
  return {
    urgency: o.urgency === undefined ? 3 : intArg('urgency', o.urgency, 0, 7),
    incremental: o.incremental === undefined ? false : boolArg('incremental', o.incremental),
  };
}

export interface ConnectionInit {
  server: boolean;
  qlog: QlogWriter | null;
  /** SSLKEYLOGFILE path, or null. */
  keylog: string | null;
  /** qlog parameters_set data (our transport parameters). */
  parameters: Record<string, unknown>;
  /** Server: the handshake completed (the endpoint offers the connection on `incoming`). */
  onConnected?: (c: QuicConnection) => void;
  /** Client: resuming a session with early data asked for — streams may open before the handshake completes (0-RTT). */
  earlyData?: boolean;
  /** An application protocol the engine runs on this connection (HTTP/3): it takes the connection's application events. */
  app?: AppBinding;
}

/**
 * An application protocol the engine runs on a connection (HTTP/3,
 * wit/http3.wit): the engine owns the connection's streams and reports
 * application events (kinds ≥ 32) in their place. Internal to h3-wasi.
 */
export interface AppBinding {
  /** Config entries appended to the endpoint's QUIC config (they switch the protocol on in the engine). */
  config: Uint8Array;
  /** Called once per connection, before any of its events: the object that takes its application events. */
  bind(core: ConnectionCore): AppLayer;
  /** Client: the connection keeps the process alive only while held (QuicDriver `weak`). */
  weak?: boolean;
}

export interface AppLayer {
  /** One application event of this connection, in order with the connection's own events. */
  onEvent(e: QuicWireEvent): void;
}

/** Event kinds from this number on belong to the application protocol (wit/http3.wit). */
const APP_EVENT_BASE = 32;

/** The state behind a QuicConnection: the driver's sink and the streams' host. */
export class ConnectionCore implements ConnectionSink, StreamHost {
  readonly conn: QuicConnection;
  readonly server: boolean;
  driver: QuicDriver | null = null;
  handle = 0;
  status: 'connecting' | 'connected' | 'closed' = 'connecting';
  closeError: Error | null = null;
  alpn: string | undefined;
  session: Uint8Array | undefined;
  token: Uint8Array | undefined;
  localAddress: SocketAddress | undefined;
  remoteAddress: SocketAddress | undefined;
  readonly ready = deferred<void>();
  readonly closed = deferred<QuicCloseInfo>();
  /** Resolved when the engine has the connection (after DNS and bind, for a client). */
  readonly attached = deferred<void>();
  /** RFC 9001 §4.6: what became of 0-RTT (set when the handshake completes). */
  earlyData: QuicEarlyData = 'none';
  readonly streams = new Map<bigint, QuicStream>();
  readonly incomingBidi: ReadableStream<QuicBidirectionalStream>;
  readonly incomingUni: ReadableStream<ReadableStream<Uint8Array>>;
  readonly datagrams: QuicDatagrams;
  #bidiC!: ReadableStreamDefaultController<QuicBidirectionalStream>;
  #uniC!: ReadableStreamDefaultController<ReadableStream<Uint8Array>>;
  #dgramC!: ReadableStreamDefaultController<Uint8Array>;
  #bidiWaiters: Waiter[] = [];
  #uniWaiters: Waiter[] = [];
  #migration: (Waiter & { localId: number }) | null = null;
  #pendingClose: { code: bigint; reason: string } | null = null;
  #lastStats: quic.ConnectionStats | null = null;
  #droppedIncoming = 0;
  #droppedOutgoing = 0;
  readonly #warned = new Set<string>();
  readonly #init: ConnectionInit;
  readonly #qlog: QlogWriter | null;
  /** The application protocol's event sink, when the engine runs one on this connection. */
  readonly app: AppLayer | null;

  constructor(init: ConnectionInit) {
    this.server = init.server;
    this.#init = init;
    this.#qlog = init.qlog;
    this.conn = new QuicConnection(INTERNAL, this);
    this.app = init.app ? init.app.bind(this) : null;
    this.incomingBidi = new ReadableStream({ start: (c) => { this.#bidiC = c; } });
    this.incomingUni = new ReadableStream({ start: (c) => { this.#uniC = c; } });
    const dgramReadable = new ReadableStream<Uint8Array>({ start: (c) => { this.#dgramC = c; } },
      new CountQueuingStrategy({ highWaterMark: DATAGRAM_HIGH_WATER_MARK }));
    const dgramWritable = new WritableStream<Uint8Array>({ write: (chunk) => this.#sendDatagram(chunk) });
    const self = this;
    this.datagrams = {
      readable: dgramReadable,
      writable: dgramWritable,
      get maxDatagramSize() { return self.#maxDatagramSize(); },
    };
  }

  /** True when this connection writes a qlog trace (an application layer's events are worth making). */
  get qlogging(): boolean { return this.#qlog !== null; }

  /** An application layer's qlog event ("http:frame_parsed"), into this connection's trace. */
  qlogEvent(name: string, data: Record<string, unknown>): void {
    this.#qlog?.event(name, data);
  }

  /** The engine connection exists (client: after DNS and bind; server: at once). */
  attach(driver: QuicDriver, handle: number, local: SocketAddress | undefined, remote: SocketAddress | undefined): void {
    this.driver = driver;
    this.handle = handle;
    this.localAddress = local;
    // a server's connection: the address its first Initial came from, as the core holds it
    this.remoteAddress = remote ?? (handle ? decodeAddress(driver.call(() => quic.peerAddress(handle))) ?? undefined : undefined);
    this.#qlog?.event('connectivity:connection_started', connectionStarted(local, this.remoteAddress));
    this.#qlog?.event('transport:parameters_set', { owner: 'local', ...this.#init.parameters });
    this.attached.resolve();
    const pc = this.#pendingClose;
    if (pc) {
      this.#pendingClose = null;
      this.#closeNow(pc.code, pc.reason);
    }
  }

  /** Client: DNS, bind or the engine refused before a connection existed. */
  setupFailed(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.#finish(err, null);
    this.#qlog?.close();
  }

  // ---- events (driver.ts) ------------------------------------------------------------

  onEvent(e: QuicWireEvent): void {
    switch (e.kind) {
      case QUIC_EVENT.connected: this.#onConnected(e); break;
      case QUIC_EVENT.streamOpened: this.#onStreamOpened(e.stream); break;
      case QUIC_EVENT.streamReadable: this.streams.get(e.stream)?.onReadable(); break;
      case QUIC_EVENT.streamWritable: this.streams.get(e.stream)?.onWritable(); break;
      case QUIC_EVENT.streamReset: this.streams.get(e.stream)?.onReset(e.value); break;
      case QUIC_EVENT.streamStopSending: this.streams.get(e.stream)?.onStopSending(e.value); break;
      case QUIC_EVENT.streamSendDone: break;
      case QUIC_EVENT.streamsAvailable: this.#wake(e.value === 1n ? this.#bidiWaiters : this.#uniWaiters); break;
      case QUIC_EVENT.datagram: this.#onDatagram(e.bytes); break;
      case QUIC_EVENT.pathChanged: this.#onPathChanged(e.bytes); break;
      case QUIC_EVENT.migrationFailed: this.#onMigrationFailed(e.bytes); break;
      case QUIC_EVENT.ticket: this.session = e.bytes.slice(); break;
      case QUIC_EVENT.newToken: this.token = e.bytes.slice(); break;
      case QUIC_EVENT.keyLog: if (this.#init.keylog) appendKeyLog(this.#init.keylog, utf8.decode(e.bytes)); break;
      case QUIC_EVENT.warning: {
        const text = utf8.decode(e.bytes);
        this.#qlog?.event('generic:warning', { message: text });
        // once per text and connection: a peer must not be able to flood the process's warnings
        if (this.#warned.size < MAX_WARNINGS && !this.#warned.has(text)) {
          this.#warned.add(text);
          process.emitWarning(text, { type: 'H3WasiQuicWarning' });
        }
        break;
      }
      case QUIC_EVENT.qlog: this.#qlog?.raw(utf8.decode(e.bytes)); break;
      case QUIC_EVENT.closed: this.#onClosed(e); break;
      default:
        if (e.kind >= APP_EVENT_BASE) this.app?.onEvent(e);
        break; // else a newer core's event: nothing to do with it here
    }
  }

  #onConnected(e: QuicWireEvent): void {
    if (this.status !== 'connecting') return;
    this.status = 'connected';
    this.alpn = utf8.decode(e.bytes);
    this.earlyData = e.value === 1n ? 'accepted' : e.value === 2n ? 'rejected' : 'none';
    this.#qlog?.event('transport:alpn_information', { chosen_alpn: this.alpn });
    this.#qlog?.event('connectivity:connection_state_updated', { old: 'attempted', new: 'handshake_complete' });
    this.ready.resolve();
    this.#init.onConnected?.(this.conn);
  }

  #onStreamOpened(id: bigint): void {
    if (this.status === 'closed' || this.streams.has(id)) return;
    // RFC 9000 §2.1: bit 0x2 of the stream ID is set on unidirectional streams
    const bidi = (id & 2n) === 0n;
    const s = new QuicStream(this, id, true, bidi);
    this.streams.set(id, s);
    if (bidi) this.#bidiC.enqueue({ id, readable: s.readable!, writable: s.writable! });
    else this.#uniC.enqueue(s.readable!);
  }

  #onDatagram(bytes: Uint8Array): void {
    const c = this.#dgramC;
    if (this.status === 'closed') return;
    // datagrams are unreliable: a consumer that falls behind loses the newest (RFC 9221 §5)
    if ((c.desiredSize ?? 0) > 0) c.enqueue(bytes.slice());
    else this.#droppedIncoming++;
  }

  #onPathChanged(bytes: Uint8Array): void {
    const a = decodeAddress(bytes);
    if (a) this.remoteAddress = a;
    const m = this.#migration;
    if (m) {
      this.#migration = null;
      const s = this.driver?.socket(m.localId);
      if (s) this.localAddress = s.address;
      this.#qlog?.event('connectivity:migration_state_updated', { new: 'migration_complete', tuple_local: tupleInfo(this.localAddress), tuple_remote: tupleInfo(this.remoteAddress) });
      m.resolve();
    } else {
      this.#qlog?.event('connectivity:tuple_assigned', { tuple_remote: tupleInfo(this.remoteAddress) });
    }
  }

  #onMigrationFailed(bytes: Uint8Array): void {
    const m = this.#migration;
    if (!m) return;
    this.#migration = null;
    this.#qlog?.event('connectivity:migration_state_updated', { new: 'migration_abandoned', tuple_remote: tupleInfo(decodeAddress(bytes)) });
    void this.driver?.dropSocket(m.localId);
    m.reject(new H3WasiError('H3W_ERR_QUIC_MIGRATION_FAILED', 'the new path did not validate (RFC 9000 §8.2); the connection stays on its current path'));
  }

  #onClosed(e: QuicWireEvent): void {
    const kind = CLOSE_KINDS[e.closeKind] ?? 'local';
    const reason = utf8.decode(e.bytes);
    const err = new QuicError(kind, e.value, e.app, e.remote, reason);
    // a clean close: the application's, or a transport close with NO_ERROR (RFC 9000 §20.1)
    const clean = (kind === 'local' || kind === 'remote') && (e.app || e.value === 0n);
    const trigger = kind === 'idle' ? 'idle_timeout' : kind === 'reset' ? 'stateless_reset'
      : kind === 'version-negotiation' ? 'version_mismatch' : kind === 'handshake-timeout' ? 'error' : e.app ? 'application' : clean ? 'unspecified' : 'error';
    // qlog 0.3 connection_closed: owner, connection_code (transport) or application_code
    this.#qlog?.event('connectivity:connection_closed', {
      owner: e.remote ? 'remote' : 'local',
      ...(e.app ? { application_code: e.value } : { connection_code: e.value }),
      reason, trigger,
    });
    try { if (this.handle) this.#lastStats = quic.stats(this.handle); } catch { /* the engine failed: no stats */ }
    this.#finish(err, clean ? { closeCode: Number(e.value), reason, wireCode: e.value, remote: e.remote } : null);
  }

  onFreed(): void {
    if (this.status !== 'closed') this.#finish(new QuicError('local', 0n, false, false, 'the endpoint was closed'), null);
    this.#qlog?.event('connectivity:connection_state_updated', { new: 'closed' });
    this.#qlog?.close();
    this.handle = 0;
  }

  onFatal(e: Error): void {
    this.#finish(e, null);
    this.#qlog?.close();
    this.handle = 0;
  }

  /** The connection is over: `info` on a clean close, else `err` for everything. */
  #finish(err: Error, info: QuicCloseInfo | null): void {
    if (this.status === 'closed') return;
    this.status = 'closed';
    this.closeError = err;
    this.ready.reject(err);
    if (info) this.closed.resolve(info); else this.closed.reject(err);
    for (const s of [...this.streams.values()]) s.onConnectionClosed(err);
    this.streams.clear();
    for (const w of [...this.#bidiWaiters, ...this.#uniWaiters]) w.reject(err);
    this.#bidiWaiters = [];
    this.#uniWaiters = [];
    const m = this.#migration;
    this.#migration = null;
    m?.reject(err);
    for (const c of [this.#bidiC, this.#uniC, this.#dgramC] as ReadableStreamDefaultController<unknown>[]) {
      try { if (info) c.close(); else c.error(err); } catch { /* already closed */ }
    }
  }

  // ---- the stream host (stream.ts) -------------------------------------------------------

  read(id: bigint, max: number): StreamChunk {
    const d = this.driver, h = this.handle;
    if (!d || !h) return NO_CHUNK;
    const chunk = d.call(() => quic.streamRead(h, id, max));
    // reading returns flow-control credit: MAX_STREAM_DATA / MAX_DATA may be due
    if (chunk.data.length > 0) d.kick();
    return chunk;
  }

  write(id: bigint, data: Uint8Array, fin: boolean): bigint {
    const d = this.driver, h = this.handle;
    if (!d || !h) return -1n;
    const n = d.call(() => quic.streamWrite(h, id, data, fin));
    if (n > 0n || fin) d.kick();
    return n;
  }

  reset(id: bigint, code: bigint): void {
    const d = this.driver, h = this.handle;
    if (!d || !h) return;
    d.call(() => quic.streamReset(h, id, code));
    d.kick();
  }

  stopSending(id: bigint, code: bigint): void {
    const d = this.driver, h = this.handle;
    if (!d || !h) return;
    d.call(() => quic.stopSending(h, id, code));
    d.kick();
  }

  streamDone(id: bigint): void {
    this.streams.delete(id);
  }

  // ---- the application's calls -------------------------------------------------------------

  async open(bidi: boolean, priority: StreamPriority | null = null): Promise<QuicStream> {
    // RFC 9001 §4.6.1: a client resuming with early data may open streams
    // before the handshake completes; their data goes in 0-RTT packets (and
    // again in 1-RTT if the server rejects them, §4.6.2)
    if (this.#init.earlyData && this.status === 'connecting') await Promise.race([this.attached.promise, this.ready.promise]);
    else await this.ready.promise;
    for (;;) {
      if (this.closeError) throw this.closeError;
      const d = this.driver!, h = this.handle;
      const id = d.call(() => quic.streamOpen(h, bidi));
      if (id !== U64_MAX) {
        if (priority) d.call(() => quic.streamPriority(h, id, priority.urgency, priority.incremental));
        const s = new QuicStream(this, id, bidi, true);
        this.streams.set(id, s);
        return s;
      }
      // no early stream (the session allows none, or no 0-RTT keys): after the handshake, then
      if (this.status === 'connecting') { await this.ready.promise; continue; }
      // the peer's MAX_STREAMS allows no more now: wait for `streams-available` (RFC 9000 §4.6)
      await new Promise<void>((resolve, reject) => (bidi ? this.#bidiWaiters : this.#uniWaiters).push({ resolve, reject }));
    }
  }

  #wake(list: Waiter[]): void {
    const ws = list.splice(0);
    for (const w of ws) w.resolve();
  }

  async #sendDatagram(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) throw new InvalidArgumentError('datagram', `must be a Uint8Array, got ${describe(chunk)}`);
    if (this.status === 'connecting') await this.ready.promise;
    if (this.closeError) throw this.closeError;
    const d = this.driver!, h = this.handle;
    const r = d.call(() => quic.datagramSend(h, chunk));
    switch (r) {
      case 0: break;
      // 2: larger than the peer takes or a packet on the path carries (maxDatagramSize) — dropped, as WebTransport drops them
      case 2: this.#droppedOutgoing++; break;
      case 1: throw new H3WasiError('H3W_ERR_QUIC_DATAGRAMS_UNSUPPORTED', 'the peer does not accept DATAGRAM frames (no max_datagram_frame_size, RFC 9221 §3)');
      default: throw this.closeError ?? new ClosedError('QuicConnection');
    }
    d.kick();
  }

  #maxDatagramSize(): number {
    const s = this.#stats();
    return s ? s.maxDatagramPayload : 0;
  }

  #stats(): quic.ConnectionStats | null {
    const d = this.driver, h = this.handle;
    if (d && h && this.status !== 'closed') return d.call(() => quic.stats(h));
    return this.#lastStats;
  }

  stats(): QuicConnectionStats {
    const s = this.#stats();
    const n = (v: bigint | number | undefined) => Number(v ?? 0);
    const ms = (v: bigint | undefined) => Number(v ?? 0n) / 1000;
    return {
      state: this.status === 'closed' && (!s || this.handle === 0) ? 'closed' : STATES[s?.state ?? 0] ?? 'closed',
      smoothedRtt: ms(s?.smoothedRttUs), minRtt: ms(s?.minRttUs), rttVariation: ms(s?.rttvarUs),
      congestionWindow: n(s?.congestionWindow), bytesInFlight: n(s?.bytesInFlight),
      packetsSent: n(s?.packetsSent), packetsReceived: n(s?.packetsReceived), packetsLost: n(s?.packetsLost),
      bytesSent: n(s?.bytesSent), bytesReceived: n(s?.bytesReceived),
      pathMtu: n(s?.pathMtu), keyUpdates: n(s?.keyUpdates), streams: n(s?.streams),
      version: n(s?.version), cipherSuite: SUITE_NAMES.get(n(s?.cipherSuite)) ?? '',
      datagrams: { droppedIncoming: this.#droppedIncoming, droppedOutgoing: this.#droppedOutgoing },
    };
  }

  close(code: bigint, reason: string): void {
    if (this.status === 'closed') return;
    if (!this.driver) { this.#pendingClose = { code, reason }; return; }
    this.#closeNow(code, reason);
  }

  #closeNow(code: bigint, reason: string): void {
    const d = this.driver!, h = this.handle;
    d.call(() => quic.close(h, nowUs(), code, reason, true));
    d.pump();
  }

  async migrate(): Promise<void> {
    if (this.server) throw new H3WasiError('H3W_ERR_QUIC_MIGRATION_REFUSED', 'only a client migrates (RFC 9000 §9)');
    await this.ready.promise;
    if (this.closeError) throw this.closeError;
    if (this.#migration) throw new H3WasiError('H3W_ERR_QUIC_MIGRATION_REFUSED', 'a migration is already under way');
    const d = this.driver!;
    const family = this.localAddress?.family ?? 4;
    const sock = await bindUdp(family === 6 ? '::' : '0.0.0.0', 0);
    if (this.closeError) { await sock.close(); throw this.closeError; }
    const localId = d.addSocket(sock);
    const h = this.handle;
    const ok = d.call(() => quic.migrate(h, nowUs(), localId));
    if (!ok) {
      await d.dropSocket(localId);
      throw new H3WasiError('H3W_ERR_QUIC_MIGRATION_REFUSED',
        'the connection cannot migrate now: the handshake is not confirmed, the server sent disable_active_migration (RFC 9000 §18.2), or the connection is closing');
    }
    this.#qlog?.event('connectivity:migration_state_updated', { new: 'probing_started', tuple_local: tupleInfo(sock.address) });
    const done = new Promise<void>((resolve, reject) => { this.#migration = { resolve, reject, localId }; });
    d.pump();
    return done;
  }
}

const INTERNAL = Symbol('QuicConnection');

/**
 * A QUIC connection (from `QuicEndpoint.connect()`, or a server's
 * `incoming`). Not constructible directly.
 */
export class QuicConnection {
  readonly #c: ConnectionCore;

  /** @internal */
  constructor(token: symbol, core: ConnectionCore) {
    if (token !== INTERNAL) throw new TypeError('QuicConnection is not constructible: use QuicEndpoint.connect() or a server endpoint\'s incoming connections');
    this.#c = core;
  }

  /** Resolves when the handshake completed (RFC 9001 §4.1.1); rejects with the error that ended the connection before. */
  get ready(): Promise<void> { return this.#c.ready.promise; }
  /** Resolves on a clean close ({ closeCode, reason }); rejects with QuicError on a transport error, idle timeout or reset. */
  get closed(): Promise<QuicCloseInfo> { return this.#c.closed.promise; }
  /** The protocol ALPN negotiated (RFC 9001 §8.1), once ready. */
  get alpn(): string | undefined { return this.#c.alpn; }
  /**
   * Client: what became of 0-RTT once `ready` resolved — 'accepted' (streams
   * opened before `ready` went in 0-RTT), 'rejected' (their data was sent
   * again after the handshake; nothing is lost) or 'none'.
   */
  get earlyData(): QuicEarlyData { return this.#c.earlyData; }

  /** Client: the latest session ticket, to resume with (`connect({ session })`). */
  get session(): Uint8Array | undefined { return this.#c.session; }
  /** Client: the latest NEW_TOKEN token from the server (RFC 9000 §8.1.3), for `connect({ token })`. */
  get token(): Uint8Array | undefined { return this.#c.token; }
  get isServer(): boolean { return this.#c.server; }
  /** The peer's address (client: where it connected; after a migration the current one). */
  get remoteAddress(): SocketAddress | undefined { return this.#c.remoteAddress; }
  get localAddress(): SocketAddress | undefined { return this.#c.localAddress; }
  get incomingBidirectionalStreams(): ReadableStream<QuicBidirectionalStream> { return this.#c.incomingBidi; }
  get incomingUnidirectionalStreams(): ReadableStream<ReadableStream<Uint8Array>> { return this.#c.incomingUni; }
  get datagrams(): QuicDatagrams { return this.#c.datagrams; }

  /** Opens a bidirectional stream; waits while the peer's stream limit allows none (RFC 9000 §4.6). */
  async createBidirectionalStream(options?: QuicStreamOptions): Promise<QuicBidirectionalStream> {
    const s = await this.#c.open(true, priorityArg(options));
    return { id: s.id, readable: s.readable!, writable: s.writable! };
  }

  /** Opens a unidirectional stream; waits while the peer's stream limit allows none. */
  async createUnidirectionalStream(options?: QuicStreamOptions): Promise<WritableStream<Uint8Array>> {
    const s = await this.#c.open(false, priorityArg(options));
    return s.writable!;
  }

  /**
   * Client: moves the connection to a new local socket (RFC 9000 §9.2).
   * Resolves once the new path validated; rejects (H3W_ERR_QUIC_MIGRATION_FAILED)
   * when it did not — the connection then stays where it was.
   */
  migrate(): Promise<void> { return this.#c.migrate(); }

  getStats(): Promise<QuicConnectionStats> {
    try {
      return Promise.resolve(this.#c.stats());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Closes with an application error code (CONNECTION_CLOSE 0x1d, RFC 9000
   * §19.19); `closed` resolves with it. Closing twice does nothing.
   */
  close(info: { closeCode?: number | bigint; reason?: string } = {}): void {
    if (info === null || typeof info !== 'object') throw new InvalidArgumentError('info', `must be { closeCode, reason }, got ${describe(info)}`);
    const code = info.closeCode === undefined ? 0n : bigintArg('closeCode', info.closeCode, 0n, VARINT_MAX);
    const reason = info.reason === undefined ? '' : truncateUtf8(stringArg('reason', info.reason), MAX_REASON);
    this.#c.close(code, reason);
  }
}
