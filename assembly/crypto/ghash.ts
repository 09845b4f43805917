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

/** Reverses the bits inside each byte of a 64-bit word. */
@inline function revBitsInBytes(x: u64): u64 {
  x = ((x & 0x5555555555555555) << 1) | ((x >> 1) & 0x5555555555555555);
  x = ((x & 0x3333333333333333) << 2) | ((x >> 2) & 0x3333333333333333);
  return ((x & 0x0f0f0f0f0f0f0f0f) << 4) | ((x >> 4) & 0x0f0f0f0f0f0f0f0f);
}

/** bmul64 with y given as its four masked parts (y & m1, y & m2, y & m4, y & m8). */
@inline function bmul64m(x: u64, y0: u64, y1: u64, y2: u64, y3: u64): u64 {
  const m1: u64 = 0x1111111111111111, m2: u64 = 0x2222222222222222;
  const m4: u64 = 0x4444444444444444, m8: u64 = 0x8888888888888888;
  const x0 = x & m1, x1 = x & m2, x2 = x & m4, x3 = x & m8;
  const z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & m1) | (z2 & m4) | (z1 & m2) | (z3 & m8);
}

/** Bit reversal of a 64-bit word. */
@inline function rev64(x: u64): u64 {
  x = ((x & 0x5555555555555555) << 1) | ((x >> 1) & 0x5555555555555555);
  x = ((x & 0x3333333333333333) << 2) | ((x >> 2) & 0x3333333333333333);
  x = ((x & 0x0f0f0f0f0f0f0f0f) << 4) | ((x >> 4) & 0x0f0f0f0f0f0f0f0f);
  return bswap<u64>(x);
}

const PAD: usize = memory.data(16, 16);

// Result of mulKey (not reentrant).
let R0: u64 = 0;
let R1: u64 = 0;

/**
 * (y1:y0) · (h1:h0) in GF(2^128), GHASH bit order, given the key's halves, their
 * XOR and their bit reversals (Karatsuba: 3 products for the low halves, 3 on
 * reversed operands for the high halves). Result in R1:R0.
 */
@inline function accumulate(y0: u64, y1: u64, h0: u64, h1: u64, h2: u64, h0r: u64, h1r: u64, h2r: u64, acc: usize): void {
  const y0r = rev64(y0), y1r = rev64(y1);
  store<u64>(acc, load<u64>(acc) ^ bmul64(y0, h0));
  store<u64>(acc, load<u64>(acc, 8) ^ bmul64(y1, h1), 8);
  store<u64>(acc, load<u64>(acc, 16) ^ bmul64(y0 ^ y1, h2), 16);
  store<u64>(acc, load<u64>(acc, 24) ^ bmul64(y0r, h0r), 24);
  store<u64>(acc, load<u64>(acc, 32) ^ bmul64(y1r, h1r), 32);
  store<u64>(acc, load<u64>(acc, 40) ^ bmul64(y0r ^ y1r, h2r), 40);
}

/** Karatsuba recombination, high halves from the reversed products, and the reduction; result in R1:R0. */
@inline function reduce(z0: u64, z1: u64, z2: u64, z0h: u64, z1h: u64, z2h: u64): void {
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
  R0 = v2;
  R1 = v3;
}

// Six unreduced partial products (z0, z1, z2, z0h, z1h, z2h).
const ACC: usize = memory.data(48, 16);

/**
 * A GHASH accumulator under hash key H. GCM feeds it A, then C, each padded
 * to 16 bytes (`updatePadded`), then the length block. Four blocks at a time
 * are multiplied by H^4..H^1 and reduced once (the products are linear, so
 * they are summed before the Karatsuba recombination and the reduction).
 */
@final
export class Ghash {
  /**
   * For H^1..H^4: h0, h1, h0^h1, rev(h0), rev(h1), rev(h0^h1) (h1 = first 8
   * bytes, big-endian), each as its four masked parts for bmul64m: 24 words per power.
   */
  private pow: StaticArray<u64> = new StaticArray<u64>(96);
  // The accumulator Y, same layout.
  private y0: u64 = 0;
  private y1: u64 = 0;

  /** Sets H from 16 bytes at `h` and clears the accumulator. */
  setKey(h: usize): void {
    const p = changetype<usize>(this.pow);
    const h1 = bswap<u64>(load<u64>(h)), h0 = bswap<u64>(load<u64>(h, 8));
    setPower(p, h0, h1);
    let a0 = h0, a1 = h1;
    for (let i: usize = 1; i < 4; i++) {
      // H^(i+1) = H^i · H
      memory.fill(ACC, 0, 48);
      accumulate(a0, a1, h0, h1, h0 ^ h1, rev64(h0), rev64(h1), rev64(h0 ^ h1), ACC);
      reduce(load<u64>(ACC), load<u64>(ACC, 8), load<u64>(ACC, 16), load<u64>(ACC, 24), load<u64>(ACC, 32), load<u64>(ACC, 40));
      a0 = R0; a1 = R1;
      setPower(p + i * 192, a0, a1);
    }
    memory.fill(ACC, 0, 48);
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
    const pw = changetype<usize>(this.pow);
    let y0 = this.y0, y1 = this.y1;
    while (n != 0) {
      // k = blocks in this group (4, or the 1-3 left); block j is multiplied by H^(k-j).
      const k: usize = n >= 4 ? 4 : n;
      let a0: u64 = 0, a1: u64 = 0, a2: u64 = 0, b0: u64 = 0, b1: u64 = 0, b2: u64 = 0;
      // rev64(bswap(v)) only reverses the bits inside each byte: the reversed
      // halves come from the raw little-endian loads; Y joins the first block.
      let y0r = rev64(y0), y1r = rev64(y1);
      for (let j: usize = 0; j < k; j++) {
        const raw1 = load<u64>(p), raw0 = load<u64>(p, 8);
        let x1 = bswap<u64>(raw1), x0 = bswap<u64>(raw0);
        let x1r = revBitsInBytes(raw1), x0r = revBitsInBytes(raw0);
        if (j == 0) { x0 ^= y0; x1 ^= y1; x0r ^= y0r; x1r ^= y1r; }
        const h = pw + (k - 1 - j) * 192;
        a0 ^= bmul64m(x0, load<u64>(h), load<u64>(h, 8), load<u64>(h, 16), load<u64>(h, 24));
        a1 ^= bmul64m(x1, load<u64>(h, 32), load<u64>(h, 40), load<u64>(h, 48), load<u64>(h, 56));
        a2 ^= bmul64m(x0 ^ x1, load<u64>(h, 64), load<u64>(h, 72), load<u64>(h, 80), load<u64>(h, 88));
        b0 ^= bmul64m(x0r, load<u64>(h, 96), load<u64>(h, 104), load<u64>(h, 112), load<u64>(h, 120));
        b1 ^= bmul64m(x1r, load<u64>(h, 128), load<u64>(h, 136), load<u64>(h, 144), load<u64>(h, 152));
        b2 ^= bmul64m(x0r ^ x1r, load<u64>(h, 160), load<u64>(h, 168), load<u64>(h, 176), load<u64>(h, 184));
        p += 16;
      }
      reduce(a0, a1, a2, b0, b1, b2);
      y0 = R0; y1 = R1;
      n -= k;
    }
    this.y0 = y0;
    this.y1 = y1;
  }
}

@inline function setPower(p: usize, h0: u64, h1: u64): void {
  storeMasked(p, h0);
  storeMasked(p + 32, h1);
  storeMasked(p + 64, h0 ^ h1);
  storeMasked(p + 96, rev64(h0));
  storeMasked(p + 128, rev64(h1));
  storeMasked(p + 160, rev64(h0 ^ h1));
}

@inline function storeMasked(p: usize, h: u64): void {
  store<u64>(p, h & 0x1111111111111111);
  store<u64>(p, h & 0x2222222222222222, 8);
  store<u64>(p, h & 0x4444444444444444, 16);
  store<u64>(p, h & 0x8888888888888888, 24);
}
