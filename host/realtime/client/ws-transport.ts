// The WebSocket transport (docs/realtime-protocol.md "Frames"): one frame per
// text message. A binary message or a frame that fails validation closes the
// socket (code 1003 / 1007): the hub broke the contract.
import { decodeText, encodeText, type Frame } from '../protocol.js';
import type { Transport, TransportEvents } from './transport.js';

/** The part of the browser's WebSocket constructor used here. */
export type WebSocketCtor = new (url: string) => WebSocket;

const utf8 = new TextEncoder();

export class WsTransport implements Transport {
  readonly kind = 'websocket' as const;
  readonly ready: Promise<void>;
  readonly #ws: WebSocket;
  readonly #events: TransportEvents;
  #ended = false;

  constructor(WS: WebSocketCtor, url: string, events: TransportEvents) {
    this.#events = events;
    this.#ws = new WS(url);
    let open = false;
    this.ready = new Promise((resolve, reject) => {
      this.#ws.onopen = () => { open = true; resolve(); };
      this.#ws.onclose = (e) => {
        const reason = `websocket closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`;
        if (!open) reject(new Error(reason));
        this.#end(reason);
      };
    });
    this.ready.catch(() => {});
    this.#ws.onerror = () => { /* a close event follows with the code */ };
    this.#ws.onmessage = (e) => {
      if (this.#ended) return;
      if (typeof e.data !== 'string') return this.close('a binary message (the contract sends text)', 1003);
      let f: Frame;
      try { f = decodeText(e.data); } catch (err) { return this.close(`a bad frame: ${(err as Error).message}`, 1007); }
      this.#events.received(utf8.encode(e.data).length);
      this.#events.frame(f);
    };
  }

  send(f: Frame): number {
    if (this.#ended || this.#ws.readyState !== 1) throw new Error('the websocket is not open');
    const text = encodeText(f);
    this.#ws.send(text);
    return utf8.encode(text).length;
  }

  close(reason = 'closed by the client', code = 1000): void {
    this.#end(reason); // first: our reason, not the close event's
    try { this.#ws.close(code, reason.slice(0, 120)); } catch { /* already closing */ }
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    // `closed` never comes before `ready` settles (transport.ts)
    this.ready.then(() => this.#events.closed(reason), () => this.#events.closed(reason));
  }
}
