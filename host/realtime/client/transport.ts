// The one small interface the TransportManager drives (manager.ts): a
// WebTransport session (wt-transport.ts) and a WebSocket (ws-transport.ts)
// both look like this, and tests plug in fakes. A transport knows how to put
// a frame on its wire (docs/realtime-protocol.md "Frames" and "Stream
// allocation on WebTransport"); it knows nothing of hello, acks or seqs.
import type { Frame, MsgFrame } from '../protocol.js';

export type TransportKind = 'webtransport' | 'websocket';

export interface TransportEvents {
  /** A frame arrived (validated). */
  frame(f: Frame): void;
  /** `bytes` arrived on the wire (frames, prefixes, datagrams), for the metrics. */
  received(bytes: number): void;
  /** The transport failed or closed; called once, and never before `ready` settles. */
  closed(reason: string): void;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Resolves when frames can be sent; rejects with an Error saying why it could not open. */
  readonly ready: Promise<void>;
  /** Queues one frame on a stream (or the socket); returns its size on the wire. Throws once closed. */
  send(f: Frame): number;
  /**
   * Sends a lossy `typing` / `presence` msg as one datagram, outside the seq
   * order (the hub neither acks nor orders them; lost ones are not resent).
   * Returns its size, or null when it cannot (no datagrams, too large).
   */
  sendDatagram?(f: MsgFrame): number | null;
  /** Closes it; `closed` follows (once). */
  close(reason?: string): void;
}

/** Opens a transport of `kind` to `url`; what TransportManager's `openTransport` option replaces. */
export type OpenTransport = (kind: TransportKind, url: string, events: TransportEvents) => Transport;
