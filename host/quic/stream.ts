// One QUIC stream as web streams (the W3C WebTransport stream shapes):
// a ReadableStream<Uint8Array> for what the peer sends, a
// WritableStream<Uint8Array> for what we send, each with back-pressure that
// reaches the engine's flow control.
//
//   reading: the ReadableStream pulls with `stream-read` while it is below
//     its byte high-water mark; when the engine has nothing, the pull waits
//     for the next `stream-readable` event (edge-triggered: re-armed by a
//     read). Reading is what returns flow-control credit to the peer, so a
//     consumer that stops reading stops the sender.
//   writing: a write resolves once the engine took every byte into the
//     stream's send buffer; when it takes fewer the rest waits for
//     `stream-writable`. close() sends the FIN.
//   cancel → STOP_SENDING, abort → RESET_STREAM (RFC 9000 §3.5), with the
//     reason as the application code when it is a number or bigint, else 0.
//   The peer's RESET_STREAM errors the readable, its STOP_SENDING the
//     writable, with QuicStreamError carrying the code.

import { InvalidArgumentError, QuicStreamError } from '../errors.js';
import { describe } from '../args.js';

/** Bytes a readable side buffers ahead of its consumer. */
export const READ_HIGH_WATER_MARK = 256 << 10;
/** Largest single `stream-read` / `stream-write` (each crosses the boundary as one copy). */
const MAX_READ = 256 << 10;
const MAX_WRITE = 64 << 10;
/** RFC 9000 §20.2: application error codes are varints. */
const VARINT_MAX = (1n << 62n) - 1n;

/** What `stream-read` returns (wit/quic.wit stream-chunk). */
export interface StreamChunk {
  data: Uint8Array;
  fin: boolean;
  reset: boolean;
  resetCode: bigint;
  unknown: boolean;
}

/** What a stream asks of its connection. */
export interface StreamHost {
  read(id: bigint, max: number): StreamChunk;
  /** Bytes taken, or -1n when the stream cannot be written. */
  write(id: bigint, data: Uint8Array, fin: boolean): bigint;
  reset(id: bigint, code: bigint): void;
  stopSending(id: bigint, code: bigint): void;
  /** The error every operation fails with once the connection is over, else null. */
  readonly closeError: Error | null;
  /** Both halves ended: the connection forgets the stream. */
  streamDone(id: bigint): void;
}

/** The application code for a cancel / abort reason: a number or bigint in varint range, else 0. */
export function codeFromReason(reason: unknown): bigint {
  if (typeof reason === 'bigint') return reason >= 0n && reason <= VARINT_MAX ? reason : 0n;
  if (typeof reason === 'number' && Number.isSafeInteger(reason) && reason >= 0) return BigInt(reason);
  return 0n;
}

/**
 * How a protocol over QUIC streams names its stream codes (WebTransport maps
 * its 32-bit codes into the HTTP/3 space): the code an abort / cancel reason
 * sends, and the error a peer's RESET_STREAM / STOP_SENDING code becomes.
 * Default: plain QUIC (codeFromReason, QuicStreamError).
 */
export interface StreamCodes {
  toWire(reason: unknown): bigint;
  error(what: 'reset' | 'stop-sending', id: bigint, wireCode: bigint): Error;
}

const QUIC_CODES: StreamCodes = {
  toWire: codeFromReason,
  error: (what, id, code) => new QuicStreamError(what, id, code),
};

interface Waiter { resolve: () => void; reject: (e: unknown) => void }

export class QuicStream {
  readonly id: bigint;
  readonly readable: ReadableStream<Uint8Array> | null = null;
  readonly writable: WritableStream<Uint8Array> | null = null;
  readonly #host: StreamHost;
  #rc: ReadableStreamDefaultController<Uint8Array> | null = null;
  #wc: WritableStreamDefaultController | null = null;
  #readWaiter: Waiter | null = null;
  #writeWaiter: Waiter | null = null;
  /** The engine signalled data since our last empty read. */
  #readable = false;
  #readDone: boolean;
  #writeDone: boolean;
  #writeError: Error | null = null;
  readonly #codes: StreamCodes;

  constructor(host: StreamHost, id: bigint, canRead: boolean, canWrite: boolean, highWaterMark = READ_HIGH_WATER_MARK, codes: StreamCodes = QUIC_CODES) {
    this.#host = host;
    this.#codes = codes;
    this.id = id;
    this.#readDone = !canRead;
    this.#writeDone = !canWrite;
    if (canRead) {
      this.readable = new ReadableStream<Uint8Array>({
        start: (c) => { this.#rc = c; },
        pull: (c) => this.#pull(c),
        cancel: (reason) => this.#cancel(reason),
      }, { highWaterMark, size: (chunk) => chunk.byteLength });
    }
    if (canWrite) {
      this.writable = new WritableStream<Uint8Array>({
        start: (c) => {
          this.#wc = c;
          // abort() waits for a write in flight, and ours may be waiting for room: act on the signal at once
          c.signal.addEventListener('abort', () => this.#abort(c.signal.reason), { once: true });
        },
        write: (chunk) => this.#write(chunk),
        close: () => this.#close(),
        abort: (reason) => this.#abort(reason),
      });
    }
  }

  // ---- reading -----------------------------------------------------------------------

  async #pull(c: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      if (this.#readDone) return;
      const err = this.#host.closeError;
      if (err) { this.#failRead(err); return; }
      const want = Math.min(Math.max(c.desiredSize ?? 1, 1), MAX_READ);
      const chunk = this.#host.read(this.id, want);
      if (chunk.data.length > 0) c.enqueue(chunk.data);
      if (chunk.reset) { this.#failRead(this.#codes.error('reset', this.id, chunk.resetCode)); return; }
      if (chunk.fin) { this.#endRead(); c.close(); return; }
      if (chunk.unknown) {
        // forgotten by the engine: a closed connection, or the stream ended while we were not looking
        const e = this.#host.closeError;
        if (e) this.#failRead(e);
        else { this.#endRead(); c.close(); }
        return;
      }
      if (chunk.data.length > 0) {
        // more wanted now? read on; else the next pull comes when the consumer catches up
        if ((c.desiredSize ?? 0) > 0) continue;
        return;
      }
      // nothing to read: wait for `stream-readable`
      if (this.#readable) { this.#readable = false; continue; }
      await new Promise<void>((resolve, reject) => { this.#readWaiter = { resolve, reject }; });
    }
  }

  #cancel(reason: unknown): void {
    if (this.#readDone) return;
    this.#endRead();
    // RFC 9000 §3.5: the application no longer wants the data — STOP_SENDING
    if (!this.#host.closeError) this.#host.stopSending(this.id, this.#codes.toWire(reason));
  }

  /** `stream-readable`: data, a FIN or a reset became visible. */
  onReadable(): void {
    const w = this.#readWaiter;
    if (w) { this.#readWaiter = null; w.resolve(); } else this.#readable = true;
  }

  /** The peer reset the stream (RESET_STREAM): what was not read is gone. */
  onReset(code: bigint): void {
    this.#failRead(this.#codes.error('reset', this.id, code));
  }

  #failRead(e: Error): void {
    if (this.#readDone) return;
    this.#endRead();
    try { this.#rc?.error(e); } catch { /* already closed */ }
  }

  #endRead(): void {
    this.#readDone = true;
    const w = this.#readWaiter;
    this.#readWaiter = null;
    w?.resolve();
    this.#maybeDone();
  }

  // ---- writing -----------------------------------------------------------------------

  async #write(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) throw new InvalidArgumentError('chunk', `must be a Uint8Array, got ${describe(chunk)}`);
    let off = 0;
    while (off < chunk.length) {
      this.#checkWritable();
      const piece = chunk.subarray(off, off + MAX_WRITE);
      const n = this.#host.write(this.id, piece, false);
      if (n < 0n) throw this.#writeFailure();
      off += Number(n);
      if (Number(n) < piece.length) {
        // the send buffer is full: the rest waits for `stream-writable`
        await new Promise<void>((resolve, reject) => { this.#writeWaiter = { resolve, reject }; });
      }
    }
  }

  async #close(): Promise<void> {
    this.#checkWritable();
    const n = this.#host.write(this.id, new Uint8Array(0), true);
    if (n < 0n) throw this.#writeFailure();
    this.#endWrite();
  }

  #abort(reason: unknown): void {
    if (this.#writeDone) return;
    this.#endWrite(reason);
    // RFC 9000 §3.1: the application abandons sending — RESET_STREAM
    if (!this.#host.closeError) this.#host.reset(this.id, this.#codes.toWire(reason));
  }

  #checkWritable(): void {
    const e = this.#writeError ?? this.#host.closeError;
    if (e) throw e;
  }

  #writeFailure(): Error {
    return this.#writeError ?? this.#host.closeError ?? this.#codes.error('stop-sending', this.id, 0n);
  }

  /** `stream-writable`: the send buffer has room again. */
  onWritable(): void {
    const w = this.#writeWaiter;
    this.#writeWaiter = null;
    w?.resolve();
  }

  /** The peer asked us to stop (STOP_SENDING); the engine answered with RESET_STREAM (RFC 9000 §3.5). */
  onStopSending(code: bigint): void {
    this.#failWrite(this.#codes.error('stop-sending', this.id, code));
  }

  #failWrite(e: Error): void {
    if (this.#writeDone) return;
    this.#writeError = e;
    this.#endWrite();
    try { this.#wc?.error(e); } catch { /* already closed */ }
  }

  /** `reason`: what a write still waiting for room rejects with (an abort's reason). */
  #endWrite(reason?: unknown): void {
    this.#writeDone = true;
    const w = this.#writeWaiter;
    this.#writeWaiter = null;
    if (w) w.reject(this.#writeError ?? this.#host.closeError ?? reason);
    this.#maybeDone();
  }

  // ---- the connection ended ------------------------------------------------------------

  /** Every side still open fails with `e` (the connection's close error). */
  onConnectionClosed(e: Error): void {
    this.#failRead(e);
    this.#failWrite(e);
  }

  #maybeDone(): void {
    if (this.#readDone && this.#writeDone) this.#host.streamDone(this.id);
  }
}
