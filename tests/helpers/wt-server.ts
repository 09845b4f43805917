// An in-process WebTransport test server: a QuicEndpoint with the HTTP/3 core
// and WebTransport on, whose sessions are answered through the wt-* calls by
// host/webtransport's WtLayer (the serve() hook is not built yet). Paths:
//   /refuse/NNN  refused with status NNN
//   anything else accepted; then every bidirectional stream is echoed, every
//   unidirectional stream echoed back on a new unidirectional stream, every
//   datagram echoed. `sessions` records what each session saw (its close).
import { createDevCert, type DevCert } from '../../host/http3/devcert.js';
import { QuicEndpoint } from '../../host/quic/endpoint.js';
import type { AppBinding } from '../../host/quic/connection.js';
import { encodeH3Config, WT_DRAFTS, type H3Field } from '../../host/quic/wire.js';
import { WtLayer } from '../../host/webtransport/layer.js';
import { wrapSession, type WebTransport } from '../../host/webtransport/webtransport.js';
import type { WebTransportCloseInfo } from '../../host/webtransport/session.js';

export interface ServerSession {
  path: string;
  request: H3Field[];
  wt: WebTransport;
  /** How `closed` settled: the close info, or the error's message. */
  closed: Promise<WebTransportCloseInfo | string>;
  /** The QUIC connection's engine handle (sessions on one connection share it). */
  connection: number;
}

export interface WtTestServer {
  port: number;
  cert: DevCert;
  sessions: ServerSession[];
  /** The next accepted session. */
  nextSession(): Promise<ServerSession>;
  close(): Promise<void>;
}

async function echoBidi(s: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }): Promise<void> {
  await s.readable.pipeTo(s.writable);
}

async function echoUni(wt: WebTransport, r: ReadableStream<Uint8Array>): Promise<void> {
  const w = await wt.createUnidirectionalStream();
  await r.pipeTo(w);
}

async function drain<T>(rs: ReadableStream<T>, each: (x: T) => Promise<void>): Promise<void> {
  const reader = rs.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    each(value).catch(() => {});
  }
}

/** `webtransport: false`: an HTTP/3 server whose SETTINGS offer no WebTransport. */
export async function startWtServer(options: { webtransport?: boolean } = {}): Promise<WtTestServer> {
  const cert = createDevCert({ hostnames: ['127.0.0.1'] });
  const sessions: ServerSession[] = [];
  let waiters: ((s: ServerSession) => void)[] = [];
  const binding: AppBinding = {
    config: encodeH3Config({ webtransport: options.webtransport === false ? 0 : WT_DRAFTS.draft02 | WT_DRAFTS.latest }, 'http3'),
    bind: (core) => {
      const layer = new WtLayer(core);
      layer.onSessionRequest = (id, fields) => {
        const path = new Map(fields).get(':path') ?? '/';
        const m = /^\/refuse\/(\d+)/.exec(path);
        if (m) { layer.answer(id, fields, Number(m[1])); return; }
        const session = layer.answer(id, fields, 200)!;
        const wt = wrapSession(session);
        const rec: ServerSession = {
          path, request: fields, wt, connection: core.handle,
          closed: wt.closed.then((i) => i, (e: Error) => e.message),
        };
        sessions.push(rec);
        drain(wt.incomingBidirectionalStreams, echoBidi).catch(() => {});
        drain(wt.incomingUnidirectionalStreams, (r) => echoUni(wt, r)).catch(() => {});
        (async () => {
          const reader = wt.datagrams.readable.getReader();
          const writer = wt.datagrams.writable.getWriter();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            await writer.write(value);
          }
        })().catch(() => {});
        const w = waiters;
        waiters = [];
        for (const f of w) f(rec);
      };
      return layer;
    },
  };
  const ep = await QuicEndpoint.listen({ host: '127.0.0.1', port: 0, alpn: 'h3', tls: { certChainPem: cert.cert, privateKeyPem: cert.key }, closeTimeout: 500 }, binding);
  ep.incoming.cancel().catch(() => {});
  let seen = 0;
  return {
    port: ep.address.port, cert, sessions,
    nextSession: () => {
      const i = seen++;
      if (i < sessions.length) return Promise.resolve(sessions[i]);
      return new Promise((resolve) => {
        const want = (s: ServerSession) => { if (sessions.indexOf(s) === i) resolve(s); else waiters.push(want); };
        waiters.push(want);
      });
    },
    close: () => ep.close(),
  };
}
