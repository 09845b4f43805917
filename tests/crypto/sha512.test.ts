import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { ascii, toHex, lengths, rnd, DIFF_N } from './vectors.js';

const S448 = 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq';
const S896 = 'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu';

for (const variant of VARIANTS) {
  describe(`SHA-384 / SHA-512 (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    it('matches the FIPS 180-4 examples', () => {
      expect(toHex(c.testSha384(ascii('abc')))).toBe('cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7');
      expect(toHex(c.testSha384(ascii(S448)))).toBe('3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b');
      expect(toHex(c.testSha384(ascii(S896)))).toBe('09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039');
      expect(toHex(c.testHashRepeat(1, 0x61, 1_000_000))).toBe('9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985');
      expect(toHex(c.testSha512(ascii('abc')))).toBe('ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f');
      expect(toHex(c.testSha512(ascii(S896)))).toBe('8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909');
    });

    it(`equals node:crypto on ${DIFF_N} random inputs (SHA-384 chunked + clone, SHA-512 one-shot)`, () => {
      const n = variant === 'debug' ? DIFF_N / 4 : DIFF_N;
      for (const len of lengths(n, 400, [0, 1, 111, 112, 127, 128, 129, 255, 256, 257])) {
        const d = rnd(len);
        const want = createHash('sha384').update(d).digest('hex');
        expect(toHex(c.testSha384(d))).toBe(want);
        const chunked = c.testHashChunked(1, d, 1 + (len % 150));
        expect(toHex(chunked.subarray(0, 48))).toBe(want);
        expect(toHex(chunked.subarray(48))).toBe(want);
        expect(toHex(c.testSha512(d))).toBe(createHash('sha512').update(d).digest('hex'));
      }
    });
  });
}
