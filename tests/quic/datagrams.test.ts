// assembly/quic/datagrams.ts (RFC 9221): the outgoing and incoming queues against a
// bounded-FIFO model under random push/pop (both drop policies, ring wrap-around), the
// max_datagram_frame_size rules of RFC 9221 §3 on both sides, and the sender's
// fit / can-never-fit decisions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const OK = 0, UNSUPPORTED = 1, TOO_LARGE = 2, QUEUE_FULL = 3;
const PROTOCOL_VIOLATION = 0x0an;
const varintLen = (v: number) => (v < 64 ? 1 : v < 16384 ? 2 : v < 1073741824 ? 4 : 8);
/** RFC 9221 §3/§4: type (1) + Length varint + payload. */
const frameSize = (n: number) => 1 + varintLen(n) + n;
const info = (t: any) => {
  const [outCount, outBytes, outDropped, tooLarge, inCount, inBytes, inDropped, inTooLarge] = [...t.dgInfo()].map(Number);
  return { outCount, outBytes, outDropped, tooLarge, inCount, inBytes, inDropped, inTooLarge };
};

/** A FIFO bounded in count and bytes: DropOldest evicts from the front, RefuseNew keeps the queue. */
class RefQueue {
  items: Uint8Array[] = []; bytes = 0; dropped = 0;
  constructor(public maxCount: number, public maxBytes: number, public refuse: boolean) {}
  /** 'ok' | 'full' | 'big' */
  push(d: Uint8Array): string {
    if (d.length > this.maxBytes) return 'big';
    const full = () => this.items.length >= this.maxCount || this.bytes + d.length > this.maxBytes;
    if (full()) {
      if (this.refuse) return 'full';
      while (full()) { this.bytes -= this.items.shift()!.length; this.dropped++; }
    }
    this.items.push(d); this.bytes += d.length;
    return 'ok';
  }
  pop() { const d = this.items.shift() ?? null; if (d) this.bytes -= d.length; return d; }
}

const payload = fc.integer({ min: 0, max: 300 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

for (const variant of VARIANTS) {
  describe(`QUIC DATAGRAM queues (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_path', variant);

    it('frame size and the largest payload for a max_datagram_frame_size (brute force)', () => {
      for (const n of [0, 1, 62, 63, 64, 16382, 16383, 16384]) expect(Number(t.dgFrameSize(BigInt(n)))).toBe(frameSize(n));
      expect(t.maxDatagramPayload(0n)).toBe(-1n);
      expect(t.maxDatagramPayload(1n)).toBe(-1n);
      expect(t.maxDatagramPayload(2n)).toBe(0n);
      for (let f = 2; f < 17000; f++) {
        const got = Number(t.maxDatagramPayload(BigInt(f)));
        expect(frameSize(got)).toBeLessThanOrEqual(f);
        expect(frameSize(got + 1)).toBeGreaterThan(f);
      }
      expect(t.maxDatagramPayload(65535n)).toBe(65535n - 5n); // RFC 9221 §3's recommended value: 1 + 4 + n
      expect(t.maxDatagramPayload(2n ** 62n - 1n)).toBeGreaterThan(0n);
    });

    it('RFC 9221 §3: nothing is sent before the peer advertises support; larger frames than its limit are refused', () => {
      t.dgNew(8, 4096, false, 8, 4096, false);
      expect(t.dgMaxPayload()).toBe(-1n);
      expect(t.dgPush(new Uint8Array(10))).toBe(UNSUPPORTED);
      t.dgConfigure(0n, 100n);
      const max = Number(t.dgMaxPayload());
      expect(max).toBe(97); // 1 + 2 (Length 97 takes two bytes) + 97 = 100
      expect(t.dgPush(new Uint8Array(max))).toBe(OK);
      expect(t.dgPush(new Uint8Array(max + 1))).toBe(TOO_LARGE);
      expect(t.dgPushLen(2n ** 40n)).toBe(TOO_LARGE);
      expect(t.dgPushLen(2n ** 64n - 1n)).toBe(TOO_LARGE);
      expect(t.dgPush(new Uint8Array(0))).toBe(OK); // an empty datagram is valid
      expect(info(t).outCount).toBe(2);
      // a datagram larger than the whole queue cannot be queued
      t.dgNew(8, 50, false, 8, 50, false);
      t.dgConfigure(0n, 65535n);
      expect(t.dgPush(new Uint8Array(51))).toBe(TOO_LARGE);
      expect(t.dgPush(new Uint8Array(50))).toBe(OK);
    });

    for (const refuse of [false, true]) {
      it(`outgoing queue stays bounded in count and bytes, FIFO exact (${refuse ? 'refuse-new' : 'drop-oldest'}, fast-check)`, () => {
        fc.assert(fc.property(
          fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 700 }),
          fc.array(fc.oneof(payload, fc.constant(null)), { maxLength: 80 }),
          (maxCount, maxBytes, ops) => {
            t.dgNew(maxCount, maxBytes, refuse, 4, 100, false);
            t.dgConfigure(0n, 65535n);
            const ref = new RefQueue(maxCount, maxBytes, refuse);
            for (const o of ops) {
              if (o === null) {
                expect(t.dgPopOutgoing()).toEqual(ref.pop());
              } else {
                const r = ref.push(o);
                expect(t.dgPush(o)).toBe(r === 'ok' ? OK : r === 'full' ? QUEUE_FULL : TOO_LARGE);
              }
              const i = info(t);
              expect(i.outCount).toBe(ref.items.length);
              expect(i.outBytes).toBe(ref.bytes);
              expect(i.outDropped).toBe(ref.dropped);
              expect(i.outCount).toBeLessThanOrEqual(maxCount);
              expect(i.outBytes).toBeLessThanOrEqual(maxBytes);
            }
            for (;;) { const d = ref.pop(); expect(t.dgPopOutgoing()).toEqual(d); if (!d) break; }
          }), { numRuns: 300 });
      });
    }

    it('the sender: a datagram that does not fit waits (order kept); one that can never fit is dropped and counted', () => {
      t.dgNew(16, 65536, false, 4, 100, false);
      t.dgConfigure(0n, 65535n);
      const a = Uint8Array.from({ length: 100 }, (_, i) => i), b = new Uint8Array(2000).fill(7), c = Uint8Array.of(1, 2, 3);
      expect(t.dgNextToSend(1000n, 1400n)).toBe(-1n); // empty
      for (const d of [a, b, c]) expect(t.dgPush(d)).toBe(OK);
      // 100 bytes need 1 + 2 + 100 = 103
      expect(t.dgNextToSend(102n, 1400n)).toBe(-1n);
      expect(info(t).outCount).toBe(3);
      expect(t.dgNextToSend(103n, 1400n)).toBe(100n);
      expect(t.dgPopOutgoing()).toEqual(a);
      // b (2000 bytes) never fits a 1400-byte packet: dropped, and c behind it is next
      expect(t.dgNextToSend(1400n, 1400n)).toBe(3n);
      expect(info(t).tooLarge).toBe(1);
      expect(t.dgNextToSend(4n, 1400n)).toBe(-1n); // c needs 5 bytes: waits
      expect(t.dgNextToSend(5n, 1400n)).toBe(3n);
      expect(t.dgPopOutgoing()).toEqual(c);
      expect(t.dgPopOutgoing()).toBeNull();
      // a datagram exactly as large as an empty packet allows is sent, not dropped
      const d = new Uint8Array(1397);
      expect(t.dgPush(d)).toBe(OK);
      expect(t.dgNextToSend(1000n, 1400n)).toBe(-1n);
      expect(t.dgNextToSend(1400n, 1400n)).toBe(1397n);
      expect(info(t).tooLarge).toBe(1);
    });

    it('the sender under random packet sizes: everything that fits the MTU goes out in order (fast-check)', () => {
      fc.assert(fc.property(fc.array(payload, { maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 50, max: 400 }), (ds, spaces, mtuSpace) => {
          t.dgNew(64, 1 << 16, false, 4, 100, false);
          t.dgConfigure(0n, 65535n);
          for (const d of ds) expect(t.dgPush(d)).toBe(OK);
          const sendable = ds.filter((d) => frameSize(d.length) <= mtuSpace);
          const out: Uint8Array[] = [];
          let k = 0, guard = 0;
          while (out.length < sendable.length && guard++ < 10000) {
            // a packet with `room` bytes left; fill it with as many datagrams as fit
            let room = Math.min(spaces[k++ % spaces.length], mtuSpace);
            if (guard % 7 === 0) room = mtuSpace; // now and then an empty packet
            for (;;) {
              const n = Number(t.dgNextToSend(BigInt(room), BigInt(mtuSpace)));
              if (n < 0) break;
              expect(frameSize(n)).toBeLessThanOrEqual(room);
              const d = t.dgPopOutgoing();
              expect(d.length).toBe(n);
              out.push(d);
              room -= frameSize(n);
            }
          }
          expect(t.dgNextToSend(BigInt(mtuSpace), BigInt(mtuSpace))).toBe(-1n);
          expect(out).toEqual(sendable);
          expect(info(t).tooLarge).toBe(ds.length - sendable.length);
          expect(info(t).outCount).toBe(0);
        }), { numRuns: 200 });
    });

    it('RFC 9221 §3: receiving without having advertised support, or a frame over our limit, is PROTOCOL_VIOLATION', () => {
      t.dgNew(8, 4096, false, 8, 4096, false);
      expect(t.dgOnFrame(Uint8Array.of(1), true)).toBe(PROTOCOL_VIOLATION);
      expect(t.dgOnFrame(new Uint8Array(0), false)).toBe(PROTOCOL_VIOLATION);
      t.dgConfigure(100n, 0n);
      // with Length: 1 + 2 + 97 = 100 is the largest allowed
      expect(t.dgOnFrame(new Uint8Array(97), true)).toBe(0n);
      expect(t.dgOnFrame(new Uint8Array(98), true)).toBe(PROTOCOL_VIOLATION);
      // without Length (0x30): 1 + 99 = 100
      expect(t.dgOnFrame(new Uint8Array(99), false)).toBe(0n);
      expect(t.dgOnFrame(new Uint8Array(100), false)).toBe(PROTOCOL_VIOLATION);
      expect(t.dgOnFrameLen(2n ** 62n - 1n, true)).toBe(PROTOCOL_VIOLATION);
      expect(t.dgOnFrameLen(2n ** 64n - 1n, false)).toBe(PROTOCOL_VIOLATION);
      expect(info(t).inCount).toBe(2);
      expect(t.dgPopIncoming()).toEqual(new Uint8Array(97));
      expect(t.dgPopIncoming()).toEqual(new Uint8Array(99));
      expect(t.dgPopIncoming()).toBeNull();
      // receiving is independent of what the peer accepts, and vice versa (§3: unidirectional)
      expect(t.dgPush(Uint8Array.of(1))).toBe(UNSUPPORTED);
    });

    for (const refuse of [false, true]) {
      it(`incoming queue stays bounded; drops are counted, never errors (${refuse ? 'drop-new' : 'drop-oldest'}, fast-check)`, () => {
        fc.assert(fc.property(
          fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 700 }),
          fc.array(fc.oneof(fc.tuple(payload, fc.boolean()), fc.constant(null)), { maxLength: 80 }),
          (maxCount, maxBytes, ops) => {
            t.dgNew(4, 100, false, maxCount, maxBytes, refuse);
            t.dgConfigure(65535n, 0n);
            const ref = new RefQueue(maxCount, maxBytes, refuse);
            let tooLarge = 0, dropped = 0;
            for (const o of ops) {
              if (o === null) {
                expect(t.dgPopIncoming()).toEqual(ref.pop());
              } else {
                expect(t.dgOnFrame(o[0], o[1])).toBe(0n);
                const r = ref.push(o[0]);
                if (r === 'big') tooLarge++;
                else if (r === 'full') dropped++;
              }
              const i = info(t);
              expect(i.inCount).toBe(ref.items.length);
              expect(i.inBytes).toBe(ref.bytes);
              expect(i.inDropped).toBe(ref.dropped + dropped);
              expect(i.inTooLarge).toBe(tooLarge);
              expect(i.inCount).toBeLessThanOrEqual(maxCount);
              expect(i.inBytes).toBeLessThanOrEqual(maxBytes);
            }
            for (;;) { const d = ref.pop(); expect(t.dgPopIncoming()).toEqual(d); if (!d) break; }
          }), { numRuns: 300 });
      });
    }

    it('bounds are inclusive: a queue filled exactly drops nothing; one more byte or datagram drops the oldest', () => {
      t.dgNew(3, 100, false, 3, 100, true);
      t.dgConfigure(65535n, 65535n);
      const a = new Uint8Array(60).fill(1), b = new Uint8Array(40).fill(2), c = Uint8Array.of(3);
      expect(t.dgPush(a)).toBe(OK);
      expect(t.dgPush(b)).toBe(OK);
      expect(info(t)).toMatchObject({ outCount: 2, outBytes: 100, outDropped: 0 });
      expect(t.dgPush(c)).toBe(OK); // 101 bytes: a goes
      expect(info(t)).toMatchObject({ outCount: 2, outBytes: 41, outDropped: 1 });
      expect(t.dgPush(new Uint8Array(0))).toBe(OK); // count 3: fits
      expect(t.dgPush(new Uint8Array(0))).toBe(OK); // count 4: b goes
      expect(info(t)).toMatchObject({ outCount: 3, outBytes: 1, outDropped: 2 });
      expect(t.dgPopOutgoing()).toEqual(c);
      // incoming, drop-new: the exact fill is kept, the next one dropped
      expect(t.dgOnFrame(a, true)).toBe(0n);
      expect(t.dgOnFrame(b, true)).toBe(0n);
      expect(t.dgOnFrame(c, true)).toBe(0n);
      expect(info(t)).toMatchObject({ inCount: 2, inBytes: 100, inDropped: 1 });
      expect(t.dgPopIncoming()).toEqual(a);
      expect(t.dgPopIncoming()).toEqual(b);
    });

    it('the byte ring wraps: long runs through a small queue keep every byte', () => {
      t.dgNew(3, 37, false, 3, 37, false);
      t.dgConfigure(65535n, 65535n);
      let seq = 0;
      for (let k = 0; k < 500; k++) {
        const d = Uint8Array.from({ length: (k * 7) % 17 }, () => seq++ & 0xff);
        expect(t.dgPush(d)).toBe(OK);
        expect(t.dgOnFrame(d, true)).toBe(0n);
        if (k % 2 === 1) {
          // pop one each way: both queues hold the same datagrams, and overflow the same way
          const a = t.dgPopOutgoing(), b = t.dgPopIncoming();
          expect(a).toEqual(b);
        }
      }
      expect(info(t).outDropped).toBeGreaterThan(0); // count bound (3) reached
      expect(info(t).outDropped).toBe(info(t).inDropped);
    });
  });
}
