// HTTP/3 interop with ngtcp2 0.12.1 (tests/helpers/ngtcp2.ts) over
// 127.0.0.1, our real client and server on both sides, every body checked by
// SHA-256. Everything of ours goes through dist/ as a user gets it: the
// `h3-wasi` command (bin/h3-wasi.mjs) and `h3-wasi/http3`.
//  A. our client → gtlsserver serving a directory:
//     `h3-wasi get --cacert --parallel --output-dir` (several files, one of
//     3 MiB, nested paths) on one connection; a 404 (exit 0 as curl, exit 22
//     with -f, one line); fetch(): parallel requests on one connection, POST
//     (gtlsserver reads and drops the body, answers with the file at the
//     path), ChaCha20 only (`--chacha20`), a key update we initiate, Retry
//     (-V), resumption + 0-RTT with `get --session FILE`, migration and NAT
//     rebinding (tests/helpers/udp-tap.ts) of our client.
//  B. gtlsclient → `h3-wasi serve DIR` (a child process) and serve() in
//     process: parallel downloads, POST /echo, ChaCha20 only, --key-update,
//     our Retry, 0-RTT on a second run (--session-file / --tp-file),
//     --change-local-addr migration and --nat-rebinding.
// QUIC v2: 0.12.1 knows only the v2 draft (0x709a50c4), not RFC 9369's
// version, so there is no v2 to test against it (tests/helpers/ngtcp2.ts);
// what is tested is its fall back to v1 after our Version Negotiation.
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing
// program fails; locally the tests skip with a loud warning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDevCert, Http3Client, serve, staticHandler, type Http3ClientOptions, type Http3Server } from 'h3-wasi/http3';
import { describeWithPeer } from '../helpers/peers.js';
import { CHACHA20_ONLY, gtlsClientPeer, gtlsServerPeer, runGtlsClient, startGtlsServer, type GtlsClientResult, type GtlsServer } from '../helpers/ngtcp2.js';
import { UdpTap } from '../helpers/udp-tap.js';

const T = 20_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(root, 'bin', 'h3-wasi.mjs');
/** A GnuTLS priority string without ChaCha20: a client that offers only ChaCha20 cannot connect. */
const AES128_ONLY = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM';

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

let tmp = '';
let htdocs = '';
let cert = { certFile: '', keyFile: '', certPem: '', keyPem: '' };
/** The served files by path under htdocs ('sub/deep/a.txt'). */
const files = new Map<string, Buffer>();

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-ngtcp2-h3-'));
  htdocs = path.join(tmp, 'htdocs');
  // a development certificate for 127.0.0.1, as `h3-wasi serve` makes; gtlsserver serves it too
  const dev = createDevCert();
  cert = { certFile: path.join(tmp, 'cert.pem'), keyFile: path.join(tmp, 'key.pem'), certPem: dev.cert, keyPem: dev.key };
  fs.writeFileSync(cert.certFile, dev.cert);
  fs.writeFileSync(cert.keyFile, dev.key);
  // a position-dependent pattern for the large file (a reordering shows), random small ones
  const big = Buffer.alloc(3 << 20);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32BE((i * 2654435761) >>> 0, i);
  files.set('big.bin', big);
  for (let i = 0; i < 3; i++) files.set(`f${i}.bin`, crypto.randomBytes(1000 + 40_000 * i));
  files.set('sub/deep/a.txt', Buffer.from('nested\n'.repeat(500)));
  files.set('sub/b.json', Buffer.from('{"b":2}\n'));
  files.set('index.html', Buffer.from('<!doctype html><title>h3-wasi</title><p>hello over HTTP/3</p>\n'));
  for (const [n, b] of files) {
    fs.mkdirSync(path.dirname(path.join(htdocs, n)), { recursive: true });
    fs.writeFileSync(path.join(htdocs, n), b);
  }
});
afterAll(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

/** A fresh directory under the test's temp dir. */
const mkdir = (prefix: string) => fs.mkdtempSync(path.join(tmp, `${prefix}-`));

/** Every qlog file in `dir` (ours: one per connection), concatenated. */
function readQlogs(dir: string): string {
  return fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
}

/** Waits (up to 3 s) until the qlogs in `dir` match `re`: a closing connection flushes its trace asynchronously. */
async function qlogMatching(dir: string, re: RegExp): Promise<string> {
  let q = '';
  for (let i = 0; i < 150; i++) {
    q = readQlogs(dir);
    if (re.test(q)) return q;
    await new Promise((r) => setTimeout(r, 20));
  }
  return q;
}

const children = new Set<ChildProcess>();
afterAll(() => { for (const c of children) c.kill('SIGKILL'); });

/** `h3-wasi ARGS` as a user runs it (node bin/h3-wasi.mjs), to completion. */
function h3wasi(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SSLKEYLOGFILE: '', QLOGDIR: '' } });
    children.add(p);
    const out: Buffer[] = [];
    let err = '';
    p.stdout!.on('data', (d) => out.push(d));
    p.stderr!.on('data', (d) => { err += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => { clearTimeout(t); children.delete(p); resolve({ code, stdout: Buffer.concat(out), stderr: err }); });
  });
}

// ---------------------------------------------------------------- A. our client → gtlsserver

describeWithPeer(gtlsServerPeer(), 'gtlsserver (ngtcp2-server)', 'our HTTP/3 client (h3-wasi get, fetch) → ngtcp2 gtlsserver', () => {
  const servers: GtlsServer[] = [];
  const clients: Http3Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function gtlsServer(args: string[] = [], quiet = true): Promise<GtlsServer> {
    const s = await startGtlsServer({ cert, htdocs, args, quiet });
    servers.push(s);
    return s;
  }
  const urlOf = (s: GtlsServer, n: string) => `https://127.0.0.1:${s.port}/${n}`;
  function client(o: Http3ClientOptions = {}): Http3Client {
    const c = new Http3Client({ ca: cert.certPem, ...o });
    clients.push(c);
    return c;
  }
  /** GETs `names` at once on `c`, every body SHA-256 checked against the served file. */
  async function getAll(c: Http3Client, base: string, names: string[]): Promise<void> {
    await Promise.all(names.map(async (n) => {
      const res = await c.fetch(`${base}${n}`);
      expect(res.status, n).toBe(200);
      expect(sha256(new Uint8Array(await res.arrayBuffer())), n).toBe(sha256(files.get(n)!));
    }));
  }
  const SEVERAL = ['big.bin', 'f0.bin', 'f1.bin', 'f2.bin', 'sub/deep/a.txt', 'sub/b.json', 'index.html'];

  it('h3-wasi get --cacert --parallel --output-dir: several files (one 3 MiB, nested paths) intact, on one connection', async () => {
    const srv = await gtlsServer();
    const out = mkdir('get-out'), qlogDir = mkdir('get-qlog');
    const r = await h3wasi(['get', '--cacert', cert.certFile, '--parallel', '--output-dir', out, '--qlog-dir', qlogDir, ...SEVERAL.map((n) => urlOf(srv, n))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    for (const n of SEVERAL) expect(sha256(fs.readFileSync(path.join(out, n))), n).toBe(sha256(files.get(n)!));
    expect(fs.readdirSync(qlogDir), 'one qlog trace: one connection').toHaveLength(1);
    expect(srv.stderr()).not.toMatch(/error/i);
  }, T);

  it('h3-wasi get on a 404: exit 0 and the body written (curl without -f); with -f exit 22 and one line, the other files intact', async () => {
    const srv = await gtlsServer();
    const plain = await h3wasi(['get', '--cacert', cert.certFile, urlOf(srv, 'nothing-here')]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.toString()).toMatch(/404 Not Found/); // gtlsserver's error page
    const out = mkdir('get-404');
    const f = await h3wasi(['get', '-f', '--cacert', cert.certFile, '--parallel', '--output-dir', out, urlOf(srv, 'f1.bin'), urlOf(srv, 'nothing-here'), urlOf(srv, 'sub/b.json')]);
    expect(f.code).toBe(22);
    expect(f.stderr).toBe(`h3-wasi get: ${urlOf(srv, 'nothing-here')}: HTTP 404\n`);
    for (const n of ['f1.bin', 'sub/b.json']) expect(sha256(fs.readFileSync(path.join(out, n))), n).toBe(sha256(files.get(n)!));
    expect(fs.existsSync(path.join(out, 'nothing-here'))).toBe(false);
  }, T);

  it('fetch(): seven requests at once on ONE connection (one pooled connection, one qlog trace)', async () => {
    const srv = await gtlsServer();
    const qlogDir = mkdir('fetch-qlog');
    const c = client({ qlogDir });
    const base = `https://127.0.0.1:${srv.port}/`;
    await getAll(c, base, ['index.html']);
    const conn = c.connection(base)!;
    expect(conn.alpn).toBe('h3');
    await getAll(c, base, SEVERAL);
    expect(c.connection(base), 'the same pooled connection carried them all').toBe(conn);
    await c.close();
    expect(fs.readdirSync(qlogDir), 'one qlog trace: one connection').toHaveLength(1);
    // its trace holds all eight request streams (client-initiated bidirectional: 0, 4, 8, ...)
    const q = await qlogMatching(qlogDir, /connection_closed/);
    const ids = new Set([...q.matchAll(/packet_sent[^\x1e]*/g)].flatMap((m) => [...m[0].matchAll(/"stream_id":(\d+)/g)].map((x) => Number(x[1]))));
    expect([...ids].filter((i) => i % 4 === 0).sort((a, b) => a - b)).toEqual([0, 4, 8, 12, 16, 20, 24, 28]);
  }, T);

  it('fetch() POST with a 100 kB body: gtlsserver reads all of it (its log) and answers with the file at the path', async () => {
    // gtlsserver (ngtcp2 examples/server.cc) consumes a request body and drops it: it answers every
    // method with the file at :path, so the body's content cannot come back; its verbose log counts it
    const srv = await gtlsServer([], false);
    const c = client();
    const body = crypto.randomBytes(100_000);
    const res = await c.fetch(urlOf(srv, 'f2.bin'), { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(files.get('f2.bin')!));
    await c.close();
    const log = srv.stdout() + srv.stderr();
    expect(log).toMatch(/http: stream 0x0 \[:method: POST\]/);
    expect(log).toMatch(/http: stream 0x0 \[content-length: 100000\]/);
    const received = [...log.matchAll(/http: stream 0x0 body (\d+) bytes/g)].reduce((s, m) => s + Number(m[1]), 0);
    expect(received).toBe(body.length);
  }, T);

  it('--chacha20 offers only ChaCha20-Poly1305: a ChaCha20-only gtlsserver serves it, an AES-128-only one cannot', async () => {
    const cha = await gtlsServer([`--ciphers=${CHACHA20_ONLY}`]);
    const out = mkdir('get-chacha');
    const ok = await h3wasi(['get', '-v', '--chacha20', '--cacert', cert.certFile, '--parallel', '--output-dir', out, urlOf(cha, 'f1.bin'), urlOf(cha, 'big.bin')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/over QUIC v1, ALPN h3, TLS_CHACHA20_POLY1305_SHA256,/);
    for (const n of ['f1.bin', 'big.bin']) expect(sha256(fs.readFileSync(path.join(out, n))), n).toBe(sha256(files.get(n)!));
    const aes = await gtlsServer([`--ciphers=${AES128_ONLY}`]);
    const without = await h3wasi(['get', '--cacert', cert.certFile, urlOf(aes, 'f0.bin')]);
    expect(without.code, `the AES-only server works without --chacha20: ${without.stderr}`).toBe(0);
    expect(sha256(without.stdout)).toBe(sha256(files.get('f0.bin')!));
    const refused = await h3wasi(['get', '--chacha20', '--cacert', cert.certFile, '-m', '5', urlOf(aes, 'f0.bin')]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  }, T);

  it('a key update our client initiates (quic.keyUpdateInterval; RFC 9001 §6) while 3 MiB come in', async () => {
    const srv = await gtlsServer();
    const c = client({ quic: { keyUpdateInterval: 20 } });
    const base = `https://127.0.0.1:${srv.port}/`;
    await getAll(c, base, ['big.bin', 'f2.bin']);
    const st = await c.connection(base)!.getStats();
    expect(st.version).toBe(1);
    // at least one: RFC 9001 §6.5 spaces them 3×PTO after the last was acknowledged
    expect(st.keyUpdates).toBeGreaterThanOrEqual(1);
    expect(st.packetsLost * 20, JSON.stringify(st)).toBeLessThan(st.packetsSent);
    await c.close();
    expect(srv.stderr()).not.toMatch(/error/i);
  }, T);

  it('Retry (gtlsserver -V): fetch() follows it (our qlog shows the Retry)', async () => {
    const srv = await gtlsServer(['-V']);
    const qlogDir = mkdir('retry-qlog');
    const c = client({ qlogDir });
    await getAll(c, `https://127.0.0.1:${srv.port}/`, ['f0.bin', 'sub/deep/a.txt']);
    await c.close();
    expect(await qlogMatching(qlogDir, /packet_received".*"packet_type":"retry"/)).toMatch(/packet_received".*"packet_type":"retry"/);
  }, T);

  it('h3-wasi get --session FILE: the second run resumes and sends its request in 0-RTT, accepted', async () => {
    const srv = await gtlsServer();
    const session = path.join(mkdir('session'), 'session.json');
    const out1 = mkdir('get-s1');
    const r1 = await h3wasi(['get', '--cacert', cert.certFile, '--session', session, '--output-dir', out1, urlOf(srv, 'f0.bin')]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(fs.existsSync(session), 'the first run stored gtlsserver\'s ticket').toBe(true);
    const out2 = mkdir('get-s2'), qlogDir = mkdir('get-s2-qlog');
    const r2 = await h3wasi(['get', '-v', '--cacert', cert.certFile, '--session', session, '--qlog-dir', qlogDir, '--output-dir', out2, urlOf(srv, 'sub/deep/a.txt')]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(sha256(fs.readFileSync(path.join(out2, 'sub/deep/a.txt')))).toBe(sha256(files.get('sub/deep/a.txt')!));
    expect(r2.stderr).toMatch(/0-RTT accepted/);
    // the request (HEADERS on stream 0, FIN) went in a 0-RTT packet
    const q = readQlogs(qlogDir);
    expect(q).toMatch(/packet_sent","data":\{"header":\{"packet_type":"0RTT"[^\x1e]*"stream_id":0,[^}]*"fin":true/);
  }, T);

  it('migration: our client moves to a new local port (RFC 9000 §9.2) between fetches', async () => {
    const srv = await gtlsServer();
    const c = client();
    const base = `https://127.0.0.1:${srv.port}/`;
    await getAll(c, base, ['f1.bin']);
    const conn = c.connection(base)!;
    const before = conn.localAddress!.port;
    await conn.migrate();
    expect(conn.localAddress!.port).not.toBe(before);
    await getAll(c, base, ['big.bin', 'f2.bin']);
    expect(c.connection(base)).toBe(conn);
    await c.close();
  }, T);

  it('NAT rebinding of our client mid-transfer (a tap gives it a new port; the old one is gone)', async () => {
    const srv = await gtlsServer();
    const tap = await UdpTap.start({ address: srv.host, port: srv.port });
    try {
      const c = client();
      const base = `https://127.0.0.1:${tap.port}/`;
      await getAll(c, base, ['f1.bin']);
      const conn = c.connection(base)!;
      // a 3 MB upload goes on while it rebinds: a client that only acknowledges a download sends
      // nothing after a rebinding (what the server sends to the old port is lost, so there is
      // nothing to acknowledge) until some timer fires; an upload speaks from the new port at once
      const upload = c.fetch(`${base}f0.bin`, { method: 'POST', body: crypto.randomBytes(3 << 20) })
        .then(async (res) => sha256(new Uint8Array(await res.arrayBuffer())));
      const big = getAll(c, base, ['big.bin', 'f2.bin']);
      await new Promise((r) => setTimeout(r, 30));
      await tap.rebind(); // gtlsserver sees our packets from a new port; what it sends to the old one is lost
      await big;
      expect(await upload).toBe(sha256(files.get('f0.bin')!));
      await getAll(c, base, ['f0.bin']);
      expect(c.connection(base)).toBe(conn);
      await c.close();
    } finally {
      await tap.close();
      fs.rmSync(path.dirname(tap.pcapFile), { recursive: true, force: true });
    }
  }, T);
});

// ---------------------------------------------------------------- B. gtlsclient → our server

/** One of our servers under test: `h3-wasi serve` as a child process, or serve() in this process. */
interface OurServer { port: number; qlogDir: string; stop: () => Promise<void> }

/** `h3-wasi serve htdocs --port 0 --cert --key --no-tcp [--retry] --qlog-dir DIR`; resolves once it printed its URL. */
async function cliServer(retry: boolean): Promise<OurServer> {
  const qlogDir = mkdir('serve-cli-qlog');
  const args = ['serve', htdocs, '--port', '0', '--cert', cert.certFile, '--key', cert.keyFile, '--no-tcp', '--qlog-dir', qlogDir, ...(retry ? ['--retry'] : [])];
  const p = spawn(process.execPath, [BIN, ...args], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SSLKEYLOGFILE: '', QLOGDIR: '' } });
  children.add(p);
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`h3-wasi serve did not start: ${err}`)), 15_000);
    p.stderr!.on('data', (d) => {
      err += d;
      const m = / on https:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
    p.once('exit', (c) => { clearTimeout(t); reject(new Error(`h3-wasi serve exited (${c}): ${err}`)); });
  });
  return {
    port, qlogDir,
    stop: async () => {
      if (p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
      children.delete(p);
    },
  };
}

/** serve() with the static handler `h3-wasi serve` uses, in this process. */
async function inProcessServer(retry: boolean): Promise<OurServer> {
  const qlogDir = mkdir('serve-fn-qlog');
  const s: Http3Server = await serve({
    port: 0, hostname: '127.0.0.1', cert: cert.certPem, key: cert.keyPem, tcp: false, qlogDir,
    ...(retry ? { quic: { retry: true } } : {}),
  }, staticHandler(htdocs));
  return { port: s.port, qlogDir, stop: () => s.shutdown({ timeoutMs: 500 }) };
}

describeWithPeer(gtlsClientPeer(), 'gtlsclient (ngtcp2-client)', 'ngtcp2 gtlsclient → our HTTP/3 server (h3-wasi serve, serve())', () => {
  const kinds = { 'h3-wasi serve': cliServer, 'serve()': inProcessServer } as const;
  const started = new Map<string, OurServer>();
  afterAll(async () => { await Promise.all([...started.values()].map((s) => s.stop())); });

  /** The server of `kind` (one per kind and Retry setting, shared by the tests). */
  async function ours(kind: keyof typeof kinds, retry = false): Promise<OurServer> {
    const key = `${kind}${retry ? ' retry' : ''}`;
    let s = started.get(key);
    if (!s) started.set(key, (s = await kinds[kind](retry)));
    return s;
  }

  function expectFiles(r: GtlsClientResult, names: string[]): void {
    expect(r.timedOut, 'gtlsclient finished').toBe(false);
    expect(r.code, r.stderr).toBe(0);
    // gtlsclient saves each response under the last component of its path
    for (const n of names) expect(sha256(r.files.get(path.basename(n)) ?? Buffer.alloc(0)), n).toBe(sha256(files.get(n)!));
  }

  /** Runs gtlsclient and returns the qlog text our server wrote for that connection (once it matches `re`). */
  async function runAndQlog(s: OurServer, uris: string[], args: string[], re: RegExp): Promise<{ r: GtlsClientResult; qlog: string }> {
    const before = new Set(fs.readdirSync(s.qlogDir));
    const r = await runGtlsClient({ port: s.port, uris, args });
    const fresh = () => fs.readdirSync(s.qlogDir).filter((f) => !before.has(f));
    let qlog = '';
    for (let i = 0; i < 150; i++) {
      qlog = fresh().map((f) => fs.readFileSync(path.join(s.qlogDir, f), 'utf8')).join('\n');
      if (re.test(qlog)) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    return { r, qlog };
  }

  /** Our server's trace: the connection started from one client port and moved to another. */
  function expectMoved(qlog: string): void {
    const first = Number(/connection_started".*?"dst_port":(\d+)/.exec(qlog)?.[1]);
    const moved = Number(/tuple_assigned".*?"port":(\d+)/.exec(qlog)?.[1]);
    expect(first).toBeGreaterThan(0);
    expect(moved).toBeGreaterThan(0);
    expect(moved).not.toBe(first);
  }

  const PARALLEL = ['big.bin', 'f0.bin', 'f1.bin', 'f2.bin', 'sub/deep/a.txt', 'index.html'];

  for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) {
    it(`${kind}: gtlsclient downloads six files in parallel (one 3 MiB, a nested path), SHA-256 checked`, async () => {
      const s = await ours(kind);
      expectFiles(await runGtlsClient({ port: s.port, uris: PARALLEL.map((n) => `/${n}`) }), PARALLEL);
    }, T);

    it(`${kind}: POST /echo (gtlsclient -m POST -d FILE) returns the 300 kB body`, async () => {
      // gtlsclient's -d alone sends the file with GET (its default method): our server answers 405
      const s = await ours(kind);
      const body = crypto.randomBytes(300_000);
      const f = path.join(mkdir('post'), 'body.bin');
      fs.writeFileSync(f, body);
      const r = await runGtlsClient({ port: s.port, uris: ['/echo'], args: ['-m', 'POST', '-d', f] });
      expect(r.code, r.stderr).toBe(0);
      expect(sha256(r.files.get('echo') ?? Buffer.alloc(0))).toBe(sha256(body));
    }, T);

    it(`${kind}: resumption + 0-RTT (--session-file, --tp-file): the second run sends its request in 0-RTT, accepted`, async () => {
      const s = await ours(kind);
      const dir = mkdir('gtls-session');
      const args = [`--session-file=${path.join(dir, 'session.pem')}`, `--tp-file=${path.join(dir, 'tp.txt')}`];
      const r1 = await runGtlsClient({ port: s.port, uris: ['/index.html'], args });
      expectFiles(r1, ['index.html']);
      expect(fs.existsSync(path.join(dir, 'session.pem')) && fs.existsSync(path.join(dir, 'tp.txt')), 'gtlsclient saved the session and transport parameters').toBe(true);
      // verbose: its log says what went in 0-RTT and whether the server rejected early data
      const r2 = await runGtlsClient({ port: s.port, uris: ['/sub/deep/a.txt'], args, quiet: false });
      expectFiles(r2, ['sub/deep/a.txt']);
      expect(r2.stderr + r2.stdout).toMatch(/frm tx \d+ 0RTT STREAM\(0x0b\) id=0x0 fin=1/); // the request, FIN, in 0-RTT
      expect(r2.stderr + r2.stdout).not.toMatch(/Early data was rejected/);
    }, T);

    it(`${kind}: ChaCha20-Poly1305 only (gtlsclient --ciphers)`, async () => {
      const s = await ours(kind);
      expectFiles(await runGtlsClient({ port: s.port, uris: ['/f2.bin', '/index.html'], args: [`--ciphers=${CHACHA20_ONLY}`] }), ['f2.bin', 'index.html']);
    }, T);

    it(`${kind}: a key update gtlsclient initiates 20 ms into a 3 MiB download (our qlog: remote_update)`, async () => {
      const s = await ours(kind);
      const { r, qlog } = await runAndQlog(s, ['/big.bin'], ['--key-update=20ms'], /"trigger":"remote_update"/);
      expectFiles(r, ['big.bin']);
      expect(qlog).toMatch(/security:key_updated".*"trigger":"remote_update"/);
    }, T);

    it(`${kind}: migration (--change-local-addr, path validated) mid-download: our server follows it`, async () => {
      const s = await ours(kind);
      const { r, qlog } = await runAndQlog(s, ['/big.bin', '/f1.bin'], ['--change-local-addr=20ms'], /tuple_assigned/);
      expectFiles(r, ['big.bin', 'f1.bin']);
      expectMoved(qlog);
    }, T);

    it(`${kind}: NAT rebinding (--change-local-addr --nat-rebinding) mid-upload: our server follows the new address`, async () => {
      // gtlsclient 0.12.1 rebinds without sending anything and drops what still reaches its old port
      // ("ignore packet from unknown path"): a client with nothing to send then waits for its idle
      // timeout, against gtlsserver as against us. So it rebinds while it uploads 3 MB to /echo: its
      // next packets come from the new port, and the echo must come back intact
      const s = await ours(kind);
      const body = crypto.randomBytes(3 << 20);
      const f = path.join(mkdir('nat-upload'), 'body.bin');
      fs.writeFileSync(f, body);
      const { r, qlog } = await runAndQlog(s, ['/echo'], ['-m', 'POST', '-d', f, '--change-local-addr=20ms', '--nat-rebinding'], /tuple_assigned/);
      expect(r.timedOut, 'gtlsclient finished').toBe(false);
      expect(r.code, r.stderr).toBe(0);
      expect(sha256(r.files.get('echo') ?? Buffer.alloc(0))).toBe(sha256(body));
      expectMoved(qlog);
    }, T);
  }

  it('h3-wasi serve --retry: gtlsclient follows the Retry (its qlog shows it), then downloads', async () => {
    const s = await ours('h3-wasi serve', true);
    const qlogDir = mkdir('gtls-qlog');
    const r = await runGtlsClient({ port: s.port, uris: ['/f2.bin', '/sub/b.json'], args: [`--qlog-dir=${qlogDir}`] });
    expectFiles(r, ['f2.bin', 'sub/b.json']);
    expect(readQlogs(qlogDir)).toMatch(/packet_received".*"packet_type":"retry"/);
  }, T);

  it('QUIC v2: gtlsclient offering the v2 draft gets our Version Negotiation (v1, RFC 9369 v2) and comes back in v1', async () => {
    // 0.12.1 knows only the v2 draft (0x709a50c4), not RFC 9369's 0x6b3343cf: v2 itself cannot be tried
    const s = await ours('serve()');
    const r = await runGtlsClient({ port: s.port, uris: ['/f1.bin'], args: ['-v', 'v2draft', '--preferred-versions', 'v2draft,v1'], quiet: false });
    expectFiles(r, ['f1.bin']);
    const log = r.stdout + r.stderr;
    expect(log).toMatch(/version=0x709a50c4 type=Initial/);
    expect(log).toMatch(/VN v=0x00000001/);
    expect(log).toMatch(/VN v=0x6b3343cf/);
    expect(log).toMatch(/the negotiated version is 0x00000001/);
  }, T);

  it('serve() with quic.retry: gtlsclient follows the Retry, then downloads', async () => {
    const s = await ours('serve()', true);
    const qlogDir = mkdir('gtls-qlog');
    const r = await runGtlsClient({ port: s.port, uris: ['/f1.bin'], args: [`--qlog-dir=${qlogDir}`] });
    expectFiles(r, ['f1.bin']);
    expect(readQlogs(qlogDir)).toMatch(/packet_received".*"packet_type":"retry"/); // gtlsclient's trace
  }, T);

});
