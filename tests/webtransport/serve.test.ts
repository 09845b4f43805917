// serve()'s `webtransport(session, request, info)` hook with our W3C client:
// the same server answers Fetch requests and WebTransport sessions; the hook
// accepts (nothing returned), refuses by status (a Response), fails (500);
// the session object has the client's shape; shutdown drains sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http3Client, serve, type Http3Server } from '../../host/http3/index.js';
import type { AccessLogRecord } from '../../host/http3/access-log.js';
import { WebTransport, WebTransportError, type WebTransportRequest } from '../../host/webtransport/index.js';
import type { WebTransport as WT } from '../../host/webtransport/webtransport.js';
import { readAll } from '../helpers/web-streams.js';

let server: Http3Server;
const seen: { session: WT; request: WebTransportRequest; remotePort: number }[] = [];
const errors: unknown[] = [];
const log: AccessLogRecord[] = [];

beforeAll(async () => {
  server = await serve({
    port: 0, tcp: false, onError: (e) => errors.push(e), accessLog: (r) => log.push(r),
    async webtransport(session, request, info) {
      seen.push({ session, request, remotePort: info.remotePort });
      const path = new URL(request.url).pathname;
      if (path === '/forbidden') return new Response(null, { status: 403 });
      if (path === '/broken') throw new Error('the hook failed');
      if (path === '/slow') await new Promise((r) => setTimeout(r, 200)); // streams sent meanwhile are buffered
      void echo(session);
      return new Response(null, { headers: { 'x-session': 'yes' } });
    },
  }, () => new Response('plain https'));
});
afterAll(async () => { await server?.shutdown({ timeoutMs: 500 }); });

async function echo(wt: WT): Promise<void> {
  await wt.ready;
  const bidi = (async () => { for await (const s of wt.incomingBidirectionalStreams as unknown as AsyncIterable<{ readable: ReadableStream; writable: WritableStream }>) void s.readable.pipeTo(s.writable).catch(() => {}); })();
  const dgrams = (async () => {
    const w = wt.datagrams.writable.getWriter();
    for await (const d of wt.datagrams.readable as unknown as AsyncIterable<Uint8Array>) await w.write(d);
  })();
  await Promise.allSettled([bidi, dgrams]);
}

const open = (path: string) => new WebTransport(`https://127.0.0.1:${server.port}${path}`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: server.certificate.sha256 }] });

describe('serve({ webtransport })', () => {
  it('accepts a session: the hook sees the CONNECT; a bidirectional stream and a datagram are echoed; Fetch requests are still served', async () => {
    const wt = open('/echo?room=1');
    await wt.ready;
    const got = seen.at(-1)!;
    expect(got.request.method).toBe('CONNECT');
    expect(got.request.protocol).toBe('webtransport');
    expect(got.request.url).toBe(`https://127.0.0.1:${server.port}/echo?room=1`);
    expect(got.request.headers.get('sec-webtransport-http3-draft02')).toBe('1');
    expect(got.remotePort).toBeGreaterThan(0);
    await got.session.ready; // the server's object resolves too
    const s = await wt.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(new TextEncoder().encode('ping'));
    await w.close();
    expect(await readAll(s.readable)).toBe('ping');
    const dw = wt.datagrams.writable.getWriter();
    const dr = wt.datagrams.readable.getReader();
    let back: Uint8Array | undefined;
    for (let i = 0; i < 20 && !back; i++) { // datagrams are unreliable: retry until one comes back
      await dw.write(new Uint8Array([7, i]));
      back = await Promise.race([dr.read().then((x) => x.value), new Promise<undefined>((r) => setTimeout(r, 100))]);
    }
    expect(back?.[0]).toBe(7);
    const client = new Http3Client({ pinnedSha256: [server.certificate.sha256] });
    try {
      expect(await (await client.fetch(server.url)).text()).toBe('plain https');
    } finally {
      await client.close();
    }
    wt.close({ closeCode: 9, reason: 'bye' });
    await expect(got.session.closed).resolves.toEqual({ closeCode: 9, reason: 'bye' });
    expect(got.request.signal.aborted).toBe(true);
    await expect(wt.closed).resolves.toEqual({ closeCode: 9, reason: 'bye' });
  });

  it('a Response with a non-2xx status refuses the session: the client sees the status', async () => {
    const wt = open('/forbidden');
    const err = await wt.ready.then(() => null, (e) => e);
    expect(err).toBeInstanceOf(WebTransportError);
    expect(err.message).toMatch(/answered 403/);
    await expect(seen.at(-1)!.session.ready).rejects.toBeInstanceOf(WebTransportError);
    await new Promise((r) => setTimeout(r, 20));
    expect(log.some((r) => r.method === 'CONNECT' && r.path === '/forbidden' && r.status === 403)).toBe(true);
  });

  it('a hook that throws refuses with 500 and reports to onError', async () => {
    const wt = open('/broken');
    await expect(wt.ready).rejects.toThrow(/answered 500/);
    expect(errors.some((e) => e instanceof Error && e.message === 'the hook failed')).toBe(true);
  });

  it('a stream sent while the hook decides is buffered and delivered once accepted', async () => {
    const wt = open('/slow');
    await wt.ready;
    const s = await wt.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(new TextEncoder().encode('early'));
    await w.close();
    expect(await readAll(s.readable)).toBe('early');
    wt.close();
  });

  it('the server closes a session with a code and reason: the client sees both', async () => {
    const wt = open('/echo');
    await wt.ready;
    const server_ = seen.at(-1)!.session;
    server_.close({ closeCode: 4242, reason: 'server says bye' });
    await expect(wt.closed).resolves.toEqual({ closeCode: 4242, reason: 'server says bye' });
    expect(log.some((r) => r.method === 'CONNECT' && r.path === '/echo' && r.status === 200)).toBe(true);
  });

  it('shutdown drains open sessions (DRAIN_WEBTRANSPORT_SESSION) and waits for them', async () => {
    const other = await serve({ port: 0, tcp: false, webtransport: (s) => { void s.ready; } }, () => new Response('x'));
    const wt = new WebTransport(`https://127.0.0.1:${other.port}/x`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: other.certificate.sha256 }] });
    await wt.ready;
    let drained = false;
    void wt.draining.then(() => { drained = true; wt.close({ closeCode: 1, reason: 'drained' }); });
    const t0 = Date.now();
    await other.shutdown({ timeoutMs: 3000 });
    expect(drained).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2500); // the session closed on the drain: shutdown did not wait for its deadline
    await expect(wt.closed).resolves.toEqual({ closeCode: 1, reason: 'drained' });
  });

  it('a session the server closes right before shutdown(): the client still sees its code and reason', async () => {
    let serverSession: WT | null = null;
    const other = await serve({ port: 0, tcp: false, webtransport: (s) => { serverSession = s; } }, () => new Response('x'));
    const wt = new WebTransport(`https://127.0.0.1:${other.port}/x`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: other.certificate.sha256 }] });
    await wt.ready;
    serverSession!.close({ closeCode: 77, reason: 'maintenance' });
    await other.shutdown({ timeoutMs: 2000 });
    await expect(wt.closed).resolves.toEqual({ closeCode: 77, reason: 'maintenance' });
  });

  it('without the hook the server offers no WebTransport: the client is refused', async () => {
    const plain = await serve({ port: 0, tcp: false }, () => new Response('x'));
    try {
      const wt = new WebTransport(`https://127.0.0.1:${plain.port}/x`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: plain.certificate.sha256 }] });
      await expect(wt.ready).rejects.toThrow(/WT_REQUIREMENTS_NOT_MET|do not offer WebTransport/);
    } finally {
      await plain.shutdown({ timeoutMs: 200 });
    }
  });

  it('rejects a hook that is not a function', async () => {
    await expect(serve({ port: 0, tcp: false, webtransport: 5 as never }, () => new Response(''))).rejects.toThrow(/webtransport/);
  });
});
