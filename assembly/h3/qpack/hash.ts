// FNV-1a over field names and values: the encoder's lookup key for the static
// and dynamic tables. Field data is not secret here (the encoder's own
// headers), but see RFC 9204 §7.1 for what the encoder must not index.

const FNV_OFFSET: u32 = 0x811c9dc5;
const FNV_PRIME: u32 = 0x01000193;

/** Hash of a field name. */
export function hashBytes(p: usize, len: usize): u32 {
  let h = FNV_OFFSET;
  for (let i: usize = 0; i < len; i++) h = (h ^ <u32>load<u8>(p + i)) * FNV_PRIME;
  return h;
}

/** Hash of name+value, continuing from the name's hash (with a separator). */
export function hashValue(nameHash: u32, p: usize, len: usize): u32 {
  let h = (nameHash ^ 0x1ff) * FNV_PRIME;
  for (let i: usize = 0; i < len; i++) h = (h ^ <u32>load<u8>(p + i)) * FNV_PRIME;
  return h;
}
