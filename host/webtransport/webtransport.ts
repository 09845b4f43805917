// The W3C `WebTransport` class (https://w3c.github.io/webtransport/) over our
// HTTP/3 core: `new WebTransport(url, options)` opens a QUIC connection (or,
// with `allowPooling`, shares one with the other pooled sessions to the same
// origin), sends the extended CONNECT (RFC 9220, draft-02 headers as Chromium
// sends them) and exposes the session (session.ts) with the browser's shape.

import { bytesArg, describe, optionsArg } from '../args.js';
import { H3WasiError, Http3Error, InvalidArgumentError, QuicError, WebTransportError } from '../errors.js';
import type { AppBinding, ConnectionCore, QuicConnection } from '../quic/connection.js';
import { QuicEndpoint } from '../quic/endpoint.js';
import { encodeH3Config, WT_DRAFTS, type H3Field, type H3Options, type QuicOptions } from '../quic/wire.js';
import type { TlsOptions } from '../tls/index.js';
import { WtLayer } from './layer.js';
import {
  sendOrderArg, WtSession, type WebTransportBidirectionalStream, type WebTransportSendStream, type WebTransportCloseInfo, type WebTransportDatagramDuplexStream, type WebTransportStats,
} from './session.js';

export interface WebTransportHash {
  /** Only 'sha-256' (W3C: other algorithms are ignored). */
  algorithm: string;
  value: BufferSource;
}

export interface WebTransportOptions {
  /** W3C: allow this session to share a connection with other sessions (pooled per origin). Default false. */
  allowPooling?: boolean;
  /** W3C: fail unless the server takes datagrams (HTTP/3 datagrams, RFC 9297). Default false. */
  requireUnreliable?: boolean;
  /** W3C: accept the server by the SHA-256 of its certificate DER instead of a CA chain. */
  serverCertificateHashes?: WebTransportHash[];
  /** W3C: 'default' | 'throughput' | 'low-latency' — accepted; the engine has one congestion controller (reported as 'default'). */
  congestionControl?: 'default' | 'throughput' | 'low-latency';
  /** h3-wasi: trust anchors (PEM) instead of Node's CA store. */
  ca?: string | string[];
  /** h3-wasi: do not verify the server's certificate at all (h3-wasi/tls warns); not with `ca` or hashes. */
  insecure?: boolean;
  /** h3-wasi: QUIC transport settings (h3-wasi/quic). */
  quic?: QuicOptions;
  /** h3-wasi: the HTTP/3 settings we send; WebTransport (draft-02 and the current draft) is always on. */
  http3?: H3Options;
}

const KEYS = ['allowPooling', 'requireUnreliable', 'serverCertificateHashes', 'congestionControl', 'ca', 'insecure', 'quic', 'http3'] as const;
const CONGESTION = ['default', 'throughput', 'low-latency'];
/** RFC 9297 §5.1: SETTINGS_H3_DATAGRAM. */
const SETTINGS_H3_DATAGRAM = 0x33n;
/** Chromium 156 speaks draft-02 (assembly/h3/webtransport/README.md); the current draft's setting goes along. */
const WT_MASK = WT_DRAFTS.draft02 | WT_DRAFTS.latest;
const MAX_REASON = 1024;
/** draft-ietf-webtrans-http3 §9.5: the server's SETTINGS do not offer WebTransport (wt-connect's refusal). */
const WT_REQUIREMENTS_NOT_MET = 0x212c0d48n;

/** A connection sessions are on; pooled ones are shared per origin and pool key. */
interface Conn { conn: QuicConnection; layer: WtLayer; core: ConnectionCore; key: string | null }
const pool = new Map<string, Conn>();

function hashesArg(v: unknown): Uint8Array[] {
  if (!Array.isArray(v)) throw new InvalidArgumentError('serverCertificateHashes', `must be an array of { algorithm, value }, got ${describe(v)}`);
  const out: Uint8Array[] = [];
  v.forEach((h, i) => {
    if (h === null || typeof h !== 'object') throw new InvalidArgumentError(`serverCertificateHashes[${i}]`, `must be { algorithm, value }, got ${describe(h)}`);
    const { algorithm, value } = h as WebTransportHash;
    if (typeof algorithm !== 'string' || algorithm.toLowerCase() !== 'sha-256') return; // W3C: other algorithms are skipped
    const b = value instanceof ArrayBuffer ? new Uint8Array(value) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : bytesArg(`serverCertificateHashes[${i}].value`, value);
    if (b.length !== 32) throw new InvalidArgumentError(`serverCertificateHashes[${i}].value`, `must be 32 bytes (a SHA-256), got ${b.length}`);
    out.push(Uint8Array.from(b));
  });
  return out;
}

function truncateUtf8(s: string, max: number): string {
  const b = new TextEncoder().encode(s);
  if (b.length <= max) return s;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(b.subarray(0, end));
}

/** Opens (or, pooled, reuses) the connection to `url`'s origin. */
function connection(url: URL, tls: TlsOptions, o: WebTransportOptions, poolKey: string | null): Conn {
  if (poolKey !== null) {
    const have = pool.get(poolKey);
    if (have && !have.core.closeError && have.layer.h3.goawayId === null) return have;
  }
  let layer!: WtLayer, core!: ConnectionCore;
  const binding: AppBinding = {
    config: encodeH3Config({ ...(o.http3 ?? {}), webtransport: WT_MASK }, 'http3'),
    weak: true,
    bind: (c) => { core = c; layer = new WtLayer(c); return layer; },
  };
  const conn = QuicEndpoint.connect({
    host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443), alpn: 'h3', tls,
    ...(o.quic ? { quic: o.quic } : {}),
  }, binding);
  const entry: Conn = { conn, layer, core, key: poolKey };
  if (poolKey !== null) {
    pool.set(poolKey, entry);
    const forget = () => { if (pool.get(poolKey) === entry) pool.delete(poolKey); };
    conn.closed.then(forget, forget);
  }
  return entry;
}

/** A session is over: the connection closes once no session uses it (H3_NO_ERROR), after the close capsule had time to leave. */
function release(c: Conn): void {
  if (--c.layer.users > 0) return;
  if (c.key !== null && pool.get(c.key) === c) pool.delete(c.key);
  setTimeout(() => { if (c.layer.users === 0) c.conn.close({ closeCode: 0x100, reason: '' }); }, 100).unref();
}

/** W3C WebTransportSendStreamOptions: sendGroup and waitUntilAvailable are accepted and not acted on. */
export interface WebTransportSendStreamOptions { sendOrder?: number | null; sendGroup?: unknown; waitUntilAvailable?: boolean }

/** The sendOrder of a new stream's options (validated; null when absent). */
function streamOptions(options: unknown): number | null {
  if (options === undefined || options === null) return null;
  const o = optionsArg<WebTransportSendStreamOptions>('options', options, ['sendOrder', 'sendGroup', 'waitUntilAvailable']);
  return sendOrderArg(o.sendOrder);
}

const INTERNAL = Symbol('WebTransport');

export class WebTransport {
  readonly #s: WtSession;
  /** The client's connection (null: a server's session, which does not migrate). */
  readonly #conn: QuicConnection | null = null;
  readonly #congestion: 'default' | 'throughput' | 'low-latency';

  constructor(url: string | URL, options: WebTransportOptions = {}) {
    if ((url as unknown) === INTERNAL) {
      // a server's accepted session (wrapSession)
      this.#s = options as unknown as WtSession;
      this.#congestion = 'default';
      return;
    }
    const o = optionsArg<WebTransportOptions>('options', options, KEYS);
    let u: URL;
    try { u = new URL(url); } catch { throw new SyntaxError(`WebTransport: invalid URL ${describe(url)}`); }
    // W3C constructor: an https URL without a fragment
    if (u.protocol !== 'https:') throw new SyntaxError(`WebTransport: the URL must be https:, got ${u.protocol}`);
    if (u.hash !== '') throw new SyntaxError('WebTransport: the URL must not have a fragment');
    this.#congestion = o.congestionControl === undefined ? 'default' : (CONGESTION.includes(o.congestionControl) ? o.congestionControl : (() => {
      throw new InvalidArgumentError('congestionControl', `must be one of ${CONGESTION.join(', ')}, got ${describe(o.congestionControl)}`);
    })());
    const tls: TlsOptions = {};
    if (o.serverCertificateHashes !== undefined) {
      const pins = hashesArg(o.serverCertificateHashes);
      if (pins.length === 0) throw new InvalidArgumentError('serverCertificateHashes', 'has no sha-256 hash');
      // W3C: with hashes the certificate is accepted by its hash alone (no CA chain), which our TLS calls pinning
      tls.verify = 'pinned';
      tls.pinnedSha256 = pins;
    }
    if (o.ca !== undefined) tls.trustAnchorsPem = (Array.isArray(o.ca) ? o.ca : [o.ca]).join('\n');
    if (o.insecure !== undefined && typeof o.insecure !== 'boolean') throw new InvalidArgumentError('insecure', `must be a boolean, got ${describe(o.insecure)}`);
    if (o.insecure) {
      if (o.ca !== undefined || o.serverCertificateHashes !== undefined) throw new InvalidArgumentError('insecure', 'verifies nothing: give it without ca or serverCertificateHashes');
      tls.verify = 'insecure';
    }
    const pooled = o.allowPooling === true && o.serverCertificateHashes === undefined ? `${u.host}|${o.insecure ? 'insecure' : o.ca ?? ''}` : o.allowPooling === true ? `${u.host}|${JSON.stringify(tls.pinnedSha256?.map((p) => Buffer.from(p).toString('hex')))}` : null;
    const c = connection(u, tls, o, pooled);
    this.#conn = c.conn;
    const s = new WtSession(c.layer, null);
    this.#s = s;
    c.layer.users++;
    // the session keeps the process alive (the connection's driver is weak) from the engine's attach to its end
    let held = false;
    c.core.attached.promise.then(() => { if (s.state === 'closed' || s.state === 'failed') return; held = true; c.core.driver?.hold(1); }, () => {});
    s.onEnd = () => { if (held) { held = false; c.core.driver?.hold(-1); } release(c); };
    const fields: H3Field[] = [
      [':method', 'CONNECT'], [':protocol', 'webtransport'], [':scheme', 'https'], [':authority', u.host], [':path', `${u.pathname}${u.search}`],
      // draft-02, as Chromium 156 sends it (assembly/h3/webtransport/README.md)
      ['sec-webtransport-http3-draft02', '1'],
    ];
    void (async () => {
      try {
        await c.conn.ready;
        if (s.state !== 'connecting') return; // closed meanwhile
        // the CONNECT waits for the server's SETTINGS, so they are known once it is sent
        const id = await c.layer.connect(fields, s);
        s.id = id;
        if (o.requireUnreliable === true && c.layer.h3.settings?.get(SETTINGS_H3_DATAGRAM) !== 1n) {
          c.layer.close(id, 0, '');
          throw new WebTransportError('requireUnreliable: the server does not take HTTP/3 datagrams (RFC 9297 §2.1.1)', { source: 'session' });
        }
        if (s.state !== 'connecting') c.layer.close(id, 0, ''); // closed while the CONNECT waited
      } catch (e) {
        if (e instanceof Http3Error && e.wireCode === WT_REQUIREMENTS_NOT_MET) {
          s.onRefused(-1);
        } else if (tls.verify === 'pinned' && e instanceof QuicError && !e.remote && e.tlsAlert !== undefined) {
          // W3C "verify a certificate hash": the TLS core (assembly/tls/verify.ts verifyPinned) checks the hash,
          // the ECDSA P-256 key and the validity of at most 14 days; its refusal names which failed
          s.onConnectionClosed(e, `serverCertificateHashes: the server certificate was refused: ${e.reason || e.message}`);
        } else {
          s.onConnectionClosed(e instanceof Error ? e : new Error(String(e)));
        }
      }
    })();
  }

  /**
   * h3-wasi addition (not in W3C WebTransport): moves the session's QUIC connection to a new local
   * UDP socket (RFC 9000 §9, connection migration) — as a client does when its network changes.
   * The session, its streams and their order carry on. Resolves once the new path validated;
   * rejects with H3W_ERR_QUIC_MIGRATION_FAILED when it did not (RFC 9000 §8.2: the connection
   * stays on its old path) and H3W_ERR_QUIC_MIGRATION_REFUSED when it cannot migrate now.
   * A pooled connection (allowPooling) moves with every session on it.
   */
  migrate(): Promise<void> {
    if (!this.#conn) return Promise.reject(new H3WasiError('H3W_ERR_QUIC_MIGRATION_REFUSED', 'only a client migrates (RFC 9000 §9)'));
    return this.#conn.migrate();
  }

  /** Resolves when the server accepted the session (2xx); rejects with WebTransportError when it refused or the connection failed. */
  get ready(): Promise<void> { return this.#s.ready.promise; }
  /** Resolves with { closeCode, reason } on a clean close (either side); rejects with WebTransportError when the session broke. */
  get closed(): Promise<WebTransportCloseInfo> { return this.#s.closed.promise; }
  /** Resolves when the peer asked to wind the session down (DRAIN_WEBTRANSPORT_SESSION). */
  get draining(): Promise<void> { return this.#s.draining.promise; }
  get datagrams(): WebTransportDatagramDuplexStream { return this.#s.datagrams; }
  get incomingBidirectionalStreams(): ReadableStream<WebTransportBidirectionalStream> { return this.#s.incomingBidi; }
  get incomingUnidirectionalStreams(): ReadableStream<ReadableStream<Uint8Array>> { return this.#s.incomingUni; }
  /** W3C: 'pending' until ready; then 'supports-unreliable' (HTTP/3 datagrams are always on with WebTransport here). */
  get reliability(): 'pending' | 'reliable-only' | 'supports-unreliable' { return this.#s.state === 'connecting' ? 'pending' : 'supports-unreliable'; }
  get congestionControl(): 'default' | 'throughput' | 'low-latency' { return this.#congestion; }
  /** W3C: no subprotocol negotiation yet (wt-available-protocols is not sent). */
  get protocol(): string { return ''; }

  /** W3C: `sendOrder` (higher sends first among this session's streams; session.ts sendOrderUrgency has the mapping). */
  async createBidirectionalStream(options?: WebTransportSendStreamOptions): Promise<WebTransportBidirectionalStream> {
    const s = await this.#s.createStream(true, streamOptions(options));
    return { readable: s.readable!, writable: s.writable! as WebTransportSendStream };
  }

  async createUnidirectionalStream(options?: WebTransportSendStreamOptions): Promise<WebTransportSendStream> {
    const s = await this.#s.createStream(false, streamOptions(options));
    return s.writable! as WebTransportSendStream;
  }

  /** W3C close(): CLOSE_WEBTRANSPORT_SESSION with `closeCode` (u32) and `reason` (at most 1024 bytes of UTF-8). */
  close(info: { closeCode?: number; reason?: string } = {}): void {
    if (info === null || typeof info !== 'object') throw new InvalidArgumentError('closeInfo', `must be { closeCode, reason }, got ${describe(info)}`);
    const code = info.closeCode ?? 0;
    if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) throw new InvalidArgumentError('closeCode', `must be a 32-bit unsigned integer, got ${describe(code)}`);
    const reason = truncateUtf8(String(info.reason ?? ''), MAX_REASON);
    this.#s.close({ closeCode: code, reason });
  }

  /** h3-wasi: asks the peer to wind the session down (DRAIN_WEBTRANSPORT_SESSION). */
  drain(): boolean {
    return this.#s.id !== null && (this.#s.state === 'connected' || this.#s.state === 'draining') && this.#s.layer.drain(this.#s.id);
  }

  async getStats(): Promise<WebTransportStats> { return this.#s.stats(); }
}

/** Internal (the server side): the W3C object over an accepted session. */
export function wrapSession(s: WtSession): WebTransport {
  return new WebTransport(INTERNAL as unknown as string, s as unknown as WebTransportOptions);
}
