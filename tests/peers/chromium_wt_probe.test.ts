// What Chromium 156 speaks for WebTransport over HTTP/3, asserted against our
// server core (assembly/h3/webtransport/README.md records the findings).
// Headless Chromium (tests/helpers/chromium.ts: /usr/bin/chromium through
// playwright-core) opens `new WebTransport(url, { serverCertificateHashes })`
// from a page served over plain HTTP on 127.0.0.1 (a secure context, which
// WebTransport needs) to serve() with WebTransport on. The server side here
// is a bare hook on the connection's events and the wt-* calls (the Node
// WebTransport API comes next), answering the CONNECT with 200, echoing a
// bidirectional stream upper-cased and datagrams, and recording what the
// browser sent. Chromium's own SETTINGS are recorded from its h3-settings.
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing Chromium
// fails; locally the test skips loudly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { describeWithPeer } from '../helpers/peers.js';
import { chromiumPeer, launchChromium } from '../helpers/chromium.js';
import { serve } from '../../host/http3/server.js';
import { createDevCert } from '../../host/http3/devcert.js';
import { ConnectionCore } from '../../host/quic/connection.js';
import { http3, quic } from '../../host/core/engine.js';
import { QUIC_EVENT, WT_CLOSE_KIND, WT_DRAFTS, decodeFields, decodeSettings, encodeFields, type QuicWireEvent } from '../../host/quic/wire.js';

interface Seen {
  settings?: Map<bigint, bigint>;
  connect?: [string, string][];
  streams: { id: bigint; session: bigint; text: string; fin: boolean }[];
  datagrams: string[];
  closed?: { kind: number; code: bigint; reason: string };
}

/** Handles the WebTransport events of every connection of the process (restored by the returned function). */
function hookServer(seen: Seen): () => void {
  const orig = ConnectionCore.prototype.onEvent;
  const streams = new Map<bigint, Seen['streams'][number]>();
  ConnectionCore.prototype.onEvent = function (this: ConnectionCore, e: QuicWireEvent) {
    const d = this.driver;
    const h = this.handle;
    const call = <T>(f: () => T): T => { const r = d!.call(f); d!.kick(); return r; };
    switch (e.kind) {
      case QUIC_EVENT.h3Settings: seen.settings = decodeSettings(e.bytes); break;
      case QUIC_EVENT.wtSessionRequest: {
        seen.connect = decodeFields(e.bytes);
        const draft02 = seen.connect.some(([n]) => n === 'sec-webtransport-http3-draft02');
        call(() => http3.wtRespond(h, e.stream, encodeFields([[':status', '200'], ...(draft02 ? [['sec-webtransport-http3-draft', 'draft02'] as [string, string]] : [])])));
        return;
      }
      case QUIC_EVENT.wtStream: {
        const s = { id: e.stream, session: e.value, text: '', fin: false };
        streams.set(e.stream, s);
        seen.streams.push(s);
        return;
      }
      case QUIC_EVENT.streamReadable: {
        const s = streams.get(e.stream);
        if (!s) break;
        for (;;) {
          const c = call(() => quic.streamRead(h, e.stream, 65536));
          s.text += Buffer.from(c.data).toString();
          if (c.fin) s.fin = true;
          if (c.data.length === 0) break;
        }
        // a bidirectional stream from the browser is echoed upper-cased when it ends
        if (s.fin && (e.stream & 2n) === 0n) call(() => quic.streamWrite(h, e.stream, new Uint8Array(Buffer.from(s.text.toUpperCase())), true));
        return;
      }
      case QUIC_EVENT.wtDatagram: {
        const text = Buffer.from(e.bytes).toString();
        seen.datagrams.push(text);
        call(() => http3.wtSendDatagram(h, e.stream, new Uint8Array(Buffer.from(`echo ${text}`))));
        return;
      }
      case QUIC_EVENT.wtSessionClosed:
        seen.closed = { kind: e.closeKind, code: e.value, reason: Buffer.from(e.bytes).toString() };
        return;
      default: break;
    }
    orig.call(this, e);
  };
  return () => { ConnectionCore.prototype.onEvent = orig; };
}

const chromium = chromiumPeer();

describeWithPeer(chromium, 'chromium', 'Chromium 156 WebTransport probe', () => {
  it('Chromium needs SETTINGS_ENABLE_WEBTRANSPORT (draft-02); its CONNECT, streams, datagrams and close capsule reach our core', async () => {
    const seen: Seen = { streams: [], datagrams: [] };
    const unhook = hookServer(seen);
    const cert = createDevCert();
    const srv = await serve({ port: 0, cert: cert.cert, key: cert.key, tcp: false, http3: { webtransport: WT_DRAFTS.draft02 } }, () => new Response('x'));
    const page = http.createServer((_q, r) => { r.setHeader('content-type', 'text/html'); r.end('<!doctype html><title>wt</title>'); });
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
    const s = await launchChromium();
    try {
      const p = await s.context.newPage();
      await p.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`);
      const out = await p.evaluate(async ({ port, hash }) => {
        const log: string[] = [];
        const wt = new WebTransport(`https://127.0.0.1:${port}/probe`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: new Uint8Array(hash) }] });
        await wt.ready;
        log.push('ready');
        const bidi = await wt.createBidirectionalStream();
        const w = bidi.writable.getWriter();
        await w.write(new TextEncoder().encode('hello over webtransport'));
        await w.close();
        const r = bidi.readable.getReader();
        let echo = '';
        for (;;) { const { value, done } = await r.read(); if (done) break; echo += new TextDecoder().decode(value); }
        log.push(`echo:${echo}`);
        const uni = await wt.createUnidirectionalStream();
        const uw = uni.getWriter();
        await uw.write(new TextEncoder().encode('one way'));
        await uw.close();
        const dr = wt.datagrams.readable.getReader();
        await wt.datagrams.writable.getWriter().write(new TextEncoder().encode('dgram'));
        const got = await Promise.race([dr.read().then((x) => new TextDecoder().decode(x.value)), new Promise<string>((res) => setTimeout(() => res('no datagram'), 3000))]);
        log.push(`datagram:${got}`);
        wt.close({ closeCode: 42, reason: 'bye' });
        await wt.closed.catch(() => {});
        return log;
      }, { port: srv.port, hash: [...cert.sha256] });
      expect(out).toEqual(['ready', 'echo:HELLO OVER WEBTRANSPORT', 'datagram:echo dgram']);
      await new Promise((r) => setTimeout(r, 300));
      // the same page against a server offering only the draft-07, draft-08 and current-draft settings: no session
      const later = await serve({ port: 0, cert: cert.cert, key: cert.key, tcp: false, http3: { webtransport: WT_DRAFTS.draft07 | WT_DRAFTS.draft08 | WT_DRAFTS.latest } }, () => new Response('x'));
      try {
        const r2 = await p.evaluate(async ({ port, hash }) => {
          const wt = new WebTransport(`https://127.0.0.1:${port}/probe`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: new Uint8Array(hash) }] });
          return wt.ready.then(() => 'ready', (e) => `failed: ${e}`);
        }, { port: later.port, hash: [...cert.sha256] });
        expect(r2).toMatch(/^failed: WebTransportError/);
      } finally {
        await later.shutdown({ timeoutMs: 100 }).catch(() => {});
      }
    } finally {
      await s.close();
      await srv.shutdown({ timeoutMs: 100 }).catch(() => {});
      page.close();
      unhook();
    }
    // what Chromium sends: H3_DATAGRAM (0x33) and its draft-04 codepoint 0xffd277, ENABLE_WEBTRANSPORT (draft-02), no draft-07+ setting
    expect(seen.settings?.get(0x33n)).toBe(1n);
    expect(seen.settings?.get(0xffd277n)).toBe(1n);
    expect(seen.settings?.get(0x2b603742n)).toBe(1n);
    expect(seen.settings?.has(0xc671706an)).toBe(false);
    expect(seen.settings?.has(0x2c7cf000n)).toBe(false);
    const connect = new Map(seen.connect);
    expect(connect.get(':method')).toBe('CONNECT');
    expect(connect.get(':protocol')).toBe('webtransport');
    expect(connect.get(':path')).toBe('/probe');
    expect(connect.get('sec-webtransport-http3-draft02')).toBe('1');
    expect(connect.get('origin')).toMatch(/^http:\/\/127\.0\.0\.1:/);
    expect(seen.streams.map((x) => [x.id & 3n, x.session, x.text])).toEqual([[0n, 0n, 'hello over webtransport'], [2n, 0n, 'one way']]);
    expect(seen.datagrams).toEqual(['dgram']);
    expect(seen.closed).toEqual({ kind: WT_CLOSE_KIND.clean, code: 42n, reason: 'bye' });
  }, 90_000);
});
