import { describe, expect, it } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { hex, toHex, rnd } from './vectors.js';

// GHASH reference: bit-serial multiplication in GF(2^128) (SP 800-38D §6.3, Algorithm 1).
function gmul(x: bigint, y: bigint): bigint {
  const R = 0xe1n << 120n;
  let z = 0n, v = y;
  for (let i = 127; i >= 0; i--) {
    if ((x >> BigInt(i)) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}
function ghashRef(h: Uint8Array, data: Uint8Array): string {
  const H = BigInt('0x' + toHex(h));
  let y = 0n;
  for (let i = 0; i < data.length; i += 16) {
    const blk = new Uint8Array(16); blk.set(data.subarray(i, i + 16));
    y = gmul(y ^ BigInt('0x' + toHex(blk)), H);
  }
  return y.toString(16).padStart(32, '0');
}

for (const variant of VARIANTS) {
  describe(`GHASH (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);
    it('matches McGrew-Viega test case 2 GHASH(H, {}, C)', () => {
      // H = 66e94bd4ef8a2c3b884cfa59ca342b2e, C = 0388dace60b6a392f328c2b971b2fe78, len block 0..0 80
      const H = hex('66e94bd4ef8a2c3b884cfa59ca342b2e');
      const data = hex('0388dace60b6a392f328c2b971b2fe78' + '00000000000000000000000000000080');
      expect(toHex(c.testGhash(H, data))).toBe('f38cbb1ad69223dcc3457ae5b6b0f885');
    });
    it('equals a bit-serial reference on 2,000 random keys and messages (incl. partial blocks)', () => {
      for (let i = 0; i < 2000; i++) {
        const h = rnd(16), data = rnd(Math.floor(Math.random() * 70));
        expect(toHex(c.testGhash(h, data))).toBe(ghashRef(h, data));
      }
      // Edge operands: all-ones and single bits (carries in the holed multiply).
      for (const hh of ['ffffffffffffffffffffffffffffffff', '80000000000000000000000000000000', '00000000000000000000000000000001']) {
        for (const dd of ['ffffffffffffffffffffffffffffffff', '00000000000000010000000000000000']) {
          expect(toHex(c.testGhash(hex(hh), hex(dd)))).toBe(ghashRef(hex(hh), hex(dd)));
        }
      }
    });
  });
}
