import { describe, expect, it } from 'vitest';
import { createCipheriv } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { hex, toHex, rnd, DIFF_N } from './vectors.js';

function nodeMask(alg: number, key: Uint8Array, sample: Uint8Array): string {
  if (alg === 3) return createCipheriv('chacha20', key, sample).update(Buffer.alloc(5)).toString('hex');
  return createCipheriv(alg === 1 ? 'aes-128-ecb' : 'aes-256-ecb', key, null).setAutoPadding(false).update(sample).subarray(0, 5).toString('hex');
}

for (const variant of VARIANTS) {
  describe(`header protection (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    it('matches RFC 9001 A.2 (AES) and A.5 (ChaCha20) masks', () => {
      expect(toHex(c.testHpMask(1, hex('9f50449e04a0e810283a1e9933adedd2'), hex('d1b1c98dd7689fb8ec11d242b123dc9b')))).toBe('437b9aec36');
      expect(toHex(c.testHpMask(3, hex('25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4'), hex('5e5cd55c41f69080575d7999c25a5bfb')))).toBe('aefefe7d03');
    });

    it(`equals node:crypto on ${DIFF_N} random keys and samples for each algorithm`, () => {
      const n = variant === 'debug' ? DIFF_N / 4 : DIFF_N;
      for (let i = 0; i < n; i++) {
        for (const alg of [1, 2, 3]) {
          const key = rnd(alg === 1 ? 16 : 32), sample = rnd(16);
          expect(toHex(c.testHpMask(alg, key, sample))).toBe(nodeMask(alg, key, sample));
        }
      }
    });
  });
}
