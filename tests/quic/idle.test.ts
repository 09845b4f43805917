// assembly/quic/idle.ts against RFC 9000 §10.1: the effective idle timeout is the
// minimum of the non-zero max_idle_timeout values (none = disabled), at least 3×PTO,
// restarted on each packet received and on the first ack-eliciting packet sent after one.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const U64_MAX = 2n ** 64n - 1n;
const sat = (v: bigint) => (v > U64_MAX ? U64_MAX : v);
/** RFC 9000 §10.1, in µs from the two max_idle_timeout values in ms; 0 = none. */
const effective = (l: bigint, p: bigint) => sat(1000n * (l === 0n ? p : p === 0n ? l : l < p ? l : p));
const period = (eff: bigint, pto: bigint) => (eff === 0n ? 0n : eff > sat(3n * pto) ? eff : sat(3n * pto));

const ms = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 600_000n }), fc.bigInt({ min: 0n, max: 2n ** 62n - 1n }));

for (const variant of VARIANTS) {
  describe(`QUIC idle timeout (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_path', variant);

    it('effective timeout: the minimum of the non-zero values; none = disabled (fast-check)', () => {
      fc.assert(fc.property(ms, ms, fc.bigInt({ min: 0n, max: 10_000_000n }), (l, p, pto) => {
        t.idleNew();
        t.idleConfigure(l, p);
        const eff = effective(l, p);
        expect(t.idleTimeout()).toBe(eff);
        expect(t.idlePeriod(pto)).toBe(period(eff, pto));
      }), { numRuns: 500 });
      t.idleNew();
      t.idleConfigure(30_000n, 0n);
      expect(t.idleTimeout()).toBe(30_000_000n);
      t.idleConfigure(0n, 10_000n);
      expect(t.idleTimeout()).toBe(10_000_000n);
      t.idleConfigure(30_000n, 10_000n);
      expect(t.idleTimeout()).toBe(10_000_000n);
      t.idleConfigure(0n, 0n);
      expect(t.idleTimeout()).toBe(0n);
    });

    it('MUST: the period is at least three times the current PTO', () => {
      t.idleNew();
      t.idleConfigure(1_000n, 1_000n); // 1 s
      t.idleReceived(5_000_000n, 200_000n);
      expect(t.idleDeadline()).toBe(6_000_000n);
      t.idleReceived(5_000_000n, 400_000n); // 3 × 400 ms > 1 s
      expect(t.idleDeadline()).toBe(6_200_000n);
      t.idleReceived(5_000_000n, U64_MAX); // saturates
      expect(t.idleDeadline()).toBe(U64_MAX);
    });

    it('disabled: no deadline whatever happens, and not even the 3×PTO floor applies', () => {
      t.idleNew();
      expect(t.idleDeadline()).toBe(U64_MAX);
      t.idleConfigure(0n, 0n);
      t.idleReceived(1_000n, 100_000n);
      t.idleAckElicitingSent(2_000n, 100_000n);
      expect(t.idleDeadline()).toBe(U64_MAX);
      expect(t.idlePeriod(100_000n)).toBe(0n);
      // configured, then both peers turn out to be 0: the running deadline is dropped
      t.idleConfigure(5_000n, 0n);
      t.idleReceived(1_000n, 1n);
      expect(t.idleDeadline()).toBe(5_001_000n);
      t.idleConfigure(0n, 0n);
      expect(t.idleDeadline()).toBe(U64_MAX);
    });

    it('restarts on every packet received and on the first ack-eliciting send after it (fast-check)', () => {
      const op = fc.record({ kind: fc.constantFrom('recv', 'send'), dt: fc.bigInt({ min: 0n, max: 2_000_000n }), pto: fc.bigInt({ min: 0n, max: 2_000_000n }) });
      fc.assert(fc.property(ms, ms, fc.array(op, { maxLength: 40 }), (l, p, ops) => {
        t.idleNew();
        t.idleConfigure(l, p);
        const eff = effective(l, p);
        let now = 0n, deadline = U64_MAX, sentSinceRecv = false;
        for (const o of ops) {
          now += o.dt;
          if (o.kind === 'recv') {
            t.idleReceived(now, o.pto);
            sentSinceRecv = false;
            deadline = eff === 0n ? U64_MAX : sat(now + period(eff, o.pto));
          } else {
            t.idleAckElicitingSent(now, o.pto);
            if (!sentSinceRecv) { sentSinceRecv = true; deadline = eff === 0n ? U64_MAX : sat(now + period(eff, o.pto)); }
          }
          expect(t.idleDeadline()).toBe(deadline);
        }
      }), { numRuns: 400 });
    });

    it('a second ack-eliciting send without a packet received in between does not extend the deadline', () => {
      t.idleNew();
      t.idleConfigure(10_000n, 20_000n);
      t.idleAckElicitingSent(0n, 1_000n); // the first packet of the connection starts it
      expect(t.idleDeadline()).toBe(10_000_000n);
      t.idleAckElicitingSent(5_000_000n, 1_000n);
      expect(t.idleDeadline()).toBe(10_000_000n);
      t.idleReceived(6_000_000n, 1_000n);
      expect(t.idleDeadline()).toBe(16_000_000n);
      t.idleAckElicitingSent(7_000_000n, 1_000n);
      expect(t.idleDeadline()).toBe(17_000_000n);
    });
  });
}
