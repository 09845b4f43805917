// QUIC-level interop with ngtcp2 0.12.1 (tests/helpers/ngtcp2.ts) over
// 127.0.0.1, before our HTTP/3 layer exists: both sides speak just enough
// HTTP/3 by hand (tests/helpers/h3-minimal.ts, scaffolding) to move files.
//  (a) our h3-wasi/quic client → gtlsserver serving a directory: files in
//      parallel (one of 4 MB) SHA-256 checked, ChaCha20-only, client-initiated
//      key updates, Retry (-V), resumption + 0-RTT, migration, NAT rebinding
//      (through tests/helpers/udp-tap.ts);
//  (b) gtlsclient → our h3-wasi/quic server with the minimal responder:
//      plain, Retry, ChaCha20-only, key update, migration, NAT rebinding,
//      resumption + 0-RTT (--session-file / --tp-file).
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing
// program fails; locally the tests skip with a loud warning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { QuicEndpoint, type QuicConnection, type QuicConnectOptions, type QuicListenOptions } from '../../host/quic/index.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { describeWithPeer } from '../helpers/peers.js';
import { CHACHA20_ONLY, gtlsClientPeer, gtlsServerPeer, runGtlsClient, startGtlsServer, type GtlsServer } from '../helpers/ngtcp2.js';
import { MiniH3Client, serveMiniH3, sha256, type Handler } from '../helpers/h3-minimal.js';
import { UdpTap } from '../helpers/udp-tap.js';

const T = 20_000;
const hasOpenssl = requireOpenssl('ngtcp2 interop tests (certificates are made with openssl)');

let pki: Pki;
let tmp = '';
const files = new Map<string, Buffer>();
beforeAll(() => {
  if (!hasOpenssl) return;
  pki = makePki();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-ngtcp2-'));
  fs.mkdirSync(path.join(tmp, 'htdocs'));
  // a position-dependent pattern for the large file (a reordering shows), random small ones
  const big = Buffer.alloc(4 << 20);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32BE((i * 2654435761) >>> 0, i);
  files.set('big.bin', big);
  for (let i = 0; i < 4; i++) files.set(`f${i}.bin`, crypto.randomBytes(1000 + 30_000 * i));
  files.set('index.html', Buffer.from('<!doctype html><title>h3-wasi</title><p>hello over HTTP/3</p>\n'));
  for (const [n, b] of files) fs.writeFileSync(path.join(tmp, 'htdocs', n), b);
});
afterAll(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

const servers: GtlsServer[] = [];
afterAll(async () => { await Promise.all(servers.map((s) => s.stop())); });

async function gtlsServer(...args: string[]): Promise<GtlsServer> {
  const s = await startGtlsServer({ cert: pki.ecLeaf, htdocs: path.join(tmp, 'htdocs'), args });
  servers.push(s);
  return s;
}

function connect(srv: GtlsServer, extra: Partial<QuicConnectOptions> = {}): QuicConnection {
  return QuicEndpoint.connect({
    host: srv.host, port: srv.port, servername: 'localhost', alpn: 'h3', tls: { trustAnchorsPem: pki.ecCa.certPem }, ...extra,
  });
}

/** GETs `names` in parallel and checks every body's SHA-256 against the served file. */
async function fetchAll(h3: MiniH3Client, srv: GtlsServer, names: string[]): Promise<void> {
  const got = await Promise.all(names.map((n) => h3.get(`localhost:${srv.port}`, `/${n}`)));
  got.forEach((r, i) => {
    expect(r.status, names[i]).toBe(200);
    expect(r.body.length, names[i]).toBe(files.get(names[i]!)!.length);
    expect(r.sha256, names[i]).toBe(sha256(files.get(names[i]!)!));
  });
}

async function closeClean(c: QuicConnection, h3: MiniH3Client): Promise<void> {
  c.close({ closeCode: 0x100 }); // H3_NO_ERROR (RFC 9114 §8.1)
  expect(await c.closed).toMatchObject({ closeCode: 0x100, remote: false });
  h3.close();
}

const ALL = ['big.bin', 'f0.bin', 'f1.bin', 'f2.bin', 'f3.bin', 'index.html'];

describeWithPeer(gtlsServerPeer(), 'gtlsserver (ngtcp2-server)', 'our QUIC client → ngtcp2 gtlsserver (HTTP/3 by hand)', () => {
  it('fetches six files in parallel (one 4 MiB), SHA-256 checked; a 404 for a missing one', async () => {
    const srv = await gtlsServer();
    const c = connect(srv);
    const h3 = new MiniH3Client(c);
    await c.ready;
    expect(c.alpn).toBe('h3');
    await fetchAll(h3, srv, ALL);
    expect((await h3.get(`localhost:${srv.port}`, '/nothing-here')).status).toBe(404);
    const peer = await h3.peer;
    await peer.settings; // its control stream arrived with SETTINGS first
    expect(peer.uniTypes).toEqual(expect.arrayContaining([0n, 2n, 3n]));
    await closeClean(c, h3);
    expect(srv.stderr()).not.toMatch(/error/i);
  }, T);

  it('ChaCha20-Poly1305 only (gtlsserver --ciphers): the handshake and files', async () => {
    const srv = await gtlsServer(`--ciphers=${CHACHA20_ONLY}`);
    const c = connect(srv, { tls: { trustAnchorsPem: pki.ecCa.certPem, cipherSuites: [0x1303] } });
    const h3 = new MiniH3Client(c);
    await fetchAll(h3, srv, ['f1.bin', 'f3.bin']);
    await closeClean(c, h3);
  }, T);

  it('key updates our client initiates (RFC 9001 §6) every 20 packets it sends (mostly ACKs) while 4 MiB come in', async () => {
    const srv = await gtlsServer();
    const c = connect(srv, { quic: { keyUpdateInterval: 20 } });
    const h3 = new MiniH3Client(c);
    await fetchAll(h3, srv, ['big.bin', 'f2.bin']);
    const st = await c.getStats();
    // at least one (RFC 9001 §6.5 spaces them 3×PTO after the last was acknowledged, so a fast loopback transfer may fit only one)
    expect(st.keyUpdates).toBeGreaterThanOrEqual(1);
    // RFC 9001 §6.5: updates spaced 3×PTO after the last was acknowledged; sooner, ngtcp2 discarded a fifth of
    // our packets (tests/sim/quic.test.ts 'waits 3×PTO ...' is the simulator case)
    expect(st.packetsLost * 20, JSON.stringify(st)).toBeLessThan(st.packetsSent);
    await closeClean(c, h3);
    expect(srv.stderr()).not.toMatch(/error/i);
  }, T);

  it('Retry (gtlsserver -V): the handshake follows it (qlog shows the Retry), then files', async () => {
    const srv = await gtlsServer('-V');
    const qlogDir = fs.mkdtempSync(path.join(tmp, 'qlog-'));
    const c = connect(srv, { qlogDir });
    const h3 = new MiniH3Client(c);
    await fetchAll(h3, srv, ['f0.bin', 'f2.bin']);
    await closeClean(c, h3);
    const qlog = fs.readdirSync(qlogDir).map((f) => fs.readFileSync(path.join(qlogDir, f), 'utf8')).join('');
    expect(qlog).toMatch(/packet_received".*"packet_type":"retry"/);
  }, T);

  it('resumption + 0-RTT: the second connection sends its requests before the handshake completes, accepted', async () => {
    const srv = await gtlsServer();
    const c1 = connect(srv);
    const h1 = new MiniH3Client(c1);
    await fetchAll(h1, srv, ['f0.bin']);
    for (let i = 0; i < 100 && !c1.session; i++) await new Promise((r) => setTimeout(r, 10));
    expect(c1.session, 'gtlsserver sent a session ticket').toBeDefined();
    await closeClean(c1, h1);
    const c2 = connect(srv, { session: c1.session, tls: { trustAnchorsPem: pki.ecCa.certPem, earlyData: true } });
    const h2 = new MiniH3Client(c2); // control + QPACK streams and the requests go in 0-RTT
    const got = fetchAll(h2, srv, ['f1.bin', 'index.html']);
    await c2.ready;
    expect(c2.earlyData).toBe('accepted');
    await got;
    await closeClean(c2, h2);
  }, T);

  it('NAT rebinding of our client mid-download (a tap gives it a new port; the old one is gone)', async () => {
    const srv = await gtlsServer();
    const tap = await UdpTap.start({ address: srv.host, port: srv.port });
    try {
      const c = QuicEndpoint.connect({ host: '127.0.0.1', port: tap.port, servername: 'localhost', alpn: 'h3', tls: { trustAnchorsPem: pki.ecCa.certPem } });
      const h3 = new MiniH3Client(c);
      await fetchAll(h3, srv, ['f1.bin']);
      const big = fetchAll(h3, srv, ['big.bin', 'f3.bin']);
      await new Promise((r) => setTimeout(r, 30));
      await tap.rebind(); // gtlsserver sees our packets from a new port; what it sends to the old one is lost
      await big;
      await fetchAll(h3, srv, ['f0.bin']);
      await closeClean(c, h3);
    } finally {
      await tap.close();
      fs.rmSync(path.dirname(tap.pcapFile), { recursive: true, force: true });
    }
  }, T);

  it('migration: our client moves to a new local port (RFC 9000 §9.2) between two fetches', async () => {
    const srv = await gtlsServer();
    const c = connect(srv);
    const h3 = new MiniH3Client(c);
    await fetchAll(h3, srv, ['f1.bin']);
    const before = c.localAddress!.port;
    await c.migrate();
    expect(c.localAddress!.port).not.toBe(before);
    await fetchAll(h3, srv, ['big.bin', 'f3.bin']);
    await closeClean(c, h3);
  }, T);
});

describeWithPeer(gtlsClientPeer(), 'gtlsclient (ngtcp2-client)', 'ngtcp2 gtlsclient → our QUIC server (HTTP/3 responder by hand)', () => {
  const served: { conn: QuicConnection; firstPort: number; requests: { path: string }[]; done: Promise<void> }[] = [];
  const endpoints: QuicEndpoint[] = [];
  afterAll(async () => { await Promise.all(endpoints.map((e) => e.close())); });

  /** Our server on 127.0.0.1 answering GET /<name> with the file (404 otherwise). */
  async function ourServer(quic: QuicListenOptions['quic'] = {}): Promise<QuicEndpoint> {
    const ep = await QuicEndpoint.listen({
      host: '127.0.0.1', alpn: 'h3', quic,
      tls: { certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, earlyData: true },
    });
    endpoints.push(ep);
    const handler: Handler = (req) => {
      const f = files.get(req.path.slice(1));
      return req.method === 'GET' && f ? { status: 200, body: f } : { status: 404 };
    };
    void (async () => {
      for await (const conn of ep) {
        const s = serveMiniH3(conn, handler);
        served.push({ conn, firstPort: conn.remoteAddress!.port, requests: s.requests, done: s.done });
      }
    })();
    return ep;
  }

  function expectFiles(r: Awaited<ReturnType<typeof runGtlsClient>>, names: string[]): void {
    expect(r.code, r.stderr).toBe(0);
    for (const n of names) expect(sha256(r.files.get(n) ?? Buffer.alloc(0)), n).toBe(sha256(files.get(n)!));
  }

  it('downloads six files (one 4 MiB) in parallel, SHA-256 checked', async () => {
    const ep = await ourServer();
    const r = await runGtlsClient({ port: ep.address.port, uris: ALL.map((n) => `/${n}`) });
    expectFiles(r, ALL);
    const s = served.at(-1)!;
    expect(s.requests.map((q) => q.path).sort()).toEqual(ALL.map((n) => `/${n}`).sort());
    await s.done;
  }, T);

  it('Retry from our server (quic.retry): gtlsclient follows it (its qlog shows the Retry)', async () => {
    const ep = await ourServer({ retry: true });
    const qlogDir = fs.mkdtempSync(path.join(tmp, 'gtls-qlog-'));
    const r = await runGtlsClient({ port: ep.address.port, uris: ['/f2.bin', '/index.html'], args: [`--qlog-dir=${qlogDir}`] });
    expectFiles(r, ['f2.bin', 'index.html']);
    const qlog = fs.readdirSync(qlogDir).map((f) => fs.readFileSync(path.join(qlogDir, f), 'utf8')).join('');
    expect(qlog).toMatch(/packet_received".*"packet_type":"retry"/);
  }, T);

  it('ChaCha20-Poly1305 only (gtlsclient --ciphers)', async () => {
    const ep = await ourServer();
    const r = await runGtlsClient({ port: ep.address.port, uris: ['/f3.bin', '/index.html'], args: [`--ciphers=${CHACHA20_ONLY}`] });
    expectFiles(r, ['f3.bin', 'index.html']);
  }, T);

  it('a key update gtlsclient initiates 20 ms into a 4 MiB download: our server follows it', async () => {
    const ep = await ourServer();
    const r = await runGtlsClient({ port: ep.address.port, uris: ['/big.bin'], args: ['--key-update=20ms'] });
    expectFiles(r, ['big.bin']);
    const st = await served.at(-1)!.conn.getStats();
    expect(st.keyUpdates).toBeGreaterThanOrEqual(1);
  }, T);

  for (const nat of [false, true]) {
    it(nat ? 'NAT rebinding (--change-local-addr --nat-rebinding): our server follows the new address' : 'migration (--change-local-addr, path validated): our server follows it', async () => {
      const ep = await ourServer();
      const r = await runGtlsClient({ port: ep.address.port, uris: ['/big.bin', '/f1.bin'], args: ['--change-local-addr=20ms', ...(nat ? ['--nat-rebinding'] : [])] });
      expectFiles(r, ['big.bin', 'f1.bin']);
      const s = served.at(-1)!;
      expect(s.conn.remoteAddress!.port).not.toBe(s.firstPort);
    }, T);
  }

  it('resumption + 0-RTT (--session-file, --tp-file): the second run sends its request in 0-RTT, accepted', async () => {
    const ep = await ourServer();
    const sess = path.join(tmp, 'session.pem'), tp = path.join(tmp, 'tp.txt');
    const args = [`--session-file=${sess}`, `--tp-file=${tp}`];
    const r1 = await runGtlsClient({ port: ep.address.port, uris: ['/index.html'], args });
    expectFiles(r1, ['index.html']);
    expect(fs.existsSync(sess) && fs.existsSync(tp), 'gtlsclient saved the session and transport parameters').toBe(true);
    // verbose: its log says what went in 0-RTT and whether the server rejected early data
    const r2 = await runGtlsClient({ port: ep.address.port, uris: ['/index.html'], args, quiet: false });
    expectFiles(r2, ['index.html']);
    expect(r2.stderr + r2.stdout).toMatch(/type=0RTT/);
    expect(r2.stderr + r2.stdout).toMatch(/frm tx \d+ 0RTT STREAM\(0x0b\) id=0x0 fin=1/); // the request, FIN, in 0-RTT
    expect(r2.stderr).not.toMatch(/Early data was rejected/);
  }, T);
});
