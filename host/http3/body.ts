// Message bodies of an HTTP/3 request stream as web streams, with the
// engine's back-pressure: the readable side reads `read-body` only when its
// consumer pulls (the engine's flow control then holds the peer back), the
// writable side waits for `h3-writable` when the engine's send buffer is full.
// One `StreamIo` per request stream is its H3StreamSink for body events.

import { Http3Error } from '../errors.js';
import { H3_REQUEST_CANCELLED, type H3Connection } from './connection.js';

/** Bytes asked of `read-body` per pull. */
const READ_CHUNK = 64 * 1024;

type Waiter = { resolve: () => void; reject: (e: unknown) => void };

/** The body-related state of one request stream, fed by the connection's events. */
export class StreamIo {
  readonly conn: H3Connection;
  readonly id: bigint;
  #readWaiter: Waiter | null = null;
  #writeWaiter: Waiter | null = null;
  /** Set once the stream is gone (reset, stop-sending for the write side, the connection closed). */
  #readError: Error | null = null;
  #writeError: Error | null = null;
  /** The body has been read to its end (or abandoned). */
  readDone = false;

  constructor(conn: H3Connection, id: bigint) {
    this.conn = conn;
    this.id = id;
  }

  onBodyReadable(): void { this.#wakeRead(null); }
  onWritable(): void { this.#wakeWrite(null); }

  /** The stream is gone; both directions fail with `err`. */
  fail(err: Error): void {
    this.#readError ??= err;
    this.#writeError ??= err;
    this.#wakeRead(err);
    this.#wakeWrite(err);
  }

  /** The peer reads no more: writes fail with `err`. */
  failWrite(err: Error): void {
    this.#writeError ??= err;
    this.#wakeWrite(err);
  }

  #wakeRead(err: Error | null): void {
    const w = this.#readWaiter;
    this.#readWaiter = null;
    if (w) { if (err) w.reject(err); else w.resolve(); }
  }

  #wakeWrite(err: Error | null): void {
    const w = this.#writeWaiter;
    this.#writeWaiter = null;
    if (w) { if (err) w.reject(err); else w.resolve(); }
  }

  #wait(kind: 'read' | 'write'): Promise<void> {
    const err = kind === 'read' ? this.#readError : this.#writeError;
    if (err) return Promise.reject(err);
    return new Promise<void>((resolve, reject) => {
      if (kind === 'read') this.#readWaiter = { resolve, reject }; else this.#writeWaiter = { resolve, reject };
    });
  }

  /**
   * The body as a ReadableStream. `onEnd` runs once when it ended (read to
   * the end, errored, or cancelled — then `onCancel` tells the peer: a client
   * resets the request, a server stops reading the request body).
   */
  readable(onEnd: () => void, onCancel: () => void = () => this.conn.resetStream(this.id, H3_REQUEST_CANCELLED)): ReadableStream<Uint8Array> {
    let ended = false;
    const end = () => { if (!ended) { ended = true; this.readDone = true; onEnd(); } };
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        for (;;) {
          if (this.#readError) { end(); c.error(this.#readError); return; }
          let ch;
          try {
            ch = this.conn.readBody(this.id, READ_CHUNK);
          } catch (e) {
            end();
            c.error(e);
            return;
          }
          if (ch.data.length > 0) {
            c.enqueue(ch.data);
            if (ch.fin) { end(); c.close(); }
            return;
          }
          if (ch.fin) { end(); c.close(); return; }
          if (ch.reset) {
            end();
            c.error(new Http3Error(`the peer reset stream ${this.id}`, ch.resetCode, { streamId: this.id }));
            return;
          }
          if (ch.unknown) {
            end();
            c.error(this.#readError ?? new Http3Error(`stream ${this.id} is gone`, H3_REQUEST_CANCELLED, { streamId: this.id }));
            return;
          }
          try {
            await this.#wait('read');
          } catch (e) {
            end();
            c.error(e);
            return;
          }
        }
      },
      cancel: () => {
        if (ended) return;
        end();
        try { onCancel(); } catch { /* the connection is gone */ }
      },
    }, { highWaterMark: 0 });
  }

  /**
   * Sends `body` (or nothing) as DATA, then FIN; waits while the engine's
   * send buffer is full. Returns the body bytes sent. `signal` aborts it.
   */
  async writeBody(body: ReadableStream<Uint8Array> | Uint8Array | null, signal?: AbortSignal): Promise<number> {
    let sent = 0;
    if (body instanceof Uint8Array) {
      sent = await this.#write(body, signal);
    } else if (body) {
      const reader = body.getReader();
      try {
        for (;;) {
          if (signal?.aborted) throw signal.reason;
          const { value, done } = await reader.read();
          if (done) break;
          const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBufferLike);
          sent += await this.#write(chunk, signal);
        }
      } catch (e) {
        reader.cancel(e).catch(() => {});
        throw e;
      } finally {
        reader.releaseLock();
      }
    }
    // FIN after everything (an empty write takes all of nothing)
    if (this.conn.sendData(this.id, new Uint8Array(0), true) < 0) {
      throw this.#writeError ?? new Http3Error(`stream ${this.id} cannot be ended`, H3_REQUEST_CANCELLED, { streamId: this.id });
    }
    return sent;
  }

  async #write(data: Uint8Array, signal?: AbortSignal): Promise<number> {
    let off = 0;
    while (off < data.length) {
      if (signal?.aborted) throw signal.reason;
      if (this.#writeError) throw this.#writeError;
      const n = this.conn.sendData(this.id, off === 0 ? data : data.subarray(off), false);
      if (n < 0) throw this.#writeError ?? new Http3Error(`stream ${this.id} takes no more body`, H3_REQUEST_CANCELLED, { streamId: this.id });
      off += n;
      if (off < data.length) await this.#wait('write');
    }
    return data.length;
  }
}
