// 0-RTT and replay (RFC 9114 §10.9, RFC 8470): a request that arrives in
// early data could be replayed by anyone who recorded it. serve() processes
// only safe methods so (telling the handler: `info.earlyData`) and answers
// the others 425 (Too Early) without calling the handler; our fetch sends
// only safe requests in 0-RTT and retries one answered 425 once the
// handshake is complete (§5.2).
//
// Our own fetch never sends a POST in 0-RTT, so the POST case uses the
// HTTP/3 connection layer directly (as client.ts does) to play a client
// that does — as Chromium and gtlsclient may.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http3Client, serve, type Http3Server, type AccessLogRecord, type ServeInfo } from '../../host/http3/index.js';
import { H3Connection, type H3StreamSink } from '../../host/http3/connection.js';
import { QuicEndpoint } from '../../host/quic/endpoint.js';
import type { ConnectionCore } from '../../host/quic/connection.js';
import { encodeH3Config, type H3Field } from '../../host/quic/wire.js';

let server: Http3Server;
const log: AccessLogRecord[] = [];
const seen: { method: string; path: string; early: boolean }[] = [];
const clients: Http3Client[] = [];

beforeAll(async () => {
  server = await serve({ port: 0, tcp: false, accessLog: (r) => log.push(r), onError: () => {} }, async (req, info: ServeInfo) => {
    const path = new URL(req.url).pathname;
    seen.push({ method: req.method, path, early: info.earlyData });
    // a handler that will not take even a safe request early (e.g. it has side effects anyway)
    if (path === '/strict' && info.earlyData) return new Response(null, { status: 425 });
    return new Response(`${req.method} ${path} early=${info.earlyData} ${req.body ? await req.text() : ''}`);
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.shutdown({ timeoutMs: 500 });
});

/** A resumable session for the server (the ticket follows the first handshake). */
async function session(): Promise<Record<string, Uint8Array>> {
  const c = new Http3Client({ pinnedSha256: [server.certificate.sha256] });
  clients.push(c);
  await (await c.fetch(`${server.url}warm`)).text();
  for (let i = 0; i < 50 && Object.keys(c.sessions).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(Object.keys(c.sessions).length).toBe(1);
  return c.sessions;
}

describe('0-RTT requests and RFC 8470', () => {
  it('a GET in early data reaches the handler with info.earlyData; a 425 for it is retried after the handshake', async () => {
    const sessions = await session();
    const c = new Http3Client({ pinnedSha256: [server.certificate.sha256], sessions });
    clients.push(c);
    seen.length = 0;
    const res = await c.fetch(`${server.url}strict`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('GET /strict early=false ');
    expect(c.connection(server.url)!.earlyData).toBe('accepted');
    // the handler saw it twice: in 0-RTT (answered 425), then after the handshake
    expect(seen).toEqual([{ method: 'GET', path: '/strict', early: true }, { method: 'GET', path: '/strict', early: false }]);
  });

  it('a POST in early data gets 425 without reaching the handler; the same POST after the handshake is processed', async () => {
    const sessions = await session();
    const port = Number(new URL(server.url).port);
    let h3!: H3Connection;
    let core!: ConnectionCore;
    const conn = QuicEndpoint.connect({
      host: '127.0.0.1', port, alpn: 'h3',
      tls: { verify: 'pinned', pinnedSha256: [server.certificate.sha256], earlyData: true },
      session: Object.values(sessions)[0],
    }, { config: encodeH3Config({}), bind: (c) => { core = c; h3 = new H3Connection(c); return h3; } });
    const post = async (): Promise<{ status: string; body: string }> => {
      let resolveHead!: (f: H3Field[]) => void;
      let failed!: (e: Error) => void;
      const head = new Promise<H3Field[]>((res, rej) => { resolveHead = res; failed = rej; });
      const chunks: Uint8Array[] = [];
      let id = 0n;
      let ended!: () => void;
      const end = new Promise<void>((r) => { ended = r; });
      const sink: H3StreamSink = {
        onHeaders: (kind, fields, fin) => { if (kind === 2) { resolveHead(fields); if (fin) ended(); } },
        onBodyReadable: () => {
          for (;;) {
            const c = h3.readBody(id, 65536);
            if (c.data.length) chunks.push(c.data.slice());
            if (c.fin) { ended(); return; }
            if (!c.data.length) return;
          }
        },
        onWritable: () => {}, onStopSending: () => {}, onSendDone: () => {},
        onReset: (code) => failed(new Error(`reset 0x${code.toString(16)}`)),
        onRejected: (code) => failed(new Error(`rejected 0x${code.toString(16)}`)),
        onConnectionClosed: (e) => failed(e),
      };
      const fields: [string, string][] = [[':method', 'POST'], [':scheme', 'https'], [':authority', `127.0.0.1:${port}`], [':path', '/order'], ['content-length', '5']];
      id = await h3.request(fields, false, () => sink);
      h3.sendData(id, new TextEncoder().encode('pizza'), true);
      const f = await head;
      await end;
      h3.release(id);
      return { status: f.find(([n]) => n === ':status')![1], body: Buffer.concat(chunks).toString() };
    };
    await core.attached.promise;
    seen.length = 0;
    log.length = 0;
    const early = await post();
    expect(conn.earlyData).toBe('accepted');
    expect(early).toEqual({ status: '425', body: 'Too Early\n' });
    expect(seen).toEqual([]);
    expect(log.map((r) => [r.method, r.path, r.status])).toEqual([['POST', '/order', 425]]);
    await conn.ready;
    const late = await post();
    expect(late).toEqual({ status: '200', body: 'POST /order early=false pizza' });
    expect(seen).toEqual([{ method: 'POST', path: '/order', early: false }]);
    conn.close();
  });
});
