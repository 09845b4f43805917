// Headless Chromium 156 (tests/helpers/chromium.ts) as the client of OUR
// HTTP/3 server, checked from inside the page:
//  - `h3-wasi serve DIR` as users run it (a child process, its development
//    certificate trusted by the SPKI hash it prints): a page with a CSS, a
//    script, an image, a fetch() of JSON and a 4 MB file whose SHA-256 the
//    page computes (crypto.subtle); every Navigation/Resource Timing entry
//    says nextHopProtocol 'h3'. Then a 20 MB `GET /bytes/N` read by the page
//    with pauses (flow-control back-pressure), every byte checked.
//  - `serve()` in-process running a Hono app's `app.fetch`: a POST from the
//    page through fetch() to an echo route, over h3.
//  - Alt-Svc discovery (RFC 7838) with QUIC forced nowhere: the first load
//    goes over TCP (HTTP/2 on the same port) and sees `alt-svc: h3=":PORT"`,
//    later loads go over h3. What Chromium allows, found here:
//      Chromium does act on the Alt-Svc of an origin whose certificate it
//      accepts through --ignore-certificate-errors-spki-list (the IP literal
//      127.0.0.1 here; a name mapped with --host-resolver-rules="MAP
//      test.example 127.0.0.1" behaved the same when tried by hand), and it
//      opens the QUIC connection, but then fails the handshake with
//      CERTIFICATE_VERIFY_FAILED (TLS alert 46, "certificate unknown"; our
//      server's qlog records it) and stays on HTTP/2: its QUIC certificate
//      check accepts a certificate that does not chain to a known root only
//      for the hosts named in --origin-to-force-quic-on, and the SPKI list
//      does not lift that. Naming the host
//      with another port (`--origin-to-force-quic-on=127.0.0.1:1`, where
//      nothing listens) allows unknown roots for 127.0.0.1 while leaving
//      the origin under test to Alt-Svc: then the switch happens (load 1 on
//      h2 sees Alt-Svc, the next ones are h3). Both browsers are tested.
//    Loads carry a fresh query string: a page from the HTTP cache would
//    report the protocol it was first fetched with.
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing
// Chromium fails; locally the tests skip with a loud warning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import readline from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Hono } from 'hono';
import { serve, type Http3Server } from '../../host/http3/index.js';
import { describeWithPeer } from '../helpers/peers.js';
import { chromiumPeer, launchChromium, type ChromiumSession } from '../helpers/chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const chromium = chromiumPeer();

/** The page's script: loads everything, then leaves its findings in window.__result. */
const APP_JS = `
async function main() {
  const img = document.querySelector('img');
  await img.decode();
  const data = await (await fetch('data.json')).json();
  const big = await (await fetch('big.bin')).arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', big));
  const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
  window.__result = {
    color: getComputedStyle(document.querySelector('p')).color,
    imageWidth: img.naturalWidth,
    data,
    bigLength: big.byteLength,
    bigSha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
    entries: entries.map((e) => ({ name: e.name, type: e.entryType, initiator: e.initiatorType ?? '', protocol: e.nextHopProtocol, status: e.responseStatus })),
  };
}
main().catch((e) => { window.__result = { error: String(e) }; });
`;

const INDEX_HTML = `<!doctype html>
<meta charset="utf-8"><title>h3-wasi</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="style.css">
<p>served by h3-wasi over HTTP/3</p>
<img src="pixel.png" alt="">
<script src="app.js"></script>
`;
// a 1×1 PNG
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let tmp = '';
let big: Buffer;
let cli: { proc: ChildProcess; origin: string; spki: string; stderr: () => string; exited: Promise<number | null> } | null = null;
let hono: Http3Server | null = null;
const honoLog: { protocol: string; path: string; status: number }[] = [];
let altSvc: Http3Server | null = null;
const altSvcLog: typeof honoLog = [];
/** Forced onto QUIC for the CLI and Hono origins. */
let browser: ChromiumSession | null = null;
/** QUIC forced nowhere; the Hono server's certificate trusted by SPKI hash. */
let plain: ChromiumSession | null = null;

/** `h3-wasi serve DIR --port 0`: resolves once it printed its URL and SPKI hash. */
async function startCli(dir: string, qlogDir: string): Promise<NonNullable<typeof cli>> {
  const proc = spawn(process.execPath, [path.join(root, 'bin', 'h3-wasi.mjs'), 'serve', dir, '--port', '0', '--qlog-dir', qlogDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const lines = readline.createInterface({ input: proc.stderr! });
  const ready = new Promise<{ origin: string; spki: string }>((resolve, reject) => {
    let origin = '';
    lines.on('line', (line) => {
      err += `${line}\n`;
      origin ||= /on https:\/\/(127\.0\.0\.1:\d+)\//.exec(line)?.[1] ?? '';
      const spki = /SPKI SHA-256 \(base64\): (\S+)/.exec(line)?.[1];
      if (spki && origin) resolve({ origin, spki });
    });
    void exited.then((code) => reject(new Error(`h3-wasi serve exited (${code}) before printing its certificate: ${err}`)));
  });
  const r = await ready;
  return { proc, ...r, stderr: () => err, exited };
}

beforeAll(async () => {
  if (!chromium.bin) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-chromium-serve-'));
  const site = path.join(tmp, 'site');
  fs.mkdirSync(site);
  big = crypto.randomBytes(4 << 20);
  fs.writeFileSync(path.join(site, 'index.html'), INDEX_HTML);
  fs.writeFileSync(path.join(site, 'style.css'), 'p { color: rgb(1, 2, 3); }\n');
  fs.writeFileSync(path.join(site, 'app.js'), APP_JS);
  fs.writeFileSync(path.join(site, 'pixel.png'), PIXEL);
  fs.writeFileSync(path.join(site, 'data.json'), JSON.stringify({ answer: 42, via: 'h3-wasi' }));
  fs.writeFileSync(path.join(site, 'big.bin'), big);
  cli = await startCli(site, path.join(tmp, 'qlog-cli'));

  const app = new Hono();
  app.get('/', (c) => c.html(`<!doctype html><title>hono</title><link rel="icon" href="data:,"><p>hono ${c.req.query('load') ?? ''}</p>`));
  app.post('/echo', async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    return c.body(body, 200, { 'content-type': c.req.header('content-type') ?? 'application/octet-stream', 'x-received-bytes': String(body.length) });
  });
  // a dev certificate (serve() generates it), HTTP/2 on the same port for Alt-Svc
  hono = await serve({
    port: 0, qlogDir: path.join(tmp, 'qlog-hono'),
    accessLog: (r) => { honoLog.push({ protocol: r.protocol, path: r.path, status: r.status }); },
  }, app.fetch);
  // the same app again, for Alt-Svc discovery in `browser`: its origin is not forced onto QUIC
  altSvc = await serve({ port: 0, accessLog: (r) => { altSvcLog.push({ protocol: r.protocol, path: r.path, status: r.status }); } }, app.fetch);
  [browser, plain] = await Promise.all([
    launchChromium({ quic: { origin: [cli.origin, `127.0.0.1:${hono.port}`], certPem: [hono.certPem, altSvc.certPem] }, spkiHashes: [cli.spki] }),
    launchChromium({ trust: [hono.certPem] }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([browser?.close(), plain?.close()]);
  await Promise.all([hono?.shutdown({ timeoutMs: 500 }), altSvc?.shutdown({ timeoutMs: 500 })]);
  if (cli) {
    cli.proc.kill('SIGTERM');
    const code = await cli.exited;
    expect(code, cli.stderr()).toBe(0);
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface PageResult {
  error?: string; color: string; imageWidth: number; data: unknown; bigLength: number; bigSha256: string;
  entries: { name: string; type: string; initiator: string; protocol: string; status: number }[];
}

describeWithPeer(chromium, 'chromium', 'Chromium ↔ our HTTP/3 server', () => {
  it('h3-wasi serve: a page and its CSS, script, image, fetch()ed JSON and 4 MB file all over h3, content right', async () => {
    const page = await browser!.context.newPage();
    try {
      const res = await page.goto(`https://${cli!.origin}/index.html`, { timeout: 15_000 });
      expect(res?.status()).toBe(200);
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 20_000 });
      const r = await page.evaluate(() => (window as unknown as { __result: PageResult }).__result);
      expect(r.error).toBeUndefined();
      expect(r).toMatchObject({ color: 'rgb(1, 2, 3)', imageWidth: 1, data: { answer: 42, via: 'h3-wasi' }, bigLength: big.length });
      expect(r.bigSha256).toBe(crypto.createHash('sha256').update(big).digest('hex'));
      const names = r.entries.map((e) => new URL(e.name).pathname).sort();
      expect(names).toEqual(['/app.js', '/big.bin', '/data.json', '/index.html', '/pixel.png', '/style.css']);
      for (const e of r.entries) expect(e, e.name).toMatchObject({ protocol: 'h3', status: 200 });
    } finally {
      await page.close();
    }
    // the server's side of it: one access-log line per request, all h3
    for (const p of ['/index.html', '/style.css', '/app.js', '/pixel.png', '/data.json', '/big.bin']) {
      expect(cli!.stderr()).toMatch(new RegExp(` h3 GET ${p.replace('.', '\\.')} 200 `));
    }
  }, 60_000);

  it('h3-wasi serve: a 20 MB streamed response read by the page with pauses (back-pressure), every byte right', async () => {
    const N = 20_000_000;
    const page = await browser!.context.newPage();
    try {
      await page.goto(`https://${cli!.origin}/data.json`, { timeout: 15_000 });
      const r = await page.evaluate(async (n) => {
        const res = await fetch(`/bytes/${n}`);
        const reader = res.body!.getReader();
        let count = 0, bad = -1, chunks = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // GET /bytes/N: byte i is i mod 256
          for (let i = 0; i < value.length && bad < 0; i++) if (value[i] !== ((count + i) & 255)) bad = count + i;
          count += value.length;
          // stop reading now and then: the server must wait (QUIC flow control), not buffer or fail
          if (++chunks % 200 === 1) await new Promise((w) => setTimeout(w, 300));
        }
        // the entry is queued once the body has ended: wait for it
        let e: PerformanceResourceTiming | undefined;
        for (let i = 0; i < 50 && !e; i++) {
          e = performance.getEntriesByType('resource').find((x) => x.name.endsWith(`/bytes/${n}`)) as PerformanceResourceTiming | undefined;
          if (!e) await new Promise((w) => setTimeout(w, 20));
        }
        return { status: res.status, count, bad, chunks, protocol: e?.nextHopProtocol };
      }, N);
      expect(r).toMatchObject({ status: 200, count: N, bad: -1, protocol: 'h3' });
    } finally {
      await page.close();
    }
    expect(cli!.stderr()).toMatch(new RegExp(` h3 GET /bytes/${N} 200 ${N} `));
  }, 60_000);

  it('serve() with a Hono app: a POST from the page through fetch() to an echo route, over h3', async () => {
    const page = await browser!.context.newPage();
    try {
      await page.goto(`https://127.0.0.1:${hono!.port}/?load=post`, { timeout: 15_000 });
      const r = await page.evaluate(async () => {
        const sent = new Uint8Array(300_000);
        for (let i = 0; i < sent.length; i++) sent[i] = (i * 7 + 3) & 255;
        const res = await fetch('/echo', { method: 'POST', body: sent, headers: { 'content-type': 'application/x-test' } });
        const got = new Uint8Array(await res.arrayBuffer());
        const same = got.length === sent.length && got.every((b, i) => b === sent[i]);
        const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
        return { status: res.status, type: res.headers.get('content-type'), received: res.headers.get('x-received-bytes'), same, protocols: entries.map((e) => e.nextHopProtocol) };
      });
      expect(r).toEqual({ status: 200, type: 'application/x-test', received: '300000', same: true, protocols: ['h3', 'h3'] });
    } finally {
      await page.close();
    }
    expect(honoLog).toContainEqual({ protocol: 'h3', path: '/echo', status: 200 });
  }, 60_000);

  it('Alt-Svc: the first load goes over HTTP/2 and sees alt-svc h3=":PORT"; the switch to h3 needs the host allowed unknown roots', async () => {
    const load = async (s: ChromiumSession, port: number, tag: string) => {
      const page = await s.context.newPage();
      try {
        await page.goto(`https://127.0.0.1:${port}/?load=${tag}`, { timeout: 15_000 });
        return await page.evaluate(async () => {
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          // same-origin fetch: every response header is visible, alt-svc too (no-store: not from the cache)
          const res = await fetch(`/?probe=${Math.random()}`, { cache: 'no-store' });
          return { protocol: nav.nextHopProtocol, altSvc: res.headers.get('alt-svc') };
        });
      } finally {
        await page.close();
      }
    };
    const pause = (ms: number) => new Promise((w) => setTimeout(w, ms));
    const qlogDir = path.join(tmp, 'qlog-hono');
    const refused = () => (fs.existsSync(qlogDir) ? fs.readdirSync(qlogDir) : []).map((f) => fs.readFileSync(path.join(qlogDir, f), 'utf8'))
      .filter((t) => t.includes('CERTIFICATE_VERIFY_FAILED')).length;

    // (a) the Hono server's certificate trusted by its SPKI hash only: Alt-Svc seen, QUIC tried and refused by
    // Chromium's own certificate check, every load stays on HTTP/2
    const refusedBefore = refused();
    const a: { protocol: string; altSvc: string | null }[] = [];
    for (let i = 0; i < 3; i++) { a.push(await load(plain!, hono!.port, `a${i}`)); await pause(300); }
    expect(a[0]).toEqual({ protocol: 'h2', altSvc: `h3=":${hono!.port}"; ma=86400` });
    expect(a.map((x) => x.protocol)).toEqual(['h2', 'h2', 'h2']);
    for (let i = 0; i < 20 && refused() === refusedBefore; i++) await pause(100);
    expect(refused(), 'our server saw Chromium end the Alt-Svc QUIC handshake with CERTIFICATE_VERIFY_FAILED').toBeGreaterThan(refusedBefore);

    // (b) the main browser, where 127.0.0.1 is named in --origin-to-force-quic-on (other ports): the altSvc
    // server's origin is not forced; its first load on HTTP/2 learns the alternative, a later one is on h3
    const b: string[] = [];
    for (let i = 0; i < 5 && !b.includes('h3'); i++) {
      const r = await load(browser!, altSvc!.port, `b${i}`);
      if (i === 0) expect(r).toEqual({ protocol: 'h2', altSvc: `h3=":${altSvc!.port}"; ma=86400` });
      b.push(r.protocol);
      await pause(300);
    }
    expect(b[0]).toBe('h2');
    expect(b.at(-1)).toBe('h3');
    expect(altSvcLog.filter((e) => e.path.startsWith('/?load=b')).map((e) => e.protocol)).toEqual(b);
  }, 60_000);
});
