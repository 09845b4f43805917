import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { p256PublicKey, p256Ecdh, ecdsaP256Sign, ecdsaP256Verify, PublicKeyError } from '../../host/crypto/index.js';
import { P256, largeXs, largeXVector, refVerify, refDer, ptMul } from './ec_ref.js';
import { hex, toHex } from '../helpers/hex.js';

const sha256 = (m: string | Uint8Array) => crypto.createHash('sha256').update(m).digest();

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const be32 = (x: bigint) => hex(x.toString(16).padStart(64, '0'));

// RFC 6979 A.2.5: P-256 key and the SHA-256 signatures of "sample" and "test"
const X = 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721';
const UX = '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6';
const UY = '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299';
const A25 = [
  ['sample', 'a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60',
    'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716', 'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8'],
  ['test', 'd16b6ae827f17175e040871a1c7ec3500192c4c92677336ec2537acaee0008e0',
    'f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367', '019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083'],
];

const SPKI_PREFIX = hex('3059301306072a8648ce3d020106082a8648ce3d030107034200');
function nodeKey() {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  const d = ecdh.getPrivateKey(), pub = ecdh.getPublicKey();
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64url');
  const privateKey = crypto.createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64(d.length === 32 ? d : Buffer.concat([Buffer.alloc(32 - d.length), d])), x: b64(pub.subarray(1, 33)), y: b64(pub.subarray(33)) }, format: 'jwk' });
  const publicKey = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
  return { ecdh, d: Buffer.concat([Buffer.alloc(32 - d.length), d]), pub, privateKey, publicKey };
}
const P1363 = { dsaEncoding: 'ieee-p1363' as const };

for (const variant of VARIANTS) {
  describe(`P-256 (${variant} build)`, async () => {
    const w = await loadTest<any>('crypto_pk', variant);
    // release: 10,000 ECDH agreements (both ways) and, with the component test below, 10,000 signatures each way
    const n = variant === 'release' ? 7500 : 40;

    it('reproduces the RFC 6979 A.2.5 key, nonces and signatures byte for byte', () => {
      expect(toHex(w.p256PublicKey(hex(X)))).toBe('04' + UX + UY);
      for (const [msg, k, r, s] of A25) {
        expect(toHex(w.nonce6979(hex(X), sha256(msg)))).toBe(k);
        expect(toHex(w.ecdsaSignDigestDeterministic(hex(X), sha256(msg)))).toBe(r + s);
        expect(toHex(w.ecdsaSignDigestWithNonce(hex(X), sha256(msg), hex(k)))).toBe(r + s);
        expect(w.ecdsaVerifyDigest(hex('04' + UX + UY), sha256(msg), hex(r + s))).toBe(true);
      }
    });

    it('derives the same public keys as node:crypto and agrees on ECDH both ways', () => {
      for (let i = 0; i < n; i++) {
        const a = nodeKey(), b = nodeKey();
        expect(toHex(w.p256PublicKey(a.d))).toBe(toHex(a.pub));
        const z = a.ecdh.computeSecret(b.pub);
        expect(toHex(w.p256Ecdh(a.d, b.pub))).toBe(toHex(z));
        expect(toHex(w.p256Ecdh(b.d, a.pub))).toBe(toHex(z));
      }
    });

    it('signs what node:crypto verifies and verifies what node:crypto signs', () => {
      for (let i = 0; i < n; i++) {
        const a = nodeKey();
        const msg = crypto.randomBytes(i % 64);
        const digest = sha256(msg);
        const ours = i % 2 ? w.ecdsaSignDigest(a.d, digest) : w.ecdsaSignDigestDeterministic(a.d, digest);
        expect(crypto.verify('sha256', msg, { key: a.publicKey, ...P1363 }, ours)).toBe(true);
        const theirs = crypto.sign('sha256', msg, { key: a.privateKey, ...P1363 });
        expect(w.ecdsaVerifyDigest(a.pub, digest, theirs)).toBe(true);
        // tampered digest, tampered signature
        const bad = Buffer.from(digest); bad[i % 32] ^= 1 << (i % 8);
        expect(w.ecdsaVerifyDigest(a.pub, bad, theirs)).toBe(false);
        const badSig = Buffer.from(theirs); badSig[i % 64] ^= 1 << (i % 8);
        expect(w.ecdsaVerifyDigest(a.pub, digest, badSig)).toBe(false);
      }
    });

    it('rejects r or s equal to 0 or >= n', () => {
      const digest = sha256('sample');
      const pub = hex('04' + UX + UY);
      const [, , r, s] = A25[0];
      const R = BigInt('0x' + r), S = BigInt('0x' + s);
      for (const [rr, ss] of [[0n, S], [R, 0n], [N, S], [R, N], [R + N, S], [R, S + N], [(1n << 256n) - 1n, S], [R, (1n << 256n) - 1n]]) {
        if (rr >= 1n << 256n || ss >= 1n << 256n) continue;
        expect(w.ecdsaVerifyDigest(pub, digest, Buffer.concat([be32(rr), be32(ss)]))).toBe(false);
      }
      // the same signature with n - s (the other valid s) is accepted: ECDSA does not require low s
      expect(w.ecdsaVerifyDigest(pub, digest, Buffer.concat([be32(R), be32(N - S)]))).toBe(true);
    });

    // Issue 14: SEC 1 §4.1.4 step 7 / FIPS 186-5 §6.4.2 step 7 compare x(R) mod n with r.
    // p - n is about 2^128, so x(R) lies in [n, p) with probability ~2^-128; the vectors
    // are constructed (tests/crypto/ec_ref.ts): x(R) just below p (r close to p - n,
    // the top of the range) and just above n (small r).
    it('accepts signatures whose R has x(R) >= n and rejects r = x(R) unreduced', () => {
      let seed = 0;
      for (const xR of [...largeXs(P256, 6, true), ...largeXs(P256, 4, false)]) {
        const v = largeXVector(P256, xR, seed++);
        expect(v.xR >= N && v.xR < P).toBe(true);
        expect(refVerify(P256, v.pub, v.digest, v.rs)).toBe(true);
        expect(crypto.verify('sha256', v.msg, { key: v.publicKey, ...P1363 }, v.rs)).toBe(true);
        expect(w.ecdsaVerifyDigest(v.pub, v.digest, v.rs)).toBe(true);
        // r = x(R) >= n is out of range (step 1), though x(R) itself "matches"
        expect(crypto.verify('sha256', v.msg, { key: v.publicKey, ...P1363 }, v.rsUnreduced)).toBe(false);
        expect(w.ecdsaVerifyDigest(v.pub, v.digest, v.rsUnreduced)).toBe(false);
        // neighbours of r, and a different digest, fail
        const r = BigInt('0x' + Buffer.from(v.rs.subarray(0, 32)).toString('hex'));
        for (const rr of [r - 1n, r + 1n]) {
          if (rr < 1n) continue;
          expect(w.ecdsaVerifyDigest(v.pub, v.digest, Buffer.concat([be32(rr), v.rs.subarray(32)]))).toBe(false);
        }
        expect(w.ecdsaVerifyDigest(v.pub, sha256(v.msg.toString() + '.'), v.rs)).toBe(false);
      }
    });

    it('rejects public keys that are not valid points', () => {
      const digest = sha256('sample');
      const sig = hex(A25[0][2] + A25[0][3]);
      const x = BigInt('0x' + UX), y = BigInt('0x' + UY);
      const cases = [
        Buffer.concat([hex('04'), be32(x), be32(y + 1n)]),               // off the curve
        Buffer.concat([hex('04'), be32(x + P), be32(y)]).subarray(0, 65), // garbage
        Buffer.concat([hex('02'), be32(x), be32(y)]),                    // wrong form
        Buffer.concat([hex('04'), be32(x)]),                             // truncated
        Buffer.concat([hex('04'), be32(x), be32(y), hex('00')]),         // trailing byte
        Buffer.concat([hex('04'), be32(0n), be32(0n)]),                  // "identity"
        Buffer.concat([hex('04'), be32(P), be32(y)]),                    // x = p
        Buffer.concat([hex('04'), be32(x), be32(y + P > (1n << 256n) - 1n ? P : y + P)]), // y >= p
      ];
      for (const pub of cases) {
        expect(w.ecdsaVerifyDigest(pub, digest, sig)).toBe(false);
        expect(w.p256Ecdh(hex(X), pub)).toBeNull();
      }
      // -U is on the curve (a usable ECDH key) but not the signer's key
      const negU = Buffer.concat([hex('04'), be32(x), be32(P - y)]);
      expect(w.ecdsaVerifyDigest(negU, digest, sig)).toBe(false);
      expect(w.p256Ecdh(hex(X), negU)).not.toBeNull();
    });

    // Scalars whose fixed 4-bit windows hit the masked special cases of the
    // constant-time scalar multiplications: leading and inner zero digits
    // (ACC = O, digit 0), the largest digits of either sign, and the ends of [1, n-1].
    it('matches the reference for edge scalars in key generation, ECDH and signing', () => {
      const G = { x: P256.gx, y: P256.gy };
      const Qd = 0x1234567n * 0xfedcba987654321n;
      const Q = ptMul(P256, Qd, G)!;
      const qPub = Buffer.concat([hex('04'), be32(Q.x), be32(Q.y)]);
      const ks = [1n, 2n, 3n, 15n, 16n, 17n, 255n, 256n, 1n << 128n, (1n << 128n) + 1n, 1n << 252n, 15n << 252n,
        (1n << 255n) - 1n, N - 1n, N - 2n, N - 16n, N - 17n, (N - 1n) >> 4n, 0x8000000000000000000000000000000000000000000000000000000000000001n,
        // signed 5-bit (Booth) digits of k G: +16 and -16 digits, a carry into the top window
        (1n << 255n) | (1n << 254n), 1n << 254n, BigInt('0b' + '10000'.repeat(51)), BigInt('0b' + '11111'.repeat(51)), BigInt('0b' + '01111'.repeat(51)),
        ...Array.from({ length: 8 }, (_, i) => BigInt('0x' + crypto.createHash('sha256').update(`k${i}`).digest('hex')) % (N - 1n) + 1n)];
      for (const k of ks) {
        const R = ptMul(P256, k, G)!;
        expect(toHex(w.p256PublicKey(be32(k)))).toBe('04' + R.x.toString(16).padStart(64, '0') + R.y.toString(16).padStart(64, '0'));
        const Z = ptMul(P256, k, Q)!;
        expect(toHex(w.p256Ecdh(be32(k), qPub))).toBe(Z.x.toString(16).padStart(64, '0'));
        // signing with nonce k: r = x(k G) mod n
        const rs = w.ecdsaSignDigestWithNonce(be32(Qd), sha256('edge'), be32(k));
        expect(toHex(rs!.subarray(0, 32))).toBe((R.x % N).toString(16).padStart(64, '0'));
        expect(w.ecdsaVerifyDigest(qPub, sha256('edge'), rs)).toBe(true);
      }
    });

    it('rejects private keys outside [1, n-1]', () => {
      for (const d of [0n, N, N + 1n, (1n << 256n) - 1n]) {
        expect(w.p256PublicKey(be32(d))).toBeNull();
        expect(w.ecdsaSignDigest(be32(d), sha256('x'))).toBeNull();
        expect(w.p256Ecdh(be32(d), hex('04' + UX + UY))).toBeNull();
      }
      expect(toHex(w.p256PublicKey(be32(1n)))).toBe('046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5');
      expect(w.p256PublicKey(be32(N - 1n))).not.toBeNull();
    });
  });
}

describe('crypto.ecdsa-p256 and p256-ecdh through the component', () => {
  it('signs DER that node:crypto verifies, verifies node DER signatures, agrees on ECDH', () => {
    for (let i = 0; i < 2500; i++) {
      const a = nodeKey(), b = nodeKey();
      const msg = crypto.randomBytes(i % 100);
      const sig = ecdsaP256Sign(a.d, msg);
      expect(crypto.verify('sha256', msg, a.publicKey, sig)).toBe(true);
      const theirs = crypto.sign('sha256', msg, a.privateKey);
      expect(ecdsaP256Verify(a.pub, msg, theirs)).toBe(true);
      expect(ecdsaP256Verify(a.pub, Buffer.concat([msg, hex('00')]), theirs)).toBe(false);
      expect(ecdsaP256Verify(b.pub, msg, theirs)).toBe(false);
      if (i % 4 === 0) {
        expect(toHex(p256PublicKey(a.d))).toBe(toHex(a.pub));
        expect(toHex(p256Ecdh(a.d, b.pub))).toBe(toHex(b.ecdh.computeSecret(a.pub)));
      }
    }
  });

  it('verifies DER signatures whose R has x(R) >= n (issue 14)', () => {
    let seed = 100;
    for (const xR of [...largeXs(P256, 2, true), ...largeXs(P256, 2, false)]) {
      const v = largeXVector(P256, xR, seed++);
      expect(ecdsaP256Verify(v.pub, v.msg, refDer(v.rs, 32))).toBe(true);
      expect(crypto.verify('sha256', v.msg, v.publicKey, refDer(v.rs, 32))).toBe(true);
      expect(ecdsaP256Verify(v.pub, v.msg, refDer(v.rsUnreduced, 32))).toBe(false);
    }
  });

  it('throws typed errors for invalid keys', () => {
    const a = nodeKey();
    const bad = Buffer.from(a.pub); bad[64] ^= 1;
    expect(() => p256Ecdh(a.d, bad)).toThrow(PublicKeyError);
    try { p256Ecdh(a.d, bad); } catch (e) { expect((e as PublicKeyError).kind).toBe('invalid-public-key'); }
    try { ecdsaP256Sign(new Uint8Array(32), hex('00')); } catch (e) { expect((e as PublicKeyError).kind).toBe('invalid-private-key'); }
    expect(() => ecdsaP256Sign(new Uint8Array(32), hex('00'))).toThrow(PublicKeyError);
    expect(() => p256PublicKey(new Uint8Array(31))).toThrow(PublicKeyError);
  });

  it('does not modify its inputs', () => {
    const a = nodeKey();
    const d = Buffer.from(a.d), msg = crypto.randomBytes(50), m2 = Buffer.from(msg);
    const sig = ecdsaP256Sign(d, msg);
    const s2 = Buffer.from(sig);
    ecdsaP256Verify(a.pub, msg, sig);
    expect(Buffer.compare(d, a.d)).toBe(0);
    expect(Buffer.compare(msg, m2)).toBe(0);
    expect(Buffer.compare(Buffer.from(sig), s2)).toBe(0);
  });
});
