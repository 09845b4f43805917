import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { encodeVarint, decodeVarint } from '../../host/codec/index.js';
import { CodecError } from '../../host/errors.js';
import { hex } from '../helpers/hex.js';

// RFC 9000 Appendix A.1 (Table 5 examples)
const EXAMPLES: [string, bigint][] = [
  ['c2197c5eff14e88c', 151288809941952652n],
  ['9d7f3e7d', 494878333n],
  ['7bbd', 15293n],
  ['25', 37n],
];

for (const variant of VARIANTS) {
  describe(`wire varint (${variant} build)`, async () => {
    const w = await loadTest<any>('wire', variant);

    it('decodes the RFC 9000 A.1 examples, including the non-minimal 0x4025', () => {
      for (const [h, v] of EXAMPLES) expect(w.readVarints(hex(h))).toEqual([v]);
      expect(w.readVarints(hex('4025'))).toEqual([37n]);
    });

    it('rejects truncated varints without trapping', () => {
      for (const h of ['40', 'c2197c5eff14e8', '9d7f3e', '']) {
        const res = w.readVarints(hex(h));
        if (h === '') expect(res).toEqual([]);
        else expect(res).toBeNull();
      }
    });

    it('round-trips random values with the shortest encoding', () => {
      fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }), { maxLength: 20 }), (vals) => {
        const enc = w.writeVarints(vals);
        expect(w.readVarints(enc)).toEqual(vals);
        const expected = vals.reduce((n, v) => n + (v < 64n ? 1 : v < 16384n ? 2 : v < 1073741824n ? 4 : 8), 0);
        expect(enc.length).toBe(expected);
      }));
    });

    it('refuses values above 2^62-1 and values too large for a forced width', () => {
      expect(w.writeVarints([1n << 62n])).toBeNull();
      expect(w.encodedLen(1n << 62n)).toBe(0);
      expect(w.writeVarintN(37n, 2)).toEqual(hex('4025'));
      expect(w.writeVarintN(16384n, 2)).toBeNull();
      expect(w.writeVarintN(1n, 3)).toBeNull();
    });

    it('bounds-checks fixed-width reads and fixed-capacity writes', () => {
      expect(w.readFixed(hex('0102030405060708'), Int32Array.from([1, 2, 3]))).toEqual([1n, 0x203n, 0x40506n]);
      expect(w.readFixed(hex('010203'), Int32Array.from([4]))).toBeNull();
      expect(w.readFixed(hex('0102030405060708'), Int32Array.from([8]))).toEqual([0x0102030405060708n]);
      expect(w.fixedWrite(4, 4)).toBe(4);
      expect(w.fixedWrite(4, 5)).toBe(-1);
    });
  });
}

describe('codec.varint through the component', () => {
  it('encodes and decodes the RFC 9000 A.1 examples', () => {
    for (const [h, v] of EXAMPLES) {
      expect(decodeVarint(hex(h))).toEqual({ value: v, length: h.length / 2 });
      expect(Buffer.from(encodeVarint(v)).toString('hex')).toBe(h);
    }
  });
  it('gives a typed error with FRAME_ENCODING_ERROR for truncated input', () => {
    expect(() => decodeVarint(hex('c2197c'))).toThrow(CodecError);
    try { decodeVarint(hex('c2197c')); } catch (e) { expect((e as CodecError).wireCode).toBe(0x07n); }
  });
});
