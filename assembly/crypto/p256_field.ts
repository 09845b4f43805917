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

// Final step of a Montgomery product: r (< 2p, top = bit 256) minus p when r >= p, by mask.
@inline
function finalSub(h: usize, r0: u32, r1: u32, r2: u32, r3: u32, r4: u32, r5: u32, r6: u32, r7: u32, top: u32): void {
  // d = r - p, p = [ffffffff, ffffffff, ffffffff, 0, 0, 0, 1, ffffffff] (little-endian limbs)
  let b: i64 = <i64>r0 - 0xffffffff; const d0 = <u32>b; b >>= 32;
  b += <i64>r1 - 0xffffffff; const d1 = <u32>b; b >>= 32;
  b += <i64>r2 - 0xffffffff; const d2 = <u32>b; b >>= 32;
  b += <i64>r3; const d3 = <u32>b; b >>= 32;
  b += <i64>r4; const d4 = <u32>b; b >>= 32;
  b += <i64>r5; const d5 = <u32>b; b >>= 32;
  b += <i64>r6 - 1; const d6 = <u32>b; b >>= 32;
  b += <i64>r7 - 0xffffffff; const d7 = <u32>b; b >>= 32;
  b += <i64>top; // -1 when r < p: keep r
  const keep = <u32>(b >> 32); // all ones or zero
  store<u32>(h, d0 ^ (keep & (r0 ^ d0)));
  store<u32>(h, d1 ^ (keep & (r1 ^ d1)), 4);
  store<u32>(h, d2 ^ (keep & (r2 ^ d2)), 8);
  store<u32>(h, d3 ^ (keep & (r3 ^ d3)), 12);
  store<u32>(h, d4 ^ (keep & (r4 ^ d4)), 16);
  store<u32>(h, d5 ^ (keep & (r5 ^ d5)), 20);
  store<u32>(h, d6 ^ (keep & (r6 ^ d6)), 24);
  store<u32>(h, d7 ^ (keep & (r7 ^ d7)), 28);
}

/**
 * h = f g R^-1 mod p (Montgomery product); h may alias. Generated, unrolled:
 * column sums of the 64 limb products split into low and high halves (no
 * overflow, no carries to track), then word-by-word Montgomery reduction
 * using the shape of p: -p^-1 mod 2^32 = 1, so the quotient digit q is the
 * low word itself and adding q p is four shifted adds/subtracts.
 */
export function fpMul(h: usize, f: usize, g: usize): void {
  let p: u64, lo: u64, hi: u64, cc: u64 = 0;
  // Comba (product scanning): one column at a time, operands reloaded from memory,
  // so only the column sums and the finished words are live (no spills of 30 partial sums).
  p = <u64>load<u32>(f, 0) * <u64>load<u32>(g, 0); lo = cc + (p & 0xffffffff); hi = p >> 32;
  let t0: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 0) * <u64>load<u32>(g, 4); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 4) * <u64>load<u32>(g, 0); lo += p & 0xffffffff; hi += p >> 32;
  let t1: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 0) * <u64>load<u32>(g, 8); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 4) * <u64>load<u32>(g, 4); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 8) * <u64>load<u32>(g, 0); lo += p & 0xffffffff; hi += p >> 32;
  let t2: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 0) * <u64>load<u32>(g, 12); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 4) * <u64>load<u32>(g, 8); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 8) * <u64>load<u32>(g, 4); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 12) * <u64>load<u32>(g, 0); lo += p & 0xffffffff; hi += p >> 32;
  let t3: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 0) * <u64>load<u32>(g, 16); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 4) * <u64>load<u32>(g, 12); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 8) * <u64>load<u32>(g, 8); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 12) * <u64>load<u32>(g, 4); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 16) * <u64>load<u32>(g, 0); lo += p & 0xffffffff; hi += p >> 32;
  let t4: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 0) * <u64>load<u32>(g, 20); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 4) * <u64>load<u32>(g, 16); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 8) * <u64>load<u32>(g, 12); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 12) * <u64>load<u32>(g, 8); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 16) * <u64>load<u32>(g, 4); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 20) * <u64>load<u32>(g, 0); lo += p & 0xffffffff; hi += p >> 32;
  let t5: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 0) * <u64>load<u32>(g, 24); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 4) * <u64>load<u32>(g, 20); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 8) * <u64>load<u32>(g, 16); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 12) * <u64>load<u32>(g, 12); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 16) * <u64>load<u32>(g, 8); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 20) * <u64>load<u32>(g, 4); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 24) * <u64>load<u32>(g, 0); lo += p & 0xffffffff; hi += p >> 32;
  let t6: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 0) * <u64>load<u32>(g, 28); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 4) * <u64>load<u32>(g, 24); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 8) * <u64>load<u32>(g, 20); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 12) * <u64>load<u32>(g, 16); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 16) * <u64>load<u32>(g, 12); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 20) * <u64>load<u32>(g, 8); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 24) * <u64>load<u32>(g, 4); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 28) * <u64>load<u32>(g, 0); lo += p & 0xffffffff; hi += p >> 32;
  let t7: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 4) * <u64>load<u32>(g, 28); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 8) * <u64>load<u32>(g, 24); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 12) * <u64>load<u32>(g, 20); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 16) * <u64>load<u32>(g, 16); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 20) * <u64>load<u32>(g, 12); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 24) * <u64>load<u32>(g, 8); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 28) * <u64>load<u32>(g, 4); lo += p & 0xffffffff; hi += p >> 32;
  let t8: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 8) * <u64>load<u32>(g, 28); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 12) * <u64>load<u32>(g, 24); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 16) * <u64>load<u32>(g, 20); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 20) * <u64>load<u32>(g, 16); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 24) * <u64>load<u32>(g, 12); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 28) * <u64>load<u32>(g, 8); lo += p & 0xffffffff; hi += p >> 32;
  let t9: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 12) * <u64>load<u32>(g, 28); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 16) * <u64>load<u32>(g, 24); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 20) * <u64>load<u32>(g, 20); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 24) * <u64>load<u32>(g, 16); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 28) * <u64>load<u32>(g, 12); lo += p & 0xffffffff; hi += p >> 32;
  let t10: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 16) * <u64>load<u32>(g, 28); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 20) * <u64>load<u32>(g, 24); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 24) * <u64>load<u32>(g, 20); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 28) * <u64>load<u32>(g, 16); lo += p & 0xffffffff; hi += p >> 32;
  let t11: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 20) * <u64>load<u32>(g, 28); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 24) * <u64>load<u32>(g, 24); lo += p & 0xffffffff; hi += p >> 32;
  p = <u64>load<u32>(f, 28) * <u64>load<u32>(g, 20); lo += p & 0xffffffff; hi += p >> 32;
  let t12: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 24) * <u64>load<u32>(g, 28); lo = cc + (p & 0xffffffff); hi = p >> 32;
  p = <u64>load<u32>(f, 28) * <u64>load<u32>(g, 24); lo += p & 0xffffffff; hi += p >> 32;
  let t13: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = <u64>load<u32>(f, 28) * <u64>load<u32>(g, 28); lo = cc + (p & 0xffffffff); hi = p >> 32;
  let t14: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  let t15: i64 = <i64>cc;
  let t16: i64 = 0;
  let q: i64;
  q = t0 & 0xffffffff; t1 += t0 >> 32;
  t3 += q; t6 += q; t7 -= q; t8 += q;
  q = t1 & 0xffffffff; t2 += t1 >> 32;
  t4 += q; t7 += q; t8 -= q; t9 += q;
  q = t2 & 0xffffffff; t3 += t2 >> 32;
  t5 += q; t8 += q; t9 -= q; t10 += q;
  q = t3 & 0xffffffff; t4 += t3 >> 32;
  t6 += q; t9 += q; t10 -= q; t11 += q;
  q = t4 & 0xffffffff; t5 += t4 >> 32;
  t7 += q; t10 += q; t11 -= q; t12 += q;
  q = t5 & 0xffffffff; t6 += t5 >> 32;
  t8 += q; t11 += q; t12 -= q; t13 += q;
  q = t6 & 0xffffffff; t7 += t6 >> 32;
  t9 += q; t12 += q; t13 -= q; t14 += q;
  q = t7 & 0xffffffff; t8 += t7 >> 32;
  t10 += q; t13 += q; t14 -= q; t15 += q;
  let c: i64 = 0;
  c += t8; const r0 = <u32>c; c >>= 32;
  c += t9; const r1 = <u32>c; c >>= 32;
  c += t10; const r2 = <u32>c; c >>= 32;
  c += t11; const r3 = <u32>c; c >>= 32;
  c += t12; const r4 = <u32>c; c >>= 32;
  c += t13; const r5 = <u32>c; c >>= 32;
  c += t14; const r6 = <u32>c; c >>= 32;
  c += t15; const r7 = <u32>c; c >>= 32;
  const top = <u32>(c + t16);
  finalSub(h, r0, r1, r2, r3, r4, r5, r6, r7, top);
}

/** h = f^2 (36 limb products: the cross products are doubled). */
export function fpSq(h: usize, f: usize): void {
  const a0 = <u64>load<u32>(f, 0), a1 = <u64>load<u32>(f, 4), a2 = <u64>load<u32>(f, 8), a3 = <u64>load<u32>(f, 12);
  const a4 = <u64>load<u32>(f, 16), a5 = <u64>load<u32>(f, 20), a6 = <u64>load<u32>(f, 24), a7 = <u64>load<u32>(f, 28);
  let p: u64, lo: u64, hi: u64, sl: u64, sh: u64, cc: u64 = 0;
  // Comba (product scanning) for a square: per column the cross products once, doubled,
  // plus the diagonal; only the column sums and finished words stay live.
  p = a0 * a0; lo = cc + (p & 0xffffffff); hi = (p >> 32);
  let t0: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a0 * a1; sl = p & 0xffffffff; sh = p >> 32;
  lo = cc + (sl << 1); hi = (sh << 1);
  let t1: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a0 * a2; sl = p & 0xffffffff; sh = p >> 32;
  p = a1 * a1; lo = cc + (sl << 1) + (p & 0xffffffff); hi = (sh << 1) + (p >> 32);
  let t2: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a0 * a3; sl = p & 0xffffffff; sh = p >> 32;
  p = a1 * a2; sl += p & 0xffffffff; sh += p >> 32;
  lo = cc + (sl << 1); hi = (sh << 1);
  let t3: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a0 * a4; sl = p & 0xffffffff; sh = p >> 32;
  p = a1 * a3; sl += p & 0xffffffff; sh += p >> 32;
  p = a2 * a2; lo = cc + (sl << 1) + (p & 0xffffffff); hi = (sh << 1) + (p >> 32);
  let t4: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a0 * a5; sl = p & 0xffffffff; sh = p >> 32;
  p = a1 * a4; sl += p & 0xffffffff; sh += p >> 32;
  p = a2 * a3; sl += p & 0xffffffff; sh += p >> 32;
  lo = cc + (sl << 1); hi = (sh << 1);
  let t5: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a0 * a6; sl = p & 0xffffffff; sh = p >> 32;
  p = a1 * a5; sl += p & 0xffffffff; sh += p >> 32;
  p = a2 * a4; sl += p & 0xffffffff; sh += p >> 32;
  p = a3 * a3; lo = cc + (sl << 1) + (p & 0xffffffff); hi = (sh << 1) + (p >> 32);
  let t6: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a0 * a7; sl = p & 0xffffffff; sh = p >> 32;
  p = a1 * a6; sl += p & 0xffffffff; sh += p >> 32;
  p = a2 * a5; sl += p & 0xffffffff; sh += p >> 32;
  p = a3 * a4; sl += p & 0xffffffff; sh += p >> 32;
  lo = cc + (sl << 1); hi = (sh << 1);
  let t7: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a1 * a7; sl = p & 0xffffffff; sh = p >> 32;
  p = a2 * a6; sl += p & 0xffffffff; sh += p >> 32;
  p = a3 * a5; sl += p & 0xffffffff; sh += p >> 32;
  p = a4 * a4; lo = cc + (sl << 1) + (p & 0xffffffff); hi = (sh << 1) + (p >> 32);
  let t8: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a2 * a7; sl = p & 0xffffffff; sh = p >> 32;
  p = a3 * a6; sl += p & 0xffffffff; sh += p >> 32;
  p = a4 * a5; sl += p & 0xffffffff; sh += p >> 32;
  lo = cc + (sl << 1); hi = (sh << 1);
  let t9: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a3 * a7; sl = p & 0xffffffff; sh = p >> 32;
  p = a4 * a6; sl += p & 0xffffffff; sh += p >> 32;
  p = a5 * a5; lo = cc + (sl << 1) + (p & 0xffffffff); hi = (sh << 1) + (p >> 32);
  let t10: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a4 * a7; sl = p & 0xffffffff; sh = p >> 32;
  p = a5 * a6; sl += p & 0xffffffff; sh += p >> 32;
  lo = cc + (sl << 1); hi = (sh << 1);
  let t11: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a5 * a7; sl = p & 0xffffffff; sh = p >> 32;
  p = a6 * a6; lo = cc + (sl << 1) + (p & 0xffffffff); hi = (sh << 1) + (p >> 32);
  let t12: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a6 * a7; sl = p & 0xffffffff; sh = p >> 32;
  lo = cc + (sl << 1); hi = (sh << 1);
  let t13: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  p = a7 * a7; lo = cc + (p & 0xffffffff); hi = (p >> 32);
  let t14: i64 = <i64>(lo & 0xffffffff); cc = (lo >> 32) + hi;
  let t15: i64 = <i64>cc;
  let t16: i64 = 0;
  let q: i64;
  q = t0 & 0xffffffff; t1 += t0 >> 32;
  t3 += q; t6 += q; t7 -= q; t8 += q;
  q = t1 & 0xffffffff; t2 += t1 >> 32;
  t4 += q; t7 += q; t8 -= q; t9 += q;
  q = t2 & 0xffffffff; t3 += t2 >> 32;
  t5 += q; t8 += q; t9 -= q; t10 += q;
  q = t3 & 0xffffffff; t4 += t3 >> 32;
  t6 += q; t9 += q; t10 -= q; t11 += q;
  q = t4 & 0xffffffff; t5 += t4 >> 32;
  t7 += q; t10 += q; t11 -= q; t12 += q;
  q = t5 & 0xffffffff; t6 += t5 >> 32;
  t8 += q; t11 += q; t12 -= q; t13 += q;
  q = t6 & 0xffffffff; t7 += t6 >> 32;
  t9 += q; t12 += q; t13 -= q; t14 += q;
  q = t7 & 0xffffffff; t8 += t7 >> 32;
  t10 += q; t13 += q; t14 -= q; t15 += q;
  let c: i64 = 0;
  c += t8; const r0 = <u32>c; c >>= 32;
  c += t9; const r1 = <u32>c; c >>= 32;
  c += t10; const r2 = <u32>c; c >>= 32;
  c += t11; const r3 = <u32>c; c >>= 32;
  c += t12; const r4 = <u32>c; c >>= 32;
  c += t13; const r5 = <u32>c; c >>= 32;
  c += t14; const r6 = <u32>c; c >>= 32;
  c += t15; const r7 = <u32>c; c >>= 32;
  const top = <u32>(c + t16);
  finalSub(h, r0, r1, r2, r3, r4, r5, r6, r7, top);
}

/**
 * h = c f mod p for a small c (1..8): the limb products leave a top word
 * t < c, and t 2^256 = t (2^224 - 2^192 - 2^96 + 1) mod p is folded back in
 * one signed carry chain; the result is then below 2p and finalSub makes it
 * canonical. One pass instead of two or three fpAdds (3x, 4x, 8x in the
 * point formulas). Constant time.
 */
export function fpMulSmall(h: usize, f: usize, c: u32): void {
  const k = <u64>c;
  let a: u64 = 0;
  a += <u64>load<u32>(f, 0) * k; const r0 = <i64>(a & 0xffffffff); a >>= 32;
  a += <u64>load<u32>(f, 4) * k; const r1 = <i64>(a & 0xffffffff); a >>= 32;
  a += <u64>load<u32>(f, 8) * k; const r2 = <i64>(a & 0xffffffff); a >>= 32;
  a += <u64>load<u32>(f, 12) * k; const r3 = <i64>(a & 0xffffffff); a >>= 32;
  a += <u64>load<u32>(f, 16) * k; const r4 = <i64>(a & 0xffffffff); a >>= 32;
  a += <u64>load<u32>(f, 20) * k; const r5 = <i64>(a & 0xffffffff); a >>= 32;
  a += <u64>load<u32>(f, 24) * k; const r6 = <i64>(a & 0xffffffff); a >>= 32;
  a += <u64>load<u32>(f, 28) * k; const r7 = <i64>(a & 0xffffffff); a >>= 32;
  const t = <i64>a; // < c
  let b: i64 = r0 + t; const s0 = <u32>b; b >>= 32;
  b += r1; const s1 = <u32>b; b >>= 32;
  b += r2; const s2 = <u32>b; b >>= 32;
  b += r3 - t; const s3 = <u32>b; b >>= 32;
  b += r4; const s4 = <u32>b; b >>= 32;
  b += r5; const s5 = <u32>b; b >>= 32;
  b += r6 - t; const s6 = <u32>b; b >>= 32;
  b += r7 + t; const s7 = <u32>b; b >>= 32;
  finalSub(h, s0, s1, s2, s3, s4, s5, s6, s7, <u32>b); // b is 0 or 1: the value is < 2^256 + 2^227 < 2p
}

/** h = f + g mod p: d = f + g - p in one signed chain, then p added back under the borrow mask (no select pass). */
export function fpAdd(h: usize, f: usize, g: usize): void {
  let b: i64 = 0;
  b += <i64>load<u32>(f, 0) + <i64>load<u32>(g, 0) - 0xffffffff; const d0 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 4) + <i64>load<u32>(g, 4) - 0xffffffff; const d1 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 8) + <i64>load<u32>(g, 8) - 0xffffffff; const d2 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 12) + <i64>load<u32>(g, 12); const d3 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 16) + <i64>load<u32>(g, 16); const d4 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 20) + <i64>load<u32>(g, 20); const d5 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 24) + <i64>load<u32>(g, 24) - 1; const d6 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 28) + <i64>load<u32>(g, 28) - 0xffffffff; const d7 = <u32>b; b >>= 32;
  const m = <u64>(<u32>b); // all ones when f + g < p (b = -1), else zero
  let c: u64 = 0;
  c += <u64>d0 + m; store<u32>(h, <u32>c, 0); c >>= 32;
  c += <u64>d1 + m; store<u32>(h, <u32>c, 4); c >>= 32;
  c += <u64>d2 + m; store<u32>(h, <u32>c, 8); c >>= 32;
  c += <u64>d3; store<u32>(h, <u32>c, 12); c >>= 32;
  c += <u64>d4; store<u32>(h, <u32>c, 16); c >>= 32;
  c += <u64>d5; store<u32>(h, <u32>c, 20); c >>= 32;
  c += <u64>d6 + (m & 1); store<u32>(h, <u32>c, 24); c >>= 32;
  c += <u64>d7 + m; store<u32>(h, <u32>c, 28); c >>= 32;
}

/** h = f - g mod p (unrolled; p is added back under the borrow mask). */
export function fpSub(h: usize, f: usize, g: usize): void {
  let b: i64 = 0;
  b += <i64>load<u32>(f, 0) - <i64>load<u32>(g, 0); const s0 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 4) - <i64>load<u32>(g, 4); const s1 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 8) - <i64>load<u32>(g, 8); const s2 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 12) - <i64>load<u32>(g, 12); const s3 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 16) - <i64>load<u32>(g, 16); const s4 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 20) - <i64>load<u32>(g, 20); const s5 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 24) - <i64>load<u32>(g, 24); const s6 = <u32>b; b >>= 32;
  b += <i64>load<u32>(f, 28) - <i64>load<u32>(g, 28); const s7 = <u32>b; b >>= 32;
  const m = <u64>(<u32>b); // all ones after a borrow
  let c: u64 = 0;
  c += <u64>s0 + m; store<u32>(h, <u32>c, 0); c >>= 32;
  c += <u64>s1 + m; store<u32>(h, <u32>c, 4); c >>= 32;
  c += <u64>s2 + m; store<u32>(h, <u32>c, 8); c >>= 32;
  c += <u64>s3; store<u32>(h, <u32>c, 12); c >>= 32;
  c += <u64>s4; store<u32>(h, <u32>c, 16); c >>= 32;
  c += <u64>s5; store<u32>(h, <u32>c, 20); c >>= 32;
  c += <u64>s6 + (m & 1); store<u32>(h, <u32>c, 24); c >>= 32;
  c += <u64>s7 + m; store<u32>(h, <u32>c, 28); c >>= 32;
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
const I5: usize = memory.data(32, 8);

/**
 * h = f^(p-2) = f^-1 (0 for 0): Fermat with a fixed addition chain (255
 * squarings, 12 multiplications), constant time (the exponent is public, the
 * base secret). p - 2 = ffffffff 00000001 00000000 00000000 00000000 ffffffff
 * ffffffff fffffffd (hex, most significant first); x_k = f^(2^k - 1).
 */
export function fpInv(h: usize, f: usize): void {
  const x2 = I1, x3 = I2, t = I3, x30 = I4, x32 = I5;
  fpSq(x2, f); fpMul(x2, x2, f);             // x2
  fpSq(x3, x2); fpMul(x3, x3, f);            // x3
  fpSqN(t, x3, 3); fpMul(t, t, x3);          // x6
  fpSqN(x30, t, 6); fpMul(x30, x30, t);      // x12
  fpSqN(x30, x30, 3); fpMul(x30, x30, x3);   // x15
  fpSqN(t, x30, 15); fpMul(x30, t, x30);     // x30
  fpSqN(x32, x30, 2); fpMul(x32, x32, x2);   // x32: bits 255..224
  fpSqN(t, x32, 32); fpMul(t, t, f);         // 00000001: bits 223..192
  fpSqN(t, t, 96);                           // three zero words: bits 191..96
  fpSqN(t, t, 32); fpMul(t, t, x32);         // ffffffff: bits 95..64
  fpSqN(t, t, 32); fpMul(t, t, x32);         // ffffffff: bits 63..32
  fpSqN(t, t, 30); fpMul(t, t, x30);         // fffffffd = 30 ones ‖ 01: bits 31..2
  fpSqN(t, t, 2); fpMul(h, t, f);            // bits 1..0 = 01
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
