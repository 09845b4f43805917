import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { ascii, toHex, lengths, rnd, DIFF_N } from './vectors.js';

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf" / "SHA2_Additional.pdf").
const S448 = 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq';
const S896 = 'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu';

for (const variant of VARIANTS) {
  describe(`SHA-256 (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    it('matches the FIPS 180-4 examples', () => {
      expect(toHex(c.testSha256(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(toHex(c.testSha256(ascii(S448)))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
      expect(toHex(c.testSha256(ascii(S896)))).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1');
      expect(toHex(c.testSha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(toHex(c.testHashRepeat(0, 0x61, 1_000_000))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
    });

    it(`equals node:crypto on ${DIFF_N} random inputs, one-shot and chunked with clone()`, () => {
      const n = variant === 'debug' ? DIFF_N / 4 : DIFF_N;
      for (const len of lengths(n, 300, [0, 1, 55, 56, 63, 64, 65, 119, 127, 128, 129])) {
        const d = rnd(len);
        const want = createHash('sha256').update(d).digest('hex');
        expect(toHex(c.testSha256(d))).toBe(want);
        const chunked = c.testHashChunked(0, d, 1 + (len % 70));
        expect(toHex(chunked.subarray(0, 32))).toBe(want);
        expect(toHex(chunked.subarray(32))).toBe(want);
      }
    });
  });
}
