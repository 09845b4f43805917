// The driver: one engine endpoint (the connections behind our sockets), one
// or more UDP sockets (a socket's index is its `local-id`; a client that
// migrates binds a second one) and one timer. It runs the loop wit/quic.wit
// prescribes, once per wake-up:
//
//   a batch of datagrams arrived → `recv` (one call per batch)
//   or the timer fired            → `on-timeout`
//   then `poll-transmit` until it returns fewer datagrams than asked (the
//        engine is done), handing each batch to its socket — and stopping
//        while a socket pushes back, resuming on drain
//   then `poll-events` (likewise), dispatched to the connection objects
//   then `next-timeout` → arm ONE timer (re-armed only when the deadline moved earlier)
//
// Calls the application makes between wake-ups (stream writes, close, ...)
// go straight to the engine and ask for a pump, coalesced into one per turn
// of the event loop (setImmediate, after the application's promise chains).
// The timer and the sockets keep the process alive only while a connection
// is open (or a server listens).

import { quic } from '../core/engine.js';
import { callEngine } from '../core/call.js';
import { Owned } from '../core/owned.js';
import { ClosedError, EngineError, InvalidArgumentError, LimitError } from '../errors.js';
import { decodeEvents, packDatagrams, packedSize, unpackDatagrams, QUIC_EVENT, type QuicWireEvent } from './wire.js';
import type { AddressedDatagram, DatagramSocket } from './socket.js';

export const U64_MAX = (1n << 64n) - 1n;
/** Datagrams asked of `poll-transmit` per call, events of `poll-events`. */
const TRANSMIT_BATCH = 64;
/**
 * Datagrams sent in one pump before the rest waits for the next turn of the
 * event loop (setImmediate): I/O and timers run in between, and an engine
 * that kept producing datagrams could not take the process with it.
 */
const TRANSMIT_PER_TURN = 16 * TRANSMIT_BATCH;
const EVENT_BATCH = 256;
/** RFC 9000 §20.1 CONNECTION_REFUSED: the answer to a connection arriving while the endpoint shuts down. */
const CONNECTION_REFUSED = 0x02n;

/** Monotonic microseconds (the core's `now-us`). */
export function nowUs(): bigint {
  return process.hrtime.bigint() / 1000n;
}
const wallMs = () => BigInt(Date.now());

/**
 * The engine's refusal of `endpoint-new` / `connect` (a WIT result error):
 * a full table is a LimitError, anything else names the argument at fault.
 */
const refused = (argument: string) => (p: unknown): Error | undefined =>
  typeof p !== 'string' ? undefined : /too many/.test(p) ? new LimitError(`${p} (the engine's table is full: close some first)`) : new InvalidArgumentError(argument, p);

/** What the driver tells a connection object. */
export interface ConnectionSink {
  /** One event of this connection, in order. */
  onEvent(e: QuicWireEvent): void;
  /** The engine forgot the connection (its closing period ended, or the endpoint went away). */
  onFreed(): void;
  /** The engine failed (a trap): nothing more will come. */
  onFatal(e: Error): void;
}

const IGNORE: ConnectionSink = { onEvent() {}, onFreed() {}, onFatal() {} };

interface Conn {
  sink: ConnectionSink;
  /** The Closed event came: waiting for the core's state to reach closed (4). */
  closing: boolean;
}

export interface DriverOptions {
  server: boolean;
  /** Client endpoints: go away (sockets closed, endpoint freed) once the last connection is freed. */
  closeWhenIdle?: boolean;
  /** Server: a connection the engine accepted; return its sink. */
  onConnection?: (handle: number) => ConnectionSink;
  /** The endpoint is gone (the owner releases what it shared with it, e.g. the TLS config). */
  onDisposed?: () => void;
  /**
   * Open connections keep the process alive only while held (`hold`): a
   * pooled HTTP/3 client connection waiting for its next request does not,
   * as Node's own fetch lets an idle keep-alive socket go.
   */
  weak?: boolean;
}

export class QuicDriver {
  readonly server: boolean;
  readonly #owned: Owned;
  readonly #sockets: (DatagramSocket | null)[] = [];
  readonly #conns = new Map<number, Conn>();
  /** Handles whose Closed event came (their closing or draining period runs in the core). */
  readonly #closing = new Set<number>();
  /** Whether the timer and sockets currently keep the process alive. */
  #kept: boolean | null = null;
  readonly #opts: DriverOptions;
  /** Per socket: whether it pushes back (set by a refused send, cleared by its onDrain). */
  readonly #socketState = new Map<DatagramSocket, { blocked: boolean }>();
  #blocked = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Where a received batch is packed for `recv` (grown as needed, reused). */
  #recvBuf = new Uint8Array(64 << 10);
  #armedFor = -1n;
  #pumping = false;
  #again = false;
  #kickScheduled = false;
  /** Engine calls made through `call` (and by dispatch itself): whether dispatching may have queued events. */
  #calls = 0;
  #shuttingDown = false;
  #disposed = false;
  #fatal: Error | null = null;
  #idleWaiters: (() => void)[] = [];
  /** `weak` drivers: how many holds keep the process alive. */
  #holds = 0;
  #disposedPromise: Promise<void> | null = null;

  constructor(config: Uint8Array, tlsConfigId: number, opts: DriverOptions) {
    this.server = opts.server;
    this.#opts = opts;
    const h = callEngine(() => quic.endpointNew(config, tlsConfigId), refused('quic'));
    this.#owned = new Owned(this, h, quic.endpointFree, 'QuicEndpoint');
  }

  get endpoint(): number { return this.#owned.handle; }
  get closed(): boolean { return this.#disposed; }
  get shuttingDown(): boolean { return this.#shuttingDown; }
  /** Connections not yet closed (the ones that keep the process alive). */
  get openConnections(): number {
    return this.#conns.size - this.#closing.size;
  }
  socket(localId: number): DatagramSocket | null { return this.#sockets[localId] ?? null; }

  /** Adds a socket; returns its local-id. */
  addSocket(s: DatagramSocket): number {
    if (this.#disposed) throw new ClosedError('QuicEndpoint');
    const id = this.#sockets.length;
    this.#sockets.push(s);
    const state = { blocked: false };
    this.#socketState.set(s, state);
    s.onBatch = (batch) => this.#recv(id, batch);
    s.onDrain = () => {
      if (!state.blocked) return;
      state.blocked = false;
      this.#blocked--;
      this.pump();
    };
    this.#refs(true);
    return id;
  }

  /** Closes and forgets socket `localId` (a migration that failed). */
  async dropSocket(localId: number): Promise<void> {
    const s = this.#sockets[localId];
    if (!s) return;
    this.#sockets[localId] = null;
    const state = this.#socketState.get(s);
    this.#socketState.delete(s);
    if (state?.blocked) this.#blocked--;
    s.onBatch = null;
    s.onDrain = null;
    await s.close();
  }

  /** Client: starts a connection through socket `localId`; returns its handle. */
  connect(addr: Uint8Array, localId: number, session: Uint8Array, token: Uint8Array, sink: ConnectionSink): number {
    const ep = this.endpoint;
    const h = callEngine(() => quic.connect(ep, nowUs(), wallMs(), addr, localId, session, token), refused('host'));
    this.#conns.set(h, { sink, closing: false });
    this.#refs();
    // the caller pumps once it knows the handle (events may follow at once)
    return h;
  }

  /**
   * Asks for a pump once the application's current burst of calls is over:
   * in the event loop's check phase (setImmediate), after every microtask,
   * so a write and the close that awaits it (or a read, the echo written
   * back and its FIN) leave in one packet, not one packet each.
   */
  kick(): void {
    if (this.#kickScheduled || this.#disposed) return;
    this.#kickScheduled = true;
    setImmediate(this.#kicked);
  }

  readonly #kicked = () => {
    this.#kickScheduled = false;
    this.pump();
  };

  /**
   * One engine call on behalf of a connection; a trap fails the whole endpoint.
   * A WIT `result` error is the caller's to map (`mapError`, callEngine): a
   * refusal, not a trap.
   */
  call<T>(f: () => T, mapError?: (payload: unknown) => Error | undefined): T {
    if (this.#fatal) throw this.#fatal;
    this.#calls++;
    try {
      return callEngine(f, mapError);
    } catch (e) {
      if (e instanceof EngineError) this.#fail(e);
      throw e;
    }
  }

  #recv(localId: number, batch: AddressedDatagram[]): void {
    if (this.#disposed || this.#fatal) return;
    const ep = this.endpoint;
    // `recv` copies its argument into the engine: one buffer serves every batch
    const size = packedSize(batch);
    if (this.#recvBuf.length < size) this.#recvBuf = new Uint8Array(Math.max(size, 2 * this.#recvBuf.length));
    const packed = packDatagrams(batch, localId, this.#recvBuf);
    if (!this.#guard(() => quic.recv(ep, nowUs(), wallMs(), packed))) return;
    this.pump();
  }

  readonly #fire = () => {
    this.#timer = null;
    this.#armedFor = -1n;
    if (this.#disposed || this.#fatal) return;
    const ep = this.endpoint;
    if (!this.#guard(() => quic.onTimeout(ep, nowUs(), wallMs()))) return;
    this.pump();
  };

  /** transmit → events → reap → timer, until nothing is left to do. */
  pump(): void {
    if (this.#disposed || this.#fatal) return;
    if (this.#pumping) { this.#again = true; return; }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        if (!this.#guard(() => this.#transmit())) return;
        if (!this.#guard(() => this.#events())) return;
      } while (this.#again);
      if (!this.#guard(() => this.#reap())) return;
      if (this.#disposed) return;
      if (!this.#guard(() => this.#arm())) return;
      this.#refs();
    } finally {
      this.#pumping = false;
    }
  }

  #transmit(): void {
    const ep = this.endpoint;
    // wit/quic.wit: poll-transmit until it returns nothing — unless a socket pushes back
    for (let sent = 0; this.#blocked === 0; sent += TRANSMIT_BATCH) {
      if (sent >= TRANSMIT_PER_TURN) { this.kick(); return; }
      const out = quic.pollTransmit(ep, nowUs(), TRANSMIT_BATCH);
      if (out.length === 0) return;
      const all = unpackDatagrams(out);
      // fewer than asked: every connection is done for now (assembly/quic/endpoint.ts
      // pollTransmit stops early only then), so the empty call that would say so is saved
      const more = all.length === TRANSMIT_BATCH;
      // usually one socket: send the batch as it is; else split it by local-id
      const first = all[0].localId;
      if (all.every((d) => d.localId === first)) this.#send(first, all);
      else {
        const by = new Map<number, AddressedDatagram[]>();
        for (const d of all) {
          let l = by.get(d.localId);
          if (!l) by.set(d.localId, (l = []));
          l.push(d);
        }
        for (const [id, l] of by) this.#send(id, l);
      }
      if (!more) return;
    }
  }

  #send(localId: number, batch: AddressedDatagram[]): void {
    const s = this.#sockets[localId];
    if (!s) return; // a socket we dropped: the datagrams are lost, like on a dead path
    if (s.send(batch)) return;
    const state = this.#socketState.get(s);
    if (state && !state.blocked) {
      state.blocked = true;
      this.#blocked++;
    }
  }

  #events(): void {
    const ep = this.endpoint;
    for (;;) {
      const bytes = quic.pollEvents(ep, EVENT_BATCH);
      if (bytes.length === 0) return;
      const events = decodeEvents(bytes);
      const calls = this.#calls;
      for (const e of events) this.#dispatch(e);
      // fewer than asked and no engine call while dispatching: the queues are empty, no need to ask again
      if (events.length < EVENT_BATCH && calls === this.#calls) return;
    }
  }

  #dispatch(e: QuicWireEvent): void {
    let c = this.#conns.get(e.connection);
    if (!c) {
      // a server learns of a new connection by its first event
      let sink = IGNORE;
      if (this.#shuttingDown || !this.server || !this.#opts.onConnection) {
        const h = e.connection;
        this.#calls++;
        quic.close(h, nowUs(), CONNECTION_REFUSED, 'the endpoint is closing', false);
      } else {
        sink = this.#opts.onConnection(e.connection);
      }
      c = { sink, closing: false };
      this.#conns.set(e.connection, c);
    }
    if (e.kind === QUIC_EVENT.closed && !c.closing) {
      c.closing = true;
      this.#closing.add(e.connection);
    }
    try {
      c.sink.onEvent(e);
    } catch (err) {
      // a bug in a connection object must not stop the loop for the others
      queueMicrotask(() => { throw err; });
    }
  }

  /** Frees connections whose closing or draining period is over (RFC 9000 §10.2). */
  #reap(): void {
    for (const h of this.#closing) {
      if (quic.stats(h).state !== 4) continue;
      this.#free(h, this.#conns.get(h)!);
    }
    if (this.#conns.size === 0) {
      const w = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const f of w) f();
      if (this.#opts.closeWhenIdle && !this.#disposed) void this.dispose();
    }
  }

  #free(h: number, c: Conn): void {
    this.#conns.delete(h);
    this.#closing.delete(h);
    quic.connectionFree(h);
    try { c.sink.onFreed(); } catch (err) { queueMicrotask(() => { throw err; }); }
  }

  #arm(): void {
    const t = quic.nextTimeout(this.endpoint);
    if (t === U64_MAX) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#armedFor = -1n;
      return;
    }
    // A later deadline keeps the armed timer: it fires early, `on-timeout` finds
    // nothing due, and the pump then arms for the real deadline. Deadlines move
    // later with nearly every packet (idle, ACK delay, PTO), so this saves a
    // clearTimeout + setTimeout per wake-up in a busy connection.
    if (this.#timer && t >= this.#armedFor) return;
    if (this.#timer) clearTimeout(this.#timer);
    const delayUs = t - nowUs();
    const ms = delayUs <= 0n ? 0 : Math.ceil(Number(delayUs) / 1000);
    this.#timer = setTimeout(this.#fire, ms);
    this.#armedFor = t;
  }

  /** `weak` drivers: something in progress (a request) keeps the process alive until released (-1). */
  hold(delta: number): void {
    this.#holds += delta;
    this.#refs();
  }

  /** The process stays alive while a connection is open (and held, when weak), a server listens, or a shutdown is under way. */
  #refs(force = false): void {
    const keep = (this.openConnections > 0 && (!this.#opts.weak || this.#holds > 0)) || this.#shuttingDown;
    if (this.#timer) { if (keep) this.#timer.ref(); else this.#timer.unref(); }
    if (keep === this.#kept && !force) return;
    this.#kept = keep;
    const socketsKeep = keep || (this.server && !this.#disposed);
    for (const s of this.#sockets) if (s) { if (socketsKeep) s.ref(); else s.unref(); }
  }

  #guard(f: () => void): boolean {
    try {
      f();
      return true;
    } catch (e) {
      this.#fail(e instanceof EngineError ? e : new EngineError(e));
      return false;
    }
  }

  /** The engine trapped: every connection learns it, and the endpoint goes away. */
  #fail(e: EngineError): void {
    if (this.#fatal) return;
    this.#fatal = e;
    for (const c of this.#conns.values()) {
      try { c.sink.onFatal(e); } catch { /* nothing more to do */ }
    }
    this.#conns.clear();
    this.#closing.clear();
    void this.dispose(true);
  }

  /**
   * Graceful shutdown: every open connection is closed (CONNECTION_CLOSE
   * with application code 0), then the driver waits until their closing
   * periods end or `deadlineMs` passes, and closes the sockets.
   */
  async shutdown(deadlineMs: number, code = 0n, reason = ''): Promise<void> {
    if (this.#disposed) return this.#disposedPromise ?? undefined;
    this.#shuttingDown = true;
    for (const [h, c] of this.#conns) {
      if (!c.closing) this.#guard(() => quic.close(h, nowUs(), code, reason, true));
    }
    this.pump();
    if (this.#conns.size > 0 && !this.#fatal) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadlineMs);
        this.#idleWaiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    await this.dispose();
  }

  /** Frees every connection and the endpoint, closes the sockets. */
  dispose(fatal = false): Promise<void> {
    if (this.#disposedPromise) return this.#disposedPromise;
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!fatal) {
      for (const [h, c] of [...this.#conns]) {
        try { this.#free(h, c); } catch { this.#conns.delete(h); }
      }
      try { this.#owned.close(); } catch { /* the instance may be gone */ }
    }
    try { this.#opts.onDisposed?.(); } catch { /* the owner's cleanup must not stop ours */ }
    const socks = this.#sockets.filter((s): s is DatagramSocket => s !== null);
    this.#sockets.fill(null);
    this.#disposedPromise = Promise.all(socks.map((s) => s.close())).then(() => {});
    return this.#disposedPromise;
  }
}
