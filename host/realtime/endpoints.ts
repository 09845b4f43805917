// The two transports' endpoints at `/realtime`, both ending in the same
// ConnectionManager: the WebSocket upgrade on the hub's HTTP server (`ws`)
// and the WebTransport CONNECT through serve()'s webtransport hook. Both
// check the token with the same verifier before anything else (401 on the
// upgrade, 401 on the CONNECT: docs/realtime-protocol.md "Endpoints and auth").
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WebTransportHandler } from '../webtransport/server.js';
import { StreamAllocator } from './allocator.js';
import { AuthError, tokenOf, type AuthResult, type TokenVerifier } from './auth.js';
import { CLOSE_PROTOCOL, type Connection, type ConnectionManager, type ConnectionSettings, type Link } from './connections.js';
import { safePath, type Logger } from './log.js';
import type { HubMetrics, TransportName } from './metrics.js';
import { decodeText, encodeText, MAX_FRAME, ProtocolError } from './protocol.js';

export const REALTIME_PATH = '/realtime';
/** A WebSocket's bufferedAmount above which the connection is logged as falling behind. */
const WS_QUEUE_WARN = 1 << 20;

export interface EndpointContext {
  manager: ConnectionManager;
  metrics: HubMetrics;
  log: Logger;
  /** The current verifier and per-connection settings (a config update applies to new connections only). */
  verify: () => TokenVerifier;
  settings: () => ConnectionSettings;
}

async function authenticate(ctx: EndpointContext, transport: TransportName, url: string, remote: string): Promise<AuthResult | AuthError> {
  try {
    return await ctx.verify()(tokenOf(url));
  } catch (e) {
    const err = e instanceof AuthError ? e : new AuthError('malformed', 'the token could not be checked');
    ctx.metrics.authFailures.inc({ transport, reason: err.reason });
    ctx.log.info({ event: 'auth_refused', transport, reason: err.reason, remote, path: safePath(url) }, `refused: ${err.message}`);
    return err;
  }
}

/** Handles upgrades to `/realtime` on an HTTP server; returns the WebSocketServer (for shutdown). */
export function webSocketEndpoint(ctx: EndpointContext): { wss: WebSocketServer; upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => {});
    const url = req.url ?? '/';
    if (safePath(url) !== REALTIME_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    void authenticate(ctx, 'websocket', url, req.socket.remoteAddress ?? '').then((auth) => {
      if (auth instanceof AuthError) {
        const body = `${auth.message}\n`;
        socket.end(`HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => attachWebSocket(ctx, ws, auth.userId));
    });
  };
  return { wss, upgrade };
}

function attachWebSocket(ctx: EndpointContext, ws: WebSocket, userId: string): void {
  let warned = false;
  const link: Link = {
    transport: 'websocket',
    send: (f) => {
      if (ws.readyState !== ws.OPEN) return -1;
      const text = encodeText(f);
      ws.send(text, (err) => { if (err) ctx.metrics.sendFailures.inc({ transport: 'websocket' }); });
      if (!warned && ws.bufferedAmount > WS_QUEUE_WARN) {
        warned = true;
        ctx.log.warn({ event: 'send_queue_growing', transport: 'websocket', userId, bufferedBytes: ws.bufferedAmount }, 'a WebSocket is falling behind');
      }
      return Buffer.byteLength(text);
    },
    close: (code, reason) => { if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason.slice(0, 120)); },
  };
  const conn = ctx.manager.register(userId, link, ctx.settings());
  ws.on('message', (data, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    try {
      ctx.manager.frame(conn, decodeText(isBinary ? bytes : bytes.toString('utf8')), bytes.length);
    } catch (e) {
      // a bad frame is answered; anything else is a hub bug, logged (never thrown out of an event listener)
      if (e instanceof ProtocolError) link.send({ t: 'error', code: e.code, message: e.message });
      else ctx.log.error({ event: 'frame_failed', connectionId: conn.id, err: (e as Error).message }, 'handling a frame failed');
    }
  });
  ws.on('close', () => ctx.manager.unregister(conn));
  ws.on('error', (e) => ctx.log.warn({ event: 'websocket_error', connectionId: conn.id, err: e.message }, 'WebSocket error'));
}

/** serve()'s webtransport hook for `/realtime`. */
export function webTransportEndpoint(ctx: EndpointContext): WebTransportHandler {
  return async (session, request, info) => {
    if (safePath(new URL(request.url).pathname) !== REALTIME_PATH) return new Response(null, { status: 404 });
    const auth = await authenticate(ctx, 'webtransport', request.url, info.remoteAddress);
    if (auth instanceof AuthError) return new Response(null, { status: 401 });
    let conn: Connection | null = null;
    const alloc = new StreamAllocator(session, {
      frame: (f, bytes, datagram) => { if (conn) ctx.manager.frame(conn, f, bytes, datagram); },
      protocolError: (e, on) => {
        ctx.log.info({ event: 'protocol_error', transport: 'webtransport', on, code: e.code, err: e.message }, 'a bad frame on a WebTransport stream');
        if (conn && on === 'control') {
          alloc.send({ t: 'error', code: e.code, message: e.message });
          session.close({ closeCode: CLOSE_PROTOCOL, reason: e.message.slice(0, 120) });
        }
      },
    }, ctx.log);
    const link: Link = {
      transport: 'webtransport',
      send: (f) => alloc.send(f),
      close: (code, reason) => { alloc.close(); try { session.close({ closeCode: code, reason }); } catch { /* already closed */ } },
    };
    conn = ctx.manager.register(auth.userId, link, ctx.settings());
    const c = conn;
    session.closed.then(() => ctx.manager.unregister(c), () => ctx.manager.unregister(c)).finally(() => alloc.close());
    void alloc.run();
    return undefined;
  };
}
