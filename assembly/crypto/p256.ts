// P-256 (secp256r1; FIPS 186-5, SEC 2 §2.4.2): public keys, ECDH (SEC 1 §3.3.1)
// and ECDSA over SHA-256 digests (FIPS 186-5 §6.4).
//
// Points are in homogeneous projective coordinates (X:Y:Z), y = Y/Z, x = X/Z,
// field elements in Montgomery form (p256_field.ts); the identity is (0:1:0).
// Addition and doubling are the complete formulas of Renes, Costello and
// Batina ("Complete addition formulas for prime order elliptic curves",
// 2016, Algorithms 4 and 6, a = -3): no exceptional cases, so the same
// instructions run for P + Q, P + P, P + O.
//
// Constant time where secrets are involved (signing, ECDH, key generation):
// scalar multiplication is a fixed 4-bit window over all 64 digits of the
// scalar; each digit selects its table entry by scanning all 16 entries with
// masks (no secret index), and the addition happens whatever the digit.
// Verification only handles public values and skips zero digits.

import {
  P_R2, P_ONE, P_B, P_GX, P_GY, fpMul, fpSq, fpAdd, fpSub, fpSelect, fpIsZeroMask, fpInv, fpFromBytes, fpToBytes,
} from "./p256_field";
import {
  N, fnMul, fnAdd, fnToMont, fnInv, fnFromBytesReduce, fnFromBytesChecked, fnToBytes, fnIsZeroMask,
} from "./p256_scalar";
import { bnCmp, bnLtMask } from "./bignum";
import { randomBytes } from "./random";
import { hmac } from "./hmac";
import { HashAlg } from "./hash";

/** Bytes of a projective point (3 field elements). */
const PT_SIZE: usize = 96;
const Y_OFF: usize = 32;
const Z_OFF: usize = 64;

// Scratch (all static: nothing allocated per call)
const T0: usize = memory.data(32, 8);
const T1: usize = memory.data(32, 8);
const T2: usize = memory.data(32, 8);
const T3: usize = memory.data(32, 8);
const T4: usize = memory.data(32, 8);
const RX: usize = memory.data(32, 8);
const RY: usize = memory.data(32, 8);
const RZ: usize = memory.data(32, 8);

function pointSetInfinity(o: usize): void {
  memory.fill(o, 0, PT_SIZE);
  memory.copy(o + Y_OFF, P_ONE, 32);
}

/** o = a + b (complete; RCB Algorithm 4). o may alias a or b. */
export function pointAdd(o: usize, a: usize, b: usize): void {
  const X1 = a, Y1 = a + Y_OFF, Z1 = a + Z_OFF;
  const X2 = b, Y2 = b + Y_OFF, Z2 = b + Z_OFF;
  const t0 = T0, t1 = T1, t2 = T2, t3 = T3, t4 = T4, X3 = RX, Y3 = RY, Z3 = RZ;
  fpMul(t0, X1, X2);
  fpMul(t1, Y1, Y2);
  fpMul(t2, Z1, Z2);
  fpAdd(t3, X1, Y1);
  fpAdd(t4, X2, Y2);
  fpMul(t3, t3, t4);
  fpAdd(t4, t0, t1);
  fpSub(t3, t3, t4);
  fpAdd(t4, Y1, Z1);
  fpAdd(X3, Y2, Z2);
  fpMul(t4, t4, X3);
  fpAdd(X3, t1, t2);
  fpSub(t4, t4, X3);
  fpAdd(X3, X1, Z1);
  fpAdd(Y3, X2, Z2);
  fpMul(X3, X3, Y3);
  fpAdd(Y3, t0, t2);
  fpSub(Y3, X3, Y3);
  fpMul(Z3, P_B, t2);
  fpSub(X3, Y3, Z3);
  fpAdd(Z3, X3, X3);
  fpAdd(X3, X3, Z3);
  fpSub(Z3, t1, X3);
  fpAdd(X3, t1, X3);
  fpMul(Y3, P_B, Y3);
  fpAdd(t1, t2, t2);
  fpAdd(t2, t1, t2);
  fpSub(Y3, Y3, t2);
  fpSub(Y3, Y3, t0);
  fpAdd(t1, Y3, Y3);
  fpAdd(Y3, t1, Y3);
  fpAdd(t1, t0, t0);
  fpAdd(t0, t1, t0);
  fpSub(t0, t0, t2);
  fpMul(t1, t4, Y3);
  fpMul(t2, t0, Y3);
  fpMul(Y3, X3, Z3);
  fpAdd(Y3, Y3, t2);
  fpMul(X3, t3, X3);
  fpSub(X3, X3, t1);
  fpMul(Z3, t4, Z3);
  fpMul(t1, t3, t0);
  fpAdd(Z3, Z3, t1);
  memory.copy(o, X3, 32);
  memory.copy(o + Y_OFF, Y3, 32);
  memory.copy(o + Z_OFF, Z3, 32);
}

/** o = 2 a (complete; RCB Algorithm 6). o may alias a. */
export function pointDouble(o: usize, a: usize): void {
  const X = a, Y = a + Y_OFF, Z = a + Z_OFF;
  const t0 = T0, t1 = T1, t2 = T2, t3 = T3, X3 = RX, Y3 = RY, Z3 = RZ;
  fpSq(t0, X);
  fpSq(t1, Y);
  fpSq(t2, Z);
  fpMul(t3, X, Y);
  fpAdd(t3, t3, t3);
  fpMul(Z3, X, Z);
  fpAdd(Z3, Z3, Z3);
  fpMul(Y3, P_B, t2);
  fpSub(Y3, Y3, Z3);
  fpAdd(X3, Y3, Y3);
  fpAdd(Y3, X3, Y3);
  fpSub(X3, t1, Y3);
  fpAdd(Y3, t1, Y3);
  fpMul(Y3, X3, Y3);
  fpMul(X3, X3, t3);
  fpAdd(t3, t2, t2);
  fpAdd(t2, t2, t3);
  fpMul(Z3, P_B, Z3);
  fpSub(Z3, Z3, t2);
  fpSub(Z3, Z3, t0);
  fpAdd(t3, Z3, Z3);
  fpAdd(Z3, Z3, t3);
  fpAdd(t3, t0, t0);
  fpAdd(t0, t3, t0);
  fpSub(t0, t0, t2);
  fpMul(t0, t0, Z3);
  fpAdd(Y3, Y3, t0);
  fpMul(t0, Y, Z);
  fpAdd(t0, t0, t0);
  fpMul(Z3, t0, Z3);
  fpSub(X3, X3, Z3);
  fpMul(Z3, t0, t1);
  fpAdd(Z3, Z3, Z3);
  fpAdd(Z3, Z3, Z3);
  memory.copy(o, X3, 32);
  memory.copy(o + Y_OFF, Y3, 32);
  memory.copy(o + Z_OFF, Z3, 32);
}

// Window tables: 16 points each.
const TABLE_A: usize = memory.data(16 * <i32>PT_SIZE, 8);
const TABLE_B: usize = memory.data(16 * <i32>PT_SIZE, 8);
const ACC: usize = memory.data(<i32>PT_SIZE, 8);
const SEL: usize = memory.data(<i32>PT_SIZE, 8);
const BASE: usize = memory.data(<i32>PT_SIZE, 8);

/** table[i] = i P for i = 0..15 */
function buildTable(table: usize, p: usize): void {
  pointSetInfinity(table);
  memory.copy(table + PT_SIZE, p, PT_SIZE);
  for (let i: usize = 2; i < 16; i++) {
    if ((i & 1) == 0) pointDouble(table + i * PT_SIZE, table + (i >> 1) * PT_SIZE);
    else pointAdd(table + i * PT_SIZE, table + (i - 1) * PT_SIZE, p);
  }
}

/** CT: out = table[idx], reading every entry (mask selection, no secret index). */
function tableLookup(out: usize, table: usize, idx: u32): void {
  memory.fill(out, 0, PT_SIZE);
  for (let i: u32 = 0; i < 16; i++) {
    const mask: u64 = <u64>0 - (<u64>((<u32>(i ^ idx) - 1) >> 31) & 1); // all ones iff i == idx (idx < 16)
    const e = table + <usize>i * PT_SIZE;
    for (let j: usize = 0; j < PT_SIZE; j += 8) store<u64>(out + j, load<u64>(out + j) | (load<u64>(e + j) & mask));
  }
}

// Digit w (0 = least significant) of a 32-byte big-endian scalar, 4 bits.
@inline function nibble(k: usize, w: i32): u32 {
  const b = <u32>load<u8>(k + <usize>(31 - (w >> 1))); // public address
  return (b >> (<u32>(w & 1) << 2)) & 15;
}

/** CT: out = k P for a 32-byte big-endian scalar k (any value) and a point P (projective). */
function scalarMulCT(out: usize, k: usize, p: usize): void {
  buildTable(TABLE_A, p);
  pointSetInfinity(ACC);
  for (let w = 63; w >= 0; w--) {
    if (w != 63) { // public loop structure
      pointDouble(ACC, ACC); pointDouble(ACC, ACC); pointDouble(ACC, ACC); pointDouble(ACC, ACC);
    }
    tableLookup(SEL, TABLE_A, nibble(k, w));
    pointAdd(ACC, ACC, SEL);
  }
  memory.copy(out, ACC, PT_SIZE);
}

const ZINV: usize = memory.data(32, 8);

/** Affine (x, y) as 32-byte big-endian strings; returns false for the identity. Constant time. */
function toAffineBytes(x: usize, y: usize, p: usize): bool {
  const infinity = fpIsZeroMask(p + Z_OFF);
  fpInv(ZINV, p + Z_OFF);
  fpMul(T0, p, ZINV);
  fpToBytes(x, T0);
  if (y != 0) {
    fpMul(T0, p + Y_OFF, ZINV);
    fpToBytes(y, T0);
  }
  return infinity == 0;
}

const PX: usize = memory.data(32, 8);
const PY: usize = memory.data(32, 8);

/**
 * Decodes an uncompressed public key 0x04 ‖ x ‖ y (SEC 1 §2.3.4) into a
 * projective point, with the checks of SEC 1 §3.2.2.1: coordinates < p, on
 * the curve y^2 = x^3 - 3x + b. (The identity has no such encoding; the
 * cofactor is 1, so every curve point is in the group.) Public data.
 */
function decodePoint(out: usize, pub: usize, pubLen: usize): bool {
  if (pubLen != 65 || load<u8>(pub) != 0x04) return false;
  const okX = fpFromBytes(PX, pub + 1);
  const okY = fpFromBytes(PY, pub + 33);
  if (!okX || !okY) return false;
  // y^2 == x^3 - 3x + b
  fpSq(T0, PY);
  fpSq(T1, PX);
  fpMul(T1, T1, PX);
  fpAdd(T2, PX, PX);
  fpAdd(T2, T2, PX);
  fpSub(T1, T1, T2);
  fpAdd(T1, T1, P_B);
  fpSub(T0, T0, T1);
  if (fpIsZeroMask(T0) == 0) return false;
  memory.copy(out, PX, 32);
  memory.copy(out + Y_OFF, PY, 32);
  memory.copy(out + Z_OFF, P_ONE, 32);
  return true;
}

function setBase(out: usize): void {
  memory.copy(out, P_GX, 32);
  memory.copy(out + Y_OFF, P_GY, 32);
  memory.copy(out + Z_OFF, P_ONE, 32);
}

const D: usize = memory.data(32, 8);
const Q: usize = memory.data(<i32>PT_SIZE, 8);

/** True when the 32-byte big-endian private key is in [1, n-1]. */
export function p256PrivateKeyValid(priv32: usize): bool {
  const ok = fnFromBytesChecked(D, priv32);
  memory.fill(D, 0, 32);
  return ok;
}

/** out65 = 0x04 ‖ x ‖ y of priv32 · G; false when the private key is not in [1, n-1]. */
export function p256PublicKey(out65: usize, priv32: usize): bool {
  if (!fnFromBytesChecked(D, priv32)) return false; // validity of a key is not a secret worth hiding
  setBase(BASE);
  scalarMulCT(Q, priv32, BASE);
  store<u8>(out65, 0x04);
  return toAffineBytes(out65 + 1, out65 + 33, Q);
}

/**
 * SEC 1 §3.3.1 (ECDH primitive): out32 = x-coordinate of priv32 · pub.
 * Validates the peer's point first (SEC 1 §3.2.2.1); false for an invalid
 * point or private key, or an identity result.
 */
export function p256Ecdh(out32: usize, priv32: usize, pub: usize, pubLen: usize): bool {
  if (!fnFromBytesChecked(D, priv32)) return false;
  if (!decodePoint(BASE, pub, pubLen)) return false;
  scalarMulCT(Q, priv32, BASE);
  return toAffineBytes(out32, 0, Q);
}

// ECDSA scratch
const K: usize = memory.data(32, 8);
const KN: usize = memory.data(32, 8);
const E: usize = memory.data(32, 8);
const R: usize = memory.data(32, 8);
const S: usize = memory.data(32, 8);
const W: usize = memory.data(32, 8);
const XB: usize = memory.data(32, 8);

/**
 * ECDSA signature generation (FIPS 186-5 §6.4.1) with a caller-chosen nonce
 * k (32 bytes big-endian, must be in [1, n-1]). outRS64 = r ‖ s. Returns
 * false when k or the key is out of range or r or s comes out zero (the
 * caller then picks another k). Constant time in priv32 and k.
 */
export function ecdsaP256SignDigestWithNonce(outRS64: usize, priv32: usize, digest32: usize, k32: usize): bool {
  if (!fnFromBytesChecked(D, priv32)) return false;
  if (!fnFromBytesChecked(KN, k32)) return false;
  // R = k G; r = x_R mod n
  setBase(BASE);
  scalarMulCT(Q, k32, BASE);
  if (!toAffineBytes(XB, 0, Q)) return false;
  fnFromBytesReduce(R, XB);
  // e = the digest (256 bits = the bit length of n) mod n
  fnFromBytesReduce(E, digest32);
  // s = k^-1 (e + r d) mod n
  fnToMont(W, R);
  fnMul(W, W, D);        // r d (plain)
  fnAdd(W, W, E);        // e + r d
  fnToMont(KN, KN);
  fnInv(KN, KN);         // k^-1 R
  fnMul(S, KN, W);       // k^-1 (e + r d) (plain)
  memory.fill(KN, 0, 32);
  memory.fill(D, 0, 32);
  const bad = fnIsZeroMask(R) | fnIsZeroMask(S);
  fnToBytes(outRS64, R);
  fnToBytes(outRS64 + 32, S);
  return bad == 0;
}

// RFC 6979 §3.2 state (HMAC-SHA256: hlen = qlen = 256, so bits2int is the identity on 32 bytes)
const V: usize = memory.data(32, 8);
const HK: usize = memory.data(32, 8);
const MSG: usize = memory.data(32 + 1 + 32 + 32 + 32, 8); // V ‖ byte ‖ int2octets(x) ‖ bits2octets(h1) ‖ k'
const EXTRA: usize = memory.data(32, 8);

/**
 * RFC 6979 §3.2 nonce for P-256 with HMAC-SHA256, with optional additional
 * data k' (§3.6: hedges the deterministic nonce with fresh randomness). The
 * candidate T is accepted when 1 <= k < n (step h.3); the loop runs again
 * with probability ~2^-32, which reveals nothing useful about the key.
 */
export function rfc6979Nonce(k32: usize, priv32: usize, digest32: usize, extra: usize, extraLen: usize): void {
  // a. h1 = digest; bits2octets(h1) = (h1 mod q) as 32 bytes
  fnFromBytesReduce(E, digest32);
  memory.copy(MSG + 33, priv32, 32);              // int2octets(x)
  fnToBytes(MSG + 65, E);                         // bits2octets(h1)
  if (extraLen != 0) memory.copy(MSG + 97, extra, extraLen);
  const seedLen = 97 + extraLen;
  // b. V = 0x01 0x01 ... ; c. K = 0x00 0x00 ...
  memory.fill(V, 0x01, 32);
  memory.fill(HK, 0x00, 32);
  // d. K = HMAC_K(V ‖ 0x00 ‖ int2octets(x) ‖ bits2octets(h1) [‖ k']); e. V = HMAC_K(V)
  memory.copy(MSG, V, 32); store<u8>(MSG + 32, 0x00);
  hmac(HashAlg.SHA256, HK, 32, MSG, seedLen, HK);
  hmac(HashAlg.SHA256, HK, 32, V, 32, V);
  // f. K = HMAC_K(V ‖ 0x01 ‖ int2octets(x) ‖ bits2octets(h1) [‖ k']); g. V = HMAC_K(V)
  memory.copy(MSG, V, 32); store<u8>(MSG + 32, 0x01);
  hmac(HashAlg.SHA256, HK, 32, MSG, seedLen, HK);
  hmac(HashAlg.SHA256, HK, 32, V, 32, V);
  // h. generate T = V = HMAC_K(V) until 1 <= bits2int(T) < q
  while (true) {
    hmac(HashAlg.SHA256, HK, 32, V, 32, V);
    memory.copy(k32, V, 32);
    if (fnFromBytesChecked(W, k32)) break;
    memory.copy(MSG, V, 32); store<u8>(MSG + 32, 0x00);
    hmac(HashAlg.SHA256, HK, 32, MSG, 33, HK);      // K = HMAC_K(V ‖ 0x00)
    hmac(HashAlg.SHA256, HK, 32, V, 32, V);         // V = HMAC_K(V)
  }
  memory.fill(MSG, 0, 129);
  memory.fill(HK, 0, 32);
  memory.fill(V, 0, 32);
}

/**
 * ECDSA signature generation with the RFC 6979 deterministic nonce (no
 * randomness: same key and digest, same signature). For known-answer tests
 * and for callers that want determinism; ecdsaP256SignDigest hedges it.
 */
export function ecdsaP256SignDigestDeterministic(outRS64: usize, priv32: usize, digest32: usize): bool {
  if (!fnFromBytesChecked(D, priv32)) return false;
  rfc6979Nonce(K, priv32, digest32, 0, 0);
  const ok = ecdsaP256SignDigestWithNonce(outRS64, priv32, digest32, K);
  memory.fill(K, 0, 32);
  return ok;
}

/**
 * ECDSA signature generation (FIPS 186-5 §6.4.1): outRS64 = r ‖ s; false for
 * a private key not in [1, n-1]. The nonce is RFC 6979's, hedged with 32
 * fresh random bytes as k' (§3.6): a broken random source still gives a
 * safe deterministic nonce, and a fault cannot repeat a nonce across
 * different messages.
 */
export function ecdsaP256SignDigest(outRS64: usize, priv32: usize, digest32: usize): bool {
  if (!fnFromBytesChecked(D, priv32)) return false;
  for (let attempt = 0; attempt < 64; attempt++) { // r or s = 0 has probability ~2^-255
    randomBytes(EXTRA, 32);
    rfc6979Nonce(K, priv32, digest32, EXTRA, 32);
    if (ecdsaP256SignDigestWithNonce(outRS64, priv32, digest32, K)) { memory.fill(K, 0, 32); return true; }
  }
  memory.fill(K, 0, 32);
  return false;
}

const TABLE_G_READY: usize = memory.data(4, 4);
const U1: usize = memory.data(32, 8);
const U2: usize = memory.data(32, 8);
const U1B: usize = memory.data(32, 8);
const U2B: usize = memory.data(32, 8);
const P_MINUS_N: usize = memory.data<u32>([0x039cdaae, 0x0c46353d, 0x58e8617b, 0x43190552, 0, 0, 0, 0], 8);

/**
 * ECDSA signature verification (FIPS 186-5 §6.4.2) of r ‖ s over a SHA-256
 * digest with an uncompressed public key. Public data: variable time.
 */
export function ecdsaP256VerifyDigest(pub: usize, pubLen: usize, digest32: usize, rs64: usize): bool {
  // 1. r and s in [1, n-1]
  if (!fnFromBytesChecked(R, rs64)) return false;
  if (!fnFromBytesChecked(S, rs64 + 32)) return false;
  // the public key is a valid point (not the identity: it has no encoding)
  if (!decodePoint(Q, pub, pubLen)) return false;
  // 3. e = digest mod n; 4. w = s^-1; 5. u1 = e w, u2 = r w
  fnFromBytesReduce(E, digest32);
  fnToMont(W, S);
  fnInv(W, W);
  fnMul(U1, W, E);
  fnMul(U2, W, R);
  fnToBytes(U1B, U1);
  fnToBytes(U2B, U2);
  // 6. R' = u1 G + u2 Q (Shamir's trick over 4-bit windows; zero digits skipped)
  if (load<u32>(TABLE_G_READY) == 0) {
    setBase(BASE);
    buildTable(TABLE_B, BASE);
    store<u32>(TABLE_G_READY, 1);
  }
  buildTable(TABLE_A, Q);
  pointSetInfinity(ACC);
  for (let w = 63; w >= 0; w--) {
    if (w != 63) { pointDouble(ACC, ACC); pointDouble(ACC, ACC); pointDouble(ACC, ACC); pointDouble(ACC, ACC); }
    const d1 = nibble(U1B, w), d2 = nibble(U2B, w);
    if (d1 != 0) pointAdd(ACC, ACC, TABLE_B + <usize>d1 * PT_SIZE);
    if (d2 != 0) pointAdd(ACC, ACC, TABLE_A + <usize>d2 * PT_SIZE);
  }
  // 7. reject the identity
  if (fpIsZeroMask(ACC + Z_OFF) != 0) return false;
  // 8. x_R' mod n == r, without an inversion: X == r Z, or X == (r + n) Z when r + n < p
  fpFromBytes(T3, rs64);           // r < n < p: canonical
  fpMul(T4, T3, ACC + Z_OFF);
  if (bnCmp(T4, ACC, 8) == 0) return true;
  if (bnLtMask(R, P_MINUS_N, 8) != 0) {
    // r + n as a field element: (r + n) Z = r Z + n Z
    memory.copy(XB, N, 32);        // n < p: canonical in plain form
    fpMul(T2, XB, P_R2);
    fpMul(T2, T2, ACC + Z_OFF);
    fpAdd(T4, T4, T2);
    if (bnCmp(T4, ACC, 8) == 0) return true;
  }
  return false;
}

