// Issue 13 item 7, migration: a Node client on WebTransport to the hub moves
// its QUIC connection to a new local socket (wt.migrate(), RFC 9000 §9)
// in the middle of a stream of chat messages. The client reaches the hub
// through a UDP relay on loopback, so a test can make the new path drop
// everything:
//  - a migration that validates: the hub keeps the session (the same
//    connection, no second hello or welcome) and every message arrives once, in order;
//  - a migration whose new path is dead: path validation fails (RFC 9000
//    §8.2), wt.migrate() rejects with H3W_ERR_QUIC_MIGRATION_FAILED (the app
//    is told), and the connection carries on, in order, on its old path.
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { createRealtimeHub, type RealtimeHub } from '../../host/realtime/hub.js';
import { createLogger } from '../../host/realtime/log.js';
import type { WelcomeFrame } from '../../host/realtime/protocol.js';
import { wsPeer, wtPeer, type Peer } from './peers.js';

/** A UDP relay to `target`: one upstream socket per client address; with `dropNewPaths` a client address not seen before is ignored. */
async function relay(target: number) {
  const front = dgram.createSocket('udp4');
  const ups = new Map<string, dgram.Socket>();
  const r = { port: 0, clients: [] as string[], dropNewPaths: false, dropped: 0, close: async () => {} };
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let up = ups.get(key);
    if (!up) {
      if (r.dropNewPaths) { r.dropped++; return; }
      up = dgram.createSocket('udp4');
      up.on('message', (back) => front.send(back, from.port, from.address));
      up.bind(0, '127.0.0.1');
      ups.set(key, up);
      r.clients.push(key);
    }
    up.send(msg, target, '127.0.0.1');
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  r.port = front.address().port;
  r.close = async () => { for (const u of ups.values()) u.close(); front.close(); };
  return r;
}

describe('realtime: a WebTransport client migrates (issue 13 item 7)', () => {
  const SECRET = 'migration-test-secret';
  let hub: RealtimeHub;
  const records: { event?: string; userId?: string }[] = [];
  const token = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
  beforeAll(async () => {
    // the hub's lifecycle log, to count the connections it opened
    const sink = new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) records.push(JSON.parse(l)); cb(); } });
    hub = await createRealtimeHub({ config: { HTTP_PORT: '0', QUIC_PORT: '0', JWT_SECRET: SECRET }, logger: createLogger('info', sink) });
  });
  afterAll(async () => { await hub?.close({ timeoutMs: 500 }); });

  /** A mover on WebTransport through a relay and a listener on WebSocket, both in room `room`. */
  async function setup(user: string, room: string) {
    const r = await relay(hub.quicPort!);
    const mover = await wtPeer(hub, await token(user), { url: `https://127.0.0.1:${r.port}/realtime` });
    const listener = await wsPeer(hub, await token(`${user}-listener`));
    await mover.send({ t: 'hello', clientId: `${user}-1`, lastSeq: 0 });
    await listener.send({ t: 'hello', clientId: `${user}-listener-1`, lastSeq: 0 });
    const welcome = await mover.waitFor((f) => f.t === 'welcome') as WelcomeFrame;
    await mover.send({ t: 'msg', seq: 1, type: 'join', room });
    await listener.send({ t: 'msg', seq: 1, type: 'join', room });
    await mover.waitFor((f) => f.t === 'ack' && f.seq === 1);
    await listener.waitFor((f) => f.t === 'ack' && f.seq === 1);
    return { r, mover, listener, welcome };
  }
  const chats = (p: Peer, from: string) => p.delivers().filter((d) => d.type === 'chat' && d.from === from).map((d) => (d.body as { text: string }).text);
  const texts = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);

  it('a migration mid-stream keeps the session and the order: every message once, in order', async () => {
    const { r, mover, listener, welcome } = await setup('mover', 'move');
    try {
      let migrated: Promise<void> | null = null;
      for (let i = 0; i < 300; i++) {
        if (i === 100) migrated = mover.wt.migrate();
        await mover.send({ t: 'msg', seq: 2 + i, type: 'chat', room: 'move', body: { text: `m${i}` } });
      }
      await migrated;
      await mover.waitFor((f) => f.t === 'ack' && f.seq === 301);
      await listener.waitFor((f) => f.t === 'deliver' && (f.body as { text?: string })?.text === 'm299');
      expect(chats(listener, 'mover')).toEqual(texts(300));
      // the relay saw the client come from a second address; the hub kept the one connection
      expect(r.clients).toHaveLength(2);
      expect(mover.frames.filter((f) => f.t === 'welcome')).toHaveLength(1);
      expect(hub.manager.connection(welcome.connectionId)).toBeDefined();
      expect(records.filter((x) => x.event === 'connection_open' && x.userId === 'mover')).toHaveLength(1);
      expect(records.filter((x) => x.event === 'connection_close' && x.userId === 'mover')).toHaveLength(0);
      // and it goes on working on the new path
      await mover.send({ t: 'msg', seq: 302, type: 'chat', room: 'move', body: { text: 'after' } });
      await listener.waitFor((f) => f.t === 'deliver' && (f.body as { text?: string })?.text === 'after');
    } finally {
      await mover.close();
      await listener.close();
      await r.close();
    }
  }, 60_000);

  it('a migration to a dead path fails: migrate() rejects (H3W_ERR_QUIC_MIGRATION_FAILED), the connection stays on its path, order kept', async () => {
    const { r, mover, listener, welcome } = await setup('stuck', 'dead');
    try {
      r.dropNewPaths = true; // the new path drops everything, as a network that lets nothing out
      let failed: Promise<unknown> | null = null;
      for (let i = 0; i < 200; i++) {
        if (i === 50) failed = mover.wt.migrate().then(() => 'migrated', (e) => e);
        await mover.send({ t: 'msg', seq: 2 + i, type: 'chat', room: 'dead', body: { text: `m${i}` } });
      }
      const e = await failed;
      expect(e).toMatchObject({ code: 'H3W_ERR_QUIC_MIGRATION_FAILED' });
      expect(r.dropped).toBeGreaterThan(0); // the new path was tried
      await listener.waitFor((f) => f.t === 'deliver' && (f.body as { text?: string })?.text === 'm199');
      expect(chats(listener, 'stuck')).toEqual(texts(200));
      expect(r.clients).toHaveLength(1);
      expect(hub.manager.connection(welcome.connectionId)).toBeDefined();
      // still usable after the failure
      await mover.send({ t: 'msg', seq: 202, type: 'chat', room: 'dead', body: { text: 'after' } });
      await listener.waitFor((f) => f.t === 'deliver' && (f.body as { text?: string })?.text === 'after');
    } finally {
      await mover.close();
      await listener.close();
      await r.close();
    }
  }, 60_000);
});
