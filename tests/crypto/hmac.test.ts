import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { ascii, hex, toHex, lengths, rnd, DIFF_N } from './vectors.js';

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);

// RFC 4231 §4.2-4.8 (test case 5, truncated output, is not a separate primitive).
const RFC4231: [string, Uint8Array, Uint8Array, string, string][] = [
  ['1', fill(20, 0x0b), ascii('Hi There'),
    'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6'],
  ['2', ascii('Jefe'), ascii('what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649'],
  ['3', fill(20, 0xaa), fill(50, 0xdd),
    '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    '88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27'],
  ['4', hex('0102030405060708090a0b0c0d0e0f10111213141516171819'), fill(50, 0xcd),
    '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    '3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb'],
  ['6', fill(131, 0xaa), ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    '4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952'],
  ['7', fill(131, 0xaa), ascii('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'),
    '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    '6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e'],
];

for (const variant of VARIANTS) {
  describe(`HMAC (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    for (const [name, key, data, s256, s384] of RFC4231) {
      it(`matches RFC 4231 test case ${name} for SHA-256 and SHA-384`, () => {
        expect(toHex(c.testHmac(0, key, data))).toBe(s256);
        expect(toHex(c.testHmac(1, key, data))).toBe(s384);
        const two = c.testHmacObject(0, key, data, data);
        expect(toHex(two.subarray(0, 32))).toBe(s256);
        expect(toHex(two.subarray(32))).toBe(s256);
      });
    }

    it(`equals node:crypto on ${DIFF_N} random key/message pairs`, () => {
      const n = variant === 'debug' ? DIFF_N / 4 : DIFF_N;
      const keyLens = lengths(n, 200, [0, 1, 32, 48, 63, 64, 65, 127, 128, 129]);
      for (let i = 0; i < n; i++) {
        const key = rnd(keyLens[i]);
        const data = rnd(Math.floor(Math.random() * 300));
        const alg = i & 1;
        const name = alg ? 'sha384' : 'sha256';
        expect(toHex(c.testHmac(alg, key, data))).toBe(createHmac(name, key).update(data).digest('hex'));
      }
    });

    it('reuses one keyed object for several messages', () => {
      const key = rnd(40), a = rnd(100), b = rnd(77);
      const out = c.testHmacObject(1, key, a, b);
      expect(toHex(out.subarray(0, 48))).toBe(createHmac('sha384', key).update(a).digest('hex'));
      expect(toHex(out.subarray(48))).toBe(createHmac('sha384', key).update(b).digest('hex'));
    });
  });
}
