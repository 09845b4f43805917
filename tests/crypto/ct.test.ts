import { describe, expect, it } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { rnd } from './vectors.js';

for (const variant of VARIANTS) {
  describe(`ct (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);
    it('ctEqual finds a difference in any single bit at any position and length', () => {
      for (const len of [0, 1, 7, 8, 9, 16, 17, 31, 32, 33]) {
        const a = rnd(len);
        expect(c.testCtEqual(a, a.slice())).toBe(true);
        for (let i = 0; i < len; i++) {
          for (let bit = 0; bit < 8; bit++) {
            const b = a.slice();
            b[i] ^= 1 << bit;
            expect(c.testCtEqual(a, b)).toBe(false);
          }
        }
      }
    });
  });
}
