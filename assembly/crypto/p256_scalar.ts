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
  const a0 = <u64>load<u32>(f, 0);
  const a1 = <u64>load<u32>(f, 4);
  const a2 = <u64>load<u32>(f, 8);
  const a3 = <u64>load<u32>(f, 12);
  const a4 = <u64>load<u32>(f, 16);
  const a5 = <u64>load<u32>(f, 20);
  const a6 = <u64>load<u32>(f, 24);
  const a7 = <u64>load<u32>(f, 28);
  const b0 = <u64>load<u32>(g, 0);
  const b1 = <u64>load<u32>(g, 4);
  const b2 = <u64>load<u32>(g, 8);
  const b3 = <u64>load<u32>(g, 12);
  const b4 = <u64>load<u32>(g, 16);
  const b5 = <u64>load<u32>(g, 20);
  const b6 = <u64>load<u32>(g, 24);
  const b7 = <u64>load<u32>(g, 28);
  let p: u64;
  let l0: u64 = 0, h0: u64 = 0;
  p = a0 * b0; l0 += p & 0xffffffff; h0 += p >> 32;
  let l1: u64 = 0, h1: u64 = 0;
  p = a0 * b1; l1 += p & 0xffffffff; h1 += p >> 32;
  p = a1 * b0; l1 += p & 0xffffffff; h1 += p >> 32;
  let l2: u64 = 0, h2: u64 = 0;
  p = a0 * b2; l2 += p & 0xffffffff; h2 += p >> 32;
  p = a1 * b1; l2 += p & 0xffffffff; h2 += p >> 32;
  p = a2 * b0; l2 += p & 0xffffffff; h2 += p >> 32;
  let l3: u64 = 0, h3: u64 = 0;
  p = a0 * b3; l3 += p & 0xffffffff; h3 += p >> 32;
  p = a1 * b2; l3 += p & 0xffffffff; h3 += p >> 32;
  p = a2 * b1; l3 += p & 0xffffffff; h3 += p >> 32;
  p = a3 * b0; l3 += p & 0xffffffff; h3 += p >> 32;
  let l4: u64 = 0, h4: u64 = 0;
  p = a0 * b4; l4 += p & 0xffffffff; h4 += p >> 32;
  p = a1 * b3; l4 += p & 0xffffffff; h4 += p >> 32;
  p = a2 * b2; l4 += p & 0xffffffff; h4 += p >> 32;
  p = a3 * b1; l4 += p & 0xffffffff; h4 += p >> 32;
  p = a4 * b0; l4 += p & 0xffffffff; h4 += p >> 32;
  let l5: u64 = 0, h5: u64 = 0;
  p = a0 * b5; l5 += p & 0xffffffff; h5 += p >> 32;
  p = a1 * b4; l5 += p & 0xffffffff; h5 += p >> 32;
  p = a2 * b3; l5 += p & 0xffffffff; h5 += p >> 32;
  p = a3 * b2; l5 += p & 0xffffffff; h5 += p >> 32;
  p = a4 * b1; l5 += p & 0xffffffff; h5 += p >> 32;
  p = a5 * b0; l5 += p & 0xffffffff; h5 += p >> 32;
  let l6: u64 = 0, h6: u64 = 0;
  p = a0 * b6; l6 += p & 0xffffffff; h6 += p >> 32;
  p = a1 * b5; l6 += p & 0xffffffff; h6 += p >> 32;
  p = a2 * b4; l6 += p & 0xffffffff; h6 += p >> 32;
  p = a3 * b3; l6 += p & 0xffffffff; h6 += p >> 32;
  p = a4 * b2; l6 += p & 0xffffffff; h6 += p >> 32;
  p = a5 * b1; l6 += p & 0xffffffff; h6 += p >> 32;
  p = a6 * b0; l6 += p & 0xffffffff; h6 += p >> 32;
  let l7: u64 = 0, h7: u64 = 0;
  p = a0 * b7; l7 += p & 0xffffffff; h7 += p >> 32;
  p = a1 * b6; l7 += p & 0xffffffff; h7 += p >> 32;
  p = a2 * b5; l7 += p & 0xffffffff; h7 += p >> 32;
  p = a3 * b4; l7 += p & 0xffffffff; h7 += p >> 32;
  p = a4 * b3; l7 += p & 0xffffffff; h7 += p >> 32;
  p = a5 * b2; l7 += p & 0xffffffff; h7 += p >> 32;
  p = a6 * b1; l7 += p & 0xffffffff; h7 += p >> 32;
  p = a7 * b0; l7 += p & 0xffffffff; h7 += p >> 32;
  let l8: u64 = 0, h8: u64 = 0;
  p = a1 * b7; l8 += p & 0xffffffff; h8 += p >> 32;
  p = a2 * b6; l8 += p & 0xffffffff; h8 += p >> 32;
  p = a3 * b5; l8 += p & 0xffffffff; h8 += p >> 32;
  p = a4 * b4; l8 += p & 0xffffffff; h8 += p >> 32;
  p = a5 * b3; l8 += p & 0xffffffff; h8 += p >> 32;
  p = a6 * b2; l8 += p & 0xffffffff; h8 += p >> 32;
  p = a7 * b1; l8 += p & 0xffffffff; h8 += p >> 32;
  let l9: u64 = 0, h9: u64 = 0;
  p = a2 * b7; l9 += p & 0xffffffff; h9 += p >> 32;
  p = a3 * b6; l9 += p & 0xffffffff; h9 += p >> 32;
  p = a4 * b5; l9 += p & 0xffffffff; h9 += p >> 32;
  p = a5 * b4; l9 += p & 0xffffffff; h9 += p >> 32;
  p = a6 * b3; l9 += p & 0xffffffff; h9 += p >> 32;
  p = a7 * b2; l9 += p & 0xffffffff; h9 += p >> 32;
  let l10: u64 = 0, h10: u64 = 0;
  p = a3 * b7; l10 += p & 0xffffffff; h10 += p >> 32;
  p = a4 * b6; l10 += p & 0xffffffff; h10 += p >> 32;
  p = a5 * b5; l10 += p & 0xffffffff; h10 += p >> 32;
  p = a6 * b4; l10 += p & 0xffffffff; h10 += p >> 32;
  p = a7 * b3; l10 += p & 0xffffffff; h10 += p >> 32;
  let l11: u64 = 0, h11: u64 = 0;
  p = a4 * b7; l11 += p & 0xffffffff; h11 += p >> 32;
  p = a5 * b6; l11 += p & 0xffffffff; h11 += p >> 32;
  p = a6 * b5; l11 += p & 0xffffffff; h11 += p >> 32;
  p = a7 * b4; l11 += p & 0xffffffff; h11 += p >> 32;
  let l12: u64 = 0, h12: u64 = 0;
  p = a5 * b7; l12 += p & 0xffffffff; h12 += p >> 32;
  p = a6 * b6; l12 += p & 0xffffffff; h12 += p >> 32;
  p = a7 * b5; l12 += p & 0xffffffff; h12 += p >> 32;
  let l13: u64 = 0, h13: u64 = 0;
  p = a6 * b7; l13 += p & 0xffffffff; h13 += p >> 32;
  p = a7 * b6; l13 += p & 0xffffffff; h13 += p >> 32;
  let l14: u64 = 0, h14: u64 = 0;
  p = a7 * b7; l14 += p & 0xffffffff; h14 += p >> 32;
  let t0: i64 = <i64>l0;
  let t1: i64 = <i64>l1 + <i64>h0;
  let t2: i64 = <i64>l2 + <i64>h1;
  let t3: i64 = <i64>l3 + <i64>h2;
  let t4: i64 = <i64>l4 + <i64>h3;
  let t5: i64 = <i64>l5 + <i64>h4;
  let t6: i64 = <i64>l6 + <i64>h5;
  let t7: i64 = <i64>l7 + <i64>h6;
  let t8: i64 = <i64>l8 + <i64>h7;
  let t9: i64 = <i64>l9 + <i64>h8;
  let t10: i64 = <i64>l10 + <i64>h9;
  let t11: i64 = <i64>l11 + <i64>h10;
  let t12: i64 = <i64>l12 + <i64>h11;
  let t13: i64 = <i64>l13 + <i64>h12;
  let t14: i64 = <i64>l14 + <i64>h13;
  let t15: i64 = <i64>h14;
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
  const a0 = <u64>load<u32>(f, 0);
  const a1 = <u64>load<u32>(f, 4);
  const a2 = <u64>load<u32>(f, 8);
  const a3 = <u64>load<u32>(f, 12);
  const a4 = <u64>load<u32>(f, 16);
  const a5 = <u64>load<u32>(f, 20);
  const a6 = <u64>load<u32>(f, 24);
  const a7 = <u64>load<u32>(f, 28);
  let p: u64;
  let l0: u64 = 0, h0: u64 = 0;
  p = a0 * a0;
  l0 += p & 0xffffffff; h0 += p >> 32;
  let l1: u64 = 0, h1: u64 = 0;
  p = a0 * a1;
  l1 += (p & 0xffffffff) << 1; h1 += (p >> 32) << 1;
  let l2: u64 = 0, h2: u64 = 0;
  p = a0 * a2;
  l2 += (p & 0xffffffff) << 1; h2 += (p >> 32) << 1;
  p = a1 * a1;
  l2 += p & 0xffffffff; h2 += p >> 32;
  let l3: u64 = 0, h3: u64 = 0;
  p = a0 * a3;
  l3 += (p & 0xffffffff) << 1; h3 += (p >> 32) << 1;
  p = a1 * a2;
  l3 += (p & 0xffffffff) << 1; h3 += (p >> 32) << 1;
  let l4: u64 = 0, h4: u64 = 0;
  p = a0 * a4;
  l4 += (p & 0xffffffff) << 1; h4 += (p >> 32) << 1;
  p = a1 * a3;
  l4 += (p & 0xffffffff) << 1; h4 += (p >> 32) << 1;
  p = a2 * a2;
  l4 += p & 0xffffffff; h4 += p >> 32;
  let l5: u64 = 0, h5: u64 = 0;
  p = a0 * a5;
  l5 += (p & 0xffffffff) << 1; h5 += (p >> 32) << 1;
  p = a1 * a4;
  l5 += (p & 0xffffffff) << 1; h5 += (p >> 32) << 1;
  p = a2 * a3;
  l5 += (p & 0xffffffff) << 1; h5 += (p >> 32) << 1;
  let l6: u64 = 0, h6: u64 = 0;
  p = a0 * a6;
  l6 += (p & 0xffffffff) << 1; h6 += (p >> 32) << 1;
  p = a1 * a5;
  l6 += (p & 0xffffffff) << 1; h6 += (p >> 32) << 1;
  p = a2 * a4;
  l6 += (p & 0xffffffff) << 1; h6 += (p >> 32) << 1;
  p = a3 * a3;
  l6 += p & 0xffffffff; h6 += p >> 32;
  let l7: u64 = 0, h7: u64 = 0;
  p = a0 * a7;
  l7 += (p & 0xffffffff) << 1; h7 += (p >> 32) << 1;
  p = a1 * a6;
  l7 += (p & 0xffffffff) << 1; h7 += (p >> 32) << 1;
  p = a2 * a5;
  l7 += (p & 0xffffffff) << 1; h7 += (p >> 32) << 1;
  p = a3 * a4;
  l7 += (p & 0xffffffff) << 1; h7 += (p >> 32) << 1;
  let l8: u64 = 0, h8: u64 = 0;
  p = a1 * a7;
  l8 += (p & 0xffffffff) << 1; h8 += (p >> 32) << 1;
  p = a2 * a6;
  l8 += (p & 0xffffffff) << 1; h8 += (p >> 32) << 1;
  p = a3 * a5;
  l8 += (p & 0xffffffff) << 1; h8 += (p >> 32) << 1;
  p = a4 * a4;
  l8 += p & 0xffffffff; h8 += p >> 32;
  let l9: u64 = 0, h9: u64 = 0;
  p = a2 * a7;
  l9 += (p & 0xffffffff) << 1; h9 += (p >> 32) << 1;
  p = a3 * a6;
  l9 += (p & 0xffffffff) << 1; h9 += (p >> 32) << 1;
  p = a4 * a5;
  l9 += (p & 0xffffffff) << 1; h9 += (p >> 32) << 1;
  let l10: u64 = 0, h10: u64 = 0;
  p = a3 * a7;
  l10 += (p & 0xffffffff) << 1; h10 += (p >> 32) << 1;
  p = a4 * a6;
  l10 += (p & 0xffffffff) << 1; h10 += (p >> 32) << 1;
  p = a5 * a5;
  l10 += p & 0xffffffff; h10 += p >> 32;
  let l11: u64 = 0, h11: u64 = 0;
  p = a4 * a7;
  l11 += (p & 0xffffffff) << 1; h11 += (p >> 32) << 1;
  p = a5 * a6;
  l11 += (p & 0xffffffff) << 1; h11 += (p >> 32) << 1;
  let l12: u64 = 0, h12: u64 = 0;
  p = a5 * a7;
  l12 += (p & 0xffffffff) << 1; h12 += (p >> 32) << 1;
  p = a6 * a6;
  l12 += p & 0xffffffff; h12 += p >> 32;
  let l13: u64 = 0, h13: u64 = 0;
  p = a6 * a7;
  l13 += (p & 0xffffffff) << 1; h13 += (p >> 32) << 1;
  let l14: u64 = 0, h14: u64 = 0;
  p = a7 * a7;
  l14 += p & 0xffffffff; h14 += p >> 32;
  let t0: i64 = <i64>l0;
  let t1: i64 = <i64>l1 + <i64>h0;
  let t2: i64 = <i64>l2 + <i64>h1;
  let t3: i64 = <i64>l3 + <i64>h2;
  let t4: i64 = <i64>l4 + <i64>h3;
  let t5: i64 = <i64>l5 + <i64>h4;
  let t6: i64 = <i64>l6 + <i64>h5;
  let t7: i64 = <i64>l7 + <i64>h6;
  let t8: i64 = <i64>l8 + <i64>h7;
  let t9: i64 = <i64>l9 + <i64>h8;
  let t10: i64 = <i64>l10 + <i64>h9;
  let t11: i64 = <i64>l11 + <i64>h10;
  let t12: i64 = <i64>l12 + <i64>h11;
  let t13: i64 = <i64>l13 + <i64>h12;
  let t14: i64 = <i64>l14 + <i64>h13;
  let t15: i64 = <i64>h14;
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
