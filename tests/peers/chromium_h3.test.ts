// The Chromium harness (tests/helpers/chromium.ts) proven on a known-good
// HTTP/3 server: headless Chromium 156 loads a page from ngtcp2's gtlsserver
// over QUIC (forced with --origin-to-force-quic-on, the test certificate
// trusted by its SPKI hash), and the page's navigation entry says 'h3'.
// Our own HTTP/3 server with Chromium: tests/peers/chromium_serve.test.ts.
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing
// Chromium or gtlsserver fails; locally the test skips with a loud warning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makePki, requireOpenssl } from '../tls/pki.js';
import { describeWithPeer, type Peer } from '../helpers/peers.js';
import { gtlsServerPeer, startGtlsServer } from '../helpers/ngtcp2.js';
import { chromiumPeer, launchChromium, loadPage } from '../helpers/chromium.js';

const hasOpenssl = requireOpenssl('Chromium harness test (certificates are made with openssl)');
const chromium = chromiumPeer(), gtls = gtlsServerPeer();
const both: Peer = chromium.bin && gtls.bin ? chromium : { bin: null, reason: [chromium.reason, gtls.reason].filter(Boolean).join('; ') };

let tmp = '';
afterAll(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

describeWithPeer(both, 'chromium and gtlsserver', 'Chromium harness', () => {
  it('headless Chromium loads a page from gtlsserver over HTTP/3 (nextHopProtocol h3)', async () => {
    const pki = makePki();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-chromium-test-'));
    const body = `hello over HTTP/3 ${Date.now()}`;
    fs.writeFileSync(path.join(tmp, 'index.html'), `<!doctype html><title>h3-wasi</title><p>${body}</p>\n`);
    const srv = await startGtlsServer({ cert: pki.ecLeaf, htdocs: tmp });
    const origin = `127.0.0.1:${srv.port}`;
    const s = await launchChromium({ quic: { origin, certPem: pki.ecLeaf.certPem } });
    try {
      expect(s.args).toContain(`--origin-to-force-quic-on=${origin}`);
      const r = await loadPage(s, `https://${origin}/index.html`);
      expect(r).toMatchObject({ status: 200, nextHopProtocol: 'h3', responseStatus: 200, text: body });
    } finally {
      await s.close();
      await srv.stop();
    }
    expect(srv.stderr()).not.toMatch(/error/i);
  }, 60_000);
}, hasOpenssl);
