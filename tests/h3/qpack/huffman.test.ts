import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../../helpers/as.js';
import { hex } from '../../helpers/hex.js';

const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

// RFC 7541 Appendix C.4 (requests with Huffman) and C.6 (responses with Huffman).
const VECTORS: [string, string][] = [
  ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'], // C.4.1
  ['no-cache', 'a8eb 1064 9cbf'], // C.4.2
  ['custom-key', '25a8 49e9 5ba9 7d7f'], // C.4.3
  ['custom-value', '25a8 49e9 5bb8 e8b4 bf'], // C.4.3
  ['302', '6402'], // C.6.1
  ['private', 'aec3 771a 4b'], // C.6.1
  ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'], // C.6.1
  ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'], // C.6.1
  ['307', '640e ff'], // C.6.2
  ['gzip', '9bd9 ab'], // C.6.3
  ['foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
    '94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07'], // C.6.3
];

for (const variant of VARIANTS) {
  describe(`QPACK Huffman code (${variant} build)`, async () => {
    const q = await loadTest<any>('qpack', variant);

    it('encodes and decodes the RFC 7541 C.4 and C.6 strings byte for byte', () => {
      for (const [text, code] of VECTORS) {
        expect(Buffer.from(q.huffmanEncode(ascii(text))).toString('hex')).toBe(Buffer.from(hex(code)).toString('hex'));
        expect(Buffer.from(q.huffmanDecode(hex(code))).toString('latin1')).toBe(text);
      }
      expect(q.huffmanDecode(new Uint8Array(0))).toEqual(new Uint8Array(0));
    });

    it('rejects EOS inside a string (RFC 7541 §5.2)', () => {
      // EOS is 30 one-bits: four 0xff bytes contain it.
      expect(q.huffmanDecode(hex('ffffffff'))).toBeNull();
      // 'a' (00011) followed by EOS and padding.
      expect(q.huffmanDecode(hex('1fffffffff'))).toBeNull();
    });

    it('rejects padding longer than 7 bits', () => {
      // 'a' = 00011 + 3 padding bits is valid; one more 0xff byte makes 11 bits of padding.
      expect(Buffer.from(q.huffmanDecode(hex('1f'))).toString()).toBe('a');
      expect(q.huffmanDecode(hex('1fff'))).toBeNull();
      expect(q.huffmanDecode(hex('ff'))).toBeNull(); // 8 one-bits, no symbol
    });

    it('rejects padding that is not the most significant bits of EOS', () => {
      expect(q.huffmanDecode(hex('18'))).toBeNull(); // 'a' + 000
      expect(q.huffmanDecode(hex('1e'))).toBeNull(); // 'a' + 110
    });

    it('round-trips arbitrary bytes and never needs more than the length bound', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const enc = q.huffmanEncode(data);
        expect(q.huffmanDecode(enc)).toEqual(data);
      }));
    });

    it('never traps on random input', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        const out = q.huffmanDecode(data);
        if (out !== null) expect(q.huffmanEncode(out).length).toBeLessThanOrEqual(data.length);
      }));
    });
  });
}
