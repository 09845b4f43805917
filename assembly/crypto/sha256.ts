// SHA-256 (FIPS 180-4 §6.2). Data-independent timing by construction.

import { Hash } from "./hash";

// FIPS 180-4 §4.2.2: the 64 round constants.
const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

// Message schedule scratch (one block at a time, never reentrant).
const W: usize = memory.data(64 * 4, 16);

/** Processes `nblocks` 64-byte blocks at `p` into the state at `st` (8 words). */
function compress(st: usize, p: usize, nblocks: usize): void {
  const k = changetype<usize>(K);
  let a = load<u32>(st), b = load<u32>(st, 4), c = load<u32>(st, 8), d = load<u32>(st, 12);
  let e = load<u32>(st, 16), f = load<u32>(st, 20), g = load<u32>(st, 24), h = load<u32>(st, 28);
  while (nblocks-- > 0) {
    // §6.2.2 step 1: prepare the message schedule.
    for (let t: usize = 0; t < 16; t++) store<u32>(W + (t << 2), bswap<u32>(load<u32>(p + (t << 2))));
    for (let t: usize = 16; t < 64; t++) {
      const w15 = load<u32>(W + ((t - 15) << 2));
      const w2 = load<u32>(W + ((t - 2) << 2));
      const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >> 3);
      const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >> 10);
      store<u32>(W + (t << 2), load<u32>(W + ((t - 16) << 2)) + s0 + load<u32>(W + ((t - 7) << 2)) + s1);
    }
    // Steps 2-4: 64 rounds.
    const a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = h;
    for (let t: usize = 0; t < 64; t++) {
      const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = h + S1 + ch + load<u32>(k + (t << 2)) + load<u32>(W + (t << 2));
      const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = S0 + maj;
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    a += a0; b += b0; c += c0; d += d0; e += e0; f += f0; g += g0; h += h0;
    p += 64;
  }
  store<u32>(st, a); store<u32>(st, b, 4); store<u32>(st, c, 8); store<u32>(st, d, 12);
  store<u32>(st, e, 16); store<u32>(st, f, 20); store<u32>(st, g, 24); store<u32>(st, h, 28);
}

@final
export class Sha256 extends Hash {
  /** 8 state words, then the 64-byte partial block (managed: freed with the object). */
  private state: StaticArray<u8> = new StaticArray<u8>(32 + 64);
  private buffered: usize = 0;
  private total: u64 = 0;

  constructor() {
    super();
    this.outLen = 32;
    this.blockLen = 64;
    this.reset();
  }

  reset(): void {
    // FIPS 180-4 §5.3.3
    const s = changetype<usize>(this.state);
    store<u32>(s, 0x6a09e667); store<u32>(s, 0xbb67ae85, 4); store<u32>(s, 0x3c6ef372, 8); store<u32>(s, 0xa54ff53a, 12);
    store<u32>(s, 0x510e527f, 16); store<u32>(s, 0x9b05688c, 20); store<u32>(s, 0x1f83d9ab, 24); store<u32>(s, 0x5be0cd19, 28);
    this.buffered = 0;
    this.total = 0;
  }

  update(ptr: usize, len: usize): void {
    const buf = changetype<usize>(this.state) + 32;
    this.total += <u64>len;
    let n = this.buffered;
    if (n != 0) {
      const take = min<usize>(64 - n, len);
      memory.copy(buf + n, ptr, take);
      n += take; ptr += take; len -= take;
      if (n < 64) { this.buffered = n; return; }
      compress(changetype<usize>(this.state), buf, 1);
      n = 0;
    }
    const blocks = len >> 6;
    if (blocks != 0) {
      compress(changetype<usize>(this.state), ptr, blocks);
      ptr += blocks << 6;
      len -= blocks << 6;
    }
    if (len != 0) memory.copy(buf, ptr, len);
    this.buffered = len;
  }

  finish(out: usize): void {
    // §5.1.1: append 0x80, zeros, and the 64-bit big-endian bit length.
    const buf = changetype<usize>(this.state) + 32;
    let n = this.buffered;
    store<u8>(buf + n, 0x80);
    n++;
    if (n > 56) {
      memory.fill(buf + n, 0, 64 - n);
      compress(changetype<usize>(this.state), buf, 1);
      n = 0;
    }
    memory.fill(buf + n, 0, 56 - n);
    store<u64>(buf + 56, bswap<u64>(this.total << 3));
    compress(changetype<usize>(this.state), buf, 1);
    for (let i: usize = 0; i < 8; i++) store<u32>(out + (i << 2), bswap<u32>(load<u32>(changetype<usize>(this.state) + (i << 2))));
  }

  clone(): Hash {
    const h = new Sha256();
    h.copyFrom(this);
    return h;
  }

  copyFrom(other: Hash): void {
    const o = changetype<Sha256>(other);
    memory.copy(changetype<usize>(this.state), changetype<usize>(o.state), 32 + 64);
    this.buffered = o.buffered;
    this.total = o.total;
  }
}

const oneShot = new Sha256();

/** SHA-256 of `len` bytes at `ptr` into 32 bytes at `out`. */
export function sha256(ptr: usize, len: usize, out: usize): void {
  oneShot.reset();
  oneShot.update(ptr, len);
  oneShot.finish(out);
}
