import { describe, expect, it } from 'vitest';
import { createCipheriv } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { hex, toHex, rnd, DIFF_N } from './vectors.js';

const ecb = (key: Uint8Array, block: Uint8Array) =>
  createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null).setAutoPadding(false).update(block).toString('hex');

for (const variant of VARIANTS) {
  describe(`AES forward cipher (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    it('matches FIPS 197 Appendix C.1 and C.3', () => {
      const pt = hex('00112233445566778899aabbccddeeff');
      expect(toHex(c.testAesBlock(hex('000102030405060708090a0b0c0d0e0f'), pt))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
      expect(toHex(c.testAesBlock(hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'), pt))).toBe('8ea2b7ca516745bfeafc49904b496089');
    });

    it('matches FIPS 197 Appendix B (the worked AES-128 example)', () => {
      expect(toHex(c.testAesBlock(hex('2b7e151628aed2a6abf7158809cf4f3c'), hex('3243f6a8885a308d313198a2e0370734')))).toBe('3925841d02dc09fbdc118597196a0b32');
    });

    it(`equals node:crypto AES-ECB on ${DIFF_N} random keys and blocks`, () => {
      const n = variant === 'debug' ? DIFF_N / 4 : DIFF_N;
      for (let i = 0; i < n; i++) {
        const key = rnd(i & 1 ? 32 : 16), block = rnd(16);
        expect(toHex(c.testAesBlock(key, block))).toBe(ecb(key, block));
      }
    });
  });
}
