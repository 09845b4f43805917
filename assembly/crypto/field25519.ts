// Arithmetic in GF(2^255 - 19) for X25519 (RFC 7748 §4.1, §5).
//
// An element is 10 signed i64 limbs in linear memory (80 bytes), radix
// 2^25.5 (ref10 layout): limb i holds bits [ceil(25.5 i), ceil(25.5 (i+1))),
// even limbs 26 bits, odd limbs 25 bits. Products of two limbs fit in i64 with
// room for the sums, so a multiplication is 100 i64 multiplies and one carry
// chain. Every function here runs in constant time: the same instructions and
// memory addresses whatever the values (no branches or indexes on limb values).

/** Bytes of one field element. */
export const FE_SIZE: usize = 80;

// @inline-free helpers keep the code size in check; the hot ones are inlined.

/** h = 0 */
export function feZero(h: usize): void {
  memory.fill(h, 0, FE_SIZE);
}

/** h = 1 */
export function feOne(h: usize): void {
  memory.fill(h, 0, FE_SIZE);
  store<i64>(h, 1);
}

/** h = f */
@inline
export function feCopy(h: usize, f: usize): void {
  memory.copy(h, f, FE_SIZE);
}

/** h = f + g (no carry: the result feeds a multiplication); unrolled, all limbs in locals. */
export function feAdd(h: usize, f: usize, g: usize): void {
  const s0 = load<i64>(f, 0) + load<i64>(g, 0), s1 = load<i64>(f, 8) + load<i64>(g, 8);
  const s2 = load<i64>(f, 16) + load<i64>(g, 16), s3 = load<i64>(f, 24) + load<i64>(g, 24);
  const s4 = load<i64>(f, 32) + load<i64>(g, 32), s5 = load<i64>(f, 40) + load<i64>(g, 40);
  const s6 = load<i64>(f, 48) + load<i64>(g, 48), s7 = load<i64>(f, 56) + load<i64>(g, 56);
  const s8 = load<i64>(f, 64) + load<i64>(g, 64), s9 = load<i64>(f, 72) + load<i64>(g, 72);
  store<i64>(h, s0, 0); store<i64>(h, s1, 8); store<i64>(h, s2, 16); store<i64>(h, s3, 24); store<i64>(h, s4, 32);
  store<i64>(h, s5, 40); store<i64>(h, s6, 48); store<i64>(h, s7, 56); store<i64>(h, s8, 64); store<i64>(h, s9, 72);
}

/** h = f - g (no carry: the result feeds a multiplication); unrolled, all limbs in locals. */
export function feSub(h: usize, f: usize, g: usize): void {
  const s0 = load<i64>(f, 0) - load<i64>(g, 0), s1 = load<i64>(f, 8) - load<i64>(g, 8);
  const s2 = load<i64>(f, 16) - load<i64>(g, 16), s3 = load<i64>(f, 24) - load<i64>(g, 24);
  const s4 = load<i64>(f, 32) - load<i64>(g, 32), s5 = load<i64>(f, 40) - load<i64>(g, 40);
  const s6 = load<i64>(f, 48) - load<i64>(g, 48), s7 = load<i64>(f, 56) - load<i64>(g, 56);
  const s8 = load<i64>(f, 64) - load<i64>(g, 64), s9 = load<i64>(f, 72) - load<i64>(g, 72);
  store<i64>(h, s0, 0); store<i64>(h, s1, 8); store<i64>(h, s2, 16); store<i64>(h, s3, 24); store<i64>(h, s4, 32);
  store<i64>(h, s5, 40); store<i64>(h, s6, 48); store<i64>(h, s7, 56); store<i64>(h, s8, 64); store<i64>(h, s9, 72);
}

/** s = f + g and d = f - g in one pass (no carry: both feed multiplications); s, d may alias f, g. */
export function feAddSub(s: usize, d: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < FE_SIZE; i += 16) {
    const x = v128.load(f + i), y = v128.load(g + i);
    v128.store(s + i, i64x2.add(x, y));
    v128.store(d + i, i64x2.sub(x, y));
  }
}

/** Swaps f and g when b == 1, leaves them when b == 0 (b must be 0 or 1): mask arithmetic, no branch. */
export function feCswap(f: usize, g: usize, b: u32): void {
  const mask: i64 = -(<i64>b);
  for (let i: usize = 0; i < FE_SIZE; i += 16) {
    // two limbs per step as one v128: the same instructions and addresses for either b
    const x = v128.load(f + i);
    const y = v128.load(g + i);
    const t = v128.and(i64x2.splat(mask), v128.xor(x, y));
    v128.store(f + i, v128.xor(x, t));
    v128.store(g + i, v128.xor(y, t));
  }
}

// ref10 carry chain: brings every limb back to 26/25 bits (+ a small excess).
@inline
function carryStore(h: usize, h0: i64, h1: i64, h2: i64, h3: i64, h4: i64, h5: i64, h6: i64, h7: i64, h8: i64, h9: i64): void {
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  store<i64>(h, h0); store<i64>(h, h1, 8); store<i64>(h, h2, 16); store<i64>(h, h3, 24); store<i64>(h, h4, 32);
  store<i64>(h, h5, 40); store<i64>(h, h6, 48); store<i64>(h, h7, 56); store<i64>(h, h8, 64); store<i64>(h, h9, 72);
}

/** h = f * g (h may alias f or g). Schoolbook with the 2^255 = 19 fold; generated, see the layout above. */
export function feMul(h: usize, f: usize, g: usize): void {
  const f0 = load<i64>(f, 0);
  const f1 = load<i64>(f, 8);
  const f2 = load<i64>(f, 16);
  const f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40);
  const f6 = load<i64>(f, 48);
  const f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64);
  const f9 = load<i64>(f, 72);
  const g0 = load<i64>(g, 0);
  const g1 = load<i64>(g, 8);
  const g2 = load<i64>(g, 16);
  const g3 = load<i64>(g, 24);
  const g4 = load<i64>(g, 32);
  const g5 = load<i64>(g, 40);
  const g6 = load<i64>(g, 48);
  const g7 = load<i64>(g, 56);
  const g8 = load<i64>(g, 64);
  const g9 = load<i64>(g, 72);
  const g1_19 = g1 * 19;
  const g2_19 = g2 * 19;
  const g3_19 = g3 * 19;
  const g4_19 = g4 * 19;
  const g5_19 = g5 * 19;
  const g6_19 = g6 * 19;
  const g7_19 = g7 * 19;
  const g8_19 = g8 * 19;
  const g9_19 = g9 * 19;
  const f1_2 = f1 * 2;
  const f3_2 = f3 * 2;
  const f5_2 = f5 * 2;
  const f7_2 = f7 * 2;
  const f9_2 = f9 * 2;
  let h0 = f0 * g0 + f1_2 * g9_19 + f2 * g8_19 + f3_2 * g7_19 + f4 * g6_19 + f5_2 * g5_19 + f6 * g4_19 + f7_2 * g3_19 + f8 * g2_19 + f9_2 * g1_19;
  let h1 = f0 * g1 + f1 * g0 + f2 * g9_19 + f3 * g8_19 + f4 * g7_19 + f5 * g6_19 + f6 * g5_19 + f7 * g4_19 + f8 * g3_19 + f9 * g2_19;
  let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + f3_2 * g9_19 + f4 * g8_19 + f5_2 * g7_19 + f6 * g6_19 + f7_2 * g5_19 + f8 * g4_19 + f9_2 * g3_19;
  let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9_19 + f5 * g8_19 + f6 * g7_19 + f7 * g6_19 + f8 * g5_19 + f9 * g4_19;
  let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + f5_2 * g9_19 + f6 * g8_19 + f7_2 * g7_19 + f8 * g6_19 + f9_2 * g5_19;
  let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9_19 + f7 * g8_19 + f8 * g7_19 + f9 * g6_19;
  let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + f7_2 * g9_19 + f8 * g8_19 + f9_2 * g7_19;
  let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9_19 + f9 * g8_19;
  let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + f9_2 * g9_19;
  let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^2 (h may alias f) */
export function feSq(h: usize, f: usize): void {
  const f0 = load<i64>(f, 0);
  const f1 = load<i64>(f, 8);
  const f2 = load<i64>(f, 16);
  const f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40);
  const f6 = load<i64>(f, 48);
  const f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64);
  const f9 = load<i64>(f, 72);
  const f1_19 = f1 * 19;
  const f2_19 = f2 * 19;
  const f3_19 = f3 * 19;
  const f4_19 = f4 * 19;
  const f5_19 = f5 * 19;
  const f6_19 = f6 * 19;
  const f7_19 = f7 * 19;
  const f8_19 = f8 * 19;
  const f9_19 = f9 * 19;
  let h0 = f0 * f0 + (f1 * 4) * f9_19 + (f2 * 2) * f8_19 + (f3 * 4) * f7_19 + (f4 * 2) * f6_19 + (f5 * 2) * f5_19;
  let h1 = (f0 * 2) * f1 + (f2 * 2) * f9_19 + (f3 * 2) * f8_19 + (f4 * 2) * f7_19 + (f5 * 2) * f6_19;
  let h2 = (f0 * 2) * f2 + (f1 * 2) * f1 + (f3 * 4) * f9_19 + (f4 * 2) * f8_19 + (f5 * 4) * f7_19 + f6 * f6_19;
  let h3 = (f0 * 2) * f3 + (f1 * 2) * f2 + (f4 * 2) * f9_19 + (f5 * 2) * f8_19 + (f6 * 2) * f7_19;
  let h4 = (f0 * 2) * f4 + (f1 * 4) * f3 + f2 * f2 + (f5 * 4) * f9_19 + (f6 * 2) * f8_19 + (f7 * 2) * f7_19;
  let h5 = (f0 * 2) * f5 + (f1 * 2) * f4 + (f2 * 2) * f3 + (f6 * 2) * f9_19 + (f7 * 2) * f8_19;
  let h6 = (f0 * 2) * f6 + (f1 * 4) * f5 + (f2 * 2) * f4 + (f3 * 2) * f3 + (f7 * 4) * f9_19 + f8 * f8_19;
  let h7 = (f0 * 2) * f7 + (f1 * 2) * f6 + (f2 * 2) * f5 + (f3 * 2) * f4 + (f8 * 2) * f9_19;
  let h8 = (f0 * 2) * f8 + (f1 * 4) * f7 + (f2 * 2) * f6 + (f3 * 4) * f5 + f4 * f4 + (f9 * 2) * f9_19;
  let h9 = (f0 * 2) * f9 + (f1 * 2) * f8 + (f2 * 2) * f7 + (f3 * 2) * f6 + (f4 * 2) * f5;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^(2^n) for n >= 1 */
export function feSqN(h: usize, f: usize, n: i32): void {
  feSq(h, f);
  for (let i = 1; i < n; i++) feSq(h, h);
}

/** h = f * c for a small constant c (< 2^20), e.g. a24 = 121665 (RFC 7748 §5) */
export function feMulSmall(h: usize, f: usize, c: i64): void {
  carryStore(h,
    load<i64>(f) * c, load<i64>(f, 8) * c, load<i64>(f, 16) * c, load<i64>(f, 24) * c, load<i64>(f, 32) * c,
    load<i64>(f, 40) * c, load<i64>(f, 48) * c, load<i64>(f, 56) * c, load<i64>(f, 64) * c, load<i64>(f, 72) * c);
}

/** h = g + f * c, carried (c < 2^20; the ladder's AA + a24 E, RFC 7748 §5): one pass instead of feMulSmall + feAdd. */
export function feMulSmallAdd(h: usize, f: usize, c: i64, g: usize): void {
  carryStore(h,
    load<i64>(g) + load<i64>(f) * c, load<i64>(g, 8) + load<i64>(f, 8) * c, load<i64>(g, 16) + load<i64>(f, 16) * c,
    load<i64>(g, 24) + load<i64>(f, 24) * c, load<i64>(g, 32) + load<i64>(f, 32) * c, load<i64>(g, 40) + load<i64>(f, 40) * c,
    load<i64>(g, 48) + load<i64>(f, 48) * c, load<i64>(g, 56) + load<i64>(f, 56) * c, load<i64>(g, 64) + load<i64>(f, 64) * c,
    load<i64>(g, 72) + load<i64>(f, 72) * c);
}

const INV_T0: usize = memory.data(<i32>FE_SIZE, 8);
const INV_T1: usize = memory.data(<i32>FE_SIZE, 8);
const INV_T2: usize = memory.data(<i32>FE_SIZE, 8);
const INV_T3: usize = memory.data(<i32>FE_SIZE, 8);

/** h = z^(p-2) = z^-1 (0 for z = 0): Fermat, fixed addition chain (ref10), constant time. */
export function feInvert(h: usize, z: usize): void {
  const t0 = INV_T0, t1 = INV_T1, t2 = INV_T2, t3 = INV_T3;
  feSq(t0, z);            // z^2
  feSqN(t1, t0, 2);       // z^8
  feMul(t1, z, t1);       // z^9
  feMul(t0, t0, t1);      // z^11
  feSq(t2, t0);           // z^22
  feMul(t1, t1, t2);      // z^(2^5 - 1)
  feSqN(t2, t1, 5);
  feMul(t1, t2, t1);      // z^(2^10 - 1)
  feSqN(t2, t1, 10);
  feMul(t2, t2, t1);      // z^(2^20 - 1)
  feSqN(t3, t2, 20);
  feMul(t2, t3, t2);      // z^(2^40 - 1)
  feSqN(t2, t2, 10);
  feMul(t1, t2, t1);      // z^(2^50 - 1)
  feSqN(t2, t1, 50);
  feMul(t2, t2, t1);      // z^(2^100 - 1)
  feSqN(t3, t2, 100);
  feMul(t2, t3, t2);      // z^(2^200 - 1)
  feSqN(t2, t2, 50);
  feMul(t1, t2, t1);      // z^(2^250 - 1)
  feSqN(t1, t1, 5);       // z^(2^255 - 32)
  feMul(h, t1, t0);       // z^(2^255 - 21) = z^(p - 2)
}

// Bit offset of limb i: ceil(25.5 i).
@inline function limbOffset(i: i32): i32 { return (i * 51 + 1) >> 1; }
@inline function limbBits(i: i32): i32 { return (i & 1) ? 25 : 26; }

/** h = the 32-byte little-endian string s with its top bit ignored (RFC 7748 §5: "mask the most significant bit"). */
export function feFromBytes(h: usize, s: usize): void {
  const w0 = load<u64>(s), w1 = load<u64>(s, 8), w2 = load<u64>(s, 16), w3 = load<u64>(s, 24) & 0x7fffffffffffffff;
  for (let i = 0; i < 10; i++) {
    const o = limbOffset(i);
    const wi = o >> 6, sh = <u64>(o & 63);
    // public offsets: the word choice depends on i only
    const lo = wi == 0 ? w0 : wi == 1 ? w1 : wi == 2 ? w2 : w3;
    const hi = wi == 0 ? w1 : wi == 1 ? w2 : wi == 2 ? w3 : <u64>0;
    let v = lo >> sh;
    if (sh != 0) v |= hi << (64 - sh);
    store<i64>(h + (<usize>i << 3), <i64>(v & ((<u64>1 << <u64>limbBits(i)) - 1)));
  }
}

/** s = the canonical 32-byte little-endian encoding of h (fully reduced mod p; ref10 fe_tobytes). */
export function feToBytes(s: usize, h: usize): void {
  let h0 = load<i64>(h), h1 = load<i64>(h, 8), h2 = load<i64>(h, 16), h3 = load<i64>(h, 24), h4 = load<i64>(h, 32);
  let h5 = load<i64>(h, 40), h6 = load<i64>(h, 48), h7 = load<i64>(h, 56), h8 = load<i64>(h, 64), h9 = load<i64>(h, 72);
  // q = floor(h / p) in {0, 1} for a carried h: computed without branches.
  let q: i64 = (19 * h9 + (1 << 24)) >> 25;
  q = (h0 + q) >> 26; q = (h1 + q) >> 25; q = (h2 + q) >> 26; q = (h3 + q) >> 25; q = (h4 + q) >> 26;
  q = (h5 + q) >> 25; q = (h6 + q) >> 26; q = (h7 + q) >> 25; q = (h8 + q) >> 26; q = (h9 + q) >> 25;
  h0 += 19 * q; // h - q p = h + 19 q - 2^255 q: the 2^255 is dropped with the final carry
  let c: i64;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  c = h9 >> 25; h9 -= c << 25;
  const u0 = <u64>h0, u1 = <u64>h1, u2 = <u64>h2, u3 = <u64>h3, u4 = <u64>h4;
  const u5 = <u64>h5, u6 = <u64>h6, u7 = <u64>h7, u8 = <u64>h8, u9 = <u64>h9;
  // offsets 0, 26, 51, 77, 102, 128, 153, 179, 204, 230
  store<u64>(s, u0 | (u1 << 26) | (u2 << 51));
  store<u64>(s, (u2 >> 13) | (u3 << 13) | (u4 << 38), 8);
  store<u64>(s, u5 | (u6 << 25) | (u7 << 51), 16);
  store<u64>(s, (u7 >> 13) | (u8 << 12) | (u9 << 38), 24);
}
