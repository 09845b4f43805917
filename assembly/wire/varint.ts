// RFC 9000 §16: variable-length integer encoding.

/** The largest value a varint can carry: 2^62 - 1. */
export const VARINT_MAX: u64 = 0x3fffffffffffffff;

/** Bytes needed to encode `v` (1, 2, 4 or 8); 0 when v > VARINT_MAX. */
@inline
export function varintLen(v: u64): usize {
  if (v < 64) return 1;
  if (v < 16384) return 2;
  if (v < 1073741824) return 4;
  if (v <= VARINT_MAX) return 8;
  return 0;
}

/** Decoded length of a varint from its first byte (RFC 9000 §16, Table 4). */
@inline
export function varintLenFromFirst(first: u8): usize {
  return <usize>1 << (first >> 6);
}
