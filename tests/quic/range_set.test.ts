// assembly/quic/range_set.ts against a JS reference model (a plain set of
// values with the same capacity policy), debug and release builds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

/** Reference model: a Set of values; after each insert, while there are more
 *  ranges than `cap`, the lowest range's values are dropped. */
class Model {
  values = new Set<number>();
  evictedBelow = 0;
  constructor(readonly cap: number) {}
  ranges(): [number, number][] { // ascending
    const v = [...this.values].sort((a, b) => a - b);
    const out: [number, number][] = [];
    for (const x of v) {
      if (out.length && out[out.length - 1][1] + 1 === x) out[out.length - 1][1] = x;
      else out.push([x, x]);
    }
    return out;
  }
  insert(s: number, e: number) {
    if (s > e) return;
    for (let x = s; x <= e; x++) this.values.add(x);
    let r = this.ranges();
    while (r.length > this.cap) {
      const [ls, le] = r[0];
      for (let x = ls; x <= le; x++) this.values.delete(x);
      this.evictedBelow = Math.max(this.evictedBelow, le + 1);
      r = r.slice(1);
    }
  }
  removeBelow(v: number) { for (const x of [...this.values]) if (x < v) this.values.delete(x); }
  fromTop(): number[] { return this.ranges().reverse().flat(); }
}

const op = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constant(0), fc.nat(200), fc.nat(6)).map(([o, s, l]) => [o, s, s + l]) },
  { weight: 1, arbitrary: fc.tuple(fc.constant(0), fc.nat(200), fc.nat(200)) }, // may have start > end
  { weight: 1, arbitrary: fc.tuple(fc.constant(1), fc.nat(210), fc.constant(0)) },
);

for (const variant of VARIANTS) {
  describe(`RangeSet (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_ack', variant);
    const ranges = (): number[] => Array.from(t.rsRanges() as ArrayLike<bigint>, Number);

    it('coalesces overlapping and touching ranges and iterates from the top', () => {
      t.rsNew(8);
      t.rsInsert(10n, 12n); t.rsInsert(1n, 2n); t.rsInsert(20n, 20n);
      expect(ranges()).toEqual([20, 20, 10, 12, 1, 2]);
      t.rsInsert(13n, 19n); // touches both neighbours
      expect(ranges()).toEqual([10, 20, 1, 2]);
      t.rsInsert(0n, 30n);
      expect(ranges()).toEqual([0, 30]);
      expect(t.rsContains(0n)).toBe(true);
      expect(t.rsContains(31n)).toBe(false);
      expect(t.rsCovers(5n, 30n)).toBe(true);
      expect(t.rsCovers(5n, 31n)).toBe(false);
      expect(t.rsOutOfRange()).toBe(0n);
    });

    it('drops the lowest range when full (possibly the one inserted) and records evictedBelow', () => {
      t.rsNew(2);
      t.rsInsert(10n, 10n); t.rsInsert(20n, 20n);
      expect(t.rsInsert(30n, 31n)).toBe(true);
      expect(ranges()).toEqual([30, 31, 20, 20]);
      expect(t.rsEvictedBelow()).toBe(11n);
      expect(t.rsInsert(5n, 5n)).toBe(false); // lowest: itself dropped
      expect(ranges()).toEqual([30, 31, 20, 20]);
      expect(t.rsEvictedBelow()).toBe(11n);
      expect(t.rsInsert(21n, 29n)).toBe(true); // merge needs no room
      expect(ranges()).toEqual([20, 31]);
    });

    it('handles the ends of the u64 space without wrapping', () => {
      const MAX = (1n << 64n) - 1n;
      t.rsNew(4);
      t.rsInsert(MAX, MAX); t.rsInsert(0n, 0n); t.rsInsert(MAX - 1n, MAX - 1n); t.rsInsert(1n, 1n);
      expect(t.rsRanges()).toEqual([MAX - 1n, MAX, 0n, 1n]);
      t.rsRemoveBelow(MAX);
      expect(t.rsRanges()).toEqual([MAX, MAX]);
      expect(t.rsInsert(5n, 4n)).toBe(false);
      t.rsNew(0); // capacity clamps to 1
      t.rsInsert(3n, 3n); t.rsInsert(7n, 7n);
      expect(ranges()).toEqual([7, 7]);
    });

    it('matches the reference model on random operation sequences', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 120 }), (cap, ops) => {
        t.rsNew(cap);
        const m = new Model(cap);
        for (const [o, a, b] of ops) {
          if (o === 0) { t.rsInsert(BigInt(a), BigInt(b)); m.insert(a, b); } else { t.rsRemoveBelow(BigInt(a)); m.removeBelow(a); }
        }
        expect(ranges()).toEqual(m.fromTop());
        expect(Number(t.rsEvictedBelow())).toBe(m.evictedBelow);
        for (let v = 0; v < 215; v += 7) expect(t.rsContains(BigInt(v))).toBe(m.values.has(v));
      }), { numRuns: 300 });
    });

    it('batched operations agree with single calls', () => {
      fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        t.rsNew(5);
        t.rsApply(ops.flat().map(BigInt));
        const batched = ranges();
        t.rsNew(5);
        for (const [o, a, b] of ops) if (o === 0) t.rsInsert(BigInt(a), BigInt(b)); else t.rsRemoveBelow(BigInt(a));
        expect(ranges()).toEqual(batched);
      }), { numRuns: 100 });
    });
  });
}
