// The hub against a real browser: headless Chromium (tests/helpers/chromium.ts)
// loads the hub's page origin (http://127.0.0.1: a secure context), takes a
// dev token and the certificate hash from the REST surface, and speaks the
// protocol by hand over WebTransport (draft-02, as Chromium 156 does: control
// stream, length-prefixed JSON, a room's deliveries on a hub-opened
// unidirectional stream) and over WebSocket; a bad token is refused on both.
// Peer-missing rule (tests/helpers/peers.ts): under CI a missing Chromium fails.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRealtimeHub, type RealtimeHub } from '../../host/realtime/hub.js';
import { createLogger } from '../../host/realtime/log.js';
import { chromiumPeer, launchChromium, type ChromiumSession } from '../helpers/chromium.js';
import { describeWithPeer } from '../helpers/peers.js';

describeWithPeer(chromiumPeer(), 'Chromium', 'realtime hub with Chromium', () => {
  let hub: RealtimeHub;
  let browser: ChromiumSession;
  beforeAll(async () => {
    hub = await createRealtimeHub({ config: { HTTP_PORT: '0', QUIC_PORT: '0' }, logger: createLogger('silent') });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close({ timeoutMs: 500 });
  });

  it('WebTransport and WebSocket from the page: welcome, join, chat delivered on the room stream; a bad token refused on both', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(hub.url);
      const out = await page.evaluate(async () => {
        const config = await (await fetch('/api/config')).json();
        const { token } = await (await fetch('/api/token', { method: 'POST', body: JSON.stringify({ user: 'chrome' }) })).json();
        const hash = Uint8Array.from(atob(config.certificateHash), (c) => c.charCodeAt(0));
        const enc = (f: unknown) => { const j = new TextEncoder().encode(JSON.stringify(f)); const b = new Uint8Array(4 + j.length); new DataView(b.buffer).setUint32(0, j.length); b.set(j, 4); return b; };
        const readFrames = async (r: ReadableStream<Uint8Array>, n: number) => {
          const reader = r.getReader();
          let buf = new Uint8Array(0);
          const frames: { t: string; [k: string]: unknown }[] = [];
          while (frames.length < n) {
            const { value, done } = await reader.read();
            if (done) break;
            const nb = new Uint8Array(buf.length + value.length); nb.set(buf); nb.set(value, buf.length); buf = nb;
            while (buf.length >= 4) {
              const len = new DataView(buf.buffer, buf.byteOffset).getUint32(0);
              if (buf.length < 4 + len) break;
              frames.push(JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + len))));
              buf = buf.slice(4 + len);
            }
          }
          reader.releaseLock();
          return frames;
        };
        const wt = new WebTransport(`${config.wtUrl}?token=${token}`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: hash }] });
        await wt.ready;
        const control = await wt.createBidirectionalStream();
        const w = control.writable.getWriter();
        await w.write(enc({ t: 'hello', clientId: 'chrome-tab', lastSeq: 0 }));
        await w.write(enc({ t: 'msg', seq: 1, type: 'join', room: 'r' }));
        const first = await readFrames(control.readable, 2); // welcome, ack 1
        const chat = (await wt.createBidirectionalStream()).writable.getWriter();
        await chat.write(enc({ t: 'msg', seq: 2, type: 'chat', room: 'r', body: { text: 'from chromium' } }));
        const uni = (await wt.incomingUnidirectionalStreams.getReader().read()).value!;
        const delivered = await readFrames(uni, 2); // join, chat
        wt.close();
        const bad = new WebTransport(`${config.wtUrl}?token=nope`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: hash }] });
        const badWt = await bad.ready.then(() => 'accepted', (e) => String(e));
        const ws = new WebSocket(`${config.wsUrl}?token=${token}`);
        const wsWelcome = await new Promise<string>((resolve, reject) => {
          ws.onopen = () => ws.send(JSON.stringify({ t: 'hello', clientId: 'chrome-tab', lastSeq: 0 }));
          ws.onmessage = (m) => resolve(JSON.parse(m.data).t + ':' + JSON.parse(m.data).lastSeq);
          ws.onerror = () => reject(new Error('ws failed'));
        });
        ws.close();
        const badWs = await new Promise<string>((resolve) => { const b = new WebSocket(`${config.wsUrl}?token=nope`); b.onopen = () => resolve('open'); b.onerror = () => resolve('refused'); });
        return { first, delivered, badWt, wsWelcome, badWs };
      });
      expect(out.first.map((f) => f.t)).toEqual(['welcome', 'ack']);
      expect(out.first[0]).toMatchObject({ userId: 'chrome', lastSeq: 0 });
      expect(out.delivered).toMatchObject([{ t: 'deliver', type: 'join', room: 'r', from: 'chrome', seq: 1 }, { t: 'deliver', type: 'chat', body: { text: 'from chromium' }, seq: 2 }]);
      expect(out.badWt).toMatch(/WebTransportError/);
      expect(out.wsWelcome).toBe('welcome:2'); // the same client on WebSocket: the hub had accepted seq 2
      expect(out.badWs).toBe('refused');
      const m = await (await fetch(new URL('/metrics', hub.url))).text();
      expect(m).toMatch(/realtime_auth_failures_total{transport="webtransport",reason="malformed"} 1/);
      expect(m).toMatch(/realtime_auth_failures_total{transport="websocket",reason="malformed"} 1/);
    } finally {
      await page.close();
    }
  });
});
