// WebTransport: h3-wasi's serve({ webtransport }) next to a `ws` WebSocket
// echo over TLS (wss, the same dev certificate) on the same machine, in one
// run, for two clients:
//  - Node: h3-wasi/webtransport's `WebTransport` vs the `ws` client;
//  - Chromium (headless /usr/bin/chromium via playwright-core, never a
//    download): the browser's `WebTransport` (serverCertificateHashes) vs
//    the browser's `WebSocket` to wss:// (the dev certificate trusted by
//    --ignore-certificate-errors-spki-list, which covers TLS over TCP too).
// Both servers run in one child process (`node bench/webtransport.bench.mjs
// serve`), echoing everything: WebTransport bidirectional streams (pipeTo)
// and datagrams; WebSocket messages.
// The workloads are ONE set of functions (clientLib below) that uses web
// APIs only; Node runs it with our WebTransport and `ws`, the page runs its
// source text with the browser's classes; timing is performance.now() on
// the client's side (the page's for Chromium, where a page that is not
// cross-origin isolated gets it in 0.1 ms steps: the Chromium RTTs are that
// coarse). Measured, each run:
//  1. round trips of WT_BENCH_PINGS (default 1,000) messages of
//     WT_BENCH_DATAGRAM_SIZE (default 64) bytes, one at a time: WebTransport
//     datagrams vs WebSocket messages; median and p99 RTT (ms). A datagram
//     not back within 1 s counts as lost (reported; over 10% fails the run);
//  2. WT_BENCH_BYTES (default 16 MB) echoed through one bidirectional stream
//     vs one WebSocket (64 KiB writes / messages), MB/s of the payload from
//     the first write to the last byte back;
//  3. WT_BENCH_MESSAGES (default 10,000) messages of WT_BENCH_MESSAGE_SIZE
//     (default 100) bytes each way: WebTransport length-prefixed (2-byte
//     length) on one bidirectional stream vs WebSocket messages, all sent
//     at once and echoed, messages/s from the first send to the last echo.
// Every transfer is checked (each echo's bytes against what was sent; the
// stream echo by SHA-256); a failed check fails the bench, so a broken run
// cannot print a fast number. 20 pings warm each channel up, untimed.
// Medians of WT_BENCH_RUNS (default BENCH_RUNS, else 5) runs, the four
// client × protocol pairs interleaved within each run.
// Knobs: WT_BENCH_RUNS, WT_BENCH_PINGS, WT_BENCH_DATAGRAM_SIZE,
// WT_BENCH_BYTES, WT_BENCH_MESSAGES, WT_BENCH_MESSAGE_SIZE,
// WT_BENCH_CLIENTS=node,chromium (Chromium is skipped with a note when
// /usr/bin/chromium is missing). The last line is `checked: N transfers`
// (tests/webtransport/bench.test.ts reads it).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, table, ratio } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const num = (name, dflt) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v <= 0) { console.error(`${name} must be a positive integer, got ${process.env[name]}`); process.exit(2); }
  return v;
};
const RUNS = num('WT_BENCH_RUNS', process.env.BENCH_RUNS ?? 5);
const PINGS = num('WT_BENCH_PINGS', 1000);
const DGRAM = num('WT_BENCH_DATAGRAM_SIZE', 64);
const BYTES = num('WT_BENCH_BYTES', 16 << 20);
const MESSAGES = num('WT_BENCH_MESSAGES', 10_000);
const MSG_SIZE = num('WT_BENCH_MESSAGE_SIZE', 100);
const CLIENTS = new Set((process.env.WT_BENCH_CLIENTS ?? 'node,chromium').split(','));
const CHROMIUM = '/usr/bin/chromium';
const CHUNK = 65536;

// ---------------------------------------------------------------------------
// The workloads: web APIs only (run in Node and, as source text, in the page).

function clientLib({ WebTransport, openWebSocket }) {
  const now = () => performance.now();
  const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
  const sha = async (b) => hex(await crypto.subtle.digest('SHA-256', b));
  const random = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536))); return b; };
  const equal = (a, b) => { if (a.length !== b.length) return false; for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; };
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const pct = (s, p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];

  /** A queue of received messages with a timed wait. */
  function inbox() {
    const q = []; let head = 0; let wake = null; let failed = null;
    return {
      push(m) { q.push(m); if (wake) { const w = wake; wake = null; w(); } },
      fail(e) { failed = e; if (wake) { const w = wake; wake = null; w(); } },
      async next(timeoutMs) {
        const end = now() + timeoutMs;
        while (head === q.length) {
          if (failed) throw failed;
          const left = end - now();
          if (left <= 0) return null;
          await new Promise((r) => { wake = r; setTimeout(r, left); });
        }
        const m = q[head]; q[head++] = undefined; return m;
      },
    };
  }

  async function openWt(url, hash) {
    const wt = new WebTransport(url, { serverCertificateHashes: [{ algorithm: 'sha-256', value: new Uint8Array(hash) }] });
    await wt.ready;
    return wt;
  }
  async function openWs(url) {
    const ws = openWebSocket(url);
    ws.binaryType = 'arraybuffer';
    const box = inbox();
    ws.onmessage = (e) => box.push(new Uint8Array(e.data));
    await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error(`WebSocket to ${url} failed`)); });
    ws.onclose = () => box.fail(new Error('the WebSocket closed'));
    return { ws, box };
  }

  /** Sequential round trips of `size`-byte messages (sequence number first) over send/box. */
  async function pingPong(send, box, count, size) {
    const rtts = []; let lost = 0;
    const base = random(size);
    for (let i = -20; i < count; i++) { // 20 untimed warm-up pings
      const m = base.slice();
      new DataView(m.buffer).setInt32(0, i);
      const t0 = now();
      await send(m);
      for (;;) {
        const back = await box.next(1000);
        if (back === null) { lost++; break; } // a datagram lost: counted, not timed
        if (back.length < 4 || new DataView(back.buffer, back.byteOffset).getInt32(0) !== i) continue; // a late one
        if (!equal(back, m)) throw new Error(`ping ${i}: the echo differs from what was sent`);
        if (i >= 0) rtts.push(now() - t0);
        break;
      }
    }
    if (lost > count / 10) throw new Error(`${lost} of ${count + 20} pings lost`);
    const s = sorted(rtts);
    return { median: pct(s, 0.5), p99: pct(s, 0.99), lost, n: rtts.length };
  }

  async function wtPing(url, hash, count, size) {
    const wt = await openWt(url, hash);
    const box = inbox();
    const reader = wt.datagrams.readable.getReader();
    (async () => { for (;;) { const { value, done } = await reader.read(); if (done) return; box.push(value); } })().catch((e) => box.fail(e));
    const writer = wt.datagrams.writable.getWriter();
    try {
      return await pingPong((m) => writer.write(m), box, count, size);
    } finally { wt.close(); }
  }
  async function wsPing(url, count, size) {
    const { ws, box } = await openWs(url);
    try { return await pingPong((m) => ws.send(m), box, count, size); } finally { ws.close(); }
  }

  /** Writes `chunks` to a WritableStream writer, honouring its back-pressure. */
  async function writeAll(writer, chunks, close) {
    for (const c of chunks) { if (writer.desiredSize !== null && writer.desiredSize <= 0) await writer.ready; writer.write(c).catch(() => {}); }
    if (close) await writer.close(); else await writer.ready;
  }
  const chunksOf = (b, n) => { const out = []; for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, Math.min(b.length, i + n))); return out; };

  /** `bytes` echoed through one bidirectional stream. */
  async function wtBulk(url, hash, bytes) {
    const wt = await openWt(url, hash);
    try {
      const payload = random(bytes);
      const s = await wt.createBidirectionalStream();
      const got = new Uint8Array(bytes); let n = 0;
      const t0 = now();
      const reading = (async () => {
        const r = s.readable.getReader();
        for (;;) { const { value, done } = await r.read(); if (done) break; if (n + value.length > bytes) throw new Error('the echo is longer than what was sent'); got.set(value, n); n += value.length; }
      })();
      await Promise.all([writeAll(s.writable.getWriter(), chunksOf(payload, 65536), true), reading]);
      const ms = now() - t0;
      if (n !== bytes || await sha(got) !== await sha(payload)) throw new Error(`stream echo: ${n} of ${bytes} bytes, SHA-256 ${n === bytes ? 'differs' : 'not compared'}`);
      return { ms };
    } finally { wt.close(); }
  }
  async function wsBulk(url, bytes) {
    const { ws, box } = await openWs(url);
    try {
      const payload = random(bytes);
      const got = new Uint8Array(bytes); let n = 0;
      const t0 = now();
      for (const c of chunksOf(payload, 65536)) ws.send(c);
      while (n < bytes) {
        const m = await box.next(30_000);
        if (m === null) throw new Error(`WebSocket echo stalled at ${n} of ${bytes} bytes`);
        if (n + m.length > bytes) throw new Error('the echo is longer than what was sent');
        got.set(m, n); n += m.length;
      }
      const ms = now() - t0;
      if (await sha(got) !== await sha(payload)) throw new Error('WebSocket echo: SHA-256 differs');
      return { ms };
    } finally { ws.close(); }
  }

  /** `count` messages of `size` bytes each way: length-prefixed (u16) on one bidirectional stream. */
  async function wtMessages(url, hash, count, size) {
    const wt = await openWt(url, hash);
    try {
      const payload = random(count * size);
      const frames = [];
      for (let i = 0; i < count; i++) {
        const f = new Uint8Array(2 + size);
        new DataView(f.buffer).setUint16(0, size);
        f.set(payload.subarray(i * size, (i + 1) * size), 2);
        frames.push(f);
      }
      const s = await wt.createBidirectionalStream();
      const got = new Uint8Array(count * size); let msgs = 0, filled = 0;
      const t0 = now();
      const reading = (async () => {
        const r = s.readable.getReader();
        let pend = new Uint8Array(0);
        while (msgs < count) {
          const { value, done } = await r.read();
          if (done) throw new Error(`the stream ended after ${msgs} of ${count} messages`);
          let buf = pend.length ? (() => { const b = new Uint8Array(pend.length + value.length); b.set(pend); b.set(value, pend.length); return b; })() : value;
          let off = 0;
          while (buf.length - off >= 2) {
            const len = (buf[off] << 8) | buf[off + 1];
            if (buf.length - off < 2 + len) break;
            if (len !== size || filled + len > got.length) throw new Error(`message ${msgs}: length ${len}, not ${size}`);
            got.set(buf.subarray(off + 2, off + 2 + len), filled); filled += len; msgs++;
            off += 2 + len;
          }
          pend = buf.slice(off);
        }
      })();
      const w = s.writable.getWriter();
      await Promise.all([writeAll(w, frames, false), reading]);
      const ms = now() - t0;
      await w.close();
      if (!equal(got, payload)) throw new Error('stream messages: the echoes differ from what was sent');
      return { ms };
    } finally { wt.close(); }
  }
  async function wsMessages(url, count, size) {
    const { ws, box } = await openWs(url);
    try {
      const payload = random(count * size);
      const got = new Uint8Array(count * size);
      const t0 = now();
      for (let i = 0; i < count; i++) ws.send(payload.subarray(i * size, (i + 1) * size));
      for (let i = 0; i < count; i++) {
        const m = await box.next(30_000);
        if (m === null) throw new Error(`WebSocket messages stalled at ${i} of ${count}`);
        if (m.length !== size) throw new Error(`message ${i}: ${m.length} bytes, not ${size}`);
        got.set(m, i * size);
      }
      const ms = now() - t0;
      if (!equal(got, payload)) throw new Error('WebSocket messages: the echoes differ from what was sent');
      return { ms };
    } finally { ws.close(); }
  }

  return { wtPing, wsPing, wtBulk, wsBulk, wtMessages, wsMessages };
}

// ---------------------------------------------------------------------------
// The servers (child process): our serve() with an echoing webtransport hook, and ws over https.

async function servers() {
  const { serve, createDevCert } = await import(path.join(root, 'dist/host/http3/index.js'));
  const { WebSocketServer } = await import('ws');
  const cert = createDevCert();
  const echo = async (wt) => {
    await wt.ready;
    const streams = (async () => {
      const r = wt.incomingBidirectionalStreams.getReader();
      for (;;) { const { value, done } = await r.read(); if (done) return; value.readable.pipeTo(value.writable).catch(() => {}); }
    })();
    const dgrams = (async () => {
      const r = wt.datagrams.readable.getReader(), w = wt.datagrams.writable.getWriter();
      for (;;) { const { value, done } = await r.read(); if (done) return; await w.write(value); }
    })();
    await Promise.allSettled([streams, dgrams]);
  };
  const server = await serve({
    port: 0, hostname: '127.0.0.1', tcp: false, cert: cert.cert, key: cert.key,
    webtransport: (wt) => { void echo(wt).catch(() => {}); },
  }, () => new Response('WebTransport only', { status: 404 }));
  const tls = https.createServer({ cert: cert.cert, key: cert.key });
  const wss = new WebSocketServer({ server: tls, maxPayload: 1 << 20 });
  wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
  await new Promise((r) => tls.listen(0, '127.0.0.1', r));
  process.stdout.write(JSON.stringify({ wtPort: server.port, wsPort: tls.address().port, sha256: [...cert.sha256], spki: cert.spkiSha256Base64, certPem: cert.cert }) + '\n');
  process.once('SIGTERM', () => process.exit(0));
}

// ---------------------------------------------------------------------------

let child;
process.on('exit', () => child?.kill('SIGKILL'));

async function startServers() {
  child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', (code) => reject(new Error(`the bench servers exited (${code})`)));
  });
}

/** Node's client: our WebTransport, and ws trusting the dev certificate. */
async function nodeClient(srv) {
  const { WebTransport } = await import(path.join(root, 'dist/host/webtransport/index.js'));
  const { WebSocket } = await import('ws');
  const lib = clientLib({ WebTransport, openWebSocket: (url) => new WebSocket(url, { ca: srv.certPem }) });
  return { call: (name, ...args) => lib[name](...args), close: async () => {} };
}

/** Chromium's client: the same functions in a page (plain HTTP on 127.0.0.1: a secure context). */
async function chromiumClient(srv) {
  const { chromium } = await import('playwright-core');
  const html = `<!doctype html><title>wt bench</title><script>window.lib = (${clientLib.toString()})({ WebTransport, openWebSocket: (u) => new WebSocket(u) });</script>`;
  const pageServer = http.createServer((_q, r) => { r.setHeader('content-type', 'text/html'); r.end(html); });
  await new Promise((r) => pageServer.listen(0, '127.0.0.1', r));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-bench-chromium-'));
  // the flags of tests/helpers/chromium.ts (BASE_ARGS), with the dev certificate trusted for wss://
  const browser = await chromium.launch({
    executablePath: CHROMIUM, ignoreDefaultArgs: true, timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', `--user-data-dir=${dir}`, `--ignore-certificate-errors-spki-list=${srv.spki}`, '--remote-debugging-pipe'],
  });
  const context = browser.contexts()[0] ?? await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${pageServer.address().port}/`);
  return {
    call: (name, ...args) => page.evaluate(([n, a]) => window.lib[n](...a), [name, args]).catch((e) => { throw new Error(`chromium ${name}: ${e.message.split('\n')[0]}`); }),
    close: async () => { await browser.close().catch(() => {}); pageServer.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

async function main() {
  const srv = await startServers();
  const wtUrl = `https://127.0.0.1:${srv.wtPort}/echo`, wsUrl = `wss://127.0.0.1:${srv.wsPort}/`;
  const clients = [];
  if (CLIENTS.has('node')) clients.push({ name: 'Node', ...(await nodeClient(srv)) });
  if (CLIENTS.has('chromium')) {
    if (fs.existsSync(CHROMIUM)) clients.push({ name: 'Chromium', ...(await chromiumClient(srv)) });
    else console.log(`(no ${CHROMIUM}: the Chromium rows are skipped; build/setup.sh installs it)`);
  }
  let checked = 0, lost = { wt: 0, pings: 0 };
  const results = clients.map(() => ({ wtRtt: [], wtP99: [], wsRtt: [], wsP99: [], wtBulk: [], wsBulk: [], wtMsg: [], wsMsg: [] }));
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [i, c] of clients.entries()) {
        const r = results[i];
        const wp = await c.call('wtPing', wtUrl, srv.sha256, PINGS, DGRAM); checked++;
        const sp = await c.call('wsPing', wsUrl, PINGS, DGRAM); checked++;
        r.wtRtt.push(wp.median); r.wtP99.push(wp.p99); r.wsRtt.push(sp.median); r.wsP99.push(sp.p99);
        lost.wt += wp.lost; lost.pings += PINGS + 20;
        r.wtBulk.push(BYTES / 1e6 / ((await c.call('wtBulk', wtUrl, srv.sha256, BYTES)).ms / 1000)); checked++;
        r.wsBulk.push(BYTES / 1e6 / ((await c.call('wsBulk', wsUrl, BYTES)).ms / 1000)); checked++;
        r.wtMsg.push(MESSAGES / ((await c.call('wtMessages', wtUrl, srv.sha256, MESSAGES, MSG_SIZE)).ms / 1000)); checked++;
        r.wsMsg.push(MESSAGES / ((await c.call('wsMessages', wsUrl, MESSAGES, MSG_SIZE)).ms / 1000)); checked++;
      }
    }
  } finally {
    for (const c of clients) await c.close();
    child.kill('SIGTERM');
  }
  const rows = [];
  for (const [i, c] of clients.entries()) {
    const r = results[i];
    const row = (what, a, b, digits, lowerBetter) => {
      const [x, y] = [median(a), median(b)];
      rows.push([`${c.name}: ${what}`, x.toFixed(digits), y.toFixed(digits), lowerBetter ? `${ratio(x, y)} (lower is better)` : ratio(x, y)]);
    };
    row(`${DGRAM} B round trip, median (ms)`, r.wtRtt, r.wsRtt, 3, true);
    row(`${DGRAM} B round trip, p99 (ms)`, r.wtP99, r.wsP99, 3, true);
    row(`${+(BYTES / 1e6).toFixed(2)} MB echoed, one stream (MB/s)`, r.wtBulk, r.wsBulk, 1, false);
    row(`${MESSAGES} × ${MSG_SIZE} B each way (msg/s)`, r.wtMsg, r.wsMsg, 0, false);
  }
  table(`WebTransport (h3-wasi serve(), datagrams / one bidirectional stream, length-prefixed messages) vs WebSocket (ws over TLS, the same certificate), 127.0.0.1, medians of ${RUNS} runs; ratio = WebTransport / WebSocket`,
    ['client: measure', 'WebTransport', 'WebSocket', 'ratio'], rows);
  console.log(`\ndatagrams lost in the round trips: ${lost.wt} of ${lost.pings}`);
  console.log(`checked: ${checked} transfers (every echo against what was sent; stream echoes by SHA-256)`);
  process.exit(0);
}

if (process.argv[2] === 'serve') await servers();
else await main();
