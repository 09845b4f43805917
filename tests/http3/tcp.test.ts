// The TCP side of serve(): a Fetch handler over HTTP/1.1 and HTTP/2 on TLS
// (node:http2 with allowHTTP1), proven with Node's own clients: a Hono app
// unchanged, bodies streamed both ways with back-pressure, Alt-Svc on every
// response, failures → 500 without a crash, HEAD, the client going away
// aborts the Request's signal, one access-log record per request, graceful close.
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createDevCert } from '../../host/http3/devcert.js';
import { serveTcp, type TcpServer, type TcpServeOptions } from '../../host/http3/tcp.js';
import type { FetchHandler } from '../../host/http3/handler.js';
import type { AccessLogRecord } from '../../host/http3/access-log.js';
import { formatAccessLog } from '../../host/http3/access-log.js';
import { InvalidArgumentError } from '../../host/errors.js';
import { request, requestStream, type Proto } from './tcp-clients.js';

const dc = createDevCert();
const servers: TcpServer[] = [];
afterAll(async () => { await Promise.all(servers.map((s) => s.close({ timeoutMs: 100 }))); });

async function start(handler: FetchHandler, o: Partial<TcpServeOptions> = {}): Promise<TcpServer> {
  const s = await serveTcp({ cert: dc.cert, key: dc.key, onError: () => {}, ...o }, handler);
  servers.push(s);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const PROTOS: Proto[] = ['h1', 'h2'];

describe('a Hono app runs unchanged', () => {
  const app = new Hono<{ Bindings: { protocol: string; remoteAddress: string } }>();
  app.get('/hello/:name', (c) => c.text(`hello ${c.req.param('name')} over ${c.env.protocol} from ${c.env.remoteAddress}`));
  app.post('/json', async (c) => c.json({ got: await c.req.json(), ua: c.req.header('x-test') ?? null }, 201));
  app.get('/cookies', (c) => {
    c.header('set-cookie', 'a=1', { append: true });
    c.header('set-cookie', 'b=2', { append: true });
    return c.body(null, 204);
  });
  app.get('/redirect', (c) => c.redirect('/hello/again', 302));

  for (const proto of PROTOS) {
    it(`over ${proto}`, async () => {
      const s = await start(app.fetch);
      const a = await request(proto, s.port, dc.cert, '/hello/world?x=1');
      expect(a.alpn).toBe(proto === 'h1' ? 'http/1.1' : 'h2');
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toMatch(/^text\/plain/);
      expect(a.body.toString()).toBe(`hello world over ${proto} from 127.0.0.1`);
      const b = await request(proto, s.port, dc.cert, '/json', {
        method: 'POST', body: JSON.stringify({ n: 42 }), headers: { 'content-type': 'application/json', 'x-test': 't1' },
      });
      expect(b.status).toBe(201);
      expect(JSON.parse(b.body.toString())).toEqual({ got: { n: 42 }, ua: 't1' });
      const c = await request(proto, s.port, dc.cert, '/cookies');
      expect(c.status).toBe(204);
      expect(c.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      const d = await request(proto, s.port, dc.cert, '/redirect');
      expect(d.status).toBe(302);
      expect(d.headers.location).toBe('/hello/again');
      expect((await request(proto, s.port, dc.cert, '/nope')).status).toBe(404);
    });
  }
});

describe('bodies stream both ways', () => {
  for (const proto of PROTOS) {
    it(`echoes a 5 MB request body over ${proto}, streamed (the response starts before the upload ends)`, async () => {
      let sawBodyStream = false;
      const s = await start((req) => {
        sawBodyStream = req.body instanceof ReadableStream;
        return new Response(req.body, { headers: { 'content-type': req.headers.get('content-type') ?? 'application/octet-stream' } });
      });
      const data = crypto.randomBytes(5 * 1024 * 1024);
      const r = await request(proto, s.port, dc.cert, '/echo', { method: 'POST', body: data, headers: { 'content-type': 'application/x-test' } });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/x-test');
      expect(r.body.length).toBe(data.length);
      expect(sha(r.body)).toBe(sha(data));
      expect(sawBodyStream).toBe(true);
      // A bodiless POST gets a null body.
      let bodyNull = false;
      const s2 = await start((req) => { bodyNull = req.body === null; return new Response('ok'); });
      await request(proto, s2.port, dc.cert, '/', { method: 'POST' });
      expect(bodyNull).toBe(true);
    });

    it(`sends 50 MB to a stalled reader over ${proto} with bounded lead (back-pressure), then all of it`, async () => {
      const TOTAL = 50 * 1024 * 1024, CHUNK = 64 * 1024;
      let produced = 0;
      const s = await start(() => new Response(new ReadableStream<Uint8Array>({
        pull(c) {
          if (produced >= TOTAL) { c.close(); return; }
          const n = Math.min(CHUNK, TOTAL - produced);
          const b = new Uint8Array(n);
          b[0] = (produced / CHUNK) & 0xff; // chunk index: a reorder or a loss shows in the sum
          produced += n;
          c.enqueue(b);
        },
      }, { highWaterMark: 1 }), { headers: { 'content-length': String(TOTAL) } }));
      const r = await requestStream(proto, s.port, dc.cert, '/big');
      r.body.pause();
      let maxLead = 0;
      for (let i = 0; i < 10; i++) { await sleep(40); maxLead = Math.max(maxLead, produced); }
      // Loopback socket buffers hold a few MB; without back-pressure the whole 50 MB would be queued by now.
      expect(maxLead).toBeLessThan(16 * 1024 * 1024);
      let received = 0, indexSum = 0, lead = 0;
      for await (const c of r.body) {
        const b = c as Buffer;
        for (let off = (CHUNK - (received % CHUNK)) % CHUNK; off < b.length; off += CHUNK) indexSum += b[off];
        received += b.length;
        lead = Math.max(lead, produced - received);
      }
      expect(received).toBe(TOTAL);
      expect(produced).toBe(TOTAL);
      let want = 0;
      for (let i = 0; i < TOTAL / CHUNK; i++) want += i & 0xff;
      expect(indexSum).toBe(want);
      expect(lead).toBeLessThan(16 * 1024 * 1024);
    });
  }
});

describe('request bodies are pulled at the handler\'s pace', () => {
  for (const proto of PROTOS) {
    it(`a 50 MB upload to a handler that waits before reading stays bounded (${proto})`, async () => {
      const TOTAL = 50 * 1024 * 1024, CHUNK = 64 * 1024;
      let release!: () => void;
      const go = new Promise<void>((r) => { release = r; });
      const s = await start(async (req) => {
        await go;
        let n = 0;
        for await (const c of req.body as unknown as AsyncIterable<Uint8Array>) n += c.byteLength;
        return new Response(String(n));
      });
      let sent = 0;
      const http2 = await import('node:http2');
      const https = await import('node:https');
      const chunk = Buffer.alloc(CHUNK, 7);
      const answer = new Promise<string>((resolve, reject) => {
        let w: import('node:stream').Writable;
        const collect = (r: import('node:stream').Readable) => { let t = ''; r.on('data', (c) => { t += c; }); r.on('end', () => resolve(t)); };
        if (proto === 'h1') {
          const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: s.port, method: 'POST', path: '/up', ca: dc.cert, agent: false, headers: { 'content-length': String(TOTAL) } }, collect);
          req.on('error', reject);
          w = req;
        } else {
          const session = http2.connect(`https://127.0.0.1:${s.port}`, { ca: dc.cert, servername: 'localhost' });
          session.on('error', reject);
          const st = session.request({ ':method': 'POST', ':path': '/up' });
          st.on('error', reject);
          st.on('response', () => collect(st));
          st.on('close', () => session.close());
          w = st;
        }
        const pump = () => {
          while (sent < TOTAL) {
            sent += CHUNK;
            if (!w.write(chunk)) { w.once('drain', pump); return; }
          }
          w.end();
        };
        pump();
      });
      await sleep(400);
      const stalled = sent;
      release();
      expect(await answer).toBe(String(TOTAL));
      // Socket buffers and one window hold a few MB; without back-pressure the client would have sent it all.
      expect(stalled).toBeLessThan(16 * 1024 * 1024);
    });
  }
});

describe('a request body the handler ignores', () => {
  for (const proto of PROTOS) {
    it(`does not stall the response or the connection (${proto})`, async () => {
      const s = await start(() => new Response('ignored your body'));
      const data = crypto.randomBytes(8 * 1024 * 1024);
      const r = await request(proto, s.port, dc.cert, '/upload', { method: 'POST', body: data });
      expect([r.status, r.body.toString()]).toEqual([200, 'ignored your body']);
      expect((await request(proto, s.port, dc.cert, '/after')).status).toBe(200);
    });
  }
});

describe('alt-svc, errors, HEAD', () => {
  for (const proto of PROTOS) {
    it(`every response carries alt-svc when an HTTP/3 port is given (${proto}), the handler's own wins`, async () => {
      const s = await start((req) => (new URL(req.url).pathname === '/own'
        ? new Response('x', { headers: { 'alt-svc': 'clear' } })
        : new Response('y')), { h3Port: 4433 });
      expect((await request(proto, s.port, dc.cert, '/')).headers['alt-svc']).toBe('h3=":4433"; ma=86400');
      expect((await request(proto, s.port, dc.cert, '/own')).headers['alt-svc']).toBe('clear');
      const none = await start(() => new Response('z'));
      expect((await request(proto, none.port, dc.cert, '/')).headers['alt-svc']).toBeUndefined();
    });

    it(`a handler that throws, rejects or returns no Response gives 500, logged, and the server keeps serving (${proto})`, async () => {
      const errors: unknown[] = [];
      const s = await start(async (req) => {
        const p = new URL(req.url).pathname;
        if (p === '/throw') throw new Error('boom');
        if (p === '/reject') return Promise.reject(new Error('later boom'));
        if (p === '/nothing') return undefined as unknown as Response;
        return new Response('fine');
      }, { h3Port: 443, onError: (e) => errors.push(e) });
      for (const p of ['/throw', '/reject', '/nothing']) {
        const r = await request(proto, s.port, dc.cert, p);
        expect(r.status).toBe(500);
        expect(r.headers['alt-svc']).toBe('h3=":443"; ma=86400');
      }
      expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'later boom', expect.stringMatching(/not a Response/)]);
      expect((await request(proto, s.port, dc.cert, '/')).body.toString()).toBe('fine');
    });

    it(`a body that fails half-way truncates the response visibly (${proto})`, async () => {
      const errors: unknown[] = [];
      const s = await start(() => new Response(new ReadableStream({
        start(c) { c.enqueue(new Uint8Array(1000)); setTimeout(() => c.error(new Error('body boom')), 20); },
      }), { headers: { 'content-length': '5000' } }), { onError: (e) => errors.push(e) });
      await expect(request(proto, s.port, dc.cert, '/')).rejects.toThrow();
      await sleep(20);
      expect((errors[0] as Error).message).toBe('body boom');
    });

    it(`HEAD sends the handler's fields and no body (${proto})`, async () => {
      let method = '';
      const s = await start((req) => { method = req.method; return new Response('twelve bytes', { headers: { 'content-length': '12' } }); });
      const r = await request(proto, s.port, dc.cert, '/', { method: 'HEAD' });
      expect(method).toBe('HEAD');
      expect(r.status).toBe(200);
      expect(r.headers['content-length']).toBe('12');
      expect(r.body.length).toBe(0);
    });
  }

  it('a request Fetch cannot represent gets 501/400, not a crash', async () => {
    const s = await start(() => new Response('never'));
    expect((await request('h1', s.port, dc.cert, '/', { method: 'TRACE' })).status).toBe(501);
    expect((await request('h2', s.port, dc.cert, '/', { method: 'TRACK' })).status).toBe(501);
  });
});

describe('the client going away, the access log, close', () => {
  for (const proto of PROTOS) {
    it(`aborts the Request's signal and stops reading the body when the client goes away (${proto})`, async () => {
      let aborted!: () => void;
      const abortedP = new Promise<void>((r) => { aborted = r; });
      let cancelled = false;
      const records: AccessLogRecord[] = [];
      const s = await start((req) => {
        req.signal.addEventListener('abort', () => aborted());
        return new Response(new ReadableStream({
          pull(c) { c.enqueue(new Uint8Array(16 * 1024)); },
          cancel() { cancelled = true; },
        }));
      }, { accessLog: (r) => records.push(r) });
      const r = await requestStream(proto, s.port, dc.cert, '/forever');
      await new Promise<void>((res) => r.body.once('data', () => res()));
      r.destroy();
      await abortedP;
      for (let i = 0; i < 50 && (!cancelled || records.length === 0); i++) await sleep(10);
      expect(cancelled).toBe(true);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ method: 'GET', path: '/forever', status: 200, protocol: proto, aborted: true, remoteAddress: '127.0.0.1' });
    });

    it(`writes one access-log record per request (${proto})`, async () => {
      const records: AccessLogRecord[] = [];
      const s = await start((req) => new Response(req.method === 'POST' ? 'posted!' : 'ok', { status: req.method === 'POST' ? 201 : 200 }), { accessLog: (r) => records.push(r) });
      await request(proto, s.port, dc.cert, '/a?b=c');
      await request(proto, s.port, dc.cert, '/p', { method: 'POST', body: 'x' });
      expect(records).toHaveLength(2);
      expect(records[0]).toMatchObject({ method: 'GET', path: '/a?b=c', status: 200, bytes: 2, protocol: proto, aborted: false, remoteAddress: '127.0.0.1' });
      expect(records[1]).toMatchObject({ method: 'POST', path: '/p', status: 201, bytes: 7, protocol: proto, aborted: false });
      expect(records[0].remotePort).toBeGreaterThan(0);
      expect(records[0].durationMs).toBeGreaterThanOrEqual(0);
      expect(formatAccessLog(records[0])).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\d+ ${proto} GET /a\\?b=c 200 2 \\d+\\.\\dms$`));
    });

    it(`close() lets a request in flight finish, refuses new connections, then resolves (${proto})`, async () => {
      const s = await serveTcp({ cert: dc.cert, key: dc.key }, () => new Response(new ReadableStream({
        async start(c) {
          for (let i = 0; i < 5; i++) { c.enqueue(new TextEncoder().encode(`${i}`)); await sleep(40); }
          c.close();
        },
      })));
      const inflight = requestStream(proto, s.port, dc.cert, '/slow');
      const r = await inflight;
      const closed = s.close({ timeoutMs: 5000 });
      const parts: Buffer[] = [];
      for await (const c of r.body) parts.push(c as Buffer);
      expect(Buffer.concat(parts).toString()).toBe('01234');
      await closed;
      await expect(request(proto, s.port, dc.cert, '/')).rejects.toThrow(/ECONNREFUSED/);
    });

    it(`close() destroys what is still running after the timeout (${proto})`, async () => {
      const s = await serveTcp({ cert: dc.cert, key: dc.key }, () => new Response(new ReadableStream({ async pull(c) { await sleep(10); c.enqueue(new Uint8Array(10)); } })));
      const r = await requestStream(proto, s.port, dc.cert, '/never-ends');
      const t0 = performance.now();
      const ended = new Promise<void>((res) => { r.body.on('error', () => res()); r.body.on('close', () => res()); r.body.resume(); });
      await s.close({ timeoutMs: 200 });
      await ended;
      expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    });
  }

  it('an idle keep-alive HTTP/1.1 connection does not hold close() up', async () => {
    const s = await serveTcp({ cert: dc.cert, key: dc.key }, () => new Response('ok'));
    const https = await import('node:https');
    const agent = new https.Agent({ keepAlive: true, ca: dc.cert });
    await new Promise<void>((res, rej) => https.get({ host: '127.0.0.1', servername: 'localhost', port: s.port, agent }, (r) => { r.resume(); r.on('end', res); }).on('error', rej));
    const t0 = performance.now();
    await s.close({ timeoutMs: 10_000 });
    expect(performance.now() - t0).toBeLessThan(5000);
    agent.destroy();
  });

  it('refuses bad options before listening', async () => {
    await expect(serveTcp({ cert: dc.cert, key: dc.key, port: 70000 }, () => new Response())).rejects.toThrow(InvalidArgumentError);
    await expect(serveTcp({ cert: dc.cert, key: dc.key, bogus: 1 } as TcpServeOptions, () => new Response())).rejects.toThrow(/bogus: unknown option/);
    await expect(serveTcp({ cert: dc.cert, key: dc.key }, 'x' as unknown as FetchHandler)).rejects.toThrow(InvalidArgumentError);
  });
});
