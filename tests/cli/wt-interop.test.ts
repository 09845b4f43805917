// The WebTransport interop protocol in the CLI as users run it (node
// bin/h3-wasi.mjs on dist/, spawned processes): `h3-wasi wt-get` against
// `h3-wasi serve DIR` over each stream kind, files on two endpoints at once
// (one session each, on one QUIC connection) checked by SHA-256; a missing
// file and a traversal attempt refused by the server with their codes; a
// session on an unknown endpoint refused 404; the server-requests role
// (`serve --wt-request`, answered by `wt-get --www`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'h3-wasi.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-wt-interop-'));
const www = path.join(tmp, 'www');
const clientWww = path.join(tmp, 'client-www');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Files the server serves (www/ENDPOINT/NAME) and the client answers with (client-www/wt1/NAME). */
const served: Record<string, Buffer> = {
  'wt1/big.bin': randomBytes(1 << 20),
  'wt1/a.txt': Buffer.from('a file on the first endpoint\n'),
  'wt1/sub/c.txt': Buffer.from('a nested one\n'),
  'wt2/b.txt': Buffer.from('b on the second endpoint\n'.repeat(20)),
};
const clientFiles: Record<string, Buffer> = {
  'wt1/x.txt': Buffer.from('the client has x\n'),
  'wt1/y.bin': randomBytes(300_000),
};

interface Server { proc: ChildProcess; origin: string; pin: string; err: () => string; exited: Promise<number | null> }
const servers: Server[] = [];

async function startServe(...args: string[]): Promise<Server> {
  const proc = spawn(process.execPath, [bin, 'serve', www, '--port', '0', '--no-tcp', ...args], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  const s = await new Promise<Server>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
    proc.stderr!.on('data', (d) => {
      err += d;
      const m = /on (https:\/\/127\.0\.0\.1:\d+)\/ /.exec(err);
      const p = /SHA-256: ([0-9a-f]{64})/.exec(err);
      if (m && p && /WebTransport endpoints: /.test(err)) { clearTimeout(t); resolve({ proc, origin: m[1], pin: p[1], err: () => err, exited }); }
    });
    void exited.then((c) => reject(new Error(`serve exited ${c}: ${err}`)));
  });
  servers.push(s);
  return s;
}

function wtGet(args: string[]): Promise<{ status: number | null; out: Buffer; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, 'wt-get', '--max-time', '60', ...args], { cwd: tmp });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (status) => resolve({ status, out: Buffer.concat(out), err }));
  });
}

/** Waits (bounded) until the server's stderr matches. */
async function serverSays(s: Server, re: RegExp): Promise<string> {
  for (let i = 0; i < 200 && !re.test(s.err()); i++) await new Promise((r) => setTimeout(r, 25));
  return s.err();
}

let main: Server;
let uniRequests: Server;
let dgramRequests: Server;

beforeAll(async () => {
  for (const [n, b] of Object.entries(served)) { fs.mkdirSync(path.dirname(path.join(www, n)), { recursive: true }); fs.writeFileSync(path.join(www, n), b); }
  fs.mkdirSync(path.join(www, 'empty'));
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside www\n');
  fs.writeFileSync(path.join(www, 'page.html'), '<!doctype html><p>static files still served</p>\n');
  for (const [n, b] of Object.entries(clientFiles)) { fs.mkdirSync(path.dirname(path.join(clientWww, n)), { recursive: true }); fs.writeFileSync(path.join(clientWww, n), b); }
  [main, uniRequests, dgramRequests] = await Promise.all([
    startServe(),
    startServe('--wt-request', 'wt1/x.txt', '--wt-request', 'wt1/y.bin', '--wt-stream', 'uni', '--output-dir', path.join(tmp, 'server-uni')),
    startServe('--wt-request', 'wt1/x.txt', '--wt-stream', 'datagram', '--output-dir', path.join(tmp, 'server-dgram')),
  ]);
}, 60_000);

afterAll(async () => {
  for (const s of servers) {
    if (s.proc.exitCode === null) s.proc.kill('SIGTERM');
    expect(await s.exited, s.err()).toBe(0);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('h3-wasi wt-get ↔ h3-wasi serve DIR (the WebTransport interop protocol)', () => {
  it('serve names its endpoints: DIR\'s top-level folders', () => {
    expect(main.err()).toMatch(/WebTransport endpoints: \/empty \/wt1 \/wt2\n/);
  });

  for (const [kind, names] of [
    ['bidi', ['wt1/big.bin', 'wt1/a.txt', 'wt1/sub/c.txt', 'wt2/b.txt']],
    ['uni', ['wt1/big.bin', 'wt1/a.txt', 'wt1/sub/c.txt', 'wt2/b.txt']],
    // one datagram each: small files only
    ['datagram', ['wt1/a.txt', 'wt1/sub/c.txt', 'wt2/b.txt']],
  ] as const) {
    it(`--stream ${kind}: files on two endpoints in parallel, one session each on one connection, every byte right`, async () => {
      const out = path.join(tmp, `out-${kind}`);
      const r = await wtGet(['--stream', kind, '--pin', main.pin, '--output-dir', out, ...names.map((n) => `${main.origin}/${n}`)]);
      expect(r.err).toBe('');
      expect(r.status).toBe(0);
      for (const n of names) expect(sha(fs.readFileSync(path.join(out, n))), n).toBe(sha(served[n]));
      // the server answered each over the asked stream kind; both sessions came on the same connection (one client port)
      const log = await serverSays(main, new RegExp(`GET b\\.txt \\(${kind}\\)`));
      for (const n of names) expect(log).toContain(`/${n.split('/')[0]}: GET ${n.split('/').slice(1).join('/')} (${kind}): ${served[n].length} bytes`);
      const ports = [...log.matchAll(/^127\.0\.0\.1:(\d+) h3 CONNECT \/(wt1|wt2) 200 /gm)].map((m) => [m[1], m[2]]);
      const last = ports.slice(-2);
      expect(last.map((p) => p[1]).sort()).toEqual(['wt1', 'wt2']);
      expect(last[0][0]).toBe(last[1][0]);
    }, 90_000);
  }

  it('a missing file: the server resets its stream with 404, the client says so in one line and exits 1; the others arrive', async () => {
    const out = path.join(tmp, 'out-missing');
    const r = await wtGet(['--pin', main.pin, '--output-dir', out, `${main.origin}/wt1/nope.txt`, `${main.origin}/wt1/a.txt`]);
    expect(r.status).toBe(1);
    expect(r.err).toBe(`h3-wasi wt-get: ${main.origin}/wt1/nope.txt: the peer reset the reply (code 404: not found)\n`);
    expect(fs.readFileSync(path.join(out, 'wt1/a.txt'))).toEqual(served['wt1/a.txt']);
    expect(fs.existsSync(path.join(out, 'wt1/nope.txt'))).toBe(false); // no empty file for what did not arrive
    expect(await serverSays(main, /GET nope\.txt \(bidi\): refused 404/)).toMatch(/GET nope\.txt \(bidi\): refused 404/);
  }, 60_000);

  it('a name that leaves the endpoint\'s folder: the server refuses it (403), and the client would not save it outside its own', async () => {
    const r = await wtGet(['--pin', main.pin, '-o', '-', `${main.origin}/wt1/..%2F..%2Fsecret.txt`]);
    expect(r.status).toBe(1);
    expect(r.out.length).toBe(0);
    expect(r.err).toBe(`h3-wasi wt-get: ${main.origin}/wt1/../../secret.txt: the peer reset the reply (code 403: forbidden)\n`);
    expect(await serverSays(main, /GET \.\.\/\.\.\/secret\.txt \(bidi\): refused 403/)).toMatch(/refused 403/);
    // a symlink out of the folder is an escape too
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(www, 'wt1', 'link.txt'));
    const l = await wtGet(['--pin', main.pin, '-o', '-', `${main.origin}/wt1/link.txt`]);
    expect(l.status).toBe(1);
    expect(l.err).toMatch(/link\.txt: the peer reset the reply \(code 403: forbidden\)/);
    const c = await wtGet(['--pin', main.pin, '--output-dir', path.join(tmp, 'out-escape'), `${main.origin}/wt1/..%2Fsecret.txt`]);
    expect(c.status).toBe(1);
    expect(c.err).toMatch(/\.\.\/secret\.txt: would be saved outside /);
  }, 60_000);

  it('-o - writes the one file to stdout; a URL naming only an endpoint opens its session and asks for nothing', async () => {
    const r = await wtGet(['--pin', main.pin, '-o', '-', `${main.origin}/wt2/b.txt`, `${main.origin}/empty`]);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toEqual(served['wt2/b.txt']);
    expect(await serverSays(main, / h3 CONNECT \/empty 200 /)).toMatch(/ h3 CONNECT \/empty 200 /);
    // -k: no certificate check (a warning), as get -k
    const k = await wtGet(['-k', `${main.origin}/empty`]);
    expect(k.status, k.err).toBe(0);
  }, 60_000);

  it('a session on an endpoint DIR has no folder for is refused 404: the client shows the status; static files are still served', async () => {
    const r = await wtGet(['--pin', main.pin, `${main.origin}/nowhere/a.txt`]);
    expect(r.status).toBe(1);
    expect(r.err).toBe(`h3-wasi wt-get: ${main.origin}/nowhere: the WebTransport session was refused: the server answered 404\n`);
    const sub = await wtGet(['--pin', main.pin, `${main.origin}/page.html`]);
    expect(sub.err).toMatch(/answered 404/); // a file, not an endpoint folder
    const get = await new Promise<{ status: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [bin, 'get', '--pin', main.pin, `${main.origin}/page.html`]);
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      p.on('close', (status) => resolve({ status, out }));
    });
    expect(get).toEqual({ status: 0, out: '<!doctype html><p>static files still served</p>\n' });
  }, 60_000);

  it('the server-requests role over unidirectional streams: serve --wt-request asks, wt-get --www answers, the server saves and closes', async () => {
    const r = await wtGet(['--pin', uniRequests.pin, '--www', clientWww, '-v', `${uniRequests.origin}/wt1`]);
    expect(r.status, r.err).toBe(0);
    expect(r.err).toMatch(/closed by the server \(code 0: requests done\)/);
    for (const n of ['wt1/x.txt', 'wt1/y.bin']) expect(sha(fs.readFileSync(path.join(tmp, 'server-uni', n))), n).toBe(sha(clientFiles[n]));
    expect(uniRequests.err()).toMatch(/\/wt1: asked for y\.bin: 300000 bytes saved/);
  }, 60_000);

  it('the server-requests role over datagrams', async () => {
    const r = await wtGet(['--pin', dgramRequests.pin, '--www', clientWww, `${dgramRequests.origin}/wt1`]);
    expect(r.status, r.err).toBe(0);
    expect(fs.readFileSync(path.join(tmp, 'server-dgram', 'wt1/x.txt'))).toEqual(clientFiles['wt1/x.txt']);
  }, 60_000);

  it('wrong arguments: one line, exit 2', async () => {
    for (const [args, line] of [
      [['--stream', 'carrier-pigeon', 'https://x/wt/a'], "--stream wants uni, bidi or datagram, got 'carrier-pigeon'"],
      [['https://x/'], "no endpoint in 'https://x/'"],
      [['https://x/a/1', 'https://y/a/2'], 'every URL on one connection: one origin only'],
      [['-o', '-', 'https://x/a/1', 'https://x/a/2'], '-o - takes exactly one file'],
      [['-k', '--pin', 'a'.repeat(64), 'https://x/a/1'], '--insecure verifies nothing'],
    ] as const) {
      const r = await wtGet([...args]);
      expect(r.status).toBe(2);
      expect(r.err.split('\n')[0]).toContain(`h3-wasi wt-get: ${line}`);
    }
  }, 60_000);

  it('-m: a server that never answers times out with exit 28 and that one line (the sessions closed for it add none)', async () => {
    const sink = dgram.createSocket('udp4'); // bound and never read: every Initial vanishes
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
    try {
      const r = await wtGet(['-m', '1', '--pin', 'a'.repeat(64), `https://127.0.0.1:${sink.address().port}/x/a`]);
      expect(r.status).toBe(28);
      expect(r.err.trim().split('\n')).toEqual(['h3-wasi wt-get: timed out after 1 s']);
    } finally {
      sink.close();
    }
  }, 30_000);
});
