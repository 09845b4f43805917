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

/**
 * h = f g R^-1 mod n; h may alias. Generated, unrolled like fpMul: column
 * sums of limb products split in halves, then word-by-word Montgomery
 * reduction (limbs 0xffffffff of n as a subtract/add pair, limb 0 skipped),
 * then a masked final subtraction.
 */
export function fnMul(h: usize, f: usize, g: usize): void {
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
  let q: u64;
  q = <u64>(<u32>(<u32>t0 * N0INV));
  p = q * 0xfc632551; t0 += <i64>(p & 0xffffffff); t1 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t1 += <i64>(p & 0xffffffff); t2 += <i64>(p >> 32);
  p = q * 0xa7179e84; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = q * 0xbce6faad; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  t4 -= <i64>q; t5 += <i64>q;
  t5 -= <i64>q; t6 += <i64>q;
  t7 -= <i64>q; t8 += <i64>q;
  t1 += t0 >> 32; // t0 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t1 * N0INV));
  p = q * 0xfc632551; t1 += <i64>(p & 0xffffffff); t2 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = q * 0xa7179e84; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = q * 0xbce6faad; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  t5 -= <i64>q; t6 += <i64>q;
  t6 -= <i64>q; t7 += <i64>q;
  t8 -= <i64>q; t9 += <i64>q;
  t2 += t1 >> 32; // t1 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t2 * N0INV));
  p = q * 0xfc632551; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = q * 0xa7179e84; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = q * 0xbce6faad; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  t6 -= <i64>q; t7 += <i64>q;
  t7 -= <i64>q; t8 += <i64>q;
  t9 -= <i64>q; t10 += <i64>q;
  t3 += t2 >> 32; // t2 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t3 * N0INV));
  p = q * 0xfc632551; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = q * 0xa7179e84; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = q * 0xbce6faad; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  t7 -= <i64>q; t8 += <i64>q;
  t8 -= <i64>q; t9 += <i64>q;
  t10 -= <i64>q; t11 += <i64>q;
  t4 += t3 >> 32; // t3 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t4 * N0INV));
  p = q * 0xfc632551; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = q * 0xa7179e84; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = q * 0xbce6faad; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  t8 -= <i64>q; t9 += <i64>q;
  t9 -= <i64>q; t10 += <i64>q;
  t11 -= <i64>q; t12 += <i64>q;
  t5 += t4 >> 32; // t4 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t5 * N0INV));
  p = q * 0xfc632551; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = q * 0xa7179e84; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = q * 0xbce6faad; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  t9 -= <i64>q; t10 += <i64>q;
  t10 -= <i64>q; t11 += <i64>q;
  t12 -= <i64>q; t13 += <i64>q;
  t6 += t5 >> 32; // t5 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t6 * N0INV));
  p = q * 0xfc632551; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = q * 0xa7179e84; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = q * 0xbce6faad; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  t10 -= <i64>q; t11 += <i64>q;
  t11 -= <i64>q; t12 += <i64>q;
  t13 -= <i64>q; t14 += <i64>q;
  t7 += t6 >> 32; // t6 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t7 * N0INV));
  p = q * 0xfc632551; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = q * 0xa7179e84; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = q * 0xbce6faad; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  t11 -= <i64>q; t12 += <i64>q;
  t12 -= <i64>q; t13 += <i64>q;
  t14 -= <i64>q; t15 += <i64>q;
  t8 += t7 >> 32; // t7 is now a multiple of 2^32
  let c: i64 = 0;
  c += t8; const r0 = <u32>c; c >>= 32;
  c += t9; const r1 = <u32>c; c >>= 32;
  c += t10; const r2 = <u32>c; c >>= 32;
  c += t11; const r3 = <u32>c; c >>= 32;
  c += t12; const r4 = <u32>c; c >>= 32;
  c += t13; const r5 = <u32>c; c >>= 32;
  c += t14; const r6 = <u32>c; c >>= 32;
  c += t15; const r7 = <u32>c; c >>= 32;
  c += t16;
  const top = <u32>c;
  let b: i64 = 0;
  b += <i64>r0 - 0xfc632551; const d0 = <u32>b; b >>= 32;
  b += <i64>r1 - 0xf3b9cac2; const d1 = <u32>b; b >>= 32;
  b += <i64>r2 - 0xa7179e84; const d2 = <u32>b; b >>= 32;
  b += <i64>r3 - 0xbce6faad; const d3 = <u32>b; b >>= 32;
  b += <i64>r4 - 0xffffffff; const d4 = <u32>b; b >>= 32;
  b += <i64>r5 - 0xffffffff; const d5 = <u32>b; b >>= 32;
  b += <i64>r6 - 0x0; const d6 = <u32>b; b >>= 32;
  b += <i64>r7 - 0xffffffff; const d7 = <u32>b; b >>= 32;
  b += <i64>top;
  const keep = <u32>(b >> 32);
  store<u32>(h, d0 ^ (keep & (r0 ^ d0)), 0);
  store<u32>(h, d1 ^ (keep & (r1 ^ d1)), 4);
  store<u32>(h, d2 ^ (keep & (r2 ^ d2)), 8);
  store<u32>(h, d3 ^ (keep & (r3 ^ d3)), 12);
  store<u32>(h, d4 ^ (keep & (r4 ^ d4)), 16);
  store<u32>(h, d5 ^ (keep & (r5 ^ d5)), 20);
  store<u32>(h, d6 ^ (keep & (r6 ^ d6)), 24);
  store<u32>(h, d7 ^ (keep & (r7 ^ d7)), 28);
}

/** h = f^2 R^-1 mod n: fnMul's reduction after the 36 limb products of a square (cross products doubled). */
export function fnSq(h: usize, f: usize): void {
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
  let q: u64;
  q = <u64>(<u32>(<u32>t0 * N0INV));
  p = q * 0xfc632551; t0 += <i64>(p & 0xffffffff); t1 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t1 += <i64>(p & 0xffffffff); t2 += <i64>(p >> 32);
  p = q * 0xa7179e84; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = q * 0xbce6faad; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  t4 -= <i64>q; t5 += <i64>q;
  t5 -= <i64>q; t6 += <i64>q;
  t7 -= <i64>q; t8 += <i64>q;
  t1 += t0 >> 32; // t0 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t1 * N0INV));
  p = q * 0xfc632551; t1 += <i64>(p & 0xffffffff); t2 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = q * 0xa7179e84; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = q * 0xbce6faad; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  t5 -= <i64>q; t6 += <i64>q;
  t6 -= <i64>q; t7 += <i64>q;
  t8 -= <i64>q; t9 += <i64>q;
  t2 += t1 >> 32; // t1 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t2 * N0INV));
  p = q * 0xfc632551; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = q * 0xa7179e84; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = q * 0xbce6faad; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  t6 -= <i64>q; t7 += <i64>q;
  t7 -= <i64>q; t8 += <i64>q;
  t9 -= <i64>q; t10 += <i64>q;
  t3 += t2 >> 32; // t2 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t3 * N0INV));
  p = q * 0xfc632551; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = q * 0xa7179e84; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = q * 0xbce6faad; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  t7 -= <i64>q; t8 += <i64>q;
  t8 -= <i64>q; t9 += <i64>q;
  t10 -= <i64>q; t11 += <i64>q;
  t4 += t3 >> 32; // t3 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t4 * N0INV));
  p = q * 0xfc632551; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = q * 0xa7179e84; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = q * 0xbce6faad; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  t8 -= <i64>q; t9 += <i64>q;
  t9 -= <i64>q; t10 += <i64>q;
  t11 -= <i64>q; t12 += <i64>q;
  t5 += t4 >> 32; // t4 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t5 * N0INV));
  p = q * 0xfc632551; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = q * 0xa7179e84; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = q * 0xbce6faad; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  t9 -= <i64>q; t10 += <i64>q;
  t10 -= <i64>q; t11 += <i64>q;
  t12 -= <i64>q; t13 += <i64>q;
  t6 += t5 >> 32; // t5 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t6 * N0INV));
  p = q * 0xfc632551; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = q * 0xa7179e84; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = q * 0xbce6faad; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  t10 -= <i64>q; t11 += <i64>q;
  t11 -= <i64>q; t12 += <i64>q;
  t13 -= <i64>q; t14 += <i64>q;
  t7 += t6 >> 32; // t6 is now a multiple of 2^32
  q = <u64>(<u32>(<u32>t7 * N0INV));
  p = q * 0xfc632551; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = q * 0xf3b9cac2; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = q * 0xa7179e84; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = q * 0xbce6faad; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  t11 -= <i64>q; t12 += <i64>q;
  t12 -= <i64>q; t13 += <i64>q;
  t14 -= <i64>q; t15 += <i64>q;
  t8 += t7 >> 32; // t7 is now a multiple of 2^32
  let c: i64 = 0;
  c += t8; const r0 = <u32>c; c >>= 32;
  c += t9; const r1 = <u32>c; c >>= 32;
  c += t10; const r2 = <u32>c; c >>= 32;
  c += t11; const r3 = <u32>c; c >>= 32;
  c += t12; const r4 = <u32>c; c >>= 32;
  c += t13; const r5 = <u32>c; c >>= 32;
  c += t14; const r6 = <u32>c; c >>= 32;
  c += t15; const r7 = <u32>c; c >>= 32;
  c += t16;
  const top = <u32>c;
  let b: i64 = 0;
  b += <i64>r0 - 0xfc632551; const d0 = <u32>b; b >>= 32;
  b += <i64>r1 - 0xf3b9cac2; const d1 = <u32>b; b >>= 32;
  b += <i64>r2 - 0xa7179e84; const d2 = <u32>b; b >>= 32;
  b += <i64>r3 - 0xbce6faad; const d3 = <u32>b; b >>= 32;
  b += <i64>r4 - 0xffffffff; const d4 = <u32>b; b >>= 32;
  b += <i64>r5 - 0xffffffff; const d5 = <u32>b; b >>= 32;
  b += <i64>r6 - 0x0; const d6 = <u32>b; b >>= 32;
  b += <i64>r7 - 0xffffffff; const d7 = <u32>b; b >>= 32;
  b += <i64>top;
  const keep = <u32>(b >> 32);
  store<u32>(h, d0 ^ (keep & (r0 ^ d0)), 0);
  store<u32>(h, d1 ^ (keep & (r1 ^ d1)), 4);
  store<u32>(h, d2 ^ (keep & (r2 ^ d2)), 8);
  store<u32>(h, d3 ^ (keep & (r3 ^ d3)), 12);
  store<u32>(h, d4 ^ (keep & (r4 ^ d4)), 16);
  store<u32>(h, d5 ^ (keep & (r5 ^ d5)), 20);
  store<u32>(h, d6 ^ (keep & (r6 ^ d6)), 24);
  store<u32>(h, d7 ^ (keep & (r7 ^ d7)), 28);
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
const E2: usize = memory.data(32, 8);
const ODD_POW: usize = memory.data(8 * 32, 8); // f^1, f^3, ..., f^15

/** Bit i of the public exponent n - 2 (the low limb of n is 0xfc632551: subtracting 2 never borrows). */
@inline function nm2Bit(i: i32): u32 {
  let limb = load<u32>(N + (<usize>(i >> 5) << 2));
  if (i < 32) limb -= 2;
  return (limb >> <u32>(i & 31)) & 1;
}

/**
 * h = f^(n-2) (Montgomery form in and out) = f^-1; h may alias f. Sliding
 * window of width 4 over odd powers (256 squarings, about 60 multiplications).
 * Constant time: the sequence of products and the table entries used depend on
 * the public exponent n - 2 only, never on f.
 */
export function fnInv(h: usize, f: usize): void {
  memory.copy(ODD_POW, f, 32);
  fnSq(E2, f);
  for (let k: usize = 1; k < 8; k++) fnMul(ODD_POW + (k << 5), ODD_POW + ((k - 1) << 5), E2);
  const t = E1;
  let started = false;
  let i = 255;
  while (i >= 0) {
    if (nm2Bit(i) == 0) {
      if (started) fnSq(t, t);
      i--;
      continue;
    }
    // the longest window i..j (at most 4 bits) ending in a 1
    let j = i - 3;
    if (j < 0) j = 0;
    while (nm2Bit(j) == 0) j++;
    let v: u32 = 0;
    for (let k = i; k >= j; k--) {
      v = (v << 1) | nm2Bit(k);
      if (started) fnSq(t, t);
    }
    const e = ODD_POW + (<usize>(v >> 1) << 5);
    if (started) fnMul(t, t, e);
    else memory.copy(t, e, 32);
    started = true;
    i = j - 1;
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
