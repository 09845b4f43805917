import { describe, expect, it } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { toHex, rnd, DIFF_N } from './vectors.js';
import { POLY } from './aead_vectors.js';

// RFC 8439 §2.5.1 in BigInt arithmetic.
function polyRef(key: Uint8Array, msg: Uint8Array): string {
  const le = (b: Uint8Array) => BigInt('0x' + (Buffer.from(b).reverse().toString('hex') || '0'));
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  const p = (1n << 130n) - 5n;
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const blk = msg.subarray(i, i + 16);
    const n = le(blk) + (1n << BigInt(8 * blk.length));
    acc = ((acc + n) * r) % p;
  }
  acc = (acc + s) & ((1n << 128n) - 1n);
  return Buffer.from(acc.toString(16).padStart(32, '0'), 'hex').reverse().toString('hex');
}

for (const variant of VARIANTS) {
  describe(`Poly1305 (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    it('matches RFC 8439 §2.5.2', () => {
      expect(toHex(c.testPoly1305(POLY.key, POLY.msg, 1000))).toBe(POLY.tag);
      expect(toHex(c.testPoly1305(POLY.key, POLY.msg, 5))).toBe(POLY.tag);
    });

    it(`equals a BigInt reference on ${DIFF_N} random keys and messages, fed in random chunks`, () => {
      const n = variant === 'debug' ? DIFF_N / 4 : DIFF_N;
      for (let i = 0; i < n; i++) {
        const key = rnd(32);
        // Every 16th key has an all-ones r and s half to stress the carries and the final reduction.
        if (i % 16 === 0) key.fill(0xff);
        const msg = i % 16 === 1 ? new Uint8Array(Math.floor(Math.random() * 100)).fill(0xff) : rnd(Math.floor(Math.random() * 200));
        expect(toHex(c.testPoly1305(key, msg, 1 + (i % 40)))).toBe(polyRef(key, msg));
      }
    });
  });
}
