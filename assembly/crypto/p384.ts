// ECDSA P-384 signature verification (FIPS 186-5 §6.4.2; curve from SP 800-186
// §3.2.1.4, "secp384r1" in SEC 2). Verification only: every input is public,
// so this file is variable time throughout (no secret ever reaches it).
//
// Field and scalar arithmetic are Montgomery multiplication on 12 little-
// endian u32 limbs (R = 2^384): bignum.ts's CIOS, specialised to p for the
// field; points are Jacobian
// (X, Y, Z) with x = X/Z^2, y = Y/Z^3, the identity has Z = 0. u1 G + u2 Q is
// computed with width-5 NAFs of both scalars and Shamir's trick (shared
// doublings) over tables of the odd multiples 1P..15P.

import { bnMontMul, bnFromBytesBE, bnCmp, bnIsZeroMask, bnMontR2, bnSub, bnAdd, montInv32 } from "./bignum";

const L: i32 = 12;             // limbs
const FE: usize = 48;          // bytes per field element
const PT: usize = 3 * FE;      // Jacobian point
const ODD: i32 = 8;            // 1P, 3P, ..., 15P
const W: i32 = 5;              // NAF width
const NAF_LEN: i32 = 386;

// SP 800-186 §3.2.1.4: p = 2^384 - 2^128 - 2^96 + 2^32 - 1, order n, coefficient b (a = -3), base point G.
const P_BE: StaticArray<u8> = hexBytes("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff");
const N_BE: StaticArray<u8> = hexBytes("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973");
const B_BE: StaticArray<u8> = hexBytes("b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef");
const GX_BE: StaticArray<u8> = hexBytes("aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7");
const GY_BE: StaticArray<u8> = hexBytes("3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f");

function hexBytes(s: string): StaticArray<u8> {
  const out = new StaticArray<u8>(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>parseInt(s.substr(i << 1, 2), 16);
  return out;
}

const P: usize = memory.data(48, 8);
const N: usize = memory.data(48, 8);
const P_R2: usize = memory.data(48, 8);   // 2^768 mod p
const N_R2: usize = memory.data(48, 8);   // 2^768 mod n
const P_ONE: usize = memory.data(48, 8);  // R mod p (1 in Montgomery form)
const N_ONE: usize = memory.data(48, 8);
const B_M: usize = memory.data(48, 8);    // b, Montgomery form
const ZERO: usize = memory.data(48, 8);
const N_MINUS_2: usize = memory.data(48, 8);
const P_MINUS_N: usize = memory.data(48, 8);
let pInv: u32 = 0, nInv: u32 = 0;
let ready = false;
let gTable: usize = 0;

// scratch
const R_: usize = memory.data(48, 8);
const S_: usize = memory.data(48, 8);
const E_: usize = memory.data(48, 8);
const WI: usize = memory.data(48, 8);
const U1: usize = memory.data(48, 8);
const U2: usize = memory.data(48, 8);
const Q: usize = memory.data(<i32>PT, 8);
const BASE: usize = memory.data(<i32>PT, 8);
const Q_TAB: usize = memory.data(ODD * <i32>PT, 8);
const ACC: usize = memory.data(<i32>PT, 8);
const NEG: usize = memory.data(<i32>PT, 8);
const TWO_P: usize = memory.data(<i32>PT, 8);
const NAF1: usize = memory.data(NAF_LEN, 8);
const NAF2: usize = memory.data(NAF_LEN, 8);
const KBUF: usize = memory.data(56, 8);
const A0: usize = memory.data(48, 8);
const A1: usize = memory.data(48, 8);
const A2: usize = memory.data(48, 8);
const A3: usize = memory.data(48, 8);
const A4: usize = memory.data(48, 8);
const A5: usize = memory.data(48, 8);
const A6: usize = memory.data(48, 8);
const A7: usize = memory.data(48, 8);
const BYTES: usize = memory.data(48, 8);

const TM: usize = memory.data(56, 8);

/**
 * o = a b R^-1 mod p (Montgomery, R = 2^384), a, b < p; o may alias a or b.
 * bnMontMul specialised to 12 limbs and p: p = -1 mod 2^32, so -p^-1 mod
 * 2^32 = 1 and the quotient digit is the low limb itself.
 */
function fpMul(o: usize, a: usize, b: usize): void {
  const t = TM;
  memory.fill(t, 0, 56);
  const tn = t + 48;
  const a0 = <u64>load<u32>(a);
  for (let i: usize = 0; i < 12; i++) {
    const bi = <u64>load<u32>(b + (i << 2));
    let c1: u64 = <u64>load<u32>(t) + a0 * bi;
    const q = c1 & 0xffffffff;                    // q = t0 * 1 mod 2^32
    let c2: u64 = (q + q * 0xffffffff) >> 32;     // p[0] = 0xffffffff; the low word vanishes
    c1 >>= 32;
    for (let j: usize = 1; j < 12; j++) {
      const off = j << 2;
      c1 += <u64>load<u32>(t + off) + <u64>load<u32>(a + off) * bi;
      c2 += (c1 & 0xffffffff) + q * <u64>load<u32>(P + off);
      store<u32>(t + off - 4, <u32>c2);
      c1 >>= 32;
      c2 >>= 32;
    }
    c1 += <u64>load<u32>(tn);
    c2 += c1 & 0xffffffff;
    store<u32>(tn - 4, <u32>c2);
    store<u32>(tn, <u32>((c1 >> 32) + (c2 >> 32)));
  }
  // t < 2p: subtract p when t >= p (public data: a branch is fine)
  if (load<u32>(tn) != 0 || bnCmp(t, P, L) >= 0) bnSub(o, t, P, L);
  else memory.copy(o, t, 48);
}
@inline function fpSq(o: usize, a: usize): void { fpMul(o, a, a); }

/** o = a + b mod p, a, b < p (variable time). */
function fpAdd(o: usize, a: usize, b: usize): void {
  let c: u64 = 0;
  for (let i: usize = 0; i < 12; i++) {
    const off = i << 2;
    c += <u64>load<u32>(a + off) + <u64>load<u32>(b + off);
    store<u32>(o + off, <u32>c);
    c >>= 32;
  }
  if (c != 0 || bnCmp(o, P, L) >= 0) bnSub(o, o, P, L);
}

/** o = a - b mod p, a, b < p (variable time). */
function fpSub(o: usize, a: usize, b: usize): void {
  if (bnSub(o, a, b, L) != 0) bnAdd(o, o, P, L);
}
@inline function isZero(a: usize): bool { return bnIsZeroMask(a, L) != 0; }
@inline function fnMul(o: usize, a: usize, b: usize): void { bnMontMul(o, a, b, N, L, nInv); }

function init(): void {
  if (ready) return;
  bnFromBytesBE(P, L, changetype<usize>(P_BE), 48);
  bnFromBytesBE(N, L, changetype<usize>(N_BE), 48);
  pInv = montInv32(load<u32>(P));
  nInv = montInv32(load<u32>(N));
  bnMontR2(P_R2, P, L, pInv);
  bnMontR2(N_R2, N, L, nInv);
  memory.fill(ZERO, 0, 48);
  memory.fill(A0, 0, 48); store<u32>(A0, 1);
  fpMul(P_ONE, A0, P_R2);           // 1 R^2 R^-1 = R
  fnMul(N_ONE, A0, N_R2);
  bnFromBytesBE(A1, L, changetype<usize>(B_BE), 48);
  fpMul(B_M, A1, P_R2);
  memory.copy(N_MINUS_2, N, 48);
  store<u32>(N_MINUS_2, load<u32>(N) - 2); // n[0] is odd and > 2: no borrow
  bnSub(P_MINUS_N, P, N, L);
  // G in Montgomery Jacobian form
  bnFromBytesBE(A1, L, changetype<usize>(GX_BE), 48);
  fpMul(BASE, A1, P_R2);
  bnFromBytesBE(A1, L, changetype<usize>(GY_BE), 48);
  fpMul(BASE + FE, A1, P_R2);
  memory.copy(BASE + 2 * FE, P_ONE, 48);
  ready = true;
}

/** o = 2 a (Jacobian): dbl-2001-b for a = -3. The identity stays the identity. o may alias a. */
function pointDouble(o: usize, a: usize): void {
  const x = a, y = a + FE, z = a + 2 * FE;
  const delta = A0, gamma = A1, beta = A2, alpha = A3, t = A4;
  fpSq(delta, z);
  fpSq(gamma, y);
  fpMul(beta, x, gamma);
  fpSub(t, x, delta);
  fpAdd(alpha, x, delta);
  fpMul(alpha, alpha, t);
  fpAdd(t, alpha, alpha);
  fpAdd(alpha, alpha, t);            // alpha = 3 (X - delta)(X + delta)
  fpAdd(o + 2 * FE, y, z);
  fpSq(o + 2 * FE, o + 2 * FE);
  fpSub(o + 2 * FE, o + 2 * FE, gamma);
  fpSub(o + 2 * FE, o + 2 * FE, delta); // Z3 = (Y + Z)^2 - gamma - delta
  fpAdd(beta, beta, beta);
  fpAdd(beta, beta, beta);           // 4 beta
  fpSq(o, alpha);
  fpAdd(t, beta, beta);
  fpSub(o, o, t);                    // X3 = alpha^2 - 8 beta
  fpSub(beta, beta, o);
  fpMul(beta, alpha, beta);          // alpha (4 beta - X3)
  fpSq(gamma, gamma);
  fpAdd(gamma, gamma, gamma);
  fpAdd(gamma, gamma, gamma);
  fpAdd(gamma, gamma, gamma);        // 8 gamma^2
  fpSub(o + FE, beta, gamma);
}

/** o = a + b (Jacobian): add-2007-bl, exceptional cases by branches (public data). o may alias a, not b. */
function pointAdd(o: usize, a: usize, b: usize): void {
  const x1 = a, y1 = a + FE, z1 = a + 2 * FE;
  const x2 = b, y2 = b + FE, z2 = b + 2 * FE;
  if (isZero(z1)) { memory.copy(o, b, PT); return; }
  if (isZero(z2)) { if (o != a) memory.copy(o, a, PT); return; }
  const z1z1 = A0, z2z2 = A1, u1 = A2, u2 = A3, s1 = A4, s2 = A5, h = A6, t = A7;
  fpSq(z1z1, z1);
  fpSq(z2z2, z2);
  fpMul(u1, x1, z2z2);
  fpMul(u2, x2, z1z1);
  fpMul(s1, y1, z2);
  fpMul(s1, s1, z2z2);
  fpMul(s2, y2, z1);
  fpMul(s2, s2, z1z1);
  fpSub(h, u2, u1);
  fpSub(s2, s2, s1);
  fpAdd(s2, s2, s2);                 // r = 2 (S2 - S1)
  if (isZero(h)) {
    if (isZero(s2)) { pointDouble(o, a); return; } // a = b
    memory.fill(o, 0, PT);                          // a = -b: the identity
    return;
  }
  // Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H
  fpAdd(t, z1, z2);
  fpSq(t, t);
  fpSub(t, t, z1z1);
  fpSub(t, t, z2z2);
  fpMul(o + 2 * FE, t, h);
  fpAdd(t, h, h);
  fpSq(t, t);                        // I = (2H)^2
  fpMul(h, h, t);                    // J = H I
  fpMul(u1, u1, t);                  // V = U1 I
  fpSq(o, s2);
  fpSub(o, o, h);
  fpSub(o, o, u1);
  fpSub(o, o, u1);                   // X3 = r^2 - J - 2V
  fpSub(u1, u1, o);
  fpMul(u1, s2, u1);                 // r (V - X3)
  fpMul(s1, s1, h);
  fpAdd(s1, s1, s1);
  fpSub(o + FE, u1, s1);             // Y3 = r (V - X3) - 2 S1 J
}

/** Odd multiples 1P, 3P, ..., 15P of the Jacobian P into tab (ODD points). */
function oddMultiples(tab: usize, p: usize): void {
  memory.copy(tab, p, PT);
  pointDouble(TWO_P, p);
  for (let i = 1; i < ODD; i++) pointAdd(tab + <usize>i * PT, tab + <usize>(i - 1) * PT, TWO_P);
}

/** Width-W NAF of the 12-limb k (< 2^384) into out[0..NAF_LEN) (i8 digits, least significant first). */
function wnaf(out: usize, k: usize): void {
  memory.fill(KBUF, 0, 56);
  memory.copy(KBUF, k, 48);
  memory.fill(out, 0, NAF_LEN);
  const full = 1 << W, half = 1 << (W - 1);
  for (let i = 0; i < NAF_LEN; i++) {
    let any: u32 = 0;
    for (let l: usize = 0; l < 13; l++) any |= load<u32>(KBUF + (l << 2));
    if (any == 0) break;
    const low = <i32>(load<u32>(KBUF) & <u32>(full - 1));
    if (low & 1) {
      const d = low >= half ? low - full : low;
      store<i8>(out + <usize>i, <i8>d);
      let c: i64 = -(<i64>d); // k -= d
      for (let l: usize = 0; l < 13 && c != 0; l++) {
        c += <i64>load<u32>(KBUF + (l << 2));
        store<u32>(KBUF + (l << 2), <u32>c);
        c >>= 32;
      }
    }
    for (let l: usize = 0; l < 12; l++) {
      store<u32>(KBUF + (l << 2), (load<u32>(KBUF + (l << 2)) >> 1) | (load<u32>(KBUF + ((l + 1) << 2)) << 31));
    }
    store<u32>(KBUF + 48, load<u32>(KBUF + 48) >> 1);
  }
}

function addDigit(tab: usize, d: i32): void {
  if (d > 0) {
    pointAdd(ACC, ACC, tab + <usize>(d >> 1) * PT);
  } else {
    const e = tab + <usize>((-d) >> 1) * PT;
    memory.copy(NEG, e, PT);
    fpSub(NEG + FE, ZERO, e + FE);
    pointAdd(ACC, ACC, NEG);
  }
}

/** 12 limbs from 48 big-endian bytes, true when the value is in [1, n-1]. */
function scalarInRange(out: usize, be: usize): bool {
  bnFromBytesBE(out, L, be, 48);
  return !isZero(out) && bnCmp(out, N, L) < 0;
}

/**
 * SEC 1 §2.3.4 / SP 800-186 §D.1.2: an uncompressed point 04 ‖ x ‖ y (97
 * bytes) with x, y < p on y^2 = x^3 - 3x + b, into `out` (Montgomery Jacobian, Z = 1).
 */
function decodePoint(out: usize, pub: usize, pubLen: usize): bool {
  if (pubLen != 97 || load<u8>(pub) != 4) return false;
  bnFromBytesBE(A1, L, pub + 1, 48);
  bnFromBytesBE(A2, L, pub + 49, 48);
  if (bnCmp(A1, P, L) >= 0 || bnCmp(A2, P, L) >= 0) return false;
  const x = out, y = out + FE;
  fpMul(x, A1, P_R2);
  fpMul(y, A2, P_R2);
  memory.copy(out + 2 * FE, P_ONE, 48);
  fpSq(A3, y);                       // y^2
  fpSq(A4, x);
  fpMul(A4, A4, x);                  // x^3
  fpSub(A4, A4, x);
  fpSub(A4, A4, x);
  fpSub(A4, A4, x);
  fpAdd(A4, A4, B_M);                // x^3 - 3x + b
  return bnCmp(A3, A4, L) == 0;
}

/** out = a^(n-2) = a^-1 mod n (Fermat), a and out in Montgomery form. */
function fnInv(out: usize, a: usize): void {
  memory.copy(A5, a, 48);
  memory.copy(out, N_ONE, 48);
  for (let i = 383; i >= 0; i--) {
    fnMul(out, out, out);
    if ((load<u32>(N_MINUS_2 + (<usize>(i >> 5) << 2)) >> <u32>(i & 31)) & 1) fnMul(out, out, A5);
  }
}

/**
 * ECDSA P-384 verification (FIPS 186-5 §6.4.2) of r ‖ s (48 bytes each,
 * big-endian) over a message digest of digestLen bytes: SHA-384 (48) or a
 * shorter one such as SHA-256 (32), taken as is; a longer one is truncated to
 * its leftmost 384 bits (§6.4.1). `pub` is 04 ‖ x ‖ y (97 bytes), checked to be
 * on the curve. Public data only: variable time.
 */
export function ecdsaP384VerifyDigest(pub: usize, pubLen: usize, digest: usize, digestLen: usize, rs96: usize): bool {
  init();
  if (digestLen == 0) return false;
  // 1. r and s in [1, n-1]
  if (!scalarInRange(R_, rs96)) return false;
  if (!scalarInRange(S_, rs96 + 48)) return false;
  if (!decodePoint(Q, pub, pubLen)) return false;
  // 2-3. e = leftmost min(384, 8 digestLen) bits of the digest, reduced mod n (e < 2^384 < 2n)
  const dl = digestLen > 48 ? <usize>48 : digestLen;
  memory.fill(BYTES, 0, 48);
  memory.copy(BYTES + 48 - dl, digest, dl);
  bnFromBytesBE(E_, L, BYTES, 48);
  if (bnCmp(E_, N, L) >= 0) bnSub(E_, E_, N, L);
  // 4. w = s^-1; 5. u1 = e w, u2 = r w (plain form: (s R)^-1 R ... one Montgomery factor cancels)
  fnMul(WI, S_, N_R2);               // s R
  fnInv(WI, WI);                     // s^-1 R
  fnMul(U1, WI, E_);                 // e s^-1
  fnMul(U2, WI, R_);                 // r s^-1
  // 6. R' = u1 G + u2 Q
  if (gTable == 0) {
    gTable = heap.alloc(<usize>ODD * PT);
    oddMultiples(gTable, BASE);
  }
  oddMultiples(Q_TAB, Q);
  wnaf(NAF1, U1);
  wnaf(NAF2, U2);
  memory.fill(ACC, 0, PT);
  let top = NAF_LEN - 1;
  while (top >= 0 && load<i8>(NAF1 + <usize>top) == 0 && load<i8>(NAF2 + <usize>top) == 0) top--;
  for (let i = top; i >= 0; i--) {
    if (i != top) pointDouble(ACC, ACC);
    const d1 = <i32>load<i8>(NAF1 + <usize>i), d2 = <i32>load<i8>(NAF2 + <usize>i);
    if (d1 != 0) addDigit(gTable, d1);
    if (d2 != 0) addDigit(Q_TAB, d2);
  }
  // 7. reject the identity
  const X = ACC, Z = ACC + 2 * FE;
  if (isZero(Z)) return false;
  // SEC 1 v2 §4.1.4 steps 6-7 (FIPS 186-5 §6.4.2): v = x(R') mod n; accept iff v == r.
  // x(R') < p < 2n, so v == r iff x(R') == r or x(R') == r + n, the latter only when
  // r + n < p (p - n ~ 2^190). Without an inversion: X == r Z^2, or X == (r + n) Z^2.
  fpSq(A6, Z);
  fpMul(A7, R_, P_R2);               // r < n < p: canonical
  fpMul(A7, A7, A6);
  if (bnCmp(A7, X, L) == 0) return true;
  if (bnCmp(R_, P_MINUS_N, L) < 0) {
    fpMul(A5, N, P_R2);
    fpMul(A5, A5, A6);
    fpAdd(A7, A7, A5);
    if (bnCmp(A7, X, L) == 0) return true;
  }
  return false;
}
