// A WebTransport echo server for tests, built on the public server API:
// serve({ webtransport(session, request, info) }) (host/webtransport/server.ts).
// Paths:
//   /refuse/NNN  refused with status NNN (the hook returns a Response)
//   anything else accepted; then every bidirectional stream is echoed, every
//   unidirectional stream echoed back on a new unidirectional stream, every
//   datagram echoed. `sessions` records each accepted session (the server's
//   W3C object, its request, and how it closed).
import { serve, type Http3Server } from '../../host/http3/index.js';
import type { QuicOptions } from '../../host/quic/wire.js';
import type { WebTransportRequest } from '../../host/webtransport/server.js';
import type { WebTransportCloseInfo } from '../../host/webtransport/session.js';
import type { WebTransport } from '../../host/webtransport/webtransport.js';

export interface ServerSession {
  /** The CONNECT's :path (with the query). */
  path: string;
  request: WebTransportRequest;
  wt: WebTransport;
  /** How `closed` settled: the close info, or the error's message. */
  closed: Promise<WebTransportCloseInfo | string>;
  /** The client's UDP port: sessions on one QUIC connection share it. */
  remotePort: number;
}

export interface WtTestServer {
  port: number;
  /** SHA-256 of the certificate DER (serverCertificateHashes). */
  sha256: Uint8Array;
  server: Http3Server;
  sessions: ServerSession[];
  /** The next accepted session, in the order they were accepted. */
  nextSession(): Promise<ServerSession>;
  /** `https://127.0.0.1:PORT` + path. */
  url(path: string): string;
  close(): Promise<void>;
}

export interface WtTestServerOptions {
  /** false: no hook, so the server's SETTINGS offer no WebTransport. */
  webtransport?: boolean;
  /** A certificate to serve (PEM) instead of the generated development one. */
  cert?: string;
  key?: string;
  /** QUIC transport settings of the server (serve()'s `quic`). */
  quic?: QuicOptions;
  /** Called for each accepted session instead of the echo (the test drives it). */
  onSession?: (s: ServerSession) => void;
}

async function each<T>(rs: ReadableStream<T>, f: (x: T) => Promise<void>): Promise<void> {
  const reader = rs.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    f(value).catch(() => {});
  }
}

/** The echo: bidi streams back on themselves, uni streams back on a new uni stream, datagrams back. */
export function echo(wt: WebTransport): void {
  each(wt.incomingBidirectionalStreams, (s) => s.readable.pipeTo(s.writable)).catch(() => {});
  each(wt.incomingUnidirectionalStreams, async (r) => r.pipeTo(await wt.createUnidirectionalStream())).catch(() => {});
  (async () => {
    const reader = wt.datagrams.readable.getReader();
    const writer = wt.datagrams.writable.getWriter();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      await writer.write(value);
    }
  })().catch(() => {});
}

export async function startWtServer(options: WtTestServerOptions = {}): Promise<WtTestServer> {
  const sessions: ServerSession[] = [];
  let waiters: (() => void)[] = [];
  const server = await serve({
    port: 0, hostname: '127.0.0.1', tcp: false, shutdownTimeout: 500,
    ...(options.cert ? { cert: options.cert, key: options.key } : {}),
    ...(options.quic ? { quic: options.quic } : {}),
    ...(options.webtransport === false ? {} : {
      webtransport(wt: WebTransport, request: WebTransportRequest, info: { remotePort: number }) {
        const u = new URL(request.url);
        const m = /^\/refuse\/(\d+)/.exec(u.pathname);
        if (m) return new Response(null, { status: Number(m[1]) });
        const rec: ServerSession = {
          path: u.pathname + u.search, request, wt, remotePort: info.remotePort,
          closed: wt.closed.then((i) => i, (e: Error) => e.message),
        };
        sessions.push(rec);
        if (options.onSession) options.onSession(rec);
        else echo(wt);
        for (const f of waiters.splice(0)) f();
        return undefined;
      },
    }),
  }, () => new Response('not a WebTransport request', { status: 404 }));
  let seen = 0;
  return {
    port: server.port, sha256: server.certificate.sha256, server, sessions,
    url: (path) => `https://127.0.0.1:${server.port}${path}`,
    nextSession: async () => {
      const i = seen++;
      while (i >= sessions.length) await new Promise<void>((resolve) => waiters.push(resolve));
      return sessions[i];
    },
    close: () => server.shutdown({ timeoutMs: 500 }),
  };
}
