// assembly/quic/sent_packets.ts against a reference model (a plain array of
// slots): random pushes (with skipped packet numbers), removals as acknowledged
// or lost, late acknowledgments of lost packets, trims and clears; lookups,
// the skipped-number check (RFC 9000 §13.1, §21.4), and the pool's bounds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const NONE = 2n ** 64n - 1n;
const INITIAL_CAPACITY = 8n; // sent_packets.ts INITIAL_CAPACITY
const SKIPPED_RANGES = 16;
const LIVE = 0n, ACKED = 1n, LOST = 2n;

interface Slot { pn: bigint; state: bigint; t: bigint; nFrames: number }

/** The container as the doc comment describes it. */
class RefSent {
  slots: Slot[] = [];
  largestSent: bigint | null = null;
  skipped: [bigint, bigint][] = []; // ascending, the lowest dropped past SKIPPED_RANGES
  pool = 0;
  constructor(public maxPooled: number) {}
  get count() { return this.slots.filter((s) => s.state === LIVE).length; }
  push(pn: bigint, t: bigint, nFrames: number) {
    const from = this.largestSent === null ? 0n : this.largestSent + 1n;
    if (pn > from) {
      this.skipped.push([from, pn - 1n]);
      if (this.skipped.length > SKIPPED_RANGES) this.skipped.shift();
    }
    this.largestSent = pn;
    if (this.pool > 0) this.pool--;
    this.slots.push({ pn, state: LIVE, t, nFrames });
  }
  release() { if (this.pool < this.maxPooled) this.pool++; }
  removeAt(i: number, acked: boolean) {
    const s = this.slots[i];
    if (!s || s.state !== LIVE) return;
    s.state = acked ? ACKED : LOST;
    this.release();
  }
  markAckedAt(i: number) {
    const s = this.slots[i];
    if (!s || s.state !== LOST) return false;
    s.state = ACKED;
    return true;
  }
  trim() { while (this.slots.length && this.slots[0].state !== LIVE) this.slots.shift(); }
  clear() { for (const s of this.slots) if (s.state === LIVE) this.release(); this.slots = []; }
  lowerBound(pn: bigint) { const i = this.slots.findIndex((s) => s.pn >= pn); return i < 0 ? this.slots.length : i; }
  isSkipped(lo: bigint, hi: bigint) { return lo <= hi && this.skipped.some(([a, b]) => a <= hi && b >= lo); }
}

type Op =
  | { op: 'push'; gap: number; dt: number; nFrames: number }
  | { op: 'remove'; pick: number; acked: boolean }
  | { op: 'markAcked'; pick: number }
  | { op: 'trim' }
  | { op: 'clear' }
  | { op: 'query'; pick: number; delta: number; span: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('push' as const), gap: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }), dt: fc.integer({ min: 0, max: 1000 }), nFrames: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat(), acked: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('markAcked' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('trim' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('query' as const), pick: fc.nat(), delta: fc.integer({ min: -2, max: 2 }), span: fc.integer({ min: 0, max: 3 }) }) },
);

/** The frames spPush records for `pn` (see tests/wasm/quic_loss.ts). */
function framesOf(pn: bigint, n: number): bigint[] {
  const out: bigint[] = [];
  for (let j = 0; j < n; j++) out.push(1n /* Stream */, BigInt(j), pn, BigInt(j + 1), BigInt(j & 1), pn * 16n + BigInt(j));
  return out;
}

for (const variant of VARIANTS) {
  describe(`sent packets (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_loss', variant);

    it('matches the reference over random pushes, removals, trims, clears and lookups', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.bigInt({ min: 0n, max: 5n }), fc.array(opArb, { minLength: 1, maxLength: 300, size: 'max' }), (maxPooled, firstPn, ops) => {
        t.spNew(maxPooled);
        const ref = new RefSent(maxPooled);
        let now = 0n;
        let next = firstPn;
        for (const o of ops) {
          if (o.op === 'push') {
            next += BigInt(o.gap); now += BigInt(o.dt);
            t.spPush(next, now, o.nFrames); ref.push(next, now, o.nFrames);
            next++;
          } else if (o.op === 'remove' || o.op === 'markAcked') {
            const n = ref.slots.length;
            const i = n === 0 ? 0 : o.pick % (n + 1); // sometimes one past the end: ignored
            if (o.op === 'remove') { t.spRemoveAt(i, o.acked); ref.removeAt(i, o.acked); }
            else expect(t.spMarkAckedAt(i)).toBe(ref.markAckedAt(i));
          } else if (o.op === 'trim') {
            t.spTrim(); ref.trim();
            const cap = t.spState()[2];
            const len = BigInt(ref.slots.length);
            expect(cap === INITIAL_CAPACITY || cap < 4n * len).toBe(true);
          } else if (o.op === 'clear') {
            t.spClear(); ref.clear();
            expect(t.spState()[2]).toBe(INITIAL_CAPACITY);
          } else {
            // find / lowerBound / isSkipped around a pushed number
            const base = ref.largestSent === null ? 0n : BigInt(o.pick) % (ref.largestSent + 2n);
            const pn = base + BigInt(o.delta) < 0n ? 0n : base + BigInt(o.delta);
            expect(t.spLowerBound(pn)).toBe(ref.lowerBound(pn));
            const s = ref.slots.find((x) => x.pn === pn && x.state === LIVE);
            expect(t.spFind(pn)).toEqual(s ? [1n, pn, s.t, pn & 0xffffn, BigInt(s.nFrames), ...framesOf(pn, s.nFrames)] : [0n]);
            expect(t.spIsSkipped(pn, pn + BigInt(o.span))).toBe(ref.isSkipped(pn, pn + BigInt(o.span)));
          }
          expect(t.spSlots()).toEqual(ref.slots.flatMap((s) => [s.pn, s.state]));
          const live = ref.slots.find((s) => s.state === LIVE);
          const st = t.spState();
          expect(st[0]).toBe(BigInt(ref.count));
          expect(st[1]).toBe(BigInt(ref.slots.length));
          expect(st[2] >= st[1] && (st[2] & (st[2] - 1n)) === 0n).toBe(true); // a power of two holding every slot
          expect(st[3]).toBe(BigInt(ref.pool));
          expect(st.slice(4)).toEqual(ref.largestSent === null ? [0n, 0n, NONE] : [ref.largestSent, 1n, live ? live.pn : NONE]);
          expect(t.spOutOfRange()).toBe(0n);
        }
      }), { numRuns: 150 });
    });

    it('remembers skipped numbers, including those below the first packet (RFC 9000 §13.1, §21.4)', () => {
      t.spNew(8);
      t.spPush(3n, 0n, 0);
      expect(t.spIsSkipped(0n, 0n)).toBe(true);
      expect(t.spIsSkipped(2n, 2n)).toBe(true);
      expect(t.spIsSkipped(3n, 3n)).toBe(false);
      t.spPush(4n, 0n, 0);
      t.spPush(7n, 0n, 0);
      expect(t.spIsSkipped(4n, 4n)).toBe(false);
      expect(t.spIsSkipped(5n, 5n)).toBe(true);
      expect(t.spIsSkipped(6n, 7n)).toBe(true);
      expect(t.spIsSkipped(7n, 100n)).toBe(false);
      expect(t.spIsSkipped(4n, 3n)).toBe(false); // an empty range
      // clear keeps the numbering and what was skipped
      t.spClear();
      expect(t.spState().slice(0, 2)).toEqual([0n, 0n]);
      expect(t.spState().slice(4, 6)).toEqual([7n, 1n]);
      expect(t.spIsSkipped(5n, 5n)).toBe(true);
      t.spPush(8n, 0n, 0);
      expect(t.spIsSkipped(8n, 8n)).toBe(false);
      // starting at 0 skips nothing
      t.spNew(8);
      t.spPush(0n, 0n, 0);
      expect(t.spIsSkipped(0n, 0n)).toBe(false);
    });

    it('keeps tombstones between live records until they reach the front', () => {
      t.spNew(8);
      for (let pn = 0n; pn < 5n; pn++) t.spPush(pn, pn, 1);
      t.spRemoveAt(1, true);
      t.spRemoveAt(3, false);
      t.spTrim();
      expect(t.spSlots()).toEqual([0n, LIVE, 1n, ACKED, 2n, LIVE, 3n, LOST, 4n, LIVE]);
      expect(t.spMarkAckedAt(3)).toBe(true); // a lost packet acknowledged after all
      expect(t.spMarkAckedAt(3)).toBe(false);
      expect(t.spMarkAckedAt(0)).toBe(false); // live: not a tombstone
      t.spRemoveAt(0, true);
      t.spRemoveAt(0, false); // already removed: no change
      t.spTrim();
      expect(t.spSlots()).toEqual([2n, LIVE, 3n, ACKED, 4n, LIVE]);
      expect(t.spState()[0]).toBe(2n);
      expect(t.spFind(1n)).toEqual([0n]);
      expect(t.spFind(2n)[0]).toBe(1n);
    });

    it('reuses records: 100k packets through a 50-packet window allocate a bounded pool and ring', () => {
      t.spNew(1024);
      let r = t.spChurn(0n, 100_000, 50, 3);
      expect(r[2]).toBe(49n);
      expect(r[0]).toBeLessThanOrEqual(1n);
      expect(r[1]).toBeLessThanOrEqual(128n);
      // a burst grows the ring; once drained it shrinks back, the pool stays capped
      t.spNew(64);
      r = t.spChurn(0n, 5000, 5000, 1);
      expect(r[1]).toBeGreaterThanOrEqual(4096n);
      for (let i = 0; i < 5000; i++) t.spRemoveAt(i, true);
      t.spTrim();
      expect(t.spState().slice(0, 4)).toEqual([0n, 0n, INITIAL_CAPACITY, 64n]);
      r = t.spChurn(5000n, 100_000, 20, 2);
      expect(r[0]).toBeLessThanOrEqual(64n);
      expect(r[1]).toBeLessThanOrEqual(64n);
    });
  });
}
