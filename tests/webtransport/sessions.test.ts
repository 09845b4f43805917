// Node WebTransport ↔ serve({ webtransport }): several sessions on one
// connection, stream resets and STOP_SENDING both ways with their
// WebTransport codes (draft §4.4), sessions closed under open streams, 1,000
// concurrent streams that wait for stream credit, refusal by status, close
// codes and reasons both ways. Paths under /manual/ are driven by the test
// (the server side is `server.nextSession()`); the others echo.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebTransport, WebTransportError } from '../../host/webtransport/index.js';
import { echo, startWtServer, type WtTestServer } from '../helpers/wt-server.js';
import { readBytes, first } from '../helpers/web-streams.js';

let server: WtTestServer;
beforeAll(async () => {
  server = await startWtServer({ onSession: (s) => { if (!s.path.startsWith('/manual/')) echo(s.wt); } });
});
afterAll(async () => { await server?.close(); });

const open = (path: string, extra: Record<string, unknown> = {}) =>
  new WebTransport(server.url(path), { serverCertificateHashes: [{ algorithm: 'sha-256', value: server.sha256 }], ...extra });
const enc = (s: string) => new TextEncoder().encode(s);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What a promise rejected with (fails the test if it resolved). */
async function rejection(p: Promise<unknown>): Promise<WebTransportError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(WebTransportError);
  return e as WebTransportError;
}

async function echoOnce(wt: WebTransport, text: string): Promise<string> {
  const s = await wt.createBidirectionalStream();
  const w = s.writable.getWriter();
  await w.write(enc(text));
  await w.close();
  return (await readBytes(s.readable)).toString();
}

describe('WebTransport sessions against serve()', () => {
  it('several pooled sessions share one QUIC connection (one client port) and echo independently', async () => {
    const wts = ['/pool/1', '/pool/2', '/pool/3'].map((p) => open(p, { allowPooling: true }));
    await Promise.all(wts.map((w) => w.ready));
    const got = await Promise.all(wts.map(() => server.nextSession()));
    expect(new Set(got.map((s) => s.remotePort)).size).toBe(1);
    expect(got.map((s) => s.path).sort()).toEqual(['/pool/1', '/pool/2', '/pool/3']);
    // interleaved streams of the three sessions each come back on their own session
    const out = await Promise.all(wts.flatMap((w, i) => [0, 1, 2].map((j) => echoOnce(w, `s${i}-${j}`))));
    expect(out).toEqual([0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => `s${i}-${j}`)));
    // the connection's packets count for all its sessions
    const stats = await Promise.all(wts.map((w) => w.getStats()));
    expect(stats[0].bytesSent).toBe(stats[1].bytesSent);
    for (const w of wts) w.close();
  });

  it('the client resets its sending side (abort with streamErrorCode): the server reads source stream and the code', async () => {
    const wt = open('/manual/reset-up');
    await wt.ready;
    const srv = await server.nextSession();
    const s = await wt.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(enc('before the reset'));
    const inc = await first(srv.wt.incomingBidirectionalStreams);
    const reader = inc.readable.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('before the reset');
    await w.abort(new WebTransportError('x', { streamErrorCode: 4_000_000_000 }));
    const e = await rejection(reader.read());
    expect(e.source).toBe('stream');
    expect(e.streamErrorCode).toBe(4_000_000_000);
    wt.close();
  });

  it('the server resets its sending side: the client reads the code; the session stays open', async () => {
    const wt = open('/manual/reset-down');
    await wt.ready;
    const srv = await server.nextSession();
    const out = await srv.wt.createBidirectionalStream();
    const sw = out.writable.getWriter();
    await sw.write(enc('hi'));
    const inc = await first(wt.incomingBidirectionalStreams);
    const reader = inc.readable.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('hi');
    await sw.abort(new WebTransportError('x', { streamErrorCode: 77 }));
    const e = await rejection(reader.read());
    expect(e.source).toBe('stream');
    expect(e.streamErrorCode).toBe(77);
    // a uni stream the server resets the same way
    const uw = (await srv.wt.createUnidirectionalStream()).getWriter();
    await uw.write(enc('uni'));
    const ur = (await first(wt.incomingUnidirectionalStreams)).getReader();
    expect(Buffer.from((await ur.read()).value!).toString()).toBe('uni');
    await uw.abort(new WebTransportError('x', { streamErrorCode: 0 }));
    expect((await rejection(ur.read())).streamErrorCode).toBe(0);
    expect(wt.datagrams.maxDatagramSize).toBeGreaterThan(0); // still open
    wt.close();
  });

  it('readable.cancel sends STOP_SENDING with the code: the writer on the other side sees it (both directions)', async () => {
    const wt = open('/manual/stop');
    await wt.ready;
    const srv = await server.nextSession();
    // client reads, server writes: the client cancels
    const out = await srv.wt.createBidirectionalStream();
    const sw = out.writable.getWriter();
    await sw.write(enc('x'));
    const inc = await first(wt.incomingBidirectionalStreams);
    await inc.readable.cancel(new WebTransportError('enough', { streamErrorCode: 31 }));
    const e1 = await rejection(sw.closed);
    expect(e1.source).toBe('stream');
    expect(e1.streamErrorCode).toBe(31);
    // server reads, client writes: the server cancels
    const s = await wt.createBidirectionalStream();
    const cw = s.writable.getWriter();
    await cw.write(enc('y'));
    const sIn = await first(srv.wt.incomingBidirectionalStreams);
    await sIn.readable.cancel(new WebTransportError('enough', { streamErrorCode: 32 }));
    const e2 = await rejection(cw.closed);
    expect(e2.source).toBe('stream');
    expect(e2.streamErrorCode).toBe(32);
    wt.close();
  });

  it('a session closed while its streams are open: both sides\' streams error; another session on the connection goes on', async () => {
    const keep = open('/pool2/keep', { allowPooling: true });
    const wt = open('/manual/closing', { allowPooling: true });
    await Promise.all([keep.ready, wt.ready]);
    const srvKeep = await server.nextSession();
    const srv = await server.nextSession();
    expect(srv.remotePort).toBe(srvKeep.remotePort);
    const s = await wt.createBidirectionalStream();
    const cw = s.writable.getWriter();
    await cw.write(enc('open'));
    const u = (await wt.createUnidirectionalStream()).getWriter();
    await u.write(enc('open too'));
    const sIn = await first(srv.wt.incomingBidirectionalStreams);
    const sUni = await first(srv.wt.incomingUnidirectionalStreams);
    const sr = sIn.readable.getReader();
    expect(Buffer.from((await sr.read()).value!).toString()).toBe('open');
    const ur = sUni.getReader();
    expect(Buffer.from((await ur.read()).value!).toString()).toBe('open too');

    srv.wt.close({ closeCode: 5, reason: 'going' });
    await expect(wt.closed).resolves.toEqual({ closeCode: 5, reason: 'going' });
    // the client's streams of the session fail, readable and writable
    await rejection(readBytes(s.readable));
    await rejection(cw.write(enc('after')));
    await rejection(u.write(enc('after')));
    // and the server's
    await rejection(sr.read());
    await rejection(ur.read());
    await expect(srv.closed).resolves.toEqual({ closeCode: 5, reason: 'going' });
    // the other session on the same connection still works, and a new pooled one joins it
    expect(await echoOnce(keep, 'still here')).toBe('still here');
    const again = open('/pool2/again', { allowPooling: true });
    await again.ready;
    expect((await server.nextSession()).remotePort).toBe(srvKeep.remotePort);
    expect(await echoOnce(again, 'joined')).toBe('joined');
    keep.close();
    again.close();
  });

  it('1,000 concurrent bidirectional streams on one session: they wait for stream credit, all are echoed intact', async () => {
    const wt = open('/many');
    await wt.ready;
    await server.nextSession();
    const N = 1000;
    const payloads = Array.from({ length: N }, (_, i) => randomBytes(200 + (i * 37) % 3000));
    const sums = await Promise.all(payloads.map(async (p) => {
      const s = await wt.createBidirectionalStream();
      const w = s.writable.getWriter();
      void w.write(p).then(() => w.close()).catch(() => {});
      return sha(await readBytes(s.readable));
    }));
    expect(sums).toEqual(payloads.map(sha));
    expect((await wt.getStats()).numOutgoingStreamsCreated).toBe(N);
    wt.close();
  }, 60_000);

  it('a refused session: ready and closed reject with the status in the message', async () => {
    const wt = open('/refuse/429');
    const e = await rejection(wt.ready);
    expect(e.source).toBe('session');
    expect(e.message).toMatch(/answered 429/);
    await rejection(wt.closed);
    await rejection(wt.createBidirectionalStream());
  });

  it('close codes and reasons both ways; a reason over 1024 bytes is cut at a UTF-8 boundary (W3C close())', async () => {
    const wt = open('/manual/close-client');
    await wt.ready;
    const srv = await server.nextSession();
    const long = 'é'.repeat(600); // 1200 bytes
    wt.close({ closeCode: 0xffffffff, reason: long });
    const cut = 'é'.repeat(512);
    await expect(wt.closed).resolves.toEqual({ closeCode: 0xffffffff, reason: cut });
    await expect(srv.closed).resolves.toEqual({ closeCode: 0xffffffff, reason: cut });

    const wt2 = open('/manual/close-server');
    await wt2.ready;
    const srv2 = await server.nextSession();
    srv2.wt.close({ closeCode: 3, reason: 'server: bye ✓' });
    await expect(wt2.closed).resolves.toEqual({ closeCode: 3, reason: 'server: bye ✓' });
    await expect(srv2.closed).resolves.toEqual({ closeCode: 3, reason: 'server: bye ✓' });
    expect(() => wt2.close({ closeCode: -1 })).toThrow(/closeCode/);
  });
});
