// Arithmetic modulo the P-256 group order n (FIPS 186-5, SEC 2 §2.4.2), for
// ECDSA. Elements are 8 little-endian u32 limbs (32 bytes); fnMul is a
// Montgomery product (a b R^-1 mod n, R = 2^256), so callers say which form
// each value is in. Constant time throughout (see bignum.ts).

import { bnModAdd, bnSub, bnSelect, bnIsZeroMask, bnLtMask, bnFromBytesBE, bnToBytesBE, bnMontMul } from "./bignum";

export const FN_SIZE: usize = 32;

/** n */
export const N: usize = memory.data<u32>([0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0x00000000, 0xffffffff], 8);
/** R^2 mod n */
export const N_R2: usize = memory.data<u32>([0xbe79eea2, 0x83244c95, 0x49bd6fa6, 0x4699799c, 0x2b6bec59, 0x2845b239, 0xf3d95620, 0x66e12d94], 8);
/** R mod n */
export const N_ONE: usize = memory.data<u32>([0x039cdaaf, 0x0c46353d, 0x58e8617b, 0x43190552, 0x00000000, 0x00000000, 0xffffffff, 0x00000000], 8);
/** -n^-1 mod 2^32 */
const N0INV: u32 = 0xee00bc4f;

const ONE_PLAIN: usize = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0], 8);
const TMP: usize = memory.data(32, 8);

/** h = f g R^-1 mod n; h may alias. */
export function fnMul(h: usize, f: usize, g: usize): void {
  bnMontMul(h, f, g, N, 8, N0INV);
}

/** h = f + g mod n */
export function fnAdd(h: usize, f: usize, g: usize): void {
  bnModAdd(h, f, g, N, 8);
}

/** h = f R mod n (into Montgomery form) */
export function fnToMont(h: usize, f: usize): void {
  bnMontMul(h, f, N_R2, N, 8, N0INV);
}

/** h = f R^-1 mod n (out of Montgomery form) */
export function fnFromMont(h: usize, f: usize): void {
  bnMontMul(h, f, ONE_PLAIN, N, 8, N0INV);
}

const E1: usize = memory.data(32, 8);

/** h = f^(n-2) (Montgomery form in and out) = f^-1; constant time: the exponent n - 2 is public. */
export function fnInv(h: usize, f: usize): void {
  const t = E1;
  memory.copy(t, N_ONE, 32);
  // n - 2: the low limb of n is 0xfc632551, so subtracting 2 never borrows
  for (let i = 255; i >= 0; i--) {
    fnMul(t, t, t);
    let limb = load<u32>(N + (<usize>(i >> 5) << 2));
    if (i < 32) limb -= 2;
    if ((limb >> <u32>(i & 31)) & 1) fnMul(t, t, f);
  }
  memory.copy(h, t, 32);
}

/**
 * h = the 32-byte big-endian s reduced mod n (s < 2^256 < 2n, so one
 * conditional subtraction, masked). Used for digests (FIPS 186-5 §6.4.1:
 * e = leftmost 256 bits of the hash, then e mod n).
 */
export function fnFromBytesReduce(h: usize, s: usize): void {
  bnFromBytesBE(h, 8, s, 32);
  const borrow = bnSub(TMP, h, N, 8);
  bnSelect(h, 0 - (1 - borrow), TMP, h, 8);
}

/** h = the 32-byte big-endian s; returns true only when 0 < s < n (mask arithmetic, no early exit). */
export function fnFromBytesChecked(h: usize, s: usize): bool {
  bnFromBytesBE(h, 8, s, 32);
  const ok = bnLtMask(h, N, 8) & ~bnIsZeroMask(h, 8);
  return ok != 0;
}

/** s = 32-byte big-endian encoding of f (plain form). */
export function fnToBytes(s: usize, f: usize): void {
  bnToBytesBE(s, 32, f, 8);
}

/** All ones when f == 0. */
export function fnIsZeroMask(f: usize): u32 {
  return bnIsZeroMask(f, 8);
}
