// Reference short-Weierstrass arithmetic in BigInt (slow, obvious, test-only)
// for building ECDSA vectors that random signing almost never produces: a
// signature whose point R = u1 G + u2 Q has x(R) >= n, so that SEC 1 §4.1.4
// step 7 (and FIPS 186-5 §6.4.2 step 7) must compare x(R) mod n, not x(R),
// with r.
//
// Construction (issue 14): pick R on the curve with n <= x(R) < p, set
// r = x(R) - n, choose s and the digest e, and solve for the public key
// Q = r^-1 (s R - e G). Then u1 G + u2 Q = s^-1 (e G + r Q) = s^-1 (s R) = R.
import crypto from 'node:crypto';

export interface Curve {
  name: 'P-256' | 'P-384';
  size: number; // bytes per coordinate / scalar
  hash: 'sha256' | 'sha384';
  p: bigint;
  n: bigint;
  b: bigint; // a = -3
  gx: bigint;
  gy: bigint;
}

export const P256: Curve = {
  name: 'P-256', size: 32, hash: 'sha256',
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

export const P384: Curve = {
  name: 'P-384', size: 48, hash: 'sha384',
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
  n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
  gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
};

type Pt = { x: bigint; y: bigint } | null; // null = the identity

export const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

export function powMod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b = mod(b, m);
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
  }
  return r;
}

/** a^-1 mod m for gcd(a, m) = 1 (extended Euclid). */
export function invMod(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return mod(s0, m);
}

export function ptAdd(c: Curve, a: Pt, b: Pt): Pt {
  if (a === null) return b;
  if (b === null) return a;
  const { p } = c;
  let l: bigint;
  if (a.x === b.x) {
    if (mod(a.y + b.y, p) === 0n) return null;
    l = mod((3n * a.x * a.x - 3n) * invMod(2n * a.y, p), p);
  } else {
    l = mod((b.y - a.y) * invMod(b.x - a.x, p), p);
  }
  const x = mod(l * l - a.x - b.x, p);
  return { x, y: mod(l * (a.x - x) - a.y, p) };
}

export function ptMul(c: Curve, k: bigint, a: Pt): Pt {
  let r: Pt = null;
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    r = ptAdd(c, r, r);
    if ((k >> i) & 1n) r = ptAdd(c, r, a);
  }
  return r;
}

/** y with y^2 = x^3 - 3x + b, or null when x is not the abscissa of a point (p = 3 mod 4 for both curves). */
export function liftX(c: Curve, x: bigint): bigint | null {
  const rhs = mod(x * x * x - 3n * x + c.b, c.p);
  const y = powMod(rhs, (c.p + 1n) / 4n, c.p);
  return (y * y) % c.p === rhs ? y : null;
}

export const beBytes = (x: bigint, len: number) => Uint8Array.from(Buffer.from(x.toString(16).padStart(2 * len, '0'), 'hex'));
export const beInt = (u: Uint8Array) => BigInt('0x' + (Buffer.from(u).toString('hex') || '0'));

export interface LargeXVector {
  /** x(R), in [n, p) */
  xR: bigint;
  msg: Buffer;
  digest: Buffer;
  /** 04 ‖ x ‖ y */
  pub: Uint8Array;
  /** the valid signature r ‖ s, r = x(R) - n */
  rs: Uint8Array;
  /** the same s with r = x(R) unreduced (>= n: out of range, must be rejected) */
  rsUnreduced: Uint8Array;
  /** node:crypto's public KeyObject for the same key */
  publicKey: crypto.KeyObject;
}

/**
 * Candidate abscissas in [n, p) that lie on the curve: from the top (p - 1,
 * p - 2, ...: r = x - n just below p - n, the largest r for which the rule
 * matters) when `fromTop`, else from the bottom (n + 1, n + 2, ...: small r;
 * x = n would give r = 0).
 */
export function largeXs(c: Curve, count: number, fromTop: boolean): bigint[] {
  const out: bigint[] = [];
  for (let k = 0n; out.length < count; k++) {
    const x = fromTop ? c.p - 1n - k : c.n + 1n + k;
    if (liftX(c, x) !== null) out.push(x);
  }
  return out;
}

/** An ECDSA signature over `msg` (hashed with the curve's hash) whose R has abscissa xR >= n. */
export function largeXVector(c: Curve, xR: bigint, seed: number): LargeXVector {
  const { n, size } = c;
  const yR = liftX(c, xR)!;
  const R = { x: xR, y: seed & 1 ? c.p - yR : yR };
  const msg = Buffer.from(`issue 14, x(R) >= n, ${c.name}, vector ${seed}`);
  const digest = crypto.createHash(c.hash).update(msg).digest();
  const e = mod(beInt(digest), n); // digest length = bit length of n: no truncation
  const s = mod(beInt(crypto.createHash('sha512').update(`s ${seed}`).digest()), n - 1n) + 1n;
  const r = xR - n;
  // Q = r^-1 (s R - e G)
  const sR = ptMul(c, s, R);
  const eG = ptMul(c, e, { x: c.gx, y: c.gy });
  const Q = ptMul(c, invMod(r, n), ptAdd(c, sR, eG === null ? null : { x: eG.x, y: mod(-eG.y, c.p) }));
  if (Q === null) throw new Error('degenerate vector');
  const pub = Uint8Array.from([4, ...beBytes(Q.x, size), ...beBytes(Q.y, size)]);
  const rs = Uint8Array.from([...beBytes(r, size), ...beBytes(s, size)]);
  const rsUnreduced = Uint8Array.from([...beBytes(xR, size), ...beBytes(s, size)]);
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64url');
  const publicKey = crypto.createPublicKey({
    key: { kty: 'EC', crv: c.name, x: b64(beBytes(Q.x, size)), y: b64(beBytes(Q.y, size)) }, format: 'jwk',
  });
  return { xR, msg, digest, pub, rs, rsUnreduced, publicKey };
}

/** The reference verifier (FIPS 186-5 §6.4.2), to check the vectors themselves. */
export function refVerify(c: Curve, pub: Uint8Array, digest: Uint8Array, rs: Uint8Array): boolean {
  const { n, size } = c;
  const r = beInt(rs.subarray(0, size)), s = beInt(rs.subarray(size));
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const Q = { x: beInt(pub.subarray(1, 1 + size)), y: beInt(pub.subarray(1 + size)) };
  const e = mod(beInt(digest.subarray(0, size)), n);
  const w = invMod(s, n);
  const R = ptAdd(c, ptMul(c, mod(e * w, n), { x: c.gx, y: c.gy }), ptMul(c, mod(r * w, n), Q));
  return R !== null && mod(R.x, n) === r;
}

/** DER Ecdsa-Sig-Value (RFC 3279 §2.2.3) of r ‖ s with `size`-byte scalars. */
export function refDer(rs: Uint8Array, size: number): Buffer {
  const int = (v: Uint8Array) => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    let body = Buffer.from(v.subarray(i));
    if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const body = Buffer.concat([int(rs.subarray(0, size)), int(rs.subarray(size))]);
  const len = body.length < 128 ? [body.length] : [0x81, body.length];
  return Buffer.concat([Buffer.from([0x30, ...len]), body]);
}
