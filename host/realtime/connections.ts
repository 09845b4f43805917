// The ConnectionManager: every open connection whatever its transport, the
// user → connections index (several devices), the clients (clientId →
// exactly-once state, delivery.ts) that outlive their connections, activity
// timestamps, pings and idle timeouts, and one `send` by connection id or
// user id. Transports (ws-transport.ts, wt-transport.ts) hand it frames and
// give it a Link to send on; routing of `msg`s is the router's (router.ts).
import crypto from 'node:crypto';
import type { Logger } from './log.js';
import type { HubMetrics, TransportName } from './metrics.js';
import { type DeliverFrame, type Frame, type MsgFrame } from './protocol.js';
import { DeliveryState, DEFAULT_DELIVERY_LIMITS, type DeliveryLimits } from './delivery.js';

/** A connection's way out. `send` returns the bytes it queued, or -1 when the frame could not be sent. */
export interface Link {
  readonly transport: TransportName;
  send(frame: Frame): number;
  /** Ends the connection (WebSocket close code / WebTransport session code). */
  close(code: number, reason: string): void;
}

/** One client (a browser tab: `hello.clientId`) of one user, across its connections. */
export class Client {
  readonly delivery: DeliveryState;
  connection: Connection | null = null;
  /** When it lost its connection (ms), for CLIENT_TTL_MS. */
  detachedAt = 0;
  readonly rooms = new Set<string>();
  constructor(readonly key: string, readonly userId: string, readonly clientId: string, limits: DeliveryLimits) {
    this.delivery = new DeliveryState(limits);
  }
}

export interface ConnectionSettings { idleTimeoutMs: number; pingIntervalMs: number }

export class Connection {
  readonly id = crypto.randomUUID();
  client: Client | null = null;
  lastActivity: number;
  lastPing = 0;
  /** msgs that came before `hello` (on another WebTransport stream), processed after it. */
  readonly early: { msg: MsgFrame; bytes: number }[] = [];
  closed = false;
  constructor(readonly userId: string, readonly link: Link, readonly settings: ConnectionSettings, now: number) {
    this.lastActivity = now;
    this.lastPing = now;
  }
  get transport(): TransportName { return this.link.transport; }
}

/** What the router does with an accepted `msg`. */
export type MessageHandler = (client: Client, conn: Connection, msg: MsgFrame) => void;

export interface ManagerOptions {
  metrics: HubMetrics;
  log: Logger;
  limits?: Partial<DeliveryLimits>;
  /** How long a client without a connection keeps its state. */
  clientTtlMs: number;
  /** Called when a client's state is dropped (rooms forget it). */
  onClientGone?: (client: Client) => void;
  now?: () => number;
}

const MAX_CLIENTS_PER_USER = 32;
const MAX_EARLY = 64;
/** WebSocket 1001 "going away"; WebTransport sessions take the same number as their code. */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_IDLE = 4000;
export const CLOSE_REPLACED = 4001;
export const CLOSE_PROTOCOL = 4002;

export class ConnectionManager {
  readonly #connections = new Map<string, Connection>();
  readonly #byUser = new Map<string, Set<Connection>>();
  readonly #clients = new Map<string, Client>();
  readonly #clientsByUser = new Map<string, Set<Client>>();
  readonly #o: ManagerOptions;
  readonly #limits: DeliveryLimits;
  readonly #now: () => number;
  onMessage: MessageHandler = () => {};

  constructor(o: ManagerOptions) {
    this.#o = o;
    this.#limits = { ...DEFAULT_DELIVERY_LIMITS, ...o.limits };
    this.#now = o.now ?? Date.now;
  }

  get size(): number { return this.#connections.size; }
  connection(id: string): Connection | undefined { return this.#connections.get(id); }
  client(key: string): Client | undefined { return this.#clients.get(key); }
  clientsOf(userId: string): Iterable<Client> { return this.#clientsByUser.get(userId) ?? []; }

  register(userId: string, link: Link, settings: ConnectionSettings): Connection {
    const conn = new Connection(userId, link, settings, this.#now());
    this.#connections.set(conn.id, conn);
    let set = this.#byUser.get(userId);
    if (!set) this.#byUser.set(userId, (set = new Set()));
    set.add(conn);
    this.#o.metrics.opened(link.transport);
    this.#o.log.info({ event: 'connection_open', connectionId: conn.id, userId, transport: link.transport }, 'connection opened');
    return conn;
  }

  /** The connection ended (its transport says so); its client keeps its state for CLIENT_TTL_MS. */
  unregister(conn: Connection, why = 'closed'): void {
    if (conn.closed) return;
    conn.closed = true;
    this.#connections.delete(conn.id);
    const set = this.#byUser.get(conn.userId);
    set?.delete(conn);
    if (set?.size === 0) this.#byUser.delete(conn.userId);
    if (conn.client?.connection === conn) {
      conn.client.connection = null;
      conn.client.detachedAt = this.#now();
    }
    this.#o.metrics.closed(conn.transport);
    this.#o.log.info({ event: 'connection_close', connectionId: conn.id, userId: conn.userId, transport: conn.transport, why }, 'connection closed');
  }

  /** Sends one frame on one connection; a failure is counted and false returned. */
  #sendOn(conn: Connection, frame: Frame): boolean {
    if (conn.closed) return false;
    let bytes = -1;
    try { bytes = conn.link.send(frame); } catch (e) { this.#o.log.warn({ event: 'send_failed', connectionId: conn.id, err: (e as Error).message }, 'send failed'); }
    if (bytes >= 0) this.#o.metrics.frame('out', conn.transport, bytes);
    else this.#o.metrics.sendFailures.inc({ transport: conn.transport });
    return bytes >= 0;
  }

  /** One send whatever the transport: to a connection id, or to every connection of a user id. Returns how many took it. */
  send(target: string, frame: Frame): number {
    const one = this.#connections.get(target);
    if (one) return this.#sendOn(one, frame) ? 1 : 0;
    let n = 0;
    for (const c of this.#byUser.get(target) ?? []) if (this.#sendOn(c, frame)) n++;
    return n;
  }

  /** A routed message to one client: numbered, kept until acked, sent now if it is connected. */
  deliver(client: Client, d: Omit<DeliverFrame, 't' | 'seq'>): void {
    const before = client.delivery.dropped;
    const frame = client.delivery.deliver(d);
    if (client.delivery.dropped > before) {
      this.#o.metrics.droppedDeliveries.inc();
      if (client.delivery.dropped === 1 || client.delivery.dropped % 100 === 0) this.#o.log.warn({ event: 'deliveries_dropped', userId: client.userId, clientId: client.clientId, dropped: client.delivery.dropped, limit: this.#limits.unacked }, 'a client away too long: unacked deliveries dropped');
    }
    if (client.connection) this.#sendOn(client.connection, frame);
  }

  /** A frame from a connection (`bytes` its size); `datagram`: a lossy WebTransport datagram (typing/presence, outside the seq order). */
  frame(conn: Connection, f: Frame, bytes: number, datagram = false): void {
    if (conn.closed) return;
    conn.lastActivity = this.#now();
    this.#o.metrics.frame('in', conn.transport, bytes);
    switch (f.t) {
      case 'hello': return this.#hello(conn, f.clientId, f.lastSeq);
      case 'msg':
        if (datagram) {
          // docs/realtime-protocol.md "Frames": datagrams carry only typing and presence; lost ones are not resent, so they stay outside the seq order
          if ((f.type === 'typing' || f.type === 'presence') && conn.client) this.onMessage(conn.client, conn, f);
          return;
        }
        if (!conn.client) {
          if (conn.early.length >= MAX_EARLY) return this.#fail(conn, 'hello_first', 'the first frame must be hello');
          conn.early.push({ msg: f, bytes });
          return;
        }
        return this.#msg(conn, conn.client, f, bytes);
      case 'ack':
        conn.client?.delivery.acked(f.seq);
        return;
      case 'ping':
        this.#sendOn(conn, { t: 'pong', ts: f.ts });
        return;
      case 'pong': {
        const rtt = this.#now() - f.ts;
        if (rtt >= 0 && rtt < 120_000) this.#o.metrics.rtt.observe({ transport: conn.transport }, rtt / 1000);
        return;
      }
      default:
        this.#sendOn(conn, { t: 'error', code: 'bad_frame', message: `a client does not send ${f.t}` });
    }
  }

  #fail(conn: Connection, code: string, message: string): void {
    this.#sendOn(conn, { t: 'error', code, message });
    conn.link.close(CLOSE_PROTOCOL, message);
    this.unregister(conn, code);
  }

  #hello(conn: Connection, clientId: string, lastSeq: number): void {
    if (conn.client) return void this.#sendOn(conn, { t: 'error', code: 'bad_frame', message: 'hello was already sent on this connection' });
    // clientIds are per user: another user's clientId names another client
    const key = `${conn.userId}\n${clientId}`;
    let client = this.#clients.get(key);
    if (!client) {
      const mine = this.#clientsByUser.get(conn.userId) ?? new Set<Client>();
      if (mine.size >= MAX_CLIENTS_PER_USER) {
        const idle = [...mine].filter((c) => !c.connection).sort((a, b) => a.detachedAt - b.detachedAt)[0];
        if (!idle) return this.#fail(conn, 'too_many_clients', `a user has at most ${MAX_CLIENTS_PER_USER} clients connected`);
        this.#dropClient(idle);
      }
      client = new Client(key, conn.userId, clientId, this.#limits);
      this.#clients.set(key, client);
      mine.add(client);
      this.#clientsByUser.set(conn.userId, mine);
    }
    const old = client.connection;
    if (old && old !== conn) {
      // the client switched (or reconnected before its old connection timed out): the newest connection takes the deliveries
      old.client = null;
      old.link.close(CLOSE_REPLACED, 'replaced by a newer connection of the same client');
      this.unregister(old, 'replaced');
    }
    client.connection = conn;
    conn.client = client;
    this.#sendOn(conn, { t: 'welcome', userId: conn.userId, connectionId: conn.id, lastSeq: client.delivery.acceptedSeq });
    for (const d of client.delivery.resendAfter(lastSeq)) if (!this.#sendOn(conn, d)) break;
    const early = conn.early.splice(0);
    for (const e of early) this.#msg(conn, client, e.msg, e.bytes);
  }

  #msg(conn: Connection, client: Client, msg: MsgFrame, bytes: number): void {
    const started = performance.now();
    const r = client.delivery.receive(msg, bytes);
    if (r.duplicate) this.#o.metrics.duplicates.inc();
    if (r.refused) {
      this.#sendOn(conn, { t: 'error', code: 'out_of_order', message: `msg ${msg.seq} is too far ahead of ${client.delivery.acceptedSeq} (the hold is full)` });
      return;
    }
    for (const m of r.process) {
      const t0 = performance.now();
      try {
        this.onMessage(client, conn, m);
      } catch (e) {
        this.#o.log.error({ event: 'handler_failed', type: m.type, err: (e as Error).message }, 'message handler failed');
        this.#sendOn(conn, { t: 'error', code: 'handler_failed', message: `the ${m.type} handler failed` });
      }
      const ms = performance.now() - t0;
      this.#o.metrics.processing.observe({ type: m.type.length <= 16 && /^[a-z_]+$/.test(m.type) ? m.type : 'other' }, (performance.now() - started) / 1000);
      if (ms > 50) this.#o.log.warn({ event: 'slow_handler', type: m.type, ms: Math.round(ms), userId: client.userId }, 'a message handler was slow');
    }
    if (r.ack !== null && !conn.closed && client.connection === conn) this.#sendOn(conn, { t: 'ack', seq: r.ack });
  }

  #dropClient(client: Client): void {
    this.#clients.delete(client.key);
    const mine = this.#clientsByUser.get(client.userId);
    mine?.delete(client);
    if (mine?.size === 0) this.#clientsByUser.delete(client.userId);
    this.#o.onClientGone?.(client);
  }

  /** Pings connections due one, closes idle ones, forgets clients away longer than clientTtlMs. The hub calls it on a timer. */
  sweep(): void {
    const now = this.#now();
    for (const conn of [...this.#connections.values()]) {
      if (now - conn.lastActivity >= conn.settings.idleTimeoutMs) {
        this.#o.log.info({ event: 'idle_timeout', connectionId: conn.id, idleMs: now - conn.lastActivity }, 'closing an idle connection');
        conn.link.close(CLOSE_IDLE, 'idle timeout');
        this.unregister(conn, 'idle');
      } else if (now - conn.lastPing >= conn.settings.pingIntervalMs) {
        conn.lastPing = now;
        this.#sendOn(conn, { t: 'ping', ts: now });
      }
    }
    for (const c of [...this.#clients.values()]) if (!c.connection && now - c.detachedAt >= this.#o.clientTtlMs) this.#dropClient(c);
  }

  /** Closes every connection, or those of one transport (hub shutdown). */
  closeAll(code: number, reason: string, transport?: TransportName): void {
    for (const conn of [...this.#connections.values()]) {
      if (transport && conn.transport !== transport) continue;
      conn.link.close(code, reason);
      this.unregister(conn, 'shutdown');
    }
  }
}
