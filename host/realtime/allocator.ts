// The StreamAllocator: one WebTransport session's streams, as
// docs/realtime-protocol.md "Stream allocation on WebTransport" lays them out:
//  - control: the first bidirectional stream the client opens (hello,
//    welcome, ack, ping/pong, error, and msgs other than chat);
//  - chat: every further client-opened bidirectional stream (one per room;
//    the hub reads it and answers nothing on it);
//  - deliveries: one hub-opened unidirectional stream per room;
//  - typing/presence from the client: datagrams (outside the seq order).
// Each stream is read and written on its own: a stream that stalls (a reader
// that stops reading, a full window) or is reset holds up only itself.
// Streams carry 4-byte length-prefixed JSON frames (protocol.ts FrameReader).
import type { WebTransport } from '../webtransport/webtransport.js';
import type { Logger } from './log.js';
import { decodeText, encodeFramed, FrameReader, ProtocolError, type Frame } from './protocol.js';

/** WebTransport stream error code for a protocol error (docs/realtime-protocol.md "Frames"). */
export const STREAM_PROTOCOL_ERROR = 1;
/** Bytes queued on one hub stream before it counts as stalled: it is reset and its deliveries wait for the client's next hello. */
export const STREAM_QUEUE_LIMIT = 4 << 20;

export type StreamClass = 'control' | 'chat' | 'room' | 'datagram';

interface OutStream { writer: WritableStreamDefaultWriter<Uint8Array> | null; opening: Promise<void> | null; queued: Uint8Array[]; pending: number; warned: boolean }

export interface AllocatorEvents {
  /** A frame arrived (`bytes`: its size); `datagram` for datagrams. */
  frame(f: Frame, bytes: number, datagram: boolean): void;
  /** A frame broke the protocol on a stream (that stream has been reset). */
  protocolError(e: ProtocolError, on: StreamClass): void;
}

export class StreamAllocator {
  #control: WritableStreamDefaultWriter<Uint8Array> | null = null;
  readonly #rooms = new Map<string, OutStream>();
  #chatStreams = 0;
  #closed = false;

  constructor(readonly session: WebTransport, readonly events: AllocatorEvents, readonly log: Logger) {}

  /** Active streams by class (tests, metrics). */
  get active(): { control: number; chat: number; room: number } {
    return { control: this.#control ? 1 : 0, chat: this.#chatStreams, room: this.#rooms.size };
  }

  /** Reads the session's incoming streams and datagrams until it ends. */
  async run(): Promise<void> {
    const datagrams = this.#readDatagrams();
    const reader = this.session.incomingBidirectionalStreams.getReader();
    try {
      for (;;) {
        const { value: s, done } = await reader.read();
        if (done) break;
        if (!this.#control) {
          this.#control = s.writable.getWriter();
          this.#control.closed.catch(() => {});
          void this.#readStream(s.readable, 'control');
        } else {
          this.#chatStreams++;
          void s.writable.close().catch(() => {}); // the hub answers nothing on a chat stream
          void this.#readStream(s.readable, 'chat').finally(() => this.#chatStreams--);
        }
      }
    } catch { /* the session ended */ }
    await datagrams;
  }

  async #readStream(readable: ReadableStream<Uint8Array>, cls: StreamClass): Promise<void> {
    const fr = new FrameReader();
    const reader = readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let frames: Frame[];
        try {
          frames = fr.push(value);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          await reader.cancel(STREAM_PROTOCOL_ERROR).catch(() => {});
          this.events.protocolError(e, cls);
          return;
        }
        // bytes per frame for the metrics: the chunk spread over its frames is close enough
        for (const f of frames) this.events.frame(f, Math.ceil(value.length / frames.length), false);
      }
    } catch { /* reset by the client or the session ended: only this stream stops */ }
  }

  async #readDatagrams(): Promise<void> {
    const reader = this.session.datagrams.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        try {
          this.events.frame(decodeText(value), value.length, true);
        } catch (e) {
          if (e instanceof ProtocolError) this.events.protocolError(e, 'datagram');
        }
      }
    } catch { /* the session ended */ }
  }

  /** Queues one frame: a deliver on its room's stream, anything else on the control stream. Returns the bytes queued, or -1. */
  send(f: Frame): number {
    if (this.#closed) return -1;
    const bytes = encodeFramed(f);
    if (f.t === 'deliver') return this.#sendRoom(f.room ?? '', bytes);
    if (!this.#control) return -1;
    this.#control.write(bytes).catch(() => {});
    return bytes.length;
  }

  #sendRoom(room: string, bytes: Uint8Array): number {
    let s = this.#rooms.get(room);
    if (!s) {
      const out: OutStream = s = { writer: null, opening: null, queued: [], pending: 0, warned: false };
      this.#rooms.set(room, out);
      out.opening = this.session.createUnidirectionalStream().then((w) => {
        out.writer = w.getWriter();
        out.opening = null;
        for (const b of out.queued.splice(0)) this.#write(room, out, b);
      }, (e) => {
        this.log.warn({ event: 'stream_open_failed', room, err: (e as Error).message }, 'could not open a delivery stream');
        this.#drop(room, out);
      });
    }
    s.pending += bytes.length;
    if (s.pending > STREAM_QUEUE_LIMIT) {
      this.log.warn({ event: 'stream_stalled', room, queuedBytes: s.pending }, 'a delivery stream stalled: reset; its deliveries wait for the next hello');
      s.writer?.abort(new Error('stalled')).catch(() => {});
      this.#drop(room, s);
      return -1;
    }
    if (!s.warned && s.pending > STREAM_QUEUE_LIMIT / 4) {
      s.warned = true;
      this.log.warn({ event: 'send_queue_growing', room, queuedBytes: s.pending }, 'a delivery stream is falling behind');
    }
    if (s.writer) this.#write(room, s, bytes);
    else s.queued.push(bytes);
    return bytes.length;
  }

  #write(room: string, s: OutStream, b: Uint8Array): void {
    s.writer!.write(b).then(() => { s.pending -= b.length; }, () => this.#drop(room, s));
  }

  #drop(room: string, s: OutStream): void {
    if (this.#rooms.get(room) === s) this.#rooms.delete(room);
  }

  close(): void { this.#closed = true; }
}
