// The transport simulator: our client and our server (two endpoints of the
// component) on the virtual network of tests/helpers/pair.ts, in virtual
// time, under loss, reordering, duplication, rebinding and path changes.
// Every case prints its seed (SIM_SEED=... replays it) and runs several.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Pair, simSeed, payload, type LinkOptions } from '../helpers/pair.js';
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
  qlog?: boolean;
  clientTls?: object; serverTls?: object;
  link?: LinkOptions;
}

function endpoints(s: Setup) {
  const client = new QuicSimEndpoint(1, 50000, {
    quic: s.client,
    qlog: s.qlog,
    tls: { serverName: 'localhost', alpn: ['sim'], trustAnchorsPem: pki.ecCa.certPem, transportParams: EMPTY_TP, ...s.clientTls },
  } as SimOptions);
  const server = new QuicSimEndpoint(2, 4433, {
    quic: s.server,
    qlog: s.qlog,
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

/**
 * Writes `data` on the client's stream `id` from `off` on, running the pair
 * until the send buffer has room again, until the server has all of it (or
 * `maxSteps` rounds). Leaves the client's other events in place.
 */
function deliver(t: ReturnType<typeof run>, id: bigint, data: Uint8Array, off = 0, maxSteps = 5000): void {
  const key = () => `${serverConn(t.server)}:${id}`;
  for (let step = 0; step < maxSteps && !t.server.finished.has(key()); step++) {
    off = writeSome(t.conn, id, data, off);
    t.pair.run(() => t.server.finished.has(key()) || t.client.events.some((e) => e.kind === 'streamWritable'), t.pair.now + 2_000_000);
    t.client.events = t.client.events.filter((e) => e.kind !== 'streamWritable');
  }
}

describe.skipIf(!hasOpenssl)('QUIC simulator', () => {
  afterAll(() => {});

  for (const loss of [0, 0.1, 0.2, 0.3]) {
    it(`handshake completes under ${loss * 100}% loss`, () => {
      for (let i = 0; i < SEEDS; i++) {
        const seed = simSeed(`handshake loss=${loss}`);
        // PTO backoff under heavy loss can take far longer than the default 10 s handshake timeout: an ACK that
        // only arrives in a retransmission is a first RTT sample of seconds (RFC 9002 §5.3 takes a first sample
        // as it is, ack delay not subtracted), and later PTOs double from there. Seed 3108695518 at 30% needs
        // more than 120 s: the server's first sample was 17 s. Virtual time costs nothing, so wait 10 minutes.
        const patient: QuicOptions = { handshakeTimeout: 600_000, maxIdleTimeout: 600_000 };
        const t = run('handshake', { link: { loss }, client: patient, server: patient }, seed);
        const ok = t.pair.run(() => t.client.connected() && t.server.connected(), 600_000_000);
        expect(ok, `seed ${seed}`).toBe(true);
        expect(t.client.closed(), `seed ${seed}`).toBeUndefined();
        t.client.close(); t.server.close();
      }
    });
  }

  it("the server's Initial PTO resends the Handshake flight with it (RFC 9002 §6.2.4)", () => {
    // Found by a CI seed (3819791476, 10% loss): the server's probe carried only Initial packets, so the client had
    // the ServerHello but not the rest of the flight until the Handshake space's own PTO, backed off and, with an
    // RTT sample inflated by the losses, later than the 10 s handshake timeout.
    const seed = simSeed('pto coalesces');
    const t = run('pto coalesces', { qlog: true }, seed);
    // the server's whole first flight is lost
    t.pair.blackhole = (from) => from === 'b' && t.pair.now < 500_000;
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 2_500_000), `seed ${seed}`).toBe(true);
    // the server's first PTO (about 1 s: kInitialRtt) probes Initial and carries the Handshake flight with it
    const probes = t.server.events.filter((e) => e.kind === 'qlog').map((e) => JSON.parse(new TextDecoder().decode(e.bytes)))
      .filter((e) => e.name === 'transport:packet_sent' && e.data.trigger === 'pto_probe');
    const first = probes.filter((e) => e.time === probes[0].time);
    const crypto = (type: string) => first.some((e) => e.data.header.packet_type === type && e.data.frames.some((f: any) => f.frame_type === 'crypto'));
    expect(crypto('initial'), `seed ${seed}`).toBe(true);
    expect(crypto('handshake'), `seed ${seed}`).toBe(true);
    t.client.close(); t.server.close();
  });

  it('moves 10 MB on four streams intact under 10% loss, reordering and duplication', () => {
    const seed = simSeed('bulk lossy');
    const t = run('bulk', { link: { loss: 0.1, reorder: 0.1, duplicate: 0.05, jitterUs: 2000, bandwidth: 50e6 } }, seed);
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000), `seed ${seed}`).toBe(true);
    const data = [0, 1, 2, 3].map((i) => payload(seed + i, 2_500_000));
    const ids = data.map(() => quic.streamOpen(t.conn, true));
    const offs = data.map(() => 0);
    const sc = () => serverConn(t.server);
    const done = () => ids.every((id, i) => t.server.finished.has(`${sc()}:${id}`));
    for (let step = 0; step < 20000 && !done(); step++) {
      ids.forEach((id, i) => { offs[i] = writeSome(t.conn, id, data[i], offs[i]); });
      t.pair.run(() => done() || t.client.events.some((e) => e.kind === 'streamWritable'), t.pair.now + 2_000_000);
      t.client.events.length = 0;
    }
    expect(done(), `seed ${seed}`).toBe(true);
    ids.forEach((id, i) => expect(sha(t.server.bytes(sc(), id)), `stream ${id} seed ${seed}`).toBe(sha(data[i])));
    expect(t.client.closed()).toBeUndefined();
    t.client.close(); t.server.close();
  });

  it('a queued stream whose priority is raised moves to its new urgency level and is sent first (RFC 9218 §4)', () => {
    const seed = simSeed('reprioritize');
    const t = run('reprioritize', { link: { bandwidth: 20e6 } }, seed);
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000), `seed ${seed}`).toBe(true);
    const data = [payload(seed, 1_500_000), payload(seed + 1, 1_500_000)];
    const ids = data.map(() => quic.streamOpen(t.conn, true));
    const offs = data.map((d, i) => writeSome(t.conn, ids[i], d, 0));
    // both streams are queued at the default urgency, the first ahead; the second is raised while queued
    expect(quic.streamPriority(t.conn, ids[1], 0, false)).toBe(true);
    const sc = () => serverConn(t.server);
    const done = () => ids.every((id) => t.server.finished.has(`${sc()}:${id}`));
    for (let step = 0; step < 20000 && !done(); step++) {
      ids.forEach((id, i) => { offs[i] = writeSome(t.conn, id, data[i], offs[i]); });
      t.pair.run(() => done() || t.client.events.some((e) => e.kind === 'streamWritable'), t.pair.now + 2_000_000);
      t.client.events.length = 0;
    }
    expect(done(), `seed ${seed}`).toBe(true);
    const order = [...t.server.finished].filter((k) => ids.some((id) => k === `${sc()}:${id}`));
    expect(order, `seed ${seed}`).toEqual([`${sc()}:${ids[1]}`, `${sc()}:${ids[0]}`]);
    ids.forEach((id, i) => expect(sha(t.server.bytes(sc(), id))).toBe(sha(data[i])));
    t.client.close(); t.server.close();
  });

  it('never exceeds flow-control limits: small windows, the data still arrives', () => {
    for (let i = 0; i < SEEDS; i++) {
      const seed = simSeed('flow control');
      const small: QuicOptions = { initialMaxData: 4096, streamWindow: 2048, maxStreamWindow: 4096, maxConnectionWindow: 8192 };
      const t = run('flow', { client: small, server: small, link: { loss: 0.05 } }, seed);
      expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000), `seed ${seed}`).toBe(true);
      const data = payload(seed, 200_000);
      const id = quic.streamOpen(t.conn, true);
      deliver(t, id, data);
      // a violation would have closed the connection with FLOW_CONTROL_ERROR (0x03)
      expect(t.server.closed(), `seed ${seed}`).toBeUndefined();
      expect(t.client.closed(), `seed ${seed}`).toBeUndefined();
      expect(sha(t.server.bytes(serverConn(t.server), id)), `seed ${seed}`).toBe(sha(data));
      t.client.close(); t.server.close();
    }
  });

  it('updates keys every 20 packets on both sides without losing data', () => {
    // long enough for several updates: RFC 9001 §6.5 spaces them 3×PTO apart (300 kB was one update with some seeds)
    const seed = simSeed('key update');
    const t = run('ku', { client: { keyUpdateInterval: 20 }, server: { keyUpdateInterval: 25 }, link: { loss: 0.02, reorder: 0.05 } }, seed);
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000), `seed ${seed}`).toBe(true);
    const data = payload(seed, 1_500_000);
    const id = quic.streamOpen(t.conn, true);
    deliver(t, id, data, 0, 3000);
    expect(sha(t.server.bytes(serverConn(t.server), id)), `seed ${seed}`).toBe(sha(data));
    expect(Number(t.client.stats(t.conn).keyUpdates)).toBeGreaterThan(2);
    expect(Number(t.server.stats(serverConn(t.server)).keyUpdates)).toBeGreaterThan(2);
    expect(t.client.closed()).toBeUndefined();
    t.client.close(); t.server.close();
  });

  it('waits 3×PTO after a key update was acknowledged before the next one (RFC 9001 §6.5)', () => {
    // Found by interop with ngtcp2 (then tests/peers/ngtcp2_quic.test.ts, now ngtcp2_h3.test.ts): updating every 20 packets as soon as the
    // previous phase was acknowledged, a fifth of our packets were discarded by ngtcp2, which cannot open a new
    // phase that soon after the last. Link: 10 ms each way, so a PTO is at least 20 ms + the peer's 25 ms
    // max_ack_delay, and successive updates we start must be at least 3 × 45 ms apart.
    const seed = simSeed('key update spacing');
    const t = run('ku spacing', { qlog: true, client: { keyUpdateInterval: 20 }, link: { bandwidth: 4e6 } }, seed);
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000), `seed ${seed}`).toBe(true);
    const data = payload(seed, 3_000_000);
    const id = quic.streamOpen(t.conn, true);
    deliver(t, id, data, 0, 5000);
    expect(sha(t.server.bytes(serverConn(t.server), id)), `seed ${seed}`).toBe(sha(data));
    const updates = t.client.events.filter((e) => e.kind === 'qlog').map((e) => JSON.parse(new TextDecoder().decode(e.bytes)))
      .filter((e) => e.name === 'security:key_updated' && e.data.trigger === 'local_update')
      .map((e) => ({ time: e.time as number, generation: e.data.generation as number }));
    const times = [...new Map(updates.map((u) => [u.generation, u.time])).values()];
    expect(times.length, `seed ${seed}`).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `seed ${seed}, update ${i}`).toBeGreaterThanOrEqual(3 * 45);
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
    expect(t.server.eventsOf('datagram').map((e) => e.bytes[0])).toEqual([...Array(20).keys()]);
    t.client.close(); t.server.close();
  });

  it('a DATAGRAM of exactly max-datagram-payload crosses a lossy link while ACKs of a transfer are owed', () => {
    for (let i = 0; i < SEEDS; i++) {
      const seed = simSeed('dgram-max');
      const opts: QuicOptions = { maxDatagramFrameSize: 65535 };
      const t = run('dgram-max', { client: opts, server: opts, link: { loss: 0.1, reorder: 0.1 } }, seed);
      expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000)).toBe(true);
      const max = quic.stats(t.conn).maxDatagramPayload;
      const mtu = quic.stats(t.conn).pathMtu;
      // RFC 9221 §5: one packet at the path MTU — short header (1 + the server's 8-byte CID + up to 4 bytes of
      // packet number), DATAGRAM type and 2-byte Length, AEAD tag
      expect(max).toBe(mtu - (1 + 8 + 4) - 16 - 3);
      expect(quic.datagramSend(t.conn, new Uint8Array(max + 1))).toBe(2);
      // the server sends a stream meanwhile, so the client owes ACKs (with ranges, under loss) all along
      const sc = t.server.eventsOf('connected')[0].connection;
      const id = quic.streamOpen(sc, true);
      writeSome(sc, id, payload(seed, 200_000), 0);
      const big = new Uint8Array(max).fill(0xd7);
      let got = 0;
      for (let round = 0; round < 30 && got === 0; round++) {
        expect(quic.datagramSend(t.conn, big)).toBe(0);
        // pair.run throws if an endpoint's timer stays due without time passing (a poll-transmit spin)
        t.pair.run(() => t.server.eventsOf('datagram').length > 0, t.pair.now + 200_000);
        got = t.server.eventsOf('datagram').filter((e) => e.bytes.length === max).length;
      }
      expect(got, `seed ${seed}`).toBeGreaterThan(0);
      t.client.close(); t.server.close();
    }
  });

  it('qlog from the core under loss: every record parses, losses and recovery are logged, packets match across the two traces', () => {
    for (let i = 0; i < SEEDS; i++) {
      const seed = simSeed('qlog');
      const t = run('qlog', { qlog: true, link: { loss: 0.05, reorder: 0.05, duplicate: 0.02 } }, seed);
      expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000)).toBe(true);
      let lastReceived: { data: Uint8Array; meta: unknown } | null = null;
      const recv = t.server.recv.bind(t.server);
      t.server.recv = (now, data, from, meta) => { lastReceived = { data, meta }; recv(now, data, from, meta); };
      const data = payload(seed, 300_000);
      const id = quic.streamOpen(t.conn, true);
      deliver(t, id, data);
      expect(t.server.finished.has(`${serverConn(t.server)}:${id}`), `seed ${seed}`).toBe(true);
      // one duplicate for certain (the link's 2% may make none): the last datagram the server received, again
      t.server.recv(t.pair.now, lastReceived!.data, 'a', lastReceived!.meta);
      t.client.drain(); t.server.drain(); // what the last poll-transmit calls queued
      const trace = (ep: QuicSimEndpoint) => ep.events.filter((e) => e.kind === 'qlog').map((e) => JSON.parse(new TextDecoder().decode(e.bytes)));
      const client = trace(t.client), server = trace(t.server);
      const key = (e: any) => `${e.data.header.packet_type}:${e.data.header.packet_number}`;
      const named = (tr: any[], n: string) => tr.filter((e) => e.name === n);
      for (const tr of [client, server]) {
        let last = 0;
        for (const e of tr) {
          expect(e.time).toBeGreaterThanOrEqual(last);
          last = e.time;
          expect(e.name).toMatch(/^(transport|recovery|security|connectivity):[a-z_]+$/);
        }
      }
      // everything the server received was sent by the client, with the same frames (loss and duplication aside)
      const sentByClient = new Map(named(client, 'transport:packet_sent').map((e) => [key(e), e]));
      const receivedByServer = named(server, 'transport:packet_received');
      expect(receivedByServer.length).toBeGreaterThan(100);
      for (const r of receivedByServer) {
        const s = sentByClient.get(key(r));
        expect(s, `server received ${key(r)} the client never sent (seed ${seed})`).toBeDefined();
        expect(r.data.raw.length).toBe(s.data.raw.length);
        expect(r.data.frames.map((f: any) => f.frame_type)).toEqual(s.data.frames.map((f: any) => f.frame_type));
      }
      // the client lost packets it had sent, noticed, and went into recovery with a smaller window
      const lost = named(client, 'recovery:packet_lost');
      expect(lost.length, `seed ${seed}`).toBeGreaterThan(0);
      for (const l of lost) expect(sentByClient.has(key(l))).toBe(true);
      expect(named(client, 'recovery:congestion_state_updated').some((e) => e.data.new === 'recovery')).toBe(true);
      expect(named(client, 'recovery:metrics_updated').some((e) => typeof e.data.ssthresh === 'number')).toBe(true);
      // duplicates (the link's and ours) were dropped as such
      expect(named(server, 'transport:packet_dropped').some((e) => e.data.trigger === 'duplicate')).toBe(true);
      // keys: Initial, Handshake and 1-RTT installed on both sides, Initial and Handshake discarded
      for (const tr of [client, server]) {
        const types = named(tr, 'security:key_updated').map((e) => e.data.key_type);
        for (const k of ['client_initial_secret', 'server_handshake_secret', 'client_1rtt_secret', 'server_1rtt_secret']) expect(types).toContain(k);
        expect(named(tr, 'security:key_discarded').map((e) => e.data.key_type)).toContain('client_handshake_secret');
      }
      t.client.close(); t.server.close();
    }
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
    expect(new TextDecoder().decode(c.bytes)).toBe('bye');
    t.client.close(); t.server.close();
  });

  /** Sends `n` bytes on a new stream from client to server and runs until they arrived; returns whether they did, intact. */
  function transfer(t: ReturnType<typeof run>, n: number, seed: number, maxSteps = 5000): boolean {
    const data = payload(seed, n);
    const id = quic.streamOpen(t.conn, true);
    deliver(t, id, data, 0, maxSteps);
    return t.server.finished.has(`${serverConn(t.server)}:${id}`) && sha(t.server.bytes(serverConn(t.server), id)) === sha(data);
  }

  function connected(s: Setup, label: string) {
    const seed = simSeed(label);
    const t = run(label, s, seed);
    expect(t.pair.run(() => t.client.connected() && t.server.connected(), 30_000_000), `seed ${seed}`).toBe(true);
    return { t, seed };
  }

  it('migrates the client to a new local address; both sides see the new path and data keeps flowing', () => {
    for (let i = 0; i < SEEDS; i++) {
      const { t, seed } = connected({ link: { loss: 0.02 } }, 'migration');
      expect(transfer(t, 50_000, seed), `seed ${seed}`).toBe(true);
      expect(quic.migrate(t.conn, BigInt(Math.round(t.pair.now)), 1)).toBe(true);
      expect(t.pair.run(() => t.client.eventsOf('pathChanged').length > 0, t.pair.now + 10_000_000), `seed ${seed}`).toBe(true);
      expect(transfer(t, 200_000, seed + 1), `seed ${seed}`).toBe(true);
      expect(t.pair.run(() => t.server.eventsOf('pathChanged').length > 0, t.pair.now + 10_000_000), `seed ${seed}`).toBe(true);
      // the server now sends to the client's new socket
      expect(Array.from(t.server.eventsOf('pathChanged').at(-1)!.bytes)).toEqual(Array.from(t.client.addressOf(1)));
      expect(t.client.closed()).toBeUndefined();
      t.client.close(); t.server.close();
    }
  });

  it('a lost PATH_RESPONSE: the client challenges again after a PTO and still migrates', () => {
    // Found by a CI seed (2887439017): under 2% loss the server's only PATH_RESPONSE was lost; the peer never
    // retransmits one (RFC 9000 §8.2.2), so without a resend timer (§9.4) the migration failed after 3 PTOs.
    for (let i = 0; i < SEEDS; i++) {
      const { t, seed } = connected({}, 'lost path response');
      expect(transfer(t, 20_000, seed), `seed ${seed}`).toBe(true);
      const start = t.pair.now;
      // everything the server sends in the next 30 ms is lost: the response to the first challenge (RTT 20 ms)
      t.pair.blackhole = (from) => from === 'b' && t.pair.now < start + 30_000;
      expect(quic.migrate(t.conn, BigInt(Math.round(start)), 1)).toBe(true);
      // a resend after one PTO (well under the §8.2.4 deadline of 3 s with kInitialRtt) validates the path
      expect(t.pair.run(() => t.client.eventsOf('pathChanged').length > 0, start + 1_000_000), `seed ${seed}`).toBe(true);
      expect(t.client.eventsOf('migrationFailed'), `seed ${seed}`).toHaveLength(0);
      t.pair.blackhole = null;
      expect(transfer(t, 50_000, seed + 1), `seed ${seed}`).toBe(true);
      expect(Array.from(t.server.eventsOf('pathChanged').at(-1)!.bytes)).toEqual(Array.from(t.client.addressOf(1)));
      t.client.close(); t.server.close();
    }
  });

  it('follows a NAT rebinding of the client mid-transfer', () => {
    for (let i = 0; i < SEEDS; i++) {
      const { t, seed } = connected({}, 'rebinding');
      const data = payload(seed, 400_000);
      const id = quic.streamOpen(t.conn, true);
      const off = writeSome(t.conn, id, data, 0);
      t.pair.run(() => false, t.pair.now + 30_000);
      t.client.natShift = 7; // the client's packets now come from another port
      deliver(t, id, data, off);
      expect(sha(t.server.bytes(serverConn(t.server), id)), `seed ${seed}`).toBe(sha(data));
      expect(t.server.eventsOf('pathChanged').length, `seed ${seed}`).toBeGreaterThan(0);
      expect(Array.from(t.server.eventsOf('pathChanged').at(-1)!.bytes)).toEqual(Array.from(t.client.addressOf(0)));
      t.client.close(); t.server.close();
    }
  });

  it('follows a NAT rebinding of a client that only downloads, with what went to its old port lost', () => {
    // Found by interop with ngtcp2 (gtlsclient --change-local-addr --nat-rebinding, then tests/peers/ngtcp2_quic.test.ts, now ngtcp2_h3.test.ts):
    // the client's first packet from the new port is an ACK; the server moved there but (1) did not count that
    // datagram toward the new address's §8.1 allowance and (2) held its PATH_CHALLENGE behind a congestion window
    // full of packets sent to the old port, which are lost — the client, with nothing in flight, said nothing
    // more; the validation timed out and the server fell back to the dead old path. Here everything the server
    // sends to the client's old address after the rebinding is lost, as with a real NAT.
    for (let i = 0; i < SEEDS; i++) {
      // a client that never needs to send anything but ACKs: windows larger than the transfer, no PMTU probes
      const quiet: QuicOptions = { initialMaxData: 4 << 20, streamWindow: 4 << 20, maxUdpPayloadSize: 1200 };
      const { t, seed } = connected({ client: quiet }, 'rebinding download');
      const sc = serverConn(t.server);
      const data = payload(seed, 600_000);
      const id = quic.streamOpen(sc, false);
      let off = writeSome(sc, id, data, 0);
      t.pair.run(() => false, t.pair.now + 40_000); // mid-transfer, the server's window full
      const old = Array.from(t.client.addressOf(0)).join();
      t.client.natShift = 7;
      t.pair.blackhole = (from, d) => from === 'b' && Array.from(d.dest ?? []).join() === old;
      const key = () => `${t.conn}:${id}`;
      const deadline = t.pair.now + 20_000_000;
      // bounded in steps too: a stalled pair (nothing due, the bug) stops its clock
      for (let step = 0; step < 2000 && !t.client.finished.has(key()) && t.pair.now < deadline; step++) {
        off = writeSome(sc, id, data, off);
        t.pair.run(() => t.client.finished.has(key()), t.pair.now + 50_000);
      }
      expect(sha(t.client.bytes(t.conn, id)), `seed ${seed}`).toBe(sha(data));
      expect(Array.from(t.server.eventsOf('pathChanged').at(-1)?.bytes ?? []), `seed ${seed}`).toEqual(Array.from(t.client.addressOf(0)));
      expect(t.server.eventsOf('migrationFailed'), `seed ${seed}`).toHaveLength(0);
      t.client.close(); t.server.close();
    }
  });

  it('reports a migration whose path never validates and stays on the old path', () => {
    const { t, seed } = connected({}, 'migration fails');
    // RFC 9000 §9: no migration before the handshake is confirmed (HANDSHAKE_DONE)
    t.pair.run(() => false, t.pair.now + 200_000);
    const dark = Array.from(t.client.addressOf(1)).join();
    t.pair.blackhole = (from, d) => from === 'a' && Array.from(d.meta as Uint8Array).join() === dark;
    expect(quic.migrate(t.conn, BigInt(Math.round(t.pair.now)), 1)).toBe(true);
    expect(t.pair.run(() => t.client.eventsOf('migrationFailed').length > 0, t.pair.now + 30_000_000), `seed ${seed}`).toBe(true);
    expect(t.client.eventsOf('pathChanged')).toHaveLength(0);
    expect(transfer(t, 100_000, seed), `seed ${seed}`).toBe(true);
    expect(t.client.closed()).toBeUndefined();
    t.client.close(); t.server.close();
  });

  it('a server that lost the connection answers with a stateless reset the client recognises', () => {
    const { t, seed } = connected({}, 'stateless reset');
    expect(transfer(t, 10_000, seed)).toBe(true);
    quic.connectionFree(serverConn(t.server)); // the server forgets (as after a restart with the same key)
    const id = quic.streamOpen(t.conn, true);
    writeSome(t.conn, id, payload(seed, 5000), 0);
    expect(t.pair.run(() => !!t.client.closed(), t.pair.now + 10_000_000), `seed ${seed}`).toBe(true);
    expect(t.client.closed()!.closeKind).toBe('statelessReset');
    t.client.close(); t.server.close();
  });

  /**
   * Client: opens a stream, writes `n` bytes, marks the first `prefix` reliable and resets it at
   * once (nothing sent yet); runs until the server saw the reset. Returns what the server read and the reset's code.
   */
  function resetAtOnce(t: ReturnType<typeof run>, n: number, prefix: number, seed: number) {
    const data = payload(seed, n);
    const id = quic.streamOpen(t.conn, true);
    expect(writeSome(t.conn, id, data, 0)).toBe(n);
    expect(quic.streamReliablePrefix(t.conn, id, BigInt(prefix))).toBe(true);
    expect(quic.streamReset(t.conn, id, 77n)).toBe(true);
    const reset = () => t.server.eventsOf('streamReset').find((e) => e.stream === id);
    expect(t.pair.run(() => !!reset() || !!t.server.closed(), t.pair.now + 30_000_000), `seed ${seed}`).toBe(true);
    return { data, got: t.server.bytes(serverConn(t.server), id), code: reset()?.value, id };
  }

  it('RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset): a stream reset before anything was sent still delivers its reliable prefix, then the reset, under 20% loss', () => {
    for (let i = 0; i < SEEDS; i++) {
      const { t, seed } = connected({ link: { loss: 0.2 } }, 'reset_stream_at');
      const { data, got, code, id } = resetAtOnce(t, 20_000, 3000, seed);
      expect(t.server.closed(), `seed ${seed}`).toBeUndefined();
      expect(code).toBe(77n);
      expect(sha(got), `seed ${seed}`).toBe(sha(data.subarray(0, 3000)));
      // the reset came after the reliable bytes were read: the last read before it returned data
      const ev = t.server.events.filter((e) => e.stream === id).map((e) => e.kind);
      expect(ev.at(-1)).toBe('streamReset');
      // the stream still works on the connection: another transfer passes
      expect(transfer(t, 10_000, seed + 1), `seed ${seed}`).toBe(true);
      t.client.close(); t.server.close();
    }
  });

  it('without reset_stream_at on one side the reset is a plain RESET_STREAM: nothing of the prefix arrives, the code does', () => {
    for (const side of ['client', 'server'] as const) {
      const { t, seed } = connected({ [side]: { resetStreamAt: false } }, `reset_stream_at off (${side})`);
      const { got, code } = resetAtOnce(t, 5000, 3000, seed);
      expect(t.server.closed(), `seed ${seed}`).toBeUndefined();
      expect(code).toBe(77n);
      expect(got.length).toBe(0);
      t.client.close(); t.server.close();
    }
  });

  it('keeps the server under 3x what it received before the client address is validated', () => {
    const seed = simSeed('amplification');
    const t = run('amplification', { server: { handshakeTimeout: 60_000 } }, seed);
    let first = true;
    // only the client's first datagram arrives: the server can never validate the address
    t.pair.blackhole = (from) => { if (from !== 'a') return false; if (first) { first = false; return false; } return true; };
    t.pair.run(() => false, 20_000_000);
    const received = t.pair.stats.b.delivered > 0 ? 1200 : 0;
    expect(t.pair.stats.a.sent - t.pair.stats.a.dropped).toBe(1);
    expect(t.pair.stats.b.bytes).toBeGreaterThan(1200);
    expect(t.pair.stats.b.bytes).toBeLessThanOrEqual(3 * 1200);
    expect(received).toBe(1200);
    t.client.close(); t.server.close();
  });

  for (const accept of [true, false]) {
    it(`0-RTT: ${accept ? 'accepted' : 'rejected'}, the early stream data arrives either way`, () => {
      const seed = simSeed('0-rtt');
      const ticketKey = new Uint8Array(16).fill(7);
      const first = run('0-rtt first', { clientTls: { earlyData: true }, serverTls: { earlyData: true, ticketKey } }, seed);
      expect(first.pair.run(() => first.client.eventsOf('ticket').length > 0, 30_000_000), `seed ${seed}`).toBe(true);
      const session = first.client.eventsOf('ticket')[0].bytes;
      first.client.close(); first.server.close();
      const { client, server } = endpoints({ clientTls: { earlyData: true }, serverTls: { earlyData: accept, ticketKey } });
      const pair = new Pair(client, server, { seed });
      const conn = client.connect(0, SERVER, { session });
      const id = quic.streamOpen(conn, true);
      expect(id).not.toBe(2n ** 64n - 1n);
      const data = payload(seed, 3000);
      expect(writeSome(conn, id, data, 0)).toBe(data.length);
      const key = () => `${serverConn(server)}:${id}`;
      expect(pair.run(() => server.finished.has(key()) && client.connected(), 30_000_000), `seed ${seed}`).toBe(true);
      expect(client.eventsOf('connected')[0].value).toBe(accept ? 1n : 2n);
      expect(sha(server.bytes(serverConn(server), id))).toBe(sha(data));
      client.close(); server.close();
    });
  }
});
