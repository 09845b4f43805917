// assembly/quic/timer.ts: the timer table against a model (a map of deadlines):
// next() is the minimum of the armed deadlines, firstExpired(now) the first armed
// timer in enum order whose deadline has passed.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const UNSET = 2n ** 64n - 1n;
const NAMES = ['Idle', 'LossDetection', 'AckDelay', 'PathValidation', 'Pacing', 'KeepAlive', 'Close', 'KeyDiscard', 'Pmtud', 'Handshake'];

for (const variant of VARIANTS) {
  describe(`QUIC timers (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_path', variant);
    const N = t.timerCount();

    it('one slot per timer kind, all unset at first', () => {
      expect(N).toBe(NAMES.length);
      expect([...t.timerIds()]).toEqual(NAMES.map((_, i) => i));
      t.timerNew();
      for (let i = 0; i < N; i++) expect(t.timerGet(i)).toBe(UNSET);
      expect(t.timerNext()).toBe(UNSET);
      expect(t.timerFirstExpired(UNSET)).toBe(-1);
      // out-of-range kinds are ignored
      t.timerSet(N, 5n);
      t.timerSet(-1, 5n);
      expect(t.timerNext()).toBe(UNSET);
      expect(t.timerGet(N)).toBe(UNSET);
    });

    it('next() is the minimum, firstExpired the first expired in enum order (fast-check)', () => {
      const op = fc.oneof(
        fc.record({ set: fc.nat(N - 1), at: fc.oneof(fc.bigInt({ min: 0n, max: 10_000n }), fc.constant(UNSET), fc.constant(UNSET - 1n)) }),
        fc.record({ stop: fc.nat(N - 1) }),
        fc.record({ now: fc.bigInt({ min: 0n, max: 12_000n }) }),
      );
      fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        t.timerNew();
        const model: bigint[] = new Array(N).fill(UNSET);
        for (const o of ops) {
          if ('set' in o) { t.timerSet(o.set, o.at); model[o.set] = o.at; }
          else if ('stop' in o) { t.timerStop(o.stop); model[o.stop] = UNSET; }
          else {
            // handleTimeout: take expired timers until none is left
            const fired: number[] = [];
            for (;;) {
              const i = t.timerFirstExpired(o.now);
              const want = model.findIndex((v) => v !== UNSET && v <= o.now);
              expect(i).toBe(want);
              if (i < 0) break;
              fired.push(i);
              t.timerStop(i);
              model[i] = UNSET;
            }
            expect(fired).toEqual([...fired].sort((a, b) => a - b));
          }
          expect(t.timerNext()).toBe(model.reduce((m, v) => (v < m ? v : m), UNSET));
          for (let i = 0; i < N; i++) expect(t.timerGet(i)).toBe(model[i]);
        }
      }), { numRuns: 300 });
    });

    it('a deadline equal to now has expired; one after it has not', () => {
      t.timerNew();
      t.timerSet(NAMES.indexOf('AckDelay'), 100n);
      t.timerSet(NAMES.indexOf('Idle'), 200n);
      expect(t.timerNext()).toBe(100n);
      expect(t.timerFirstExpired(99n)).toBe(-1);
      expect(t.timerFirstExpired(100n)).toBe(NAMES.indexOf('AckDelay'));
      expect(t.timerFirstExpired(200n)).toBe(NAMES.indexOf('Idle')); // enum order, not deadline order
      t.timerStop(NAMES.indexOf('Idle'));
      t.timerStop(NAMES.indexOf('AckDelay'));
      expect(t.timerNext()).toBe(UNSET);
    });
  });
}
