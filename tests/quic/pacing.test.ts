// assembly/quic/pacing.ts against a token bucket written from RFC 9002 §7.7:
// rate = N * congestion_window / smoothed_rtt, N = 1.25, bursts of what that rate
// sends in 2 ms, at least the initial window and at most 256 datagrams (quinn's rule).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const kInitialWindow = (mds: bigint) => { const b = 2n * mds > 14720n ? 2n * mds : 14720n; return 10n * mds < b ? 10n * mds : b; };

/** Tokens in bytes, credited at 5/4 * cwnd / srtt per µs, whole bytes only (the remainder of time carried). */
class RefPacer {
  tokens: bigint; last = 0n; cwnd = 0n; srtt = 0n; capacity: bigint;
  constructor(public mds: bigint) { this.capacity = this.tokens = kInitialWindow(mds); }
  update(cwnd: bigint, srtt: bigint) {
    this.cwnd = cwnd; this.srtt = srtt;
    let cap = cwnd * 2000n / srtt;
    const lo = kInitialWindow(this.mds), hi = 256n * this.mds;
    cap = cap < lo ? lo : cap > hi ? hi : cap;
    this.capacity = cap;
    if (this.tokens > cap) this.tokens = cap;
  }
  credit(elapsed: bigint) { const c = elapsed * 5n * this.cwnd / (4n * this.srtt); return c < this.capacity ? c : this.capacity; }
  available(now: bigint) {
    if (this.cwnd === 0n || this.srtt === 0n) return this.capacity;
    const t = this.tokens + this.credit(now > this.last ? now - this.last : 0n);
    return t < this.capacity ? t : this.capacity;
  }
  next(now: bigint, bytes: bigint) {
    if (this.cwnd === 0n || this.srtt === 0n) return now;
    const have = this.available(now), need = bytes < this.capacity ? bytes : this.capacity;
    if (have >= need) return now;
    const num = (need - have) * 4n * this.srtt, den = 5n * this.cwnd;
    return now + (num + den - 1n) / den;
  }
  sent(now: bigint, bytes: bigint) {
    if (this.cwnd === 0n || this.srtt === 0n) { this.last = now; return; }
    if (now > this.last) {
      const elapsed = now - this.last, c = this.credit(elapsed);
      if (this.tokens + c >= this.capacity) { this.tokens = this.capacity; this.last = now; }
      else {
        this.tokens += c;
        const used = c * 4n * this.srtt / (5n * this.cwnd);
        this.last += used < elapsed ? used : elapsed;
      }
    }
    this.tokens = bytes < this.tokens ? this.tokens - bytes : 0n;
  }
}

for (const variant of VARIANTS) {
  describe(`pacing, RFC 9002 §7.7 (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_recovery', variant);

    it('allows a burst of the initial window (10 datagrams of 1200), then paces at 1.25 * cwnd / srtt', () => {
      t.pacerNew(1200n);
      expect(t.pacerCapacity()).toBe(12_000n);
      t.pacerUpdate(120_000n, 100_000n); // 1.25 * 120 000 B / 100 ms = 1.5 B/µs
      for (let i = 0; i < 10; i++) {
        expect(t.pacerNext(1_000n, 1200n)).toBe(1_000n);
        t.pacerSent(1_000n, 1200n);
      }
      expect(t.pacerAvailable(1_000n)).toBe(0n);
      expect(t.pacerNext(1_000n, 1200n)).toBe(1_000n + 800n); // 1200 B / 1.5 B/µs
      expect(t.pacerAvailable(1_800n)).toBe(1200n);
      // over one smoothed RTT, 1.25 windows can leave (bounded by the bucket between sends)
      let now = 1_000n, sent = 0n;
      while (now < 101_000n) { now = t.pacerNext(now, 1200n); if (now >= 101_000n) break; t.pacerSent(now, 1200n); sent += 1200n; }
      expect(sent).toBeGreaterThanOrEqual(150_000n - 1200n);
      expect(sent).toBeLessThanOrEqual(150_000n);
      expect(t.pacerAvailable(10_000_000n)).toBe(12_000n); // refills to the burst, no further
    });

    it('holds 2 ms of sending when that is more than the initial window, up to 256 datagrams', () => {
      t.pacerNew(1200n);
      t.pacerUpdate(1_000_000n, 1_000n); // 1 MB per 1 ms RTT: 2 ms = 2 MB, capped at 256 * 1200
      expect(t.pacerCapacity()).toBe(307_200n);
      t.pacerUpdate(1_000_000n, 40_000n); // 40 ms RTT: 2 ms = 50 000 bytes
      expect(t.pacerCapacity()).toBe(50_000n);
      expect(t.pacerAvailable(0n) <= 50_000n).toBe(true);
    });

    it('lets everything through before it knows a window and an RTT', () => {
      t.pacerNew(1500n);
      expect(t.pacerCapacity()).toBe(14_720n);
      for (let i = 0; i < 100; i++) { expect(t.pacerNext(5n, 1500n)).toBe(5n); t.pacerSent(5n, 1500n); }
    });

    it('matches the reference and never sends ahead of its rate over random sequences', () => {
      const op = fc.oneof(
        fc.record({ k: fc.constant('send' as const), bytes: fc.integer({ min: 1, max: 16_000 }), wait: fc.boolean(), dt: fc.integer({ min: 0, max: 50_000 }) }),
        fc.record({ k: fc.constant('update' as const), cwnd: fc.integer({ min: 2400, max: 5_000_000 }), srtt: fc.integer({ min: 1, max: 1_000_000 }) }),
      );
      fc.assert(fc.property(fc.constantFrom(1200n, 1452n, 1500n), fc.array(op, { maxLength: 80 }), (mds, ops) => {
        t.pacerNew(mds);
        const ref = new RefPacer(mds);
        expect(t.pacerCapacity()).toBe(ref.capacity);
        let now = 0n;
        for (const o of ops) {
          if (o.k === 'update') { t.pacerUpdate(BigInt(o.cwnd), BigInt(o.srtt)); ref.update(BigInt(o.cwnd), BigInt(o.srtt)); expect(t.pacerCapacity()).toBe(ref.capacity); continue; }
          now += BigInt(o.dt);
          const b = BigInt(o.bytes);
          const next = t.pacerNext(now, b);
          expect(next).toBe(ref.next(now, b));
          expect(next >= now).toBe(true);
          // at the time it names, the packet (or a full bucket) is affordable
          const need = b < ref.capacity ? b : ref.capacity;
          expect(t.pacerAvailable(next) >= need).toBe(true);
          if (o.wait) now = next;
          t.pacerSent(now, b); ref.sent(now, b);
          expect(t.pacerAvailable(now)).toBe(ref.available(now));
          expect(t.pacerAvailable(now) <= ref.capacity).toBe(true);
        }
      }), { numRuns: 200 });
    });
  });
}
