// Headless Chromium (Debian's `chromium`, build/setup.sh) as an HTTP/3 peer,
// driven by playwright-core over CDP — never a downloaded browser.
//
// Every launch gets a fresh --user-data-dir (removed after) and exactly the
// flags below. For QUIC to an origin it is forced onto HTTP/3 (no Alt-Svc
// needed) and the server's self-signed / test-CA certificate is accepted by
// its SPKI hash:
//   --enable-quic --origin-to-force-quic-on=HOST:PORT
//   --ignore-certificate-errors-spki-list=BASE64(SHA-256(SubjectPublicKeyInfo DER))
// Found here (Chromium 156, playwright-core 1.65): `127.0.0.1:PORT` works
// (server bound to 127.0.0.1); `localhost:PORT` works only with the server on
// ::1 — Chromium resolves localhost to ::1 first and, with the server on
// 127.0.0.1 only, fails with ERR_QUIC_HANDSHAKE_FAILED instead of falling
// back; a bracketed `[::1]:PORT` is not forced onto QUIC at all (it tries
// TCP: ERR_CONNECTION_REFUSED). The certificate needs the name or IP in its
// subjectAltName (tests/tls/pki.ts leaves carry DNS:localhost and
// IP:127.0.0.1); with the SPKI list its CA does not matter. ECDSA P-256 and
// ≤ 14 days of validity matter only for WebTransport's
// serverCertificateHashes, not here.
// Several origins and hashes go comma-separated in one switch each
// (Chromium reads a switch once; the last one wins). Alt-Svc without
// forcing (tests/peers/chromium_serve.test.ts has the details): Chromium
// follows `alt-svc: h3` from an HTTP/2 response, but refuses a QUIC
// certificate that does not chain to a known root (CERTIFICATE_VERIFY_FAILED)
// unless its host is named in --origin-to-force-quic-on — any port will do,
// so `127.0.0.1:1` allows the switch for the origin under test. Load with a
// fresh URL: a page from the HTTP cache reports its first nextHopProtocol.
// A Resource Timing entry of a fetch() is there only a moment after its body
// has been read. playwright needs its CDP transport:
// `--remote-debugging-pipe` is the one flag added to the list below
// (ignoreDefaultArgs drops playwright's own defaults). A launch takes 3-8 s
// on this 2-core machine.
//
// Peer-missing rule: tests/helpers/peers.ts (`chromiumPeer()` for
// describeWithPeer).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import type { Peer } from './peers.js';

export const CHROMIUM = '/usr/bin/chromium';

/** The fixed flags of every launch (the harness's contract; see the header). */
export const BASE_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function chromiumPeer(): Peer {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return { bin: CHROMIUM, reason: '' };
  } catch {
    return { bin: null, reason: `${CHROMIUM} not found (Debian package chromium; bash build/setup.sh installs it)` };
  }
}

/** base64(SHA-256(SubjectPublicKeyInfo DER)) of a PEM certificate: what --ignore-certificate-errors-spki-list takes. */
export function spkiHash(certPem: string): string {
  const spki = new crypto.X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(spki).digest('base64');
}

export interface ChromiumOptions {
  /** Force QUIC to these origins ('127.0.0.1:4433'), trusting the keys of `certPem` (one or several). */
  quic?: { origin: string | string[]; certPem: string | string[] };
  /** Trust these certificates by SPKI hash, with QUIC on but forced nowhere (Alt-Svc discovery). */
  trust?: string[];
  /** Further SPKI hashes to trust, as base64 (what `h3-wasi serve` prints). */
  spkiHashes?: string[];
  /** Further flags (e.g. --enable-logging=stderr --v=1 when debugging). */
  args?: string[];
}

export interface ChromiumSession {
  browser: Browser;
  context: BrowserContext;
  /** The flags it was launched with. */
  args: string[];
  /** Closes the browser and removes the profile directory. */
  close: () => Promise<void>;
}

/** Launches /usr/bin/chromium headless with a fresh profile. */
export async function launchChromium(o: ChromiumOptions = {}): Promise<ChromiumSession> {
  const { chromium } = await import('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-chromium-'));
  const args = [...BASE_ARGS, `--user-data-dir=${dir}`];
  // each switch is read once (the last one wins): several origins and hashes go comma-separated in one
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  const pems = [...(o.quic ? list(o.quic.certPem) : []), ...(o.trust ?? [])];
  if (o.quic) args.push('--enable-quic', `--origin-to-force-quic-on=${list(o.quic.origin).join(',')}`);
  const hashes = [...pems.map(spkiHash), ...(o.spkiHashes ?? [])];
  if (!o.quic && hashes.length) args.push('--enable-quic');
  if (hashes.length) args.push(`--ignore-certificate-errors-spki-list=${hashes.join(',')}`);
  args.push(...(o.args ?? []));
  let browser: Browser;
  try {
    // ignoreDefaultArgs: playwright's own defaults would add flags beyond the contract above;
    // --remote-debugging-pipe is how playwright talks to the browser
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...args, '--remote-debugging-pipe'], ignoreDefaultArgs: true, timeout: 30_000 });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const context = browser.contexts()[0] ?? await browser.newContext();
  return {
    browser, context, args,
    close: async () => {
      await browser.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the page's navigation entry says about how it was loaded (Navigation Timing). */
export interface NavigationInfo { nextHopProtocol: string; transferSize: number; responseStatus: number }

/** Loads `url` in a new page; resolves with its navigation entry and the page's text. */
export async function loadPage(s: ChromiumSession, url: string): Promise<NavigationInfo & { text: string; status: number | null }> {
  const page = await s.context.newPage();
  try {
    const res = await page.goto(url, { timeout: 15_000 });
    const nav = await page.evaluate(() => {
      const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { nextHopProtocol: e.nextHopProtocol, transferSize: e.transferSize, responseStatus: e.responseStatus };
    });
    return { ...nav, text: await page.innerText('body'), status: res?.status() ?? null };
  } finally {
    await page.close();
  }
}

/** A plain-HTTP server on 127.0.0.1 answering every GET with `html`: a secure context (a loopback origin) for pages that open WebTransport. */
export async function startPageServer(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const http = await import('node:http');
  const server = http.createServer((_q, r) => { r.setHeader('content-type', 'text/html; charset=utf-8'); r.end(html); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
