// HTTP/3: h3-wasi (dist/, the shipped h3-wasi/http3 fetch() and serve())
// next to ngtcp2 0.12.1's gtlsclient / gtlsserver (nghttp3 + GnuTLS, Debian
// ngtcp2-client / ngtcp2-server) and node:http2, over 127.0.0.1, client and
// server in separate processes, in one run:
//  1. for each of the four client ↔ server pairs (h3-wasi ↔ h3-wasi,
//     ngtcp2 ↔ ngtcp2, ngtcp2 client ↔ h3-wasi server, h3-wasi client ↔
//     ngtcp2 server), on a new connection each time:
//     - download: one GET of a BENCH_H3_BYTES file (default 100 MB), MB/s;
//     - small: BENCH_H3_REQUESTS GETs (default 1,000) of distinct 1 KB files
//       on one connection, BENCH_H3_WINDOW (default 32) in flight, requests/s.
//     Same work on every side: the servers serve the same files from the same
//     directory (gtlsserver `-d`, ours serve() + staticHandler, no access log);
//     TLS_AES_128_GCM_SHA256 only (our client offers only it; gtlsclient and
//     gtlsserver get a GnuTLS priority allowing only it); 1452-byte max UDP
//     payload (ngtcp2's default, ours set to it) on both; a server stream limit
//     of BENCH_H3_WINDOW, so gtlsclient (which opens as many as allowed) has
//     the same requests in flight as our client's window; the client windows
//     gtlsclient's defaults (24 MB connection, 16 MB stream).
//     Timing: our client, in this process, from `new Http3Client` (handshake
//     included) to the last byte checked; gtlsclient is a process, timed from
//     spawn to exit (its process start-up included: it weighs on its small
//     requests/s — table 2's one-GET time is start-up + handshake + one
//     request). gtlsclient saves the
//     bodies (`--download`) under /dev/shm (tmpfs: no disk I/O), hashed after
//     it exits; our client keeps the download's chunks in memory and hashes
//     them after its clock stops, and compares each small body in memory.
//     Every transfer is checked: SHA-256 of the 100 MB, each 1 KB body byte for
//     byte, status 200, and the cipher suite of our client's connections.
//  2. `h3-wasi get` (bin/h3-wasi.mjs, node start-up included) of one 1 KB URL
//     next to gtlsclient, both against gtlsserver, wall time from spawn to exit,
//     both saving the body to /dev/shm (checked); each with its default ciphers.
//     Also the CPU time our side(s) used (client: this process; server: /proc).
//     Beside it, what of `h3-wasi get` is Node's: `node -e ''`, and node
//     importing h3-wasi/http3 (module graph + component compile).
//  3. small requests/s on one connection: h3-wasi ↔ h3-wasi (pair 1's figure)
//     next to node:http2 over TLS (TLS_AES_128_GCM_SHA256), client here and
//     server in its own process answering with `respondWithFile` from the same
//     directory, the same window (its SETTINGS_MAX_CONCURRENT_STREAMS too);
//     and both again answering `/m/N` from memory (the same 1 KB, read once at
//     start): the protocol stacks without the file system.
// A warm-up of each of our clients runs first, untimed. Medians of BENCH_RUNS
// (default 5) runs, the pairs interleaved within each run.
// Knobs: BENCH_H3_BYTES, BENCH_H3_REQUESTS, BENCH_H3_WINDOW, BENCH_RUNS;
// BENCH_H3_ONLY=download,small,get,h2 runs only those parts;
// BENCH_H3_PAIRS=ours,ngtcp2,ngtcp2-ours,ours-ngtcp2 only those pairs;
// BENCH_SERVER_NODE_ARGS (e.g. --cpu-prof --cpu-prof-dir=DIR) for our server.
// The last line is `checked: N transfers` (the test suite's smoke reads it).
// `node bench/http3.bench.mjs serve|h2serve DIR CERT KEY` are the servers.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, table, ratio, cpuMsOf } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BYTES = Number(process.env.BENCH_H3_BYTES ?? 100_000_000);
const REQUESTS = Number(process.env.BENCH_H3_REQUESTS ?? 1000);
const WINDOW = Number(process.env.BENCH_H3_WINDOW ?? 32);
const SMALL = 1024;
const MTU = 1452;
const ONLY = new Set((process.env.BENCH_H3_ONLY ?? 'download,small,get,h2').split(','));
const PAIRS = new Set((process.env.BENCH_H3_PAIRS ?? 'ours,ngtcp2,ngtcp2-ours,ours-ngtcp2').split(','));
const GTLSSERVER = '/usr/sbin/gtlsserver', GTLSCLIENT = '/usr/bin/gtlsclient';
/** GnuTLS priority: TLS 1.3 with TLS_AES_128_GCM_SHA256 only. */
const AES128_ONLY = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM';
const TLS_AES_128_GCM_SHA256 = 0x1301;
const BIG = 'big.bin';
const smallPath = (i, from = 's') => `/${from}/${i}`;

/** `/m/N`: the 1 KB files s/N read once at start, answered from memory (the protocol stacks alone, no file system). */
function inMemory(dir) {
  const m = new Map();
  for (const f of fs.readdirSync(path.join(dir, 's'))) m.set(`/m/${f}`, fs.readFileSync(path.join(dir, 's', f)));
  return m;
}

// ---------------------------------------------------------------------------
// Servers (child processes): one JSON line with the port on stdout.

async function serveOurs(dir, cert, key) {
  const { serve, staticHandler } = await import(path.join(root, 'dist/host/http3/index.js'));
  const files = staticHandler(dir), mem = inMemory(dir);
  const server = await serve({
    port: 0, hostname: '127.0.0.1', tcp: false, cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8'),
    quic: { maxUdpPayloadSize: MTU, maxStreamsBidi: WINDOW },
  }, (req, info) => {
    const m = mem.get(new URL(req.url).pathname);
    return m ? new Response(m, { headers: { 'content-type': 'application/octet-stream' } }) : files(req, info);
  });
  process.stdout.write(JSON.stringify({ port: server.port }) + '\n');
  process.once('SIGTERM', () => process.exit(0)); // an orderly exit, so --cpu-prof writes its profile
}

async function serveH2(dir, cert, key) {
  const server = http2.createSecureServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key), settings: { maxConcurrentStreams: WINDOW } });
  const mem = inMemory(dir);
  server.on('stream', (stream, headers) => {
    const p = headers[':path'];
    const m = mem.get(p);
    if (m) { stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': m.length }); stream.end(m); return; }
    if (!/^\/s\/\d+$/.test(p)) { stream.respond({ ':status': 404 }); stream.end(); return; }
    stream.respondWithFile(path.join(dir, p), { 'content-type': 'application/octet-stream' }, {
      onError: () => { stream.respond({ ':status': 404 }); stream.end(); },
    });
  });
  server.on('sessionError', () => {});
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  process.once('SIGTERM', () => process.exit(0));
}

// ---------------------------------------------------------------------------

const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

function track(proc) {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

async function startNodeServer(mode, dir, pki) {
  const proc = track(spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
    fileURLToPath(import.meta.url), mode, dir, pki.cert, pki.key], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const port = await new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once('line', (l) => resolve(JSON.parse(l).port));
    proc.once('exit', (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return { port, cpuMs: () => cpuMsOf(proc.pid), stop: () => { proc.kill('SIGTERM'); return exited; } };
}


const ownCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** A UDP port free a moment ago (gtlsserver wants one on its command line). */
async function freeUdpPort() {
  const s = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => { s.once('error', reject); s.bind(0, '127.0.0.1', resolve); });
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function udpBound(port) {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs.readFileSync('/proc/net/udp', 'utf8').split('\n').some((l) => l.trim().split(/\s+/)[1]?.endsWith(suffix));
}

async function startGtlsServer(dir, pki) {
  const port = await freeUdpPort();
  const proc = track(spawn(GTLSSERVER, ['-q', '-d', dir, `--ciphers=${AES128_ONLY}`, `--max-udp-payload-size=${MTU}`,
    `--max-streams-bidi=${WINDOW}`, '127.0.0.1', String(port), pki.key, pki.cert], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '', code;
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.once('exit', (c, sig) => { code = c ?? sig; resolve(code); }));
  const deadline = Date.now() + 5000;
  while (!udpBound(port)) {
    if (code !== undefined) throw new Error(`gtlsserver exited (${code}): ${err}`);
    if (Date.now() > deadline) throw new Error(`gtlsserver did not bind 127.0.0.1:${port}: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, stop: () => { proc.kill('SIGTERM'); return exited; } };
}

/** Runs a program to its exit; resolves with its wall time from spawn (ms). Fails on a non-zero exit. */
function timed(bin, args, what) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const proc = track(spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    let err = '';
    proc.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 300_000);
    proc.once('exit', (code, sig) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${what} exited ${code ?? sig}: ${err.slice(0, 500)}`)); else resolve(ms);
    });
  });
}

function makeCert(dir) {
  const o = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem',
    '-subj', '/CN=127.0.0.1', '-days', '1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  return { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** The content: a BYTES file and REQUESTS distinct 1 KB files, in tmpfs. */
function makeContent(dir) {
  const big = crypto.randomBytes(BYTES);
  fs.writeFileSync(path.join(dir, BIG), big);
  fs.mkdirSync(path.join(dir, 's'));
  const small = [];
  for (let i = 0; i < REQUESTS; i++) {
    const b = crypto.randomBytes(SMALL);
    fs.writeFileSync(path.join(dir, 's', String(i)), b);
    small.push(b);
  }
  return { bigHash: sha256(big), small };
}

// ---------------------------------------------------------------------------
// Clients. Each returns the elapsed ms of one checked transfer.

let checked = 0;

async function ourClient(pki) {
  const { Http3Client } = await import(path.join(root, 'dist/host/http3/index.js'));
  const ca = fs.readFileSync(pki.cert, 'utf8');
  const client = () => new Http3Client({
    ca, cipherSuites: [TLS_AES_128_GCM_SHA256], earlyData: false,
    quic: { maxUdpPayloadSize: MTU, maxConnectionWindow: 24 << 20, maxStreamWindow: 16 << 20 },
  });
  const checkSuite = async (c, base) => {
    const s = await c.connection(base).getStats();
    if (s.cipherSuite !== 'TLS_AES_128_GCM_SHA256') throw new Error(`our client: cipher suite ${s.cipherSuite}, not TLS_AES_128_GCM_SHA256`);
  };
  return {
    async download(port, content) {
      const base = `https://127.0.0.1:${port}`;
      const t0 = performance.now();
      const c = client();
      const res = await c.fetch(`${base}/${BIG}`);
      if (res.status !== 200) throw new Error(`our client: download status ${res.status}`);
      const chunks = []; // kept, hashed after the clock stops: gtlsclient's file is hashed after it exits
      let n = 0;
      for await (const chunk of res.body) { chunks.push(chunk); n += chunk.length; }
      const ms = performance.now() - t0;
      const h = crypto.createHash('sha256');
      for (const c of chunks) h.update(c);
      if (n !== BYTES || h.digest('hex') !== content.bigHash) throw new Error(`our client: download of ${n} bytes does not match (want ${BYTES} and its SHA-256)`);
      await checkSuite(c, base);
      await c.close();
      checked++;
      return ms;
    },
    async small(port, content, from = 's') {
      const base = `https://127.0.0.1:${port}`;
      const t0 = performance.now();
      const c = client();
      let next = 0;
      const worker = async () => {
        while (next < REQUESTS) {
          const i = next++;
          const res = await c.fetch(base + smallPath(i, from));
          const b = Buffer.from(await res.arrayBuffer());
          if (res.status !== 200 || !b.equals(content.small[i])) throw new Error(`our client: ${smallPath(i, from)}: status ${res.status}, ${b.length} bytes, not the file`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(WINDOW, REQUESTS) }, worker));
      const ms = performance.now() - t0;
      await checkSuite(c, base);
      await c.close();
      checked++;
      return ms;
    },
  };
}

function gtlsClient(shm) {
  const args = (port, dl, uris) => ['-q', '--exit-on-all-streams-close', `--download=${dl}`, `--ciphers=${AES128_ONLY}`,
    `--max-udp-payload-size=${MTU}`, '127.0.0.1', String(port), ...uris.map((u) => `https://127.0.0.1:${port}${u}`)];
  const fresh = () => fs.mkdtempSync(path.join(shm, 'dl-'));
  return {
    async download(port, content) {
      const dl = fresh();
      const ms = await timed(GTLSCLIENT, args(port, dl, [`/${BIG}`]), 'gtlsclient');
      const got = fs.readFileSync(path.join(dl, BIG));
      fs.rmSync(dl, { recursive: true, force: true });
      if (got.length !== BYTES || sha256(got) !== content.bigHash) throw new Error(`gtlsclient: download of ${got.length} bytes does not match`);
      checked++;
      return ms;
    },
    async small(port, content) {
      const dl = fresh();
      const ms = await timed(GTLSCLIENT, args(port, dl, content.small.map((_, i) => smallPath(i))), 'gtlsclient');
      for (let i = 0; i < REQUESTS; i++) {
        const f = path.join(dl, String(i));
        if (!fs.existsSync(f) || !fs.readFileSync(f).equals(content.small[i])) throw new Error(`gtlsclient: ${smallPath(i)} missing or not the file`);
      }
      fs.rmSync(dl, { recursive: true, force: true });
      checked++;
      return ms;
    },
  };
}

/** node:http2 over TLS: REQUESTS GETs on one session, WINDOW in flight. */
async function h2Small(port, pki, content, from = 's') {
  const t0 = performance.now();
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: fs.readFileSync(pki.cert), ciphers: 'TLS_AES_128_GCM_SHA256' });
  session.on('error', () => {});
  let next = 0;
  const one = (i) => new Promise((resolve, reject) => {
    const req = session.request({ ':path': smallPath(i, from) });
    const parts = [];
    let status = 0;
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const b = Buffer.concat(parts);
      if (status !== 200 || !b.equals(content.small[i])) reject(new Error(`node:http2: ${smallPath(i, from)}: status ${status}, ${b.length} bytes, not the file`)); else resolve();
    });
    req.on('error', reject);
  });
  const worker = async () => { while (next < REQUESTS) await one(next++); };
  await Promise.all(Array.from({ length: Math.min(WINDOW, REQUESTS) }, worker));
  const ms = performance.now() - t0;
  if (session.socket.getCipher().standardName !== 'TLS_AES_128_GCM_SHA256') throw new Error(`node:http2: cipher ${session.socket.getCipher().standardName}`);
  await new Promise((resolve) => session.close(resolve));
  checked++;
  return ms;
}

// ---------------------------------------------------------------------------

async function main() {
  for (const bin of [GTLSSERVER, GTLSCLIENT]) {
    try { fs.accessSync(bin, fs.constants.X_OK); } catch { throw new Error(`${bin} not found (Debian ngtcp2-server / ngtcp2-client; bash build/setup.sh installs them)`); }
  }
  const shm = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'h3w-h3-bench-'));
  try {
    const pki = makeCert(shm);
    const htdocs = path.join(shm, 'htdocs');
    fs.mkdirSync(htdocs);
    const content = makeContent(htdocs);
    const ourSrv = await startNodeServer('serve', htdocs, pki);
    const ngSrv = await startGtlsServer(htdocs, pki);
    const h2Srv = ONLY.has('h2') ? await startNodeServer('h2serve', htdocs, pki) : null;
    const ours = await ourClient(pki), ng = gtlsClient(shm);
    const pairs = [
      { key: 'ngtcp2', name: 'ngtcp2 client ↔ ngtcp2 server', client: ng, port: ngSrv.port },
      { key: 'ours', name: 'h3-wasi client ↔ h3-wasi server', client: ours, port: ourSrv.port },
      { key: 'ngtcp2-ours', name: 'ngtcp2 client ↔ h3-wasi server', client: ng, port: ourSrv.port },
      { key: 'ours-ngtcp2', name: 'h3-wasi client ↔ ngtcp2 server', client: ours, port: ngSrv.port },
    ].filter((p) => PAIRS.has(p.key));
    for (const p of pairs) { p.dl = []; p.small = []; p.cpu = { dl: [], small: [] }; }
    /** Runs one transfer of pair `p`; records the CPU our side(s) used, per MB or per request. */
    const measured = async (p, kind, per) => {
      const srv0 = p.port === ourSrv.port ? ourSrv.cpuMs() : NaN, cli0 = p.client === ours ? ownCpuMs() : NaN;
      const ms = await (kind === 'dl' ? p.client.download(p.port, content) : p.client.small(p.port, content));
      p.cpu[kind].push([(ownCpuMs() - cli0) / per, (ourSrv.cpuMs() - srv0) / per]);
      return ms;
    };

    // warm-up, untimed: V8 first runs the core's WebAssembly unoptimized (Liftoff) and tiers hot code up later
    const warm = async (port) => {
      await ours.small(port, content);
      if (ONLY.has('download')) await ours.download(port, content);
    };
    if (PAIRS.has('ours') || PAIRS.has('ngtcp2-ours')) await warm(ourSrv.port);
    if (PAIRS.has('ours-ngtcp2')) await warm(ngSrv.port);
    const h2 = [], h2Mem = [], oursMem = [];
    /** CPU µs per request of client (this process) + server, for the node:http2 comparison: [ours files, h2 files, ours memory, h2 memory]. */
    const reqCpu = [[], [], [], []];
    const cpuOf = async (srv, slot, f) => {
      const s0 = srv.cpuMs(), c0 = ownCpuMs();
      const ms = await f();
      reqCpu[slot].push([(ownCpuMs() - c0) * 1000 / REQUESTS, (srv.cpuMs() - s0) * 1000 / REQUESTS]);
      return ms;
    };
    const memToo = h2Srv && PAIRS.has('ours');
    if (h2Srv) await h2Small(h2Srv.port, pki, content);
    if (memToo) { await h2Small(h2Srv.port, pki, content, 'm'); await ours.small(ourSrv.port, content, 'm'); }

    const rate = (ms) => REQUESTS / (ms / 1000);
    for (let r = 0; r < RUNS; r++) {
      for (const p of pairs) {
        if (ONLY.has('download')) p.dl.push(BYTES / 1e6 / ((await measured(p, 'dl', BYTES / 1e6)) / 1000));
        if (ONLY.has('small')) p.small.push(rate(await measured(p, 'small', REQUESTS / 1000)));
      }
      if (h2Srv) h2.push(rate(await cpuOf(h2Srv, 1, () => h2Small(h2Srv.port, pki, content))));
      if (memToo) {
        oursMem.push(rate(await cpuOf(ourSrv, 2, () => ours.small(ourSrv.port, content, 'm'))));
        h2Mem.push(rate(await cpuOf(h2Srv, 3, () => h2Small(h2Srv.port, pki, content, 'm'))));
      }
    }

    // `h3-wasi get` vs gtlsclient, one 1 KB URL, process start-up included, both against gtlsserver
    const getOurs = [], getNg = [], nodeStart = [], nodeImport = [];
    if (ONLY.has('get')) {
      const url = `https://127.0.0.1:${ngSrv.port}${smallPath(0)}`;
      for (let r = 0; r < RUNS * 2; r++) {
        const out = path.join(shm, 'get.out');
        getOurs.push(await timed(process.execPath, [path.join(root, 'bin/h3-wasi.mjs'), 'get', '-s', '--cacert', pki.cert, '-o', out, url], 'h3-wasi get'));
        if (!fs.readFileSync(out).equals(content.small[0])) throw new Error('h3-wasi get: the body is not the file');
        fs.rmSync(out);
        checked++;
        const dl = fs.mkdtempSync(path.join(shm, 'dl-'));
        getNg.push(await timed(GTLSCLIENT, ['-q', '--exit-on-all-streams-close', `--download=${dl}`, '127.0.0.1', String(ngSrv.port), url], 'gtlsclient'));
        if (!fs.readFileSync(path.join(dl, '0')).equals(content.small[0])) throw new Error('gtlsclient: the body is not the file');
        fs.rmSync(dl, { recursive: true, force: true });
        checked++;
        // what of it is Node's: start-up alone, and start-up + loading h3-wasi/http3 (the component compiled)
        nodeStart.push(await timed(process.execPath, ['-e', ''], 'node'));
        nodeImport.push(await timed(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(root, 'dist/host/http3/index.js'))})`], 'node import'));
      }
    }
    await Promise.all([ourSrv.stop(), ngSrv.stop(), h2Srv?.stop()]);

    const ref = pairs.find((p) => p.key === 'ngtcp2');
    const rows = [];
    for (const p of pairs) {
      const dl = median(p.dl), sm = median(p.small);
      rows.push([p.name, ONLY.has('download') ? dl.toFixed(1) : '', ref && ONLY.has('download') ? ratio(dl, median(ref.dl)) : '',
        ONLY.has('small') ? sm.toFixed(0) : '', ref && ONLY.has('small') ? ratio(sm, median(ref.small)) : '']);
    }
    table(`HTTP/3 over 127.0.0.1, separate client/server processes, TLS_AES_128_GCM_SHA256, ${MTU}-byte UDP payload (medians of ${RUNS} runs; ratio = pair / ngtcp2↔ngtcp2)`,
      ['client ↔ server', `download ${BYTES / 1e6} MB (MB/s)`, 'ratio', `${REQUESTS} × 1 KB, ${WINDOW} in flight (req/s)`, 'ratio'], rows);
    const cpuCell = (xs, i, digits) => { const v = median(xs.map((x) => x[i])); return Number.isFinite(v) ? v.toFixed(digits) : ''; };
    const cpuRows = pairs.filter((p) => p.client === ours || p.port === ourSrv.port).map((p) => [p.name,
      cpuCell(p.cpu.dl, 0, 1), cpuCell(p.cpu.dl, 1, 1), cpuCell(p.cpu.small, 0, 1), cpuCell(p.cpu.small, 1, 1)]);
    if (cpuRows.length) {
      table('CPU of the h3-wasi side(s) (medians; user + system, the server from /proc)',
        ['client ↔ server', 'download: client ms/MB', 'server ms/MB', 'small: client ms/1000 req', 'server ms/1000 req'], cpuRows);
    }

    const other = [];
    if (ONLY.has('get')) {
      const [o, n] = [median(getOurs), median(getNg)];
      other.push([`one 1 KB GET from gtlsserver, process start included (ms, wall; median of ${getOurs.length})`, o.toFixed(1), `gtlsclient ${n.toFixed(1)}`, ratio(o, n) + ' (aim ≤ 2x)']);
      other.push(['  of which node start-up alone (node -e \'\')', median(nodeStart).toFixed(1), '', '']);
      other.push(['  of which node start-up + import h3-wasi/http3', median(nodeImport).toFixed(1), '', '']);
    }
    const oursPair = pairs.find((p) => p.key === 'ours');
    if (h2Srv && oursPair && ONLY.has('small')) {
      const [o, n] = [median(oursPair.small), median(h2)];
      // pair 1's CPU figures are ms per 1000 requests: µs per request
      const oursCpu = oursPair.cpu.small;
      const cpuCellUs = (xs) => `${median(xs.map((x) => x[0])).toFixed(0)} + ${median(xs.map((x) => x[1])).toFixed(0)}`;
      const cpuSum = (xs) => median(xs.map((x) => x[0] + x[1]));
      other.push([`${REQUESTS} × 1 KB files on one connection, ${WINDOW} in flight (req/s)`, o.toFixed(0), `node:http2 ${n.toFixed(0)}`, ratio(o, n) + ' (aim ≥ 1x)']);
      other.push(['  CPU µs per request, client + server (lower is better)', cpuCellUs(oursCpu), `node:http2 ${cpuCellUs(reqCpu[1])}`, ratio(cpuSum(reqCpu[1]), cpuSum(oursCpu))]);
      const [om, nm] = [median(oursMem), median(h2Mem)];
      other.push([`${REQUESTS} × 1 KB from memory, the same (req/s)`, om.toFixed(0), `node:http2 ${nm.toFixed(0)}`, ratio(om, nm)]);
      other.push(['  CPU µs per request, client + server (lower is better)', cpuCellUs(reqCpu[2]), `node:http2 ${cpuCellUs(reqCpu[3])}`, ratio(cpuSum(reqCpu[3]), cpuSum(reqCpu[2]))]);
    }
    if (other.length) table('h3-wasi next to other clients', ['', 'h3-wasi', 'other', 'ratio'], other);
    console.log(`\nchecked: ${checked} transfers (SHA-256 of each download, every 1 KB body byte for byte, status, cipher suite)`);
  } finally {
    fs.rmSync(shm, { recursive: true, force: true });
  }
  process.exit(0);
}

if (process.argv[2] === 'serve') await serveOurs(process.argv[3], process.argv[4], process.argv[5]);
else if (process.argv[2] === 'h2serve') await serveH2(process.argv[3], process.argv[4], process.argv[5]);
else await main();
