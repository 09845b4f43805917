// AES-128 / AES-256 encryption (FIPS 197), forward cipher only: GCM (CTR +
// GHASH) and QUIC header protection never need the inverse cipher.
//
// Bulk CTR keystream: bitsliced, 8 blocks at a time (encrypt8 below).
// Single blocks (GCM's H and E(J0), header protection masks, short tails):
// SubBytes is 16 table lookups done with i8x16.swizzle over the
// whole state (one 16-byte row of the S-box per lookup; row h is indexed with
// x - 16h, in range only for bytes whose high nibble is h, and out-of-range
// swizzle indices yield zero). Every byte
// goes through all 16 rows, so no memory address and no branch depends on key
// or data. ShiftRows and the MixColumns rotations are constant shuffles.
// The key schedule uses the same SubBytes.

// FIPS 197 §5.1.1 Figure 7: the S-box, row h = bytes 16h..16h+15.
const SBOX_DATA: StaticArray<u8> = [
  0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
  0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
  0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
  0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
  0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
  0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
  0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
  0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
  0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
  0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
  0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
  0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
  0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
  0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
  0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
  0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
];
const SBOX: usize = changetype<usize>(SBOX_DATA);

// FIPS 197 §5.2: round constants.
const RCON: StaticArray<u8> = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];

/** SubBytes on all 16 bytes of `x` (constant time, see the header). */
@inline export function subBytes(x: v128): v128 {
  let r = i8x16.swizzle(v128.load(SBOX), x);
  // Row h is looked up with x - 16h: in range (0..15) exactly when x's high
  // nibble is h. One constant, kept in a register (V8 rebuilds each distinct
  // splat constant).
  const step = i8x16.splat(0x10);
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 16), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 32), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 48), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 64), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 80), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 96), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 112), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 128), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 144), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 160), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 176), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 192), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 208), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 224), x));
  x = i8x16.sub(x, step); r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 240), x));
  return r;
}

/** ShiftRows (FIPS 197 §5.1.2); state byte r + 4c is row r, column c. */
@inline function shiftRows(x: v128): v128 {
  return i8x16.shuffle(x, x, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11);
}

/** xtime (FIPS 197 §4.2.1) on every byte. */
@inline function xtime(x: v128): v128 {
  return v128.xor(i8x16.add(x, x), v128.and(i8x16.shr_s(x, 7), i8x16.splat(0x1b)));
}

/** MixColumns (FIPS 197 §5.1.3): b = 2a0 ^ 3a1 ^ a2 ^ a3 per rotated column. */
@inline function mixColumns(a: v128): v128 {
  const a1 = i8x16.shuffle(a, a, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
  const t = v128.xor(a, a1);
  const t2 = i8x16.shuffle(t, t, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  return v128.xor(v128.xor(xtime(t), a1), t2);
}

@inline function round(s: v128, rk: v128): v128 {
  return v128.xor(mixColumns(shiftRows(subBytes(s))), rk);
}

@inline function lastRound(s: v128, rk: v128): v128 {
  return v128.xor(shiftRows(subBytes(s)), rk);
}

/** An expanded AES key: (rounds + 1) round keys of 16 bytes. */
@final
export class AesKey {
  /** Round keys, 15 × 16 bytes (AES-256 needs all of them). */
  rk: StaticArray<u8> = new StaticArray<u8>(15 * 16);
  /** The same round keys bitsliced for encrypt8 (aesCtr32): 8 planes of 16 bytes per round, sized by `expand`; empty when not `bitsliced`. */
  rkb: StaticArray<u8> = new StaticArray<u8>(0);
  rounds: i32 = 0;

  /** `bitsliced` false: single blocks only (`aesEncrypt`, e.g. header protection); saves the 1.4-1.9 KB of bitsliced round keys. */
  constructor(readonly bitsliced: bool = true) {}

  /** FIPS 197 §5.2 KeyExpansion; `keyLen` is 16 or 32 (other lengths are treated as 16). */
  expand(key: usize, keyLen: usize): void {
    const nk: i32 = keyLen == 32 ? 8 : 4;
    const nr = nk + 6;
    this.rounds = nr;
    const w = changetype<usize>(this.rk);
    // Words kept in memory order: load<u32> gives byte 0 in the low bits.
    memory.copy(w, key, <usize>(nk << 2));
    const total = (nr + 1) << 2;
    for (let i = nk; i < total; i++) {
      let temp = load<u32>(w + (<usize>(i - 1) << 2));
      if (i % nk == 0) {
        // RotWord then SubWord, then Rcon on the first byte.
        temp = subWord(rotr<u32>(temp, 8)) ^ <u32>RCON[i / nk - 1];
      } else if (nk == 8 && i % nk == 4) {
        temp = subWord(temp);
      }
      store<u32>(w + (<usize>i << 2), load<u32>(w + (<usize>(i - nk) << 2)) ^ temp);
    }
    if (!this.bitsliced) return;
    // Bitsliced copy: plane b of round r has byte p = 0xff when bit b of rk_r[p] is set
    // (the same key for all 8 blocks).
    if (<i32>this.rkb.length < (nr + 1) << 7) this.rkb = new StaticArray<u8>((nr + 1) << 7);
    const b = changetype<usize>(this.rkb);
    for (let r = 0; r <= nr; r++) {
      const rk = v128.load(w + (<usize>r << 4));
      for (let bit = 0; bit < 8; bit++) {
        const m = i32x4.splat(0x01010101 << bit);
        let plane = i8x16.eq(v128.and(rk, m), m);
        // The S-box circuit in encrypt8 leaves out its four NOTs (the affine
        // constant 0x63: bits 0, 1, 5, 6); ShiftRows and MixColumns map a
        // constant 0x63 in every byte to itself, so every round key after a
        // SubBytes absorbs it.
        if (r > 0 && ((0x63 >> bit) & 1) != 0) plane = v128.not(plane);
        v128.store(b + (<usize>r << 7) + (<usize>bit << 4), plane);
      }
    }
  }

  wipe(): void {
    memory.fill(changetype<usize>(this.rk), 0, 15 * 16);
    memory.fill(changetype<usize>(this.rkb), 0, <usize>this.rkb.length);
  }
}

@inline function subWord(w: u32): u32 {
  return i32x4.extract_lane(subBytes(i32x4.splat(w)), 0);
}

/** Encrypts one block: `out` may equal `inp`. */
export function aesEncryptBlock(key: AesKey, inp: usize, out: usize): void {
  store<v128>(out, aesEncrypt(key, v128.load(inp)));
}

/** The cipher on a block held in a register. */
export function aesEncrypt(key: AesKey, block: v128): v128 {
  const rk = changetype<usize>(key.rk);
  const nr = <usize>key.rounds;
  let s = v128.xor(block, v128.load(rk));
  for (let r: usize = 1; r < nr; r++) s = round(s, v128.load(rk + (r << 4)));
  return lastRound(s, v128.load(rk + (nr << 4)));
}


/** Each 32-bit lane rotated right by 8 bits: byte i of a column takes byte i + 1 (MixColumns' row rotation). */
@inline function rotr8x4(x: v128): v128 {
  return v128.or(i32x4.shr_u(x, 8), i32x4.shl(x, 24));
}

// ---- bitsliced AES on 8 blocks at once (CTR keystream) ----
//
// Eight 128-bit planes q0..q7: after the "ortho" bit transposition (an
// involution made of SWAPMOVE steps), byte p of plane i holds bit i of state
// byte p of blocks 0..7 (bit j = block j). SubBytes is the Boyar-Peralta
// circuit (113 XOR/AND gates, as in BearSSL's aes_ct; its NOTs folded into the round keys), ShiftRows and the
// MixColumns rotations are byte permutations of every plane, xtime moves planes.
// Nothing but bitwise operations, shifts and permutations by constant index
// vectors (the planes are the swizzle's table, never its index): constant time.
// ShiftRows is a swizzle with its index vector held in a register and the
// one-row rotation a 32-bit lane rotate: V8 turns a constant i8x16.shuffle
// that is not a pshufd/punpck-like pattern into pshufb with the mask rebuilt
// from immediates at every use, which cost ~20% of the CTR time.

// ShiftRows (FIPS 197 §5.1.2) as swizzle indices.
const SR_MASK: usize = memory.data<u8>([0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11]);

/** Encrypts the 8 blocks at `inp` (128 bytes) to `out` with bitsliced round keys `rkb`. */
function encrypt8(rkb: usize, nr: usize, inp: usize, out: usize): void {
  let q0 = v128.load(inp), q1 = v128.load(inp, 16), q2 = v128.load(inp, 32), q3 = v128.load(inp, 48);
  let q4 = v128.load(inp, 64), q5 = v128.load(inp, 80), q6 = v128.load(inp, 96), q7 = v128.load(inp, 112);
    { const t = v128.and(v128.xor(i64x2.shr_u(q0, 1), q1), i8x16.splat(0x55)); q1 = v128.xor(q1, t); q0 = v128.xor(q0, i64x2.shl(t, 1)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q2, 1), q3), i8x16.splat(0x55)); q3 = v128.xor(q3, t); q2 = v128.xor(q2, i64x2.shl(t, 1)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q4, 1), q5), i8x16.splat(0x55)); q5 = v128.xor(q5, t); q4 = v128.xor(q4, i64x2.shl(t, 1)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q6, 1), q7), i8x16.splat(0x55)); q7 = v128.xor(q7, t); q6 = v128.xor(q6, i64x2.shl(t, 1)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q0, 2), q2), i8x16.splat(0x33)); q2 = v128.xor(q2, t); q0 = v128.xor(q0, i64x2.shl(t, 2)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q1, 2), q3), i8x16.splat(0x33)); q3 = v128.xor(q3, t); q1 = v128.xor(q1, i64x2.shl(t, 2)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q4, 2), q6), i8x16.splat(0x33)); q6 = v128.xor(q6, t); q4 = v128.xor(q4, i64x2.shl(t, 2)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q5, 2), q7), i8x16.splat(0x33)); q7 = v128.xor(q7, t); q5 = v128.xor(q5, i64x2.shl(t, 2)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q0, 4), q4), i8x16.splat(0x0f)); q4 = v128.xor(q4, t); q0 = v128.xor(q0, i64x2.shl(t, 4)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q1, 4), q5), i8x16.splat(0x0f)); q5 = v128.xor(q5, t); q1 = v128.xor(q1, i64x2.shl(t, 4)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q2, 4), q6), i8x16.splat(0x0f)); q6 = v128.xor(q6, t); q2 = v128.xor(q2, i64x2.shl(t, 4)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q3, 4), q7), i8x16.splat(0x0f)); q7 = v128.xor(q7, t); q3 = v128.xor(q3, i64x2.shl(t, 4)); }
  // ShiftRows as a swizzle with a mask kept in a register: V8 lowers a
  // constant i8x16.shuffle to pshufb with the mask rebuilt from immediates
  // every time.
  const srm = v128.load(SR_MASK);
  let k = rkb;
    q0 = v128.xor(q0, v128.load(k, 0));
    q1 = v128.xor(q1, v128.load(k, 16));
    q2 = v128.xor(q2, v128.load(k, 32));
    q3 = v128.xor(q3, v128.load(k, 48));
    q4 = v128.xor(q4, v128.load(k, 64));
    q5 = v128.xor(q5, v128.load(k, 80));
    q6 = v128.xor(q6, v128.load(k, 96));
    q7 = v128.xor(q7, v128.load(k, 112));
  for (let r: usize = 1; r < nr; r++) {
    {
      const x0 = q7, x1 = q6, x2 = q5, x3 = q4, x4 = q3, x5 = q2, x6 = q1, x7 = q0;
      const y14 = v128.xor(x3, x5);
      const y13 = v128.xor(x0, x6);
      const y9 = v128.xor(x0, x3);
      const y8 = v128.xor(x0, x5);
      const t0 = v128.xor(x1, x2);
      const y1 = v128.xor(t0, x7);
      const y4 = v128.xor(y1, x3);
      const y12 = v128.xor(y13, y14);
      const y2 = v128.xor(y1, x0);
      const y5 = v128.xor(y1, x6);
      const y3 = v128.xor(y5, y8);
      const t1 = v128.xor(x4, y12);
      const y15 = v128.xor(t1, x5);
      const y20 = v128.xor(t1, x1);
      const y6 = v128.xor(y15, x7);
      const y10 = v128.xor(y15, t0);
      const y11 = v128.xor(y20, y9);
      const y7 = v128.xor(x7, y11);
      const y17 = v128.xor(y10, y11);
      const y19 = v128.xor(y10, y8);
      const y16 = v128.xor(t0, y11);
      const y21 = v128.xor(y13, y16);
      const y18 = v128.xor(x0, y16);
      const t2 = v128.and(y12, y15);
      const t3 = v128.and(y3, y6);
      const t4 = v128.xor(t3, t2);
      const t5 = v128.and(y4, x7);
      const t6 = v128.xor(t5, t2);
      const t7 = v128.and(y13, y16);
      const t8 = v128.and(y5, y1);
      const t9 = v128.xor(t8, t7);
      const t10 = v128.and(y2, y7);
      const t11 = v128.xor(t10, t7);
      const t12 = v128.and(y9, y11);
      const t13 = v128.and(y14, y17);
      const t14 = v128.xor(t13, t12);
      const t15 = v128.and(y8, y10);
      const t16 = v128.xor(t15, t12);
      const t17 = v128.xor(t4, t14);
      const t18 = v128.xor(t6, t16);
      const t19 = v128.xor(t9, t14);
      const t20 = v128.xor(t11, t16);
      const t21 = v128.xor(t17, y20);
      const t22 = v128.xor(t18, y19);
      const t23 = v128.xor(t19, y21);
      const t24 = v128.xor(t20, y18);
      const t25 = v128.xor(t21, t22);
      const t26 = v128.and(t21, t23);
      const t27 = v128.xor(t24, t26);
      const t28 = v128.and(t25, t27);
      const t29 = v128.xor(t28, t22);
      const t30 = v128.xor(t23, t24);
      const t31 = v128.xor(t22, t26);
      const t32 = v128.and(t31, t30);
      const t33 = v128.xor(t32, t24);
      const t34 = v128.xor(t23, t33);
      const t35 = v128.xor(t27, t33);
      const t36 = v128.and(t24, t35);
      const t37 = v128.xor(t36, t34);
      const t38 = v128.xor(t27, t36);
      const t39 = v128.and(t29, t38);
      const t40 = v128.xor(t25, t39);
      const t41 = v128.xor(t40, t37);
      const t42 = v128.xor(t29, t33);
      const t43 = v128.xor(t29, t40);
      const t44 = v128.xor(t33, t37);
      const t45 = v128.xor(t42, t41);
      const z0 = v128.and(t44, y15);
      const z1 = v128.and(t37, y6);
      const z2 = v128.and(t33, x7);
      const z3 = v128.and(t43, y16);
      const z4 = v128.and(t40, y1);
      const z5 = v128.and(t29, y7);
      const z6 = v128.and(t42, y11);
      const z7 = v128.and(t45, y17);
      const z8 = v128.and(t41, y10);
      const z9 = v128.and(t44, y12);
      const z10 = v128.and(t37, y3);
      const z11 = v128.and(t33, y4);
      const z12 = v128.and(t43, y13);
      const z13 = v128.and(t40, y5);
      const z14 = v128.and(t29, y2);
      const z15 = v128.and(t42, y9);
      const z16 = v128.and(t45, y14);
      const z17 = v128.and(t41, y8);
      const t46 = v128.xor(z15, z16);
      const t47 = v128.xor(z10, z11);
      const t48 = v128.xor(z5, z13);
      const t49 = v128.xor(z9, z10);
      const t50 = v128.xor(z2, z12);
      const t51 = v128.xor(z2, z5);
      const t52 = v128.xor(z7, z8);
      const t53 = v128.xor(z0, z3);
      const t54 = v128.xor(z6, z7);
      const t55 = v128.xor(z16, z17);
      const t56 = v128.xor(z12, t48);
      const t57 = v128.xor(t50, t53);
      const t58 = v128.xor(z4, t46);
      const t59 = v128.xor(z3, t54);
      const t60 = v128.xor(t46, t57);
      const t61 = v128.xor(z14, t57);
      const t62 = v128.xor(t52, t58);
      const t63 = v128.xor(t49, t58);
      const t64 = v128.xor(z4, t59);
      const t65 = v128.xor(t61, t62);
      const t66 = v128.xor(z1, t63);
      const s0 = v128.xor(t59, t63);
      const s6 = v128.xor(t56, t62);
      const s7 = v128.xor(t48, t60);
      const t67 = v128.xor(t64, t65);
      const s3 = v128.xor(t53, t66);
      const s4 = v128.xor(t51, t66);
      const s5 = v128.xor(t47, t65);
      const s1 = v128.xor(t64, s3);
      const s2 = v128.xor(t55, t67);
      q7 = s0; q6 = s1; q5 = s2; q4 = s3; q3 = s4; q2 = s5; q1 = s6; q0 = s7;
    }
    q0 = i8x16.swizzle(q0, srm);
    q1 = i8x16.swizzle(q1, srm);
    q2 = i8x16.swizzle(q2, srm);
    q3 = i8x16.swizzle(q3, srm);
    q4 = i8x16.swizzle(q4, srm);
    q5 = i8x16.swizzle(q5, srm);
    q6 = i8x16.swizzle(q6, srm);
    q7 = i8x16.swizzle(q7, srm);
    {
      const a0 = rotr8x4(q0);
      const t0 = v128.xor(q0, a0);
      const u0 = i8x16.shuffle(t0, t0, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
      const a1 = rotr8x4(q1);
      const t1 = v128.xor(q1, a1);
      const u1 = i8x16.shuffle(t1, t1, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
      const a2 = rotr8x4(q2);
      const t2 = v128.xor(q2, a2);
      const u2 = i8x16.shuffle(t2, t2, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
      const a3 = rotr8x4(q3);
      const t3 = v128.xor(q3, a3);
      const u3 = i8x16.shuffle(t3, t3, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
      const a4 = rotr8x4(q4);
      const t4 = v128.xor(q4, a4);
      const u4 = i8x16.shuffle(t4, t4, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
      const a5 = rotr8x4(q5);
      const t5 = v128.xor(q5, a5);
      const u5 = i8x16.shuffle(t5, t5, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
      const a6 = rotr8x4(q6);
      const t6 = v128.xor(q6, a6);
      const u6 = i8x16.shuffle(t6, t6, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
      const a7 = rotr8x4(q7);
      const t7 = v128.xor(q7, a7);
      const u7 = i8x16.shuffle(t7, t7, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
      q0 = v128.xor(v128.xor(t7, a0), u0);
      q1 = v128.xor(v128.xor(v128.xor(t0, t7), a1), u1);
      q2 = v128.xor(v128.xor(t1, a2), u2);
      q3 = v128.xor(v128.xor(v128.xor(t2, t7), a3), u3);
      q4 = v128.xor(v128.xor(v128.xor(t3, t7), a4), u4);
      q5 = v128.xor(v128.xor(t4, a5), u5);
      q6 = v128.xor(v128.xor(t5, a6), u6);
      q7 = v128.xor(v128.xor(t6, a7), u7);
    }
    k += 128;
    q0 = v128.xor(q0, v128.load(k, 0));
    q1 = v128.xor(q1, v128.load(k, 16));
    q2 = v128.xor(q2, v128.load(k, 32));
    q3 = v128.xor(q3, v128.load(k, 48));
    q4 = v128.xor(q4, v128.load(k, 64));
    q5 = v128.xor(q5, v128.load(k, 80));
    q6 = v128.xor(q6, v128.load(k, 96));
    q7 = v128.xor(q7, v128.load(k, 112));
  }
    {
      const x0 = q7, x1 = q6, x2 = q5, x3 = q4, x4 = q3, x5 = q2, x6 = q1, x7 = q0;
      const y14 = v128.xor(x3, x5);
      const y13 = v128.xor(x0, x6);
      const y9 = v128.xor(x0, x3);
      const y8 = v128.xor(x0, x5);
      const t0 = v128.xor(x1, x2);
      const y1 = v128.xor(t0, x7);
      const y4 = v128.xor(y1, x3);
      const y12 = v128.xor(y13, y14);
      const y2 = v128.xor(y1, x0);
      const y5 = v128.xor(y1, x6);
      const y3 = v128.xor(y5, y8);
      const t1 = v128.xor(x4, y12);
      const y15 = v128.xor(t1, x5);
      const y20 = v128.xor(t1, x1);
      const y6 = v128.xor(y15, x7);
      const y10 = v128.xor(y15, t0);
      const y11 = v128.xor(y20, y9);
      const y7 = v128.xor(x7, y11);
      const y17 = v128.xor(y10, y11);
      const y19 = v128.xor(y10, y8);
      const y16 = v128.xor(t0, y11);
      const y21 = v128.xor(y13, y16);
      const y18 = v128.xor(x0, y16);
      const t2 = v128.and(y12, y15);
      const t3 = v128.and(y3, y6);
      const t4 = v128.xor(t3, t2);
      const t5 = v128.and(y4, x7);
      const t6 = v128.xor(t5, t2);
      const t7 = v128.and(y13, y16);
      const t8 = v128.and(y5, y1);
      const t9 = v128.xor(t8, t7);
      const t10 = v128.and(y2, y7);
      const t11 = v128.xor(t10, t7);
      const t12 = v128.and(y9, y11);
      const t13 = v128.and(y14, y17);
      const t14 = v128.xor(t13, t12);
      const t15 = v128.and(y8, y10);
      const t16 = v128.xor(t15, t12);
      const t17 = v128.xor(t4, t14);
      const t18 = v128.xor(t6, t16);
      const t19 = v128.xor(t9, t14);
      const t20 = v128.xor(t11, t16);
      const t21 = v128.xor(t17, y20);
      const t22 = v128.xor(t18, y19);
      const t23 = v128.xor(t19, y21);
      const t24 = v128.xor(t20, y18);
      const t25 = v128.xor(t21, t22);
      const t26 = v128.and(t21, t23);
      const t27 = v128.xor(t24, t26);
      const t28 = v128.and(t25, t27);
      const t29 = v128.xor(t28, t22);
      const t30 = v128.xor(t23, t24);
      const t31 = v128.xor(t22, t26);
      const t32 = v128.and(t31, t30);
      const t33 = v128.xor(t32, t24);
      const t34 = v128.xor(t23, t33);
      const t35 = v128.xor(t27, t33);
      const t36 = v128.and(t24, t35);
      const t37 = v128.xor(t36, t34);
      const t38 = v128.xor(t27, t36);
      const t39 = v128.and(t29, t38);
      const t40 = v128.xor(t25, t39);
      const t41 = v128.xor(t40, t37);
      const t42 = v128.xor(t29, t33);
      const t43 = v128.xor(t29, t40);
      const t44 = v128.xor(t33, t37);
      const t45 = v128.xor(t42, t41);
      const z0 = v128.and(t44, y15);
      const z1 = v128.and(t37, y6);
      const z2 = v128.and(t33, x7);
      const z3 = v128.and(t43, y16);
      const z4 = v128.and(t40, y1);
      const z5 = v128.and(t29, y7);
      const z6 = v128.and(t42, y11);
      const z7 = v128.and(t45, y17);
      const z8 = v128.and(t41, y10);
      const z9 = v128.and(t44, y12);
      const z10 = v128.and(t37, y3);
      const z11 = v128.and(t33, y4);
      const z12 = v128.and(t43, y13);
      const z13 = v128.and(t40, y5);
      const z14 = v128.and(t29, y2);
      const z15 = v128.and(t42, y9);
      const z16 = v128.and(t45, y14);
      const z17 = v128.and(t41, y8);
      const t46 = v128.xor(z15, z16);
      const t47 = v128.xor(z10, z11);
      const t48 = v128.xor(z5, z13);
      const t49 = v128.xor(z9, z10);
      const t50 = v128.xor(z2, z12);
      const t51 = v128.xor(z2, z5);
      const t52 = v128.xor(z7, z8);
      const t53 = v128.xor(z0, z3);
      const t54 = v128.xor(z6, z7);
      const t55 = v128.xor(z16, z17);
      const t56 = v128.xor(z12, t48);
      const t57 = v128.xor(t50, t53);
      const t58 = v128.xor(z4, t46);
      const t59 = v128.xor(z3, t54);
      const t60 = v128.xor(t46, t57);
      const t61 = v128.xor(z14, t57);
      const t62 = v128.xor(t52, t58);
      const t63 = v128.xor(t49, t58);
      const t64 = v128.xor(z4, t59);
      const t65 = v128.xor(t61, t62);
      const t66 = v128.xor(z1, t63);
      const s0 = v128.xor(t59, t63);
      const s6 = v128.xor(t56, t62);
      const s7 = v128.xor(t48, t60);
      const t67 = v128.xor(t64, t65);
      const s3 = v128.xor(t53, t66);
      const s4 = v128.xor(t51, t66);
      const s5 = v128.xor(t47, t65);
      const s1 = v128.xor(t64, s3);
      const s2 = v128.xor(t55, t67);
      q7 = s0; q6 = s1; q5 = s2; q4 = s3; q3 = s4; q2 = s5; q1 = s6; q0 = s7;
    }
    q0 = i8x16.swizzle(q0, srm);
    q1 = i8x16.swizzle(q1, srm);
    q2 = i8x16.swizzle(q2, srm);
    q3 = i8x16.swizzle(q3, srm);
    q4 = i8x16.swizzle(q4, srm);
    q5 = i8x16.swizzle(q5, srm);
    q6 = i8x16.swizzle(q6, srm);
    q7 = i8x16.swizzle(q7, srm);
  k += 128;
    q0 = v128.xor(q0, v128.load(k, 0));
    q1 = v128.xor(q1, v128.load(k, 16));
    q2 = v128.xor(q2, v128.load(k, 32));
    q3 = v128.xor(q3, v128.load(k, 48));
    q4 = v128.xor(q4, v128.load(k, 64));
    q5 = v128.xor(q5, v128.load(k, 80));
    q6 = v128.xor(q6, v128.load(k, 96));
    q7 = v128.xor(q7, v128.load(k, 112));
    { const t = v128.and(v128.xor(i64x2.shr_u(q0, 1), q1), i8x16.splat(0x55)); q1 = v128.xor(q1, t); q0 = v128.xor(q0, i64x2.shl(t, 1)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q2, 1), q3), i8x16.splat(0x55)); q3 = v128.xor(q3, t); q2 = v128.xor(q2, i64x2.shl(t, 1)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q4, 1), q5), i8x16.splat(0x55)); q5 = v128.xor(q5, t); q4 = v128.xor(q4, i64x2.shl(t, 1)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q6, 1), q7), i8x16.splat(0x55)); q7 = v128.xor(q7, t); q6 = v128.xor(q6, i64x2.shl(t, 1)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q0, 2), q2), i8x16.splat(0x33)); q2 = v128.xor(q2, t); q0 = v128.xor(q0, i64x2.shl(t, 2)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q1, 2), q3), i8x16.splat(0x33)); q3 = v128.xor(q3, t); q1 = v128.xor(q1, i64x2.shl(t, 2)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q4, 2), q6), i8x16.splat(0x33)); q6 = v128.xor(q6, t); q4 = v128.xor(q4, i64x2.shl(t, 2)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q5, 2), q7), i8x16.splat(0x33)); q7 = v128.xor(q7, t); q5 = v128.xor(q5, i64x2.shl(t, 2)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q0, 4), q4), i8x16.splat(0x0f)); q4 = v128.xor(q4, t); q0 = v128.xor(q0, i64x2.shl(t, 4)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q1, 4), q5), i8x16.splat(0x0f)); q5 = v128.xor(q5, t); q1 = v128.xor(q1, i64x2.shl(t, 4)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q2, 4), q6), i8x16.splat(0x0f)); q6 = v128.xor(q6, t); q2 = v128.xor(q2, i64x2.shl(t, 4)); }
    { const t = v128.and(v128.xor(i64x2.shr_u(q3, 4), q7), i8x16.splat(0x0f)); q7 = v128.xor(q7, t); q3 = v128.xor(q3, i64x2.shl(t, 4)); }
  v128.store(out, q0); v128.store(out, q1, 16); v128.store(out, q2, 32); v128.store(out, q3, 48);
  v128.store(out, q4, 64); v128.store(out, q5, 80); v128.store(out, q6, 96); v128.store(out, q7, 112);
}

const KS: usize = memory.data(128, 16);
const CTRS: usize = memory.data(128, 16);

/**
 * CTR mode with a 32-bit big-endian counter in the last 4 bytes (NIST SP
 * 800-38D §6.5 GCTR, inc32): XORs the keystream starting at counter block
 * `icb` into `len` bytes from `src` to `dst` (may be equal). Eight blocks at
 * a time bitsliced; a short tail (up to two blocks) goes block by block.
 */
export function aesCtr32(key: AesKey, icb: v128, src: usize, dst: usize, len: usize, firstBlockOut: usize = 0): void {
  const rkb = changetype<usize>(key.rkb);
  const nr = <usize>key.rounds;
  let ctr = bswap<u32>(i32x4.extract_lane(icb, 3));
  // With firstBlockOut, the keystream block of `icb` itself goes there (GCM's
  // E(K, J0) for the tag) and the data starts at icb + 1: one batch does both.
  let skip: usize = firstBlockOut != 0 ? 16 : 0;
  while (len + skip > 32) {
    for (let j: usize = 0; j < 8; j++) v128.store(CTRS + (j << 4), i32x4.replace_lane(icb, 3, bswap<u32>(ctr + <u32>j)));
    encrypt8(rkb, nr, CTRS, KS);
    ctr += 8;
    const ks = KS + skip;
    if (skip != 0) { v128.store(firstBlockOut, v128.load(KS)); skip = 0; }
    const avail: usize = KS + 128 - ks;
    if (len >= avail) {
      let j: usize = 0;
      for (; j < avail; j += 16) v128.store(dst + j, v128.xor(v128.load(src + j), v128.load(ks + j)));
      src += avail; dst += avail; len -= avail;
    } else {
      let j: usize = 0;
      for (; j + 16 <= len; j += 16) v128.store(dst + j, v128.xor(v128.load(src + j), v128.load(ks + j)));
      for (; j < len; j++) store<u8>(dst + j, load<u8>(src + j) ^ load<u8>(ks + j));
      len = 0;
    }
  }
  if (skip != 0) {
    // Short message: E(K, icb) on its own, data from icb + 1.
    v128.store(firstBlockOut, aesEncrypt(key, icb));
    ctr++;
  }
  while (len != 0) {
    const ks = aesEncrypt(key, i32x4.replace_lane(icb, 3, bswap<u32>(ctr)));
    ctr++;
    if (len >= 16) {
      v128.store(dst, v128.xor(v128.load(src), ks));
      src += 16; dst += 16; len -= 16;
    } else {
      v128.store(KS, ks);
      for (let i: usize = 0; i < len; i++) store<u8>(dst + i, load<u8>(src + i) ^ load<u8>(KS + i));
      len = 0;
    }
  }
}
