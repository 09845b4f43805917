// The transport simulator: our client and our server (two endpoints of the
// component) on the virtual network of tests/helpers/pair.ts, in virtual
// time, under loss, reordering, duplication, rebinding and path changes.
// Every case prints its seed (SIM_SEED=... replays it) and runs several.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Pair, simSeed, prng, type LinkOptions } from '../helpers/pair.js';
import { QuicSimEndpoint, addr, writeSome, type SimOptions, type QuicOptions } from '../helpers/quic-sim.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { quic } from '../../host/core/engine.js';

const hasOpenssl = requireOpenssl('QUIC simulator (certificates are made with openssl)');
const SEEDS = Number(process.env.SIM_SEEDS ?? 3);
const SERVER = addr(2, 4433);
const EMPTY_TP = new Uint8Array(0);

let pki: Pki;
beforeAll(() => { if (hasOpenssl) pki = makePki(); });

interface Setup {
  client?: QuicOptions; server?: QuicOptions;
  clientTls?: object; serverTls?: object;
  link?: LinkOptions;
}

function endpoints(s: Setup) {
  const client = new QuicSimEndpoint(1, 50000, {
    quic: s.client,
    tls: { serverName: 'localhost', alpn: ['sim'], trustAnchorsPem: pki.ecCa.certPem, transportParams: EMPTY_TP, ...s.clientTls },
  } as SimOptions);
  const server = new QuicSimEndpoint(2, 4433, {
    quic: s.server,
    tls: { server: true, alpn: ['sim'], certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, transportParams: EMPTY_TP, ...s.serverTls },
  } as SimOptions);
  return { client, server };
}

function run(label: string, s: Setup, seed: number) {
  const { client, server } = endpoints(s);
  const pair = new Pair(client, server, { seed, link: s.link });
  const conn = client.connect(0, SERVER);
  return { client, server, pair, conn, label };
}

function serverConn(server: QuicSimEndpoint): number {
  const e = server.eventsOf('connected')[0];
  return e ? e.connection : 0;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function payload(seed: number, n: number): Uint8Array {
  const r = prng(seed ^ 0x5eed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

describe.skipIf(!hasOpenssl)('QUIC simulator', () => {
  afterAll(() => {});

  for (const loss of [0, 0.1, 0.2, 0.3]) {
    it(`handshake completes under ${loss * 100}% loss`, () => {
      for (let i = 0; i < SEEDS; i++) {
        const seed = simSeed(`handshake loss=${loss}`);
        const t = run('handshake', { link: { loss } }, seed);
        const ok = t.pair.run(() => t.client.connected() && t.server.connected(), 120_000_000);
        expect(ok, `seed ${seed}`).toBe(true);
        expect(t.client.closed(), `seed ${seed}`).toBeUndefined();
        t.client.close(); t.server.close();
      }
    });
  }

  it('moves 10 MB on four streams intact under 10% loss, reordering and duplication', () => {
    const seed = simSeed('bulk lossy');
    const t = run('bulk', { link: { loss: 0.1, reorder: 0.1, duplicate: 0.05, jitterUs: 2000, bandwidth: 50e6 } }, seed);
    expect(t.pair.run(() => t.client.connected(), 30_000_000)).toBe(true);
    const data = [0, 1, 2, 3].map((i) => payload(seed + i, 2_500_000));
    const ids = data.map(() => quic.streamOpen(t.conn, true));
    const offs = data.map(() => 0);
    const sc = () => serverConn(t.server);
    const done = () => ids.every((id, i) => t.server.finished.has(`${sc()}:${id}`));
    for (let step = 0; step < 2000 && !done(); step++) {
      ids.forEach((id, i) => { offs[i] = writeSome(t.conn, id, data[i], offs[i]); });
      t.pair.run(() => done() || t.client.events.some((e) => e.kind === 'stream-writable'), t.pair.now + 2_000_000);
      t.client.events.length = 0;
    }
    expect(done(), `seed ${seed}`).toBe(true);
    ids.forEach((id, i) => expect(sha(t.server.bytes(sc(), id)), `stream ${id} seed ${seed}`).toBe(sha(data[i])));
    expect(t.client.closed()).toBeUndefined();
    t.client.close(); t.server.close();
  });

  it('never exceeds flow-control limits: small windows, the data still arrives', () => {
    const seed = simSeed('flow control');
    const small: QuicOptions = { initialMaxData: 4096, streamWindow: 2048, maxStreamWindow: 4096, maxConnectionWindow: 8192 };
    const t = run('flow', { client: small, server: small, link: { loss: 0.05 } }, seed);
    expect(t.pair.run(() => t.client.connected(), 30_000_000)).toBe(true);
    const data = payload(seed, 200_000);
    const id = quic.streamOpen(t.conn, true);
    let off = 0;
    const key = () => `${serverConn(t.server)}:${id}`;
    for (let step = 0; step < 5000 && !t.server.finished.has(key()); step++) {
      off = writeSome(t.conn, id, data, off);
      t.pair.run(() => t.server.finished.has(key()) || t.client.events.some((e) => e.kind === 'stream-writable'), t.pair.now + 2_000_000);
      t.client.events.length = 0;
    }
    // a violation would have closed the connection with FLOW_CONTROL_ERROR (0x03)
    expect(t.server.closed(), `seed ${seed}`).toBeUndefined();
    expect(t.client.closed(), `seed ${seed}`).toBeUndefined();
    expect(sha(t.server.bytes(serverConn(t.server), id))).toBe(sha(data));
    t.client.close(); t.server.close();
  });

  it('updates keys every 20 packets on both sides without losing data', () => {
    const seed = simSeed('key update');
    const t = run('ku', { client: { keyUpdateInterval: 20 }, server: { keyUpdateInterval: 25 }, link: { loss: 0.02, reorder: 0.05 } }, seed);
    expect(t.pair.run(() => t.client.connected(), 30_000_000)).toBe(true);
    const data = payload(seed, 300_000);
    const id = quic.streamOpen(t.conn, true);
    let off = 0;
    const key = () => `${serverConn(t.server)}:${id}`;
    for (let step = 0; step < 3000 && !t.server.finished.has(key()); step++) {
      off = writeSome(t.conn, id, data, off);
      t.pair.run(() => t.server.finished.has(key()) || t.client.events.some((e) => e.kind === 'stream-writable'), t.pair.now + 2_000_000);
      t.client.events.length = 0;
    }
    expect(sha(t.server.bytes(serverConn(t.server), id)), `seed ${seed}`).toBe(sha(data));
    expect(Number(t.client.stats(t.conn).keyUpdates)).toBeGreaterThan(2);
    expect(Number(t.server.stats(serverConn(t.server)).keyUpdates)).toBeGreaterThan(2);
    expect(t.client.closed()).toBeUndefined();
    t.client.close(); t.server.close();
  });

  it('Retry: the server validates the address first, the handshake completes', () => {
    const seed = simSeed('retry');
    const t = run('retry', { server: { retry: true } }, seed);
    const firstBytes: number[] = [];
    const orig = t.server.pollTransmit.bind(t.server);
    t.server.pollTransmit = (now) => { const d = orig(now); if (d) firstBytes.push(d.data[0]); return d; };
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000), `seed ${seed}`).toBe(true);
    // RFC 9000 §17.2.5: a v1 Retry has long-header type 0b11
    expect((firstBytes[0] & 0xf0)).toBe(0xf0);
    t.client.close(); t.server.close();
  });

  it('stops on an idle timeout on both sides', () => {
    const seed = simSeed('idle');
    const t = run('idle', { client: { maxIdleTimeout: 2000 }, server: { maxIdleTimeout: 3000 } }, seed);
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000)).toBe(true);
    const start = t.pair.now;
    expect(t.pair.run(() => !!t.client.closed() && !!t.server.closed(), 60_000_000)).toBe(true);
    expect(t.client.closed()!.closeKind).toBe('idle');
    expect(t.server.closed()!.closeKind).toBe('idle');
    // RFC 9000 §10.1: the smaller of the two, but at least 3 PTO
    expect(t.pair.now - start).toBeGreaterThanOrEqual(2_000_000);
    expect(t.pair.now - start).toBeLessThan(4_000_000);
    t.client.close(); t.server.close();
  });

  it('carries DATAGRAM frames both ways', () => {
    const seed = simSeed('datagrams');
    const opts: QuicOptions = { maxDatagramFrameSize: 1200 };
    const t = run('dgram', { client: opts, server: opts }, seed);
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000)).toBe(true);
    for (let i = 0; i < 20; i++) expect(quic.datagramSend(t.conn, Uint8Array.of(i, 1, 2, 3))).toBe(0);
    expect(t.pair.run(() => t.server.eventsOf('datagram').length === 20, t.pair.now + 5_000_000)).toBe(true);
    expect(t.server.eventsOf('datagram').map((e) => e.data[0])).toEqual([...Array(20).keys()]);
    t.client.close(); t.server.close();
  });

  it('closes with the application code and reason the peer sees', () => {
    const seed = simSeed('close');
    const t = run('close', {}, seed);
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000)).toBe(true);
    quic.close(t.conn, BigInt(Math.round(t.pair.now)), 42n, 'bye', true);
    expect(t.pair.run(() => !!t.server.closed(), t.pair.now + 5_000_000)).toBe(true);
    const c = t.server.closed()!;
    expect(c.value).toBe(42n);
    expect(c.app).toBe(true);
    expect(c.remote).toBe(true);
    expect(new TextDecoder().decode(c.data)).toBe('bye');
    t.client.close(); t.server.close();
  });
});
