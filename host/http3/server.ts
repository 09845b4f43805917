// `serve(options, handler)`: a Fetch handler `(request, info) => Response`
// served over HTTP/3 (QUIC on UDP) and, by default, over HTTP/1.1 and
// HTTP/2 on the same TCP port (tcp.ts) with `alt-svc: h3=":PORT"` so that
// browsers discover HTTP/3 as they do on the web — as Deno.serve and
// Bun.serve take a handler, so a Hono app's `app.fetch` runs unchanged.
// Without a certificate a development one is generated (devcert.ts) and its
// hashes printed. `shutdown()` is graceful: GOAWAY, the requests in flight
// finish (up to a deadline), then the connections close.

import { boolArg, describe, intArg, optionsArg, stringArg } from '../args.js';
import { InvalidArgumentError } from '../errors.js';
import { QuicEndpoint } from '../quic/endpoint.js';
import type { AppBinding, ConnectionCore } from '../quic/connection.js';
import { encodeH3Config, WT_DRAFTS, type H3Field, type H3Options, type QuicOptions } from '../quic/wire.js';
import type { AccessLog } from './access-log.js';
import { StreamIo } from './body.js';
import { H3Connection, H3_NO_ERROR, H3_INTERNAL_ERROR, type H3StreamSink } from './connection.js';
import { certificateHashes, createDevCert, type CertificateHashes } from './devcert.js';
import { headerFields, SAFE_METHODS, splitFields } from './fields.js';
import { callHandler, defaultErrorLog, type FetchHandler, type ServeErrorLog, type ServeInfo } from './handler.js';
import { serveTcp, type TcpServer } from './tcp.js';
import { WtLayer } from '../webtransport/layer.js';
import { serveSessions, type WebTransportHandler } from '../webtransport/server.js';

export interface ServeOptions {
  /** The UDP (and TCP) port; 0 picks a free one (see `Http3Server.port`). Default 4433. */
  port?: number;
  /** Address to listen on. Default '127.0.0.1'. */
  hostname?: string;
  /** Certificate chain and private key, PEM. Without them a development certificate is generated (ECDSA P-256, 14 days). */
  cert?: string;
  key?: string;
  /** Also serve HTTP/1.1 and HTTP/2 over TLS on the same TCP port, with Alt-Svc pointing at HTTP/3 (default true). */
  tcp?: boolean;
  /** QUIC settings (h3-wasi/quic), e.g. { retry: true } to validate addresses first. */
  quic?: QuicOptions;
  /** HTTP/3 settings we advertise and limits (maxFieldSectionSize: 431 above it; maxBodySize: 413). */
  http3?: H3Options;
  /** One record per request, when it is over (access-log.ts has a line formatter). */
  accessLog?: AccessLog;
  /** Handler failures (default console.error). */
  onError?: ServeErrorLog;
  /** Called once listening, with the server (port, certificate hashes). */
  onListen?: (server: Http3Server) => void;
  /** Aborting it shuts the server down (as `shutdown()`). */
  signal?: AbortSignal;
  /** What shutdown waits for requests in flight, ms (default 5000). */
  shutdownTimeout?: number;
  /** A qlog trace per connection into this directory (default: env QLOGDIR). */
  qlogDir?: string;
  /** TLS secrets, SSLKEYLOGFILE format (default: env SSLKEYLOGFILE). */
  keylog?: string;
  /**
   * WebTransport sessions (h3-wasi/webtransport): with this hook the server
   * offers WebTransport in its SETTINGS and each session request goes here;
   * returning nothing (or a 2xx Response) accepts it, a Response with another
   * status refuses it.
   */
  webtransport?: WebTransportHandler;
}

const SERVE_KEYS = ['port', 'hostname', 'cert', 'key', 'tcp', 'quic', 'http3', 'accessLog', 'onError', 'onListen', 'signal', 'shutdownTimeout', 'qlogDir', 'keylog', 'webtransport'] as const;

export interface Http3Server {
  /** The port bound (UDP, and TCP unless `tcp: false`). */
  readonly port: number;
  readonly hostname: string;
  /** `https://HOST:PORT/`. */
  readonly url: string;
  /** The certificate's hashes: `sha256` for WebTransport serverCertificateHashes, `spkiSha256Base64` for Chromium's --ignore-certificate-errors-spki-list. */
  readonly certificate: CertificateHashes;
  /** The certificate served, PEM (a generated one when none was given). */
  readonly certPem: string;
  /** True when the certificate was generated for development. */
  readonly devCert: boolean;
  /** Resolves when the server has shut down. */
  readonly finished: Promise<void>;
  /** Graceful shutdown: GOAWAY, requests in flight finish (at most `timeoutMs`), then everything closes. */
  shutdown(options?: { timeoutMs?: number }): Promise<void>;
}

/** One request on a server connection: its Request, its response being sent. */
class ServerExchange implements H3StreamSink {
  readonly io: StreamIo;
  readonly abort = new AbortController();
  bodyEnded = false;
  done = false;

  constructor(conn: H3Connection, id: bigint) {
    this.io = new StreamIo(conn, id);
  }
  /** Trailers of the request body: nothing for a Fetch handler to see. */
  onHeaders(): void {}
  onBodyReadable(): void { this.io.onBodyReadable(); }
  onWritable(): void { this.io.onWritable(); }
  onReset(code: bigint): void {
    const e = new Error(`the client reset the request (0x${code.toString(16)})`);
    this.abort.abort(e);
    this.io.fail(e);
  }
  onStopSending(code: bigint): void {
    const e = new Error(`the client stopped reading the response (0x${code.toString(16)})`);
    this.abort.abort(e);
    this.io.failWrite(e);
  }
  /** The response, FIN included, was acknowledged: only now may a draining connection close without cutting it off. */
  onSendDone(): void { this.io.conn.release(this.io.id); }
  onRejected(): void {}
  onConnectionClosed(err: Error): void {
    this.abort.abort(err);
    this.io.fail(err);
  }
}

/** Serves `handler` over HTTP/3 (and HTTP/1.1 + HTTP/2 on TCP unless `tcp: false`). */
export async function serve(options: ServeOptions, handler: FetchHandler): Promise<Http3Server> {
  const o = optionsArg<ServeOptions>('options', options ?? {}, SERVE_KEYS);
  if (typeof handler !== 'function') throw new InvalidArgumentError('handler', `must be a function (request, info) => Response, got ${describe(handler)}`);
  const port = o.port === undefined ? 4433 : intArg('port', o.port, 0, 65535);
  const hostname = o.hostname === undefined ? '127.0.0.1' : stringArg('hostname', o.hostname);
  const tcp = o.tcp === undefined ? true : boolArg('tcp', o.tcp);
  const shutdownTimeout = o.shutdownTimeout === undefined ? 5000 : intArg('shutdownTimeout', o.shutdownTimeout, 0, 3_600_000);
  for (const f of ['accessLog', 'onError', 'onListen', 'webtransport'] as const) {
    if (o[f] !== undefined && typeof o[f] !== 'function') throw new InvalidArgumentError(f, `must be a function, got ${describe(o[f])}`);
  }
  if ((o.cert === undefined) !== (o.key === undefined)) throw new InvalidArgumentError(o.cert === undefined ? 'cert' : 'key', 'cert and key go together (or neither: a development certificate)');
  let certPem: string, keyPem: string, hashes: CertificateHashes;
  const devCert = o.cert === undefined;
  if (devCert) {
    const dc = createDevCert({ hostnames: hostname === '0.0.0.0' || hostname === '::' ? [] : [hostname] });
    certPem = dc.cert;
    keyPem = dc.key;
    hashes = dc;
  } else {
    certPem = stringArg('cert', o.cert);
    keyPem = stringArg('key', o.key);
    hashes = certificateHashes(certPem);
  }
  const onError = o.onError ?? defaultErrorLog;
  const accessLog = o.accessLog;
  const wtHook = o.webtransport;
  // with the hook: WebTransport as Chromium 156 speaks it (draft-02) and the current draft (assembly/h3/webtransport/README.md)
  const h3Config = encodeH3Config(wtHook ? { webtransport: WT_DRAFTS.draft02 | WT_DRAFTS.latest, ...o.http3 } : o.http3 ?? {}, 'http3');

  const connections = new Set<H3Connection>();
  const wtLayers = new Set<WtLayer>();
  const binding: AppBinding = {
    config: h3Config,
    bind: (core: ConnectionCore) => {
      let layer: WtLayer | null = null;
      if (wtHook) {
        layer = new WtLayer(core);
        const l = layer;
        wtLayers.add(l);
        core.closed.promise.finally(() => wtLayers.delete(l)).catch(() => {});
        serveSessions(l, core, wtHook, { defaultAuthority: () => `${hostname}:${server.port}`, onError, ...(accessLog ? { accessLog } : {}) });
      }
      const h3 = layer ? layer.h3 : new H3Connection(core);
      connections.add(h3);
      core.closed.promise.finally(() => connections.delete(h3)).catch(() => {});
      h3.onRequest = (stream, fields, fin, early) => onRequest(h3, core, stream, fields, fin, early);
      return layer ?? h3;
    },
  };

  const onRequest = (h3: H3Connection, core: ConnectionCore, stream: bigint, fields: H3Field[], fin: boolean, early: boolean): void => {
    const started = Date.now();
    const ex = new ServerExchange(h3, stream);
    h3.register(stream, ex);
    const { pseudo, headers } = splitFields(fields);
    const method = pseudo.get('method') ?? 'GET';
    const path = pseudo.get('path') ?? '/';
    const authority = pseudo.get('authority') ?? headers.get('host') ?? `${hostname}:${server.port}`;
    const remote = core.remoteAddress;
    const info: ServeInfo = { remoteAddress: remote?.address ?? '', remotePort: remote?.port ?? 0, protocol: 'h3', earlyData: early };
    const log = (status: number, bytes: number, aborted: boolean) => accessLog?.({
      time: new Date(started), method, path, status, bytes, durationMs: Date.now() - started, protocol: 'h3', remoteAddress: info.remoteAddress, remotePort: info.remotePort, aborted,
    });
    if (early && !SAFE_METHODS.has(method)) {
      // RFC 9114 §10.9 / RFC 8470 §5.1: a request in 0-RTT can be replayed by an attacker; one that is not safe is not
      // processed but answered 425 (Too Early), which a client retries once the handshake is complete (§5.2)
      respondPlain(h3, ex, 425, 'Too Early\n').then((bytes) => log(425, bytes, false), () => {});
      if (!fin) h3.stopReading(stream, H3_NO_ERROR);
      return;
    }
    let request: Request;
    try {
      const hasBody = !fin && method !== 'GET' && method !== 'HEAD';
      const body = fin ? null : ex.io.readable(() => { ex.bodyEnded = true; }, () => h3.stopReading(stream, H3_NO_ERROR));
      // a GET/HEAD with body bytes: Request cannot carry them; they are read and dropped
      if (!fin && !hasBody) void body!.pipeTo(new WritableStream()).catch(() => {});
      request = new Request(new URL(path, `https://${authority}`), {
        method, headers, signal: ex.abort.signal,
        ...(hasBody ? { body, duplex: 'half' } as RequestInit : {}),
      });
    } catch (e) {
      // what the engine let through and Request still refuses (e.g. a method name fetch forbids)
      respondPlain(h3, ex, 400, 'Bad Request\n').catch(() => {});
      onError(e);
      return;
    }
    let status = 0;
    let bytes = 0;
    let aborted = false;
    const finish = () => {
      if (ex.done) return;
      ex.done = true;
      // a response that failed gets no send-done: the stream is over now (a complete one is released on send-done)
      if (aborted) h3.release(stream);
      log(status, bytes, aborted);
    };
    (async () => {
      const response = await callHandler(handler, request, info, onError);
      status = response.status;
      const resFields: [string, string][] = [[':status', String(response.status)], ...headerFields(response.headers)];
      const noBody = method === 'HEAD' || response.status === 204 || response.status === 304 || response.body === null;
      try {
        h3.sendHeaders(stream, resFields, noBody);
      } catch (e) {
        aborted = true;
        onError(e, request);
        try { h3.resetStream(stream, H3_INTERNAL_ERROR); } catch { /* gone */ }
        await response.body?.cancel().catch(() => {});
        return;
      }
      if (noBody) {
        await response.body?.cancel().catch(() => {});
      } else {
        bytes = await ex.io.writeBody(response.body, ex.abort.signal);
      }
      // the request body nobody read: the client may stop sending it (RFC 9114 §4.1.2: STOP_SENDING H3_NO_ERROR)
      if (!fin && !ex.bodyEnded && !ex.io.readDone) request.body?.cancel().catch(() => {});
    })().catch((e) => {
      aborted = true;
      if (!ex.abort.signal.aborted) {
        onError(e, request);
        try { h3.resetStream(stream, H3_INTERNAL_ERROR); } catch { /* gone */ }
      }
    }).finally(finish);
  };

  const endpoint = await QuicEndpoint.listen({
    host: hostname, port, alpn: 'h3',
    // 0-RTT accepted: safe requests in it are processed, the others answered 425 (onRequest)
    tls: { certChainPem: certPem, privateKeyPem: keyPem, earlyData: true },
    ...(o.quic ? { quic: o.quic } : {}),
    ...(o.qlogDir !== undefined ? { qlogDir: stringArg('qlogDir', o.qlogDir) } : {}),
    ...(o.keylog !== undefined ? { keylog: stringArg('keylog', o.keylog) } : {}),
    closeTimeout: 1000,
  }, binding);
  const boundPort = endpoint.address.port;
  let tcpServer: TcpServer | null = null;
  if (tcp) {
    try {
      tcpServer = await serveTcp({ port: boundPort, hostname, cert: certPem, key: keyPem, h3Port: boundPort, ...(accessLog ? { accessLog } : {}), onError }, handler);
    } catch (e) {
      await endpoint.close();
      throw e;
    }
  }
  // the incoming connections are served through the binding; nobody reads `incoming`
  endpoint.incoming.cancel().catch(() => {});

  let finishedResolve!: () => void;
  const finished = new Promise<void>((r) => { finishedResolve = r; });
  let shutdownP: Promise<void> | null = null;
  const shutdown = (opts?: { timeoutMs?: number }): Promise<void> => {
    if (shutdownP) return shutdownP;
    const timeoutMs = opts?.timeoutMs === undefined ? shutdownTimeout : intArg('timeoutMs', opts.timeoutMs, 0, 3_600_000);
    shutdownP = (async () => {
      // RFC 9114 §5.2: GOAWAY, then the requests in flight finish, then close; WebTransport
      // sessions are asked to wind down (DRAIN_WEBTRANSPORT_SESSION, draft §4.7) and waited for too
      for (const c of connections) { try { c.goaway(); } catch { /* closing already */ } }
      for (const l of wtLayers) for (const [id, s] of l.sessions) { if (s.state === 'connected') { try { l.drain(id); } catch { /* closing already */ } } }
      const tcpDone = tcpServer ? tcpServer.close({ timeoutMs }) : Promise.resolve();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); });
      let timedOut = false;
      await Promise.race([Promise.all([...[...connections].map((c) => c.idle()), ...[...wtLayers].map((l) => l.idle())]), deadline.then(() => { timedOut = true; })]);
      clearTimeout(timer);
      // a WebTransport session closed here is forgotten at once, but its CLOSE_WEBTRANSPORT_SESSION capsule may not
      // have left yet: CONNECTION_CLOSE now would drop it and the client would see the connection's end instead of
      // the session's code (as the client side does in release(), the capsule gets a moment)
      if (wtLayers.size > 0 && !timedOut) await new Promise((r) => setTimeout(r, 100));
      for (const c of connections) c.core.conn.close({ closeCode: Number(H3_NO_ERROR), reason: 'server shutting down' });
      await Promise.all([endpoint.close(), tcpDone]);
      finishedResolve();
    })();
    return shutdownP;
  };
  const shownHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  const server: Http3Server = {
    port: boundPort,
    hostname,
    url: `https://${shownHost}:${boundPort}/`,
    certificate: hashes,
    certPem,
    devCert,
    finished,
    shutdown,
  };
  if (o.signal) {
    if (o.signal.aborted) void shutdown();
    else o.signal.addEventListener('abort', () => void shutdown(), { once: true });
  }
  o.onListen?.(server);
  return server;
}

/** A small plain-text response (errors the handler never sees); the body bytes sent. */
async function respondPlain(h3: H3Connection, ex: ServerExchange, status: number, text: string): Promise<number> {
  const body = new TextEncoder().encode(text);
  h3.sendHeaders(ex.io.id, [[':status', String(status)], ['content-type', 'text/plain; charset=utf-8'], ['content-length', String(body.length)]], false);
  return ex.io.writeBody(body);
}
