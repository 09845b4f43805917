// Randomness: wasi:random is the only source (ARCHITECTURE.md). Keys,
// connection IDs, tokens and nonces all come through here.

// wasi:random/random@0.2.3#get-random-bytes: func(len: u64) -> list<u8>.
// Canonical ABI: the host allocates the list with our cabi_realloc and writes
// (ptr, len) to `retptr`; the list is ours to free.
@external("wasi:random/random@0.2.3", "get-random-bytes")
declare function wasiGetRandomBytes(len: u64, retptr: usize): void;

const RETPTR: usize = memory.data(8, 4);

/** Fills `len` bytes at `out` with cryptographically secure random bytes. */
export function randomBytes(out: usize, len: usize): void {
  if (len == 0) return;
  wasiGetRandomBytes(<u64>len, RETPTR);
  const p = <usize>load<u32>(RETPTR);
  const n = <usize>load<u32>(RETPTR, 4);
  memory.copy(out, p, n < len ? n : len);
  if (n != 0) heap.free(p);
}

/** A random u64 (drawn through the same import). */
export function randomU64(): u64 {
  const scratch = memory.data(8, 8);
  randomBytes(scratch, 8);
  return load<u64>(scratch);
}
