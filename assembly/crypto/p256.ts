// P-256 (secp256r1; FIPS 186-5, SEC 2 §2.4.2): public keys, ECDH (SEC 1 §3.3.1)
// and ECDSA over SHA-256 digests (FIPS 186-5 §6.4).
//
// Two point representations. Homogeneous projective (X:Y:Z), x = X/Z,
// y = Y/Z, identity (0:1:0), with the complete formulas of Renes, Costello
// and Batina ("Complete addition formulas for prime order elliptic curves",
// 2016, Algorithms 4 and 6, a = -3), build the verification tables. Jacobian
// (x = X/Z^2, y = Y/Z^3, Z = 0 the identity) runs every scalar
// multiplication: doublings are about half the price. Field elements are in
// Montgomery form (p256_field.ts).
//
// Constant time where secrets are involved (signing, ECDH, key generation):
// scalar multiplication is a fixed 4-bit window over all 64 digits of the
// scalar; each digit selects its table entry by scanning all 16 entries with
// v128 masks (no secret index), the addition happens whatever the digit, and
// its exceptional cases (accumulator = O, digit = 0) are settled by masked
// selects, not branches (see jAddCT). Verification only handles public
// values and skips zero digits.

import {
  P, P_R2, P_ONE, P_B, P_GX, P_GY, fpMul, fpSq, fpAdd, fpSub, fpMulSmall, fpSelect, fpIsZeroMask, fpInv, fpFromBytes, fpToBytes,
} from "./p256_field";
import {
  N, fnMul, fnAdd, fnToMont, fnInv, fnFromBytesReduce, fnFromBytesChecked, fnToBytes, fnIsZeroMask,
} from "./p256_scalar";
import { bnAdd, bnCmp, bnLtMask, bnSelect } from "./bignum";
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

// ---- Constant-time scalar multiplication (signing, ECDH, key generation) ----
//
// Jacobian coordinates (x = X/Z^2, y = Y/Z^3, Z = 0 the identity): doubling
// dbl-2001-b (a = -3, 3M + 5S), addition add-2007-bl (11M + 5S) and mixed
// addition madd-2007-bl (7M + 4S) from the Explicit-Formulas Database, about
// half the cost of the complete projective formulas above. They are not
// complete, so every addition is followed by two masked selects (bnSelect,
// no branch): ACC = O gives the other operand, a zero digit keeps ACC. The
// remaining exceptional case, ACC = ±SEL, cannot happen for a scalar k in
// [1, n-1] (callers check that first): with fixed windows, ACC and SEL are
// c P and d P with c, d > 0, c != d and c + d <= k < n (ECDH: c a multiple
// of 16 > d; fixed base: c < 16^w <= d), and P has prime order n, so
// c P = ±d P would need c = d or c + d = n.

const ACC: usize = memory.data(<i32>PT_SIZE, 8);
const SEL: usize = memory.data(<i32>PT_SIZE, 8);
const SUM: usize = memory.data(<i32>PT_SIZE, 8);
const BASE: usize = memory.data(<i32>PT_SIZE, 8);
const TABLE_A: usize = memory.data(16 * <i32>PT_SIZE, 8);
const B0: usize = memory.data(32, 8);
const B1: usize = memory.data(32, 8);
const B2: usize = memory.data(32, 8);
const B3: usize = memory.data(32, 8);
const B4: usize = memory.data(32, 8);
const B5: usize = memory.data(32, 8);

/** o = 2 a (Jacobian, dbl-2001-b, a = -3); o may alias a. The identity (Z = 0) stays the identity. */
function jDbl(o: usize, a: usize): void {
  const X = a, Y = a + Y_OFF, Z = a + Z_OFF;
  const delta = B0, gamma = B1, beta = B2, alpha = B3, t = B4;
  fpSq(delta, Z);
  fpSq(gamma, Y);
  fpMul(beta, X, gamma);
  fpSub(t, X, delta);
  fpAdd(alpha, X, delta);
  fpMul(alpha, alpha, t);
  fpMulSmall(alpha, alpha, 3);             // alpha = 3 (X - delta)(X + delta)
  fpAdd(o + Z_OFF, Y, Z);
  fpSq(o + Z_OFF, o + Z_OFF);
  fpSub(o + Z_OFF, o + Z_OFF, gamma);
  fpSub(o + Z_OFF, o + Z_OFF, delta);      // Z3 = (Y + Z)^2 - gamma - delta
  fpMulSmall(beta, beta, 4);               // 4 beta
  fpSq(o, alpha);
  fpAdd(t, beta, beta);
  fpSub(o, o, t);                          // X3 = alpha^2 - 8 beta
  fpSub(beta, beta, o);
  fpMul(beta, alpha, beta);                // alpha (4 beta - X3)
  fpSq(gamma, gamma);
  fpMulSmall(gamma, gamma, 8);             // 8 gamma^2
  fpSub(o + Y_OFF, beta, gamma);           // Y3 = alpha (4 beta - X3) - 8 gamma^2
}

/** o = a + b (Jacobian, add-2007-bl) for a, b not the identity and a != ±b; o may alias a, not b. */
function jAddRaw(o: usize, a: usize, b: usize): void {
  const z1z1 = B0, z2z2 = B1, u1 = B2, h = B3, s1 = B4, r = B5;
  fpSq(z1z1, a + Z_OFF);
  fpSq(z2z2, b + Z_OFF);
  fpMul(u1, a, z2z2);                      // U1 = X1 Z2Z2
  fpMul(h, b, z1z1);                       // U2 = X2 Z1Z1
  fpMul(s1, a + Y_OFF, b + Z_OFF);
  fpMul(s1, s1, z2z2);                     // S1 = Y1 Z2 Z2Z2
  fpMul(r, b + Y_OFF, a + Z_OFF);
  fpMul(r, r, z1z1);                       // S2 = Y2 Z1 Z1Z1
  fpSub(h, h, u1);                         // H = U2 - U1
  fpSub(r, r, s1);
  fpAdd(r, r, r);                          // r = 2 (S2 - S1)
  fpAdd(o + Z_OFF, a + Z_OFF, b + Z_OFF);
  fpSq(o + Z_OFF, o + Z_OFF);
  fpSub(o + Z_OFF, o + Z_OFF, z1z1);
  fpSub(o + Z_OFF, o + Z_OFF, z2z2);
  fpMul(o + Z_OFF, o + Z_OFF, h);          // Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H
  fpAdd(z1z1, h, h);
  fpSq(z1z1, z1z1);                        // I = (2H)^2
  fpMul(z2z2, h, z1z1);                    // J = H I
  fpMul(u1, u1, z1z1);                     // V = U1 I
  fpSq(o, r);
  fpSub(o, o, z2z2);
  fpSub(o, o, u1);
  fpSub(o, o, u1);                         // X3 = r^2 - J - 2V
  fpSub(u1, u1, o);
  fpMul(u1, r, u1);
  fpMul(s1, s1, z2z2);
  fpAdd(s1, s1, s1);
  fpSub(o + Y_OFF, u1, s1);                // Y3 = r (V - X3) - 2 S1 J
}

/** o = a + (x2, y2) (mixed: the second point affine, madd-2007-bl) for a not the identity and a != ±b; o may alias a. */
function jMaddRaw(o: usize, a: usize, x2: usize, y2: usize): void {
  const z1z1 = B0, h = B1, hh = B2, r = B3, t = B4, v = B5;
  fpSq(z1z1, a + Z_OFF);
  fpMul(h, x2, z1z1);                      // U2 = X2 Z1Z1
  fpMul(r, y2, a + Z_OFF);
  fpMul(r, r, z1z1);                       // S2 = Y2 Z1 Z1Z1
  fpSub(h, h, a);                          // H = U2 - X1
  fpSub(r, r, a + Y_OFF);
  fpAdd(r, r, r);                          // r = 2 (S2 - Y1)
  fpSq(hh, h);
  fpMulSmall(t, hh, 4);                    // I = 4 HH
  fpMul(v, a, t);                          // V = X1 I
  fpMul(t, h, t);                          // J = H I
  fpAdd(o + Z_OFF, a + Z_OFF, h);
  fpSq(o + Z_OFF, o + Z_OFF);
  fpSub(o + Z_OFF, o + Z_OFF, z1z1);
  fpSub(o + Z_OFF, o + Z_OFF, hh);         // Z3 = (Z1 + H)^2 - Z1Z1 - HH
  fpMul(hh, a + Y_OFF, t);                 // Y1 J (before Y1 is overwritten)
  fpSq(o, r);
  fpSub(o, o, t);
  fpSub(o, o, v);
  fpSub(o, o, v);                          // X3 = r^2 - J - 2V
  fpSub(v, v, o);
  fpMul(v, r, v);
  fpAdd(hh, hh, hh);
  fpSub(o + Y_OFF, v, hh);                 // Y3 = r (V - X3) - 2 Y1 J
}

/**
 * CT: acc = acc + sel (Jacobian, sel may be the identity): the raw sum, then
 * masked selects for acc = O (take sel) and sel = O (keep acc).
 */
function jAddCT(acc: usize, sel: usize): void {
  const accZero = fpIsZeroMask(acc + Z_OFF);
  const selZero = fpIsZeroMask(sel + Z_OFF);
  jAddRaw(SUM, acc, sel);
  bnSelect(SUM, accZero, sel, SUM, 24);
  bnSelect(acc, selZero, acc, SUM, 24);
}

/** CT: acc = acc + sel (affine x ‖ y in a point-sized buffer), or acc unchanged when selZero (all ones) says the digit was 0. */
function jMaddCT(acc: usize, sel: usize, selZero: u32): void {
  const accZero = fpIsZeroMask(acc + Z_OFF);
  jMaddRaw(SUM, acc, sel, sel + Y_OFF);
  memory.copy(sel + Z_OFF, P_ONE, 32);     // sel as a Jacobian point (Z = 1): sel has room for Z
  bnSelect(SUM, accZero, sel, SUM, 24);
  bnSelect(acc, selZero, acc, SUM, 24);
}

/** All ones when i == idx (both < 2^31), else zero: arithmetic, no branch. */
@inline function eqMask(i: u32, idx: u32): u32 {
  return <u32>0 - (((i ^ idx) - 1) >> 31);
}

/** CT: out = table[idx] for `count` entries of `size` bytes (a multiple of 32), reading every entry with v128 masks. */
function tableLookup(out: usize, table: usize, idx: u32, count: u32, size: usize): void {
  for (let j: usize = 0; j < size; j += 32) {
    let lo = i64x2.splat(0), hi = i64x2.splat(0);
    for (let i: u32 = 0; i < count; i++) {
      const m = i32x4.splat(eqMask(i, idx));
      const e = table + <usize>i * size + j;
      lo = v128.or(lo, v128.and(v128.load(e), m));
      hi = v128.or(hi, v128.and(v128.load(e, 16), m));
    }
    v128.store(out + j, lo);
    v128.store(out + j, hi, 16);
  }
}

// Digit w (0 = least significant) of a 32-byte big-endian scalar, 4 bits.
@inline function nibble(k: usize, w: i32): u32 {
  const b = <u32>load<u8>(k + <usize>(31 - (w >> 1))); // public address
  return (b >> (<u32>(w & 1) << 2)) & 15;
}

/**
 * CT: out = k P (Jacobian) for a 32-byte big-endian k in [1, n-1] and an
 * affine P (Z = 1): a fixed 4-bit window over all 64 digits, table[0] = O.
 */
function scalarMulCT(out: usize, k: usize, p: usize): void {
  // table[i] = i P (Jacobian); i P != ±P for 2 <= i <= 15, so the raw addition is safe
  const t = TABLE_A;
  memory.copy(t, P_ONE, 32); memory.copy(t + Y_OFF, P_ONE, 32); memory.fill(t + Z_OFF, 0, 32);
  memory.copy(t + PT_SIZE, p, PT_SIZE);
  for (let i: usize = 2; i < 16; i++) {
    if ((i & 1) == 0) jDbl(t + i * PT_SIZE, t + (i >> 1) * PT_SIZE);
    else jAddRaw(t + i * PT_SIZE, t + (i - 1) * PT_SIZE, p);
  }
  memory.copy(ACC, t, PT_SIZE); // O
  for (let w = 63; w >= 0; w--) {
    if (w != 63) { // public loop structure
      jDbl(ACC, ACC); jDbl(ACC, ACC); jDbl(ACC, ACC); jDbl(ACC, ACC);
    }
    tableLookup(SEL, t, nibble(k, w), 16, PT_SIZE);
    jAddCT(ACC, SEL);
  }
  memory.copy(out, ACC, PT_SIZE);
  wipeScratch();
  memory.fill(TABLE_A, 0, 16 * PT_SIZE);
}

/** Clears the scratch that held scalar-dependent values. */
function wipeScratch(): void {
  memory.fill(ACC, 0, PT_SIZE);
  memory.fill(SEL, 0, PT_SIZE);
  memory.fill(SUM, 0, PT_SIZE);
  memory.fill(B0, 0, 32); memory.fill(B1, 0, 32); memory.fill(B2, 0, 32);
  memory.fill(B3, 0, 32); memory.fill(B4, 0, 32); memory.fill(B5, 0, 32);
}

// Fixed-base table for G, for signed (Booth) digits of width 5: G_TABLE[i][j]
// = (j + 1) 32^i G (i = 0..51, j = 0..15), affine (x, y), 52 KiB, built on
// first use. k = sum of d_i 32^i with d_i in [-16, 16], so k G is 52 mixed
// additions of ±G_TABLE[i][|d_i| - 1] and no doublings. The exceptional case
// ACC = ±SEL cannot occur here either: ACC = c G with |c| < 32^i, SEL =
// ±|d_i| 32^i G, and c ± d_i 32^i is a nonzero integer of magnitude < n (for
// i < 51, 16 32^i <= 2^254; the top digit is b_255 + b_254 <= 2, and
// c + d 32^51 = k, while c - d 32^51 = k - d 2^256 is not a multiple of n
// for k in [2^254, n)).
const AFF: usize = 64;
const G_WINDOWS: usize = 52;
const G_TABLE_ENTRIES: usize = G_WINDOWS * 16;
let gTable: usize = 0;

function gTableBuild(): usize {
  if (gTable != 0) return gTable;
  const t = heap.alloc(G_TABLE_ENTRIES * AFF);
  const jac = heap.alloc(G_TABLE_ENTRIES * PT_SIZE);
  const prefix = heap.alloc(G_TABLE_ENTRIES * 32);
  const gp = BASE;
  setBase(gp);
  for (let i: usize = 0; i < G_WINDOWS; i++) {
    const row = jac + i * 16 * PT_SIZE;
    memory.copy(row, gp, PT_SIZE);                       // 1 32^i G
    jDbl(row + PT_SIZE, gp);                             // 2 32^i G
    for (let j: usize = 2; j < 16; j++) jAddRaw(row + j * PT_SIZE, row + (j - 1) * PT_SIZE, gp);
    jDbl(gp, row + 15 * PT_SIZE);                        // 32^(i+1) G = 2 (16 32^i G)
  }
  // Montgomery's trick: one inversion for all the Z's
  memory.copy(prefix, jac + Z_OFF, 32);
  for (let e: usize = 1; e < G_TABLE_ENTRIES; e++) fpMul(prefix + e * 32, prefix + (e - 1) * 32, jac + e * PT_SIZE + Z_OFF);
  fpInv(B0, prefix + (G_TABLE_ENTRIES - 1) * 32);
  for (let e = <isize>G_TABLE_ENTRIES - 1; e >= 0; e--) {
    const p = jac + <usize>e * PT_SIZE;
    if (e > 0) {
      fpMul(B1, B0, prefix + <usize>(e - 1) * 32); // Z_e^-1
      fpMul(B0, B0, p + Z_OFF);
    } else {
      memory.copy(B1, B0, 32);
    }
    fpSq(B2, B1);
    fpMul(t + <usize>e * AFF, p, B2);              // x = X / Z^2
    fpMul(B2, B2, B1);
    fpMul(t + <usize>e * AFF + 32, p + Y_OFF, B2); // y = Y / Z^3
  }
  heap.free(jac);
  heap.free(prefix);
  gTable = t;
  return t;
}

/** Bit i of a 32-byte big-endian scalar (0 above bit 255); i is public. */
@inline function scalarBit(k: usize, i: i32): u32 {
  if (i < 0 || i > 255) return 0;
  return (<u32>load<u8>(k + <usize>(31 - (i >> 3))) >> <u32>(i & 7)) & 1;
}

const ZERO_FE: usize = memory.data(32, 8);

/** CT: out = k G (Jacobian) for a 32-byte big-endian k in [1, n-1]: 52 signed digits, masked lookups, mixed additions. */
function baseMulCT(out: usize, k: usize): void {
  const t = gTableBuild();
  memory.copy(ACC, P_ONE, 32); memory.copy(ACC + Y_OFF, P_ONE, 32); memory.fill(ACC + Z_OFF, 0, 32); // O
  for (let w = 0; w < <i32>G_WINDOWS; w++) {
    // Booth digit d = b[5w..5w+4] + b[5w-1] - 32 b[5w+4], in [-16, 16] (arithmetic only)
    const lo = 5 * w;
    let v: u32 = scalarBit(k, lo - 1);
    for (let j = 0; j < 5; j++) v += scalarBit(k, lo + j) << <u32>j;
    const d = <i32>v - <i32>(scalarBit(k, lo + 4) << 5); // v counted b[5w+4] as +16: 16 - 32 = -16
    const s = d >> 31;                      // all ones when d < 0
    const a = <u32>((d ^ s) - s);           // |d|
    tableLookup(SEL, t + <usize>w * 16 * AFF, (a - 1) & 15, 16, AFF);
    fpSub(SEL + Z_OFF, ZERO_FE, SEL + Y_OFF); // -y (Z slot as scratch; jMaddCT sets it to 1)
    bnSelect(SEL + Y_OFF, <u32>s, SEL + Z_OFF, SEL + Y_OFF, 8);
    jMaddCT(ACC, SEL, eqMask(a, 0));
  }
  memory.copy(out, ACC, PT_SIZE);
  wipeScratch();
}

const ZINV: usize = memory.data(32, 8);
const ZINV2: usize = memory.data(32, 8);

/** Affine (x, y) of a Jacobian point as 32-byte big-endian strings (y skipped when 0); false for the identity. Constant time. */
function toAffineBytes(x: usize, y: usize, p: usize): bool {
  const infinity = fpIsZeroMask(p + Z_OFF);
  fpInv(ZINV, p + Z_OFF);
  fpSq(ZINV2, ZINV);
  fpMul(T0, p, ZINV2);
  fpToBytes(x, T0);
  if (y != 0) { // public: which coordinates the caller wants
    fpMul(ZINV2, ZINV2, ZINV);
    fpMul(T0, p + Y_OFF, ZINV2);
    fpToBytes(y, T0);
  }
  memory.fill(ZINV, 0, 32); memory.fill(ZINV2, 0, 32);
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
  baseMulCT(Q, priv32);
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
  const ok = toAffineBytes(out32, 0, Q);
  memory.fill(Q, 0, PT_SIZE);
  memory.fill(T0, 0, 32);
  return ok;
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
  baseMulCT(Q, k32);
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

// ---- Verification: public data, variable time ----
//
// Jacobian coordinates (x = X/Z^2, y = Y/Z^3; Z = 0 is the identity), which
// double faster than the complete formulas: dbl-2001-b (a = -3, 3M + 5S) and
// mixed addition with affine points madd-2007-bl (7M + 4S), from the
// Explicit-Formulas Database, with their exceptional cases (P = ±Q, identity)
// handled by branches, which is fine on public values. Both scalars are
// recoded in width-w NAF (odd signed digits, at most one nonzero in any w
// consecutive positions); u1 G uses a precomputed affine table of the odd
// multiples 1G..127G (w = 8), u2 Q the odd multiples 1Q..15Q (w = 5) made
// affine with one batched inversion. Shamir's trick shares the doublings.

const AFF_SIZE: usize = 64;
const G_ODD: i32 = 64;         // 1G, 3G, ..., 127G
const Q_ODD: i32 = 8;          // 1Q, 3Q, ..., 15Q
const W_G: i32 = 8;
const W_Q: i32 = 5;
let gOdd: usize = 0;
const Q_AFF: usize = memory.data(Q_ODD * <i32>AFF_SIZE, 8);
const Q_PROJ: usize = memory.data(Q_ODD * <i32>PT_SIZE, 8);
const PREFIX: usize = memory.data(Q_ODD * 32, 8);
const NAF1: usize = memory.data(260, 8);
const NAF2: usize = memory.data(260, 8);
const KBUF: usize = memory.data(40, 8);
const JP: usize = memory.data(<i32>PT_SIZE, 8); // the Jacobian accumulator
const JX: usize = JP, JY: usize = JP + Y_OFF, JZ: usize = JP + Z_OFF;
const NEG_Y: usize = memory.data(32, 8);
const ZERO: usize = memory.data(32, 8);
const A0: usize = memory.data(32, 8);
const A1: usize = memory.data(32, 8);
const U1: usize = memory.data(32, 8);
const U2: usize = memory.data(32, 8);

/** VT: width-w NAF of the 8-limb k into out[0..256] (i8 digits, least significant first). */
function wnaf(out: usize, k: usize, w: i32): void {
  memory.copy(KBUF, k, 32);
  store<u32>(KBUF, 0, 32);
  memory.fill(out, 0, 257);
  const full = 1 << w, half = 1 << (w - 1);
  let i = 0;
  while (i < 257) {
    // k == 0?
    let any: u32 = 0;
    for (let l: usize = 0; l < 9; l++) any |= load<u32>(KBUF + (l << 2));
    if (any == 0) break;
    const low = <i32>(load<u32>(KBUF) & <u32>(full - 1));
    if (low & 1) {
      const d = low >= half ? low - full : low;
      store<i8>(out + <usize>i, <i8>d);
      // k -= d
      let c: i64 = -(<i64>d);
      for (let l: usize = 0; l < 9 && c != 0; l++) {
        c += <i64>load<u32>(KBUF + (l << 2));
        store<u32>(KBUF + (l << 2), <u32>c);
        c >>= 32;
      }
    }
    // k >>= 1
    for (let l: usize = 0; l < 8; l++) {
      store<u32>(KBUF + (l << 2), (load<u32>(KBUF + (l << 2)) >> 1) | (load<u32>(KBUF + ((l + 1) << 2)) << 31));
    }
    store<u32>(KBUF + 32, load<u32>(KBUF + 32) >> 1);
    i++;
  }
}

/** (JX, JY, JZ) += (x2, y2) (affine): madd-2007-bl (jMaddRaw), exceptional cases by branches (public data). */
function jAddAffine(x2: usize, y2: usize): void {
  if (fpIsZeroMask(JZ) != 0) {
    memory.copy(JX, x2, 32);
    memory.copy(JY, y2, 32);
    memory.copy(JZ, P_ONE, 32);
    return;
  }
  jMaddRaw(SUM, JP, x2, y2);
  // Z3 = 2 Z1 H is zero exactly when H = 0, i.e. x1 = x2: then r (left in B3) tells P1 = P2 from P1 = -P2
  if (fpIsZeroMask(SUM + Z_OFF) != 0) {
    if (fpIsZeroMask(B3) != 0) jDbl(JP, JP);
    else memory.fill(JZ, 0, 32);
    return;
  }
  memory.copy(JP, SUM, PT_SIZE);
}

/** Adds the table entry for a signed odd digit d (entries: 1P, 3P, 5P, ...). */
@inline function jAddDigit(table: usize, d: i32): void {
  if (d > 0) {
    const e = table + <usize>(d >> 1) * AFF_SIZE;
    jAddAffine(e, e + 32);
  } else {
    const e = table + <usize>((-d) >> 1) * AFF_SIZE;
    fpSub(NEG_Y, ZERO, e + 32);
    jAddAffine(e, NEG_Y);
  }
}

/** Affine odd multiples 1P, 3P, ..., (2 count - 1)P of the projective P into out (count x 64 bytes). */
function oddMultiplesAffine(out: usize, p: usize, count: i32, proj: usize): void {
  // projective: entry 0 = P, entry i = entry i-1 + 2P
  memory.copy(proj, p, PT_SIZE);
  pointDouble(SEL, p);
  for (let i = 1; i < count; i++) pointAdd(proj + <usize>i * PT_SIZE, proj + <usize>(i - 1) * PT_SIZE, SEL);
  // batched inversion of the Z's (Montgomery's trick): PREFIX[i] = Z_0 ... Z_i
  memory.copy(PREFIX, proj + Z_OFF, 32);
  for (let i = 1; i < count; i++) fpMul(PREFIX + <usize>i * 32, PREFIX + <usize>(i - 1) * 32, proj + <usize>i * PT_SIZE + Z_OFF);
  fpInv(A0, PREFIX + <usize>(count - 1) * 32); // A0 = (Z_0 ... Z_{count-1})^-1
  for (let i = count - 1; i >= 0; i--) {
    const e = proj + <usize>i * PT_SIZE;
    if (i > 0) {
      fpMul(A1, A0, PREFIX + <usize>(i - 1) * 32); // Z_i^-1
      fpMul(A0, A0, e + Z_OFF);
    } else {
      memory.copy(A1, A0, 32);
    }
    fpMul(out + <usize>i * AFF_SIZE, e, A1);
    fpMul(out + <usize>i * AFF_SIZE + 32, e + Y_OFF, A1);
  }
}

// The G table is large (64 points): built once, on the heap, at the first verification.
function gOddTable(): usize {
  if (gOdd != 0) return gOdd;
  const t = heap.alloc(<usize>G_ODD * AFF_SIZE);
  const proj = heap.alloc(<usize>G_ODD * PT_SIZE);
  const prefix = heap.alloc(<usize>G_ODD * 32);
  setBase(BASE);
  // same as oddMultiplesAffine, with heap scratch for 64 entries
  memory.copy(proj, BASE, PT_SIZE);
  pointDouble(SEL, BASE);
  for (let i = 1; i < G_ODD; i++) pointAdd(proj + <usize>i * PT_SIZE, proj + <usize>(i - 1) * PT_SIZE, SEL);
  memory.copy(prefix, proj + Z_OFF, 32);
  for (let i = 1; i < G_ODD; i++) fpMul(prefix + <usize>i * 32, prefix + <usize>(i - 1) * 32, proj + <usize>i * PT_SIZE + Z_OFF);
  fpInv(A0, prefix + <usize>(G_ODD - 1) * 32);
  for (let i = G_ODD - 1; i >= 0; i--) {
    const e = proj + <usize>i * PT_SIZE;
    if (i > 0) {
      fpMul(A1, A0, prefix + <usize>(i - 1) * 32);
      fpMul(A0, A0, e + Z_OFF);
    } else {
      memory.copy(A1, A0, 32);
    }
    fpMul(t + <usize>i * AFF_SIZE, e, A1);
    fpMul(t + <usize>i * AFF_SIZE + 32, e + Y_OFF, A1);
  }
  heap.free(proj);
  heap.free(prefix);
  gOdd = t;
  return t;
}

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
  // 3. e = digest mod n; 4. w = s^-1; 5. u1 = e w, u2 = r w (plain form)
  fnFromBytesReduce(E, digest32);
  fnToMont(W, S);
  fnInv(W, W);
  fnMul(U1, W, E);
  fnMul(U2, W, R);
  // 6. R' = u1 G + u2 Q: wNAF digits, Shamir's trick
  const gTab = gOddTable();
  oddMultiplesAffine(Q_AFF, Q, Q_ODD, Q_PROJ);
  wnaf(NAF1, U1, W_G);
  wnaf(NAF2, U2, W_Q);
  memory.fill(JX, 0, 32); memory.copy(JY, P_ONE, 32); memory.fill(JZ, 0, 32);
  let top = 256;
  while (top >= 0 && load<i8>(NAF1 + <usize>top) == 0 && load<i8>(NAF2 + <usize>top) == 0) top--;
  for (let i = top; i >= 0; i--) {
    if (i != top) jDbl(JP, JP);
    const d1 = <i32>load<i8>(NAF1 + <usize>i), d2 = <i32>load<i8>(NAF2 + <usize>i);
    if (d1 != 0) jAddDigit(gTab, d1);
    if (d2 != 0) jAddDigit(Q_AFF, d2);
  }
  // 7. reject the identity
  if (fpIsZeroMask(JZ) != 0) return false;
  // SEC 1 v2 §4.1.4 steps 6-7 (FIPS 186-5 §6.4.2): v = x(R') mod n; accept iff v == r.
  // x(R') = X / Z^2 is in [0, p) and p < 2n, so x(R') mod n == r iff x(R') == r or
  // x(R') == r + n, the latter only possible when r + n < p (p - n ~ 2^128). Both are
  // checked without an inversion: X == r Z^2, or X == (r + n) Z^2.
  fpSq(T2, JZ);
  fpFromBytes(T3, rs64);           // r < n < p: canonical
  fpMul(T4, T3, T2);
  if (bnCmp(T4, JX, 8) == 0) return true;
  const carry = bnAdd(XB, R, N, 8); // XB = r + n (plain), no wrap when carry == 0
  if (carry == 0 && bnLtMask(XB, P, 8) != 0) {
    fpMul(T3, XB, P_R2);           // r + n < p: canonical, into Montgomery form
    fpMul(T3, T3, T2);
    if (bnCmp(T3, JX, 8) == 0) return true;
  }
  return false;
}
