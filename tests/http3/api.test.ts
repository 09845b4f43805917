// h3-wasi/http3 end to end on loopback: `serve()` and `fetch()` through the
// shipped component (HTTP/3 in the core, host/http3/ around it). What a user
// of fetch and of a Fetch-handler server relies on: bodies both ways,
// streaming with back-pressure, many requests on one connection, a Hono app
// unchanged, abort, redirects, timeouts, trust options on the generated
// development certificate, 0-RTT on resumption, Alt-Svc on TCP, limits
// (431, 413), graceful shutdown.
import { createHash } from 'node:crypto';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { fetch as h3fetch, Http3Client, serve, type Http3Server, type AccessLogRecord } from '../../host/http3/index.js';
import { Http3Error, QuicError } from '../../host/errors.js';

const servers: Http3Server[] = [];
const clients: Http3Client[] = [];
const log: AccessLogRecord[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.shutdown({ timeoutMs: 500 })));
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}

/** A client that trusts the server's generated certificate by its hash. */
function clientFor(s: Http3Server, extra: ConstructorParameters<typeof Http3Client>[0] = {}): Http3Client {
  const c = new Http3Client({ pinnedSha256: [s.certificate.sha256], ...extra });
  clients.push(c);
  return c;
}

let server: Http3Server;
let base = '';
const big = pattern(10 * 1024 * 1024, 7);

beforeAll(async () => {
  const app = new Hono();
  app.get('/hello/:name', (c) => c.json({ hello: c.req.param('name'), q: c.req.query('q') ?? null }));
  app.post('/echo', async (c) => new Response(c.req.raw.body, { headers: { 'content-type': c.req.header('content-type') ?? 'application/octet-stream' } }));
  app.get('/big', () => new Response(big, { headers: { 'content-length': String(big.length) } }));
  app.get('/slow', async (c) => {
    // a body that trickles: the client can abort in the middle
    let n = 0;
    const s = new ReadableStream({
      async pull(ctl) {
        await new Promise((r) => setTimeout(r, 20));
        ctl.enqueue(new Uint8Array(1000));
        if (++n === 100) ctl.close();
      },
    });
    void c;
    return new Response(s);
  });
  app.get('/never', () => new Promise<Response>(() => {}));
  app.get('/status/:n', (c) => new Response(null, { status: Number(c.req.param('n')) }));
  app.get('/redirect/:code', (c) => c.redirect(`/hello/redirected?q=${c.req.param('code')}`, Number(c.req.param('code')) as 301));
  app.post('/redirect/:code', (c) => c.redirect('/method', Number(c.req.param('code')) as 301));
  app.all('/method', async (c) => c.json({ method: c.req.method, body: await c.req.text() }));
  app.get('/loop', (c) => c.redirect('/loop', 302));
  app.get('/headers', (c) => c.json(Object.fromEntries(c.req.raw.headers)));
  app.get('/throws', () => { throw new Error('handler bug'); });
  server = await serve({ port: 0, accessLog: (r) => log.push(r), onError: () => {}, http3: { maxBodySize: 4 << 20 } }, app.fetch);
  servers.push(server);
  base = server.url.replace(/\/$/, '');
});

describe('h3-wasi/http3: serve() and fetch() on loopback', () => {
  it('a Hono app runs unchanged over HTTP/3: JSON, params, query', async () => {
    const c = clientFor(server);
    const res = await c.fetch(`${base}/hello/world?q=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ hello: 'world', q: '1' });
    expect(c.connection(base)?.alpn).toBe('h3');
    const rec = log.find((r) => r.path === '/hello/world?q=1');
    expect(rec).toMatchObject({ method: 'GET', status: 200, protocol: 'h3', aborted: false });
  });

  it('10 MB download and a 3 MB streamed upload echoed, intact', async () => {
    const c = clientFor(server);
    const res = await c.fetch(`${base}/big`);
    const got = new Uint8Array(await res.arrayBuffer());
    expect(got.length).toBe(big.length);
    expect(sha(got)).toBe(sha(big));
    const up = pattern(3 * 1024 * 1024, 3);
    let off = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (off >= up.length) { ctl.close(); return; }
        ctl.enqueue(up.subarray(off, off + 100_000));
        off += 100_000;
      },
    });
    const r2 = await c.fetch(`${base}/echo`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(sha(new Uint8Array(await r2.arrayBuffer()))).toBe(sha(up));
  });

  it('100 concurrent requests share one connection', async () => {
    const c = clientFor(server);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => c.fetch(`${base}/hello/n${i}`).then((r) => r.json())));
    results.forEach((j, i) => expect(j).toEqual({ hello: `n${i}`, q: null }));
    const st = await c.connection(base)!.getStats();
    expect(st.state).toBe('established');
  });

  it('more concurrent requests than the server\'s stream limit wait for MAX_STREAMS, on the same connection', async () => {
    // the engine's "no more requests now" refusal was taken for a trap: fetch failed and the connection with it
    const s = await serve({ port: 0, tcp: false, quic: { maxStreamsBidi: 4 }, onError: () => {} }, (req) => new Response(new URL(req.url).pathname));
    servers.push(s);
    const c = clientFor(s);
    const url = `https://127.0.0.1:${s.port}`;
    const texts = await Promise.all(Array.from({ length: 40 }, (_, i) => c.fetch(`${url}/n${i}`).then((r) => r.text())));
    texts.forEach((t, i) => expect(t).toBe(`/n${i}`));
    expect((await c.connection(url)!.getStats()).state).toBe('established');
  });

  it('a request waiting for the server\'s stream limit can be aborted; the ones in progress are not disturbed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const s = await serve({ port: 0, tcp: false, quic: { maxStreamsBidi: 1 }, onError: () => {} }, async (req) => {
      if (new URL(req.url).pathname === '/hold') await gate;
      return new Response(new URL(req.url).pathname);
    });
    servers.push(s);
    const c = clientFor(s);
    const url = `https://127.0.0.1:${s.port}`;
    const held = c.fetch(`${url}/hold`);
    await new Promise((r) => setTimeout(r, 100));
    const ac = new AbortController();
    const waiting = c.fetch(`${url}/waits`, { signal: ac.signal });
    const after = c.fetch(`${url}/after`);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(50);
    release();
    expect(await (await held).text()).toBe('/hold');
    // the aborted request left the line: the one behind it gets the next stream
    expect(await (await after).text()).toBe('/after');
  });

  it('abort in the middle of a body rejects with the signal reason; the server sees the request aborted', async () => {
    const c = clientFor(server);
    const ac = new AbortController();
    const res = await c.fetch(`${base}/slow`, { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await expect(c.fetch(`${base}/slow`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    for (let i = 0; i < 100 && !log.some((r) => r.path === '/slow' && r.aborted); i++) await new Promise((r) => setTimeout(r, 20));
    expect(log.some((r) => r.path === '/slow' && r.aborted)).toBe(true);
  });

  it('timeouts: a handler that never answers fails the request after `timeout` ms', async () => {
    const c = clientFor(server, { timeout: 300 });
    const t0 = Date.now();
    await expect(c.fetch(`${base}/never`)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('redirects as the Fetch standard says', async () => {
    const c = clientFor(server);
    for (const code of [301, 302, 303, 307, 308]) {
      const res = await c.fetch(`${base}/redirect/${code}`);
      expect(res.status).toBe(200);
      expect(res.redirected).toBe(true);
      expect(res.url).toBe(`${base}/hello/redirected?q=${code}`);
      expect(await res.json()).toEqual({ hello: 'redirected', q: String(code) });
    }
    // POST: 303 (and 301/302) become GET without a body; 307/308 keep method and body
    for (const [code, method, body] of [[303, 'GET', ''], [302, 'GET', ''], [307, 'POST', 'payload'], [308, 'POST', 'payload']] as const) {
      const res = await c.fetch(`${base}/redirect/${code}`, { method: 'POST', body: 'payload' });
      expect(await res.json()).toEqual({ method, body });
    }
    const manual = await c.fetch(`${base}/redirect/302`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/hello/redirected?q=302');
    await expect(c.fetch(`${base}/redirect/302`, { redirect: 'error' })).rejects.toThrow(TypeError);
    await expect(c.fetch(`${base}/loop`)).rejects.toThrow(/redirects/);
  });

  it('statuses without a body, a handler that throws → 500, request headers arrive lower-case without connection-specific fields', async () => {
    const c = clientFor(server);
    for (const s of [204, 304, 404]) {
      const res = await c.fetch(`${base}/status/${s}`);
      expect(res.status).toBe(s);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    expect((await c.fetch(`${base}/throws`)).status).toBe(500);
    const h = await (await c.fetch(`${base}/headers`, { headers: { 'X-Custom': 'yes', Connection: 'keep-alive' } })).json();
    expect(h['x-custom']).toBe('yes');
    expect(h.connection).toBeUndefined();
  });

  it('limits: a field section over SETTINGS_MAX_FIELD_SECTION_SIZE gets 431, a body over maxBodySize 413', async () => {
    const c = clientFor(server);
    const res = await c.fetch(`${base}/headers`, { headers: { 'x-huge': 'a'.repeat(100_000) } });
    expect(res.status).toBe(431);
    const r2 = await c.fetch(`${base}/echo`, { method: 'POST', body: pattern(5 << 20) });
    expect(r2.status).toBe(413);
    // the connection is still good
    expect((await c.fetch(`${base}/hello/after`)).status).toBe(200);
  });

  it('trust: pinned hash and ca accept the development certificate; a wrong pin or no trust fails with a TLS error', async () => {
    expect(server.devCert).toBe(true);
    const byCa = new Http3Client({ ca: server.certPem });
    clients.push(byCa);
    expect((await byCa.fetch(`${base}/hello/ca`)).status).toBe(200);
    const wrong = new Http3Client({ pinnedSha256: [new Uint8Array(32)] });
    clients.push(wrong);
    const e = await wrong.fetch(`${base}/hello/x`).catch((x) => x);
    expect(e).toBeInstanceOf(QuicError);
    expect((e as QuicError).tlsAlert).toBeGreaterThan(0);
    const none = new Http3Client();
    clients.push(none);
    await expect(none.fetch(`${base}/hello/x`)).rejects.toBeInstanceOf(QuicError);
  });

  it('0-RTT: a client with the first one\'s sessions sends GET in early data, accepted', async () => {
    const first = clientFor(server);
    await (await first.fetch(`${base}/hello/one`)).text();
    await new Promise((r) => setTimeout(r, 100)); // the ticket follows the handshake
    const sessions = first.sessions;
    expect(Object.keys(sessions).length).toBe(1);
    const second = clientFor(server, { sessions });
    const res = await second.fetch(`${base}/hello/two`);
    expect(await res.json()).toEqual({ hello: 'two', q: null });
    expect(second.connection(base)!.earlyData).toBe('accepted');
  });

  it('the TCP side serves the same handler with alt-svc pointing at HTTP/3', async () => {
    const body = await new Promise<{ status: number; altSvc: string | undefined; text: string }>((resolve, reject) => {
      https.get(`${base}/hello/tcp`, { ca: server.certPem }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode!, altSvc: res.headers['alt-svc'] as string | undefined, text }));
      }).on('error', reject);
    });
    expect(body.status).toBe(200);
    expect(body.altSvc).toBe(`h3=":${server.port}"; ma=86400`);
    expect(JSON.parse(body.text)).toEqual({ hello: 'tcp', q: null });
  });

  it('shutdown(): a request in flight completes, then new requests fail', async () => {
    const s = await serve({ port: 0, tcp: false, onError: () => {} }, async (req) => {
      if (new URL(req.url).pathname === '/wait') await new Promise((r) => setTimeout(r, 300));
      return new Response('done');
    });
    const c = clientFor(s, { quic: { handshakeTimeout: 1000 } });
    const u = s.url.replace(/\/$/, '');
    expect(await (await c.fetch(`${u}/first`)).text()).toBe('done');
    const inflight = c.fetch(`${u}/wait`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    const down = s.shutdown({ timeoutMs: 3000 });
    expect(await inflight).toBe('done');
    await down;
    const e = await c.fetch(`${u}/after`).catch((x) => x);
    expect(e instanceof QuicError || e instanceof Http3Error).toBe(true);
  });

  it('the default fetch refuses what it cannot do: http: URLs', async () => {
    await expect(h3fetch('http://127.0.0.1:1/')).rejects.toThrow(/https/);
  });
});
