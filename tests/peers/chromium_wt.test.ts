// Headless Chromium's `WebTransport` against OUR serve() with a
// `webtransport(session, request, info)` hook, in this process. The page
// (plain HTTP from 127.0.0.1: a secure context) opens
// `new WebTransport('https://127.0.0.1:PORT/PATH', { serverCertificateHashes })`
// with the SHA-256 of the ECDSA P-256, ≤ 14-day certificate serve() generates
// (createDevCert), and the server's session is the W3C object of
// h3-wasi/webtransport. What runs on the page is PAGE below (plain JS, so no
// transpiler helper leaks into it); each test calls one of its functions.
//   /echo          bidirectional streams echoed (pipeTo), a unidirectional
//                  stream answered on one the server opens, datagrams echoed
//   /push          the server opens a bidirectional and a unidirectional stream
//   /reset         stream resets and STOP_SENDING both ways, with codes
//   /server-close  the server closes the session with a code and reason
//   /forbidden     refused: the hook returns 403
//
// What Chromium 156 does (found here; assembly/h3/webtransport/README.md has
// the wire side: draft-02 only, SETTINGS_ENABLE_WEBTRANSPORT):
// - `datagrams.maxDatagramSize` on the page is 1,211 once wt.ready resolved
//   (our server's transport parameters; asserted ≥ 1,000).
// - It does not pool: several sessions from one page with
//   serverCertificateHashes each get their own QUIC connection (their own
//   client port).
// - Its WebTransportError has the older constructor
//   `new WebTransportError({ message, streamErrorCode })` (the current W3C
//   `(message, options)` form throws a TypeError). `writable.abort(err)` sends
//   RESET_STREAM and `readable.cancel(err)` STOP_SENDING with
//   err.streamErrorCode, which our side sees as `streamErrorCode`; our
//   resets reach the page the same way.
// - A stream the server opens and resets at once may never reach the page:
//   the RESET_STREAM can discard the stream's header (0x41 + session ID) with
//   its data, and we have no RESET_STREAM_AT yet (draft §4.4 asks for a
//   reliable size covering the header). The reset test waits for the page's
//   answer on the stream before resetting it.
// - A STOP_SENDING on the CONNECT stream after the server's
//   CLOSE_WEBTRANSPORT_SESSION + FIN made Chromium reject the page's
//   `closed` (source 'session') instead of resolving it with the code and
//   reason; the core no longer sends it (draft §6: a MAY).
// - A refused session (403) rejects `ready` with a WebTransportError
//   (source 'session').
// Peer-missing rule (tests/helpers/peers.ts): under CI=true a missing
// Chromium fails; locally the tests skip loudly.
import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWithPeer } from '../helpers/peers.js';
import { chromiumPeer, launchChromium, startPageServer, type ChromiumSession } from '../helpers/chromium.js';
import { serve, type Http3Server } from '../../host/http3/index.js';
import { WebTransportError } from '../../host/webtransport/index.js';
import type { WebTransport as WT } from '../../host/webtransport/webtransport.js';
import type { WebTransportCloseInfo } from '../../host/webtransport/session.js';

const PAGE = `<!doctype html><title>wt</title><script>
const enc = new TextEncoder(), dec = new TextDecoder();
const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
const sha = async (b) => hex(await crypto.subtle.digest('SHA-256', b));
const open = (port, path, hash) => new WebTransport('https://127.0.0.1:' + port + path, { serverCertificateHashes: [{ algorithm: 'sha-256', value: new Uint8Array(hash) }] });
const random = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536))); return b; };
const readAll = async (readable) => {
  const r = readable.getReader(); const cs = []; let n = 0;
  for (;;) { const { value, done } = await r.read(); if (done) break; cs.push(value); n += value.length; }
  const out = new Uint8Array(n); let o = 0; for (const c of cs) { out.set(c, o); o += c.length; } return out;
};
const text = async (readable) => dec.decode(await readAll(readable));
const errOf = (e) => ({ name: e && e.name, source: e && e.source, streamErrorCode: e && e.streamErrorCode });
// Chromium 156 has the older constructor: WebTransportError({ message, streamErrorCode })
const streamError = (code) => new WebTransportError({ message: 'page reset', streamErrorCode: code });
// datagrams are unreliable: send until one comes back
const datagramEcho = async (wt, tag) => {
  const got = []; const r = wt.datagrams.readable.getReader();
  (async () => { for (;;) { const { value, done } = await r.read(); if (done) return; got.push(dec.decode(value)); } })().catch(() => {});
  const w = wt.datagrams.writable.getWriter();
  for (let i = 0; i < 40 && !got.length; i++) { await w.write(enc.encode(tag + ' ' + i)); await new Promise((res) => setTimeout(res, 100)); }
  w.releaseLock();
  return got[0] ?? null;
};
const echoBidi = async (wt, payload) => {
  const s = await wt.createBidirectionalStream();
  const back = readAll(s.readable);
  const w = s.writable.getWriter();
  for (let i = 0; i < payload.length; i += 65536) await w.write(payload.subarray(i, Math.min(payload.length, i + 65536)));
  await w.close();
  return back;
};
window.T = {
  async echo(port, hash, size) {
    const wt = open(port, '/echo', hash);
    await wt.ready;
    const maxDatagramSize = wt.datagrams.maxDatagramSize;
    const payload = random(size);
    const back = await echoBidi(wt, payload);
    const uni = await wt.createUnidirectionalStream();
    const uw = uni.getWriter(); await uw.write(enc.encode('one way')); await uw.close();
    const { value: answer } = await wt.incomingUnidirectionalStreams.getReader().read();
    const uniBack = await text(answer);
    const datagram = await datagramEcho(wt, 'dgram');
    wt.close({ closeCode: 42, reason: 'bye from the page' });
    const closed = await wt.closed;
    return { maxDatagramSize, sent: await sha(payload), back: await sha(back), backLength: back.length, uniBack, datagram, closed };
  },
  async push(port, hash) {
    const wt = open(port, '/push', hash);
    await wt.ready;
    const { value: bidi } = await wt.incomingBidirectionalStreams.getReader().read();
    const w = bidi.writable.getWriter(); await w.write(enc.encode('reply from the page')); await w.close();
    const bidiText = await text(bidi.readable);
    const { value: uni } = await wt.incomingUnidirectionalStreams.getReader().read();
    const uniText = await text(uni);
    const closed = wt.closed;
    wt.close({ closeCode: 1, reason: 'done' });
    await closed;
    return { bidiText, uniText };
  },
  async several(port, hash, n) {
    const all = Array.from({ length: n }, () => open(port, '/echo', hash));
    await Promise.all(all.map((wt) => wt.ready));
    const out = await Promise.all(all.map(async (wt, i) => ({
      bidi: dec.decode(await echoBidi(wt, enc.encode('session ' + i))),
      datagram: await datagramEcho(wt, 'session ' + i),
    })));
    all.forEach((wt, i) => wt.close({ closeCode: 100 + i, reason: 'session ' + i }));
    await Promise.all(all.map((wt) => wt.closed));
    return out;
  },
  async resets(port, hash) {
    const wt = open(port, '/reset', hash);
    await wt.ready;
    // 1. the page resets its sending side with code 7
    const a = await wt.createBidirectionalStream();
    const aw = a.writable.getWriter(); await aw.write(enc.encode('to be reset')); await aw.abort(streamError(7));
    // 2. the page sends a whole message, then stops the server's sending side with code 8
    const b = await wt.createBidirectionalStream();
    const bw = b.writable.getWriter(); await bw.write(enc.encode('stop me')); await bw.close();
    await b.readable.cancel(streamError(8));
    // 3. the server resets the stream it opened with code 9, once the page answered on it
    const { value: c } = await wt.incomingBidirectionalStreams.getReader().read();
    const cr = c.readable.getReader();
    const first = dec.decode((await cr.read()).value);
    const cw = c.writable.getWriter(); await cw.write(enc.encode('got it'));
    const fromServer = await (async () => { for (;;) { const { done } = await cr.read(); if (done) return { name: 'no error' }; } })().catch(errOf);
    return { first, fromServer };
  },
  async serverClose(port, hash) {
    const wt = open(port, '/server-close', hash);
    await wt.ready;
    return wt.closed.then((i) => ({ closeCode: i.closeCode, reason: i.reason }), (e) => ({ error: errOf(e) }));
  },
  async refused(port, hash) {
    const wt = open(port, '/forbidden', hash);
    const ready = await wt.ready.then(() => 'ready', (e) => ({ ...errOf(e), message: String(e.message) }));
    const closed = await wt.closed.then(() => 'closed', (e) => errOf(e));
    return { ready, closed };
  },
};
</script>`;

interface Session { path: string; remotePort: number; wt: WT; closed: Promise<WebTransportCloseInfo | string>; notes: Record<string, unknown> }

let server: Http3Server;
let chromium: ChromiumSession;
let page: Page;
let pageServer: { url: string; close: () => Promise<void> };
const sessions: Session[] = [];

type Bidi = { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
/** Calls `f` on each item of `rs` as it comes (not awaiting it); ends quietly when the session ends. */
const each = async <T>(rs: ReadableStream<T>, f: (x: T) => Promise<unknown>) => {
  try {
    for await (const x of rs as unknown as AsyncIterable<T>) void f(x).catch(() => {});
  } catch { /* the session ended */ }
};
const readText = async (r: ReadableStream<Uint8Array>) => { const c: Uint8Array[] = []; for await (const x of r as unknown as AsyncIterable<Uint8Array>) c.push(x); return Buffer.concat(c).toString(); };
const codeOf = (e: unknown) => (e instanceof WebTransportError ? { source: e.source, streamErrorCode: e.streamErrorCode } : { error: String(e) });
const write = async (w: WritableStream<Uint8Array>, s: string) => { const x = w.getWriter(); await x.write(new TextEncoder().encode(s)); await x.close(); };

async function echo(wt: WT, s: Session): Promise<void> {
  await wt.ready;
  void each(wt.incomingBidirectionalStreams, (b: Bidi) => b.readable.pipeTo(b.writable));
  void each(wt.incomingUnidirectionalStreams, async (r) => { s.notes.uni = await readText(r); await write(await wt.createUnidirectionalStream(), `echo ${s.notes.uni}`); });
  const w = wt.datagrams.writable.getWriter();
  for await (const d of wt.datagrams.readable as unknown as AsyncIterable<Uint8Array>) await w.write(d);
}

async function push(wt: WT, s: Session): Promise<void> {
  await wt.ready;
  const b = await wt.createBidirectionalStream();
  await write(b.writable, 'bidi from the server');
  s.notes.reply = await readText(b.readable);
  await write(await wt.createUnidirectionalStream(), 'uni from the server');
}

async function resets(wt: WT, s: Session): Promise<void> {
  await wt.ready;
  let n = 0;
  void each(wt.incomingBidirectionalStreams, async (b: Bidi) => {
    if (n++ === 0) { // the page resets it (7)
      s.notes.readError = await readText(b.readable).then((t) => `read ${t}`, codeOf);
      return;
    }
    s.notes.second = await readText(b.readable); // then the page stops our sending (8): write until a write fails
    const w = b.writable.getWriter();
    const chunk = new Uint8Array(16384);
    s.notes.writeError = await (async () => {
      for (let i = 0; i < 2000; i++) { await w.write(chunk); await new Promise((r) => setTimeout(r, 5)); }
      return 'every write succeeded';
    })().catch(codeOf);
  });
  // reset only once the page has the stream: a RESET_STREAM may discard the stream's header with its
  // data (no RESET_STREAM_AT yet), and then the browser never learns the stream's session
  const c = await wt.createBidirectionalStream();
  const w = c.writable.getWriter();
  await w.write(new TextEncoder().encode('about to reset'));
  const r = c.readable.getReader();
  s.notes.answer = new TextDecoder().decode((await r.read()).value);
  await w.abort(new WebTransportError('server reset', { streamErrorCode: 9 }));
}

const until = async (f: () => unknown, what: string, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const peer = chromiumPeer();

describeWithPeer(peer, 'chromium', 'Chromium 156 WebTransport ↔ serve({ webtransport })', () => {
  beforeAll(async () => {
    server = await serve({
      port: 0, hostname: '127.0.0.1', tcp: false,
      webtransport(wt, request, info) {
        const path = new URL(request.url).pathname;
        const s: Session = { path, remotePort: info.remotePort, wt, notes: {}, closed: wt.closed.then((i) => i, (e: Error) => `error: ${e.message}`) };
        sessions.push(s);
        if (path === '/forbidden') return new Response(null, { status: 403 });
        if (path === '/echo') void echo(wt, s).catch(() => {});
        else if (path === '/push') void push(wt, s).catch((e) => { s.notes.error = String(e); });
        else if (path === '/reset') void resets(wt, s).catch((e) => { s.notes.error = String(e); });
        else if (path === '/server-close') void wt.ready.then(() => setTimeout(() => wt.close({ closeCode: 4242, reason: 'server says bye' }), 50));
        else return new Response(null, { status: 404 });
        return undefined;
      },
    }, () => new Response('not here', { status: 404 }));
    pageServer = await startPageServer(PAGE);
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    await page.goto(pageServer.url);
  });
  afterAll(async () => {
    await chromium?.close();
    await pageServer?.close();
    await server?.shutdown({ timeoutMs: 500 }).catch(() => {});
  });

  const args = () => [server.port, [...server.certificate.sha256]] as const;
  // an error on the page comes back with the page's stack (http://127.0.0.1:PORT/ lines), which
  // vitest's reporter would try to read as a source file: keep its message only
  const onPage = async <T>(f: string, ...more: unknown[]): Promise<T> => page.evaluate(([name, a]) => (window as any).T[name as string](...(a as unknown[])), [f, [...args(), ...more]] as const)
    .catch((e: Error) => { throw new Error(e.message.split('\n').filter((l) => !/^\s+at /.test(l)).join('\n')); }) as Promise<T>;
  const since = (n: number) => sessions.slice(n);

  it('the server certificate is one serverCertificateHashes allows: ECDSA P-256, valid ≤ 14 days', () => {
    const x = new crypto.X509Certificate(server.certPem);
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(Date.parse(x.validTo) - Date.parse(x.validFrom)).toBeLessThanOrEqual(14 * 86_400_000);
  });

  it('echoes 2 MB on a bidirectional stream (SHA-256), a unidirectional stream on one the server opens, and a datagram; the page\'s close code and reason reach the server', async () => {
    const n = sessions.length;
    const r = await onPage<any>('echo', 2 << 20);
    expect(r.backLength).toBe(2 << 20);
    expect(r.back).toBe(r.sent);
    expect(r.uniBack).toBe('echo one way');
    expect(r.datagram).toMatch(/^dgram \d+$/);
    expect(r.closed).toEqual({ closeCode: 42, reason: 'bye from the page' });
    expect(r.maxDatagramSize).toBeGreaterThanOrEqual(1000);
    console.log(`Chromium's datagrams.maxDatagramSize: ${r.maxDatagramSize}`);
    const [s] = since(n);
    expect(s.path).toBe('/echo');
    expect(s.notes.uni).toBe('one way');
    await expect(s.closed).resolves.toEqual({ closeCode: 42, reason: 'bye from the page' });
  });

  it('streams the server opens reach the page as incoming bidirectional and unidirectional streams', async () => {
    const n = sessions.length;
    const r = await onPage<any>('push');
    expect(r).toEqual({ bidiText: 'bidi from the server', uniText: 'uni from the server' });
    const [s] = since(n);
    await until(() => s.notes.reply !== undefined, 'the reply on the server\'s stream');
    expect(s.notes.reply).toBe('reply from the page');
    await expect(s.closed).resolves.toEqual({ closeCode: 1, reason: 'done' });
  });

  it('several sessions from one page at once, each with its own echo and close code (Chromium does not pool them)', async () => {
    const n = sessions.length;
    const r = await onPage<any>('several', 4);
    expect(r).toHaveLength(4);
    r.forEach((x: { bidi: string; datagram: string }, i: number) => {
      expect(x.bidi).toBe(`session ${i}`);
      expect(x.datagram).toMatch(new RegExp(`^session ${i} \\d+$`));
    });
    const mine = since(n);
    expect(mine).toHaveLength(4);
    const closes = (await Promise.all(mine.map((s) => s.closed))) as WebTransportCloseInfo[];
    expect(closes.map((c) => c.closeCode).sort()).toEqual([100, 101, 102, 103]);
    for (const c of closes) expect(c.reason).toBe(`session ${c.closeCode - 100}`);
    // one QUIC connection each: four client ports
    expect(new Set(mine.map((s) => s.remotePort)).size).toBe(4);
  });

  it('resets both ways: the page\'s abort (7) and cancel (8) reach the server as streamErrorCode; the server\'s abort (9) reaches the page', async () => {
    const n = sessions.length;
    const r = await onPage<any>('resets');
    expect(r.first).toBe('about to reset');
    expect(r.fromServer).toEqual({ name: 'WebTransportError', source: 'stream', streamErrorCode: 9 });
    const [s] = since(n);
    await until(() => s.notes.readError !== undefined && s.notes.writeError !== undefined, 'the server to see both resets');
    expect(s.notes.readError).toEqual({ source: 'stream', streamErrorCode: 7 });
    expect(s.notes.second).toBe('stop me');
    expect(s.notes.writeError).toEqual({ source: 'stream', streamErrorCode: 8 });
    expect(s.notes.answer).toBe('got it');
    expect(s.notes.error).toBeUndefined();
  });

  it('the server\'s close({ closeCode, reason }) resolves the page\'s closed with both', async () => {
    const r = await onPage<any>('serverClose');
    expect(r).toEqual({ closeCode: 4242, reason: 'server says bye' });
  });

  it('a session the hook refuses (403): the page\'s ready rejects with a WebTransportError', async () => {
    const n = sessions.length;
    const r = await onPage<any>('refused');
    expect(r.ready).toMatchObject({ name: 'WebTransportError', source: 'session' });
    expect(r.closed).toMatchObject({ name: 'WebTransportError' });
    const [s] = since(n);
    expect(s.path).toBe('/forbidden');
    await expect(s.wt.ready).rejects.toBeInstanceOf(WebTransportError);
  });
});
