// The WebTransport transport (docs/realtime-protocol.md "Stream allocation
// on WebTransport"): frames are length-prefixed JSON on streams
// (protocol.ts encodeFramed / FrameReader), and
//   - control: the first bidirectional stream the client opens — hello,
//     ack, ping/pong and `msg` of every type but chat (and the hub's welcome,
//     ack, pong, error on its readable side);
//   - chat: one client-opened bidirectional stream per room, opened on the
//     first chat to that room;
//   - typing / presence `msg`: datagrams (one unprefixed frame each) through
//     sendDatagram, outside the seq order (the manager falls back to send()
//     on the control stream when one does not fit);
//   - the hub's `deliver` frames: on unidirectional streams it opens (one per
//     room), read here with one FrameReader each; datagrams from the hub are
//     read as well.
// A bad frame from the hub closes the session.
import { FrameReader, decodeText, encodeFramed, encodeText, type Frame, type MsgFrame } from '../protocol.js';
import type { Transport, TransportEvents } from './transport.js';

/** The part of the browser's WebTransport constructor used here. */
export type WebTransportCtor = new (url: string, options?: WebTransportOptions) => WebTransport;

const utf8 = new TextEncoder();
const DATAGRAM_TYPES = new Set(['typing', 'presence']);

type Writer = WritableStreamDefaultWriter<Uint8Array>;

export class WtTransport implements Transport {
  readonly kind = 'webtransport' as const;
  readonly ready: Promise<void>;
  readonly #wt: WebTransport;
  readonly #events: TransportEvents;
  #control: Writer | null = null;
  #datagrams: Writer | null = null;
  /** Room → its chat stream's writer (a promise while the stream opens; writes chain on it in order). */
  readonly #chat = new Map<string, Promise<Writer>>();
  #ended = false;

  constructor(WT: WebTransportCtor, url: string, events: TransportEvents, options: WebTransportOptions = {}) {
    this.#events = events;
    const wt = this.#wt = new WT(url, options);
    this.ready = (async () => {
      await wt.ready;
      const control = await wt.createBidirectionalStream();
      this.#control = control.writable.getWriter();
      this.#datagrams = wt.datagrams.writable.getWriter() as Writer;
      void this.#read(control.readable);
      void this.#readIncoming();
      void this.#readDatagrams();
    })();
    this.ready.catch((e) => this.#end(`webtransport failed: ${(e as Error)?.message ?? e}`));
    this.#wt.closed.then(
      (i) => this.#end(`webtransport closed (${i?.closeCode ?? 0}${i?.reason ? ` ${i.reason}` : ''})`),
      (e) => this.#end(`webtransport closed: ${(e as Error)?.message ?? e}`));
  }

  send(f: Frame): number {
    if (this.#ended || !this.#control) throw new Error('the webtransport session is not open');
    const bytes = encodeFramed(f);
    if (f.t === 'msg' && f.type === 'chat' && f.room !== undefined) {
      this.#chatWriter(f.room).then((w) => w.write(bytes)).catch((e) => this.close(`a chat stream failed: ${(e as Error)?.message ?? e}`));
    } else {
      this.#control.write(bytes).catch((e) => this.close(`the control stream failed: ${(e as Error)?.message ?? e}`));
    }
    return bytes.length;
  }

  sendDatagram(f: MsgFrame): number | null {
    if (this.#ended || !this.#datagrams || !DATAGRAM_TYPES.has(f.type)) return null;
    const bytes = utf8.encode(encodeText(f));
    if (bytes.length > (this.#wt.datagrams.maxDatagramSize ?? 1024)) return null;
    this.#datagrams.write(bytes).catch(() => { /* lost: typing and presence are not resent */ });
    return bytes.length;
  }

  close(reason = 'closed by the client'): void {
    this.#end(reason); // first: our reason, not the session's close info
    try { this.#wt.close({ closeCode: 0, reason: reason.slice(0, 120) }); } catch { /* already closed */ }
  }

  #chatWriter(room: string): Promise<Writer> {
    let w = this.#chat.get(room);
    if (!w) {
      w = this.#wt.createBidirectionalStream().then((s) => s.writable.getWriter());
      this.#chat.set(room, w);
    }
    return w;
  }

  async #read(readable: ReadableStream<Uint8Array>): Promise<void> {
    const frames = new FrameReader();
    const reader = readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.#ended) break;
        this.#events.received(value.length);
        for (const f of frames.push(value)) this.#events.frame(f);
      }
    } catch (e) {
      if (!this.#ended && (e as Error)?.name === 'ProtocolError') this.close(`a bad frame: ${(e as Error).message}`);
      // a reset stream ends here; the session's own end is reported by `closed`
    }
  }

  async #readIncoming(): Promise<void> {
    const reader = this.#wt.incomingUnidirectionalStreams.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.#ended) break;
        void this.#read(value as ReadableStream<Uint8Array>);
      }
    } catch { /* the session ended */ }
  }

  async #readDatagrams(): Promise<void> {
    const reader = this.#wt.datagrams.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.#ended) break;
        let f: Frame;
        try { f = decodeText(value as Uint8Array); } catch (e) { this.close(`a bad datagram: ${(e as Error).message}`); break; }
        this.#events.received((value as Uint8Array).length);
        this.#events.frame(f);
      }
    } catch { /* the session ended */ }
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.ready.then(() => this.#events.closed(reason), () => this.#events.closed(reason));
  }
}
