// One WebTransport session (draft-ietf-webtrans-http3) behind a W3C
// `WebTransport` object: its state, `ready` / `closed` / `draining`, the
// incoming stream queues, the datagram duplex, and its streams — QuicStreams
// (host/quic/stream.ts) over the session's QUIC streams, with WebTransport's
// 32-bit codes mapped into the HTTP/3 space (draft §4.4, wire.ts) and errors
// as WebTransportError. The same object serves a client session and a
// server's accepted one.

import { describe } from '../args.js';
import { h3ErrorName, InvalidArgumentError, WebTransportError } from '../errors.js';
import { QuicStream, READ_HIGH_WATER_MARK, type StreamCodes } from '../quic/stream.js';
import { http3CodeToWebtransport, webtransportCodeToHttp3, WT_CLOSE_KIND, type H3Field } from '../quic/wire.js';
import type { WtLayer } from './layer.js';

export interface WebTransportCloseInfo { closeCode: number; reason: string }

/** W3C WebTransportSendStream: a WritableStream with the stream's sendOrder (settable). */
export interface WebTransportSendStream extends WritableStream<Uint8Array> {
  sendOrder: number | null;
}

export interface WebTransportBidirectionalStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WebTransportSendStream;
}

export interface WebTransportDatagramDuplexStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** The largest payload one datagram of this session carries now (0 before the session is open). */
  readonly maxDatagramSize: number;
  /** Datagrams held for a slow reader before the newest are dropped (W3C default: implementation-defined; ours 128). */
  incomingHighWaterMark: number;
  outgoingHighWaterMark: number;
}

export interface WebTransportStats {
  bytesSent: number;
  packetsSent: number;
  packetsLost: number;
  bytesReceived: number;
  packetsReceived: number;
  /** Milliseconds (RFC 9002 §5). */
  smoothedRtt: number;
  rttVariation: number;
  minRtt: number;
  numOutgoingStreamsCreated: number;
  numIncomingStreamsCreated: number;
  datagrams: { droppedIncoming: number; expiredOutgoing: number; lostOutgoing: number; droppedOutgoing: number };
}

/** draft §4.4: a stream's 32-bit WebTransport code ↔ the HTTP/3 code on the wire. */
export const WT_STREAM_CODES: StreamCodes = {
  toWire(reason: unknown): bigint {
    let code = 0;
    if (reason instanceof WebTransportError && reason.streamErrorCode !== null) code = reason.streamErrorCode;
    else if (typeof reason === 'number' && Number.isInteger(reason) && reason >= 0 && reason <= 0xffffffff) code = reason;
    return webtransportCodeToHttp3(code);
  },
  error(what, id, wireCode) {
    const code = http3CodeToWebtransport(wireCode);
    const text = what === 'reset' ? 'the peer reset stream' : 'the peer stopped reading stream';
    return new WebTransportError(`${text} ${id} (${code === null ? `HTTP/3 code 0x${wireCode.toString(16)}` : `code ${code}`})`, { source: 'stream', streamErrorCode: code });
  },
};

/**
 * W3C sendOrder (a 64-bit signed number; higher sends first among the
 * session's streams) → the QUIC scheduler's urgency (assembly/quic/streams.ts:
 * eight levels, 0 first, 3 the default; non-incremental within a level, so
 * streams of one level go in the order they queued data). null and 0 keep the
 * default; the magnitude takes a level per factor of 16:
 *   ≥ 256 → 0, 16..255 → 1, 1..15 → 2, 0/null → 3, -1..-16 → 4, -17..-256 → 5, -257..-4096 → 6, below → 7.
 * Orders in one band share a level: a higher order never goes after a lower
 * one, but near orders may not be told apart. Streams of the session's
 * connection that are not WebTransport streams (HTTP/3 control, the CONNECT
 * stream's capsules) stay at 3.
 */
export function sendOrderUrgency(order: number | null): number {
  if (order === null || order === 0) return 3;
  if (order > 0) return order >= 256 ? 0 : order >= 16 ? 1 : 2;
  return order >= -16 ? 4 : order >= -256 ? 5 : order >= -4096 ? 6 : 7;
}

/** W3C: sendOrder is a `long long` or null. */
export function sendOrderArg(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new InvalidArgumentError('sendOrder', `must be an integer or null, got ${describe(v)}`);
  return v;
}

const DATAGRAM_HIGH_WATER_MARK = 128;
/** Streams remembered per session before the finished ones are pruned. */
const PRUNE_AT = 256;

export type WtState = 'connecting' | 'connected' | 'draining' | 'closed' | 'failed';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export class WtSession {
  readonly layer: WtLayer;
  /** The CONNECT stream's ID; null while a client's CONNECT waits for the server's SETTINGS. */
  id: bigint | null;
  state: WtState = 'connecting';
  /** The response's (client) or request's (server) field section. */
  fields: H3Field[] = [];
  readonly ready = deferred<void>();
  readonly closed = deferred<WebTransportCloseInfo>();
  readonly draining = deferred<void>();
  readonly incomingBidi: ReadableStream<WebTransportBidirectionalStream>;
  readonly incomingUni: ReadableStream<ReadableStream<Uint8Array>>;
  readonly datagrams: WebTransportDatagramDuplexStream;
  #bidiC!: ReadableStreamDefaultController<WebTransportBidirectionalStream>;
  #uniC!: ReadableStreamDefaultController<ReadableStream<Uint8Array>>;
  #dgramC!: ReadableStreamDefaultController<Uint8Array>;
  readonly #streams = new Set<QuicStream>();
  #outgoing = 0;
  #incoming = 0;
  #droppedIncoming = 0;
  #droppedOutgoing = 0;
  #incomingHwm = DATAGRAM_HIGH_WATER_MARK;
  /** Called once when the session is over (the owner releases the connection). */
  onEnd: (() => void) | null = null;

  constructor(layer: WtLayer, id: bigint | null) {
    this.layer = layer;
    this.id = id;
    this.incomingBidi = new ReadableStream({ start: (c) => { this.#bidiC = c; } });
    this.incomingUni = new ReadableStream({ start: (c) => { this.#uniC = c; } });
    const readable = new ReadableStream<Uint8Array>({ start: (c) => { this.#dgramC = c; } }, new CountQueuingStrategy({ highWaterMark: DATAGRAM_HIGH_WATER_MARK }));
    const writable = new WritableStream<Uint8Array>({ write: (chunk) => this.#sendDatagram(chunk) });
    const self = this;
    this.datagrams = {
      readable, writable,
      get maxDatagramSize() { return self.state === 'connected' || self.state === 'draining' ? self.layer.maxDatagramSize(self.id!) : 0; },
      get incomingHighWaterMark() { return self.#incomingHwm; },
      set incomingHighWaterMark(v: number) { if (Number.isFinite(v) && v >= 1) self.#incomingHwm = Math.floor(v); },
      outgoingHighWaterMark: 1,
    };
  }

  // ---- events (layer.ts) -------------------------------------------------------------------

  onReady(fields: H3Field[]): void {
    if (this.state !== 'connecting') return;
    this.fields = fields;
    this.state = 'connected';
    this.ready.resolve();
  }

  /** The server refused: `status` is its final status; 0: the CONNECT stream was reset (or GOAWAY); -1: its SETTINGS offer no WebTransport. */
  onRefused(status: number): void {
    const why = status === 0 ? 'the server reset the CONNECT stream or was going away'
      : status < 0 ? 'the server\'s SETTINGS do not offer WebTransport (WT_REQUIREMENTS_NOT_MET)' : `the server answered ${status}`;
    this.#fail(new WebTransportError(`the WebTransport session was refused: ${why}`, { source: 'session' }));
  }

  /** The peer closed the session (CLOSE_WEBTRANSPORT_SESSION, or a FIN: code 0). */
  onClosed(code: number, reason: string): void {
    this.#end('closed', { closeCode: code, reason }, new WebTransportError(`the session was closed by the peer (code ${code}${reason ? `: ${reason}` : ''})`, { source: 'session' }));
  }

  /** The CONNECT stream was reset (kind 1) or the engine aborted the session on an error (kind 2); `code` is the H3 code. */
  onAborted(kind: number, code: bigint): void {
    // kind error: what the peer sent on the CONNECT stream broke a rule (draft §6, RFC 9297 §3: a malformed
    // capsule, a close reason over 1024 bytes or not UTF-8), so the core reset the stream with `code`
    const how = kind === WT_CLOSE_KIND.reset ? 'the peer reset the session\'s CONNECT stream' : 'the session ended on a protocol error on its CONNECT stream';
    this.#fail(new WebTransportError(`${how} (${h3ErrorName(code)})`, { source: 'session' }));
  }

  onDraining(): void {
    if (this.state === 'connected') this.state = 'draining';
    this.draining.resolve();
  }

  onStream(id: bigint): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    // RFC 9000 §2.1: bit 0x2 marks a unidirectional stream
    const bidi = (id & 2n) === 0n;
    const s = this.#adopt(id, true, bidi);
    this.#incoming++;
    if (bidi) this.#bidiC.enqueue({ readable: s.readable!, writable: s.writable! as WebTransportSendStream });
    else this.#uniC.enqueue(s.readable!);
  }

  onDatagram(bytes: Uint8Array): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    // unreliable: a reader that falls behind loses the newest (W3C: incomingHighWaterMark)
    const queued = DATAGRAM_HIGH_WATER_MARK - (this.#dgramC.desiredSize ?? 0);
    if (queued < this.#incomingHwm) this.#dgramC.enqueue(bytes.slice());
    else this.#droppedIncoming++;
  }

  onConnectionClosed(err: Error, message = err.message): void {
    // the connection's error already says how it closed (QuicError, Http3Error): its message serves as it is
    this.#fail(new WebTransportError(message, { source: 'session', cause: err }));
  }

  // ---- the application's calls -------------------------------------------------------------------

  async createStream(bidi: boolean, sendOrder: number | null = null): Promise<QuicStream> {
    await this.ready.promise;
    if (this.state === 'closed' || this.state === 'failed') throw new WebTransportError('the session is closed', { source: 'session' });
    const id = await this.layer.openStream(this.id!, bidi);
    this.#outgoing++;
    return this.#adopt(id, bidi, true, sendOrder);
  }

  /** W3C close(): CLOSE_WEBTRANSPORT_SESSION with the code and reason; `closed` resolves with them. */
  close(info: WebTransportCloseInfo): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    if (this.state === 'connecting') {
      // W3C: closing before the session is established aborts it
      if (this.id !== null) this.layer.close(this.id, info.closeCode, info.reason);
      this.#fail(new WebTransportError('the session was closed before it was established', { source: 'session' }));
      return;
    }
    this.layer.close(this.id!, info.closeCode, info.reason);
    this.#end('closed', info, new WebTransportError(`the session was closed (code ${info.closeCode})`, { source: 'session' }));
  }

  stats(): WebTransportStats {
    const q = this.layer.core.stats();
    return {
      bytesSent: q.bytesSent, packetsSent: q.packetsSent, packetsLost: q.packetsLost,
      bytesReceived: q.bytesReceived, packetsReceived: q.packetsReceived,
      smoothedRtt: q.smoothedRtt, rttVariation: q.rttVariation, minRtt: q.minRtt,
      numOutgoingStreamsCreated: this.#outgoing, numIncomingStreamsCreated: this.#incoming,
      datagrams: { droppedIncoming: this.#droppedIncoming, expiredOutgoing: 0, lostOutgoing: 0, droppedOutgoing: this.#droppedOutgoing },
    };
  }

  // ---- internals -------------------------------------------------------------------------------

  /** A QuicStream over the session's stream, registered so the connection's stream events reach it. */
  #adopt(id: bigint, canRead: boolean, canWrite: boolean, sendOrder: number | null = null): QuicStream {
    const core = this.layer.core;
    const s = new QuicStream(core, id, canRead, canWrite, READ_HIGH_WATER_MARK, WT_STREAM_CODES);
    core.streams.set(id, s);
    if (s.writable) this.#sendOrder(s.writable, id, sendOrder);
    if (this.#streams.size >= PRUNE_AT) for (const x of this.#streams) if (core.streams.get(x.id) !== x) this.#streams.delete(x);
    this.#streams.add(s);
    return s;
  }

  /** W3C WebTransportSendStream.sendOrder on the writable: read and set; setting reschedules the stream. */
  #sendOrder(w: WritableStream<Uint8Array>, id: bigint, initial: number | null): void {
    let order = initial;
    if (order !== null) this.layer.setUrgency(id, sendOrderUrgency(order));
    const layer = this.layer;
    Object.defineProperty(w, 'sendOrder', {
      enumerable: true,
      get: () => order,
      set: (v: unknown) => {
        order = sendOrderArg(v);
        try { layer.setUrgency(id, sendOrderUrgency(order)); } catch { /* the connection is gone: nothing left to schedule */ }
      },
    });
  }

  async #sendDatagram(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a datagram must be a Uint8Array');
    if (this.state === 'connecting') await this.ready.promise;
    if (this.state === 'closed' || this.state === 'failed') throw new WebTransportError('the session is closed', { source: 'session' });
    const r = this.layer.sendDatagram(this.id!, chunk);
    // 2: larger than a datagram carries now — dropped, as W3C WebTransport drops them
    if (r === 2) this.#droppedOutgoing++;
    else if (r !== 0) throw new WebTransportError(r === 1 ? 'the peer takes no datagrams' : 'the session is not open', { source: 'session' });
  }

  #fail(err: WebTransportError): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = 'failed';
    this.ready.reject(err);
    this.closed.reject(err);
    this.#teardown(err, false);
  }

  #end(state: 'closed', info: WebTransportCloseInfo, streamErr: WebTransportError): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = state;
    this.closed.resolve(info);
    this.#teardown(streamErr, true);
  }

  #teardown(err: WebTransportError, clean: boolean): void {
    const core = this.layer.core;
    for (const s of this.#streams) {
      if (core.streams.get(s.id) === s) s.onConnectionClosed(err);
      core.streams.delete(s.id);
    }
    this.#streams.clear();
    for (const c of [this.#bidiC, this.#uniC, this.#dgramC] as ReadableStreamDefaultController<unknown>[]) {
      try { if (clean) c.close(); else c.error(err); } catch { /* already closed */ }
    }
    const f = this.onEnd;
    this.onEnd = null;
    f?.();
  }
}
