// ChaCha20 (RFC 8439 §2.1-2.4). Additions, rotations and XORs only: constant
// time by construction. Bulk encryption runs four blocks at once in SIMD
// lanes (lane j of word vector i = word i of block counter+j).

// RFC 8439 §2.3: "expand 32-byte k"
const C0: u32 = 0x61707865, C1: u32 = 0x3320646e, C2: u32 = 0x79622d32, C3: u32 = 0x6b206574;

const KS: usize = memory.data(256, 16);

@inline function rotl16(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
@inline function rotl8(x: v128): v128 {
  return i8x16.shuffle(x, x, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
}
@inline function rotl12(x: v128): v128 {
  return v128.or(i32x4.shl(x, 12), i32x4.shr_u(x, 20));
}
@inline function rotl7(x: v128): v128 {
  return v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
}

/** RFC 8439 §2.3: one block (64 bytes) for `counter` to `out` (scalar). */
export function chacha20Block(key: usize, counter: u32, nonce: usize, out: usize): void {
  let x0 = C0, x1 = C1, x2 = C2, x3 = C3;
  let x4 = load<u32>(key), x5 = load<u32>(key, 4), x6 = load<u32>(key, 8), x7 = load<u32>(key, 12);
  let x8 = load<u32>(key, 16), x9 = load<u32>(key, 20), x10 = load<u32>(key, 24), x11 = load<u32>(key, 28);
  let x12 = counter, x13 = load<u32>(nonce), x14 = load<u32>(nonce, 4), x15 = load<u32>(nonce, 8);
  for (let i = 0; i < 10; i++) {
    // §2.1 quarter rounds: columns, then diagonals (§2.3.1 inner_block).
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12); x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12); x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12); x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12); x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12); x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12); x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12); x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12); x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }
  store<u32>(out, x0 + C0); store<u32>(out, x1 + C1, 4); store<u32>(out, x2 + C2, 8); store<u32>(out, x3 + C3, 12);
  store<u32>(out, x4 + load<u32>(key), 16); store<u32>(out, x5 + load<u32>(key, 4), 20);
  store<u32>(out, x6 + load<u32>(key, 8), 24); store<u32>(out, x7 + load<u32>(key, 12), 28);
  store<u32>(out, x8 + load<u32>(key, 16), 32); store<u32>(out, x9 + load<u32>(key, 20), 36);
  store<u32>(out, x10 + load<u32>(key, 24), 40); store<u32>(out, x11 + load<u32>(key, 28), 44);
  store<u32>(out, x12 + counter, 48); store<u32>(out, x13 + load<u32>(nonce), 52);
  store<u32>(out, x14 + load<u32>(nonce, 4), 56); store<u32>(out, x15 + load<u32>(nonce, 8), 60);
}

/** Writes 4 transposed word vectors (words w..w+3 of 4 blocks) as block-ordered output XOR input. */
@inline function emit4(a: v128, b: v128, c: v128, d: v128, src: usize, dst: usize): void {
  // 4x4 transpose of 32-bit lanes: row j = words of block j.
  const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  const r0 = i64x2.shuffle(t0, t1, 0, 2);
  const r1 = i64x2.shuffle(t0, t1, 1, 3);
  const r2 = i64x2.shuffle(t2, t3, 0, 2);
  const r3 = i64x2.shuffle(t2, t3, 1, 3);
  v128.store(dst, v128.xor(v128.load(src), r0));
  v128.store(dst, v128.xor(v128.load(src, 64), r1), 64);
  v128.store(dst, v128.xor(v128.load(src, 128), r2), 128);
  v128.store(dst, v128.xor(v128.load(src, 192), r3), 192);
}

/** Four blocks (256 bytes) of keystream for counters ctr..ctr+3, XORed from src into dst. */
function blocks4(key: usize, ctr: u32, nonce: usize, src: usize, dst: usize): void {
  const k0 = i32x4.splat(load<u32>(key)), k1 = i32x4.splat(load<u32>(key, 4));
  const k2 = i32x4.splat(load<u32>(key, 8)), k3 = i32x4.splat(load<u32>(key, 12));
  const k4 = i32x4.splat(load<u32>(key, 16)), k5 = i32x4.splat(load<u32>(key, 20));
  const k6 = i32x4.splat(load<u32>(key, 24)), k7 = i32x4.splat(load<u32>(key, 28));
  const cv = i32x4.add(i32x4.splat(ctr), i32x4(0, 1, 2, 3));
  const n0 = i32x4.splat(load<u32>(nonce)), n1 = i32x4.splat(load<u32>(nonce, 4)), n2 = i32x4.splat(load<u32>(nonce, 8));
  let x0 = i32x4.splat(C0), x1 = i32x4.splat(C1), x2 = i32x4.splat(C2), x3 = i32x4.splat(C3);
  let x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
  let x12 = cv, x13 = n0, x14 = n1, x15 = n2;
  for (let i = 0; i < 10; i++) {
    x0 = i32x4.add(x0, x4); x1 = i32x4.add(x1, x5); x2 = i32x4.add(x2, x6); x3 = i32x4.add(x3, x7);
    x12 = rotl16(v128.xor(x12, x0)); x13 = rotl16(v128.xor(x13, x1)); x14 = rotl16(v128.xor(x14, x2)); x15 = rotl16(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x9 = i32x4.add(x9, x13); x10 = i32x4.add(x10, x14); x11 = i32x4.add(x11, x15);
    x4 = rotl12(v128.xor(x4, x8)); x5 = rotl12(v128.xor(x5, x9)); x6 = rotl12(v128.xor(x6, x10)); x7 = rotl12(v128.xor(x7, x11));
    x0 = i32x4.add(x0, x4); x1 = i32x4.add(x1, x5); x2 = i32x4.add(x2, x6); x3 = i32x4.add(x3, x7);
    x12 = rotl8(v128.xor(x12, x0)); x13 = rotl8(v128.xor(x13, x1)); x14 = rotl8(v128.xor(x14, x2)); x15 = rotl8(v128.xor(x15, x3));
    x8 = i32x4.add(x8, x12); x9 = i32x4.add(x9, x13); x10 = i32x4.add(x10, x14); x11 = i32x4.add(x11, x15);
    x4 = rotl7(v128.xor(x4, x8)); x5 = rotl7(v128.xor(x5, x9)); x6 = rotl7(v128.xor(x6, x10)); x7 = rotl7(v128.xor(x7, x11));

    x0 = i32x4.add(x0, x5); x1 = i32x4.add(x1, x6); x2 = i32x4.add(x2, x7); x3 = i32x4.add(x3, x4);
    x15 = rotl16(v128.xor(x15, x0)); x12 = rotl16(v128.xor(x12, x1)); x13 = rotl16(v128.xor(x13, x2)); x14 = rotl16(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x11 = i32x4.add(x11, x12); x8 = i32x4.add(x8, x13); x9 = i32x4.add(x9, x14);
    x5 = rotl12(v128.xor(x5, x10)); x6 = rotl12(v128.xor(x6, x11)); x7 = rotl12(v128.xor(x7, x8)); x4 = rotl12(v128.xor(x4, x9));
    x0 = i32x4.add(x0, x5); x1 = i32x4.add(x1, x6); x2 = i32x4.add(x2, x7); x3 = i32x4.add(x3, x4);
    x15 = rotl8(v128.xor(x15, x0)); x12 = rotl8(v128.xor(x12, x1)); x13 = rotl8(v128.xor(x13, x2)); x14 = rotl8(v128.xor(x14, x3));
    x10 = i32x4.add(x10, x15); x11 = i32x4.add(x11, x12); x8 = i32x4.add(x8, x13); x9 = i32x4.add(x9, x14);
    x5 = rotl7(v128.xor(x5, x10)); x6 = rotl7(v128.xor(x6, x11)); x7 = rotl7(v128.xor(x7, x8)); x4 = rotl7(v128.xor(x4, x9));
  }
  x0 = i32x4.add(x0, i32x4.splat(C0)); x1 = i32x4.add(x1, i32x4.splat(C1));
  x2 = i32x4.add(x2, i32x4.splat(C2)); x3 = i32x4.add(x3, i32x4.splat(C3));
  x4 = i32x4.add(x4, k0); x5 = i32x4.add(x5, k1); x6 = i32x4.add(x6, k2); x7 = i32x4.add(x7, k3);
  x8 = i32x4.add(x8, k4); x9 = i32x4.add(x9, k5); x10 = i32x4.add(x10, k6); x11 = i32x4.add(x11, k7);
  x12 = i32x4.add(x12, cv); x13 = i32x4.add(x13, n0); x14 = i32x4.add(x14, n1); x15 = i32x4.add(x15, n2);
  emit4(x0, x1, x2, x3, src, dst);
  emit4(x4, x5, x6, x7, src + 16, dst + 16);
  emit4(x8, x9, x10, x11, src + 32, dst + 32);
  emit4(x12, x13, x14, x15, src + 48, dst + 48);
}

/**
 * RFC 8439 §2.4: XORs the ChaCha20 keystream for (key, nonce) starting at
 * block `counter` into `len` bytes from `src` to `dst` (may be equal).
 */
export function chacha20Xor(key: usize, counter: u32, nonce: usize, src: usize, dst: usize, len: usize): void {
  while (len >= 256) {
    blocks4(key, counter, nonce, src, dst);
    counter += 4;
    src += 256; dst += 256; len -= 256;
  }
  if (len == 0) return;
  if (len > 64) {
    memory.fill(KS, 0, 256);
    blocks4(key, counter, nonce, KS, KS);
  } else {
    chacha20Block(key, counter, nonce, KS);
  }
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) store<u64>(dst + i, load<u64>(src + i) ^ load<u64>(KS + i));
  for (; i < len; i++) store<u8>(dst + i, load<u8>(src + i) ^ load<u8>(KS + i));
}
