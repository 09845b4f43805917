// The demo chat's handlers (docs/realtime-protocol.md "Message types of the
// demo"): rooms of clients, join / leave / chat / history / typing /
// presence, and `fallback` (a client reports it fell back to WebSocket;
// counted in realtime_client_fallbacks_total). Room membership is per client
// (clientId), so it survives a transport switch; room events reach other
// hubs' members through the bus (bus.ts). Bounded: room names, rooms
// per client, rooms, history per room, chat text.
import type { Client, ConnectionManager } from './connections.js';
import { LocalBus, type Bus } from './bus.js';
import type { HubMetrics } from './metrics.js';
import type { MsgFrame } from './protocol.js';
import { RouteError, type MessageRouter, type RouteContext } from './router.js';

export interface RoomLimits { history: number; roomsPerClient: number; rooms: number; textChars: number }
export const DEFAULT_ROOM_LIMITS: RoomLimits = { history: 100, roomsPerClient: 64, rooms: 10_000, textChars: 16_384 };

export interface HistoryEntry { from: string; text: string; ts: number }

export class Rooms {
  readonly #members = new Map<string, Set<Client>>();
  readonly #history = new Map<string, HistoryEntry[]>();
  constructor(readonly limits: RoomLimits = DEFAULT_ROOM_LIMITS) {}

  members(room: string): Iterable<Client> { return this.#members.get(room) ?? []; }
  history(room: string): HistoryEntry[] { return this.#history.get(room) ?? []; }
  get size(): number { return this.#members.size; }

  join(client: Client, room: string): void {
    if (client.rooms.has(room)) return;
    if (client.rooms.size >= this.limits.roomsPerClient) throw new RouteError('limit', `a client is in at most ${this.limits.roomsPerClient} rooms`);
    let set = this.#members.get(room);
    if (!set) {
      if (this.#members.size >= this.limits.rooms) throw new RouteError('limit', `the hub holds at most ${this.limits.rooms} rooms`);
      this.#members.set(room, (set = new Set()));
    }
    set.add(client);
    client.rooms.add(room);
  }

  leave(client: Client, room: string): void {
    client.rooms.delete(room);
    const set = this.#members.get(room);
    set?.delete(client);
    if (set?.size === 0) this.#members.delete(room);
  }

  /** A client's state was dropped: it leaves every room. */
  forget(client: Client): void {
    for (const r of [...client.rooms]) this.leave(client, r);
  }

  record(room: string, e: HistoryEntry): void {
    if (this.limits.history === 0) return;
    let h = this.#history.get(room);
    if (!h) this.#history.set(room, (h = []));
    h.push(e);
    if (h.length > this.limits.history) h.splice(0, h.length - this.limits.history);
  }

  setHistoryLimit(n: number): void { this.limits.history = n; }
}

const roomOf = (msg: MsgFrame): string => {
  if (msg.room === undefined) throw new RouteError('bad_message', `${msg.type} needs a room`);
  return msg.room;
};
const member = (ctx: RouteContext, room: string): void => {
  if (!ctx.client.rooms.has(room)) throw new RouteError('forbidden', `join ${JSON.stringify(room)} first`);
};
const fieldOf = (body: unknown, name: string): unknown => (body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined);

/** Deliveries to every member of a room here (optionally but one). */
function toRoom(manager: ConnectionManager, rooms: Rooms, room: string, d: { from: string; type: string; body?: unknown; ts: number }, except?: Client): void {
  for (const c of rooms.members(room)) if (c !== except) manager.deliver(c, { ...d, room });
}

const FALLBACK_REASON = /^[a-z_]{1,32}$/;
const MAX_FALLBACK_LABELS = 16;

/** Registers the demo's handlers on `router`; room events also go to other hubs through `bus` (bus.ts). */
export function registerDemoHandlers(router: MessageRouter, rooms: Rooms, metrics: HubMetrics, bus: Bus = new LocalBus()): void {
  const manager = router.manager;
  const reasons = new Set<string>();
  const fanout = (room: string, d: { from: string; type: string; body?: unknown }, except?: Client): void => {
    const ts = Date.now();
    toRoom(manager, rooms, room, { ...d, ts }, except);
    bus.publish({ room, ...d, ts });
  };
  bus.onEvent = (e) => {
    if (e.type === 'chat') {
      const text = fieldOf(e.body, 'text');
      if (typeof text === 'string') rooms.record(e.room, { from: e.from, text, ts: e.ts });
    }
    toRoom(manager, rooms, e.room, { from: e.from, type: e.type, body: e.body, ts: e.ts });
  };
  router
    .on('join', (msg, ctx) => {
      const room = roomOf(msg);
      rooms.join(ctx.client, room);
      fanout(room, { from: ctx.client.userId, type: 'join' });
    })
    .on('leave', (msg, ctx) => {
      const room = roomOf(msg);
      member(ctx, room);
      fanout(room, { from: ctx.client.userId, type: 'leave' });
      rooms.leave(ctx.client, room);
    })
    .on('chat', (msg, ctx) => {
      const room = roomOf(msg);
      member(ctx, room);
      const text = fieldOf(msg.body, 'text');
      if (typeof text !== 'string' || text.length > rooms.limits.textChars) throw new RouteError('bad_message', `chat needs body.text, a string of at most ${rooms.limits.textChars} characters`);
      rooms.record(room, { from: ctx.client.userId, text, ts: Date.now() });
      fanout(room, { from: ctx.client.userId, type: 'chat', body: { text } });
    })
    .on('history', (msg, ctx) => {
      const room = roomOf(msg);
      member(ctx, room);
      manager.deliver(ctx.client, { from: '', type: 'history', room, body: { messages: rooms.history(room) }, ts: Date.now() });
    })
    .on('typing', (msg, ctx) => {
      const room = roomOf(msg);
      member(ctx, room);
      fanout(room, { from: ctx.client.userId, type: 'typing' }, ctx.client);
    })
    .on('presence', (msg, ctx) => {
      const status = fieldOf(msg.body, 'status');
      if (typeof status !== 'string' || status.length > 64) throw new RouteError('bad_message', 'presence needs body.status, a string of at most 64 characters');
      for (const room of ctx.client.rooms) fanout(room, { from: ctx.client.userId, type: 'presence', body: { status } }, ctx.client);
    })
    .on('fallback', (msg) => {
      // the label set is bounded: a client cannot grow the metric without limit
      const r = fieldOf(msg.body, 'reason');
      let reason = typeof r === 'string' && FALLBACK_REASON.test(r) ? r : 'other';
      if (!reasons.has(reason)) {
        if (reasons.size >= MAX_FALLBACK_LABELS) reason = 'other';
        else reasons.add(reason);
      }
      metrics.fallbacks.inc({ reason });
    });
}
