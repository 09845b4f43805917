// TransportManager over a real WebTransport session: our W3C WebTransport
// class for Node (h3-wasi/webtransport) as the browser's constructor, and
// serve({ webtransport }) on loopback with an in-test hub side of
// docs/realtime-protocol.md that records on which stream each frame came:
// control = the first bidirectional stream, one bidirectional stream per chat
// room, typing as a datagram, deliveries on unidirectional streams it opens.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type Http3Server } from '../../host/http3/index.js';
import { WebTransport } from '../../host/webtransport/index.js';
import type { WebTransport as WT } from '../../host/webtransport/webtransport.js';
import { TransportManager } from '../../host/realtime/client/manager.js';
import { FrameReader, decodeText, encodeFramed, type DeliverFrame, type Frame, type MsgFrame } from '../../host/realtime/protocol.js';

let server: Http3Server;
/** [stream label, frame] as the hub side saw them. */
const seen: [string, Frame][] = [];
let token = '';

async function hub(wt: WT): Promise<void> {
  await wt.ready;
  let control: WritableStreamDefaultWriter<Uint8Array> | null = null;
  let accepted = 0;
  let delivered = 0;
  const held = new Map<number, MsgFrame>();
  const rooms = new Map<string, WritableStreamDefaultWriter<Uint8Array>>();
  const onFrame = async (label: string, f: Frame) => {
    seen.push([label, f]);
    if (f.t === 'hello') await control!.write(encodeFramed({ t: 'welcome', userId: 'u1', connectionId: 'c1', lastSeq: accepted }));
    else if (f.t === 'ping') await control!.write(encodeFramed({ t: 'pong', ts: f.ts }));
    else if (f.t === 'msg' && label === 'datagram') return; // typing / presence: outside the seq order, not acked
    else if (f.t === 'msg') {
      // contract: each seq once, in order; one that skips ahead (a datagram overtaking a stream) is held
      if (f.seq > accepted) held.set(f.seq, f);
      for (let m; (m = held.get(accepted + 1)); ) {
        held.delete(m.seq);
        accepted = m.seq;
        if (m.type === 'chat' && m.room) {
          let w = rooms.get(m.room);
          if (!w) rooms.set(m.room, (w = (await wt.createUnidirectionalStream()).getWriter()));
          await w.write(encodeFramed({ t: 'deliver', seq: ++delivered, from: 'u1', type: 'chat', room: m.room, body: m.body, ts: 0 }));
        }
      }
      await control!.write(encodeFramed({ t: 'ack', seq: accepted }));
    }
  };
  const readStream = async (label: string, r: ReadableStream<Uint8Array>) => {
    const frames = new FrameReader();
    for await (const c of r as unknown as AsyncIterable<Uint8Array>) for (const f of frames.push(c)) await onFrame(label, f);
  };
  const dgrams = (async () => {
    for await (const d of wt.datagrams.readable as unknown as AsyncIterable<Uint8Array>) await onFrame('datagram', decodeText(d));
  })();
  let n = 0;
  for await (const s of wt.incomingBidirectionalStreams as unknown as AsyncIterable<{ readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }>) {
    const label = n++ === 0 ? 'control' : `bidi${n - 1}`;
    if (label === 'control') control = s.writable.getWriter();
    void readStream(label, s.readable).catch(() => {});
  }
  await dgrams.catch(() => {});
}

beforeAll(async () => {
  server = await serve({
    port: 0, tcp: false,
    webtransport(session, request) {
      token = new URL(request.url).searchParams.get('token') ?? '';
      void hub(session).catch(() => {});
    },
  }, () => new Response('no'));
});
afterAll(async () => { await server?.shutdown({ timeoutMs: 500 }); });

it('connects over WebTransport and allocates streams as the contract says; deliveries come back on the hub\'s streams', async () => {
  const tm = new TransportManager({
    wtUrl: `https://127.0.0.1:${server.port}/realtime`, wsUrl: 'ws://127.0.0.1:1/realtime', token: 'tok',
    certificateHash: Buffer.from(server.certificate.sha256).toString('base64'),
    WebTransport: WebTransport as never, WebSocket: undefined, storage: null, fallbackTimeoutMs: 10_000,
  });
  const got: DeliverFrame[] = [];
  tm.on('message', (m) => got.push(m));
  try {
    await tm.connect();
    expect(tm.transport).toBe('webtransport');
    expect(token).toBe('tok');
    await Promise.all([
      tm.send('join', { room: 'a' }),
      tm.send('chat', { room: 'a', body: { text: 'one' } }),
      tm.send('chat', { room: 'b', body: { text: 'two' } }),
      tm.send('chat', { room: 'a', body: { text: 'three' } }),
      tm.send('typing', { room: 'a' }),
    ]);
    for (let i = 0; i < 100 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    const where = (type: string) => seen.filter(([, f]) => f.t === 'msg' && f.type === type).map(([l, f]) => [l, (f as { room?: string }).room]);
    expect(seen[0]).toEqual(['control', { t: 'hello', clientId: tm.clientId, lastSeq: 0 }]);
    expect(where('join')).toEqual([['control', 'a']]);
    // chat: one stream per room (a first: bidi1; b: bidi2)
    expect(where('chat')).toEqual(expect.arrayContaining([['bidi1', 'a'], ['bidi2', 'b'], ['bidi1', 'a']]));
    expect(where('chat').length).toBe(3);
    // typing: a datagram (lossy: on loopback it arrives; allow a moment)
    for (let i = 0; i < 50 && where('typing').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(where('typing')).toEqual([['datagram', 'a']]);
    expect(got.map((m) => (m.body as { text: string }).text).sort()).toEqual(['one', 'three', 'two']);
    expect(got.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(tm.metrics()).toMatchObject({ transport: 'webtransport', pending: 0, received: 3, fallbacks: 0 });
    expect(tm.metrics().bytesReceived).toBeGreaterThan(0);
  } finally {
    tm.close();
  }
}, 60_000);
