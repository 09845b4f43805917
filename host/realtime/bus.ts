// Room messages between hub processes (docs/realtime.md "Scale-out"). The
// default is one process: the LocalBus publishes nowhere. With REDIS_URL,
// every room delivery a hub makes is also published on one Redis pub/sub
// channel, and each hub delivers what other hubs published to its own
// members of that room (the origin skips its own). Each hub keeps the
// exactly-once state of its own clients; the bus only fans out.
import crypto from 'node:crypto';
import { createClient } from 'redis';
import type { Logger } from './log.js';

/** One room delivery crossing hubs. */
export interface BusEvent { origin: string; room: string; from: string; type: string; body?: unknown; ts: number }

export interface Bus {
  readonly kind: 'local' | 'redis';
  /** This hub's id (events it published come back with it and are skipped). */
  readonly origin: string;
  publish(e: Omit<BusEvent, 'origin'>): void;
  /** Events other hubs published. */
  onEvent: (e: BusEvent) => void;
  close(): Promise<void>;
}

export const BUS_CHANNEL = 'h3-wasi:realtime:rooms';
const MAX_EVENT = 1 << 20;

export class LocalBus implements Bus {
  readonly kind = 'local' as const;
  readonly origin = crypto.randomUUID();
  onEvent: (e: BusEvent) => void = () => {};
  publish(): void {}
  async close(): Promise<void> {}
}

/** A Redis event's shape checked: another process wrote it. */
function parseEvent(text: string): BusEvent | null {
  if (text.length > MAX_EVENT) return null;
  let v: unknown;
  try { v = JSON.parse(text); } catch { return null; }
  if (v === null || typeof v !== 'object') return null;
  const e = v as Record<string, unknown>;
  if (typeof e.origin !== 'string' || typeof e.room !== 'string' || typeof e.from !== 'string' || typeof e.type !== 'string' || typeof e.ts !== 'number') return null;
  return e as unknown as BusEvent;
}

/** Connects a publisher and a subscriber to `url`; rejects when Redis cannot be reached. */
export async function createRedisBus(url: string, log: Logger): Promise<Bus> {
  const origin = crypto.randomUUID();
  const pub = createClient({ url });
  const sub = pub.duplicate();
  for (const [c, role] of [[pub, 'publisher'], [sub, 'subscriber']] as const) c.on('error', (e: Error) => log.warn({ event: 'redis_error', role, err: e.message }, 'Redis error'));
  await Promise.all([pub.connect(), sub.connect()]);
  const bus: Bus = {
    kind: 'redis', origin,
    onEvent: () => {},
    publish(e) {
      pub.publish(BUS_CHANNEL, JSON.stringify({ ...e, origin })).catch((err: Error) => log.warn({ event: 'redis_publish_failed', err: err.message }, 'a room event did not reach Redis'));
    },
    async close() {
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
  await sub.subscribe(BUS_CHANNEL, (text) => {
    const e = parseEvent(text);
    if (!e) { log.warn({ event: 'redis_bad_event' }, 'a malformed event on the Redis channel'); return; }
    if (e.origin !== origin) bus.onEvent(e);
  });
  log.info({ event: 'bus_ready', kind: 'redis' }, 'room events go through Redis');
  return bus;
}
