// GHASH (NIST SP 800-38D §6.4) without tables: carry-less multiplication
// from integer multiplications with masked-out "holes" (BearSSL's
// ghash_ctmul64 technique). Each 64x64 product is split into four operands
// whose set bits are 4 apart, so the carries of an integer multiply land in
// bits that are masked away; the high half comes from the bit-reversed
// operands. Only multiplications, shifts, ANDs and XORs: no table, no branch
// on data or on H. (i64.mul is constant time on every wasm engine's targets:
// x86-64 IMUL and AArch64 MUL do not depend on operand values.)

/** Low 64 bits of the carry-less product of x and y. */
@inline function bmul64(x: u64, y: u64): u64 {
  const m1: u64 = 0x1111111111111111, m2: u64 = 0x2222222222222222;
  const m4: u64 = 0x4444444444444444, m8: u64 = 0x8888888888888888;
  const x0 = x & m1, x1 = x & m2, x2 = x & m4, x3 = x & m8;
  const y0 = y & m1, y1 = y & m2, y2 = y & m4, y3 = y & m8;
  let z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  let z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  let z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  let z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & m1) | (z1 & m2) | (z2 & m4) | (z3 & m8);
}

/** Bit reversal of a 64-bit word. */
@inline function rev64(x: u64): u64 {
  x = ((x & 0x5555555555555555) << 1) | ((x >> 1) & 0x5555555555555555);
  x = ((x & 0x3333333333333333) << 2) | ((x >> 2) & 0x3333333333333333);
  x = ((x & 0x0f0f0f0f0f0f0f0f) << 4) | ((x >> 4) & 0x0f0f0f0f0f0f0f0f);
  return bswap<u64>(x);
}

const PAD: usize = memory.data(16, 16);

/**
 * A GHASH accumulator under hash key H. GCM feeds it A, then C, each padded
 * to 16 bytes (`updatePadded`), then the length block.
 */
@final
export class Ghash {
  // H as two big-endian halves (h1 = first 8 bytes), with bit-reversed copies.
  private h0: u64 = 0;
  private h1: u64 = 0;
  private h0r: u64 = 0;
  private h1r: u64 = 0;
  // The accumulator Y, same layout.
  private y0: u64 = 0;
  private y1: u64 = 0;

  /** Sets H from 16 bytes at `h` and clears the accumulator. */
  setKey(h: usize): void {
    this.h1 = bswap<u64>(load<u64>(h));
    this.h0 = bswap<u64>(load<u64>(h, 8));
    this.h0r = rev64(this.h0);
    this.h1r = rev64(this.h1);
    this.y0 = 0;
    this.y1 = 0;
  }

  reset(): void {
    this.y0 = 0;
    this.y1 = 0;
  }

  /** Absorbs `len` bytes; a final partial block is zero-padded (SP 800-38D §7.1 step 5). */
  updatePadded(p: usize, len: usize): void {
    const full = len & ~<usize>15;
    if (full != 0) this.blocks(p, full >> 4);
    const rest = len & 15;
    if (rest != 0) {
      v128.store(PAD, i64x2.splat(0));
      memory.copy(PAD, p + full, rest);
      this.blocks(PAD, 1);
    }
  }

  /** Absorbs one block made of two big-endian 64-bit values (the GCM length block). */
  updateLengths(aBits: u64, cBits: u64): void {
    store<u64>(PAD, bswap<u64>(aBits));
    store<u64>(PAD + 8, bswap<u64>(cBits));
    this.blocks(PAD, 1);
  }

  /** Writes the 16-byte GHASH value. */
  finish(out: usize): void {
    store<u64>(out, bswap<u64>(this.y1));
    store<u64>(out + 8, bswap<u64>(this.y0));
  }

  /** Y = (Y ^ X_i) · H for `n` 16-byte blocks at `p`. */
  private blocks(p: usize, n: usize): void {
    const h0 = this.h0, h1 = this.h1, h0r = this.h0r, h1r = this.h1r;
    const h2 = h0 ^ h1, h2r = h0r ^ h1r;
    let y0 = this.y0, y1 = this.y1;
    while (n-- != 0) {
      y1 ^= bswap<u64>(load<u64>(p));
      y0 ^= bswap<u64>(load<u64>(p, 8));
      p += 16;
      const y0r = rev64(y0), y1r = rev64(y1);
      const y2 = y0 ^ y1, y2r = y0r ^ y1r;
      // Karatsuba: three 64x64 products for the low halves, three on reversed operands for the high halves.
      const z0 = bmul64(y0, h0), z1 = bmul64(y1, h1);
      let z2 = bmul64(y2, h2);
      let z0h = bmul64(y0r, h0r), z1h = bmul64(y1r, h1r);
      let z2h = bmul64(y2r, h2r);
      z2 ^= z0 ^ z1;
      z2h ^= z0h ^ z1h;
      z0h = rev64(z0h) >> 1;
      z1h = rev64(z1h) >> 1;
      z2h = rev64(z2h) >> 1;
      // The 256-bit product v3:v2:v1:v0, shifted left by one (GHASH's reflected bit order).
      let v0 = z0, v1 = z0h ^ z2, v2 = z1 ^ z2h, v3 = z1h;
      v3 = (v3 << 1) | (v2 >> 63);
      v2 = (v2 << 1) | (v1 >> 63);
      v1 = (v1 << 1) | (v0 >> 63);
      v0 = v0 << 1;
      // Reduction modulo x^128 + x^7 + x^2 + x + 1 (reflected).
      v2 ^= v0 ^ (v0 >> 1) ^ (v0 >> 2) ^ (v0 >> 7);
      v1 ^= (v0 << 63) ^ (v0 << 62) ^ (v0 << 57);
      v3 ^= v1 ^ (v1 >> 1) ^ (v1 >> 2) ^ (v1 >> 7);
      v2 ^= (v1 << 63) ^ (v1 << 62) ^ (v1 << 57);
      y0 = v2;
      y1 = v3;
    }
    this.y0 = y0;
    this.y1 = y1;
  }
}
