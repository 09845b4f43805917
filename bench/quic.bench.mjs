// QUIC transport: h3-wasi (dist/, the shipped component behind h3-wasi/quic)
// next to quiche (tests/peers/quiche/peer.mjs: quiche 0.18 through
// @matrixai/quic 1.2.12) on the same work in the same run, over 127.0.0.1,
// client and server in separate processes, both at 1350-byte datagrams
// (quiche's default max_udp_payload_size; ours is set to match):
//  - bulk: one bidirectional stream of BENCH_QUIC_BYTES (default 4 MB) up, the
//    server answers with its SHA-256 (sink), timed from stream open to the
//    answer; MB/s and the client's CPU per MB;
//  - handshakes: sequential connect → handshake done, both servers sending a
//    Retry first (quiche always does; ours with retry: true); shown as
//    handshakes/s = 1 / median time (quiche's client is one process per
//    connection, so its time is the one it reports, not process start-up);
//  - 1 KB request/response on one connection: a new bidirectional stream per
//    request, 1 KB each way; median and p99;
// and in this process, through the core's `quic` interface (dist/engine):
//  - boundary cost per datagram: one `recv` of a batch of N datagrams vs N
//    single `recv`s, one `poll-transmit` of N vs N of 1;
//  - the simulator's throughput without loss: two endpoints in-process, every
//    datagram delivered at once, virtual time (only wall time is measured).
// `node bench/quic.bench.mjs serve` is our server side (used by the bench).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { median, table, ratio, cpuMsOf } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PEER = path.join(root, 'tests', 'peers', 'quiche', 'peer.mjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BYTES = Number(process.env.BENCH_QUIC_BYTES ?? 4_000_000);
const MTU = 1350;
/** BENCH_QUIC_ONLY=bulk,handshake,rr,core runs only those parts; BENCH_QUIC_PEER=0 leaves quiche out (for profiling). */
const ONLY = new Set((process.env.BENCH_QUIC_ONLY ?? 'bulk,handshake,rr,core').split(','));
const PEER_TOO = process.env.BENCH_QUIC_PEER !== '0';
const ECHO = 'h3-wasi-echo', SINK = 'h3-wasi-sink';

const { QuicEndpoint } = await import(path.join(root, 'dist/host/quic/index.js'));

// ---------------------------------------------------------------------------
// Our server (child process): ALPN h3-wasi-echo echoes each bidirectional
// stream, h3-wasi-sink answers with the SHA-256 of what it read.

async function serve(cert, key) {
  const ep = await QuicEndpoint.listen({
    host: '127.0.0.1', alpn: [ECHO, SINK], tls: { certChainPem: fs.readFileSync(cert, 'utf8'), privateKeyPem: fs.readFileSync(key, 'utf8') },
    quic: { maxUdpPayloadSize: MTU, retry: true, maxConnectionWindow: 24 << 20, maxStreamWindow: 16 << 20 },
  });
  process.stdout.write(JSON.stringify({ port: ep.address.port }) + '\n');
  process.once('SIGTERM', () => process.exit(0)); // an orderly exit, so --cpu-prof writes its profile
  for await (const c of ep) {
    void (async () => {
      const r = c.incomingBidirectionalStreams.getReader();
      for (;;) {
        const { value: s, done } = await r.read().catch(() => ({ done: true }));
        if (done) return;
        if (c.alpn === ECHO) { s.readable.pipeTo(s.writable).catch(() => {}); continue; }
        void (async () => {
          const h = crypto.createHash('sha256');
          for await (const chunk of s.readable) h.update(chunk);
          const w = s.writable.getWriter();
          await w.write(h.digest());
          await w.close();
        })().catch(() => {});
      }
    })();
    c.closed.catch(() => {});
  }
}


// ---------------------------------------------------------------------------

function makeCert(dir) {
  const o = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=bench ca', '-days', '1']);
  o(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  o(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'ext']);
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'leaf.pem'), key: path.join(dir, 'leaf.key') };
}


const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

/** Spawns a server that prints one JSON line with its port. */
async function startServer(args) {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const port = await new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once('line', (l) => resolve(JSON.parse(l).port));
    proc.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return { port, cpuMs: () => cpuMsOf(proc.pid), stop: () => { proc.kill('SIGTERM'); return exited; } };
}

function quicheClient(port, args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [PEER, 'client', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.once('exit', () => {
      const r = JSON.parse(out.trim().split('\n').pop() || '{}');
      if (!r.ok) reject(new Error(`quiche client: ${r.error ?? out}`)); else resolve(r);
    });
  });
}

function ours(port, pki, alpn, extra = {}, tls = {}) {
  return QuicEndpoint.connect({
    host: '127.0.0.1', port, servername: 'localhost', alpn, tls: { trustAnchorsPem: fs.readFileSync(pki.ca, 'utf8'), ...tls },
    quic: { maxUdpPayloadSize: MTU, maxConnectionWindow: 24 << 20, maxStreamWindow: 16 << 20 }, ...extra,
  });
}

async function readAll(readable) {
  const parts = [];
  for await (const c of readable) parts.push(c);
  return Buffer.concat(parts);
}

async function exchange(c, data) {
  const s = await c.createBidirectionalStream();
  const w = s.writable.getWriter();
  const [back] = await Promise.all([readAll(s.readable), (async () => {
    for (let o = 0; o < data.length; o += 65536) await w.write(data.subarray(o, Math.min(data.length, o + 65536)));
    await w.close();
  })()]);
  return back;
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-quic-bench-'));
  try {
    const pki = makeCert(tmp);
    const ourSrv = await startServer([...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), fileURLToPath(import.meta.url), 'serve', pki.cert, pki.key]);
    const noPeer = { port: 0, stop() {} };
    const qSink = PEER_TOO ? await startServer([PEER, 'server', '--sink', '--alpn', SINK, '--cert', pki.cert, '--key', pki.key]) : noPeer;
    const qEcho = PEER_TOO ? await startServer([PEER, 'server', '--alpn', ECHO, '--cert', pki.cert, '--key', pki.key]) : noPeer;
    const qArgs = ['--ca', pki.ca, '--server-name', 'localhost'];
    const rows = [];

    // ---- bulk
    const data = crypto.randomBytes(BYTES);
    const digest = crypto.createHash('sha256').update(data).digest();
    const oursBulk = [], oursCpu = [], oursSrvCpu = [], qBulk = [], qCpu = [], aesBulk = [], aesCpu = [];
    if (ONLY.has('bulk')) {
      // warm-up, untimed: V8 first runs the core's WebAssembly unoptimized (Liftoff) and
      // tiers hot functions up in the background, on both sides; the first transfer pays for it
      const c = ours(ourSrv.port, pki, SINK);
      await c.ready;
      await exchange(c, data);
      c.close();
      await c.closed.catch(() => {});
    }
    for (let i = 0; i < RUNS && ONLY.has('bulk'); i++) {
      const c = ours(ourSrv.port, pki, SINK);
      await c.ready;
      const cpu0 = process.cpuUsage(), t0 = performance.now(), srv0 = ourSrv.cpuMs();
      const back = await exchange(c, data);
      const ms = performance.now() - t0, cpu = process.cpuUsage(cpu0);
      oursSrvCpu.push((ourSrv.cpuMs() - srv0) / (BYTES / 1e6));
      if (!Buffer.from(back).equals(digest)) throw new Error('our bulk transfer: the SHA-256 answer does not match');
      oursBulk.push(BYTES / 1e6 / (ms / 1000));
      oursCpu.push((cpu.user + cpu.system) / 1000 / (BYTES / 1e6));
      c.close();
      await c.closed.catch(() => {});
      // the same with TLS_AES_128_GCM_SHA256 (0x1301; QUIC endpoints prefer ChaCha20-Poly1305), interleaved: what the AEAD costs
      {
        const c = ours(ourSrv.port, pki, SINK, {}, { cipherSuites: [0x1301] });
        await c.ready;
        const cpu0 = process.cpuUsage(), t0 = performance.now();
        const back = await exchange(c, data);
        const ms = performance.now() - t0, cpu = process.cpuUsage(cpu0);
        if (!Buffer.from(back).equals(digest)) throw new Error('our bulk transfer (AES-128-GCM): the SHA-256 answer does not match');
        aesBulk.push(BYTES / 1e6 / (ms / 1000));
        aesCpu.push((cpu.user + cpu.system) / 1000 / (BYTES / 1e6));
        c.close();
        await c.closed.catch(() => {});
      }
      if (!PEER_TOO) continue;
      const q = await quicheClient(qSink.port, ['--sink', '--alpn', SINK, '--bytes', String(BYTES), '--seed', String(i), ...qArgs]);
      qBulk.push(BYTES / 1e6 / (q.ms / 1000));
      qCpu.push(q.cpuMs / (BYTES / 1e6));
    }
    const [ob, qb] = [median(oursBulk), median(qBulk)];
    rows.push([`bulk ${BYTES / 1e6} MB up (MB/s)`, ob.toFixed(2), qb.toFixed(2), ratio(ob, qb)]);
    const [oc, qc] = [median(oursCpu), median(qCpu)];
    rows.push(['bulk, client CPU ms per MB (lower is better)', oc.toFixed(0), qc.toFixed(0), ratio(qc, oc)]);
    rows.push(['bulk, server CPU ms per MB (h3-wasi only)', median(oursSrvCpu).toFixed(0), '', '']);
    rows.push(['bulk with AES-128-GCM (MB/s; client CPU ms per MB)', `${median(aesBulk).toFixed(2)}; ${median(aesCpu).toFixed(0)}`, '', '']);

    // ---- handshakes (sequential, Retry first on both)
    const oursHs = [], qHs = [];
    const hsCpu0 = process.cpuUsage(), hsSrv0 = ourSrv.cpuMs();
    for (let i = 0; i < RUNS * 4 && ONLY.has('handshake'); i++) {
      const t0 = performance.now();
      const c = ours(ourSrv.port, pki, ECHO);
      await c.ready;
      oursHs.push(performance.now() - t0);
      c.close();
      await c.closed.catch(() => {});
    }
    for (let i = 0; i < RUNS && PEER_TOO && ONLY.has('handshake'); i++) qHs.push((await quicheClient(qEcho.port, ['--alpn', ECHO, '--bytes', '0', ...qArgs])).handshakeMs);
    const hsCpu = process.cpuUsage(hsCpu0), hsSrv = ourSrv.cpuMs() - hsSrv0;
    const [oh, qh] = [1000 / median(oursHs), 1000 / median(qHs)];
    rows.push(['handshakes/s (1 / median, Retry included)', oh.toFixed(1), qh.toFixed(1), ratio(oh, qh)]);
    rows.push(['handshake, CPU ms client + server (h3-wasi only)', ((hsCpu.user + hsCpu.system) / 1000 / oursHs.length).toFixed(1) + ' + ' + (hsSrv / oursHs.length).toFixed(1), '', '']);

    // ---- 1 KB request/response
    const REQS = 50 * RUNS;
    const req = crypto.randomBytes(1024);
    const oursLat = [];
    if (ONLY.has('rr')) {
      const c = ours(ourSrv.port, pki, ECHO);
      await c.ready;
      for (let i = 0; i < 20; i++) await exchange(c, req); // warm-up
      var rrCpu0 = process.cpuUsage(), rrSrv0 = ourSrv.cpuMs();
      for (let i = 0; i < REQS; i++) {
        const t0 = performance.now();
        const back = await exchange(c, req);
        oursLat.push(performance.now() - t0);
        if (back.length !== 1024) throw new Error('our 1 KB echo came back short');
      }
      const u = process.cpuUsage(rrCpu0);
      var rrCpu = `${((u.user + u.system) / 1000 / REQS).toFixed(2)} + ${((ourSrv.cpuMs() - rrSrv0) / REQS).toFixed(2)}`;
      c.close();
      await c.closed.catch(() => {});
    }
    const qLat = PEER_TOO && ONLY.has('rr') ? await quicheLatency(qEcho.port, pki, req, REQS) : [];
    rows.push(['1 KB req/resp median (ms, lower is better)', median(oursLat).toFixed(2), median(qLat).toFixed(2), ratio(median(qLat), median(oursLat))]);
    rows.push(['1 KB req/resp, CPU ms client + server (h3-wasi only)', rrCpu ?? '', '', '']);
    rows.push(['1 KB req/resp p99 (ms, lower is better)', pct(oursLat, 0.99).toFixed(2), pct(qLat, 0.99).toFixed(2), ratio(pct(qLat, 0.99), pct(oursLat, 0.99))]);
    await Promise.all([ourSrv.stop(), qSink.stop(), qEcho.stop()]);

    table(`QUIC over 127.0.0.1, ${MTU}-byte datagrams, separate client/server processes (medians of ${RUNS} runs; ratio = h3-wasi / quiche, >1 is h3-wasi ahead)`,
      ['', 'h3-wasi', 'quiche', 'ratio'], rows);

    // ---- in-process: boundary cost and the simulator
    if (ONLY.has('core')) {
      const core = await inProcess(pki);
      table('QUIC core through the component boundary, in-process (dist/engine quic interface)', ['', 'value'], core);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(0);
}

/** The quiche client, in this process (@matrixai/quic as peer.mjs drives it, its stock Lock), REQS sequential 1 KB echoes on one connection. */
async function quicheLatency(port, pki, req, reqs) {
  const require = createRequire(import.meta.url);
  const { QUICClient } = require('@matrixai/quic');
  const { default: Logger, LogLevel } = require('@matrixai/logger');
  const cl = await QUICClient.createQUICClient({
    host: 'localhost', resolveHostname: () => '127.0.0.1', port, localHost: '0.0.0.0',
    crypto: { ops: { async randomBytes(d) { crypto.randomFillSync(new Uint8Array(d)); } } },
    config: { applicationProtos: [ECHO], verifyPeer: true, ca: fs.readFileSync(pki.ca, 'utf8'), maxIdleTimeout: 30_000 },
    logger: new Logger('bench', LogLevel.WARN),
  });
  const one = async () => {
    const s = cl.connection.newStream('bidi');
    const w = s.writable.getWriter();
    const [back] = await Promise.all([readAll(s.readable), (async () => { await w.write(req); await w.close(); })()]);
    if (back.length !== 1024) throw new Error('quiche 1 KB echo came back short');
  };
  for (let i = 0; i < 20; i++) await one();
  const lat = [];
  for (let i = 0; i < reqs; i++) {
    const t0 = performance.now();
    await one();
    lat.push(performance.now() - t0);
  }
  await cl.destroy({ isApp: true, errorCode: 0 });
  return lat;
}

// ---------------------------------------------------------------------------
// In-process: two endpoints of the component, datagrams handed across at once.

async function inProcess(pki) {
  const { quic } = await import(path.join(root, 'dist/host/core/engine.js'));
  const { TlsConfig } = await import(path.join(root, 'dist/host/tls/index.js'));
  const wire = await import(path.join(root, 'dist/host/quic/wire.js'));
  const cfg = wire.quicConfig({ maxUdpPayloadSize: MTU, pacing: false, maxConnectionWindow: 24 << 20, maxStreamWindow: 16 << 20, initialMaxData: 16 << 20, streamWindow: 8 << 20 });
  const wall = BigInt(Date.now());
  const A = Uint8Array.of(4, 10, 0, 0, 1, 0x11, 0x11), B = Uint8Array.of(4, 10, 0, 0, 2, 0x22, 0x22);
  const tc = new TlsConfig({ alpn: ['b'], serverName: 'localhost', trustAnchorsPem: fs.readFileSync(pki.ca, 'utf8'), quic: true, transportParams: new Uint8Array(0) });
  const ts = new TlsConfig({ server: true, alpn: ['b'], certChainPem: fs.readFileSync(pki.cert, 'utf8'), privateKeyPem: fs.readFileSync(pki.key, 'utf8'), quic: true, transportParams: new Uint8Array(0) });
  const client = quic.endpointNew(cfg, tc.id), server = quic.endpointNew(cfg, ts.id);
  let now = 1_000_000n;
  const state = { conn: 0, sconn: 0, connected: 0, recvd: 0n };
  const drain = (ep) => {
    for (;;) {
      const evs = wire.decodeEvents(quic.pollEvents(ep, 256));
      if (evs.length === 0) return;
      for (const e of evs) {
        if (e.kind === wire.QUIC_EVENT.connected) { state.connected++; if (ep === server) state.sconn = e.connection; }
        if (e.kind === wire.QUIC_EVENT.streamReadable) {
          for (;;) { const c = quic.streamRead(e.connection, e.stream, 1 << 20); state.recvd += BigInt(c.data.length); if (c.data.length === 0) break; }
        }
      }
    }
  };
  /** Moves everything `from` has to send into `to`, in batches of 64. Returns datagrams moved. */
  const pump = (from, to, fromAddr) => {
    let n = 0;
    for (;;) {
      const out = quic.pollTransmit(from, now, 64);
      if (out.length === 0) return n;
      const ds = wire.unpackDatagrams(out);
      n += ds.length;
      quic.recv(to, now, wall, wire.packDatagrams(ds.map((d) => ({ addr: fromAddr, data: d.data }))));
      drain(to);
    }
  };
  const step = () => {
    const moved = pump(client, server, A) + pump(server, client, B);
    if (moved === 0) {
      const t = [quic.nextTimeout(client), quic.nextTimeout(server)].reduce((a, b) => (a < b ? a : b));
      if (t === 2n ** 64n - 1n) return false;
      if (t > now) now = t;
      quic.onTimeout(client, now, wall); drain(client);
      quic.onTimeout(server, now, wall); drain(server);
    } else now += 100n; // 0.1 ms per exchange, so RTT samples are not zero
    return true;
  };
  state.conn = quic.connect(client, now, wall, B, 0, new Uint8Array(0), new Uint8Array(0));
  while (state.connected < 2) if (!step()) throw new Error('in-process handshake stalled');

  // ---- simulator throughput, no loss
  const SIM = 32 << 20;
  const chunk = crypto.randomBytes(1 << 20);
  const simRates = [], simCpuRates = [];
  for (let r = 0; r < Math.max(1, Math.min(RUNS, 3)); r++) {
    const id = quic.streamOpen(state.conn, true);
    let sent = 0;
    const start = state.recvd;
    const t0 = performance.now(), c0 = process.cpuUsage();
    while (state.recvd - start < BigInt(SIM)) {
      while (sent < SIM) {
        const n = Number(quic.streamWrite(state.conn, id, chunk.subarray(0, Math.min(chunk.length, SIM - sent)), sent + chunk.length >= SIM));
        if (n <= 0) break;
        sent += n;
      }
      if (!step()) throw new Error('in-process transfer stalled');
    }
    simRates.push(SIM / 1e6 / ((performance.now() - t0) / 1000));
    const c = process.cpuUsage(c0);
    simCpuRates.push(SIM / 1e6 / ((c.user + c.system) / 1e6));
  }

  // ---- boundary cost: batch vs single, per datagram
  const N = 32;
  const id = quic.streamOpen(state.conn, true);
  const fill = () => { while (Number(quic.streamWrite(state.conn, id, chunk.subarray(0, 256 << 10), false)) > 0) { /* fill the send buffer */ } };
  const t = { pollBatch: [], pollSingle: [], recvBatch: [], recvSingle: [] };
  for (let it = 0; it < 40 * RUNS; it++) {
    for (const batch of [true, false]) {
      fill();
      let ds = [];
      const t0 = performance.now();
      if (batch) ds = wire.unpackDatagrams(quic.pollTransmit(client, now, N));
      else for (let i = 0; i < N; i++) { const o = quic.pollTransmit(client, now, 1); if (o.length === 0) break; ds.push(wire.unpackDatagrams(o)[0]); }
      const t1 = performance.now();
      if (ds.length < N) { step(); continue; } // congestion window closed: let ACKs flow
      (batch ? t.pollBatch : t.pollSingle).push((t1 - t0) * 1000 / N);
      const packed = batch ? [wire.packDatagrams(ds.map((d) => ({ addr: A, data: d.data })))] : ds.map((d) => wire.packDatagrams([{ addr: A, data: d.data }]));
      const t2 = performance.now();
      for (const p of packed) quic.recv(server, now, wall, p);
      const t3 = performance.now();
      (batch ? t.recvBatch : t.recvSingle).push((t3 - t2) * 1000 / N);
      drain(server);
      now += 100n;
      pump(server, client, B);
    }
  }
  quic.endpointFree(client); quic.endpointFree(server); tc.close(); ts.close();
  const m = (xs) => (xs.length ? median(xs) : NaN);
  return [
    [`recv: one batch of ${N} datagrams (µs per datagram)`, m(t.recvBatch).toFixed(2)],
    [`recv: ${N} single calls (µs per datagram)`, m(t.recvSingle).toFixed(2)],
    [`poll-transmit: one call for ${N} (µs per datagram)`, m(t.pollBatch).toFixed(2)],
    [`poll-transmit: ${N} calls of 1 (µs per datagram)`, m(t.pollSingle).toFixed(2)],
    [`simulator, no loss, ${SIM >> 20} MiB one stream (MB/s wall)`, m(simRates).toFixed(1)],
    [`simulator, no loss, ${SIM >> 20} MiB one stream (MB per CPU second)`, m(simCpuRates).toFixed(1)],
  ];
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3], process.argv[4]);
} else {
  await main();
}
