import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const FLOW_CONTROL_ERROR = 0x03n;
const rc = (t: any, h: number) => {
  const [maxData, window, received, consumed, update] = [...t.rcInfo(h)] as bigint[];
  return { maxData, window, received, consumed, update: update === 1n };
};

for (const variant of VARIANTS) {
  describe(`QUIC flow control, RFC 9000 §4 (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_streams', variant);

    it('send credit: limits only grow, blocked is reported once per limit', () => {
      const h = t.scNew(100n);
      expect(t.scAvailable(h)).toBe(100n);
      expect(t.scBlocked(h, true)).toBe(false);
      t.scConsume(h, 100n);
      expect(t.scAvailable(h)).toBe(0n);
      expect(t.scBlocked(h, false)).toBe(false); // nothing to send: no DATA_BLOCKED
      expect(t.scBlocked(h, true)).toBe(true);
      expect(t.scBlocked(h, true)).toBe(false);
      t.scBlockedLost(h);
      expect(t.scBlocked(h, true)).toBe(true);
      // §4.1: frames that do not increase the limit are ignored
      expect(t.scMaxData(h, 50n)).toBe(false);
      expect(t.scMaxData(h, 100n)).toBe(false);
      expect(t.scAvailable(h)).toBe(0n);
      expect(t.scMaxData(h, 150n)).toBe(true);
      expect(t.scAvailable(h)).toBe(50n);
      t.scConsume(h, 50n);
      expect(t.scBlocked(h, true)).toBe(true); // blocked again at the new limit
      t.scConsume(h, (1n << 64n) - 1n); // saturates, no wrap
      expect(t.scAvailable(h)).toBe(0n);
    });

    it('receive credit: FLOW_CONTROL_ERROR beyond the advertised limit, nothing changed', () => {
      const h = t.rcNew(1000n, 1000n);
      expect(t.rcReceived(h, 1000n)).toBe(0n);
      expect(t.rcReceived(h, 1001n)).toBe(FLOW_CONTROL_ERROR);
      expect(rc(t, h).received).toBe(1000n);
      const c = t.rcNew(100n, 100n);
      expect(t.rcReceivedDelta(c, 60n)).toBe(0n);
      expect(t.rcReceivedDelta(c, 41n)).toBe(FLOW_CONTROL_ERROR);
      expect(t.rcReceivedDelta(c, 40n)).toBe(0n);
      expect(t.rcReceivedDelta(c, (1n << 64n) - 1n)).toBe(FLOW_CONTROL_ERROR);
    });

    it('advertises a new limit once half the window is consumed', () => {
      const h = t.rcNew(1000n, 1000n);
      t.rcReceived(h, 1000n);
      t.rcConsumed(h, 499n, 1_000_000n, 50_000n);
      expect(rc(t, h).update).toBe(false);
      t.rcConsumed(h, 2n, 1_000_000n, 50_000n);
      expect(rc(t, h)).toMatchObject({ update: true, maxData: 1501n, window: 1000n });
      t.rcUpdateSent(h);
      expect(rc(t, h).update).toBe(false);
      t.rcUpdateLost(h);
      expect(rc(t, h)).toMatchObject({ update: true, maxData: 1501n });
      // the application cannot consume more than was received
      t.rcConsumed(h, 10_000n, 2_000_000n, 50_000n);
      expect(rc(t, h).consumed).toBe(1000n);
    });

    it('auto-tunes: the window doubles up to the maximum when consumed within 2 RTTs', () => {
      const rtt = 10_000n;
      const h = t.rcNew(1000n, 8000n);
      let now = 1_000_000n, received = 0n;
      const windows: bigint[] = [];
      for (let i = 0; i < 8; i++) {
        // the peer fills what we allow, the application reads it quickly
        const { maxData } = rc(t, h);
        expect(t.rcReceived(h, maxData)).toBe(0n);
        t.rcConsumed(h, maxData - received, now, rtt);
        received = maxData;
        windows.push(rc(t, h).window);
        now += rtt; // one RTT per round: faster than 2 RTTs
      }
      expect(windows).toEqual([1000n, 2000n, 4000n, 8000n, 8000n, 8000n, 8000n, 8000n]);
      // slow consumption does not grow the window
      const s = t.rcNew(1000n, 8000n);
      now = 1_000_000n; received = 0n;
      for (let i = 0; i < 5; i++) {
        const { maxData } = rc(t, s);
        t.rcReceived(s, maxData);
        t.rcConsumed(s, maxData - received, now, rtt);
        received = maxData;
        now += 10n * rtt;
      }
      expect(rc(t, s).window).toBe(1000n);
    });

    it('the advertised limit never shrinks and never lets the peer exceed consumed + maxWindow (fast-check)', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 20000 }),
        fc.array(fc.tuple(fc.nat(3000), fc.nat(3000), fc.nat(100_000)), { maxLength: 100 }), (win, extra, steps) => {
          const maxWindow = BigInt(win + extra);
          const h = t.rcNew(BigInt(win), maxWindow);
          let now = 1n;
          let prev = rc(t, h).maxData;
          for (const [recv, read, dt] of steps) {
            const s = rc(t, h);
            const target = s.received + BigInt(recv);
            const code = t.rcReceived(h, target);
            expect(code).toBe(target > s.maxData ? FLOW_CONTROL_ERROR : 0n);
            now += BigInt(dt);
            t.rcConsumed(h, BigInt(read), now, 20_000n);
            const a = rc(t, h);
            expect(a.maxData).toBeGreaterThanOrEqual(prev);
            expect(a.consumed).toBeLessThanOrEqual(a.received);
            expect(a.window).toBeLessThanOrEqual(maxWindow);
            expect(a.maxData - a.consumed).toBeLessThanOrEqual(maxWindow);
            prev = a.maxData;
          }
        }), { numRuns: 200 });
    });
  });
}
