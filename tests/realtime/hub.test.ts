// createRealtimeHub end to end in Node, on loopback: a WebSocket client (ws)
// and a WebTransport client (h3-wasi/webtransport) in one room; the REST
// surface; auth refusals (401) on both transports; a client switching from
// WebTransport to WebSocket in the middle of 200 messages; a stalled room
// stream that does not hold up another room; /metrics; graceful shutdown.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRealtimeHub, type RealtimeHub } from '../../host/realtime/hub.js';
import { createLogger } from '../../host/realtime/log.js';
import type { DeliverFrame, Frame, MsgFrame } from '../../host/realtime/protocol.js';
import { wsPeer, wtPeer, type Peer } from './peers.js';

const SECRET = 'test-secret-of-some-length';
const key = new TextEncoder().encode(SECRET);
const token = (sub: string, f: (j: SignJWT) => SignJWT = (j) => j) => f(new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setAudience('chat').setIssuer('tests').setExpirationTime('1h')).sign(key);

let hub: RealtimeHub;
beforeAll(async () => {
  hub = await createRealtimeHub({ config: { HTTP_PORT: '0', QUIC_PORT: '0', JWT_SECRET: SECRET, JWT_AUDIENCE: 'chat', JWT_ISSUER: 'tests', ADMIN_TOKEN: 'admin-token-0123456789' }, logger: createLogger('silent') });
});
afterAll(async () => { await hub?.close({ timeoutMs: 500 }); });

const api = (path: string, init?: RequestInit) => fetch(new URL(path, hub.url), init);

async function hello(p: Peer, clientId: string, lastSeq = 0) {
  await p.send({ t: 'hello', clientId, lastSeq });
  return p.waitFor((f) => f.t === 'welcome') as Promise<Extract<Frame, { t: 'welcome' }>>;
}
const acked = (p: Peer, seq: number) => p.waitFor((f) => f.t === 'ack' && f.seq >= seq);

describe('realtime hub', () => {
  it('serves /api/config, /api/health, the demo page and a clear 503 for a client bundle not built', async () => {
    const c = await (await api('/api/config')).json();
    expect(c).toEqual({ wtUrl: `https://127.0.0.1:${hub.quicPort}/realtime`, wsUrl: `ws://127.0.0.1:${hub.httpPort}/realtime`, certificateHash: Buffer.from(hub.certificate.sha256).toString('base64'), quicEnabled: true });
    expect(await (await api('/api/health')).json()).toMatchObject({ ok: true, quicEnabled: true });
    const page = await api('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('transport-indicator');
    const client = await api('/client.js');
    expect([200, 503]).toContain(client.status);
    if (client.status === 503) expect(await client.text()).toMatch(/not built/);
    expect((await api('/api/token', { method: 'POST', body: '{"user":"x"}' })).status).toBe(404); // JWT_SECRET set: no dev tokens
  });

  it('a WebSocket user and a WebTransport user chat in one room; history is kept', async () => {
    const ann = await wsPeer(hub, await token('ann'));
    const bob = await wtPeer(hub, await token('bob'));
    expect((await hello(ann, 'ann-tab')).userId).toBe('ann');
    expect((await hello(bob, 'bob-tab')).userId).toBe('bob');
    await ann.send({ t: 'msg', seq: 1, type: 'join', room: 'lobby' });
    await bob.send({ t: 'msg', seq: 1, type: 'join', room: 'lobby' });
    await acked(ann, 1);
    await acked(bob, 1);
    await ann.send({ t: 'msg', seq: 2, type: 'chat', room: 'lobby', body: { text: 'hi bob' } });
    await bob.send({ t: 'msg', seq: 2, type: 'chat', room: 'lobby', body: { text: 'hi ann' } });
    const atBob = await bob.waitFor((f) => f.t === 'deliver' && f.type === 'chat' && f.from === 'ann') as DeliverFrame;
    expect(atBob.body).toEqual({ text: 'hi bob' });
    expect(((await ann.waitFor((f) => f.t === 'deliver' && f.type === 'chat' && f.from === 'bob')) as DeliverFrame).body).toEqual({ text: 'hi ann' });
    await ann.send({ t: 'msg', seq: 3, type: 'typing', room: 'lobby' });
    expect(await bob.waitFor((f) => f.t === 'deliver' && f.type === 'typing')).toMatchObject({ from: 'ann', room: 'lobby' });
    expect((await api('/api/rooms/lobby/history')).status).toBe(401);
    const h = await (await api('/api/rooms/lobby/history', { headers: { authorization: `Bearer ${await token('ann')}` } })).json();
    expect(h.messages.map((m: { text: string }) => m.text).sort()).toEqual(['hi ann', 'hi bob']);
    await ann.send({ t: 'msg', seq: 4, type: 'history', room: 'lobby' });
    expect(((await ann.waitFor((f) => f.t === 'deliver' && f.type === 'history')) as DeliverFrame).body).toMatchObject({ messages: expect.any(Array) });
    await ann.send({ t: 'msg', seq: 5, type: 'nonsense', room: 'lobby' });
    expect(await ann.waitFor((f) => f.t === 'error')).toMatchObject({ code: 'unknown_type' });
    await ann.close();
    await bob.close();
  });

  it('typing in a WebTransport datagram reaches the room, outside the seq order (not acked, no gap)', async () => {
    const dee = await wtPeer(hub, await token('dee'));
    const eve = await wsPeer(hub, await token('eve'));
    await hello(dee, 'dee-tab');
    await hello(eve, 'eve-tab');
    await dee.send({ t: 'msg', seq: 1, type: 'join', room: 'dg' });
    await eve.send({ t: 'msg', seq: 1, type: 'join', room: 'dg' });
    await acked(dee, 1);
    await acked(eve, 1);
    const dw = dee.wt.datagrams.writable.getWriter();
    const typing = new TextEncoder().encode(JSON.stringify({ t: 'msg', seq: 1, type: 'typing', room: 'dg' }));
    let got: Frame | undefined;
    for (let i = 0; i < 20 && !got; i++) { // datagrams may be lost: send until one arrives
      await dw.write(typing);
      got = await eve.waitFor((f) => f.t === 'deliver' && f.type === 'typing', 200).catch(() => undefined);
    }
    expect(got).toMatchObject({ from: 'dee', room: 'dg' });
    await dw.write(new TextEncoder().encode(JSON.stringify({ t: 'msg', seq: 2, type: 'chat', room: 'dg', body: { text: 'not by datagram' } })));
    await dee.send({ t: 'msg', seq: 2, type: 'chat', room: 'dg', body: { text: 'by stream' } }); // seq 2 is still free: the datagram took none
    await acked(dee, 2);
    expect(((await eve.waitFor((f) => f.t === 'deliver' && f.type === 'chat')) as DeliverFrame).body).toEqual({ text: 'by stream' });
    expect(eve.delivers().filter((d) => d.type === 'chat')).toHaveLength(1);
    await dee.close();
    await eve.close();
  });

  it('refuses bad tokens with 401 on both transports, before any message', async () => {
    const other = new TextEncoder().encode('another-secret-entirely');
    const now = Math.floor(Date.now() / 1000);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'eve', aud: 'chat', iss: 'tests', exp: now + 3600 })).toString('base64url')}.`;
    const bad: [string, string][] = [
      ['missing', ''],
      ['expired', await token('eve', (j) => j.setExpirationTime(now - 60))],
      ['not yet valid', await token('eve', (j) => j.setNotBefore(now + 3600))],
      ['wrong aud', await token('eve', (j) => j.setAudience('other'))],
      ['wrong iss', await token('eve', (j) => j.setIssuer('other'))],
      ['wrong key', await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('eve').setAudience('chat').setIssuer('tests').setExpirationTime('1h').sign(other)],
      ['alg none', none],
      ['garbage', 'not.a.jwt'],
    ];
    for (const [why, t] of bad) {
      await expect(wsPeer(hub, t), `ws ${why}`).rejects.toMatchObject({ status: 401 });
      await expect(wtPeer(hub, t), `wt ${why}`).rejects.toThrow(/401/);
    }
    const m = await (await api('/metrics')).text();
    expect(m).toMatch(/realtime_auth_failures_total{transport="websocket",reason="expired"} 1/);
    expect(m).toMatch(/realtime_auth_failures_total{transport="webtransport",reason="signature"} 2/); // wrong key, alg none
    expect(m).toMatch(/realtime_auth_failures_total{transport="webtransport",reason="not_yet_valid"} 1/);
  });

  it('a client switching from WebTransport to WebSocket in the middle of 200 messages: each delivered once, in order', async () => {
    const watcher = await wsPeer(hub, await token('wendy'));
    await hello(watcher, 'w');
    await watcher.send({ t: 'msg', seq: 1, type: 'join', room: 'switch' });
    await acked(watcher, 1);
    const outbox = new Map<number, MsgFrame>();
    outbox.set(1, { t: 'msg', seq: 1, type: 'join', room: 'switch' });
    for (let i = 1; i <= 200; i++) outbox.set(i + 1, { t: 'msg', seq: i + 1, type: 'chat', room: 'switch', body: { text: `m${i}` } });
    // WebTransport first: the first 120 go out, then the session dies with acks still in flight
    const first = await wtPeer(hub, await token('sam'));
    await hello(first, 'sam-tab');
    for (let s = 1; s <= 121; s++) await first.send(outbox.get(s)!);
    await acked(first, 60);
    const seenAck = Math.max(...first.frames.filter((f) => f.t === 'ack').map((f) => (f as { seq: number }).seq));
    first.wt.close({ closeCode: 0, reason: 'network changed' });
    for (const s of [...outbox.keys()]) if (s <= seenAck) outbox.delete(s);
    // WebSocket next: hello, and (pipelined, before the welcome) the whole outbox after the last ack
    // seen, plus a few already acked ones again: the hub accepted some of them on the old session
    // and must not process them twice
    const second = await wsPeer(hub, await token('sam'));
    await second.send({ t: 'hello', clientId: 'sam-tab', lastSeq: 0 });
    for (let s = Math.max(2, seenAck - 5); s <= seenAck; s++) await second.send({ t: 'msg', seq: s, type: 'chat', room: 'switch', body: { text: `m${s - 1}` } });
    for (const f of outbox.values()) await second.send(f);
    const w = await second.waitFor((f) => f.t === 'welcome') as Extract<Frame, { t: 'welcome' }>;
    expect(w.lastSeq).toBeGreaterThanOrEqual(seenAck);
    await acked(second, 201);
    const texts = (await waitCount(watcher, 200)).map((d) => (d.body as { text: string }).text);
    expect(texts).toEqual(Array.from({ length: 200 }, (_, i) => `m${i + 1}`));
    const seqs = watcher.delivers().map((d) => d.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    await second.close();
    await watcher.close();
  });

  it('a stalled room stream on WebTransport does not hold up another room', async () => {
    const reader = await wtPeer(hub, await token('rita'), { readRooms: (room) => room !== 'stalled' });
    await hello(reader, 'rita-tab');
    await reader.send({ t: 'msg', seq: 1, type: 'join', room: 'stalled' });
    await reader.send({ t: 'msg', seq: 2, type: 'join', room: 'flowing' });
    await acked(reader, 2);
    const writer = await wsPeer(hub, await token('walt'));
    await hello(writer, 'walt-tab');
    await writer.send({ t: 'msg', seq: 1, type: 'join', room: 'stalled' });
    await writer.send({ t: 'msg', seq: 2, type: 'join', room: 'flowing' });
    await acked(writer, 2);
    // fill the stalled room's stream well past the stream's flow-control window (256 KiB)
    const big = 'x'.repeat(15_000);
    let seq = 2;
    for (let i = 0; i < 60; i++) await writer.send({ t: 'msg', seq: ++seq, type: 'chat', room: 'stalled', body: { text: big } });
    await acked(writer, seq);
    for (let i = 0; i < 20; i++) await writer.send({ t: 'msg', seq: ++seq, type: 'chat', room: 'flowing', body: { text: `f${i}` } });
    await reader.waitFor((f) => f.t === 'deliver' && f.room === 'flowing' && (f.body as { text?: string })?.text === 'f19');
    const flowing = reader.delivers().filter((d) => d.room === 'flowing' && d.type === 'chat').map((d) => (d.body as { text: string }).text);
    expect(flowing).toEqual(Array.from({ length: 20 }, (_, i) => `f${i}`));
    expect(reader.delivers().some((d) => d.room === 'stalled' && d.type === 'chat')).toBe(false);
    await writer.close();
    await reader.close();
  });

  it('counts connections, messages and fallbacks in /metrics and /metrics.json', async () => {
    const p = await wsPeer(hub, await token('mia'));
    await hello(p, 'mia-tab');
    await p.send({ t: 'msg', seq: 1, type: 'fallback', body: { reason: 'timeout' } });
    await p.send({ t: 'msg', seq: 2, type: 'fallback', body: { reason: 'Bad Label!' } });
    await acked(p, 2);
    const text = await (await api('/metrics')).text();
    expect(text).toMatch(/^realtime_connections{transport="websocket"} 1$/m);
    expect(text).toMatch(/^realtime_connections{transport="webtransport"} 0$/m);
    expect(text).toMatch(/^realtime_client_fallbacks_total{reason="timeout"} 1$/m);
    expect(text).toMatch(/^realtime_client_fallbacks_total{reason="other"} 1$/m);
    expect(text).toMatch(/^realtime_quic_websocket_ratio 0$/m);
    expect(text).toMatch(/^realtime_messages_total{direction="in",transport="webtransport"} [1-9]/m);
    expect(text).toMatch(/^realtime_processing_seconds_count{type="fallback"} 2$/m);
    const json = await (await api('/metrics.json')).json() as { name: string }[];
    expect(json.map((m) => m.name)).toContain('realtime_bytes_total');
    await p.close();
  });

  it('POST /api/admin/config: needs the admin token; a valid update applies, an invalid one is refused and the old config stays', async () => {
    const post = (body: unknown, auth = 'admin-token-0123456789') => api('/api/admin/config', { method: 'POST', headers: { authorization: `Bearer ${auth}` }, body: JSON.stringify(body) });
    expect((await post({ PING_INTERVAL_MS: '5000' }, 'wrong')).status).toBe(401);
    const ok = await post({ PING_INTERVAL_MS: '5000' });
    expect(ok.status).toBe(200);
    expect(hub.config.pingIntervalMs).toBe(5000);
    const bad = await post({ PING_INTERVAL_MS: 'soon' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/^PING_INTERVAL_MS: /);
    const restart = await post({ HTTP_PORT: '1234' });
    expect(restart.status).toBe(400);
    expect((await restart.json()).error).toMatch(/^HTTP_PORT: needs a restart/);
    expect(hub.config.pingIntervalMs).toBe(5000);
  });
});

async function waitCount(p: Peer, n: number): Promise<DeliverFrame[]> {
  const chats = () => p.delivers().filter((d) => d.type === 'chat');
  for (let i = 0; i < 400 && chats().length < n; i++) await new Promise((r) => setTimeout(r, 50));
  return chats();
}

describe('realtime hub shutdown and QUIC off', () => {
  it('QUIC_ENABLED=false: no WebTransport endpoint, /api/config says so; close() sends WebSocket 1001', async () => {
    const h = await createRealtimeHub({ config: { HTTP_PORT: '0', QUIC_ENABLED: 'false' }, logger: createLogger('silent') });
    expect(h.quicPort).toBeNull();
    const c = await (await fetch(new URL('/api/config', h.url))).json();
    expect(c).toMatchObject({ quicEnabled: false, wtUrl: null });
    const t = await (await fetch(new URL('/api/token', h.url), { method: 'POST', body: JSON.stringify({ user: 'dev' }) })).json();
    expect(t.devOnly).toBe(true);
    const p = await wsPeer(h, t.token);
    await p.send({ t: 'hello', clientId: 'x', lastSeq: 0 });
    await p.waitFor((f) => f.t === 'welcome');
    await h.close({ timeoutMs: 2000 });
    expect(await p.closed).toEqual({ code: 1001, reason: 'the hub is shutting down' });
  });

  it('logs lifecycle and refusals as JSON lines without tokens or secrets', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (l: string) => { lines.push(l); } });
    const h = await createRealtimeHub({ config: { HTTP_PORT: '0', QUIC_PORT: '0', JWT_SECRET: SECRET, ADMIN_TOKEN: 'admin-token-0123456789' }, logger });
    const good = await token('lou', (j) => j.setExpirationTime(Math.floor(Date.now() / 1000) - 60)); // expired
    const t = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('lou').setExpirationTime('1h').sign(key);
    const p = await wsPeer(h, t);
    await hello(p, 'lou-1');
    await p.close();
    await expect(wsPeer(h, good)).rejects.toMatchObject({ status: 401 });
    await expect(wtPeer(h, good)).rejects.toThrow(/401/);
    await h.close({ timeoutMs: 500 });
    const events = lines.map((l) => JSON.parse(l).event);
    for (const e of ['hub_listening', 'connection_open', 'connection_close', 'auth_refused', 'hub_closing', 'hub_closed']) expect(events).toContain(e);
    const all = lines.join('');
    for (const secret of [t, good, SECRET, 'admin-token-0123456789', t.split('.')[2]!]) expect(all).not.toContain(secret);
  });

  it('close() drains WebTransport sessions (the client sees draining and ends its session), then stops', async () => {
    const h = await createRealtimeHub({ config: { HTTP_PORT: '0', QUIC_PORT: '0' }, logger: createLogger('silent') });
    const t = await (await fetch(new URL('/api/token', h.url), { method: 'POST', body: JSON.stringify({ user: 'dev' }) })).json();
    const p = await wtPeer(h, t.token);
    await p.send({ t: 'hello', clientId: 'x', lastSeq: 0 });
    await p.waitFor((f) => f.t === 'welcome');
    void p.wt.draining.then(() => p.wt.close({ closeCode: 1001, reason: 'drained' }));
    const started = Date.now();
    await h.close({ timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(15_000); // the session ended on the drain, not at the timeout
    expect(await p.closed).toEqual({ code: 1001, reason: 'drained' });
    expect(h.manager.size).toBe(0);
    await expect(fetch(new URL('/api/health', h.url))).rejects.toThrow();
  });
});
