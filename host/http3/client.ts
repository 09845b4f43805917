// `fetch()` over HTTP/3, as undici's fetch is over HTTP/1.1: Request /
// Response / Headers from the platform, streaming bodies both ways,
// AbortSignal, redirects as the Fetch standard says, one pooled connection
// per origin carrying every request to it (multiplexed), a retry of a
// request the server did not process (GOAWAY, H3_REQUEST_REJECTED), and
// 0-RTT for safe requests when a session from an earlier connection exists.
//
// `Http3Client` is the pool with its options (trust, QUIC and HTTP/3
// settings, diagnostics); `fetch` uses a default client.

import { bytesArg, describe, intArg, optionsArg, stringArg } from '../args.js';
import { Http3Error, InvalidArgumentError } from '../errors.js';
import { QuicEndpoint } from '../quic/endpoint.js';
import type { AppBinding, ConnectionCore, QuicConnection } from '../quic/connection.js';
import { encodeH3Config, H3_HEADERS_KIND, type H3Field, type H3Options, type QuicOptions } from '../quic/wire.js';
import type { TlsOptions } from '../tls/index.js';
import { StreamIo } from './body.js';
import { H3Connection, H3_NO_ERROR, H3_REQUEST_CANCELLED, H3_REQUEST_REJECTED, type H3StreamSink } from './connection.js';
import { headerFields, SAFE_METHODS, splitFields } from './fields.js';

export interface Http3ClientOptions {
  /** Trust anchors (PEM) instead of Node's CA store: e.g. a self-signed server certificate, accepted as its own anchor. */
  ca?: string | string[];
  /** Accept exactly these server certificates: SHA-256 of the certificate DER (32 bytes, or 64 hex digits). */
  pinnedSha256?: (Uint8Array | string)[];
  /** No certificate verification at all (development only: h3-wasi/tls prints a warning). */
  insecure?: boolean;
  /** TLS cipher suites to offer (IANA numbers, h3-wasi/tls CIPHER_SUITES); default ChaCha20-Poly1305 first. */
  cipherSuites?: number[];
  /** QUIC transport settings (h3-wasi/quic). */
  quic?: QuicOptions;
  /** HTTP/3 settings we advertise. */
  http3?: H3Options;
  /** Send safe requests (GET, HEAD) in 0-RTT when resuming (default true). */
  earlyData?: boolean;
  /** Resumption state to start from, per origin (from an earlier client's `sessions`). */
  sessions?: Record<string, Uint8Array>;
  /** Per-request timeout in ms, headers and body included (default: none). */
  timeout?: number;
  /** Redirects followed before a network error (default 20, as the Fetch standard). */
  maxRedirects?: number;
  /** A qlog trace per connection into this directory (default: env QLOGDIR). */
  qlogDir?: string;
  /** Append TLS secrets to this file, SSLKEYLOGFILE format (default: env SSLKEYLOGFILE). */
  keylog?: string;
}

const CLIENT_KEYS = ['ca', 'pinnedSha256', 'insecure', 'cipherSuites', 'quic', 'http3', 'earlyData', 'sessions', 'timeout', 'maxRedirects', 'qlogDir', 'keylog'] as const;

/** Fetch standard: the redirect statuses. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Statuses whose response has no body (RFC 9110 §6.4.1); HEAD responses neither. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** Requests retried on a fresh connection when the server did not process them. */
const MAX_RETRIES = 3;

/** A connection of the pool. */
interface PoolEntry {
  conn: QuicConnection;
  h3: H3Connection;
  core: ConnectionCore;
  /** No new requests: GOAWAY came, or it is closing. */
  draining: boolean;
  /** Requests in progress (each holds the driver once attached). */
  active: number;
  attached: boolean;
  /** The connection resumes a session with 0-RTT: safe requests need not wait for the handshake. */
  zeroRtt: boolean;
}

/** What one response exchange tells the request in progress. */
class ClientExchange implements H3StreamSink {
  readonly io: StreamIo;
  #head: { resolve: (v: { status: number; headers: Headers; fin: boolean }) => void; reject: (e: unknown) => void };
  readonly head: Promise<{ status: number; headers: Headers; fin: boolean }>;
  trailers: Headers | null = null;
  gotFinal = false;

  constructor(conn: H3Connection, id: bigint) {
    this.io = new StreamIo(conn, id);
    let resolve!: (v: { status: number; headers: Headers; fin: boolean }) => void, reject!: (e: unknown) => void;
    this.head = new Promise((res, rej) => { resolve = res; reject = rej; });
    this.head.catch(() => {});
    this.#head = { resolve, reject };
  }

  onHeaders(kind: number, fields: H3Field[], fin: boolean): void {
    const { pseudo, headers } = splitFields(fields);
    if (kind === H3_HEADERS_KIND.informational) return; // 1xx: nothing for fetch() to show
    if (kind === H3_HEADERS_KIND.trailers) { this.trailers = headers; return; }
    if (kind !== H3_HEADERS_KIND.response || this.gotFinal) return;
    this.gotFinal = true;
    this.#head.resolve({ status: Number(pseudo.get('status')), headers, fin });
  }
  onBodyReadable(): void { this.io.onBodyReadable(); }
  onWritable(): void { this.io.onWritable(); }
  onReset(code: bigint, remote: boolean): void {
    const e = new Http3Error(remote ? `the server reset the request (stream ${this.io.id})` : `the response was malformed (stream ${this.io.id})`, code,
      { streamId: this.io.id, retryable: remote && code === H3_REQUEST_REJECTED && !this.gotFinal });
    this.#head.reject(e);
    this.io.fail(e);
  }
  onStopSending(code: bigint): void {
    this.io.failWrite(new Http3Error(`the server stopped reading the request body (stream ${this.io.id})`, code, { streamId: this.io.id }));
  }
  onSendDone(): void {}
  onRejected(code: bigint): void {
    const e = new Http3Error(`the server did not process the request (stream ${this.io.id})`, code, { streamId: this.io.id, retryable: true });
    this.#head.reject(e);
    this.io.fail(e);
  }
  onConnectionClosed(err: Error): void {
    this.#head.reject(err);
    this.io.fail(err);
  }
  /** The request was aborted (signal, timeout): whatever waits fails with `reason`. */
  abort(reason: Error): void { this.onConnectionClosed(reason); }
}

function pinArg(name: string, v: unknown): Uint8Array {
  if (typeof v === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(v.replace(/:/g, ''))) throw new InvalidArgumentError(name, `must be 64 hex digits (a SHA-256), got ${describe(v)}`);
    return Uint8Array.from(Buffer.from(v.replace(/:/g, ''), 'hex'));
  }
  const b = bytesArg(name, v);
  if (b.length !== 32) throw new InvalidArgumentError(name, `must be 32 bytes (a SHA-256), got ${b.length}`);
  return b;
}

/** The origin a URL's requests share a connection for (scheme, host, port). */
function originKey(u: URL): string {
  return `${u.hostname}:${u.port || '443'}`;
}

/** `p`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export class Http3Client {
  readonly #tls: TlsOptions;
  readonly #quic: QuicOptions | undefined;
  readonly #h3: Uint8Array;
  readonly #earlyData: boolean;
  readonly #timeout: number | undefined;
  readonly #maxRedirects: number;
  readonly #qlogDir: string | undefined;
  readonly #keylog: string | undefined;
  readonly #pool = new Map<string, PoolEntry>();
  /** Resumption sessions and NEW_TOKEN tokens per origin, from connections that had them. */
  readonly #sessions = new Map<string, Uint8Array>();
  readonly #tokens = new Map<string, Uint8Array>();
  #closed = false;

  constructor(options: Http3ClientOptions = {}) {
    const o = optionsArg<Http3ClientOptions>('options', options, CLIENT_KEYS);
    const tls: TlsOptions = {};
    if (o.insecure !== undefined && typeof o.insecure !== 'boolean') throw new InvalidArgumentError('insecure', `must be a boolean, got ${describe(o.insecure)}`);
    if (o.insecure) {
      if (o.ca !== undefined || o.pinnedSha256 !== undefined) throw new InvalidArgumentError('insecure', 'verifies nothing: give it without ca or pinnedSha256');
      tls.verify = 'insecure'; // h3-wasi/tls warns on stderr for every config (connection) made so
    } else if (o.pinnedSha256 !== undefined) {
      if (!Array.isArray(o.pinnedSha256) || o.pinnedSha256.length === 0) throw new InvalidArgumentError('pinnedSha256', `must be a non-empty array of SHA-256 hashes, got ${describe(o.pinnedSha256)}`);
      tls.verify = 'pinned';
      tls.pinnedSha256 = o.pinnedSha256.map((h, i) => pinArg(`pinnedSha256[${i}]`, h));
    }
    if (o.ca !== undefined) {
      const list = Array.isArray(o.ca) ? o.ca : [o.ca];
      tls.trustAnchorsPem = list.map((c, i) => stringArg(`ca[${i}]`, c)).join('\n');
    }
    if (o.cipherSuites !== undefined) tls.cipherSuites = o.cipherSuites;
    this.#tls = tls;
    this.#quic = o.quic;
    this.#h3 = encodeH3Config(o.http3 ?? {}, 'http3');
    this.#earlyData = o.earlyData === undefined ? true : o.earlyData === true;
    this.#timeout = o.timeout === undefined ? undefined : intArg('timeout', o.timeout, 1, 2 ** 31 - 1);
    this.#maxRedirects = o.maxRedirects === undefined ? 20 : intArg('maxRedirects', o.maxRedirects, 0, 1000);
    this.#qlogDir = o.qlogDir === undefined ? undefined : stringArg('qlogDir', o.qlogDir);
    this.#keylog = o.keylog === undefined ? undefined : stringArg('keylog', o.keylog);
    if (o.sessions !== undefined) {
      for (const [k, v] of Object.entries(o.sessions)) this.#sessions.set(k, bytesArg(`sessions.${k}`, v));
    }
  }

  /** The latest resumption session per origin ("host:port"), to give a later client. */
  get sessions(): Record<string, Uint8Array> {
    for (const [k, e] of this.#pool) if (e.conn.session) this.#sessions.set(k, e.conn.session);
    return Object.fromEntries(this.#sessions);
  }

  /** The pooled connection to `url`'s origin, if one is open (its QUIC connection: stats, alpn, earlyData...). */
  connection(url: string | URL): QuicConnection | undefined {
    return this.#pool.get(originKey(new URL(url)))?.conn;
  }

  /**
   * Fetch over HTTP/3 (https: URLs). Resolves with the Response once its
   * headers arrived; its body streams. Rejects with Http3Error (a request
   * reset or refused, `wireCode` the H3 code), QuicError (the connection
   * failed: TLS, timeout, ...), TypeError (a network error the Fetch
   * standard names: too many redirects, a redirect with redirect: 'error'),
   * or the signal's reason when aborted.
   */
  async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (this.#closed) throw new TypeError('fetch failed: the Http3Client is closed');
    let request = new Request(input, init);
    const signal = request.signal;
    // the body, buffered unless it is a stream: redirects (307/308) and retries send it again
    const streamed = init?.body instanceof ReadableStream || (input instanceof Request && input.body !== null && init?.body === undefined);
    let body: Uint8Array | ReadableStream<Uint8Array> | null = null;
    if (request.body) body = streamed ? request.body : new Uint8Array(await request.arrayBuffer());
    const timeout = this.#timeout;
    const timer = timeout ? AbortSignal.timeout(timeout) : null;
    const combined = timer ? AbortSignal.any([signal, timer]) : signal;
    let redirects = 0;
    const urlList: string[] = [];
    for (;;) {
      const url = new URL(request.url);
      if (url.protocol !== 'https:') throw new TypeError(`fetch failed: HTTP/3 needs an https: URL, got ${url.protocol}`);
      urlList.push(url.href);
      const res = await this.#send(request.method, url, request.headers, body, combined);
      if (!REDIRECTS.has(res.status) || request.redirect === 'manual') return this.#finish(res, urlList);
      if (request.redirect === 'error') {
        await res.body?.cancel();
        throw new TypeError(`fetch failed: redirect to ${res.headers.get('location')} with redirect: 'error'`);
      }
      const location = res.headers.get('location');
      if (location === null) return this.#finish(res, urlList);
      await res.body?.cancel().catch(() => {});
      if (++redirects > this.#maxRedirects) throw new TypeError(`fetch failed: more than ${this.#maxRedirects} redirects`);
      const next = new URL(location, url);
      let method = request.method;
      // Fetch standard, HTTP-redirect fetch: 303 (not HEAD), and 301/302 for POST, become GET without a body
      if ((res.status === 303 && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
      } else if (body instanceof ReadableStream) {
        throw new TypeError('fetch failed: a redirect needs the request body again, and a streamed body cannot be sent twice');
      }
      const headers = new Headers(request.headers);
      if (body === null) for (const h of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(h);
      // a redirect to another origin drops the credentials (Fetch standard, step "If request's current URL's origin is not same origin")
      if (next.origin !== url.origin) headers.delete('authorization');
      request = new Request(next, { method, headers, redirect: request.redirect, signal });
    }
  }

  #finish(res: Response, urlList: string[]): Response {
    Object.defineProperty(res, 'url', { value: urlList[urlList.length - 1] });
    if (urlList.length > 1) Object.defineProperty(res, 'redirected', { value: true });
    return res;
  }

  /** One request on a pooled connection; retried on a fresh one when the server did not process it. */
  async #send(method: string, url: URL, headers: Headers, body: Uint8Array | ReadableStream<Uint8Array> | null, signal: AbortSignal): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      try {
        // a retry is never sent in 0-RTT (it may follow a 425 Too Early)
        return await this.#attempt(method, url, headers, body, signal, attempt === 0);
      } catch (e) {
        if (signal.aborted) throw abortError(signal);
        const retryable = e instanceof Http3Error && e.retryable && !(body instanceof ReadableStream) && attempt < MAX_RETRIES;
        if (!retryable) throw e;
      }
    }
  }

  async #attempt(method: string, url: URL, headers: Headers, body: Uint8Array | ReadableStream<Uint8Array> | null, signal: AbortSignal, mayBeEarly: boolean): Promise<Response> {
    if (signal.aborted) throw abortError(signal);
    const early = mayBeEarly && SAFE_METHODS.has(method) && body === null;
    const entry = this.#entry(url, early);
    // from here until the response is done, the connection keeps the process alive (a pooled idle one does not)
    let held = true;
    this.#hold(entry, 1);
    const release = () => { if (held) { held = false; this.#hold(entry, -1); } };
    try {
      // the engine has the connection once DNS and bind are done; without 0-RTT the request waits for the handshake
      const connected = early && entry.zeroRtt ? Promise.race([entry.core.attached.promise, entry.conn.ready]) : entry.conn.ready;
      await untilAborted(connected, signal);
    } catch (e) {
      release();
      throw e;
    }
    const fields: [string, string][] = [
      [':method', method], [':scheme', 'https'], [':authority', url.host], [':path', `${url.pathname}${url.search}`],
      ...headerFields(headers),
    ];
    if (body instanceof Uint8Array && !headers.has('content-length')) fields.push(['content-length', String(body.length)]);
    let ex: ClientExchange | null = null;
    let id: bigint | null = null;
    const onAbort = () => {
      if (id !== null) entry.h3.resetStream(id, H3_REQUEST_CANCELLED);
      ex?.abort(abortError(signal) as Error);
      release();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const sentEarly = entry.core.status === 'connecting';
      const stream = await entry.h3.request(fields, body === null, (sid) => (ex = new ClientExchange(entry.h3, sid)), signal);
      id = stream;
      // set by the sink factory, before the request's first event
      const exchange = ex as unknown as ClientExchange;
      if (body !== null) {
        // the request body streams while the response may already come (a server may answer early)
        exchange.io.writeBody(body, signal).catch((e: unknown) => {
          if (!signal.aborted && !exchange.gotFinal) entry.h3.resetStream(stream, H3_REQUEST_CANCELLED);
          exchange.abort(e instanceof Error ? e : new Error(String(e)));
        });
      }
      const head = await exchange.head;
      const noBody = method === 'HEAD' || NULL_BODY.has(head.status) || head.fin;
      const done = () => { entry.h3.release(stream); signal.removeEventListener('abort', onAbort); release(); };
      if (head.status === 425 && sentEarly) {
        // RFC 8470 §5.2: a request the server would not take in early data is sent again once the handshake is complete
        if (!head.fin) exchange.io.readable(() => {}).cancel().catch(() => {});
        done();
        throw new Http3Error(`the server answered 425 (Too Early) to a request sent in 0-RTT (stream ${stream})`, H3_NO_ERROR, { streamId: stream, retryable: true });
      }
      let resBody: ReadableStream<Uint8Array> | null = null;
      if (noBody) {
        if (!head.fin) exchange.io.readable(() => {}).cancel().catch(() => {});
        done();
      } else {
        resBody = exchange.io.readable(done);
      }
      const res = new Response(resBody, { status: head.status === 101 ? 200 : head.status, headers: head.headers });
      return res;
    } catch (e) {
      signal.removeEventListener('abort', onAbort);
      if (id !== null) entry.h3.release(id);
      release();
      if (signal.aborted) throw abortError(signal);
      throw e;
    }
  }

  /** Requests in progress on `entry` keep the process alive: applied to its driver once the engine has the connection. */
  #hold(entry: PoolEntry, delta: 1 | -1): void {
    entry.active += delta;
    if (entry.attached) entry.core.driver?.hold(delta);
  }

  /** The origin's pooled connection, or a new one (0-RTT allowed when `early`). */
  #entry(url: URL, early: boolean): PoolEntry {
    const key = originKey(url);
    const have = this.#pool.get(key);
    if (have && !have.draining && !have.h3.closedError) return have;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 443);
    const session = have?.conn.session ?? this.#sessions.get(key);
    const token = have?.conn.token ?? this.#tokens.get(key);
    let h3!: H3Connection;
    let core!: ConnectionCore;
    const binding: AppBinding = {
      config: this.#h3,
      weak: true,
      bind: (c) => { core = c; h3 = new H3Connection(c); return h3; },
    };
    const zeroRtt = session !== undefined && this.#earlyData && early;
    const conn = QuicEndpoint.connect({
      host, port, alpn: 'h3',
      tls: { ...this.#tls, ...(zeroRtt ? { earlyData: true } : {}) },
      ...(this.#quic ? { quic: this.#quic } : {}),
      ...(session ? { session } : {}),
      ...(token ? { token } : {}),
      ...(this.#qlogDir !== undefined ? { qlogDir: this.#qlogDir } : {}),
      ...(this.#keylog !== undefined ? { keylog: this.#keylog } : {}),
    }, binding);
    const entry: PoolEntry = { conn, h3, core, draining: false, active: 0, attached: false, zeroRtt };
    core.attached.promise.then(() => {
      entry.attached = true;
      if (entry.active > 0) core.driver?.hold(entry.active);
    }, () => {});
    h3.onGoaway = () => { entry.draining = true; this.#closeWhenIdle(key, entry); };
    this.#pool.set(key, entry);
    const forget = () => {
      if (conn.session) this.#sessions.set(key, conn.session);
      if (conn.token) this.#tokens.set(key, conn.token);
      if (this.#pool.get(key) === entry) this.#pool.delete(key);
    };
    conn.closed.then(forget, forget);
    return entry;
  }

  /** A draining connection closes once its last request is done. */
  #closeWhenIdle(key: string, entry: PoolEntry): void {
    if (this.#pool.get(key) === entry) this.#pool.delete(key);
    void entry.h3.idle().then(() => entry.conn.close({ closeCode: Number(H3_NO_ERROR), reason: '' }));
  }

  /** Closes every pooled connection (H3_NO_ERROR); requests in progress fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#pool.values()];
    this.#pool.clear();
    for (const e of all) e.conn.close({ closeCode: Number(H3_NO_ERROR), reason: '' });
    await Promise.allSettled(all.map((e) => e.conn.closed));
  }
}

let defaultClient: Http3Client | null = null;

/**
 * `fetch()` over HTTP/3 with a default Http3Client (Node's CA store, default
 * settings). For trust options, pinning, timeouts: `new Http3Client({...}).fetch`.
 */
export function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  defaultClient ??= new Http3Client();
  return defaultClient.fetch(input, init);
}
