// Node's request/response pair (node:http2's compatibility API, which is
// also what an HTTP/1.1 connection gets from a server with allowHTTP1) ↔ the
// Fetch API's Request and Response. Bodies stream both ways with
// back-pressure: the request body is pulled from the socket only as fast as
// the handler reads it; the response body is read only as fast as the socket
// drains (write() returning false → wait for 'drain').
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';

export type NodeRequest = Http2ServerRequest;
export type NodeResponse = Http2ServerResponse;

/** RFC 9110 §7.6.1 connection-specific fields: meaningless past one hop, and refused by HTTP/2 and HTTP/3 (RFC 9113 §8.2.2, RFC 9114 §4.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

/** Request body chunks buffered ahead of the handler before the socket is paused. */
const REQUEST_BODY_HIGH_WATER = 64 * 1024;

/** A Request could not be built from what the client sent (bad target, bad field, a method Fetch forbids). */
export class BadRequest extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/**
 * The Request for `req`. `signal` is aborted by the caller when the client
 * goes away. Throws BadRequest for input the Fetch API cannot represent.
 */
export function toRequest(req: NodeRequest, signal: AbortSignal): Request {
  const h2 = req.httpVersionMajor === 2;
  const headers = new Headers();
  try {
    appendHeaders(headers, req.headers);
  } catch (e) {
    throw new BadRequest(400, `bad header field: ${(e as Error).message}`);
  }
  const authority = (h2 ? req.headers[':authority'] : req.headers.host) ?? req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`;
  let url: URL;
  try {
    const target = req.url;
    url = target.startsWith('/') ? new URL(`https://${authority}${target}`) : new URL(target);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`scheme ${url.protocol}`);
  } catch (e) {
    throw new BadRequest(400, `bad request target ${JSON.stringify(req.url)} or authority: ${(e as Error).message}`);
  }
  const method = req.method;
  const hasBody = method !== 'GET' && method !== 'HEAD' && (h2 ? !req.stream.endAfterHeaders : requestHasBodyH1(req.headers));
  if (!hasBody) req.resume(); // discard whatever a GET carries; nothing reads it
  try {
    return new Request(url, {
      method, headers, signal,
      body: hasBody ? bodyStream(req) : null,
      // @ts-expect-error: Node's Request needs duplex 'half' for a stream body; lib.dom's RequestInit lacks it
      duplex: 'half',
    });
  } catch (e) {
    // Fetch refuses CONNECT, TRACE and TRACK (Fetch §"forbidden method").
    throw new BadRequest(501, `cannot represent the request: ${(e as Error).message}`);
  }
}

function appendHeaders(out: Headers, inHeaders: IncomingHttpHeaders): void {
  for (const [name, value] of Object.entries(inHeaders)) {
    if (name.startsWith(':') || CONNECTION_SPECIFIC.has(name) || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.append(name, value);
  }
}

/** RFC 9112 §6.3: an HTTP/1.1 request has a body only with Transfer-Encoding or a non-zero Content-Length. */
function requestHasBodyH1(h: IncomingHttpHeaders): boolean {
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  return cl !== undefined && cl !== '0';
}

/** The Node request body as a byte stream that pauses the socket while `REQUEST_BODY_HIGH_WATER` bytes wait unread. */
function bodyStream(req: Readable): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.pause(); // stays paused after the 'data' listener is attached until the first pull
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.on('end', () => { if (!settled) { settled = true; controller.close(); } });
      const fail = (e?: Error) => {
        if (settled) return;
        settled = true;
        controller.error(e ?? new DOMException('the client went away before the request body ended', 'AbortError'));
      };
      req.on('error', fail);
      req.on('close', () => { if (!req.readableEnded) fail(); });
    },
    pull() { req.resume(); },
    cancel() {
      // The handler does not want the rest: discard it, so the connection stays usable.
      settled = true;
      req.resume();
    },
  }, { highWaterMark: REQUEST_BODY_HIGH_WATER, size: (c) => c.byteLength });
}

export interface WriteResult {
  /** Body bytes written. */
  bytes: number;
  /** False when the client went away or the body failed before the end. */
  complete: boolean;
  /** The body's error, if it failed (not when the client went away). */
  error?: unknown;
}

/**
 * Sends `response` on `res`: status, fields (connection-specific ones
 * dropped, `extraHeaders` added where the response has none of that name),
 * then the body with back-pressure — nothing for HEAD, 1xx, 204 and 304.
 * Never throws: a body that errors half-way resets the stream (HTTP/2) or
 * the connection (HTTP/1.1) so the client sees a truncated response, never a
 * clean short one.
 */
export async function writeResponse(
  res: NodeResponse, response: Response, head: boolean, extraHeaders: Record<string, string>,
): Promise<WriteResult> {
  const h2 = res.req.httpVersionMajor === 2;
  const headers: OutgoingHttpHeaders = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && !CONNECTION_SPECIFIC.has(name)) headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  for (const [name, value] of Object.entries(extraHeaders)) if (headers[name] === undefined) headers[name] = value;

  const status = response.status;
  const noBody = head || status === 204 || status === 304 || status < 200;
  const body = noBody ? null : response.body;
  if (noBody) response.body?.cancel().catch(() => {});
  try {
    if (!h2 && response.statusText) res.writeHead(status, response.statusText, headers);
    else res.writeHead(status, headers);
  } catch (error) {
    response.body?.cancel().catch(() => {});
    res.destroy();
    return { bytes: 0, complete: false, error };
  }
  if (body === null) {
    res.end();
    return { bytes: 0, complete: await finished(res) };
  }

  const reader = body.getReader();
  let bytes = 0;
  const onClose = () => { if (!res.writableFinished) reader.cancel(new DOMException('the client went away', 'AbortError')).catch(() => {}); };
  res.once('close', onClose);
  try {
    // A stream whose first chunk is not ready at once still gets its status
    // and fields now (HTTP/1.1 would hold them until the first write).
    let first: Promise<ReadableStreamReadResult<Uint8Array>> | null = reader.read();
    if (!(await settlesSoon(first))) (res as unknown as { flushHeaders(): void }).flushHeaders(); // both kinds of response have it; @types/node's Http2ServerResponse lacks it
    for (;;) {
      const { value, done } = await (first ?? reader.read());
      first = null;
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError(`a response body chunk must be a Uint8Array, got ${typeof value}`);
      if (res.destroyed || res.writableEnded) return { bytes, complete: false };
      bytes += value.byteLength;
      if (!res.write(value) && !(await drained(res))) return { bytes, complete: false };
    }
    res.end();
    return { bytes, complete: await finished(res) };
  } catch (error) {
    reader.cancel(error).catch(() => {});
    const gone = res.destroyed || res.writableEnded;
    // With an error, HTTP/2 resets the stream with INTERNAL_ERROR (without, it would end it cleanly).
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    return gone ? { bytes, complete: false } : { bytes, complete: false, error };
  } finally {
    res.off('close', onClose);
  }
}

/** True when `p` settles before the event loop turns (the body had a chunk ready). */
function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  return Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
}

/** Resolves true on 'drain', false when the response closes first. */
function drained(res: NodeResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => { res.off('drain', onDrain); res.off('close', onClose); resolve(ok); };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Resolves true once the response was handed to the socket in full ('finish'), false when it closed first. */
function finished(res: NodeResponse): Promise<boolean> {
  if (res.writableFinished) return Promise.resolve(true);
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => { res.off('finish', onFinish); res.off('close', onClose); resolve(ok); };
    const onFinish = () => done(true);
    const onClose = () => done(res.writableFinished);
    res.on('finish', onFinish);
    res.on('close', onClose);
  });
}
