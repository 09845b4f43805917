// Shared by the AS test entries (tests/wasm/*.ts; this folder is not an entry):
// bytes as lowercase hex, for the JSON summaries the entries return.

/** Lowercase hex of `n` bytes at `p`. */
export function hex(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(p + <usize>i);
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}
