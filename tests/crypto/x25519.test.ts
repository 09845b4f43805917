import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { generateKeyPair } from '../helpers/node-keys.mjs';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { x25519, x25519PublicKey, PublicKeyError } from '../../host/crypto/index.js';
import { hex, toHex } from '../helpers/hex.js';


// RFC 7748 §5.2
const VECTORS = [
  ['a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4', 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c', 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552'],
  ['4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d', 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493', '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957'],
];
// RFC 7748 §6.1
const ALICE_PRIV = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const ALICE_PUB = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PRIV = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';
const BOB_PUB = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

// u-coordinates of small order (and their non-canonical encodings): X25519 gives all zeros.
const P = (1n << 255n) - 19n;
const le = (x: bigint) => { const b = new Uint8Array(32); for (let i = 0; i < 32; i++) b[i] = Number((x >> BigInt(8 * i)) & 0xffn); return b; };
const SMALL_ORDER = [
  0n, 1n, P - 1n, P, P + 1n,
  0x00b8495f16056286fdb1329ceb8d09da6ac49ff1fae35616aeb8413b7c7aebe0n, // order 8
  0x57119fd0dd4e22d8868e1c58c45c44045bef839c55b1d0b1248c50a3bc959c5fn, // order 8
].flatMap((u) => [le(u), le(u | (1n << 255n))].filter((b) => b.length === 32));

/** Node's X25519 on raw keys (KeyObjects from JWK). */
const b64u = (u: Uint8Array) => Buffer.from(u).toString('base64url');
function nodeKeyPair() {
  const { privateKey, publicKey } = generateKeyPair('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { privateKey, publicKey, d: Buffer.from(jwk.d!, 'base64url'), x: Buffer.from(jwk.x!, 'base64url') };
}
function nodeX25519(priv: crypto.KeyObject, u: Uint8Array): Uint8Array {
  const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(u) }, format: 'jwk' });
  return crypto.diffieHellman({ privateKey: priv, publicKey });
}

for (const variant of VARIANTS) {
  describe(`X25519 (${variant} build)`, async () => {
    const w = await loadTest<any>('crypto_pk', variant);

    it('matches the RFC 7748 §5.2 test vectors', () => {
      for (const [k, u, out] of VECTORS) expect(toHex(w.x25519(hex(k), hex(u)))).toBe(out);
    });

    it('matches the RFC 7748 §5.2 iterated test after 1 and 1,000 iterations', () => {
      expect(toHex(w.x25519Iterate(1))).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
      if (variant === 'release') expect(toHex(w.x25519Iterate(1000))).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
    });

    it('reproduces the RFC 7748 §6.1 Diffie-Hellman example', () => {
      expect(toHex(w.x25519Base(hex(ALICE_PRIV)))).toBe(ALICE_PUB);
      expect(toHex(w.x25519Base(hex(BOB_PRIV)))).toBe(BOB_PUB);
      expect(toHex(w.x25519(hex(ALICE_PRIV), hex(BOB_PUB)))).toBe(SHARED);
      expect(toHex(w.x25519(hex(BOB_PRIV), hex(ALICE_PUB)))).toBe(SHARED);
    });

    it('rejects small-order points (all-zero output), for any scalar', () => {
      for (const u of SMALL_ORDER) {
        expect(w.x25519(crypto.randomBytes(32), u)).toBeNull();
        expect(w.x25519(hex(ALICE_PRIV), u)).toBeNull();
      }
    });

    it('masks the top bit of u and leaves its inputs unchanged', () => {
      const k = crypto.randomBytes(32), u = crypto.randomBytes(32);
      const kc = Uint8Array.from(k), uc = Uint8Array.from(u);
      const a = w.x25519(k, u);
      u[31] ^= 0x80;
      expect(toHex(w.x25519(k, u))).toBe(toHex(a));
      u[31] ^= 0x80;
      expect(Buffer.compare(k, kc)).toBe(0);
      expect(Buffer.compare(u, uc)).toBe(0);
    });

    it('agrees with node:crypto on random keys, random u (twist points, non-canonical u included)', () => {
      const n = variant === 'release' ? 2500 : 150;
      for (let i = 0; i < n; i++) {
        const a = nodeKeyPair();
        expect(toHex(w.x25519Base(a.d))).toBe(toHex(a.x));
        const u = crypto.randomBytes(32);
        if (i % 3 === 0) u[31] |= 0x80;
        expect(toHex(w.x25519(a.d, u))).toBe(toHex(nodeX25519(a.privateKey, u)));
      }
    });
  });
}

describe('crypto.x25519 through the component', () => {
  it('computes the RFC 7748 §6.1 keys and shared secret', () => {
    expect(toHex(x25519PublicKey(hex(ALICE_PRIV)))).toBe(ALICE_PUB);
    expect(toHex(x25519(hex(ALICE_PRIV), hex(BOB_PUB)))).toBe(SHARED);
  });

  it('agrees with node:crypto both ways', () => {
    // with the release-build loop above: 10,000 random agreements against node:crypto
    for (let i = 0; i < 7500; i++) {
      const a = nodeKeyPair(), b = nodeKeyPair();
      const ours = x25519(a.d, b.x);
      expect(toHex(ours)).toBe(toHex(crypto.diffieHellman({ privateKey: b.privateKey, publicKey: a.publicKey })));
    }
  });

  it('throws a typed error for a small-order point and for bad lengths', () => {
    expect(() => x25519(crypto.randomBytes(32), new Uint8Array(32))).toThrow(PublicKeyError);
    try { x25519(crypto.randomBytes(32), new Uint8Array(32)); } catch (e) { expect((e as PublicKeyError).kind).toBe('zero-shared-secret'); }
    try { x25519(crypto.randomBytes(31), crypto.randomBytes(32)); } catch (e) { expect((e as PublicKeyError).kind).toBe('bad-length'); }
    expect(() => x25519(crypto.randomBytes(31), crypto.randomBytes(32))).toThrow(PublicKeyError);
  });
});
