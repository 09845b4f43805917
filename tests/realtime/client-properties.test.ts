// Property tests (fast-check) of the TransportManager with the fake hub and
// fake transports of client-fakes.ts on a fake clock: selection priority,
// fallback within the timeout, cache expiry, periodic retry, backoff bounds,
// and — the main one — outbox and inbox integrity at arbitrary switch points
// with arbitrary drops, repeats and reorderings of deliveries: nothing lost,
// nothing repeated, every sender's order kept.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TransportManager, type TransportManagerOptions } from '../../host/realtime/client/manager.js';
import { Backoff } from '../../host/realtime/client/backoff.js';
import { Inbox } from '../../host/realtime/client/inbox.js';
import { Outbox } from '../../host/realtime/client/outbox.js';
import { PreferenceCache } from '../../host/realtime/client/preference.js';
import type { TransportKind } from '../../host/realtime/client/transport.js';
import type { DeliverFrame } from '../../host/realtime/protocol.js';
import { FakeClock, FakeHub, MemStorage, settle, type Behaviour } from './client-fakes.js';

class SomeWT {}

function make(hub: FakeHub, clock: FakeClock, opts: Partial<TransportManagerOptions> = {}) {
  return new TransportManager({
    wtUrl: 'https://127.0.0.1:4433/realtime', wsUrl: 'ws://127.0.0.1:8080/realtime', clientId: 'c1',
    WebTransport: SomeWT as never, openTransport: hub.open, storage: new MemStorage(),
    now: clock.now, timers: clock.timers, random: () => 0.5, ...opts,
  });
}

const behaviour = fc.constantFrom<Behaviour>('ok', 'fail', 'hang');

describe('TransportManager properties', () => {
  it('selection: WebTransport when it exists and works, else WebSocket, and never later than fallbackTimeoutMs', async () => {
    await fc.assert(fc.asyncProperty(fc.boolean(), behaviour, fc.integer({ min: 1, max: 3000 }), async (hasWt, wt, timeout) => {
      const hub = new FakeHub();
      const clock = new FakeClock();
      hub.behaviour.webtransport = wt;
      const fallbacks: string[] = [];
      const tm = make(hub, clock, { WebTransport: hasWt ? SomeWT as never : undefined, fallbackTimeoutMs: timeout });
      tm.on('fallback', (f) => fallbacks.push(f.reason));
      const t0 = clock.t;
      let at = -1;
      tm.connect().then(() => { at = clock.t; });
      await settle(hub);
      if (at < 0) { await clock.advance(timeout); await settle(hub); }
      expect(at).toBeGreaterThanOrEqual(t0);
      expect(at - t0).toBeLessThanOrEqual(timeout);
      const expectWt = hasWt && wt === 'ok';
      expect(tm.transport).toBe(expectWt ? 'webtransport' : 'websocket');
      expect(fallbacks.length).toBe(hasWt && wt !== 'ok' ? 1 : 0);
      if (!hasWt) expect(hub.opened.every((t) => t.kind === 'websocket')).toBe(true);
      tm.close();
    }), { numRuns: 60 });
  });

  it('cache: after a WebTransport failure, connects within cacheTtlMs go straight to WebSocket, later ones try WebTransport', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 10 * 86_400_000 }), fc.integer({ min: 0, max: 20 * 86_400_000 }), async (ttl, later) => {
      const storage = new MemStorage();
      const clock = new FakeClock();
      const hub = new FakeHub();
      hub.behaviour.webtransport = 'fail';
      const a = make(hub, clock, { storage, cacheTtlMs: ttl });
      const p = a.connect();
      await settle(hub);
      await p;
      a.close();
      clock.t += later;
      const hub2 = new FakeHub();
      const b = make(hub2, clock, { storage, cacheTtlMs: ttl });
      const q = b.connect();
      await settle(hub2);
      await q;
      expect(hub2.opened[0].kind).toBe(later < ttl ? 'websocket' : 'webtransport');
      b.close();
    }), { numRuns: 60 });
  });

  it('periodic retry: on WebSocket, the first retry after WebTransport works upgrades to it', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1000, max: 60_000 }), fc.integer({ min: 0, max: 4 }), async (interval, failures) => {
      const hub = new FakeHub();
      const clock = new FakeClock();
      hub.behaviour.webtransport = 'fail';
      const tm = make(hub, clock, { retryIntervalMs: interval, pingIntervalMs: 10_000_000 });
      const p = tm.connect();
      await settle(hub);
      await p;
      for (let i = 0; i < failures; i++) { await clock.advance(interval); await settle(hub); }
      expect(tm.transport).toBe('websocket');
      expect(hub.opened.filter((t) => t.kind === 'webtransport').length).toBe(1 + failures);
      hub.behaviour.webtransport = 'ok';
      await clock.advance(interval);
      await settle(hub);
      expect(tm.transport).toBe('webtransport');
      expect(tm.metrics().switches).toBe(1);
      tm.close();
    }), { numRuns: 40 });
  });

  it('backoff: the n-th delay is within [d/2, d] for d = min(maxMs, initialMs·2^n), and reset starts over', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 100_000 }), fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 40 }), (initialMs, extra, rs) => {
      const maxMs = initialMs + extra;
      let i = 0;
      const b = new Backoff({ initialMs, maxMs }, () => rs[i] ?? 0);
      for (; i < rs.length; i++) {
        const d = Math.min(maxMs, initialMs * 2 ** i);
        const v = b.next();
        expect(v).toBeGreaterThanOrEqual(d / 2);
        expect(v).toBeLessThanOrEqual(d);
      }
      b.reset();
      expect(b.next()).toBeLessThanOrEqual(initialMs);
    }));
  });

  it('preference cache: holds strictly before its expiry, gone at and after it', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 2e9 }), (t0, ttl, dt) => {
      let now = t0;
      const c = new PreferenceCache(new MemStorage(), () => now);
      c.set('websocket', ttl);
      now += dt;
      expect(c.get()).toBe(dt < ttl ? 'websocket' : null);
    }));
  });

  it('inbox: any order with repeats hands each seq once, in seq order, and lastSeq is the contiguous mark', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()].map((i) => i + 1), { minLength: n }), fc.array(fc.integer({ min: 1, max: n })))), ([n, order, dups]) => {
      const inbox = new Inbox(1000);
      const out: number[] = [];
      const arrivals = [...order];
      for (const d of dups) arrivals.splice(d % (arrivals.length + 1), 0, d);
      for (const seq of arrivals) for (const f of inbox.push({ t: 'deliver', seq, from: 'u', type: 'chat', ts: 0 })) out.push(f.seq);
      expect(out).toEqual([...Array(n).keys()].map((i) => i + 1));
      expect(inbox.lastSeq).toBe(n);
      expect(inbox.held).toBe(0);
    }));
  });

  it('outbox: whatever welcome.lastSeq says, unacked entries are resent in order and never below it', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 60 }), (n, acked, hubLast) => {
      const o = new Outbox(100);
      for (let i = 0; i < n; i++) o.add('chat', 'r', i).done.catch(() => {});
      o.ack(Math.min(acked, n));
      const before = n - Math.min(acked, n);
      const resend = o.welcome(hubLast);
      expect(resend.every((f) => f.seq > hubLast)).toBe(true);
      expect(resend.map((f) => f.seq)).toEqual([...resend.map((f) => f.seq)].sort((a, b) => a - b));
      // a hub beyond what this outbox numbered: every unacked entry is kept (renumbered), none dropped
      if (hubLast >= n + 1) expect(resend.map((f) => f.body)).toEqual([...Array(before).keys()].map((i) => i + Math.min(acked, n)));
    }));
  });

  type Cmd =
    | { k: 'send'; room: number }
    | { k: 'deliver'; from: number; room: number }
    | { k: 'pump'; chaos: number[] }
    | { k: 'pumpUp'; n: number }
    | { k: 'switch'; to: TransportKind }
    | { k: 'drop' }
    | { k: 'wt'; b: Behaviour }
    | { k: 'tick'; ms: number };
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ k: fc.constant('send' as const), room: fc.integer({ min: 0, max: 2 }) }) },
    { weight: 5, arbitrary: fc.record({ k: fc.constant('deliver' as const), from: fc.integer({ min: 0, max: 2 }), room: fc.integer({ min: 0, max: 2 }) }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('pump' as const), chaos: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('pumpUp' as const), n: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('switch' as const), to: fc.constantFrom<TransportKind>('webtransport', 'websocket') }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('drop' as const) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('wt' as const), b: behaviour }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 4000 }) }) },
  );

  it('exactly once, in order, across arbitrary switches, drops, repeats and reorderings', async () => {
    await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 40 }), async (cmds) => {
      const hub = new FakeHub();
      const clock = new FakeClock();
      const tm = make(hub, clock, { fallbackTimeoutMs: 1000, pingIntervalMs: 1500, retryIntervalMs: 5000, backoff: { initialMs: 100, maxMs: 800 } });
      const got: DeliverFrame[] = [];
      tm.on('message', (m) => got.push(m));
      tm.connect().catch(() => {});
      let sent = 0;
      const acked: Promise<void>[] = [];
      const live = () => hub.opened.filter((t) => !t.ended);
      for (const c of cmds) {
        switch (c.k) {
          case 'send': acked.push(tm.send('chat', { room: `r${c.room}`, body: { n: sent++ } })); break;
          case 'deliver': hub.deliver('c1', { from: `u${c.from}`, type: 'chat', room: `r${c.room}`, body: { n: hub.client('c1').delivered.length } }); break;
          case 'pump': for (const t of live()) { t.pumpUp(); t.pumpDown((i) => c.chaos[i] ?? 0); } break;
          case 'pumpUp': for (const t of live()) t.pumpUp(c.n); break;
          case 'switch': tm.switchTo(c.to).catch(() => {}); break;
          case 'drop': live().at(-1)?.drop(); break;
          case 'wt': hub.behaviour.webtransport = c.b; break;
          case 'tick': await clock.advance(c.ms); break;
        }
        await new Promise((r) => setImmediate(r));
      }
      // heal: the network works again; one last switch makes the hub resend what chaos dropped
      hub.behaviour = { webtransport: 'ok', websocket: 'ok' };
      for (let i = 0; i < 20 && tm.state !== 'connected'; i++) { await settle(hub); await clock.advance(1000); }
      await settle(hub);
      expect(tm.state).toBe('connected');
      const last = tm.switchTo('websocket');
      await settle(hub);
      await last;
      await settle(hub);
      expect(tm.metrics().pending).toBe(0);
      await Promise.all(acked);
      const processed = hub.client('c1').processed.filter((m) => m.type === 'chat').map((m) => (m.body as { n: number }).n);
      expect(processed).toEqual([...Array(sent).keys()]);
      const delivered = hub.client('c1').delivered;
      expect(got.map((m) => m.seq)).toEqual(delivered.map((d) => d.seq));
      expect(got.map((m) => m.body)).toEqual(delivered.map((d) => d.body));
      expect(tm.metrics()).toMatchObject({ pending: 0, received: delivered.length });
      tm.close();
    }), { numRuns: 150 });
  });
});
