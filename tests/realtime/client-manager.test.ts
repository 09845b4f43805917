// TransportManager (host/realtime/client/manager.ts) against the fake hub and
// fake transports of client-fakes.ts with a fake clock: selection, fallback,
// the cached preference, periodic retry, reconnect, pings, acks, close.
// Property tests of the same: client-properties.test.ts.
import { describe, expect, it } from 'vitest';
import { TransportManager, type TransportManagerOptions } from '../../host/realtime/client/manager.js';
import { PREFERENCE_KEY } from '../../host/realtime/client/preference.js';
import type { DeliverFrame } from '../../host/realtime/protocol.js';
import { FakeClock, FakeHub, MemStorage, settle } from './client-fakes.js';

class NoWT {}

function setup(opts: Partial<TransportManagerOptions> = {}, storage = new MemStorage(), clock = new FakeClock()) {
  const hub = new FakeHub();
  const log: [string, string, unknown][] = [];
  const tm = new TransportManager({
    wtUrl: 'https://127.0.0.1:4433/realtime', wsUrl: 'ws://127.0.0.1:8080/realtime', token: 'tok.en',
    clientId: 'c1', WebTransport: NoWT as never, openTransport: hub.open, storage,
    now: clock.now, timers: clock.timers, random: () => 0.5,
    log: (level, message, details) => log.push([level, message, details]),
    ...opts,
  });
  const events: [string, unknown][] = [];
  for (const e of ['transport', 'state', 'fallback', 'error', 'rtt'] as const) tm.on(e, (v: never) => events.push([e, v]));
  const messages: DeliverFrame[] = [];
  tm.on('message', (m) => messages.push(m));
  const connect = async () => {
    const p = tm.connect();
    await settle(hub);
    await p;
  };
  return { hub, tm, clock, storage, log, events, messages, connect };
}

describe('TransportManager: selection', () => {
  it('WebTransport first when it exists, with the token in the query', async () => {
    const s = setup();
    await s.connect();
    expect(s.tm.transport).toBe('webtransport');
    expect(s.hub.opened.map((t) => t.kind)).toEqual(['webtransport']);
    expect(new URL(s.hub.opened[0].url).searchParams.get('token')).toBe('tok.en');
    expect(s.events.filter(([e]) => e === 'transport' || e === 'state')).toEqual([
      ['state', 'connecting'], ['transport', 'webtransport'], ['state', 'connected']]);
    expect(s.tm.metrics()).toMatchObject({ transport: 'webtransport', fallbacks: 0, switches: 0 });
  });

  it('no WebTransport global: WebSocket only, never a WebTransport attempt', async () => {
    const s = setup({ WebTransport: undefined });
    await s.connect();
    expect(s.tm.transport).toBe('websocket');
    expect(s.hub.opened.map((t) => t.kind)).toEqual(['websocket']);
    expect(s.events.some(([e]) => e === 'fallback')).toBe(false);
  });

  it('wtUrl null (the hub runs with QUIC_ENABLED=false): WebSocket only, no attempt, no fallback reported', async () => {
    const s = setup({ wtUrl: null });
    await s.connect();
    expect(s.tm.transport).toBe('websocket');
    expect(s.hub.opened.map((t) => t.kind)).toEqual(['websocket']);
    expect(s.events.some(([e]) => e === 'fallback')).toBe(false);
    await expect(s.tm.switchTo('webtransport')).rejects.toThrow(/WebTransport/);
  });

  it('WebTransport refused: WebSocket at once, the reason logged, a fallback event, reported to the hub, websocket cached', async () => {
    const s = setup();
    s.hub.behaviour.webtransport = 'fail';
    await s.connect();
    expect(s.tm.transport).toBe('websocket');
    expect(s.clock.t).toBe(1_000_000); // no waiting
    const fb = s.events.filter(([e]) => e === 'fallback');
    expect(fb).toEqual([['fallback', { reason: expect.stringContaining('webtransport refused'), code: 'handshake_failed' }]]);
    expect(s.log.some(([l, m]) => l === 'warn' && /falling back/.test(m))).toBe(true);
    expect(s.hub.client('c1').processed.map((m) => [m.type, m.body])).toEqual([['fallback', { reason: 'handshake_failed' }]]);
    expect(JSON.parse(s.storage.getItem(PREFERENCE_KEY)!)).toEqual({ transport: 'websocket', until: 1_000_000 + 86_400_000 });
    expect(s.tm.metrics().fallbacks).toBe(1);
  });

  it('WebTransport silent (UDP blocked): WebSocket after fallbackTimeoutMs, not before', async () => {
    const s = setup({ fallbackTimeoutMs: 2500 });
    s.hub.behaviour.webtransport = 'hang';
    const p = s.tm.connect();
    await s.clock.advance(2499);
    await settle(s.hub);
    expect(s.tm.transport).toBe(null);
    expect(s.hub.opened.map((t) => t.kind)).toEqual(['webtransport']);
    await s.clock.advance(1);
    await settle(s.hub);
    await p;
    expect(s.tm.transport).toBe('websocket');
    expect(s.events.find(([e]) => e === 'fallback')?.[1]).toEqual({ reason: 'webtransport not ready within 2500 ms', code: 'timeout' });
    await settle(s.hub);
    expect(s.hub.client('c1').processed.map((m) => m.body)).toEqual([{ reason: 'timeout' }]);
    expect(s.hub.opened[0].ended).toBe(true); // the slow attempt is abandoned
  });

  it('the cached preference skips WebTransport until it expires', async () => {
    const storage = new MemStorage();
    const clock = new FakeClock();
    const a = setup({ cacheTtlMs: 60_000 }, storage, clock);
    a.hub.behaviour.webtransport = 'fail';
    await a.connect();
    a.tm.close();
    const b = setup({ cacheTtlMs: 60_000 }, storage, clock);
    await b.connect();
    expect(b.hub.opened.map((t) => t.kind)).toEqual(['websocket']);
    b.tm.close();
    clock.t += 60_000;
    const c = setup({ cacheTtlMs: 60_000 }, storage, clock);
    await c.connect();
    expect(c.hub.opened.map((t) => t.kind)).toEqual(['webtransport']);
    expect(storage.getItem(PREFERENCE_KEY)).toBe(null);
  });

  it('an unreadable cache entry or a throwing storage counts as no preference', async () => {
    const storage = new MemStorage();
    storage.setItem(PREFERENCE_KEY, '{not json');
    const a = setup({}, storage);
    await a.connect();
    expect(a.tm.transport).toBe('webtransport');
    const bad = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); }, removeItem() { throw new Error('denied'); } };
    const b = setup({}, bad as never);
    b.hub.behaviour.webtransport = 'fail';
    await b.connect();
    expect(b.tm.transport).toBe('websocket');
  });
});

describe('TransportManager: retry, reconnect, health', () => {
  it('while on WebSocket it retries WebTransport every retryIntervalMs and upgrades when one is welcomed', async () => {
    const s = setup({ retryIntervalMs: 30_000, pingIntervalMs: 1_000_000 });
    s.hub.behaviour.webtransport = 'fail';
    await s.connect();
    await s.clock.advance(30_000);
    await settle(s.hub);
    expect(s.hub.opened.map((t) => t.kind)).toEqual(['webtransport', 'websocket', 'webtransport']);
    expect(s.tm.transport).toBe('websocket');
    s.hub.behaviour.webtransport = 'ok';
    await s.clock.advance(29_999);
    await settle(s.hub);
    expect(s.hub.opened.length).toBe(3);
    await s.clock.advance(1);
    await settle(s.hub);
    expect(s.tm.transport).toBe('webtransport');
    expect(s.tm.metrics().switches).toBe(1);
    expect(s.hub.opened[1].ended).toBe(true);
    expect(s.storage.getItem(PREFERENCE_KEY)).toBe(null);
    // on WebTransport: no more retries
    await s.clock.advance(120_000);
    expect(s.hub.opened.length).toBe(4);
  });

  it('a dropped transport reconnects after a backoff delay within [d/2, d], doubling, reset after success', async () => {
    const s = setup({ backoff: { initialMs: 1000, maxMs: 4000 }, random: () => 1, WebTransport: undefined });
    await s.connect();
    s.hub.behaviour.websocket = 'fail';
    s.hub.opened[0].drop();
    await settle(s.hub);
    expect(s.tm.state).toBe('reconnecting');
    const at = () => s.hub.opened.length;
    await s.clock.advance(999);
    expect(at()).toBe(1);
    await s.clock.advance(1); // 1st delay: 1000
    expect(at()).toBe(2);
    await s.clock.advance(1999);
    expect(at()).toBe(2);
    await s.clock.advance(1); // 2nd: 2000
    expect(at()).toBe(3);
    await s.clock.advance(4000); // 3rd: 4000
    expect(at()).toBe(4);
    s.hub.behaviour.websocket = 'ok';
    await s.clock.advance(4000); // capped at maxMs
    expect(at()).toBe(5);
    await settle(s.hub);
    expect(s.tm.state).toBe('connected');
    s.hub.opened[4].drop();
    await settle(s.hub);
    await s.clock.advance(1000); // reset: 1000 again
    expect(at()).toBe(6);
  });

  it('pings measure the RTT; maxMissedPongs unanswered pings declare the transport dead', async () => {
    const s = setup({ pingIntervalMs: 5000, maxMissedPongs: 2, WebTransport: undefined });
    await s.connect();
    await s.clock.advance(5000);
    s.clock.t += 42;
    await settle(s.hub);
    expect(s.tm.rtt).toBe(42);
    expect(s.events.filter(([e]) => e === 'rtt')).toEqual([['rtt', 42]]);
    s.hub.silent = true;
    for (let i = 0; i < 2; i++) { await s.clock.advance(5000); await settle(s.hub); }
    expect(s.hub.opened[0].ended).toBe(false);
    await s.clock.advance(5000);
    await settle(s.hub);
    expect(s.hub.opened[0].ended).toBe(true);
    expect(s.log.some(([, m, d]) => m === 'connection lost' && /no pong for 2 pings/.test(String((d as { reason: string }).reason)))).toBe(true);
  });

  it('the hub pinging is answered with its ts', async () => {
    const s = setup({ WebTransport: undefined });
    await s.connect();
    const t = s.hub.opened[0];
    t.down.push(JSON.stringify({ t: 'ping', ts: 7 }));
    t.pumpDown();
    expect(t.up.map((x) => JSON.parse(x))).toContainEqual({ t: 'pong', ts: 7 });
  });
});

describe('TransportManager: messages', () => {
  it('send() resolves when the hub acks it; before a connection it waits in the outbox', async () => {
    const s = setup();
    let done = false;
    const p = s.tm.send('chat', { room: 'r', body: { text: 'early' } }).then(() => { done = true; });
    await settle(s.hub);
    expect(done).toBe(false);
    await s.connect();
    await p;
    expect(s.hub.client('c1').processed.map((m) => [m.seq, m.type, m.room, m.body])).toEqual([[1, 'chat', 'r', { text: 'early' }]]);
    expect(s.tm.metrics()).toMatchObject({ sent: 1, pending: 0 });
    expect(s.tm.metrics().bytesSent).toBeGreaterThan(0);
  });

  it('typing / presence: a datagram outside the seq order on WebTransport, a seq\'d msg through the outbox on WebSocket', async () => {
    const s = setup();
    await s.connect();
    await s.tm.send('typing', { room: 'r' }); // resolves at once: nothing acks a datagram
    const chat = s.tm.send('chat', { room: 'r', body: 1 });
    await settle(s.hub);
    await chat;
    expect(s.hub.lossy.map((m) => [m.type, m.room, m.seq])).toEqual([['typing', 'r', 1]]);
    expect(s.hub.client('c1').processed.map((m) => [m.seq, m.type])).toEqual([[1, 'chat']]);
    await s.tm.send('presence', { body: { status: 'away' } });
    expect(s.hub.lossy.at(-1)).toMatchObject({ type: 'presence', seq: 1 }); // repeats the last seq: never a gap
    const sw = s.tm.switchTo('websocket');
    await settle(s.hub);
    await sw;
    const p = s.tm.send('typing', { room: 'r' });
    await settle(s.hub);
    await p;
    expect(s.hub.lossy.length).toBe(2);
    expect(s.hub.client('c1').processed.map((m) => [m.seq, m.type])).toEqual([[1, 'chat'], [2, 'typing']]);
    expect(s.tm.metrics().sent).toBe(4);
  });

  it('deliveries reach the app once, in order, and are acked cumulatively', async () => {
    const s = setup();
    await s.connect();
    for (let i = 0; i < 3; i++) s.hub.deliver('c1', { from: 'u2', type: 'chat', room: 'r', body: { i } });
    s.hub.opened[0].pumpDown((i) => (i === 0 ? 3 : 2)); // first held back, others twice
    await settle(s.hub);
    expect(s.messages.map((m) => m.body)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(s.hub.client('c1').retained).toEqual([]);
    expect(s.tm.metrics()).toMatchObject({ received: 3 });
    expect(s.tm.lastSeq).toBe(3);
  });

  it('a forced switch resends what was not acked and the hub resends what was not received', async () => {
    const s = setup();
    await s.connect();
    const p = s.tm.send('chat', { room: 'r', body: 1 });
    s.hub.opened[0].up = []; // lost in flight
    s.hub.deliver('c1', { from: 'u2', type: 'chat', room: 'r' });
    s.hub.opened[0].down = []; // lost in flight
    const sw = s.tm.switchTo('websocket');
    await settle(s.hub);
    await sw;
    await p;
    expect(s.tm.transport).toBe('websocket');
    expect(s.hub.client('c1').processed.map((m) => m.body)).toEqual([1]);
    expect(s.messages.length).toBe(1);
    expect(s.tm.metrics().switches).toBe(1);
  });

  it('a switch that fails leaves the current connection in place', async () => {
    const s = setup();
    await s.connect();
    s.hub.behaviour.websocket = 'fail';
    const sw = s.tm.switchTo('websocket').then(() => null, (e: Error) => e);
    await settle(s.hub);
    expect((await sw)?.message).toMatch(/websocket refused/);
    expect(s.tm.transport).toBe('webtransport');
  });

  it('an `error` frame from the hub is an error event, the connection stays', async () => {
    const s = setup();
    await s.connect();
    s.hub.opened[0].down.push(JSON.stringify({ t: 'error', code: 'forbidden', message: 'not in room' }));
    await settle(s.hub);
    expect(s.events.find(([e]) => e === 'error')?.[1]).toMatchObject({ code: 'forbidden', message: 'forbidden: not in room' });
    expect(s.tm.transport).toBe('webtransport');
  });

  it('close() rejects pending sends, ends the transport and refuses further calls', async () => {
    const s = setup();
    await s.connect();
    const p = s.tm.send('chat', { room: 'r' });
    s.tm.close();
    await expect(p).rejects.toMatchObject({ code: 'H3W_ERR_CLOSED' });
    await expect(s.tm.send('chat', { room: 'r' })).rejects.toMatchObject({ code: 'H3W_ERR_CLOSED' });
    await expect(s.tm.connect()).rejects.toMatchObject({ code: 'H3W_ERR_CLOSED' });
    expect(s.hub.opened[0].ended).toBe(true);
    expect(s.tm.state).toBe('closed');
    expect(s.tm.transport).toBe(null);
  });

  it('close() during connect rejects connect()', async () => {
    const s = setup();
    s.hub.behaviour.webtransport = 'hang';
    const p = s.tm.connect();
    s.tm.close();
    await expect(p).rejects.toMatchObject({ code: 'H3W_ERR_CLOSED' });
  });
});

describe('TransportManager: options', () => {
  const base = { wtUrl: 'https://127.0.0.1:1/realtime', wsUrl: 'ws://127.0.0.1:2/realtime', clientId: 'x' };
  it('refuses unknown options, bad numbers, a bad certificate hash and a bad message', async () => {
    expect(() => new TransportManager({ ...base, fallbackTimeout: 1 } as never)).toThrow(/unknown option 'fallbackTimeout'/);
    expect(() => new TransportManager({ ...base, fallbackTimeoutMs: -1 })).toThrow(/options.fallbackTimeoutMs: must be in/);
    expect(() => new TransportManager({ ...base, certificateHash: 'AAAA' })).toThrow(/options.certificateHash: must be base64 of a 32-byte SHA-256, got 3 bytes/);
    expect(() => new TransportManager({ ...base, clientId: 'x'.repeat(65) })).toThrow(/options.clientId/);
    expect(() => new TransportManager({ ...base, backoff: { initialMs: 500, maxMs: 100 } })).toThrow(/options.backoff.maxMs: must be in 500/);
    const tm = new TransportManager({ ...base, storage: null, WebTransport: undefined, openTransport: new FakeHub().open });
    await expect(tm.send('')).rejects.toThrow(/msg.type must be a string of 1-64/);
    await expect(tm.switchTo('carrier-pigeon' as never)).rejects.toThrow(/must be one of 'webtransport', 'websocket'/);
    await expect(tm.switchTo('webtransport')).rejects.toThrow(/no WebTransport/);
  });

  it('a generated clientId when none is given', () => {
    const tm = new TransportManager({ wtUrl: base.wtUrl, wsUrl: base.wsUrl, storage: null, randomUUID: () => 'generated-id' });
    expect(tm.clientId).toBe('generated-id');
  });
});
