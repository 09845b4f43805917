import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { generateKeyPair } from '../helpers/node-keys.mjs';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { P384, largeXs, largeXVector, refVerify } from './ec_ref.js';
import { hex } from '../helpers/hex.js';

const N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn;
const be48 = (x: bigint) => hex(x.toString(16).padStart(96, '0'));
const digest = (alg: string, m: string | Uint8Array) => crypto.createHash(alg).update(m).digest();

// RFC 6979 A.2.6: the P-384 public key and its signatures of "sample" and "test" with SHA-384 and SHA-256
const PUB = hex('04' + 'ec3a4e415b4e19a4568618029f427fa5da9a8bc4ae92e02e06aae5286b300c64def8f0ea9055866064a254515480bc13'
  + '8015d9b72d7d57244ea8ef9ac0c621896708a59367f9dfb9f54ca84b3f1c9db1288b231c3ae0d4fe7344fd2533264720');
const A26: [string, string, string, string][] = [
  ['sha384', 'sample', '94edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c81a648152e44acf96e36dd1e80fabe46',
    '99ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94fa329c145786e679e7b82c71a38628ac8'],
  ['sha256', 'sample', '21b13d1e013c7fa1392d03c5f99af8b30c570c6f98d4ea8e354b63a21d3daa33bde1e888e63355d92fa2b3c36d8fb2cd',
    'f3aa443fb107745bf4bd77cb3891674632068a10ca67e3d45db2266fa7d1feebefdc63eccd1ac42ec0cb8668a4fa0ab0'],
  ['sha384', 'test', '8203b63d3c853e8d77227fb377bcf7b7b772e97892a80f36ab775d509d7a5feb0542a7f0812998da8f1dd3ca3cf023db',
    'ddd0760448d42d8a43af45af836fce4de8be06b485e9b61b827c2f13173923e06a739f040649a667bf3b828246baa5a5'],
  ['sha256', 'test', '6d6defac9ab64dabafe36c6bf510352a4cc27001263638e5b16d9bb51d451559f918eedaf2293be5b475cc8f0188636b',
    '2d46f3becbcc523d5f1a1256bf0c9b024d879ba9e838144c8ba6baeb4b53b47d51ab373f9845c0514eefb14024787265'],
];

function rawPub(publicKey: crypto.KeyObject): Uint8Array {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 97));
}

/** Reference DER of r ‖ s with `size`-byte scalars. */
function derInt(v: Uint8Array): Buffer {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  let body = Buffer.from(v.subarray(i));
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}
function refDer(rs: Uint8Array, size: number): Buffer {
  const body = Buffer.concat([derInt(rs.subarray(0, size)), derInt(rs.subarray(size))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

for (const variant of VARIANTS) {
  describe(`ECDSA P-384 verification (${variant} build)`, async () => {
    const w = await loadTest<any>('crypto_pk', variant);
    // ≥ 2,000 differential cases on the release build; fewer on the (slow) debug build
    const n = variant === 'release' ? 1000 : 60;

    it('verifies the RFC 6979 A.2.6 signatures (SHA-384 and SHA-256) and nothing close to them', () => {
      for (const [alg, msg, r, s] of A26) {
        const d = digest(alg, msg);
        expect(w.ecdsaP384Verify(PUB, d, hex(r + s))).toBe(true);
        expect(w.ecdsaP384VerifyDer(PUB, d, refDer(hex(r + s), 48))).toBe(true);
        expect(w.ecdsaP384Verify(PUB, digest(alg, msg + '.'), hex(r + s))).toBe(false);
        expect(w.ecdsaP384Verify(PUB, d, hex(s + r))).toBe(false);
      }
    });

    it('agrees with node:crypto on signatures over SHA-384 and SHA-256 digests (DER), and on tampering', () => {
      let key = generateKeyPair('ec', { namedCurve: 'P-384' });
      let pub = rawPub(key.publicKey);
      for (let i = 0; i < n; i++) {
        if (i % 4 === 0) { key = generateKeyPair('ec', { namedCurve: 'P-384' }); pub = rawPub(key.publicKey); }
        for (const alg of ['sha384', 'sha256']) {
          const msg = crypto.randomBytes(i % 50);
          const d = digest(alg, msg);
          const der = crypto.sign(alg, msg, { key: key.privateKey, dsaEncoding: 'der' });
          expect(w.ecdsaP384VerifyDer(pub, d, der)).toBe(true);
          const rs = w.sigFromDerSized(der, 48);
          expect(rs).not.toBeNull();
          expect(Buffer.from(refDer(rs, 48)).equals(der)).toBe(true);
          // a flipped digest bit, a flipped signature bit
          const bad = Buffer.from(d); bad[i % d.length] ^= 1 << (i % 8);
          expect(w.ecdsaP384Verify(pub, bad, rs)).toBe(false);
          const badRs = Buffer.from(rs); badRs[(i * 7) % 96] ^= 1 << (i % 8);
          const theirs = crypto.verify(alg, msg, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, badRs);
          expect(w.ecdsaP384Verify(pub, d, badRs)).toBe(theirs);
        }
      }
    });

    it('truncates digests longer than 384 bits to their leftmost bits (FIPS 186-5 §6.4.1)', () => {
      const key = generateKeyPair('ec', { namedCurve: 'P-384' });
      const pub = rawPub(key.publicKey);
      for (let i = 0; i < 10; i++) {
        const msg = crypto.randomBytes(20);
        const rs = crypto.sign('sha512', msg, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
        expect(w.ecdsaP384Verify(pub, digest('sha512', msg), rs)).toBe(true);
      }
    });

    it('rejects r or s equal to 0 or >= n', () => {
      const [alg, msg, r, s] = A26[0];
      const d = digest(alg, msg);
      const rb = BigInt('0x' + r), sb = BigInt('0x' + s);
      for (const [rr, ss] of [[0n, sb], [rb, 0n], [N, sb], [rb, N], [rb + N, sb], [rb, sb + N], [P - 1n, sb], [2n ** 384n - 1n, sb]]) {
        if (rr >= 2n ** 384n || ss >= 2n ** 384n) continue;
        expect(w.ecdsaP384Verify(PUB, d, Buffer.concat([be48(rr), be48(ss)]))).toBe(false);
      }
      // n - s is the other valid s for the same r (ECDSA malleability): accepted, as FIPS 186-5 does
      expect(w.ecdsaP384Verify(PUB, d, Buffer.concat([be48(rb), be48(N - sb)]))).toBe(true);
    });

    // Issue 14: FIPS 186-5 §6.4.2 step 7 compares x(R) mod n with r. For P-384, p - n is
    // about 2^190; vectors with x(R) in [n, p) are constructed (tests/crypto/ec_ref.ts).
    it('accepts signatures whose R has x(R) >= n and rejects r = x(R) unreduced', () => {
      let seed = 0;
      for (const xR of [...largeXs(P384, 4, true), ...largeXs(P384, 3, false)]) {
        const v = largeXVector(P384, xR, seed++);
        expect(v.xR >= N && v.xR < P).toBe(true);
        expect(refVerify(P384, v.pub, v.digest, v.rs)).toBe(true);
        const P1363 = { key: v.publicKey, dsaEncoding: 'ieee-p1363' as const };
        expect(crypto.verify('sha384', v.msg, P1363, v.rs)).toBe(true);
        expect(w.ecdsaP384Verify(v.pub, v.digest, v.rs)).toBe(true);
        expect(crypto.verify('sha384', v.msg, P1363, v.rsUnreduced)).toBe(false);
        expect(w.ecdsaP384Verify(v.pub, v.digest, v.rsUnreduced)).toBe(false);
        const r = BigInt('0x' + Buffer.from(v.rs.subarray(0, 48)).toString('hex'));
        for (const rr of [r - 1n, r + 1n]) {
          if (rr < 1n) continue;
          expect(w.ecdsaP384Verify(v.pub, v.digest, Buffer.concat([be48(rr), v.rs.subarray(48)]))).toBe(false);
        }
      }
    });

    it('rejects public keys that are not valid uncompressed points', () => {
      const [alg, msg, r, s] = A26[0];
      const d = digest(alg, msg), rs = hex(r + s);
      const x = BigInt('0x' + Buffer.from(PUB.subarray(1, 49)).toString('hex'));
      const y = BigInt('0x' + Buffer.from(PUB.subarray(49)).toString('hex'));
      const pt = (px: bigint, py: bigint, tag = 4) => Uint8Array.from([tag, ...be48(px), ...be48(py)]);
      expect(w.ecdsaP384Verify(pt(x, y), d, rs)).toBe(true);
      expect(w.ecdsaP384Verify(pt(x, y + 1n), d, rs)).toBe(false);          // off the curve
      expect(w.ecdsaP384Verify(pt(x, P - y), d, rs)).toBe(false);           // -Q: on the curve, wrong key
      expect(w.ecdsaP384Verify(pt(x + P, y), d, rs)).toBe(false);           // x not reduced (>= p)
      expect(w.ecdsaP384Verify(pt(x, y + P), d, rs)).toBe(false);           // y not reduced
      expect(w.ecdsaP384Verify(pt(0n, 0n), d, rs)).toBe(false);             // "the identity"
      expect(w.ecdsaP384Verify(pt(x, y, 2), d, rs)).toBe(false);            // compressed tag
      expect(w.ecdsaP384Verify(PUB.subarray(0, 96), d, rs)).toBe(false);    // short
      expect(w.ecdsaP384Verify(Uint8Array.from([...PUB, 0]), d, rs)).toBe(false);
      expect(w.ecdsaP384Verify(new Uint8Array(0), d, rs)).toBe(false);
      expect(w.ecdsaP384Verify(PUB, new Uint8Array(0), rs)).toBe(false);
    });

    it('never traps and never accepts random inputs (points, digests of any length, signatures, DER)', () => {
      fc.assert(fc.property(fc.uint8Array({ minLength: 96, maxLength: 98 }), fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ minLength: 96, maxLength: 96 }),
        fc.uint8Array({ maxLength: 110 }), (pub, d, rs, der) => {
          pub[0] = 4;
          expect(w.ecdsaP384Verify(pub, d, rs)).toBe(false);
          expect(w.ecdsaP384Verify(PUB, d, rs)).toBe(false);
          w.sigFromDerSized(der, 48);
        }), { numRuns: variant === 'release' ? 300 : 50 });
    });

    it('parses only strict DER with 48-byte scalars', () => {
      const rs = hex(A26[0][2] + A26[0][3]); // both with the high bit set: 49-byte INTEGERs, 104-byte DER
      const good = refDer(rs, 48);
      expect(good.length).toBe(104);
      expect(Buffer.from(w.sigFromDerSized(good, 48)).equals(Buffer.from(rs))).toBe(true);
      const small = new Uint8Array(96); small[47] = 1; small[95] = 0x7f; // r = 1, s = 127
      expect(Buffer.from(w.sigFromDerSized(refDer(small, 48), 48)).equals(Buffer.from(small))).toBe(true);
      const g = good.toString('hex');
      const bad = [
        '', '31' + g.slice(2), '3081' + g.slice(2), g + '00', g.slice(0, -2),
        '3006020101020101'.replace('3006', '3007'),               // length mismatch
        '30080202000102020001',                                   // (wrong length) and non-minimal zeros
        '3006020200010201' + '01',                                // 00 01: non-minimal
        '300602010102' + '0180',                                  // negative s
        '30050201010200',                                         // empty INTEGER
        refDer(Uint8Array.from([...new Uint8Array(47), 1, ...new Uint8Array(47), 1]), 48).toString('hex').replace(/^30(..)/, (m, l) => '30' + (parseInt(l, 16) + 0).toString(16).padStart(2, '0')) + 'ff',
      ];
      for (const b of bad) expect(w.sigFromDerSized(hex(b), 48)).toBeNull();
      // 49 significant bytes: too large for P-384
      const big = Buffer.concat([Buffer.from([0x02, 49, 0x01]), Buffer.alloc(48, 0x11)]);
      const one = Buffer.from([0x02, 0x01, 0x01]);
      expect(w.sigFromDerSized(Buffer.concat([Buffer.from([0x30, big.length + 3]), big, one]), 48)).toBeNull();
      // the P-256 parser (size 32) rejects a P-384 signature
      expect(w.sigFromDer(good)).toBeNull();
      expect(w.sigFromDerSized(good, 32)).toBeNull();
    });
  });
}
