// The demo as a user meets it: headless Chromium opens the hub's page, which
// loads the browser client bundle (/client.js, dist/realtime-client.js) and
// connects through its TransportManager. The indicator `#transport-indicator`
// says which transport is in use:
//  (1) a hub with QUIC on → webtransport, and a chat line reaches another page;
//  (2) QUIC_ENABLED=false → websocket, within the fallback timeout;
//  (3) QUIC on, but the UDP port the page is given is unreachable → websocket
//      within the fallback timeout, and the hub counts the client-reported fallback.
// A screenshot of (1) goes to docs/realtime-demo.png when REALTIME_SCREENSHOT=1.
// Peer-missing rule (tests/helpers/peers.ts): under CI a missing Chromium fails.
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRealtimeHub, type RealtimeHub } from '../../host/realtime/hub.js';
import { createLogger } from '../../host/realtime/log.js';
import { chromiumPeer, launchChromium, type ChromiumSession } from '../helpers/chromium.js';
import { describeWithPeer } from '../helpers/peers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const indicator = '#transport-indicator';

describeWithPeer(chromiumPeer(), 'Chromium', 'the demo page with the browser client', () => {
  let browser: ChromiumSession;
  const hubs: RealtimeHub[] = [];
  const hub = async (env: Record<string, string> = {}) => {
    const h = await createRealtimeHub({ config: { HTTP_PORT: '0', QUIC_PORT: '0', ...env }, logger: createLogger('silent') });
    hubs.push(h);
    return h;
  };
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => {
    await browser?.close();
    for (const h of hubs) await h.close({ timeoutMs: 500 });
  });

  it('(1) QUIC on: the indicator reads webtransport with an RTT; a chat line reaches another page', async () => {
    const h = await hub();
    const a = await browser.context.newPage();
    const b = await browser.context.newPage();
    try {
      await a.goto(`${h.url}?user=alice`);
      await b.goto(`${h.url}?user=bob`);
      for (const p of [a, b]) await p.waitForSelector(`${indicator}[data-transport="webtransport"]`, { timeout: 15_000 });
      await a.waitForFunction((sel) => / · \d+ ms$/.test(document.querySelector(sel)!.textContent ?? ''), indicator, { timeout: 20_000 });
      expect(await a.textContent(indicator)).toMatch(/^webtransport · \d+ ms$/);
      await a.fill('#text', 'hello from alice over QUIC');
      await a.press('#text', 'Enter');
      await b.waitForFunction(() => [...document.querySelectorAll('#log li')].some((li) => li.textContent?.includes('alice: hello from alice over QUIC')), null, { timeout: 15_000 });
      if (process.env.REALTIME_SCREENSHOT === '1') await a.screenshot({ path: path.join(root, 'docs', 'realtime-demo.png') });
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it('(2) QUIC_ENABLED=false: the indicator reads websocket within the fallback timeout', async () => {
    const h = await hub({ QUIC_ENABLED: 'false' });
    const p = await browser.context.newPage();
    try {
      const t0 = Date.now();
      await p.goto(h.url);
      await p.waitForSelector(`${indicator}[data-transport="websocket"]`, { timeout: 10_000 });
      expect(Date.now() - t0).toBeLessThan(3000 + 4000); // the 3 s fallback timeout plus page load on a loaded machine
    } finally {
      await p.close();
    }
  }, 60_000);

  it('(3) the hub\'s UDP port unreachable: websocket within the fallback timeout, the fallback counted by the hub', async () => {
    const h = await hub();
    // a UDP port that answers nothing: bound and never read, so a QUIC Initial vanishes as behind a firewall
    const sink = dgram.createSocket('udp4');
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
    const dead = sink.address().port;
    const p = await browser.context.newPage();
    try {
      await p.route('**/api/config', async (route) => {
        const res = await route.fetch();
        const cfg = await res.json();
        cfg.wtUrl = cfg.wtUrl.replace(/:\d+\//, `:${dead}/`);
        await route.fulfill({ response: res, json: cfg });
      });
      const t0 = Date.now();
      await p.goto(h.url);
      await p.waitForSelector(`${indicator}[data-transport="websocket"]`, { timeout: 15_000 });
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(2500); // it waited for WebTransport first ...
      expect(took).toBeLessThan(3000 + 5000); // ... no longer than the fallback timeout (plus page load)
      await expect.poll(async () => (await (await fetch(new URL("/metrics", h.url))).text()).match(/realtime_client_fallbacks_total\{reason="timeout"\} (\d+)/)?.[1], { timeout: 10_000 }).toBe('1');
    } finally {
      await p.close();
      sink.close();
    }
  }, 60_000);
});
