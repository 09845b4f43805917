// The two real transports of the browser client against fake browser
// objects (WHATWG streams from Node): WtTransport's stream allocation
// (docs/realtime-protocol.md "Stream allocation on WebTransport") and
// framing, WsTransport's text frames; both report a bad frame by closing.
import { describe, expect, it } from 'vitest';
import { WtTransport } from '../../host/realtime/client/wt-transport.js';
import { WsTransport } from '../../host/realtime/client/ws-transport.js';
import { FrameReader, encodeFramed, type Frame } from '../../host/realtime/protocol.js';
import { flush } from './client-fakes.js';

interface Bidi { written: Uint8Array[]; ctrl: ReadableStreamDefaultController<Uint8Array> }

class FakeWT {
  static last: FakeWT;
  readonly bidis: Bidi[] = [];
  readonly datagramsOut: Uint8Array[] = [];
  dgIn!: ReadableStreamDefaultController<Uint8Array>;
  uniIn!: ReadableStreamDefaultController<ReadableStream<Uint8Array>>;
  ready: Promise<void>;
  closed: Promise<{ closeCode: number; reason: string }>;
  closeCalls: unknown[] = [];
  #closed!: (i: { closeCode: number; reason: string }) => void;
  readonly datagrams = {
    maxDatagramSize: 100,
    writable: new WritableStream<Uint8Array>({ write: (c) => { this.datagramsOut.push(c); } }),
    readable: new ReadableStream<Uint8Array>({ start: (c) => { this.dgIn = c; } }),
  };
  readonly incomingUnidirectionalStreams = new ReadableStream<ReadableStream<Uint8Array>>({ start: (c) => { this.uniIn = c; } });

  constructor(readonly url: string, readonly options: unknown, fail = false) {
    FakeWT.last = this;
    this.ready = fail ? Promise.reject(new Error('Opening handshake failed.')) : Promise.resolve();
    this.ready.catch(() => {});
    this.closed = new Promise((r) => { this.#closed = r; });
  }

  async createBidirectionalStream() {
    const b = { written: [] as Uint8Array[] } as Bidi;
    const readable = new ReadableStream<Uint8Array>({ start: (c) => { b.ctrl = c; } });
    const writable = new WritableStream<Uint8Array>({ write: (c) => { b.written.push(c); } });
    this.bidis.push(b);
    return { readable, writable };
  }

  close(info: { closeCode: number; reason: string }) { this.closeCalls.push(info); this.#closed(info); }
  end(info = { closeCode: 7, reason: 'bye' }) { this.#closed(info); }
}

const framesOf = (chunks: Uint8Array[]) => {
  const r = new FrameReader();
  return chunks.flatMap((c) => r.push(c));
};
const textOf = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

function openWt(fail = false) {
  const frames: Frame[] = [];
  const closed: string[] = [];
  let received = 0;
  const Ctor = class extends FakeWT { constructor(u: string, o: unknown) { super(u, o, fail); } };
  const t = new WtTransport(Ctor as never, 'https://127.0.0.1:1/realtime', {
    frame: (f) => frames.push(f), received: (n) => { received += n; }, closed: (r) => closed.push(r),
  }, { serverCertificateHashes: [] });
  return { t, wt: FakeWT.last, frames, closed, received: () => received };
}

describe('WtTransport', () => {
  it('control first, one bidi stream per chat room, typing/presence as datagrams when they fit, the rest on control', async () => {
    const { t, wt } = openWt();
    await t.ready;
    expect(wt.bidis.length).toBe(1); // control
    t.send({ t: 'hello', clientId: 'c', lastSeq: 0 });
    t.send({ t: 'msg', seq: 1, type: 'chat', room: 'a', body: { text: 'x' } });
    t.send({ t: 'msg', seq: 2, type: 'chat', room: 'b' });
    t.send({ t: 'msg', seq: 3, type: 'chat', room: 'a' });
    expect(t.sendDatagram({ t: 'msg', seq: 3, type: 'typing', room: 'a' })).toBe(JSON.stringify({ t: 'msg', seq: 3, type: 'typing', room: 'a' }).length);
    expect(t.sendDatagram({ t: 'msg', seq: 3, type: 'presence', body: { status: 'x'.repeat(200) } })).toBe(null); // larger than a datagram
    expect(t.sendDatagram({ t: 'msg', seq: 3, type: 'chat', room: 'a' })).toBe(null); // not a lossy type
    t.send({ t: 'msg', seq: 4, type: 'typing', room: 'a' });
    t.send({ t: 'msg', seq: 5, type: 'presence', body: { status: 'x'.repeat(200) } });
    t.send({ t: 'msg', seq: 6, type: 'join', room: 'a' });
    await flush();
    expect(wt.bidis.length).toBe(3);
    expect(framesOf(wt.bidis[0].written).map((f) => [f.t, (f as { seq?: number }).seq])).toEqual([['hello', undefined], ['msg', 4], ['msg', 5], ['msg', 6]]);
    expect(framesOf(wt.bidis[1].written).map((f) => (f as { seq: number }).seq)).toEqual([1, 3]);
    expect(framesOf(wt.bidis[2].written).map((f) => (f as { seq: number }).seq)).toEqual([2]);
    expect(wt.datagramsOut.map(textOf)).toEqual([{ t: 'msg', seq: 3, type: 'typing', room: 'a' }]);
  });

  it('reads the control stream, the hub\'s unidirectional streams (any chunking) and datagrams', async () => {
    const { t, wt, frames, received } = openWt();
    await t.ready;
    const welcome = encodeFramed({ t: 'welcome', userId: 'u', connectionId: 'c', lastSeq: 0 });
    wt.bidis[0].ctrl.enqueue(welcome);
    const d1 = encodeFramed({ t: 'deliver', seq: 1, from: 'u2', type: 'chat', room: 'a', ts: 1 });
    const d2 = encodeFramed({ t: 'deliver', seq: 2, from: 'u2', type: 'chat', room: 'a', ts: 2 });
    const both = new Uint8Array([...d1, ...d2]);
    wt.uniIn.enqueue(new ReadableStream({ start(c) { c.enqueue(both.subarray(0, 3)); c.enqueue(both.subarray(3, d1.length + 5)); c.enqueue(both.subarray(d1.length + 5)); c.close(); } }));
    const dg = new TextEncoder().encode(JSON.stringify({ t: 'deliver', seq: 3, from: 'u3', type: 'typing', room: 'a', ts: 3 }));
    wt.dgIn.enqueue(dg);
    for (let i = 0; i < 5; i++) await flush();
    // the streams are read concurrently: each one's order is kept, not the order between them
    expect(frames.map((f) => `${f.t}${(f as { seq?: number }).seq ?? ''}`).sort()).toEqual(['deliver1', 'deliver2', 'deliver3', 'welcome']);
    expect(frames.filter((f) => f.t === 'deliver' && f.room === 'a' && f.type === 'chat').map((f) => (f as { seq: number }).seq)).toEqual([1, 2]);
    expect(received()).toBe(welcome.length + both.length + dg.length);
  });

  it('a bad frame on a hub stream closes the session; the close is reported once', async () => {
    const { t, wt, closed } = openWt();
    await t.ready;
    const bad = new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d]); // {} has no `t`
    wt.uniIn.enqueue(new ReadableStream({ start(c) { c.enqueue(bad); } }));
    for (let i = 0; i < 5; i++) await flush();
    expect(wt.closeCalls.length).toBe(1);
    expect(closed).toEqual([expect.stringMatching(/^a bad frame: unknown frame kind/)]);
    expect(() => t.send({ t: 'ping', ts: 1 })).toThrow(/not open/);
  });

  it('a failed handshake rejects ready and reports closed after it; the session ending is reported', async () => {
    const a = openWt(true);
    await expect(a.t.ready).rejects.toThrow(/Opening handshake failed/);
    await flush();
    expect(a.closed).toEqual([expect.stringMatching(/Opening handshake failed/)]);
    const b = openWt();
    await b.t.ready;
    b.wt.end();
    await flush();
    expect(b.closed).toEqual(['webtransport closed (7 bye)']);
  });
});

class FakeWS {
  static last: FakeWS;
  readyState = 0;
  sent: string[] = [];
  closes: [number, string][] = [];
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) { FakeWS.last = this; }
  send(s: string) { this.sent.push(s); }
  close(code: number, reason: string) { this.closes.push([code, reason]); this.readyState = 3; this.onclose?.({ code, reason }); }
  open() { this.readyState = 1; this.onopen?.(); }
}

function openWs() {
  const frames: Frame[] = [];
  const closed: string[] = [];
  const t = new WsTransport(FakeWS as never, 'ws://127.0.0.1:1/realtime?token=x', { frame: (f) => frames.push(f), received: () => {}, closed: (r) => closed.push(r) });
  return { t, ws: FakeWS.last, frames, closed };
}

describe('WsTransport', () => {
  it('one frame per text message both ways', async () => {
    const { t, ws, frames } = openWs();
    expect(ws.url).toBe('ws://127.0.0.1:1/realtime?token=x');
    expect(() => t.send({ t: 'ping', ts: 1 })).toThrow(/not open/);
    ws.open();
    await t.ready;
    expect(t.send({ t: 'ping', ts: 1 })).toBe(JSON.stringify({ t: 'ping', ts: 1 }).length);
    expect(ws.sent).toEqual(['{"t":"ping","ts":1}']);
    ws.onmessage!({ data: '{"t":"pong","ts":1}' });
    expect(frames).toEqual([{ t: 'pong', ts: 1 }]);
  });

  it('a binary or bad message closes with 1003 / 1007; a close before open rejects ready', async () => {
    const a = openWs();
    a.ws.open();
    a.ws.onmessage!({ data: new ArrayBuffer(2) });
    await flush();
    expect(a.ws.closes[0][0]).toBe(1003);
    expect(a.closed).toEqual(['a binary message (the contract sends text)']);
    const b = openWs();
    b.ws.open();
    b.ws.onmessage!({ data: '{"t":"nope"}' });
    await flush();
    expect(b.ws.closes[0][0]).toBe(1007);
    const c = openWs();
    c.ws.onclose!({ code: 1006, reason: '' });
    await expect(c.t.ready).rejects.toThrow('websocket closed (1006)');
    await flush();
    expect(c.closed).toEqual(['websocket closed (1006)']);
  });
});
