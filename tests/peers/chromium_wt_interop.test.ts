// Headless Chromium 156 (tests/helpers/chromium.ts) as the client of the
// WebTransport interop protocol against `h3-wasi serve DIR` as users run it
// (a child process on dist/): the page comes from the same server over
// HTTP/3 (its development certificate trusted by the SPKI hash it prints),
// then opens WebTransport sessions to DIR's endpoint folders with
// serverCertificateHashes (the certificate SHA-256 it prints: ECDSA P-256,
// valid 14 days, as Chromium requires) and fetches files by the protocol
// over bidirectional streams, unidirectional streams (`PUSH <file>\n` replies)
// and datagrams; the page hashes each with crypto.subtle. A session on a
// path that is no endpoint is refused (404) and the page sees it.
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing
// Chromium fails; locally the test skips loudly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import readline from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPeer } from '../helpers/peers.js';
import { chromiumPeer, launchChromium, type ChromiumSession } from '../helpers/chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const chromium = chromiumPeer();

const files: Record<string, Buffer> = {
  'wt1/big.bin': crypto.randomBytes(1 << 20),
  'wt1/small.txt': Buffer.from('small enough for one datagram\n'),
  'wt2/other.txt': Buffer.from('from the second endpoint\n'.repeat(40)),
};
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

let tmp = '';
let server: { proc: ChildProcess; origin: string; spki: string; sha256: string; stderr: () => string; exited: Promise<number | null> } | null = null;
let browser: ChromiumSession | null = null;

beforeAll(async () => {
  if (!chromium.bin) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-chromium-wt-interop-'));
  const dir = path.join(tmp, 'www');
  for (const [n, b] of Object.entries(files)) { fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true }); fs.writeFileSync(path.join(dir, n), b); }
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>wt interop</title><link rel="icon" href="data:,"><p>interop</p>\n');
  const proc = spawn(process.execPath, [path.join(root, 'bin', 'h3-wasi.mjs'), 'serve', dir, '--port', '0', '--no-tcp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const got = await new Promise<{ origin: string; spki: string; sha256: string }>((resolve, reject) => {
    let origin = '', hash = '';
    readline.createInterface({ input: proc.stderr! }).on('line', (line) => {
      err += `${line}\n`;
      origin ||= /on https:\/\/(127\.0\.0\.1:\d+)\//.exec(line)?.[1] ?? '';
      hash ||= /certificate .*SHA-256: ([0-9a-f]{64})/.exec(line)?.[1] ?? '';
      const spki = /SPKI SHA-256 \(base64\): (\S+)/.exec(line)?.[1];
      if (spki && origin && hash) resolve({ origin, spki, sha256: hash });
    });
    void exited.then((code) => reject(new Error(`h3-wasi serve exited (${code}) before printing its certificate: ${err}`)));
  });
  server = { proc, ...got, stderr: () => err, exited };
  browser = await launchChromium({ quic: { origin: got.origin, certPem: [] }, spkiHashes: [got.spki] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (server) {
    server.proc.kill('SIGTERM');
    expect(await server.exited, server.stderr()).toBe(0);
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface PageResult { error?: string; got: Record<string, { kind: string; length: number; sha256: string }>; refused: string }

describeWithPeer(chromium, 'chromium', 'Chromium ↔ h3-wasi serve DIR: the WebTransport interop protocol', () => {
  it('a page from the server fetches files over bidirectional streams, unidirectional streams and datagrams on two sessions; a non-endpoint is refused', async () => {
    const page = await browser!.context.newPage();
    try {
      const res = await page.goto(`https://${server!.origin}/index.html`, { timeout: 15_000 });
      expect(res?.status()).toBe(200);
      const r = await page.evaluate(async ({ origin, hash }) => {
        const enc = new TextEncoder();
        const hex = async (b: Uint8Array) => [...new Uint8Array(await self.crypto.subtle.digest('SHA-256', b))].map((x) => x.toString(16).padStart(2, '0')).join('');
        const join = (parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
        const readAll = async (s: ReadableStream<Uint8Array>) => { const parts: Uint8Array[] = []; const rd = s.getReader(); for (;;) { const { value, done } = await rd.read(); if (done) break; parts.push(value); } return join(parts); };
        const value = new Uint8Array(hash.match(/../g)!.map((h) => parseInt(h, 16)));
        const open = (ep: string) => new WebTransport(`https://${origin}/${ep}`, { serverCertificateHashes: [{ algorithm: 'sha-256', value }] });
        const got: Record<string, { kind: string; length: number; sha256: string }> = {};
        const note = async (key: string, kind: string, b: Uint8Array) => { got[key] = { kind, length: b.length, sha256: await hex(b) }; };

        // bidirectional: GET on the stream, the contents come back on it
        const bidi = async (wt: WebTransport, ep: string, name: string) => {
          const s = await wt.createBidirectionalStream();
          const w = s.writable.getWriter();
          await w.write(enc.encode(`GET ${name}`));
          await w.close();
          await note(`bidi ${ep}/${name}`, 'bidi', await readAll(s.readable));
        };
        // unidirectional: GET on a stream of ours, the reply on one of the server's, `PUSH <name>\n` first
        const uni = async (wt: WebTransport, ep: string, names: string[]) => {
          const incoming = wt.incomingUnidirectionalStreams.getReader();
          await Promise.all(names.map(async (name) => {
            const w = (await wt.createUnidirectionalStream()).getWriter();
            await w.write(enc.encode(`GET ${name}`));
            await w.close();
          }));
          for (let i = 0; i < names.length; i++) {
            const { value: s } = await incoming.read();
            const all = await readAll(s!);
            const nl = all.indexOf(10);
            const head = new TextDecoder().decode(all.subarray(0, nl));
            await note(`uni ${ep}/${head.replace(/^PUSH /, '')}`, head.startsWith('PUSH ') ? 'uni' : `bad head ${head}`, all.subarray(nl + 1));
          }
          incoming.releaseLock();
        };
        // datagrams: GET in one, `PUSH <name>\n` and the contents in one back (retried: datagrams may be lost)
        const dgram = async (wt: WebTransport, ep: string, name: string) => {
          const w = wt.datagrams.writable.getWriter();
          const rd = wt.datagrams.readable.getReader();
          for (let i = 0; i < 10; i++) {
            await w.write(enc.encode(`GET ${name}`));
            const d = await Promise.race([rd.read().then((x) => x.value), new Promise<undefined>((r) => setTimeout(r, 1000))]);
            if (!d) continue;
            const nl = d.indexOf(10);
            const head = new TextDecoder().decode(d.subarray(0, nl));
            if (head !== `PUSH ${name}`) throw new Error(`datagram reply '${head}'`);
            await note(`datagram ${ep}/${name}`, 'datagram', d.subarray(nl + 1));
            break;
          }
          w.releaseLock();
          rd.releaseLock();
        };

        try {
          const [wt1, wt2] = [open('wt1'), open('wt2')];
          await Promise.all([wt1.ready, wt2.ready]);
          await Promise.all([
            bidi(wt1, 'wt1', 'big.bin'),
            bidi(wt2, 'wt2', 'other.txt'),
            uni(wt1, 'wt1', ['big.bin', 'small.txt']),
            dgram(wt1, 'wt1', 'small.txt'),
          ]);
          const refused = await open('nowhere').ready.then(() => 'accepted', (e) => String(e));
          wt1.close({ closeCode: 0, reason: 'done' });
          wt2.close({ closeCode: 0, reason: 'done' });
          return { got, refused };
        } catch (e) {
          return { error: String(e), got, refused: '' };
        }
      }, { origin: server!.origin, hash: server!.sha256 }) as PageResult;
      expect(r.error).toBeUndefined();
      const want = (key: string, kind: string, f: string) => [key, { kind, length: files[f].length, sha256: sha(files[f]) }];
      expect(r.got).toEqual(Object.fromEntries([
        want('bidi wt1/big.bin', 'bidi', 'wt1/big.bin'),
        want('bidi wt2/other.txt', 'bidi', 'wt2/other.txt'),
        want('uni wt1/big.bin', 'uni', 'wt1/big.bin'),
        want('uni wt1/small.txt', 'uni', 'wt1/small.txt'),
        want('datagram wt1/small.txt', 'datagram', 'wt1/small.txt'),
      ]));
      expect(r.refused).toMatch(/WebTransportError/);
    } finally {
      await page.close();
    }
    // the server's side: the page over h3, the sessions accepted and refused, the GETs answered per kind
    const log = server!.stderr();
    expect(log).toMatch(/ h3 GET \/index\.html 200 /);
    for (const line of ['/wt1: GET big.bin (bidi): 1048576 bytes', '/wt1: GET big.bin (uni): 1048576 bytes', '/wt1: GET small.txt (datagram): 30 bytes', '/wt2: GET other.txt (bidi): 1000 bytes']) {
      expect(log).toContain(line);
    }
    for (let i = 0; i < 100 && !/ h3 CONNECT \/wt1 200 /.test(server!.stderr()); i++) await new Promise((w) => setTimeout(w, 20));
    expect(server!.stderr()).toMatch(/ h3 CONNECT \/nowhere 404 /);
    expect(server!.stderr()).toMatch(/ h3 CONNECT \/wt1 200 /);
  }, 90_000);
});
