// The host side of one HTTP/3 connection (wit/http3.wit): the engine runs
// HTTP/3 on the QUIC connection — control and QPACK streams, framing,
// message validation, the error rules — and reports HTTP/3 events in place
// of stream events. This object takes those events (AppLayer), hands each to
// the request stream it concerns, and offers the calls the client and the
// server make: open a request, send headers and body, read the body, reset,
// GOAWAY. Bodies cross as web streams with back-pressure (body.ts).

import { http3 } from '../core/engine.js';
import { Http3Error } from '../errors.js';
import type { AppLayer, ConnectionCore } from '../quic/connection.js';
import { decodeFields, decodeSettings, encodeFields, H3_HEADERS_KIND, QUIC_EVENT, type H3Field, type QuicWireEvent } from '../quic/wire.js';
import { headersFrame, settingsData } from './qlog.js';

/** RFC 9114 §8.1. */
export const H3_NO_ERROR = 0x100n;
export const H3_INTERNAL_ERROR = 0x102n;
export const H3_REQUEST_REJECTED = 0x10bn;
export const H3_REQUEST_CANCELLED = 0x10cn;

/** What a request stream's owner (a client request, a server exchange) is told. */
export interface H3StreamSink {
  /** A field section: `kind` H3_HEADERS_KIND; `fin`: nothing follows on the stream. */
  onHeaders(kind: number, fields: H3Field[], fin: boolean): void;
  /** The body has bytes or its end to read (edge-triggered). */
  onBodyReadable(): void;
  /** `sendData` takes bytes again. */
  onWritable(): void;
  /** The stream is gone: reset by the peer (`remote`) or aborted by the engine on a stream error; `code` is the H3 code. */
  onReset(code: bigint, remote: boolean): void;
  /** The peer reads no more (STOP_SENDING). */
  onStopSending(code: bigint): void;
  /** Everything sent, FIN included, was acknowledged. */
  onSendDone(): void;
  /** Client: the server did not process the request (safe to retry). */
  onRejected(code: bigint): void;
  /** The connection ended: `err` says why (null: closed cleanly). */
  onConnectionClosed(err: Error): void;
}

export interface BodyChunk { data: Uint8Array; fin: boolean; reset: boolean; resetCode: bigint; unknown: boolean }

/** The engine refused a call (its h3-error record): not a trap, the connection goes on. */
class H3Refusal extends Http3Error {}

/** The engine's h3-error record (the WIT result's error), for driver.call's mapError. */
export function h3Refusal(p: unknown): Http3Error | undefined {
  if (p === null || typeof p !== 'object' || typeof (p as { code?: unknown }).code !== 'bigint') return undefined;
  const { code, reason } = p as { code: bigint; reason: string };
  return new H3Refusal(reason || 'the engine refused the call', code);
}

export class H3Connection implements AppLayer {
  readonly core: ConnectionCore;
  readonly #streams = new Map<bigint, H3StreamSink>();
  /** The peer's SETTINGS (id → value) once they arrived. */
  settings: Map<bigint, bigint> | null = null;
  /** The peer's latest GOAWAY id. */
  goawayId: bigint | null = null;
  /** Client: waiting for the peer to allow more request streams. */
  #streamWaiters: (() => void)[] = [];
  /** Server: a request arrived on a new stream. */
  onRequest: ((stream: bigint, fields: H3Field[], fin: boolean, early: boolean) => void) | null = null;
  /** The peer sent GOAWAY. */
  onGoaway: ((id: bigint) => void) | null = null;
  #closedErr: Error | null = null;
  #idleWaiters: (() => void)[] = [];

  constructor(core: ConnectionCore) {
    this.core = core;
    // an application close with an HTTP/3 error code (ours or the peer's, e.g. H3_ID_ERROR) resolves `closed`: its code
    // and reason are what the streams and calls see, not a clean H3_NO_ERROR
    core.closed.promise.then((info) => this.#closeAll(!info || info.wireCode === H3_NO_ERROR ? null
      : new Http3Error(`${info.remote ? 'the peer closed the connection' : 'the connection closed'}${info.reason ? `: ${info.reason}` : ''}`, info.wireCode)),
    (e) => this.#closeAll(e instanceof Error ? e : new Error(String(e))));
  }

  get closedError(): Error | null { return this.#closedErr; }
  /** Request streams in progress. */
  get activeStreams(): number { return this.#streams.size; }

  // ---- events ------------------------------------------------------------------------------

  onEvent(e: QuicWireEvent): void {
    switch (e.kind) {
      case QUIC_EVENT.h3Headers: {
        const fields = decodeFields(e.bytes);
        const kind = Number(e.value);
        if (this.core.qlogging) this.core.qlogEvent('http:frame_parsed', { stream_id: e.stream, frame: headersFrame(fields) });
        const s = this.#streams.get(e.stream);
        if (s) s.onHeaders(kind, fields, e.fin);
        else if (kind === H3_HEADERS_KIND.request && this.onRequest) this.onRequest(e.stream, fields, e.fin, e.early);
        break;
      }
      case QUIC_EVENT.h3BodyReadable: this.#streams.get(e.stream)?.onBodyReadable(); break;
      case QUIC_EVENT.h3Writable: this.#streams.get(e.stream)?.onWritable(); break;
      case QUIC_EVENT.h3StreamReset: {
        const s = this.#streams.get(e.stream);
        this.#forget(e.stream);
        s?.onReset(e.value, e.remote);
        break;
      }
      case QUIC_EVENT.h3StopSending: this.#streams.get(e.stream)?.onStopSending(e.value); break;
      case QUIC_EVENT.h3SendDone: this.#streams.get(e.stream)?.onSendDone(); break;
      case QUIC_EVENT.h3Goaway: this.goawayId = e.value; this.onGoaway?.(e.value); break;
      case QUIC_EVENT.h3Settings:
        this.settings = decodeSettings(e.bytes);
        this.core.qlogEvent('http:parameters_set', settingsData(this.settings));
        break;
      case QUIC_EVENT.h3RequestRejected: {
        const s = this.#streams.get(e.stream);
        this.#forget(e.stream);
        s?.onRejected(e.value);
        break;
      }
      case QUIC_EVENT.h3RequestsAvailable: this.#wakeNextRequest(); break;
      default: break;
    }
  }

  #closeAll(err: Error | null): void {
    const e = err ?? new Http3Error('the connection closed', H3_NO_ERROR);
    this.#closedErr = e;
    const sinks = [...this.#streams.values()];
    this.#streams.clear();
    this.#wakeIdle();
    for (const s of sinks) {
      try { s.onConnectionClosed(e); } catch (x) { queueMicrotask(() => { throw x; }); }
    }
    const w = this.#streamWaiters;
    this.#streamWaiters = [];
    for (const f of w) f();
  }

  // ---- calls -------------------------------------------------------------------------------

  #call<T>(f: (h: number) => T): T {
    const driver = this.core.driver;
    if (!driver || this.#closedErr) throw this.#closedErr ?? new Http3Error('the connection is not open', H3_INTERNAL_ERROR);
    const r = driver.call(() => f(this.core.handle), h3Refusal);
    driver.kick();
    return r;
  }

  /** Takes the events of `stream` (a server's new request, or a request opened here). */
  register(stream: bigint, sink: H3StreamSink): void {
    this.#streams.set(stream, sink);
  }

  /** The stream's owner is done with it. */
  release(stream: bigint): void {
    this.#forget(stream);
  }

  /** Resolves once no request stream is in progress (a draining connection can then close). */
  idle(): Promise<void> {
    if (this.#streams.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #forget(stream: bigint): void {
    if (this.#streams.delete(stream) && this.#streams.size === 0) this.#wakeIdle();
  }

  #wakeIdle(): void {
    const w = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const f of w) f();
  }

  /**
   * Client: opens a request stream and sends the request's HEADERS; `sinkFor`
   * makes the stream's sink from its id (before any of its events). Waits
   * while the peer allows no more streams; rejects with Http3Error when the
   * engine refuses (a GOAWAY forbids new requests: retryable), or the
   * connection's error.
   */
  async request(fields: Iterable<readonly [string, string]>, endStream: boolean, sinkFor: (id: bigint) => H3StreamSink, signal?: AbortSignal): Promise<bigint> {
    const lines = [...fields];
    const packed = encodeFields(lines);
    // Requests blocked by the peer's stream limit (RFC 9000 §4.6) wait in order: more
    // credit wakes the first, and each that gets its stream wakes the next. (Waking all
    // made every one but the few the credit allowed be refused again: an engine call and
    // two error objects each, 1.8 per request at 32 in flight against a limit of 32.)
    let woken = false;
    if (this.#streamWaiters.length > 0) {
      await this.#waitForStream(false, signal);
      woken = true;
    }
    for (;;) {
      let refusal: Http3Error | undefined;
      try {
        if (this.#closedErr) throw this.#closedErr;
        const id = this.#call((h) => http3.request(h, packed, endStream));
        this.#streams.set(id, sinkFor(id));
        if (this.core.qlogging) this.core.qlogEvent('http:frame_created', { stream_id: id, frame: headersFrame(lines) });
        this.#wakeNextRequest();
        return id;
      } catch (e) {
        if (!(e instanceof H3Refusal) || e.wireCode !== 0n) this.#wakeNextRequest();
        if (!(e instanceof H3Refusal)) throw e;
        refusal = e;
      }
      if (refusal.wireCode !== 0n) {
        throw new Http3Error(refusal.message.replace(/ \(.*\)$/, ''), refusal.wireCode, { retryable: refusal.wireCode === H3_REQUEST_REJECTED });
      }
      await this.#waitForStream(woken, signal); // one woken and refused again keeps its place
      woken = true;
    }
  }

  /** Until the peer allows another request stream; an abort of `signal` takes the request out of the line. */
  #waitForStream(first: boolean, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) { reject(signal.reason); return; }
      const onAbort = () => {
        const i = this.#streamWaiters.indexOf(wake);
        if (i >= 0) this.#streamWaiters.splice(i, 1);
        reject(signal!.reason);
      };
      const wake = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (first) this.#streamWaiters.unshift(wake); else this.#streamWaiters.push(wake);
    });
  }

  #wakeNextRequest(): void {
    this.#streamWaiters.shift()?.();
  }

  /** A HEADERS frame on `stream`: a response (1xx, final) or trailers. Throws Http3Error when refused. */
  sendHeaders(stream: bigint, fields: Iterable<readonly [string, string]>, endStream: boolean): void {
    const lines = [...fields];
    const packed = encodeFields(lines);
    this.#call((h) => http3.sendHeaders(h, stream, packed, endStream));
    if (this.core.qlogging) this.core.qlogEvent('http:frame_created', { stream_id: stream, frame: headersFrame(lines) });
  }

  /** Body bytes: returns how many the engine took (fewer: wait for onWritable), -1 when the stream takes no body. */
  sendData(stream: bigint, data: Uint8Array, endStream: boolean): number {
    return Number(this.#call((h) => http3.sendData(h, stream, data, endStream)));
  }

  readBody(stream: bigint, max: number): BodyChunk {
    return this.#call((h) => http3.readBody(h, stream, max)) as BodyChunk;
  }

  /** RESET_STREAM and STOP_SENDING with `code`; the stream's sink hears nothing more. */
  resetStream(stream: bigint, code: bigint): void {
    this.#forget(stream);
    if (this.#closedErr || !this.core.driver) return;
    this.#call((h) => http3.resetStream(h, stream, code));
  }

  /** Server (RFC 9114 §4.1.2): the rest of the request body is not wanted — STOP_SENDING `code`, the response goes on. */
  stopReading(stream: bigint, code: bigint): void {
    if (this.#closedErr || !this.core.driver) return;
    this.#call((h) => http3.stopReading(h, stream, code));
  }

  /** RFC 9114 §5.2: graceful shutdown (server: no new requests; client: no pushes). */
  goaway(): boolean {
    if (this.#closedErr) return false;
    return this.#call((h) => http3.goaway(h));
  }

  /** RFC 9218 priority of a request stream. */
  setPriority(stream: bigint, urgency: number, incremental: boolean): boolean {
    return this.#call((h) => http3.setPriority(h, stream, urgency, incremental));
  }
}
