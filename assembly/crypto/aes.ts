// AES-128 / AES-256 encryption (FIPS 197), forward cipher only: GCM (CTR +
// GHASH) and QUIC header protection never need the inverse cipher.
//
// Constant time: SubBytes is 16 table lookups done with i8x16.swizzle over the
// whole state (one 16-byte row of the S-box per lookup, selected by XORing
// the high nibble away; out-of-range swizzle indices yield zero). Every byte
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
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 16), v128.xor(x, i32x4.splat(0x10101010))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 32), v128.xor(x, i32x4.splat(0x20202020))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 48), v128.xor(x, i32x4.splat(0x30303030))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 64), v128.xor(x, i32x4.splat(0x40404040))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 80), v128.xor(x, i32x4.splat(0x50505050))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 96), v128.xor(x, i32x4.splat(0x60606060))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 112), v128.xor(x, i32x4.splat(0x70707070))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 128), v128.xor(x, i32x4.splat(0x80808080))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 144), v128.xor(x, i32x4.splat(0x90909090))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 160), v128.xor(x, i32x4.splat(0xa0a0a0a0))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 176), v128.xor(x, i32x4.splat(0xb0b0b0b0))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 192), v128.xor(x, i32x4.splat(0xc0c0c0c0))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 208), v128.xor(x, i32x4.splat(0xd0d0d0d0))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 224), v128.xor(x, i32x4.splat(0xe0e0e0e0))));
  r = v128.or(r, i8x16.swizzle(v128.load(SBOX, 240), v128.xor(x, i32x4.splat(0xf0f0f0f0))));
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
  rounds: i32 = 0;

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
  }

  wipe(): void {
    memory.fill(changetype<usize>(this.rk), 0, 15 * 16);
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

const KS: usize = memory.data(64, 16);

/**
 * CTR mode with a 32-bit big-endian counter in the last 4 bytes (NIST SP
 * 800-38D §6.5 GCTR, inc32): XORs the keystream starting at counter block
 * `icb` into `len` bytes from `src` to `dst` (may be equal). Four blocks at a
 * time so the independent rounds overlap.
 */
export function aesCtr32(key: AesKey, icb: v128, src: usize, dst: usize, len: usize): void {
  const rk = changetype<usize>(key.rk);
  const nr = <usize>key.rounds;
  let ctr = bswap<u32>(i32x4.extract_lane(icb, 3));
  const k0 = v128.load(rk);
  while (len >= 64) {
    let s0 = v128.xor(i32x4.replace_lane(icb, 3, bswap<u32>(ctr)), k0);
    let s1 = v128.xor(i32x4.replace_lane(icb, 3, bswap<u32>(ctr + 1)), k0);
    let s2 = v128.xor(i32x4.replace_lane(icb, 3, bswap<u32>(ctr + 2)), k0);
    let s3 = v128.xor(i32x4.replace_lane(icb, 3, bswap<u32>(ctr + 3)), k0);
    for (let r: usize = 1; r < nr; r++) {
      const k = v128.load(rk + (r << 4));
      s0 = round(s0, k);
      s1 = round(s1, k);
      s2 = round(s2, k);
      s3 = round(s3, k);
    }
    const kl = v128.load(rk + (nr << 4));
    v128.store(dst, v128.xor(v128.load(src), lastRound(s0, kl)));
    v128.store(dst, v128.xor(v128.load(src, 16), lastRound(s1, kl)), 16);
    v128.store(dst, v128.xor(v128.load(src, 32), lastRound(s2, kl)), 32);
    v128.store(dst, v128.xor(v128.load(src, 48), lastRound(s3, kl)), 48);
    ctr += 4;
    src += 64; dst += 64; len -= 64;
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
