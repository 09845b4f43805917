import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { generateKeyPair } from '../helpers/node-keys.mjs';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { ed25519Verify } from '../../host/crypto/index.js';
import { hex } from '../helpers/hex.js';

// RFC 8032 §7.1 TEST 1 and TEST 2
const VECTORS = [
  ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
  ['3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
];
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const leToBig = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const bigToLe = (x: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));

function nodeKey() {
  const { privateKey, publicKey } = generateKeyPair('ed25519');
  return { privateKey, pub: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url') };
}

for (const variant of VARIANTS) {
  describe(`Ed25519 verification (${variant} build)`, async () => {
    const w = await loadTest<any>('crypto_pk', variant);

    it('accepts the RFC 8032 §7.1 test vectors and rejects them altered', () => {
      for (const [pub, msg, sig] of VECTORS) {
        expect(w.ed25519Verify(hex(pub), hex(msg), hex(sig))).toBe(true);
        expect(w.ed25519Verify(hex(pub), hex(msg + '00'), hex(sig))).toBe(false);
      }
    });

    it('agrees with node:crypto on random keys and messages, and rejects tampering', () => {
      const n = variant === 'release' ? 400 : 40;
      for (let i = 0; i < n; i++) {
        const k = nodeKey();
        const msg = crypto.randomBytes(i % 200);
        const sig = crypto.sign(null, msg, k.privateKey);
        expect(w.ed25519Verify(k.pub, msg, sig)).toBe(true);
        const bad = Buffer.from(sig); bad[i % 64] ^= 1 << (i % 8);
        expect(w.ed25519Verify(k.pub, msg, bad)).toBe(false);
        const badKey = Buffer.from(k.pub); badKey[i % 31] ^= 1;
        expect(w.ed25519Verify(badKey, msg, sig)).toBe(false);
      }
    });

    it('rejects S >= L (malleability) and public keys that do not decode', () => {
      const [pub, msg, sig] = VECTORS[0];
      const s = leToBig(hex(sig).subarray(32));
      const sPlusL = Buffer.concat([hex(sig).subarray(0, 32), bigToLe(s + L)]);
      expect(w.ed25519Verify(hex(pub), hex(msg), sPlusL)).toBe(false);
      // y = p (non-canonical 0), and a y with no x (y = 2: (4 - 1)/(4d + 1) is not a square)
      const P = (1n << 255n) - 19n;
      expect(w.ed25519Verify(bigToLe(P), hex(msg), hex(sig))).toBe(false);
      expect(w.ed25519Verify(bigToLe(2n), hex(msg), hex(sig))).toBe(false);
      expect(w.ed25519Verify(hex(pub).subarray(1), hex(msg), hex(sig))).toBe(false);
    });
  });
}

describe('crypto.ed25519-verify through the component', () => {
  it('verifies node:crypto signatures and rejects wrong lengths', () => {
    for (let i = 0; i < 200; i++) {
      const k = nodeKey();
      const msg = crypto.randomBytes(i);
      const sig = crypto.sign(null, msg, k.privateKey);
      expect(ed25519Verify(k.pub, msg, sig)).toBe(true);
      expect(ed25519Verify(k.pub, Buffer.concat([msg, hex('01')]), sig)).toBe(false);
    }
    const [pub, msg, sig] = VECTORS[1];
    expect(ed25519Verify(hex(pub), hex(msg), hex(sig).subarray(1))).toBe(false);
    expect(ed25519Verify(hex(pub).subarray(1), hex(msg), hex(sig))).toBe(false);
  });
});
