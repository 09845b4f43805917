// `h3-wasi serve` and `h3-wasi get` as a user runs them (node bin/h3-wasi.mjs
// on dist/): serve a directory, fetch from it with curl's habits, --help on
// both, one-line errors and the exit statuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import tls from 'node:tls';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'h3-wasi.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-cli-http3-'));
const site = path.join(tmp, 'site');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let server: ChildProcess | null = null;
let url = '';
let pin = '';
/** Everything the server wrote to stderr. */
let serverErr = '';

function cli(args: string[], input?: Buffer | string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, cwd: tmp, maxBuffer: 64 << 20, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, out: r.stdout.toString('latin1'), err: r.stderr.toString('utf8') };
}

function cliAsync(args: string[]): Promise<{ status: number | null; out: Buffer; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: tmp });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (status) => resolve({ status, out: Buffer.concat(out), err }));
  });
}

const files: Record<string, Uint8Array> = {};

beforeAll(async () => {
  fs.mkdirSync(path.join(site, 'sub'), { recursive: true });
  files['index.html'] = new TextEncoder().encode('<!doctype html><title>h3</title><p>hello over HTTP/3</p>\n');
  files['a.bin'] = new Uint8Array(Array.from({ length: 3_000_000 }, (_, i) => (i * 7919) & 0xff));
  files['sub/b.txt'] = new TextEncoder().encode('bee\n'.repeat(1000));
  files['sub/c.json'] = new TextEncoder().encode('{"c":3}\n');
  for (const [n, b] of Object.entries(files)) fs.writeFileSync(path.join(site, n), b);
  server = spawn(process.execPath, [bin, 'serve', site, '--port', '0'], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${serverErr}`)), 30_000);
    server!.stderr!.on('data', (d) => {
      serverErr += d;
      const m = /on (https:\/\/\S+\/) /.exec(serverErr);
      const p = /SHA-256: ([0-9a-f]{64})/.exec(serverErr);
      if (m && p) { url = m[1]; pin = p[1]; clearTimeout(t); resolve(); }
    });
    server!.on('exit', (c) => reject(new Error(`serve exited ${c}: ${serverErr}`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('h3-wasi serve / get', () => {
  it('--help on both commands shows every option', () => {
    const g = cli(['get', '--help']);
    expect(g.status).toBe(0);
    for (const o of ['-o, --output FILE', '--output-dir DIR', '-X', '-H', '-d', '--data-binary', '-i', '-v', '--insecure', '--cacert', '--parallel', '--qlog-dir', '--keylog', '--chacha20', '--session']) expect(g.out).toContain(o);
    const s = cli(['serve', '--help']);
    expect(s.status).toBe(0);
    for (const o of ['--port', '--host', '--cert', '--key', '--no-tcp', '--retry', '--qlog-dir']) expect(s.out).toContain(o);
    expect(cli(['--help']).out).toMatch(/^ {2}get {2,}\S/m);
  });

  it('get writes the body to stdout, -o FILE and -o -', async () => {
    const r = await cliAsync(['get', '--pin', pin, `${url}index.html`]);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out.toString()).toBe(new TextDecoder().decode(files['index.html']));
    const f = path.join(tmp, 'a.out');
    const r2 = await cliAsync(['get', '--pin', pin, '-o', f, `${url}a.bin`]);
    expect(r2.status).toBe(0);
    expect(sha(fs.readFileSync(f))).toBe(sha(files['a.bin']));
    const r3 = await cliAsync(['get', '--pin', pin, '-o', '-', `${url}sub/c.json`]);
    expect(r3.out.toString()).toBe('{"c":3}\n');
  });

  it('get --parallel --output-dir saves every URL under its path, intact, over one connection', async () => {
    const dir = path.join(tmp, 'dl');
    const names = ['a.bin', 'sub/b.txt', 'sub/c.json', 'index.html'];
    const r = await cliAsync(['get', '--pin', pin, '--parallel', '-v', '--output-dir', dir, ...names.map((n) => `${url}${n}`)]);
    expect(r.status, r.err).toBe(0);
    for (const n of names) expect(sha(fs.readFileSync(path.join(dir, n)))).toBe(sha(files[n]));
    // our endpoints prefer ChaCha20-Poly1305 (docs/quic.md, Speed)
    expect(r.err).toMatch(/over QUIC v1, ALPN h3, TLS_CHACHA20_POLY1305_SHA256,/);
    expect(r.err.match(/connected to/g)?.length).toBe(1);
  });

  it('get --chacha20 offers ChaCha20-Poly1305 only, and -v names the suite (against a server preferring AES: tests/peers/ngtcp2_h3)', async () => {
    const r = await cliAsync(['get', '--pin', pin, '--chacha20', '-v', '-o', '-', `${url}sub/b.txt`]);
    expect(r.status, r.err).toBe(0);
    expect(r.out.toString()).toBe(Buffer.from(files['sub/b.txt']).toString());
    expect(r.err).toMatch(/ALPN h3, TLS_CHACHA20_POLY1305_SHA256,/);
  });

  it('get -i prints the head; -X POST -d and --data-binary @FILE reach /echo', async () => {
    const r = await cliAsync(['get', '--pin', pin, '-i', `${url}sub/c.json`]);
    expect(r.out.toString()).toMatch(/^HTTP\/3 200\r\n/);
    expect(r.out.toString()).toMatch(/content-type: application\/json/);
    const d = await cliAsync(['get', '--pin', pin, '-d', 'posted data', `${url}echo`]);
    expect(d.out.toString()).toBe('posted data');
    const bf = path.join(tmp, 'upload.bin');
    fs.writeFileSync(bf, files['a.bin']);
    const b = await cliAsync(['get', '--pin', pin, '-X', 'POST', '--data-binary', `@${bf}`, `${url}echo`]);
    expect(sha(b.out)).toBe(sha(files['a.bin']));
  });

  it('--cacert with the served certificate works; without trust, a one-line TLS failure and exit 1', async () => {
    const fromTcp = await new Promise<string>((resolve, reject) => {
      // the certificate, as any user would get it: from the TCP side of the same port
      const u = new URL(url);
      const s = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
        const der = s.getPeerCertificate().raw;
        s.end();
        resolve(`-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`);
      });
      s.on('error', reject);
    });
    const ca = path.join(tmp, 'ca.pem');
    fs.writeFileSync(ca, fromTcp);
    const ok = await cliAsync(['get', '--cacert', ca, `${url}sub/c.json`]);
    expect(ok.status, ok.err).toBe(0);
    const bad = await cliAsync(['get', `${url}sub/c.json`]);
    expect(bad.status).toBe(1);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/^h3-wasi get: https:/);
  });

  it('--fail on a 404 exits 22; a closed port fails in one line', async () => {
    const r = await cliAsync(['get', '--pin', pin, '-f', `${url}missing`]);
    expect(r.status).toBe(22);
    const t0 = Date.now();
    const c = await cliAsync(['get', '--pin', pin, '-m', '1', 'https://127.0.0.1:9/']);
    expect(c.status).toBe(28);
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(c.err).toMatch(/timed out/);
    expect(c.err.trim().split('\n')).toHaveLength(1);
  });

  it('bad arguments: exit 2 with the usage', () => {
    for (const args of [['get'], ['get', 'http://x/'], ['get', '--nope', 'https://x/'], ['get', '-o', 'a', 'https://x/1', 'https://x/2'], ['serve', '--port', 'x'], ['serve', '--cert', 'a']]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/usage:/);
    }
    const r = cli(['serve', path.join(tmp, 'no-such-dir'), '--port', '0']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/no such directory/);
  });

  it('serve logs one access line per request', async () => {
    await cliAsync(['get', '--pin', pin, `${url}sub/b.txt?x=1`]);
    for (let i = 0; i < 50 && !/ h3 GET \/sub\/b\.txt\?x=1 200 4000 /.test(serverErr); i++) await new Promise((r) => setTimeout(r, 20));
    expect(serverErr).toMatch(/^127\.0\.0\.1:\d+ h3 GET \/sub\/b\.txt\?x=1 200 4000 [\d.]+ms$/m);
    expect(server!.exitCode).toBe(null);
  });
});
