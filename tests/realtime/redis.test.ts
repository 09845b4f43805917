// Scale-out through Redis pub/sub (host/realtime/bus.ts): two hubs on one
// real redis-server (Debian's redis-server, started here on a free port);
// a user on one hub and a user on the other chat in one room. Under CI a
// missing redis-server fails; locally it skips loudly (tests/helpers/peers.ts).
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRealtimeHub, type RealtimeHub } from '../../host/realtime/hub.js';
import { createLogger } from '../../host/realtime/log.js';
import type { DeliverFrame } from '../../host/realtime/protocol.js';
import { describeWithPeer } from '../helpers/peers.js';
import { redisPeer, startRedis } from './redis-server.js';
import { wsPeer, wtPeer } from './peers.js';

describeWithPeer(redisPeer(), 'redis-server', 'realtime hubs joined by Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: RealtimeHub, b: RealtimeHub;
  const SECRET = 'shared-secret-of-both-hubs';
  const token = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

  beforeAll(async () => {
    redis = await startRedis();
    const config = (quic: boolean) => ({ HTTP_PORT: '0', QUIC_PORT: '0', QUIC_ENABLED: String(quic), JWT_SECRET: SECRET, REDIS_URL: redis.url });
    a = await createRealtimeHub({ config: config(false), logger: createLogger('silent') });
    b = await createRealtimeHub({ config: config(true), logger: createLogger('silent') });
  });
  afterAll(async () => {
    await Promise.allSettled([a?.close({ timeoutMs: 500 }), b?.close({ timeoutMs: 500 })]);
    redis?.stop();
  });

  it('a chat on one hub reaches a member of the room on the other, and its history', async () => {
    expect(await (await fetch(new URL('/api/health', a.url))).json()).toMatchObject({ bus: 'redis' });
    const ann = await wsPeer(a, await token('ann'));
    const bob = await wtPeer(b, await token('bob'));
    await ann.send({ t: 'hello', clientId: 'ann-1', lastSeq: 0 });
    await bob.send({ t: 'hello', clientId: 'bob-1', lastSeq: 0 });
    await ann.send({ t: 'msg', seq: 1, type: 'join', room: 'r' });
    await bob.send({ t: 'msg', seq: 1, type: 'join', room: 'r' });
    await ann.waitFor((f) => f.t === 'ack' && f.seq === 1);
    await bob.waitFor((f) => f.t === 'ack' && f.seq === 1);
    await ann.waitFor((f) => f.t === 'deliver' && f.type === 'join' && f.from === 'bob'); // bob's join crossed from b to a
    for (let i = 0; i < 10; i++) await ann.send({ t: 'msg', seq: 2 + i, type: 'chat', room: 'r', body: { text: `a${i}` } });
    await bob.send({ t: 'msg', seq: 2, type: 'chat', room: 'r', body: { text: 'from b' } });
    await bob.waitFor((f) => f.t === 'deliver' && (f.body as { text?: string })?.text === 'a9');
    const atBob = bob.delivers().filter((d: DeliverFrame) => d.type === 'chat' && d.from === 'ann').map((d) => (d.body as { text: string }).text);
    expect(atBob).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(await ann.waitFor((f) => f.t === 'deliver' && f.from === 'bob' && f.type === 'chat')).toMatchObject({ body: { text: 'from b' } });
    // each hub's history has both sides
    const hist = await (await fetch(new URL(`/api/rooms/r/history?token=${await token('bob')}`, b.url))).json();
    expect(hist.messages.map((m: { text: string }) => m.text)).toContain('a9');
    // and nothing twice: a hub skips its own events coming back from Redis
    const atAnn = ann.delivers().filter((d) => d.type === 'chat').map((d) => (d.body as { text: string }).text);
    expect(atAnn.filter((t) => t === 'a0')).toHaveLength(1);
    await ann.close();
    await bob.close();
  });
});
