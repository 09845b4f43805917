import { beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { generateKeyPair } from '../helpers/node-keys.mjs';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { rsaPssSha256Verify, rsaPkcs1Sha256Verify } from '../../host/crypto/index.js';

const { RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_MAX_SIGN } = crypto.constants;

interface Key { bits: number; n: Buffer; e: Buffer; privateKey: crypto.KeyObject }
// Key generation is slow (4096 bits: seconds): a few keys, once for the file.
const keys: Key[] = [];
beforeAll(() => {
  for (const [bits, publicExponent] of [[2048, 65537], [2048, 3], [3072, 65537], [4096, 65537]]) {
    const { privateKey, publicKey } = generateKeyPair('rsa', { modulusLength: bits, publicExponent });
    const jwk = publicKey.export({ format: 'jwk' });
    keys.push({ bits, n: Buffer.from(jwk.n!, 'base64url'), e: Buffer.from(jwk.e!, 'base64url'), privateKey });
  }
});

const digest = (alg: string, m: Uint8Array) => crypto.createHash(alg).update(m).digest();
const pss = (k: Key, alg: string, m: Uint8Array, saltLength: number) => crypto.sign(alg, m, { key: k.privateKey, padding: RSA_PKCS1_PSS_PADDING, saltLength });
const pkcs1 = (k: Key, alg: string, m: Uint8Array) => crypto.sign(alg, m, k.privateKey);
const AUTO = -1;

for (const variant of VARIANTS) {
  describe(`RSA verification (${variant} build)`, async () => {
    const w = await loadTest<any>('crypto_pk', variant);
    const perKey = variant === 'release' ? 12 : 2;

    it('verifies RSA-PSS SHA-256 signatures from node:crypto with salt lengths 0, 20, 32, 64 and max', () => {
      for (const k of keys) {
        const maxSalt = k.bits / 8 - 32 - 2;
        for (let i = 0; i < perKey; i++) {
          const m = crypto.randomBytes(i * 7);
          const d = digest('sha256', m);
          for (const [salt, len] of [[0, 0], [20, 20], [32, 32], [64, 64], [RSA_PSS_SALTLEN_MAX_SIGN, maxSalt]]) {
            const sig = pss(k, 'sha256', m, salt);
            expect(w.rsaVerifyDigest(256, true, k.n, k.e, d, sig, len)).toBe(true);
            expect(w.rsaVerifyDigest(256, true, k.n, k.e, d, sig, AUTO)).toBe(true);
            expect(w.rsaVerifyDigest(256, true, k.n, k.e, d, sig, len + 1)).toBe(false);
            expect(w.rsaVerifyDigest(256, false, k.n, k.e, d, sig, 0)).toBe(false); // not PKCS#1 v1.5
          }
        }
      }
    });

    if (variant === 'release') {
      it('verifies 10,000 node:crypto signatures (RSA-2048, PSS and PKCS#1 v1.5 alternating) and rejects them tampered', () => {
        const k = keys[0];
        for (let i = 0; i < 10_000; i++) {
          const m = crypto.randomBytes(i % 97);
          const d = digest('sha256', m);
          const isPss = i % 2 === 0;
          const sig = isPss ? pss(k, 'sha256', m, 32) : pkcs1(k, 'sha256', m);
          expect(w.rsaVerifyDigest(256, isPss, k.n, k.e, d, sig, isPss ? 32 : 0)).toBe(true);
          if (i % 10 === 0) {
            const bad = Buffer.from(sig); bad[i % bad.length] ^= 1 << (i % 8);
            expect(w.rsaVerifyDigest(256, isPss, k.n, k.e, d, bad, isPss ? 32 : 0)).toBe(false);
          }
        }
      });
    }

    it('verifies RSASSA-PKCS1-v1_5 SHA-256 signatures from node:crypto', () => {
      for (const k of keys) {
        for (let i = 0; i < perKey * 3; i++) {
          const m = crypto.randomBytes(i * 5);
          const d = digest('sha256', m);
          const sig = pkcs1(k, 'sha256', m);
          expect(w.rsaVerifyDigest(256, false, k.n, k.e, d, sig, 0)).toBe(true);
          expect(w.rsaVerifyDigest(256, true, k.n, k.e, d, sig, AUTO)).toBe(false); // not PSS
        }
      }
    });

    it('verifies the SHA-384 variants', () => {
      for (const k of keys) {
        const m = crypto.randomBytes(100);
        const d = digest('sha384', m);
        expect(w.rsaVerifyDigest(384, true, k.n, k.e, d, pss(k, 'sha384', m, 48), 48)).toBe(true);
        expect(w.rsaVerifyDigest(384, false, k.n, k.e, d, pkcs1(k, 'sha384', m), 0)).toBe(true);
        // a SHA-256 signature is not a SHA-384 one
        const d256 = digest('sha256', m);
        expect(w.rsaVerifyDigest(384, false, k.n, k.e, d, pkcs1(k, 'sha256', m), 0)).toBe(false);
        expect(w.rsaVerifyDigest(256, false, k.n, k.e, d256, pkcs1(k, 'sha384', m), 0)).toBe(false);
      }
    });

    it('rejects tampered messages and signatures, wrong lengths, s >= n and unacceptable keys', () => {
      for (const k of keys) {
        const m = crypto.randomBytes(33);
        const d = digest('sha256', m);
        const sigs: [boolean, Buffer][] = [[true, pss(k, 'sha256', m, 32)], [false, pkcs1(k, 'sha256', m)]];
        for (const [isPss, sig] of sigs) {
          const ok = (s: Uint8Array, dd: Uint8Array = d, n: Uint8Array = k.n, e: Uint8Array = k.e) => w.rsaVerifyDigest(256, isPss, n, e, dd, s, isPss ? 32 : 0);
          expect(ok(sig)).toBe(true);
          for (const bit of [0, 7, 100, sig.length * 8 - 1]) {
            const t = Buffer.from(sig); t[bit >> 3] ^= 1 << (bit & 7);
            expect(ok(t)).toBe(false);
          }
          const dd = Buffer.from(d); dd[31] ^= 1;
          expect(ok(sig, dd)).toBe(false);
          expect(ok(sig.subarray(1))).toBe(false);                       // k - 1 bytes
          expect(ok(Buffer.concat([Buffer.from([0]), sig]))).toBe(false); // k + 1 bytes
          expect(ok(k.n)).toBe(false);                                    // s = n
          expect(ok(Buffer.alloc(k.n.length, 0xff))).toBe(false);         // s > n
          expect(ok(sig, d, Buffer.concat([Buffer.from([0]), k.n]))).toBe(true); // a DER sign octet on n is fine
          expect(ok(sig, d, k.n, Buffer.from([0x01, 0x00, 0x00]))).toBe(false);  // even e
          expect(ok(sig, d, k.n, Buffer.from([0x01]))).toBe(false);              // e = 1
          expect(ok(sig, d, k.n, Buffer.alloc(0))).toBe(false);
          const evenN = Buffer.from(k.n); evenN[evenN.length - 1] &= 0xfe;
          expect(ok(sig, d, evenN)).toBe(false);
        }
      }
      // 1024-bit keys are refused
      const { privateKey, publicKey } = generateKeyPair('rsa', { modulusLength: 1024 });
      const jwk = publicKey.export({ format: 'jwk' });
      const m = Buffer.from('x');
      expect(w.rsaVerifyDigest(256, false, Buffer.from(jwk.n!, 'base64url'), Buffer.from(jwk.e!, 'base64url'), digest('sha256', m), crypto.sign('sha256', m, privateKey), 0)).toBe(false);
    });
  });
}

describe('crypto.rsa-*-verify through the component', () => {
  it('verifies node:crypto PSS and PKCS#1 v1.5 signatures over messages and rejects tampering', () => {
    for (const k of keys) {
      for (let i = 0; i < 10; i++) {
        const m = crypto.randomBytes(i * 31);
        const s1 = pss(k, 'sha256', m, 32);
        const s2 = pkcs1(k, 'sha256', m);
        expect(rsaPssSha256Verify(k, m, s1, 32)).toBe(true);
        expect(rsaPssSha256Verify(k, m, s1, -1)).toBe(true);
        expect(rsaPkcs1Sha256Verify(k, m, s2)).toBe(true);
        const m2 = Buffer.concat([m, Buffer.from([1])]);
        expect(rsaPssSha256Verify(k, m2, s1, 32)).toBe(false);
        expect(rsaPkcs1Sha256Verify(k, m2, s2)).toBe(false);
      }
    }
  });
});

describe('RSA verification never traps', () => {
  it('returns false for random keys, signatures and salt lengths of any size', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 600 }), fc.integer({ min: -5, max: 600 }),
      (n, e, sig, salt) => {
        if (n.length > 0) n[n.length - 1] |= 1;
        expect(rsaPssSha256Verify({ n, e }, sig, sig, salt)).toBe(false);
        expect(rsaPkcs1Sha256Verify({ n, e }, sig, sig)).toBe(false);
      }), { numRuns: 300 });
    // a real key with random signatures of the right length
    const k = keys[0];
    for (let i = 0; i < 50; i++) {
      const sig = crypto.randomBytes(k.n.length);
      sig[0] = 0;
      expect(rsaPssSha256Verify(k, sig, sig, -1)).toBe(false);
      expect(rsaPkcs1Sha256Verify(k, sig, sig)).toBe(false);
    }
  });
});
