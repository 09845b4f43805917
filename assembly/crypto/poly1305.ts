// Poly1305 (RFC 8439 §2.5) in five 26-bit limbs with 64-bit products
// (poly1305-donna-32). No branch or index depends on the key or the message;
// the final reduction selects with masks.

const M26: u32 = 0x3ffffff;
const BLOCK: usize = memory.data(16, 16);

@final
export class Poly1305 {
  private r0: u32 = 0; private r1: u32 = 0; private r2: u32 = 0; private r3: u32 = 0; private r4: u32 = 0;
  private h0: u32 = 0; private h1: u32 = 0; private h2: u32 = 0; private h3: u32 = 0; private h4: u32 = 0;
  private pad0: u32 = 0; private pad1: u32 = 0; private pad2: u32 = 0; private pad3: u32 = 0;
  private buffered: usize = 0;
  private buf: StaticArray<u8> = new StaticArray<u8>(16);

  /** §2.5.1: r = le(key[0..16]) clamped, s = le(key[16..32]). */
  init(key: usize): void {
    this.r0 = load<u32>(key) & 0x3ffffff;
    this.r1 = (load<u32>(key, 3) >> 2) & 0x3ffff03;
    this.r2 = (load<u32>(key, 6) >> 4) & 0x3ffc0ff;
    this.r3 = (load<u32>(key, 9) >> 6) & 0x3f03fff;
    this.r4 = (load<u32>(key, 12) >> 8) & 0x00fffff;
    this.pad0 = load<u32>(key, 16); this.pad1 = load<u32>(key, 20);
    this.pad2 = load<u32>(key, 24); this.pad3 = load<u32>(key, 28);
    this.h0 = 0; this.h1 = 0; this.h2 = 0; this.h3 = 0; this.h4 = 0;
    this.buffered = 0;
  }

  /** Absorbs `n` full 16-byte blocks; `hibit` is 1<<24 for full blocks (the appended 0x01 byte). */
  private blocks(m: usize, n: usize, hibit: u32): void {
    const r0 = <u64>this.r0, r1 = <u64>this.r1, r2 = <u64>this.r2, r3 = <u64>this.r3, r4 = <u64>this.r4;
    const s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
    let h0 = this.h0, h1 = this.h1, h2 = this.h2, h3 = this.h3, h4 = this.h4;
    while (n-- != 0) {
      h0 += load<u32>(m) & M26;
      h1 += (load<u32>(m, 3) >> 2) & M26;
      h2 += (load<u32>(m, 6) >> 4) & M26;
      h3 += (load<u32>(m, 9) >> 6) & M26;
      h4 += (load<u32>(m, 12) >> 8) | hibit;
      const g0 = <u64>h0, g1 = <u64>h1, g2 = <u64>h2, g3 = <u64>h3, g4 = <u64>h4;
      // h *= r (mod 2^130 - 5): limbs above 2^130 wrap around times 5.
      const d0 = g0 * r0 + g1 * s4 + g2 * s3 + g3 * s2 + g4 * s1;
      let d1 = g0 * r1 + g1 * r0 + g2 * s4 + g3 * s3 + g4 * s2;
      let d2 = g0 * r2 + g1 * r1 + g2 * r0 + g3 * s4 + g4 * s3;
      let d3 = g0 * r3 + g1 * r2 + g2 * r1 + g3 * r0 + g4 * s4;
      let d4 = g0 * r4 + g1 * r3 + g2 * r2 + g3 * r1 + g4 * r0;
      let c = <u32>(d0 >> 26); h0 = <u32>d0 & M26;
      d1 += c; c = <u32>(d1 >> 26); h1 = <u32>d1 & M26;
      d2 += c; c = <u32>(d2 >> 26); h2 = <u32>d2 & M26;
      d3 += c; c = <u32>(d3 >> 26); h3 = <u32>d3 & M26;
      d4 += c; c = <u32>(d4 >> 26); h4 = <u32>d4 & M26;
      h0 += c * 5; c = h0 >> 26; h0 &= M26;
      h1 += c;
      m += 16;
    }
    this.h0 = h0; this.h1 = h1; this.h2 = h2; this.h3 = h3; this.h4 = h4;
  }

  update(m: usize, len: usize): void {
    const buf = changetype<usize>(this.buf);
    let n = this.buffered;
    if (n != 0) {
      const take = min<usize>(16 - n, len);
      memory.copy(buf + n, m, take);
      n += take; m += take; len -= take;
      if (n < 16) { this.buffered = n; return; }
      this.blocks(buf, 1, 1 << 24);
      n = 0;
    }
    const full = len & ~<usize>15;
    if (full != 0) this.blocks(m, full >> 4, 1 << 24);
    len -= full;
    if (len != 0) memory.copy(buf, m + full, len);
    this.buffered = len;
  }

  /** Absorbs `len` bytes zero-padded to a multiple of 16 (RFC 8439 §2.8 pad16); needs an empty buffer. */
  updatePadded(m: usize, len: usize): void {
    const full = len & ~<usize>15;
    if (full != 0) this.blocks(m, full >> 4, 1 << 24);
    const rest = len - full;
    if (rest != 0) {
      v128.store(BLOCK, i64x2.splat(0));
      memory.copy(BLOCK, m + full, rest);
      this.blocks(BLOCK, 1, 1 << 24);
    }
  }

  /** Writes the 16-byte tag. */
  finish(out: usize): void {
    let n = this.buffered;
    if (n != 0) {
      // §2.5.1: a short last block gets the 0x01 byte right after it, no 2^128 bit.
      const buf = changetype<usize>(this.buf);
      store<u8>(buf + n, 1);
      n++;
      if (n < 16) memory.fill(buf + n, 0, 16 - n);
      this.blocks(buf, 1, 0);
      this.buffered = 0;
    }
    let h0 = this.h0, h1 = this.h1, h2 = this.h2, h3 = this.h3, h4 = this.h4;
    // Full carry.
    let c = h1 >> 26; h1 &= M26;
    h2 += c; c = h2 >> 26; h2 &= M26;
    h3 += c; c = h3 >> 26; h3 &= M26;
    h4 += c; c = h4 >> 26; h4 &= M26;
    h0 += c * 5; c = h0 >> 26; h0 &= M26;
    h1 += c;
    // g = h + 5 - 2^130; select g when it did not go negative (h >= p), by mask.
    let g0 = h0 + 5; c = g0 >> 26; g0 &= M26;
    let g1 = h1 + c; c = g1 >> 26; g1 &= M26;
    let g2 = h2 + c; c = g2 >> 26; g2 &= M26;
    let g3 = h3 + c; c = g3 >> 26; g3 &= M26;
    const g4 = h4 + c - (1 << 26);
    let mask = (g4 >> 31) - 1; // all-ones when g4 >= 0
    const nmask = ~mask;
    h0 = (h0 & nmask) | (g0 & mask);
    h1 = (h1 & nmask) | (g1 & mask);
    h2 = (h2 & nmask) | (g2 & mask);
    h3 = (h3 & nmask) | (g3 & mask);
    h4 = (h4 & nmask) | (g4 & mask);
    // h mod 2^128, then + s.
    const w0 = h0 | (h1 << 26);
    const w1 = (h1 >> 6) | (h2 << 20);
    const w2 = (h2 >> 12) | (h3 << 14);
    const w3 = (h3 >> 18) | (h4 << 8);
    let f = <u64>w0 + <u64>this.pad0; store<u32>(out, <u32>f);
    f = <u64>w1 + <u64>this.pad1 + (f >> 32); store<u32>(out, <u32>f, 4);
    f = <u64>w2 + <u64>this.pad2 + (f >> 32); store<u32>(out, <u32>f, 8);
    f = <u64>w3 + <u64>this.pad3 + (f >> 32); store<u32>(out, <u32>f, 12);
  }

  wipe(): void {
    this.r0 = 0; this.r1 = 0; this.r2 = 0; this.r3 = 0; this.r4 = 0;
    this.pad0 = 0; this.pad1 = 0; this.pad2 = 0; this.pad3 = 0;
  }
}
