import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const MAX = (1n << 62n) - 1n;

for (const variant of VARIANTS) {
  describe(`QUIC stream IDs, RFC 9000 §2.1 (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_streams', variant);

    it('reads the initiator and direction bits (Table 1)', () => {
      expect([0n, 1n, 2n, 3n].map((id) => [t.isBidi(id), t.isClientInitiated(id), t.streamType(id)])).toEqual([
        [true, true, 0], [true, false, 1], [false, true, 2], [false, false, 3],
      ]);
      // a client may send on its own uni streams and receive on the server's
      expect([t.canSend(2n, false), t.canReceive(2n, false), t.canSend(3n, false), t.canReceive(3n, false)]).toEqual([true, false, false, true]);
      expect([t.canSend(2n, true), t.canReceive(2n, true), t.canSend(3n, true), t.canReceive(3n, true)]).toEqual([false, true, true, false]);
      expect([t.canSend(0n, true), t.canReceive(1n, false), t.isLocallyInitiated(1n, true), t.isLocallyInitiated(1n, false)]).toEqual([true, true, true, false]);
    });

    it('gives the nth stream of a type and refuses IDs above 2^62-1', () => {
      expect(t.nthStreamId(0, 0n)).toBe(0n);
      expect(t.nthStreamId(3, 5n)).toBe(23n);
      expect(t.nthStreamId(1, (1n << 60n) - 1n)).toBe(MAX - 2n);
      expect(t.nthStreamId(3, (1n << 60n) - 1n)).toBe(MAX);
      expect(t.nthStreamId(0, 1n << 60n)).toBe((1n << 64n) - 1n);
      expect(t.isValidStreamId(MAX)).toBe(true);
      expect(t.isValidStreamId(MAX + 1n)).toBe(false);
      expect(t.streamCountFor(MAX + 1n)).toBe(0n);
      expect(t.streamCountFor(8n)).toBe(3n);
    });

    it('round-trips type and index', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 3 }), fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }), (type, n) => {
        const id = t.nthStreamId(type, n);
        expect(t.isValidStreamId(id)).toBe(true);
        expect(t.streamType(id)).toBe(type);
        expect(t.streamIndex(id)).toBe(n);
        expect(t.streamCountFor(id)).toBe(n + 1n);
      }), { numRuns: 300 });
    });
  });
}
