// TLS 1.3 handshakes per second: client and server engines in one process,
// handshake bytes handed across in memory (as QUIC CRYPTO frames would be),
// through the shipped component (dist/host/tls). Peer: node:tls (OpenSSL)
// over an in-memory duplex pair with the same certificates and group.
//
// The cost split multiplies each primitive's unit cost (measured here, on
// the release test build of the same sources) by how often one handshake
// uses it; "other" is the remainder (message codecs, X.509, ABI, JS glue).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { rate, table, ratio, si, median } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { TlsConfig, TlsConnection, GROUPS, CIPHER_SUITES } = await import('../dist/host/tls/index.js');

// --- certificates (openssl CLI): EC CA -> EC leaf
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-tls-bench-'));
const ossl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=bench CA', '-days', '30',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
fs.writeFileSync(path.join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '10', '-sha256', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
// Let's Encrypt shape: P-384 root -> P-384 intermediate (ecdsa-with-SHA384) -> P-256 leaf
ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'root384.key', '-out', 'root384.pem', '-subj', '/CN=bench P-384 root',
  '-days', '30', '-sha384', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
fs.writeFileSync(path.join(dir, 'int.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n');
ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'int384.key', '-out', 'int384.csr', '-subj', '/CN=bench P-384 intermediate');
ossl('x509', '-req', '-in', 'int384.csr', '-CA', 'root384.pem', '-CAkey', 'root384.key', '-CAcreateserial', '-days', '20', '-sha384', '-extfile', 'int.ext', '-out', 'int384.pem');
ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leafle.key', '-out', 'leafle.csr', '-subj', '/CN=localhost');
ossl('x509', '-req', '-in', 'leafle.csr', '-CA', 'int384.pem', '-CAkey', 'int384.key', '-CAcreateserial', '-days', '10', '-sha384', '-extfile', 'leaf.ext', '-out', 'leafle.pem');
const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
const ca = read('ca.pem'), leaf = read('leaf.pem'), key = read('leaf.key');

// --- ours: full handshakes through the component
const CTP = Uint8Array.from([0x0f, 4, 1, 2, 3, 4]);
const STP = Uint8Array.from([0x00, 4, 1, 2, 3, 4, 0x0f, 2, 9, 9]);
const serverCfg = new TlsConfig({ server: true, certChainPem: leaf + ca, privateKeyPem: key, alpn: ['h3'], transportParams: STP, tickets: 0, groups: [GROUPS.x25519] });
const clientCfg = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: ca, alpn: ['h3'], transportParams: CTP, groups: [GROUPS.x25519],
  cipherSuites: [CIPHER_SUITES.TLS_AES_128_GCM_SHA256] });

function handshake(cCfg = clientCfg, sCfg = serverCfg, session = undefined) {
  const c = new TlsConnection(cCfg, session), s = new TlsConnection(sCfg);
  let ticket;
  let toServer = c.start(), done = 0;
  for (let round = 0; round < 4 && done < 2; round++) {
    const toClient = [];
    for (const e of toServer) {
      if (e.kind === 'data') toClient.push(...s.handle(e.level, e.data));
      if (e.kind === 'complete') done++;
      if (e.kind === 'error') throw new Error(e.reason);
    }
    toServer = [];
    for (const e of toClient) {
      if (e.kind === 'data') for (const f of c.handle(e.level, e.data)) { toServer.push(f); if (f.kind === 'ticket') ticket = f.session; }
      if (e.kind === 'complete') done++;
      if (e.kind === 'error') throw new Error(e.reason);
    }
  }
  for (const e of toServer) if (e.kind === 'data') for (const f of c.handle(e.level, e.data)) if (f.kind === 'ticket') ticket = f.session;
  c.close(); s.close();
  return ticket;
}
handshake();
const runMs = Number(process.env.BENCH_MS ?? 1000);
const ours = rate(() => handshake(), { runMs });
// the same with secp256r1 key shares, and resumption (PSK + x25519, no certificates)
const serverP256 = new TlsConfig({ server: true, certChainPem: leaf + ca, privateKeyPem: key, alpn: ['h3'], transportParams: STP, tickets: 0, groups: [GROUPS.secp256r1] });
const clientP256 = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: ca, alpn: ['h3'], transportParams: CTP, groups: [GROUPS.secp256r1], cipherSuites: [CIPHER_SUITES.TLS_AES_128_GCM_SHA256] });
const oursP256 = rate(() => handshake(clientP256, serverP256), { runMs });
const serverTickets = new TlsConfig({ server: true, certChainPem: leaf + ca, privateKeyPem: key, alpn: ['h3'], transportParams: STP, tickets: 1, groups: [GROUPS.x25519] });
const session = handshake(clientCfg, serverTickets);
const oursResumed = rate(() => handshake(clientCfg, serverTickets, session), { runMs });
const serverLe = new TlsConfig({ server: true, certChainPem: read('leafle.pem') + read('int384.pem'), privateKeyPem: read('leafle.key'), alpn: ['h3'], transportParams: STP, tickets: 0, groups: [GROUPS.x25519] });
const clientLe = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: read('root384.pem'), alpn: ['h3'], transportParams: CTP, groups: [GROUPS.x25519], cipherSuites: [CIPHER_SUITES.TLS_AES_128_GCM_SHA256] });
const oursLe = rate(() => handshake(clientLe, serverLe), { runMs });

// --- peer: node:tls over an in-memory duplex pair
function duplexPair() {
  let a, b;
  a = new Duplex({ read() {}, write(chunk, _e, cb) { b.push(chunk); cb(); }, final(cb) { b.push(null); cb(); } });
  b = new Duplex({ read() {}, write(chunk, _e, cb) { a.push(chunk); cb(); }, final(cb) { a.push(null); cb(); } });
  return [a, b];
}
const secureContext = tls.createSecureContext({ cert: leaf, key, minVersion: 'TLSv1.3', ecdhCurve: 'X25519' });
function nodeHandshake() {
  return new Promise((resolve, reject) => {
    const [a, b] = duplexPair();
    let n = 0;
    const fin = () => { if (++n === 2) { cs.destroy(); ss.destroy(); resolve(); } };
    const ss = new tls.TLSSocket(b, { isServer: true, secureContext, ALPNProtocols: ['h3'] });
    ss.on('secure', fin);
    ss.on('error', reject);
    const cs = tls.connect({ socket: a, ca, servername: 'localhost', minVersion: 'TLSv1.3', ecdhCurve: 'X25519', ALPNProtocols: ['h3'],
      ciphers: 'TLS_AES_128_GCM_SHA256', session: undefined });
    cs.on('secureConnect', fin);
    cs.on('error', reject);
  });
}
// node:tls handshakes are asynchronous: keep CONCURRENCY in flight so the
// figure is CPU throughput, not event-loop round trips.
const CONCURRENCY = 16;
async function nodeRate() {
  const rates = [];
  const runMs = Number(process.env.BENCH_MS ?? 1000);
  for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: CONCURRENCY }, nodeHandshake)); // warm-up
  for (let r = 0; r < Number(process.env.BENCH_RUNS ?? 5); r++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < runMs) { await Promise.all(Array.from({ length: CONCURRENCY }, nodeHandshake)); n += CONCURRENCY; }
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}
const peer = await nodeRate();

table('TLS 1.3 full handshakes (client + server in one process, in memory; ECDSA P-256 chain, x25519, AES-128-GCM)',
  ['', 'h3-wasi', 'node:tls (OpenSSL)', 'ratio'],
  [['handshakes/s', si(ours), si(peer), ratio(ours, peer)]]);
table('Other handshakes (ours only)', ['', 'handshakes/s'], [
  ['full, secp256r1 key shares', si(oursP256)],
  ['resumed (PSK + x25519, ticket sealed with AES-128-GCM)', si(oursResumed)],
  ["full, Let's Encrypt-shaped chain (P-384 root -> P-384 intermediate -> P-256 leaf: two P-384 verifications instead of one P-256)", si(oursLe)],
]);

// --- cost split from the release test build of the same sources
const built = spawnSync(process.execPath, [path.join(root, 'build/build-tests.mjs'), 'tls'], { stdio: 'inherit' });
if (built.status === 0) {
  const base = path.join(root, 'build/.test/tls.release');
  const mod = await WebAssembly.compile(fs.readFileSync(`${base}.wasm`));
  const bindings = await import(`${base}.js`);
  let inst;
  inst = await bindings.instantiate(mod, {
    'wasi:random/random@0.2.3': {
      'get-random-bytes': (len, retptr) => {
        const n = Number(len);
        const ptr = inst.cabi_realloc(0, 0, 1, n) >>> 0;
        randomFillSync(new Uint8Array(inst.memory.buffer, ptr, n));
        const v = new DataView(inst.memory.buffer);
        v.setUint32(retptr, ptr, true); v.setUint32(retptr + 4, n, true);
      },
      'get-random-u64': () => 4n,
    },
  });
  const unit = (fn, n) => 1 / rate(() => fn(n), { opsPerCall: n, runMs: 300 }); // seconds per op
  const leafDer = Uint8Array.from(Buffer.from(leaf.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
  const perHs = 1 / ours;
  const parts = [
    ['key exchange (x25519: 2 key pairs + 2 agreements)', unit((n) => inst.benchKeyExchange(GROUPS.x25519, n), 4)],
    ['signing (1 ECDSA P-256 sign)', unit((n) => inst.benchSign(n), 4)],
    ['verification (2 ECDSA P-256 verifies: chain + CertificateVerify)', 2 * unit((n) => inst.benchVerify(n), 4)],
    ['hashing (transcripts, HKDF, Finished; both sides)', 2 * unit((n) => inst.benchKeySchedule(n), 16)],
    ['X.509 parsing (leaf + CA, client side)', 2 * unit((n) => inst.benchParse(leafDer, n), 64)],
  ];
  const known = parts.reduce((s, [, t]) => s + t, 0);
  parts.push(['other (codecs, engine, ABI + JS glue)', Math.max(0, perHs - known)]);
  table('Where one handshake\'s time goes (unit cost x uses per handshake)', ['part', 'µs/handshake', 'share'],
    parts.map(([n, t]) => [n, (t * 1e6).toFixed(1), `${((t / perHs) * 100).toFixed(1)}%`]));
}
serverCfg.close(); clientCfg.close(); serverP256.close(); clientP256.close(); serverTickets.close();
fs.rmSync(dir, { recursive: true, force: true });
