// The server side of WebTransport in `serve()`: the `webtransport(session,
// request, info)` hook beside the Fetch handler. Each extended CONNECT
// (RFC 9220, `:protocol` webtransport) that the engine lets through
// (SETTINGS exchanged, limits kept: assembly/h3/webtransport/) becomes a
// session in the state 'connecting' with the browser's `WebTransport` shape,
// handed to the hook with the request. What the hook returns answers it:
// nothing, or a 2xx Response (its headers go in the answer), accepts; a
// Response with another status refuses with that status (draft §3: the
// client sees it); a throw or rejection refuses with 500 and goes to
// `onError`. Streams and datagrams the client sends before the answer are
// buffered by the engine (within its limits) and arrive once accepted.

import type { AccessLog } from '../http3/access-log.js';
import { headerFields, splitFields } from '../http3/fields.js';
import type { ServeErrorLog, ServeInfo } from '../http3/handler.js';
import type { ConnectionCore } from '../quic/connection.js';
import type { H3Field } from '../quic/wire.js';
import type { WtLayer } from './layer.js';
import { wrapSession, type WebTransport } from './webtransport.js';

/** The extended CONNECT that asks for a session (RFC 9220 §3). */
export interface WebTransportRequest {
  readonly method: 'CONNECT';
  /** `:protocol`: 'webtransport' (draft-02, as Chromium sends it) or 'webtransport-h3' (the current draft). */
  readonly protocol: string;
  /** https://AUTHORITY/PATH?QUERY. */
  readonly url: string;
  readonly headers: Headers;
  /** Aborted when the session ends (or the client gives up before it is answered). */
  readonly signal: AbortSignal;
}

/**
 * Accepts (returns nothing, or a 2xx Response) or refuses (a Response with
 * another status; a throw: 500) a WebTransport session. The session is the
 * W3C `WebTransport` object: `ready` resolves once accepted.
 */
export type WebTransportHandler = (session: WebTransport, request: WebTransportRequest, info: ServeInfo) => void | Response | Promise<void | Response>;

export interface SessionServerOptions {
  /** For requests without :authority. */
  defaultAuthority: () => string;
  onError: ServeErrorLog;
  accessLog?: AccessLog;
}

/** Answers the session requests of one connection through `hook`. */
export function serveSessions(layer: WtLayer, core: ConnectionCore, hook: WebTransportHandler, o: SessionServerOptions): void {
  layer.onSessionRequest = (id, fields) => void answer(layer, core, hook, o, id, fields);
}

async function answer(layer: WtLayer, core: ConnectionCore, hook: WebTransportHandler, o: SessionServerOptions, id: bigint, fields: H3Field[]): Promise<void> {
  const started = Date.now();
  const s = layer.admit(id, fields);
  const session = wrapSession(s);
  const { pseudo, headers } = splitFields(fields);
  const path = pseudo.get('path') ?? '/';
  const abort = new AbortController();
  session.closed.then(() => abort.abort(new Error('the session closed')), (e) => abort.abort(e));
  const request: WebTransportRequest = {
    method: 'CONNECT', protocol: pseudo.get('protocol') ?? '', headers, signal: abort.signal,
    url: new URL(path, `https://${pseudo.get('authority') ?? o.defaultAuthority()}`).href,
  };
  const remote = core.remoteAddress;
  const info: ServeInfo = { remoteAddress: remote?.address ?? '', remotePort: remote?.port ?? 0, protocol: 'h3', earlyData: false };
  const log = (status: number, aborted: boolean) => o.accessLog?.({
    time: new Date(started), method: 'CONNECT', path, status, bytes: 0, durationMs: Date.now() - started, protocol: 'h3',
    remoteAddress: info.remoteAddress, remotePort: info.remotePort, aborted,
  });
  let status = 200;
  let extra: H3Field[] = [];
  try {
    const r = await hook(session, request, info);
    if (r !== undefined) {
      if (!(r instanceof Response)) throw new TypeError(`the webtransport hook returned ${r === null ? 'null' : typeof r}, not a Response or nothing`);
      status = r.status;
      // RFC 9114 §4.2: connection-specific fields have no place in HTTP/3
      extra = headerFields(r.headers).filter(([n]) => n !== 'content-length');
      await r.body?.cancel().catch(() => {});
    }
  } catch (e) {
    try { o.onError(e); } catch { /* a failing logger must not fail the answer */ }
    status = 500;
    extra = [];
  }
  if (!layer.decide(s, status, extra)) { log(status, true); return; } // the client went away meanwhile
  if (status < 200 || status >= 300) { log(status, false); return; }
  // an accepted session is logged when it ends (its duration is the session's)
  session.closed.then(() => log(status, false), () => log(status, true));
}
