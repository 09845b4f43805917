// Smoke test of dist/realtime-client.js in a real browser: headless Chromium
// (tests/helpers/chromium.ts: /usr/bin/chromium through playwright-core)
// loads a page from a tiny in-test server on 127.0.0.1 (a secure context, so
// Chromium has WebTransport) and runs TransportManager against a `ws`
// WebSocket endpoint that speaks the hub side of docs/realtime-protocol.md
// minimally (hello/welcome, msg → ack, chat echoed as deliver, ping/pong).
// WebTransport points at a UDP port nobody serves, so the manager must fall
// back to WebSocket within fallbackTimeoutMs, tell the hub, cache the choice,
// send and receive — and a second manager in the page goes straight to
// WebSocket from the cache. Peer-missing rule: tests/helpers/peers.ts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import dgram from 'node:dgram';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { describeWithPeer } from '../helpers/peers.js';
import { chromiumPeer, launchChromium, type ChromiumSession } from '../helpers/chromium.js';
import { decodeText, encodeText, type Frame, type MsgFrame } from '../../host/realtime/protocol.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundle = path.join(root, 'dist', 'realtime-client.js');
const chromium = chromiumPeer();

/**
 * The page: loads the bundle as a module, as the demo page does, and offers
 * `smoke(config)`: two TransportManagers in turn, each connecting, sending a
 * chat and waiting for its echo, with the transport indicator kept up to date.
 * (Written as page text: vitest would rewrite an import() inside page.evaluate.)
 */
const PAGE = `<!doctype html><title>client smoke</title>
<div id="transport-indicator"></div>
<script type="module">
import { TransportManager } from '/realtime-client.js';
const indicator = document.getElementById('transport-indicator');
async function run({ wtUrl, wsUrl }) {
  const tm = new TransportManager({ wtUrl, wsUrl, token: 'tok', fallbackTimeoutMs: 3000 });
  const events = [];
  const got = [];
  tm.on('fallback', (f) => events.push('fallback: ' + f.reason));
  tm.on('transport', (t) => {
    indicator.dataset.transport = t ?? '';
    indicator.textContent = t ?? 'offline';
    events.push('transport: ' + t);
  });
  tm.on('message', (m) => got.push(m));
  const t0 = performance.now();
  await tm.connect();
  const connectMs = performance.now() - t0;
  await tm.send('chat', { room: 'lobby', body: { text: 'hello from the page' } });
  for (let i = 0; i < 250 && got.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
  const out = { transport: tm.transport, connectMs, events, got, indicator: indicator.dataset.transport, metrics: tm.metrics() };
  tm.close();
  return out;
}
window.smoke = async (cfg) => {
  const hasWebTransport = typeof globalThis.WebTransport === 'function';
  const first = await run(cfg);
  const cached = localStorage.getItem('h3-wasi:realtime:transport');
  const second = await run(cfg);
  return { hasWebTransport, first, cached, second };
};
</script>`;

interface Run { transport: string | null; connectMs: number; events: string[]; got: unknown[]; indicator: string; metrics: Record<string, unknown> }
interface Smoke { hasWebTransport: boolean; first: Run; cached: string | null; second: Run }

let server: http.Server;
let wss: WebSocketServer;
let browser: ChromiumSession | undefined;
let origin = '';
let deadUdpPort = 0;
/** What the hub side saw: the tokens of upgrades and the messages it accepted. */
const seen = { tokens: [] as string[], msgs: [] as MsgFrame[] };

beforeAll(async () => {
  if (!chromium.bin) return;
  server = http.createServer((req, res) => {
    if (req.url === '/realtime-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(bundle));
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  wss = new WebSocketServer({ server, path: '/realtime' });
  const clients = new Map<string, { accepted: number; delivered: number }>();
  wss.on('connection', (ws, req) => {
    seen.tokens.push(new URL(req.url!, 'http://x').searchParams.get('token') ?? '');
    const send = (f: Frame) => ws.send(encodeText(f));
    let c = { accepted: 0, delivered: 0 };
    ws.on('message', (data, isBinary) => {
      const f = decodeText(isBinary ? new Uint8Array(data as Buffer) : String(data));
      if (f.t === 'hello') {
        if (!clients.has(f.clientId)) clients.set(f.clientId, { accepted: 0, delivered: 0 });
        c = clients.get(f.clientId)!;
        send({ t: 'welcome', userId: 'u1', connectionId: `c${seen.tokens.length}`, lastSeq: c.accepted });
      } else if (f.t === 'ping') send({ t: 'pong', ts: f.ts });
      else if (f.t === 'msg') {
        if (f.seq === c.accepted + 1) {
          c.accepted = f.seq;
          seen.msgs.push(f);
          if (f.type === 'chat') send({ t: 'deliver', seq: ++c.delivered, from: 'u1', type: 'chat', room: f.room, body: f.body, ts: Date.now() });
        }
        send({ t: 'ack', seq: c.accepted });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a UDP port that was free a moment ago: nothing answers QUIC there
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  deadUdpPort = sock.address().port;
  await new Promise<void>((r) => sock.close(() => r()));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  wss?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

describeWithPeer(chromium, 'chromium', 'TransportManager in headless Chromium', () => {
  it('WebTransport failing → WebSocket within the timeout; send, receive, the indicator; the cache skips WebTransport next time', async () => {
    const page = await browser!.context.newPage();
    try {
      await page.goto(`http://${origin}/`, { timeout: 15_000 });
      await page.waitForFunction(() => typeof (window as { smoke?: unknown }).smoke === 'function', undefined, { timeout: 15_000 });
      const r = await page.evaluate((cfg) => (window as unknown as { smoke: (c: unknown) => Promise<Smoke> }).smoke(cfg),
        { wtUrl: `https://127.0.0.1:${deadUdpPort}/realtime`, wsUrl: `ws://${origin}/realtime` });

      console.log(`fallback to websocket in ${r.first.connectMs.toFixed(0)} ms (${r.first.events[0]}); from the cache in ${r.second.connectMs.toFixed(0)} ms`);
      expect(r.hasWebTransport).toBe(true); // Chromium has it: the fallback below is the failure path, not feature detection
      expect(r.first.transport).toBe('websocket');
      expect(r.first.indicator).toBe('websocket');
      expect(r.first.events[0]).toMatch(/^fallback: /);
      expect(r.first.events).toContain('transport: websocket');
      expect(r.first.connectMs).toBeLessThan(3000 + 2000); // the timeout, plus a loaded machine's WebSocket connect
      expect(r.first.got).toEqual([expect.objectContaining({ t: 'deliver', seq: 1, type: 'chat', room: 'lobby', body: { text: 'hello from the page' } })]);
      expect(r.first.metrics).toMatchObject({ transport: 'websocket', fallbacks: 1, sent: 1, received: 1, pending: 0 });
      expect(JSON.parse(r.cached!)).toMatchObject({ transport: 'websocket' });
      // the second manager: straight to WebSocket from the cache, no fallback
      expect(r.second.events).toEqual(['transport: websocket', 'transport: null']); // null: close()
      expect(r.second.metrics).toMatchObject({ fallbacks: 0, received: 1 });
      // the hub side: the token on the upgrade, the client-reported fallback, both chats
      expect(seen.tokens).toEqual(['tok', 'tok']);
      expect(seen.msgs.map((m) => m.type)).toEqual(['fallback', 'chat', 'chat']);
      expect(seen.msgs[0].body).toMatchObject({ reason: expect.any(String) });
    } finally {
      await page.close();
    }
  }, 60_000);
});
