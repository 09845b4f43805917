// host/realtime/connections.ts + delivery.ts: the exactly-once rules of
// docs/realtime-protocol.md. fast-check drives one client through arbitrary
// sends, out-of-order arrivals, duplicates, lost frames and reconnects; in
// the end the hub processed each msg once, in seq order, and the client saw
// each delivery once, in order. Plus: several devices per user, one send by
// connection or user id, failures counted, pings, idle timeouts, bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionManager, CLOSE_IDLE, CLOSE_REPLACED, type Link } from '../../host/realtime/connections.js';
import { DeliveryState } from '../../host/realtime/delivery.js';
import { createLogger } from '../../host/realtime/log.js';
import { HubMetrics } from '../../host/realtime/metrics.js';
import type { Frame, MsgFrame } from '../../host/realtime/protocol.js';

const silent = createLogger('silent');

function setup(opts: { clientTtlMs?: number; unacked?: number } = {}) {
  let now = 1_000_000;
  const metrics = new HubMetrics();
  const m = new ConnectionManager({ metrics, log: silent, clientTtlMs: opts.clientTtlMs ?? 60_000, limits: opts.unacked ? { unacked: opts.unacked } : {}, now: () => now });
  const link = (fail = false) => {
    const l = { transport: 'websocket' as const, out: [] as Frame[], closed: null as null | number, fail,
      send(f: Frame) { if (this.fail) return -1; this.out.push(f); return 10; },
      close(code: number) { this.closed = code; } };
    return l satisfies Link;
  };
  return { m, metrics, link, tick: (ms: number) => { now += ms; } };
}
const settings = { idleTimeoutMs: 10_000, pingIntervalMs: 1000 };
const msg = (seq: number, type = 'x'): MsgFrame => ({ t: 'msg', seq, type });

describe('ConnectionManager: exactly once, in order, across reconnects', () => {
  type Op = { k: 'send'; n: number; reverse: boolean } | { k: 'dup'; back: number } | { k: 'read'; n: number } | { k: 'hubDeliver' } | { k: 'reconnect'; readBefore: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ k: fc.constant('send' as const), n: fc.integer({ min: 1, max: 5 }), reverse: fc.boolean() }),
    fc.record({ k: fc.constant('dup' as const), back: fc.integer({ min: 0, max: 6 }) }),
    fc.record({ k: fc.constant('read' as const), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ k: fc.constant('hubDeliver' as const) }),
    fc.record({ k: fc.constant('reconnect' as const), readBefore: fc.integer({ min: 0, max: 4 }) }),
  );

  it('nothing lost, nothing repeated, per-sender order kept', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 60 }), (total, ops) => {
      const { m, link } = setup();
      const processed: number[] = [];
      const seen: number[] = []; // deliveries the client app got
      let hubSends = 0;
      m.onMessage = (client, _conn, x) => { processed.push(x.seq); m.deliver(client, { from: 'u', type: 'echo', body: x.seq, ts: 0 }); };
      // the client: its outbox, what it sent on this connection, its delivery dedup
      const outbox = new Map<number, MsgFrame>();
      for (let s = 1; s <= total; s++) outbox.set(s, msg(s));
      let nextToSend = 1, contiguous = 0;
      const above = new Set<number>();
      let l = link();
      let conn = m.register('u', l, settings);
      let welcomed = false;
      const hello = () => m.frame(conn, { t: 'hello', clientId: 'tab', lastSeq: contiguous }, 30);
      hello();
      const read = (n: number) => {
        for (const f of l.out.splice(0, n)) {
          if (f.t === 'welcome') {
            welcomed = true;
            for (const s of [...outbox.keys()]) if (s <= f.lastSeq) outbox.delete(s);
            nextToSend = f.lastSeq + 1; // resend the rest, in order
          } else if (f.t === 'ack') {
            for (const s of [...outbox.keys()]) if (s <= f.seq) outbox.delete(s);
          } else if (f.t === 'deliver') {
            if (f.seq <= contiguous || above.has(f.seq)) continue;
            above.add(f.seq);
            while (above.delete(contiguous + 1)) { contiguous++; seen.push(contiguous); }
            m.frame(conn, { t: 'ack', seq: contiguous }, 10);
          }
        }
      };
      const send = (n: number, reverse: boolean) => {
        if (!welcomed) return;
        const batch: MsgFrame[] = [];
        for (; batch.length < n && nextToSend <= total; nextToSend++) if (outbox.has(nextToSend)) batch.push(outbox.get(nextToSend)!);
        if (reverse) batch.reverse(); // arrival out of order (frames on different WebTransport streams)
        for (const f of batch) m.frame(conn, f, 20);
      };
      const reconnect = (readBefore: number) => {
        read(readBefore);
        l.out.length = 0; // frames in flight are lost with the connection
        m.unregister(conn);
        l = link();
        conn = m.register('u', l, settings);
        welcomed = false;
        hello();
      };
      for (const o of ops) {
        if (o.k === 'send') send(o.n, o.reverse);
        else if (o.k === 'dup') { const s = nextToSend - 1 - o.back; if (welcomed && s >= 1) m.frame(conn, msg(s), 20); }
        else if (o.k === 'read') read(o.n);
        else if (o.k === 'hubDeliver') { hubSends++; m.deliver(m.client('u\ntab')!, { from: 'v', type: 'other', ts: 0 }); }
        else reconnect(o.readBefore);
      }
      // settle: a last reconnect and everything read and sent
      reconnect(0);
      for (let i = 0; i < 200 && (l.out.length > 0 || nextToSend <= total); i++) { read(l.out.length); send(total, false); }
      read(l.out.length);
      expect(processed).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(seen).toEqual(Array.from({ length: total + hubSends }, (_, i) => i + 1));
      expect(outbox.size).toBe(0);
      expect(m.client('u\ntab')!.delivery.unacked).toBe(0);
    }), { numRuns: 300 });
  });

  it('a gap is held within bounds; past them the msg is refused with out_of_order', () => {
    const d = new DeliveryState({ holdCount: 2, holdBytes: 100, unacked: 10 });
    expect(d.receive(msg(3), 10)).toMatchObject({ process: [], ack: null });
    expect(d.receive(msg(3), 10)).toMatchObject({ duplicate: true });
    expect(d.receive(msg(4), 10)).toMatchObject({ ack: null, refused: false });
    expect(d.receive(msg(5), 10)).toMatchObject({ refused: true });
    expect(d.receive(msg(1), 10).process.map((x) => x.seq)).toEqual([1]);
    expect(d.receive(msg(2), 10).process.map((x) => x.seq)).toEqual([2, 3, 4]);
    expect(d.acceptedSeq).toBe(4);
    expect(d.held).toBe(0);
    expect(new DeliveryState({ holdCount: 9, holdBytes: 100, unacked: 10 }).receive(msg(2), 101)).toMatchObject({ refused: true });
  });

  it('unacked deliveries are bounded: the oldest are dropped and counted', () => {
    const { m, metrics, link } = setup({ unacked: 3 });
    const c = m.register('u', link(), settings);
    m.frame(c, { t: 'hello', clientId: 'a', lastSeq: 0 }, 1);
    m.unregister(c);
    const client = m.client('u\na')!;
    for (let i = 0; i < 5; i++) m.deliver(client, { from: 'x', type: 't', ts: 0 });
    expect(client.delivery.unacked).toBe(3);
    const l = link();
    m.frame(m.register('u', l, settings), { t: 'hello', clientId: 'a', lastSeq: 0 }, 1);
    expect(l.out.filter((f) => f.t === 'deliver').map((f) => (f as { seq: number }).seq)).toEqual([3, 4, 5]);
    return metrics.registry.getSingleMetricAsString('realtime_dropped_deliveries_total').then((t) => expect(t).toMatch(/ 2$/m));
  });
});

describe('ConnectionManager: connections, users, sends', () => {
  it('one user with several devices: send by user id reaches each, by connection id one; a failure is counted', async () => {
    const { m, metrics, link } = setup();
    const a = link(), b = link(), bad = link(true);
    const ca = m.register('ann', a, settings);
    m.register('ann', b, settings);
    m.register('ann', bad, settings);
    expect(m.send('ann', { t: 'ping', ts: 1 })).toBe(2);
    expect(m.send(ca.id, { t: 'ping', ts: 2 })).toBe(1);
    expect(a.out).toHaveLength(2);
    expect(b.out).toHaveLength(1);
    expect(m.send('nobody', { t: 'ping', ts: 3 })).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('realtime_send_failures_total')).toMatch(/transport="websocket"} 1$/m);
    expect(await metrics.registry.getSingleMetricAsString('realtime_connections')).toMatch(/transport="websocket"} 3$/m);
  });

  it('a second connection of the same client replaces the first (a transport switch)', () => {
    const { m, link } = setup();
    const one = link(), two = link();
    const c1 = m.register('u', one, settings);
    m.frame(c1, { t: 'hello', clientId: 'tab', lastSeq: 0 }, 1);
    const c2 = m.register('u', two, settings);
    m.frame(c2, { t: 'hello', clientId: 'tab', lastSeq: 0 }, 1);
    expect(one.closed).toBe(CLOSE_REPLACED);
    expect(m.connection(c1.id)).toBeUndefined();
    expect(m.client('u\ntab')!.connection).toBe(c2);
    // another user's clientId is another client
    const other = m.register('v', link(), settings);
    m.frame(other, { t: 'hello', clientId: 'tab', lastSeq: 0 }, 1);
    expect(m.client('v\ntab')!.connection).toBe(other);
    expect(m.client('u\ntab')!.connection).toBe(c2);
  });

  it('msgs before hello wait for it; pings go out on schedule; pong feeds the RTT; idle connections close; gone clients are forgotten', async () => {
    const { m, metrics, link, tick } = setup({ clientTtlMs: 5000 });
    const got: number[] = [];
    m.onMessage = (_c, _conn, x) => got.push(x.seq);
    const l = link();
    const c = m.register('u', l, settings);
    m.frame(c, msg(1), 5);
    expect(got).toEqual([]);
    m.frame(c, { t: 'hello', clientId: 'k', lastSeq: 0 }, 5);
    expect(got).toEqual([1]);
    expect(l.out.map((f) => f.t)).toEqual(['welcome', 'ack']);
    tick(1000);
    m.sweep();
    const ping = l.out.at(-1)!;
    expect(ping.t).toBe('ping');
    tick(40);
    m.frame(c, { t: 'pong', ts: (ping as { ts: number }).ts }, 5);
    expect(await metrics.registry.getSingleMetricAsString('realtime_ping_rtt_seconds')).toMatch(/_count{transport="websocket"} 1$/m);
    tick(10_000);
    m.sweep();
    expect(l.closed).toBe(CLOSE_IDLE);
    expect(m.size).toBe(0);
    expect(m.client('u\nk')).toBeDefined();
    tick(5000);
    m.sweep();
    expect(m.client('u\nk')).toBeUndefined();
  });
});
