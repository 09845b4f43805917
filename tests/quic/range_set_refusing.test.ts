// RangeSet in its refusing mode (refuseWhenFull), as the stream code uses it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

/** The model: a set of integers, as sorted disjoint non-adjacent [start, end) ranges. */
function toRanges(set: Set<number>): number[] {
  const xs = [...set].sort((a, b) => a - b);
  const out: number[] = [];
  for (const x of xs) {
    if (out.length && out[out.length - 1] === x) out[out.length - 1] = x + 1;
    else out.push(x, x + 1);
  }
  return out;
}

const op = fc.tuple(fc.constantFrom('insert', 'remove', 'coarse'), fc.nat(200), fc.nat(20));

for (const variant of VARIANTS) {
  describe(`QUIC RangeSet (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_streams', variant);
    const ranges = (h: number) => [...t.rsRanges(h)].map(Number);

    it('matches a set model; refuses (insert, remove) or coarsens (insertCoarse) past capacity (fast-check)', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 80 }), (cap, ops) => {
        const h = t.rsNew(cap);
        let model = new Set<number>();
        for (const [kind, s, l] of ops) {
          const next = new Set(model);
          for (let x = s; x < s + l; x++) kind === 'remove' ? next.delete(x) : next.add(x);
          const fits = toRanges(next).length / 2 <= cap;
          if (kind === 'insert') {
            expect(t.rsInsert(h, BigInt(s), BigInt(s + l))).toBe(fits);
            if (fits) model = next;
          } else if (kind === 'remove') {
            expect(t.rsRemove(h, BigInt(s), BigInt(s + l))).toBe(fits);
            if (fits) model = next;
          } else {
            t.rsInsertCoarse(h, BigInt(s), BigInt(s + l));
            const got = ranges(h);
            // a superset of what was inserted, within the capacity
            for (const x of next) expect(got.some((_, i) => i % 2 === 0 && got[i] <= x && x < got[i + 1])).toBe(true);
            model = new Set<number>();
            for (let i = 0; i < got.length; i += 2) for (let x = got[i]; x < got[i + 1]; x++) model.add(x);
          }
          expect(ranges(h)).toEqual(toRanges(model));
          expect(ranges(h).length / 2).toBeLessThanOrEqual(cap);
        }
      }), { numRuns: 300 });
    });

    it('handles offsets at the top of u64 without wrapping', () => {
      const h = t.rsNew(2);
      const top = (1n << 64n) - 1n;
      expect(t.rsInsert(h, top - 5n, top)).toBe(true);
      expect(t.rsInsert(h, 0n, 1n)).toBe(true);
      expect(t.rsRemove(h, top - 3n, top)).toBe(true);
      expect([...t.rsRanges(h)]).toEqual([0n, 1n, top - 5n, top - 3n]);
    });
  });
}
