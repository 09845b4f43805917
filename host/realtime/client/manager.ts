// TransportManager: one API over WebTransport and WebSocket for the browser
// (docs/realtime-client.md). It picks the transport, falls back, caches the
// choice, retries WebTransport while on WebSocket, reconnects with backoff,
// pings, and keeps "exactly once, in order" across every switch with the
// outbox (outbox.ts) and the inbox (inbox.ts). The pieces:
//   - transport.ts: the interface; wt-transport.ts / ws-transport.ts the real ones
//   - preference.ts: the cached preference; backoff.ts: reconnect delays
//   - health.ts: pings and RTT; emitter.ts: events
//
// A connection is usable once the hub's `welcome` has arrived on it (after our
// `hello`); only then is it made active, so a switch never leaves a gap: the
// old connection keeps carrying (and we keep reading) until the new one is
// welcomed, and the outbox resends what the welcome did not cover.
import { ClosedError, InvalidArgumentError } from '../../errors.js';
import { intArg, optionsArg, stringArg, enumArg } from '../../args.js';
import { validateFrame, type DeliverFrame, type Frame, type MsgFrame, type WelcomeFrame } from '../protocol.js';
import { Backoff } from './backoff.js';
import { Emitter } from './emitter.js';
import { HealthMonitor } from './health.js';
import { Inbox } from './inbox.js';
import { Outbox } from './outbox.js';
import { PreferenceCache, type StorageLike } from './preference.js';
import type { OpenTransport, Transport, TransportKind } from './transport.js';
import { WsTransport, type WebSocketCtor } from './ws-transport.js';
import { WtTransport, type WebTransportCtor } from './wt-transport.js';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export interface TransportManagerOptions {
  /** https://HOST:PORT/realtime (the token is added as ?token=); null: the hub offers no WebTransport (QUIC_ENABLED=false), WebSocket only. */
  wtUrl: string | null;
  /** wss://HOST:PORT/realtime (or ws://). */
  wsUrl: string;
  /** The JWT, sent as ?token= on both transports. */
  token?: string;
  /** base64 SHA-256 of the hub's certificate, for WebTransport's serverCertificateHashes. */
  certificateHash?: string;
  /** WebTransport must be welcomed within this, or the manager falls back to WebSocket. Default 3000. */
  fallbackTimeoutMs?: number;
  /** A WebSocket connection must be welcomed within this. Default 10000. */
  connectTimeoutMs?: number;
  /** How long a WebTransport failure keeps 'websocket' cached. Default 24 h. */
  cacheTtlMs?: number;
  /** While on WebSocket, try WebTransport again this often. Default 30000. */
  retryIntervalMs?: number;
  /** Ping the active connection this often. Default 5000. */
  pingIntervalMs?: number;
  /** Pings in a row without a pong that declare the transport dead. Default 3. */
  maxMissedPongs?: number;
  /** Reconnect delays (backoff.ts). Default { initialMs: 250, maxMs: 10000 }. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Unacknowledged messages held at most (send() refuses more). Default 10000. */
  maxOutbox?: number;
  /** Where the preference is cached. Default globalThis.localStorage; null caches nothing. */
  storage?: StorageLike | null;
  /** Stable for this manager; default a random UUID (docs/realtime-client.md says why not per tab). */
  clientId?: string;
  WebTransport?: WebTransportCtor;
  WebSocket?: WebSocketCtor;
  /** Replaces the real transports (tests). */
  openTransport?: OpenTransport;
  now?: () => number;
  random?: () => number;
  randomUUID?: () => string;
  timers?: Timers;
  log?: (level: LogLevel, message: string, details?: Record<string, unknown>) => void;
}

export interface Metrics {
  transport: TransportKind | null;
  rtt: number | null;
  /** Messages the app sent (send()) and deliveries handed to the app. */
  sent: number;
  received: number;
  /** Bytes on the wire, all frames included. */
  bytesSent: number;
  bytesReceived: number;
  /** Times a live connection was replaced by another (upgrade, switchTo). */
  switches: number;
  /** Times WebTransport failed or timed out and WebSocket was used instead. */
  fallbacks: number;
  /** Unacknowledged messages. */
  pending: number;
}

export interface TransportManagerEvents {
  message: (m: DeliverFrame) => void;
  transport: (t: TransportKind | null) => void;
  state: (s: ConnectionState) => void;
  rtt: (ms: number) => void;
  error: (e: Error) => void;
  /** `reason` for people (logged too), `code` as reported to the hub. */
  fallback: (f: { reason: string; code: FallbackCode }) => void;
}

const KNOWN = ['wtUrl', 'wsUrl', 'token', 'certificateHash', 'fallbackTimeoutMs', 'connectTimeoutMs', 'cacheTtlMs', 'retryIntervalMs',
  'pingIntervalMs', 'maxMissedPongs', 'backoff', 'maxOutbox', 'storage', 'clientId', 'WebTransport', 'WebSocket', 'openTransport',
  'now', 'random', 'randomUUID', 'timers', 'log'];
const DAY = 86_400_000;
/** Message types sent as datagrams on WebTransport (docs/realtime-protocol.md "Stream allocation"). */
const LOSSY = new Set(['typing', 'presence']);

/** Why an attempt failed, as the `fallback` msg reports it to the hub (`body.reason`: [a-z_]{1,32}). */
export type FallbackCode = 'timeout' | 'handshake_failed' | 'closed' | 'unavailable';

class AttemptError extends Error {
  readonly code: FallbackCode;
  constructor(code: FallbackCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** One connection attempt or live connection. */
interface Conn {
  t: Transport;
  kind: TransportKind;
  health: HealthMonitor;
  /** Its transport's `ready` resolved (a close before that is a failed handshake). */
  open: boolean;
  /** Settles the attempt: the welcome, or why it failed. */
  welcomed: (w: WelcomeFrame) => void;
  failed: (reason: string, code?: FallbackCode) => void;
}

export class TransportManager {
  readonly clientId: string;
  readonly #o: Required<Pick<TransportManagerOptions, 'fallbackTimeoutMs' | 'connectTimeoutMs' | 'cacheTtlMs' | 'retryIntervalMs' | 'pingIntervalMs' | 'maxMissedPongs'>>;
  readonly #urls: Record<TransportKind, string>;
  readonly #open: OpenTransport;
  readonly #hasWt: boolean;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #log: NonNullable<TransportManagerOptions['log']>;
  readonly #events: Emitter<TransportManagerEvents>;
  readonly #cache: PreferenceCache;
  readonly #backoff: Backoff;
  readonly #outbox: Outbox;
  readonly #inbox = new Inbox(4096);
  #state: ConnectionState = 'idle';
  #active: Conn | null = null;
  /** Attempts in flight (the first connect, a reconnect, a retry, a switchTo). */
  readonly #attempts = new Set<Conn>();
  #connecting: Promise<void> | null = null;
  #pingTimer: unknown = null;
  #retryTimer: unknown = null;
  #retrying = false;
  #ackQueued = false;
  #fallbackCode: FallbackCode | null = null;
  #rtt: number | null = null;
  #m = { sent: 0, received: 0, bytesSent: 0, bytesReceived: 0, switches: 0, fallbacks: 0 };

  constructor(options: TransportManagerOptions) {
    const o = optionsArg<TransportManagerOptions>('options', options, KNOWN);
    const url = (name: 'wtUrl' | 'wsUrl') => {
      if (name === 'wtUrl' && o.wtUrl === null) return '';
      const u = new URL(stringArg(`options.${name}`, o[name]));
      if (o.token !== undefined) u.searchParams.set('token', stringArg('options.token', o.token));
      return u.toString();
    };
    this.#urls = { webtransport: url('wtUrl'), websocket: url('wsUrl') };
    const ms = (name: keyof TransportManagerOptions, dflt: number, min = 1) =>
      o[name] === undefined ? dflt : intArg(`options.${name}`, o[name], min, 365 * DAY);
    this.#o = {
      fallbackTimeoutMs: ms('fallbackTimeoutMs', 3000),
      connectTimeoutMs: ms('connectTimeoutMs', 10_000),
      cacheTtlMs: ms('cacheTtlMs', DAY, 0),
      retryIntervalMs: ms('retryIntervalMs', 30_000),
      pingIntervalMs: ms('pingIntervalMs', 5000),
      maxMissedPongs: ms('maxMissedPongs', 3),
    };
    const b = optionsArg<{ initialMs: number; maxMs: number }>('options.backoff', o.backoff, ['initialMs', 'maxMs']);
    const initialMs = b.initialMs === undefined ? 250 : intArg('options.backoff.initialMs', b.initialMs, 1, DAY);
    const maxMs = b.maxMs === undefined ? Math.max(10_000, initialMs) : intArg('options.backoff.maxMs', b.maxMs, initialMs, DAY);
    this.#now = o.now ?? (() => performance.now());
    this.#timers = o.timers ?? { setTimeout: (fn, t) => globalThis.setTimeout(fn, t), clearTimeout: (id) => globalThis.clearTimeout(id as number) };
    this.#log = o.log ?? (() => {});
    this.#events = new Emitter((e) => this.#log('error', 'a listener threw', { error: String(e) }));
    const storage = 'storage' in o ? o.storage : (globalThis as { localStorage?: StorageLike }).localStorage;
    // the cache's expiry needs wall-clock time, whatever `now` measures RTT with
    this.#cache = new PreferenceCache(storage, o.now ?? (() => Date.now()));
    this.#backoff = new Backoff({ initialMs, maxMs }, o.random ?? Math.random);
    this.#outbox = new Outbox(o.maxOutbox === undefined ? 10_000 : intArg('options.maxOutbox', o.maxOutbox, 1, 1_000_000));
    this.clientId = o.clientId !== undefined ? stringArg('options.clientId', o.clientId)
      : (o.randomUUID ?? (() => globalThis.crypto.randomUUID()))();
    if (this.clientId.length < 1 || this.clientId.length > 64) throw new InvalidArgumentError('options.clientId', 'must be 1-64 characters');
    const WT = 'WebTransport' in o ? o.WebTransport : (globalThis as { WebTransport?: WebTransportCtor }).WebTransport;
    const WS = 'WebSocket' in o ? o.WebSocket : (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    // no WebTransport in this browser, or none offered by the hub (wtUrl null)
    this.#hasWt = typeof WT === 'function' && o.wtUrl !== null;
    const wtOptions: WebTransportOptions = {};
    if (o.certificateHash !== undefined) {
      const raw = atob(stringArg('options.certificateHash', o.certificateHash));
      if (raw.length !== 32) throw new InvalidArgumentError('options.certificateHash', `must be base64 of a 32-byte SHA-256, got ${raw.length} bytes`);
      wtOptions.serverCertificateHashes = [{ algorithm: 'sha-256', value: Uint8Array.from(raw, (c) => c.charCodeAt(0)) }];
    }
    this.#open = o.openTransport ?? ((kind, u, ev) => {
      if (kind === 'webtransport') return new WtTransport(WT!, u, ev, wtOptions);
      if (typeof WS !== 'function') throw new Error('this browser has no WebSocket');
      return new WsTransport(WS, u, ev);
    });
  }

  on<K extends keyof TransportManagerEvents>(name: K, fn: TransportManagerEvents[K]): this { this.#events.on(name, fn); return this; }
  off<K extends keyof TransportManagerEvents>(name: K, fn: TransportManagerEvents[K]): this { this.#events.off(name, fn); return this; }

  get transport(): TransportKind | null { return this.#active?.kind ?? null; }
  get rtt(): number | null { return this.#rtt; }
  get state(): ConnectionState { return this.#state; }
  /** The highest hub seq handed to the app (what `hello` carries). */
  get lastSeq(): number { return this.#inbox.lastSeq; }

  metrics(): Metrics {
    return { transport: this.transport, rtt: this.#rtt, ...this.#m, pending: this.#outbox.size };
  }

  /**
   * Connects (WebTransport first unless it is missing or a failure is cached;
   * WebSocket after it) and resolves once the hub has welcomed a connection.
   * Until then it keeps trying with backoff; it rejects only on close().
   */
  connect(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new ClosedError('the TransportManager'));
    if (this.#active) return Promise.resolve();
    if (!this.#connecting) {
      this.#setState('connecting');
      this.#connecting = this.#establish().finally(() => { this.#connecting = null; });
    }
    return this.#connecting;
  }

  /** Sends a message; resolves when the hub has acknowledged it (across reconnects and switches). */
  send(type: string, { room, body }: { room?: string; body?: unknown } = {}): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new ClosedError('the TransportManager'));
    try {
      validateFrame({ t: 'msg', seq: 1, type, ...(room === undefined ? {} : { room }) });
    } catch (e) {
      return Promise.reject(new InvalidArgumentError(`send(${JSON.stringify(type)})`, (e as Error).message));
    }
    this.#m.sent++;
    if (LOSSY.has(type) && this.#active?.t.sendDatagram) {
      // protocol "Stream allocation": typing / presence as a datagram, outside the seq order — not
      // acked, not resent; its seq repeats the last one given, so a hub that did order it would take
      // it for a repeat, never a gap
      const f: MsgFrame = { t: 'msg', seq: Math.max(1, this.#outbox.nextSeq - 1), type };
      if (room !== undefined) f.room = room;
      if (body !== undefined) f.body = body;
      const n = this.#active.t.sendDatagram(f);
      if (n !== null) {
        this.#m.bytesSent += n;
        return Promise.resolve();
      }
    }
    const { frame, done } = this.#outbox.add(type, room, body);
    if (this.#active) this.#transmit(this.#active, frame);
    return done;
  }

  /**
   * Forces a switch to `kind` (ignoring the cached preference): resolves when
   * a new connection of that kind is welcomed and active, rejects (staying on
   * the current one) when it fails.
   */
  async switchTo(kind: TransportKind): Promise<void> {
    enumArg('switchTo(kind)', kind, ['webtransport', 'websocket'] as const);
    if (this.#state === 'closed') throw new ClosedError('the TransportManager');
    if (kind === 'webtransport' && !this.#hasWt) throw new InvalidArgumentError('switchTo(kind)', 'no WebTransport here (none in this browser, or the hub offers none: wtUrl null)');
    const { conn, welcome } = await this.#attempt(kind);
    this.#activate(conn, welcome);
  }

  /** Closes the connection and every attempt; pending send()s and connect() reject with ClosedError. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    this.#stopTimers();
    for (const c of [...this.#attempts]) c.failed('closed');
    const a = this.#active;
    this.#active = null;
    a?.t.close('closed by the client');
    this.#outbox.fail(new ClosedError('the TransportManager'));
    if (a) this.#events.emit('transport', null);
  }

  // ---- connecting ----

  /** Tries until a connection is welcomed (or close()). */
  async #establish(): Promise<void> {
    for (;;) {
      const cached = this.#cache.get();
      const order: TransportKind[] = this.#hasWt && cached !== 'websocket' ? ['webtransport', 'websocket'] : ['websocket'];
      if (this.#hasWt && cached === 'websocket') this.#log('info', 'webtransport skipped: websocket is cached after a failure');
      for (const kind of order) {
        try {
          const { conn, welcome } = await this.#attempt(kind);
          // a switchTo() may have connected meanwhile: keep that one
          if (this.#active) conn.t.close('already connected');
          else this.#activate(conn, welcome);
          return;
        } catch (e) {
          if (this.#state === 'closed') throw new ClosedError('the TransportManager');
          const reason = (e as Error).message;
          if (kind === 'webtransport') this.#fallback(reason, (e as AttemptError).code ?? 'closed');
          else {
            this.#log('warn', 'websocket failed', { reason });
            this.#events.emit('error', e as Error);
          }
        }
      }
      const delay = this.#backoff.next();
      this.#log('info', 'reconnecting', { delayMs: Math.round(delay), attempt: this.#backoff.attempts });
      await new Promise<void>((resolve) => this.#timers.setTimeout(resolve, delay));
      if (this.#state === 'closed') throw new ClosedError('the TransportManager');
    }
  }

  /** WebTransport failed or was slow: log, count, cache 'websocket', tell the app and (once connected) the hub. */
  #fallback(reason: string, code: FallbackCode): void {
    this.#log('warn', 'webtransport failed, falling back to websocket', { reason, code });
    this.#m.fallbacks++;
    this.#fallbackCode = code;
    this.#cache.set('websocket', this.#o.cacheTtlMs);
    this.#events.emit('fallback', { reason, code });
  }

  /** Opens `kind`, sends hello and waits for welcome within the kind's timeout. */
  #attempt(kind: TransportKind): Promise<{ conn: Conn; welcome: WelcomeFrame }> {
    return new Promise((resolve, reject) => {
      const timeoutMs = kind === 'webtransport' ? this.#o.fallbackTimeoutMs : this.#o.connectTimeoutMs;
      let settled = false;
      const timer = this.#timers.setTimeout(() => conn.failed(`${kind} not ready within ${timeoutMs} ms`, 'timeout'), timeoutMs);
      const conn: Conn = {
        t: null as unknown as Transport,
        kind,
        health: new HealthMonitor(this.#o.maxMissedPongs),
        open: false,
        welcomed: (w) => {
          if (settled) return;
          settled = true;
          this.#timers.clearTimeout(timer);
          this.#attempts.delete(conn);
          resolve({ conn, welcome: w });
        },
        failed: (reason, code = 'closed') => {
          if (settled) return;
          settled = true;
          this.#timers.clearTimeout(timer);
          this.#attempts.delete(conn);
          conn.t?.close(reason);
          reject(new AttemptError(code, reason));
        },
      };
      this.#attempts.add(conn);
      try {
        conn.t = this.#open(kind, this.#urls[kind], {
          frame: (f) => this.#onFrame(conn, f),
          received: (n) => { this.#m.bytesReceived += n; },
          closed: (reason) => this.#onClosed(conn, reason),
        });
      } catch (e) {
        conn.failed(`${kind} could not start: ${(e as Error).message}`, 'unavailable');
        return;
      }
      conn.t.ready.then(() => {
        conn.open = true;
        if (settled) return;
        this.#m.bytesSent += conn.t.send({ t: 'hello', clientId: this.clientId, lastSeq: this.#inbox.lastSeq });
      }).catch((e) => conn.failed(`${kind} failed: ${(e as Error)?.message ?? e}`, 'handshake_failed'));
    });
  }

  /** A welcomed connection becomes the active one; the previous one (if any) is closed. */
  #activate(conn: Conn, welcome: WelcomeFrame): void {
    if (this.#state === 'closed') { conn.t.close('closed by the client'); return; }
    const old = this.#active;
    this.#active = conn;
    if (old) {
      this.#m.switches++;
      old.t.close(`switched to ${conn.kind}`);
    }
    this.#backoff.reset();
    if (conn.kind === 'webtransport') this.#cache.clear();
    this.#log('info', 'connected', { transport: conn.kind, connectionId: welcome.connectionId, resend: this.#outbox.size });
    // protocol "Exactly once": after welcome, every outbox entry above welcome.lastSeq, in order
    for (const f of this.#outbox.welcome(welcome.lastSeq)) this.#transmit(conn, f);
    if (this.#fallbackCode !== null) {
      // the hub counts client-reported fallbacks by reason (docs/realtime-client.md "Fallback and caching")
      const reason = this.#fallbackCode;
      this.#fallbackCode = null;
      this.#transmit(conn, this.#outbox.add('fallback', undefined, { reason }).frame);
    }
    this.#startPing();
    this.#scheduleRetry();
    if (old?.kind !== conn.kind) this.#events.emit('transport', conn.kind);
    this.#setState('connected');
  }

  #onClosed(conn: Conn, reason: string): void {
    if (this.#attempts.has(conn)) return conn.failed(reason, conn.open ? 'closed' : 'handshake_failed');
    if (conn !== this.#active) return;
    this.#active = null;
    this.#stopTimers();
    this.#log('warn', 'connection lost', { transport: conn.kind, reason });
    this.#events.emit('transport', null);
    if (this.#state === 'closed') return;
    this.#setState('reconnecting');
    const delay = this.#backoff.next();
    this.#timers.setTimeout(() => {
      if (this.#state !== 'closed' && !this.#active) this.connect().catch(() => {});
    }, delay);
  }

  // ---- frames ----

  #onFrame(conn: Conn, f: Frame): void {
    switch (f.t) {
      case 'welcome': conn.welcomed(f); break;
      case 'ack': this.#outbox.ack(f.seq); break;
      case 'deliver': this.#onDeliver(conn, f); break;
      case 'ping': this.#sendOn(conn, { t: 'pong', ts: f.ts }); break;
      case 'pong':
        if (conn === this.#active) {
          this.#rtt = conn.health.pong(f.ts, this.#now());
          this.#events.emit('rtt', this.#rtt);
        }
        break;
      case 'error':
        this.#log('warn', 'the hub reported an error', { code: f.code, message: f.message });
        this.#events.emit('error', Object.assign(new Error(`${f.code}: ${f.message}`), { code: f.code }));
        break;
      default:
        conn.t.close(`the hub sent a ${f.t} frame`);
    }
  }

  #onDeliver(conn: Conn, f: DeliverFrame): void {
    let ready: DeliverFrame[];
    try {
      ready = this.#inbox.push(f);
    } catch (e) {
      // the gap will not fill on this connection: a new one makes the hub resend after lastSeq
      conn.t.close((e as Error).message);
      return;
    }
    for (const m of ready) {
      this.#m.received++;
      this.#events.emit('message', m);
    }
    // protocol: ack the highest contiguous seq (cumulative), once per burst
    if (!this.#ackQueued) {
      this.#ackQueued = true;
      queueMicrotask(() => {
        this.#ackQueued = false;
        const to = this.#active ?? conn;
        this.#sendOn(to, { t: 'ack', seq: this.#inbox.lastSeq });
      });
    }
  }

  #transmit(conn: Conn, f: MsgFrame): void {
    if (this.#sendOn(conn, f)) this.#outbox.sent(f.seq, this.#now());
  }

  /** Sends on `conn`; a transport that refuses is left to report its close. */
  #sendOn(conn: Conn, f: Frame): boolean {
    try {
      this.#m.bytesSent += conn.t.send(f);
      return true;
    } catch (e) {
      this.#log('debug', 'send refused', { transport: conn.kind, reason: (e as Error).message });
      return false;
    }
  }

  // ---- timers ----

  #startPing(): void {
    if (this.#pingTimer !== null) this.#timers.clearTimeout(this.#pingTimer);
    const tick = () => {
      this.#pingTimer = null;
      const conn = this.#active;
      if (!conn) return;
      if (!conn.health.tick()) {
        conn.t.close(`no pong for ${this.#o.maxMissedPongs} pings`);
        return;
      }
      this.#sendOn(conn, { t: 'ping', ts: this.#now() });
      // messages unacked for long (a stalled or reset stream) go again
      const wait = Math.max(this.#o.pingIntervalMs, 4 * (this.#rtt ?? 0));
      for (const f of this.#outbox.stale(this.#now() - wait)) this.#transmit(conn, f);
      this.#pingTimer = this.#timers.setTimeout(tick, this.#o.pingIntervalMs);
    };
    this.#pingTimer = this.#timers.setTimeout(tick, this.#o.pingIntervalMs);
  }

  /** While on WebSocket (and WebTransport exists): try WebTransport every retryIntervalMs, upgrade when it is welcomed. */
  #scheduleRetry(): void {
    if (this.#retryTimer !== null) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (!this.#hasWt || this.#active?.kind !== 'websocket') return;
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#active?.kind !== 'websocket' || this.#retrying) return;
      this.#retrying = true;
      this.#attempt('webtransport').then(({ conn, welcome }) => {
        if (this.#active?.kind !== 'websocket') { conn.t.close('no longer on websocket'); return; }
        this.#log('info', 'webtransport is back: upgrading');
        this.#activate(conn, welcome);
      }, (e) => {
        this.#log('info', 'webtransport retry failed', { reason: (e as Error).message });
        this.#scheduleRetry();
      }).finally(() => { this.#retrying = false; });
    }, this.#o.retryIntervalMs);
  }

  #stopTimers(): void {
    if (this.#pingTimer !== null) this.#timers.clearTimeout(this.#pingTimer);
    if (this.#retryTimer !== null) this.#timers.clearTimeout(this.#retryTimer);
    this.#pingTimer = this.#retryTimer = null;
  }

  #setState(s: ConnectionState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.#events.emit('state', s);
  }
}
