// The Fetch handler contract every server of h3-wasi runs (HTTP/1.1 and
// HTTP/2 over TCP in tcp.ts, HTTP/3 over QUIC in the HTTP/3 server), as in
// Deno.serve and Bun.serve, so a Hono app's `app.fetch` runs unchanged —
// and the one place that turns a failing handler into a 500.
import type { HttpProtocol } from './access-log.js';

export type { HttpProtocol } from './access-log.js';

/** What a handler learns about the connection besides the Request. */
export interface ServeInfo {
  remoteAddress: string;
  remotePort: number;
  protocol: HttpProtocol;
  /** HTTP/3: the request arrived (partly) in 0-RTT and could be a replay (RFC 8470); only safe methods reach a handler so. */
  earlyData: boolean;
}

export type FetchHandler = (request: Request, info: ServeInfo) => Response | Promise<Response>;

/** Where failures go: a handler's throw, rejection, non-Response or failing body (with its request), or a server error (without). */
export type ServeErrorLog = (error: unknown, request?: Request) => void;

export const defaultErrorLog: ServeErrorLog = (error, request) => {
  if (request) console.error(`h3-wasi serve: handler failed for ${request.method} ${request.url}:`, error);
  else console.error('h3-wasi serve:', error);
};

/** RFC 7838 §3: the Alt-Svc value that advertises HTTP/3 on `port` of the same host, for a day. */
export function altSvcValue(port: number): string {
  return `h3=":${port}"; ma=86400`;
}

/**
 * Runs the handler; a throw, a rejection or a result that is not a Response
 * becomes a plain 500 and goes to `onError` — never out of the server.
 */
export async function callHandler(handler: FetchHandler, request: Request, info: ServeInfo, onError: ServeErrorLog): Promise<Response> {
  try {
    const response = await handler(request, info);
    if (response instanceof Response) return response;
    throw new TypeError(`the handler returned ${response === null ? 'null' : typeof response}, not a Response`);
  } catch (error) {
    try { onError(error, request); } catch { /* a failing logger must not fail the response */ }
    return new Response('Internal Server Error\n', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
}
