// Randomness: wasi:random is the only source (ARCHITECTURE.md). Keys,
// connection IDs, tokens and nonces all come through here.

// wasi:random/random@0.2.3#get-random-bytes: func(len: u64) -> list<u8>.
// Canonical ABI: the host allocates the list with our cabi_realloc and writes
// (ptr, len) to `retptr`; the list is ours to free.
@external("wasi:random/random@0.2.3", "get-random-bytes")
declare function wasiGetRandomBytes(len: u64, retptr: usize): void;

const RETPTR: usize = memory.data(8, 4);

/** Draws exactly `len` bytes from the host into `out` (one import call). */
function drawBytes(out: usize, len: usize): void {
  wasiGetRandomBytes(<u64>len, RETPTR);
  const p = <usize>load<u32>(RETPTR);
  const n = <usize>load<u32>(RETPTR, 4);
  memory.copy(out, p, n < len ? n : len);
  if (n != 0) {
    memory.fill(p, 0, n);
    heap.free(p);
  }
}

// A small pool: each import call crosses the component boundary (a few µs in
// jco), which was ~10% of an ECDSA signature (32 hedging bytes per nonce) and
// of every short token. Requests up to POOL_MAX bytes are served from the
// pool, and the bytes handed out are zeroed there at once, so the pool never
// holds a copy of anything already returned.
const POOL_SIZE: usize = 512;
const POOL_MAX: usize = 64;
const POOL: usize = memory.data(<i32>POOL_SIZE, 16);
let poolLeft: usize = 0; // unused bytes at the end of POOL

/** Fills `len` bytes at `out` with cryptographically secure random bytes. */
export function randomBytes(out: usize, len: usize): void {
  if (len == 0) return;
  if (len > POOL_MAX) { drawBytes(out, len); return; }
  if (poolLeft < len) {
    drawBytes(POOL, POOL_SIZE);
    poolLeft = POOL_SIZE;
  }
  const src = POOL + POOL_SIZE - poolLeft;
  memory.copy(out, src, len);
  memory.fill(src, 0, len);
  poolLeft -= len;
}

/** A random u64 (drawn through the same import). */
export function randomU64(): u64 {
  const scratch = memory.data(8, 8);
  randomBytes(scratch, 8);
  return load<u64>(scratch);
}
