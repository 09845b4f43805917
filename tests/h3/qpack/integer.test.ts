import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../../helpers/as.js';
import { hex, toHex } from '../../helpers/hex.js';


for (const variant of VARIANTS) {
  describe(`QPACK prefixed integers (${variant} build)`, async () => {
    const q = await loadTest<any>('qpack', variant);

    it('matches RFC 7541 C.1 (10 in 5 bits, 1337 in 5 bits, 42 in 8 bits)', () => {
      expect(toHex(q.intEncode(10n, 5, 0))).toBe('0a');
      expect(toHex(q.intEncode(1337n, 5, 0))).toBe('1f9a0a');
      expect(toHex(q.intEncode(42n, 8, 0))).toBe('2a');
      expect(q.intDecode(hex('1f9a0a'), 5)).toBe(1337n);
      expect(q.intDecodedLength()).toBe(3);
      // flag bits above the prefix are kept and ignored when decoding
      expect(toHex(q.intEncode(1337n, 5, 0xe0))).toBe('ff9a0a');
      expect(q.intDecode(hex('ff9a0a'), 5)).toBe(1337n);
    });

    it('decodes 62-bit values and rejects larger ones (RFC 9204 §4.1.1)', () => {
      const max = (1n << 62n) - 1n;
      for (const p of [3, 4, 5, 6, 7, 8]) {
        expect(q.intDecode(q.intEncode(max, p, 0), p)).toBe(max);
        expect(q.intDecode(q.intEncode(1n << 62n, p, 0), p)).toBe(-2n);
      }
      expect(q.intDecode(hex('ff' + '80'.repeat(12) + '01'), 8)).toBe(-2n);
    });

    it('reports truncation without trapping', () => {
      expect(q.intDecode(hex('1f9a'), 5)).toBe(-1n);
      expect(q.intDecode(hex('ff'), 8)).toBe(-1n);
      expect(q.intDecode(new Uint8Array(0), 8)).toBe(-1n);
    });

    it('round-trips random values for every prefix size', () => {
      fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }), fc.integer({ min: 1, max: 8 }), (v, p) => {
        const enc = q.intEncode(v, p, 0);
        expect(q.intDecode(enc, p)).toBe(v);
        expect(q.intDecodedLength()).toBe(enc.length);
      }));
    });
  });
}
