// Arithmetic in GF(p), p = 2^256 - 2^224 + 2^192 + 2^96 - 1 (the P-256 field,
// FIPS 186-5 / SEC 2 §2.4.2), in Montgomery form: an element x is stored as
// x R mod p, R = 2^256, as 8 little-endian u32 limbs (32 bytes).
//
// Constant time: every function runs the same instructions and addresses for
// every value (see bignum.ts; -p^-1 mod 2^32 = 1, so the Montgomery quotient
// digit is the low limb itself).

import { bnModAdd, bnModSub, bnSelect, bnIsZeroMask, bnLtMask, bnFromBytesBE, bnToBytesBE, bnMontMul } from "./bignum";

/** Bytes of one field element. */
export const FP_SIZE: usize = 32;

/** p */
export const P: usize = memory.data<u32>([0xffffffff, 0xffffffff, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0xffffffff], 8);
/** R^2 mod p */
export const P_R2: usize = memory.data<u32>([0x00000003, 0x00000000, 0xffffffff, 0xfffffffb, 0xfffffffe, 0xffffffff, 0xfffffffd, 0x00000004], 8);
/** 1 in Montgomery form (R mod p) */
export const P_ONE: usize = memory.data<u32>([0x00000001, 0x00000000, 0x00000000, 0xffffffff, 0xffffffff, 0xffffffff, 0xfffffffe, 0x00000000], 8);
/** b in Montgomery form */
export const P_B: usize = memory.data<u32>([0x29c4bddf, 0xd89cdf62, 0x78843090, 0xacf005cd, 0xf7212ed6, 0xe5a220ab, 0x04874834, 0xdc30061d], 8);
/** G.x in Montgomery form */
export const P_GX: usize = memory.data<u32>([0x18a9143c, 0x79e730d4, 0x5fedb601, 0x75ba95fc, 0x77622510, 0x79fb732b, 0xa53755c6, 0x18905f76], 8);
/** G.y in Montgomery form */
export const P_GY: usize = memory.data<u32>([0xce95560a, 0xddf25357, 0xba19e45c, 0x8b4ab8e4, 0xdd21f325, 0xd2e88688, 0x25885d85, 0x8571ff18], 8);

const ONE_PLAIN: usize = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0], 8);
const TMP: usize = memory.data(32, 8);

/** h = f g (Montgomery product); h may alias. */
export function fpMul(h: usize, f: usize, g: usize): void {
  bnMontMul(h, f, g, P, 8, 1);
}

/** h = f^2 */
@inline
export function fpSq(h: usize, f: usize): void {
  fpMul(h, f, f);
}

/** h = f + g */
export function fpAdd(h: usize, f: usize, g: usize): void {
  bnModAdd(h, f, g, P, 8);
}

/** h = f - g */
export function fpSub(h: usize, f: usize, g: usize): void {
  bnModSub(h, f, g, P, 8);
}

@inline
export function fpCopy(h: usize, f: usize): void {
  memory.copy(h, f, FP_SIZE);
}

/** h = mask ? f : g (mask all ones or zero) */
@inline
export function fpSelect(h: usize, mask: u32, f: usize, g: usize): void {
  bnSelect(h, mask, f, g, 8);
}

/** All ones when f == 0. */
@inline
export function fpIsZeroMask(f: usize): u32 {
  return bnIsZeroMask(f, 8);
}

/** h = f^(2^n) */
export function fpSqN(h: usize, f: usize, n: i32): void {
  fpSq(h, f);
  for (let i = 1; i < n; i++) fpSq(h, h);
}

const I1: usize = memory.data(32, 8);
const I2: usize = memory.data(32, 8);
const I3: usize = memory.data(32, 8);
const I4: usize = memory.data(32, 8);

/** h = f^(p-2) = f^-1 (0 for 0): Fermat, constant time (the exponent is public, the base secret). */
export function fpInv(h: usize, f: usize): void {
  const x2 = I1, x32 = I2, t = I3, x8 = I4;
  fpSq(x2, f); fpMul(x2, x2, f);             // f^(2^2-1)
  fpSqN(t, x2, 2); fpMul(t, t, x2);          // f^(2^4-1)
  fpSqN(x8, t, 4); fpMul(x8, x8, t);         // f^(2^8-1)
  fpSqN(t, x8, 8); fpMul(t, t, x8);          // f^(2^16-1)
  fpSqN(x32, t, 16); fpMul(x32, x32, t);     // f^(2^32-1): bits 255..224 of p-2
  // the remaining 224 bits, square-and-multiply on the public exponent
  fpCopy(t, x32);
  for (let i = 223; i >= 0; i--) {
    fpSq(t, t);
    if (expBit(i)) fpMul(t, t, f);
  }
  fpCopy(h, t);
}

// Bit i (< 224) of p - 2 = 2^256 - 2^224 + 2^192 + 2^96 - 3 (public).
@inline function expBit(i: i32): bool {
  if (i > 192) return false;
  if (i == 192) return true;
  if (i >= 96) return false;
  return i != 1;            // 2^96 - 3 = ...11101
}

/** h = the field element (Montgomery form) for the 32-byte big-endian s; false when s >= p (not canonical). */
export function fpFromBytes(h: usize, s: usize): bool {
  bnFromBytesBE(TMP, 8, s, 32);
  const ok = bnLtMask(TMP, P, 8);
  fpMul(h, TMP, P_R2);
  return ok != 0;
}

/** s = the 32-byte big-endian encoding of f (out of Montgomery form). */
export function fpToBytes(s: usize, f: usize): void {
  bnMontMul(TMP, f, ONE_PLAIN, P, 8, 1);
  bnToBytesBE(s, 32, TMP, 8);
}
