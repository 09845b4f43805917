// W3C sendOrder (createUnidirectionalStream/createBidirectionalStream({ sendOrder })
// and the writable's sendOrder attribute): among a session's streams the
// higher order sends first. Mapped onto the QUIC scheduler's urgency levels
// (host/webtransport/session.ts sendOrderUrgency); shown here with two 2 MB
// streams queued at once behind the server's small connection window: the
// server notes which one ends first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebTransport } from '../../host/webtransport/index.js';
import { sendOrderUrgency } from '../../host/webtransport/session.js';
import { startWtServer, type WtTestServer } from '../helpers/wt-server.js';

/** The tags (first byte) of the server's incoming streams, in the order they ended. */
const finished: number[] = [];
let server: WtTestServer;
beforeAll(async () => {
  server = await startWtServer({
    // a small connection window: both streams' data waits for connection credit (MAX_DATA), which the
    // scheduler hands to the most urgent stream first
    quic: { initialMaxData: 64 << 10, maxConnectionWindow: 64 << 10 },
    onSession: (s) => {
      void (async () => {
        for await (const r of s.wt.incomingUnidirectionalStreams as unknown as AsyncIterable<ReadableStream<Uint8Array>>) {
          void (async () => {
            let tag = -1;
            for await (const c of r as unknown as AsyncIterable<Uint8Array>) if (tag < 0 && c.length > 0) tag = c[0];
            finished.push(tag);
          })().catch(() => {});
        }
      })().catch(() => {});
    },
  });
});
afterAll(async () => { await server?.close(); });

const open = () => new WebTransport(server.url('/order'), { serverCertificateHashes: [{ algorithm: 'sha-256', value: server.sha256 }] });
const SIZE = 2 << 20;

async function send(w: WritableStream<Uint8Array>, tag: number): Promise<void> {
  const writer = w.getWriter();
  await writer.write(new Uint8Array(SIZE).fill(tag));
  await writer.close();
}

async function bothEnded(): Promise<number[]> {
  for (let i = 0; i < 500 && finished.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  return finished.splice(0);
}

describe('sendOrder', () => {
  it('maps onto the urgency levels monotonically: a higher order never gets a later level', () => {
    const orders = [Number.MIN_SAFE_INTEGER, -5000, -4096, -300, -256, -17, -16, -1, 0, 1, 15, 16, 255, 256, Number.MAX_SAFE_INTEGER];
    const levels = orders.map(sendOrderUrgency);
    expect(levels).toEqual([7, 7, 6, 6, 5, 5, 4, 4, 3, 2, 2, 1, 1, 0, 0]);
    expect(sendOrderUrgency(null)).toBe(3);
  });

  it('a stream with a higher sendOrder, opened second, ends before one with the default order', async () => {
    const wt = open();
    await wt.ready;
    const low = await wt.createUnidirectionalStream();
    const high = await wt.createUnidirectionalStream({ sendOrder: 100 });
    expect(low.sendOrder).toBe(null);
    expect(high.sendOrder).toBe(100);
    // the low stream starts first and has a head start of its send buffer
    const background = send(low, 1);
    await new Promise((r) => setImmediate(r));
    await Promise.all([background, send(high, 2)]);
    expect(await bothEnded()).toEqual([2, 1]);
    wt.close();
  });

  it('raising the writable\'s sendOrder while both streams are queued moves that stream ahead', async () => {
    const wt = open();
    await wt.ready;
    const a = await wt.createUnidirectionalStream({ sendOrder: -3 });
    const c = await wt.createUnidirectionalStream({ sendOrder: -3 });
    const sending = Promise.all([send(a, 3), send(c, 4)]);
    await new Promise((r) => setImmediate(r));
    c.sendOrder = 1000;
    expect(c.sendOrder).toBe(1000);
    await sending;
    expect(await bothEnded()).toEqual([4, 3]);
    wt.close();
  });

  it('rejects a sendOrder that is not an integer or null', async () => {
    const wt = open();
    await wt.ready;
    await expect(wt.createUnidirectionalStream({ sendOrder: 1.5 })).rejects.toThrow(/sendOrder/);
    await expect(wt.createBidirectionalStream({ sendOrder: '1' as never })).rejects.toThrow(/sendOrder/);
    await expect(wt.createBidirectionalStream({ order: 1 } as never)).rejects.toThrow(/options/);
    const w = await wt.createUnidirectionalStream();
    expect(() => { w.sendOrder = Number.NaN; }).toThrow(/sendOrder/);
    w.sendOrder = null;
    expect(w.sendOrder).toBe(null);
    wt.close();
  });
});
