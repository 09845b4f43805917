// The TCP side of serve(): HTTP/1.1 and HTTP/2 over TLS (node:http2 with
// allowHTTP1) running the same Fetch handler as HTTP/3, every response
// advertising HTTP/3 with Alt-Svc (RFC 7838) so browsers find it the way they
// do on the web. One access-log record per request; graceful close.
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { InvalidArgumentError } from '../errors.js';
import type { AccessLog } from './access-log.js';
import { altSvcValue, callHandler, defaultErrorLog, type FetchHandler, type ServeErrorLog, type ServeInfo } from './handler.js';
import { BadRequest, toRequest, writeResponse, type NodeRequest, type NodeResponse } from './node-adapter.js';

export interface TcpServeOptions {
  /** TCP port; 0 picks a free one (see `TcpServer.port`). Default 0. */
  port?: number;
  /** Address to listen on. Default '127.0.0.1'. */
  hostname?: string;
  /** Certificate chain and private key, PEM. */
  cert: string;
  key: string;
  /** When set, every response carries `alt-svc: h3=":<h3Port>"; ma=86400` (unless the handler set its own). */
  h3Port?: number;
  /** One record per request, when it is over. */
  accessLog?: AccessLog;
  /** Handler failures; default: console.error. */
  onError?: ServeErrorLog;
  /** What `close()` waits for in-flight requests by default, milliseconds. Default 5000. */
  closeTimeoutMs?: number;
}

export interface TcpServer {
  /** The port bound (the one chosen when `port` was 0). */
  readonly port: number;
  readonly hostname: string;
  address(): AddressInfo;
  /**
   * Graceful close: stop accepting, let requests in flight finish (HTTP/2
   * sessions get GOAWAY, idle HTTP/1.1 connections close at once, busy ones
   * after their response), and after `timeoutMs` destroy whatever is left.
   * Resolves when every connection is gone. Calling it again returns the same promise.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

const OPTION_KEYS = new Set(['port', 'hostname', 'cert', 'key', 'h3Port', 'accessLog', 'onError', 'closeTimeoutMs']);

function checkOptions(o: TcpServeOptions): void {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError('options', 'must be an object');
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) throw new InvalidArgumentError(k, 'unknown option');
  const port = (name: string, v: unknown) => {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 65535)) throw new InvalidArgumentError(name, `must be an integer 0..65535, got ${String(v)}`);
  };
  port('port', o.port);
  port('h3Port', o.h3Port);
  if (o.h3Port === 0) throw new InvalidArgumentError('h3Port', 'must be the bound HTTP/3 port, not 0');
  if (typeof o.cert !== 'string' || typeof o.key !== 'string') throw new InvalidArgumentError('cert', 'cert and key must be PEM strings');
  for (const f of ['accessLog', 'onError'] as const) if (o[f] !== undefined && typeof o[f] !== 'function') throw new InvalidArgumentError(f, 'must be a function');
  if (o.closeTimeoutMs !== undefined && !(Number.isFinite(o.closeTimeoutMs) && o.closeTimeoutMs >= 0)) throw new InvalidArgumentError('closeTimeoutMs', 'must be a non-negative number');
}

/** Listens and serves `handler` over HTTP/1.1 and HTTP/2 on TLS. */
export async function serveTcp(options: TcpServeOptions, handler: FetchHandler): Promise<TcpServer> {
  checkOptions(options);
  if (typeof handler !== 'function') throw new InvalidArgumentError('handler', 'must be a function (request, info) => Response');
  const hostname = options.hostname ?? '127.0.0.1';
  const onError = options.onError ?? defaultErrorLog;
  const extraHeaders: Record<string, string> = options.h3Port ? { 'alt-svc': altSvcValue(options.h3Port) } : {};

  const server = http2.createSecureServer({ cert: options.cert, key: options.key, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] });
  const sockets = new Set<Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  /** HTTP/1.1 connections → requests in flight on them. */
  const busy = new Map<Socket, number>();
  let closing = false;

  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => { sockets.delete(s); busy.delete(s); }); });
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
    if (closing) s.close();
  });
  server.on('secureConnection', (s: TLSSocket) => {
    if (s.alpnProtocol === 'h2') return;
    busy.set(s, 0);
    if (closing) s.end();
  });
  // A failed TLS handshake or a malformed session concerns that client only.
  server.on('tlsClientError', () => {});
  server.on('sessionError', () => {});

  server.on('request', (req: NodeRequest, res: NodeResponse) => {
    const h1Socket = req.httpVersionMajor === 2 ? null : (req.socket as Socket);
    if (h1Socket) busy.set(h1Socket, (busy.get(h1Socket) ?? 0) + 1);
    void serveOne(req, res, handler, onError, extraHeaders, options.accessLog).finally(() => {
      if (!h1Socket) return;
      const n = (busy.get(h1Socket) ?? 1) - 1;
      if (busy.has(h1Socket)) busy.set(h1Socket, n);
      if (closing && n === 0) h1Socket.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, hostname, () => { server.off('error', reject); resolve(); });
  });
  server.on('error', (e) => onErrorSafe(onError, e));
  const bound = server.address() as AddressInfo;

  let closed: Promise<void> | null = null;
  const close = (o: { timeoutMs?: number } = {}): Promise<void> => {
    if (closed) return closed;
    closing = true;
    const timeoutMs = o.timeoutMs ?? options.closeTimeoutMs ?? 5000;
    closed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const s of sessions) s.destroy();
        for (const s of sockets) s.destroy();
      }, timeoutMs);
      timer.unref();
      server.close(() => { clearTimeout(timer); resolve(); });
      for (const s of sessions) s.close(); // GOAWAY; closes once its streams are done (RFC 9113 §6.8)
      for (const [s, n] of busy) if (n === 0) s.end();
    });
    return closed;
  };

  return {
    port: bound.port,
    hostname,
    address: () => server.address() as AddressInfo,
    close,
  };
}

function onErrorSafe(onError: ServeErrorLog, e: unknown): void {
  try { onError(e); } catch { /* ignore */ }
}

/** One request: Node → Request → handler → Response → Node, then its access-log record. */
async function serveOne(
  req: NodeRequest, res: NodeResponse, handler: FetchHandler, onError: ServeErrorLog,
  extraHeaders: Record<string, string>, accessLog: AccessLog | undefined,
): Promise<void> {
  const start = performance.now();
  const time = new Date();
  const info: ServeInfo = {
    remoteAddress: req.socket.remoteAddress ?? '',
    remotePort: req.socket.remotePort ?? 0,
    protocol: req.httpVersionMajor === 2 ? 'h2' : 'h1',
    earlyData: false,
  };
  req.on('error', () => {}); // the body stream reports these to the handler
  res.on('error', () => {});
  const gone = new AbortController();
  res.once('close', () => { if (!res.writableFinished) gone.abort(new DOMException('the client went away', 'AbortError')); });

  let response: Response;
  try {
    const request = toRequest(req, gone.signal);
    response = await callHandler(handler, request, info, onError);
    if (gone.signal.aborted) response.body?.cancel().catch(() => {});
    const r = gone.signal.aborted
      ? { bytes: 0, complete: false }
      : await writeResponse(res, response, req.method === 'HEAD', extraHeaders);
    if (r.error !== undefined) { try { onError(r.error, request); } catch { /* ignore */ } }
    log(r.bytes, !r.complete);
  } catch (e) {
    // Only toRequest throws (writeResponse and callHandler never do).
    const status = e instanceof BadRequest ? e.status : 400;
    response = new Response(`${e instanceof Error ? e.message : String(e)}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    const r = await writeResponse(res, response, req.method === 'HEAD', extraHeaders);
    log(r.bytes, !r.complete);
  }

  function log(bytes: number, aborted: boolean): void {
    if (!accessLog) return;
    try {
      accessLog({
        time, method: req.method, path: req.url, status: res.headersSent ? res.statusCode : 0, bytes,
        durationMs: performance.now() - start, protocol: info.protocol,
        remoteAddress: info.remoteAddress, remotePort: info.remotePort, aborted,
      });
    } catch { /* a failing logger must not fail the server */ }
  }
}
