// SHA-512 and SHA-384 (FIPS 180-4 §6.4, §6.5). Data-independent timing.

import { Hash } from "./hash";

// FIPS 180-4 §4.2.3: the 80 round constants.
const K: StaticArray<u64> = [
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
  0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
  0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
  0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
  0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
  0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
  0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
  0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
  0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
];

const W: usize = memory.data(80 * 8, 16);

function compress(st: usize, p: usize, nblocks: usize): void {
  const k = changetype<usize>(K);
  let a = load<u64>(st), b = load<u64>(st, 8), c = load<u64>(st, 16), d = load<u64>(st, 24);
  let e = load<u64>(st, 32), f = load<u64>(st, 40), g = load<u64>(st, 48), h = load<u64>(st, 56);
  while (nblocks-- > 0) {
    for (let t: usize = 0; t < 16; t++) store<u64>(W + (t << 3), bswap<u64>(load<u64>(p + (t << 3))));
    for (let t: usize = 16; t < 80; t++) {
      const w15 = load<u64>(W + ((t - 15) << 3));
      const w2 = load<u64>(W + ((t - 2) << 3));
      const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >> 7);
      const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >> 6);
      store<u64>(W + (t << 3), load<u64>(W + ((t - 16) << 3)) + s0 + load<u64>(W + ((t - 7) << 3)) + s1);
    }
    const a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = h;
    for (let t: usize = 0; t < 80; t++) {
      const S1 = rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41);
      const ch = (e & f) ^ (~e & g);
      const t1 = h + S1 + ch + load<u64>(k + (t << 3)) + load<u64>(W + (t << 3));
      const S0 = rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = S0 + maj;
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    a += a0; b += b0; c += c0; d += d0; e += e0; f += f0; g += g0; h += h0;
    p += 128;
  }
  store<u64>(st, a); store<u64>(st, b, 8); store<u64>(st, c, 16); store<u64>(st, d, 24);
  store<u64>(st, e, 32); store<u64>(st, f, 40); store<u64>(st, g, 48); store<u64>(st, h, 56);
}

/** SHA-512 core; SHA-384 differs only in the initial value and the output length. */
export class Sha512 extends Hash {
  /** 8 state words, then the 128-byte partial block. */
  protected state: StaticArray<u8> = new StaticArray<u8>(64 + 128);
  protected buffered: usize = 0;
  protected total: u64 = 0;

  constructor() {
    super();
    this.outLen = 64;
    this.blockLen = 128;
    this.reset();
  }

  protected init(): void {
    // FIPS 180-4 §5.3.5
    const s = changetype<usize>(this.state);
    store<u64>(s, 0x6a09e667f3bcc908); store<u64>(s, 0xbb67ae8584caa73b, 8);
    store<u64>(s, 0x3c6ef372fe94f82b, 16); store<u64>(s, 0xa54ff53a5f1d36f1, 24);
    store<u64>(s, 0x510e527fade682d1, 32); store<u64>(s, 0x9b05688c2b3e6c1f, 40);
    store<u64>(s, 0x1f83d9abfb41bd6b, 48); store<u64>(s, 0x5be0cd19137e2179, 56);
  }

  reset(): void {
    this.init();
    this.buffered = 0;
    this.total = 0;
  }

  update(ptr: usize, len: usize): void {
    const st = changetype<usize>(this.state);
    const buf = st + 64;
    this.total += <u64>len;
    let n = this.buffered;
    if (n != 0) {
      const take = min<usize>(128 - n, len);
      memory.copy(buf + n, ptr, take);
      n += take; ptr += take; len -= take;
      if (n < 128) { this.buffered = n; return; }
      compress(st, buf, 1);
      n = 0;
    }
    const blocks = len >> 7;
    if (blocks != 0) {
      compress(st, ptr, blocks);
      ptr += blocks << 7;
      len -= blocks << 7;
    }
    if (len != 0) memory.copy(buf, ptr, len);
    this.buffered = len;
  }

  finish(out: usize): void {
    // §5.1.2: 0x80, zeros, 128-bit big-endian bit length (high half is 0 here).
    const st = changetype<usize>(this.state);
    const buf = st + 64;
    let n = this.buffered;
    store<u8>(buf + n, 0x80);
    n++;
    if (n > 112) {
      memory.fill(buf + n, 0, 128 - n);
      compress(st, buf, 1);
      n = 0;
    }
    memory.fill(buf + n, 0, 120 - n);
    store<u64>(buf + 120, bswap<u64>(this.total << 3));
    compress(st, buf, 1);
    const words = <usize>this.outLen >> 3;
    for (let i: usize = 0; i < words; i++) store<u64>(out + (i << 3), bswap<u64>(load<u64>(st + (i << 3))));
  }

  clone(): Hash {
    const h = new Sha512();
    h.copyFrom(this);
    return h;
  }

  copyFrom(other: Hash): void {
    const o = changetype<Sha512>(other);
    memory.copy(changetype<usize>(this.state), changetype<usize>(o.state), 64 + 128);
    this.buffered = o.buffered;
    this.total = o.total;
  }
}

@final
export class Sha384 extends Sha512 {
  constructor() {
    super();
    this.outLen = 48;
  }

  protected init(): void {
    // FIPS 180-4 §5.3.4
    const s = changetype<usize>(this.state);
    store<u64>(s, 0xcbbb9d5dc1059ed8); store<u64>(s, 0x629a292a367cd507, 8);
    store<u64>(s, 0x9159015a3070dd17, 16); store<u64>(s, 0x152fecd8f70e5939, 24);
    store<u64>(s, 0x67332667ffc00b31, 32); store<u64>(s, 0x8eb44a8768581511, 40);
    store<u64>(s, 0xdb0c2e0d64f98fa7, 48); store<u64>(s, 0x47b5481dbefa4fa4, 56);
  }

  clone(): Hash {
    const h = new Sha384();
    h.copyFrom(this);
    return h;
  }
}

const oneShot512 = new Sha512();
const oneShot384 = new Sha384();

/** SHA-384 of `len` bytes at `ptr` into 48 bytes at `out`. */
export function sha384(ptr: usize, len: usize, out: usize): void {
  oneShot384.reset();
  oneShot384.update(ptr, len);
  oneShot384.finish(out);
}

/** SHA-512 of `len` bytes at `ptr` into 64 bytes at `out`. */
export function sha512(ptr: usize, len: usize, out: usize): void {
  oneShot512.reset();
  oneShot512.update(ptr, len);
  oneShot512.finish(out);
}
