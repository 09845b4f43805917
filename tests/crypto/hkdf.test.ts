import { describe, expect, it } from 'vitest';
import { hkdfSync, createHmac } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { hex, toHex, range, rnd, DIFF_N } from './vectors.js';

// RFC 5869 Appendix A, test cases 1-3 (SHA-256).
const CASES = [
  { name: 'A.1', ikm: new Uint8Array(22).fill(0x0b), salt: range(0x00, 0x0c), info: range(0xf0, 0xf9), L: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865' },
  { name: 'A.2', ikm: range(0x00, 0x4f), salt: range(0x60, 0xaf), info: range(0xb0, 0xff), L: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87' },
  { name: 'A.3', ikm: new Uint8Array(22).fill(0x0b), salt: new Uint8Array(0), info: new Uint8Array(0), L: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8' },
];

/** RFC 8446 §7.1 HKDF-Expand-Label computed with node:crypto. */
function expandLabel(hash: string, secret: Uint8Array, label: string, ctx: Uint8Array, len: number): string {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.concat([Buffer.from([len >> 8, len & 0xff, full.length]), full, Buffer.from([ctx.length]), ctx]);
  // HKDF-Expand only (node's hkdfSync always extracts): T(i) = HMAC(secret, T(i-1) | info | i).
  let t = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (let i = 1; Buffer.concat(out).length < len; i++) {
    t = createHmac(hash, secret).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, len).toString('hex');
}

for (const variant of VARIANTS) {
  describe(`HKDF (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    for (const t of CASES) {
      it(`matches RFC 5869 ${t.name}`, () => {
        const prk = c.testHkdfExtract(0, t.salt, t.ikm);
        expect(toHex(prk)).toBe(t.prk);
        expect(toHex(c.testHkdfExpand(0, prk, t.info, t.L))).toBe(t.okm);
      });
    }

    it('refuses outputs above 255 x HashLen and accepts exactly that', () => {
      const prk = rnd(32);
      expect(c.testHkdfExpand(0, prk, new Uint8Array(0), 255 * 32 + 1)).toBeNull();
      expect(c.testHkdfExpand(1, rnd(48), new Uint8Array(0), 255 * 48 + 1)).toBeNull();
      expect(c.testHkdfExpand(0, prk, new Uint8Array(0), 255 * 32)).toHaveLength(255 * 32);
    });

    it('derives the RFC 9001 A.1 client initial secret with HKDF-Expand-Label', () => {
      // RFC 9001 §A.1: initial_secret from the v1 salt and DCID 0x8394c8f03e515708.
      const initial = c.testHkdfExtract(0, hex('38762cf7f55934b34d179ae6a4c80cadccbb7f0a'), hex('8394c8f03e515708'));
      expect(toHex(initial)).toBe('7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44');
      expect(toHex(c.testHkdfExpandLabel(0, initial, 'client in', new Uint8Array(0), 32)))
        .toBe('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
    });

    it(`equals node:crypto on ${DIFF_N} random extract+expand and expand-label inputs`, () => {
      const n = variant === 'debug' ? DIFF_N / 4 : DIFF_N;
      for (let i = 0; i < n; i++) {
        const alg = i & 1;
        const hash = alg ? 'sha384' : 'sha256';
        const ikm = rnd(Math.floor(Math.random() * 80));
        const salt = rnd(i % 7 === 0 ? 0 : Math.floor(Math.random() * 80));
        const info = rnd(Math.floor(Math.random() * 60));
        const L = i % 11 === 0 ? 0 : 1 + Math.floor(Math.random() * 200);
        const prk = c.testHkdfExtract(alg, salt, ikm);
        expect(toHex(c.testHkdfExpand(alg, prk, info, L))).toBe(Buffer.from(hkdfSync(hash, ikm, salt, info, L)).toString('hex'));
        if (i % 4 === 0) {
          const ctx = rnd(Math.floor(Math.random() * 48));
          const len = 1 + Math.floor(Math.random() * 64);
          expect(toHex(c.testHkdfExpandLabel(alg, prk, 'quic key', ctx, len))).toBe(expandLabel(hash, prk, 'quic key', ctx, len));
        }
      }
    });
  });
}
