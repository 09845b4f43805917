// Constant-time helpers used by the handshake (OR of XORs; no early exit).

/** True when the `len` bytes at `a` and `b` are equal; time depends only on `len`. */
export function ctEqual(a: usize, b: usize, len: usize): bool {
  let acc: u32 = 0;
  for (let i: usize = 0; i < len; i++) acc |= <u32>(load<u8>(a + i) ^ load<u8>(b + i));
  return acc == 0;
}
