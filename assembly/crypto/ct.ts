// Constant-time helpers: no branch and no memory index depends on the data.
// Used for tag, token and reset-secret comparisons (STYLE.md: OR of XORs).

/** True when the `len` bytes at `a` and `b` are equal; time depends only on `len`. */
export function ctEqual(a: usize, b: usize, len: usize): bool {
  let acc: u64 = 0;
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) acc |= load<u64>(a + i) ^ load<u64>(b + i);
  for (; i < len; i++) acc |= <u64>(load<u8>(a + i) ^ load<u8>(b + i));
  return ctIsZero64(acc) != 0;
}

/** 1 when `x` is zero, else 0, without a branch. */
@inline export function ctIsZero64(x: u64): u32 {
  return <u32>(((x | (0 - x)) >> 63) ^ 1);
}

/** 1 when `x` is zero, else 0, without a branch. */
@inline export function ctIsZero32(x: u32): u32 {
  return ((x | (0 - x)) >> 31) ^ 1;
}

/** All-ones when `bit` (0 or 1) is 1, else 0. */
@inline export function ctMask32(bit: u32): u32 {
  return 0 - (bit & 1);
}

/** All-ones when `bit` (0 or 1) is 1, else 0. */
@inline export function ctMask64(bit: u64): u64 {
  return 0 - (bit & 1);
}

/** `mask` all-ones selects `a`, zero selects `b`. */
@inline export function ctSelect32(mask: u32, a: u32, b: u32): u32 {
  return b ^ (mask & (a ^ b));
}

/** `mask` all-ones selects `a`, zero selects `b`. */
@inline export function ctSelect64(mask: u64, a: u64, b: u64): u64 {
  return b ^ (mask & (a ^ b));
}

/** Copies `len` bytes from `src` to `dst` when `bit` is 1; touches `dst` either way. */
export function ctCondCopy(bit: u32, dst: usize, src: usize, len: usize): void {
  const m = <u8>ctMask32(bit);
  for (let i: usize = 0; i < len; i++) {
    const d = load<u8>(dst + i);
    store<u8>(dst + i, d ^ (m & (d ^ load<u8>(src + i))));
  }
}

/** Overwrites `len` bytes with zeros (for wiping key material). */
export function wipe(ptr: usize, len: usize): void {
  memory.fill(ptr, 0, len);
}
