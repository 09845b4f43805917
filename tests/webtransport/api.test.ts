// The W3C WebTransport class (h3-wasi/webtransport) against our server:
// serve({ webtransport }) with an echo hook (tests/helpers/wt-server.ts), on
// loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebTransport, WebTransportError } from '../../host/webtransport/index.js';
import { startWtServer, type WtTestServer } from '../helpers/wt-server.js';
import { readAll, first } from '../helpers/web-streams.js';

let server: WtTestServer;
beforeAll(async () => { server = await startWtServer(); });
afterAll(async () => { await server?.close(); });

const url = (path: string) => server.url(path);
const open = (path: string, extra: Record<string, unknown> = {}) =>
  new WebTransport(url(path), { serverCertificateHashes: [{ algorithm: 'sha-256', value: server.sha256 }], ...extra });
const enc = (s: string) => new TextEncoder().encode(s);

describe('WebTransport (W3C API) against our server', () => {
  it('ready resolves; the server sees the CONNECT with :protocol webtransport and the path', async () => {
    const wt = open('/ready?x=1');
    await wt.ready;
    const s = await server.nextSession();
    expect(s.request.protocol).toBe('webtransport');
    expect(s.path).toBe('/ready?x=1');
    expect(new URL(s.request.url).host).toBe(`127.0.0.1:${server.port}`);
    expect(wt.reliability).toBe('supports-unreliable');
    wt.close();
    await expect(wt.closed).resolves.toEqual({ closeCode: 0, reason: '' });
  });

  it('a bidirectional stream is echoed', async () => {
    const wt = open('/bidi');
    await wt.ready;
    await server.nextSession();
    const s = await wt.createBidirectionalStream();
    const w = s.writable.getWriter();
    const payload = 'x'.repeat(100_000) + 'end';
    await w.write(enc(payload));
    await w.close();
    expect(await readAll(s.readable)).toBe(payload);
    wt.close({ closeCode: 1, reason: 'done' });
  });

  it('unidirectional streams both ways: ours is echoed on one the server opens', async () => {
    const wt = open('/uni');
    await wt.ready;
    await server.nextSession();
    const w = (await wt.createUnidirectionalStream()).getWriter();
    await w.write(enc('hello '));
    await w.write(enc('uni'));
    await w.close();
    const back = await first(wt.incomingUnidirectionalStreams);
    expect(await readAll(back)).toBe('hello uni');
    const stats = await wt.getStats();
    expect(stats.numOutgoingStreamsCreated).toBe(1);
    expect(stats.numIncomingStreamsCreated).toBe(1);
    expect(stats.bytesSent).toBeGreaterThan(0);
    wt.close();
  });

  it('datagrams are echoed; maxDatagramSize is a path-sized number', async () => {
    const wt = open('/dgram');
    await wt.ready;
    await server.nextSession();
    expect(wt.datagrams.maxDatagramSize).toBeGreaterThan(1000);
    expect(wt.datagrams.maxDatagramSize).toBeLessThan(1500);
    const writer = wt.datagrams.writable.getWriter();
    const reader = wt.datagrams.readable.getReader();
    // unreliable even on loopback in principle: send until one comes back
    let got: string | null = null;
    for (let i = 0; i < 20 && got === null; i++) {
      await writer.write(enc(`ping ${i}`));
      const r = await Promise.race([reader.read(), new Promise<null>((res) => setTimeout(() => res(null), 200))]);
      if (r && !r.done) got = Buffer.from(r.value).toString();
    }
    expect(got).toMatch(/^ping \d+$/);
    wt.close();
  });

  it('close with a code and reason: the server sees them; a server close is seen by the client', async () => {
    const wt = open('/close');
    await wt.ready;
    const s = await server.nextSession();
    wt.close({ closeCode: 42, reason: 'bye ✓' });
    await expect(wt.closed).resolves.toEqual({ closeCode: 42, reason: 'bye ✓' });
    expect(await s.closed).toEqual({ closeCode: 42, reason: 'bye ✓' });

    const wt2 = open('/close2');
    await wt2.ready;
    const s2 = await server.nextSession();
    const bidi = await wt2.createBidirectionalStream();
    s2.wt.close({ closeCode: 7, reason: 'server says bye' });
    await expect(wt2.closed).resolves.toEqual({ closeCode: 7, reason: 'server says bye' });
    // the session's open streams end with it
    await expect(readAll(bidi.readable)).rejects.toBeInstanceOf(WebTransportError);
  });

  it('a refused session rejects ready and closed with WebTransportError (source session), naming the status', async () => {
    const wt = open('/refuse/403');
    const err = await wt.ready.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(WebTransportError);
    expect((err as WebTransportError).source).toBe('session');
    expect((err as Error).message).toMatch(/403/);
    await expect(wt.closed).rejects.toBeInstanceOf(WebTransportError);
  });

  it('a stream reset carries the WebTransport code both ways (draft §4.4 mapping)', async () => {
    const wt = open('/reset');
    await wt.ready;
    await server.nextSession();
    const s = await wt.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(enc('abc'));
    // the echo first: the server's core has the stream as a WebTransport stream (a stream reset before its
    // prefix was read is a request stream reset early, answered with H3_REQUEST_CANCELLED)
    const reader = s.readable.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('abc');
    reader.releaseLock();
    // our abort → RESET_STREAM; the echo server's pipe carries it back as a reset of the echo
    await w.abort(new WebTransportError('stop', { streamErrorCode: 1234 }));
    const e = await readAll(s.readable).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(WebTransportError);
    expect((e as WebTransportError).source).toBe('stream');
    expect((e as WebTransportError).streamErrorCode).toBe(1234);
    wt.close();
  });

  it('allowPooling: sessions to one origin share a connection; without it each has its own', async () => {
    const a = open('/pool-a', { allowPooling: true });
    const b = open('/pool-b', { allowPooling: true });
    const c = open('/pool-c');
    await Promise.all([a.ready, b.ready, c.ready]);
    const [sa, sb, sc] = [await server.nextSession(), await server.nextSession(), await server.nextSession()];
    const byPath = new Map([sa, sb, sc].map((x) => [x.path, x.remotePort]));
    expect(byPath.get('/pool-a')).toBe(byPath.get('/pool-b'));
    expect(byPath.get('/pool-c')).not.toBe(byPath.get('/pool-a'));
    // each pooled session still echoes on its own streams
    for (const wt of [a, b]) {
      const s = await wt.createBidirectionalStream();
      const w = s.writable.getWriter();
      await w.write(enc('pooled'));
      await w.close();
      expect(await readAll(s.readable)).toBe('pooled');
    }
    a.close({ closeCode: 1 });
    // closing one pooled session leaves the other working
    const s = await b.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(enc('still here'));
    await w.close();
    expect(await readAll(s.readable)).toBe('still here');
    b.close();
    c.close();
  });

  it('the server opens a bidirectional stream; the client reads it from incomingBidirectionalStreams', async () => {
    const wt = open('/server-bidi');
    await wt.ready;
    const s = await server.nextSession();
    const out = await s.wt.createBidirectionalStream();
    const w = out.writable.getWriter();
    await w.write(enc('from the server'));
    await w.close();
    const inc = await first(wt.incomingBidirectionalStreams);
    expect(await readAll(inc.readable)).toBe('from the server');
    const iw = inc.writable.getWriter();
    await iw.write(enc('reply'));
    await iw.close();
    expect(await readAll(out.readable)).toBe('reply');
    wt.close();
  });

  it('draining: the server asks the client to wind down', async () => {
    const wt = open('/drain');
    await wt.ready;
    const s = await server.nextSession();
    expect(s.wt.drain()).toBe(true);
    await wt.draining;
    wt.close();
  });

  it('200 concurrent bidirectional streams on one session, each echoed', async () => {
    const wt = open('/many');
    await wt.ready;
    await server.nextSession();
    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const s = await wt.createBidirectionalStream();
      const w = s.writable.getWriter();
      await w.write(enc(`stream ${i}`));
      await w.close();
      return readAll(s.readable);
    }));
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => `stream ${i}`));
    expect((await wt.getStats()).numOutgoingStreamsCreated).toBe(200);
    wt.close();
  });

  it('serverCertificateHashes: a hash that is not the certificate\'s fails the session', async () => {
    const wrong = new Uint8Array(server.sha256);
    wrong[0] ^= 1;
    const wt = new WebTransport(url('/pinned'), { serverCertificateHashes: [{ algorithm: 'sha-256', value: wrong }] });
    const err = await wt.ready.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(WebTransportError);
    expect((err as WebTransportError).source).toBe('session');
    await expect(wt.closed).rejects.toBeInstanceOf(WebTransportError);
  });

  it('an open session keeps a process alive; once closed the process exits on its own', async () => {
    const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/host/webtransport/index.js');
    const script = (closeIt: boolean) => `
      const { WebTransport } = await import(${JSON.stringify(entry)});
      const wt = new WebTransport('${url('/child')}', { serverCertificateHashes: [{ algorithm: 'sha-256', value: Buffer.from('${Buffer.from(server.sha256).toString('hex')}', 'hex') }] });
      await wt.ready;
      console.log('ready');
      if (${closeIt}) { wt.close({ closeCode: 3, reason: 'child' }); console.log(JSON.stringify(await wt.closed)); }`;
    const run = (closeIt: boolean) => new Promise<{ out: string; exited: boolean }>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script(closeIt)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      const timer = setTimeout(() => { child.kill(); resolve({ out, exited: false }); }, 4000);
      child.on('exit', () => { clearTimeout(timer); resolve({ out, exited: true }); });
    });
    const [closed, open] = await Promise.all([run(true), run(false)]);
    expect(closed.out).toBe('ready\n{"closeCode":3,"reason":"child"}\n');
    expect(closed.exited).toBe(true);
    expect(open.out).toBe('ready\n');
    expect(open.exited).toBe(false);
    // both children's sessions reached the server (taken, so later cases see their own)
    const paths = [(await server.nextSession()).path, (await server.nextSession()).path];
    expect(paths).toEqual(['/child', '/child']);
  }, 15_000);

  it('requireUnreliable: our server sends SETTINGS_H3_DATAGRAM, so the session opens', async () => {
    const wt = open('/unreliable', { requireUnreliable: true });
    await wt.ready;
    await server.nextSession();
    wt.close();
  });

  it('a server whose SETTINGS offer no WebTransport: ready rejects (WT_REQUIREMENTS_NOT_MET), no CONNECT is sent', async () => {
    const plain = await startWtServer({ webtransport: false });
    try {
      const wt = new WebTransport(`https://127.0.0.1:${plain.port}/x`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: plain.sha256 }] });
      const err = await wt.ready.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(WebTransportError);
      expect((err as Error).message).toMatch(/do not offer WebTransport/);
      expect(plain.sessions).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });

  it('the constructor refuses what W3C refuses', () => {
    expect(() => new WebTransport('http://127.0.0.1:1/x')).toThrow(SyntaxError);
    expect(() => new WebTransport('https://127.0.0.1:1/x#frag')).toThrow(SyntaxError);
    expect(() => new WebTransport('https://127.0.0.1:1/x', { congestionControl: 'fast' as 'default' })).toThrow(/congestionControl/);
  });
});
