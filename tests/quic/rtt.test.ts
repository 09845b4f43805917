// assembly/quic/rtt.ts against a reference written from RFC 9002 §5.3 / Appendix A.7
// (UpdateRtt) and §6.2.1 / A.8 (GetPtoTimeAndSpace's duration), in BigInt µs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const kInitialRtt = 333_000n; // RFC 9002 §6.2.2
const kGranularity = 1_000n; // RFC 9002 §6.1.2

class RefRtt {
  latest = 0n; min = 0n; smoothed = kInitialRtt; rttvar = kInitialRtt / 2n; first = 0n; has = false;
  constructor(public maxAckDelay: bigint) {}
  update(latest: bigint, ackDelay: bigint, confirmed: boolean, now: bigint) {
    this.latest = latest;
    if (!this.has) { // first sample
      this.has = true; this.first = now; this.min = latest; this.smoothed = latest; this.rttvar = latest / 2n; return;
    }
    if (latest < this.min) this.min = latest;
    if (confirmed && ackDelay > this.maxAckDelay) ackDelay = this.maxAckDelay;
    let adjusted = latest;
    if (latest >= this.min + ackDelay) adjusted = latest - ackDelay;
    const d = this.smoothed > adjusted ? this.smoothed - adjusted : adjusted - this.smoothed;
    this.rttvar = (3n * this.rttvar + d) / 4n;
    this.smoothed = (7n * this.smoothed + adjusted) / 8n;
  }
  pto(count: number, withMaxAckDelay: boolean) {
    const v = 4n * this.rttvar;
    let d = this.smoothed + (v > kGranularity ? v : kGranularity);
    if (withMaxAckDelay) d += this.maxAckDelay;
    return d << BigInt(count);
  }
  state() { return [this.latest, this.min, this.smoothed, this.rttvar, this.first, this.has ? 1n : 0n]; }
}

for (const variant of VARIANTS) {
  describe(`RTT estimation, RFC 9002 §5 (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_recovery', variant);

    it('starts at kInitialRtt (333 ms) with rttvar = 166.5 ms, so the first PTO is 999 ms (§6.2.2)', () => {
      t.rttNew(25_000n);
      expect(t.rttState()).toEqual([0n, 0n, 333_000n, 166_500n, 0n, 0n]);
      expect(t.rttPto(0, false)).toBe(333_000n + 666_000n);
      expect(t.constants().slice(0, 2)).toEqual([kInitialRtt, kGranularity]);
    });

    it('takes the first sample whole, ignoring the ack delay (§5.3)', () => {
      t.rttNew(25_000n);
      t.rttUpdate(100_000n, 50_000n, true, 7n);
      expect(t.rttState()).toEqual([100_000n, 100_000n, 100_000n, 50_000n, 7n, 1n]);
    });

    it('caps the ack delay by max_ack_delay only after handshake confirmation (§5.3)', () => {
      for (const [confirmed, expected] of [[true, 120_000n - 25_000n], [false, 120_000n - 60_000n]] as const) {
        t.rttNew(25_000n);
        t.rttUpdate(50_000n, 0n, false, 1n);
        t.rttUpdate(120_000n, 60_000n, confirmed, 2n);
        const adjusted = expected;
        const s = t.rttState();
        expect(s[2]).toBe((7n * 50_000n + adjusted) / 8n);
        expect(s[3]).toBe((3n * 25_000n + (adjusted - 50_000n)) / 4n);
      }
    });

    it('does not subtract an ack delay that would take the sample below min_rtt (§5.3)', () => {
      t.rttNew(25_000n);
      t.rttUpdate(50_000n, 0n, true, 1n);
      t.rttUpdate(60_000n, 20_000n, true, 2n); // 60 < 50 + 20: adjusted stays 60
      expect(t.rttState()[2]).toBe((7n * 50_000n + 60_000n) / 8n);
      expect(t.rttState()[1]).toBe(50_000n);
    });

    it('doubles the PTO for each consecutive PTO (§6.2.1) and adds max_ack_delay only when asked', () => {
      t.rttNew(25_000n);
      t.rttUpdate(40_000n, 0n, true, 1n);
      const base = 40_000n + 4n * 20_000n;
      for (let n = 0; n < 12; n++) {
        expect(t.rttPto(n, false)).toBe(base << BigInt(n));
        expect(t.rttPto(n, true)).toBe((base + 25_000n) << BigInt(n));
        expect(t.rttPto(n + 1, true)).toBe(2n * t.rttPto(n, true));
      }
      expect(t.rttPto(1000, true)).toBe(t.rttPto(30, true)); // the backoff shift is capped at 30
    });

    it('uses kGranularity when 4 * rttvar is smaller (§6.2.1)', () => {
      t.rttNew(0n);
      t.rttUpdate(100n, 0n, true, 1n);
      for (let i = 0; i < 30; i++) t.rttUpdate(100n, 0n, true, 2n + BigInt(i));
      expect(t.rttState()[3] * 4n).toBeLessThan(kGranularity);
      expect(t.rttPto(0, true)).toBe(100n + kGranularity);
    });

    it('reset() returns to the initial estimates', () => {
      t.rttNew(25_000n);
      t.rttUpdate(10_000n, 0n, true, 1n);
      t.rttReset();
      expect(t.rttState()).toEqual([0n, 0n, 333_000n, 166_500n, 0n, 0n]);
    });

    it('matches the Appendix A reference over random sample sequences', () => {
      const sample = fc.record({
        latest: fc.bigInt({ min: 1n, max: 2_000_000n }),
        ackDelay: fc.bigInt({ min: 0n, max: 300_000n }),
        confirmed: fc.boolean(),
        dt: fc.bigInt({ min: 0n, max: 100_000n }),
      });
      fc.assert(fc.property(fc.bigInt({ min: 0n, max: 100_000n }), fc.array(sample, { maxLength: 60 }), fc.nat(16),
        (maxAckDelay, samples, pto) => {
          t.rttNew(maxAckDelay);
          const ref = new RefRtt(maxAckDelay);
          let now = 1n;
          for (const s of samples) {
            now += s.dt;
            t.rttUpdate(s.latest, s.ackDelay, s.confirmed, now);
            ref.update(s.latest, s.ackDelay, s.confirmed, now);
            expect(t.rttState()).toEqual(ref.state());
            // min_rtt never exceeds any sample; smoothed_rtt stays within the samples' range
            expect(ref.min <= s.latest).toBe(true);
          }
          expect(t.rttPto(pto, true)).toBe(ref.pto(pto, true));
          expect(t.rttPto(pto, false)).toBe(ref.pto(pto, false));
        }), { numRuns: 200 });
    });
  });
}
