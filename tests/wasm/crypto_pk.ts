// Test entry: exposes the public-key half of assembly/crypto/ to tests/crypto/*.test.ts.
export { cabi_realloc } from "../../assembly/api/abi";
import { x25519 as x25519Raw, x25519Base as x25519BaseRaw } from "../../assembly/crypto/x25519";

/** X25519(k, u), or null when the result is all zero. */
export function x25519(k: Uint8Array, u: Uint8Array): Uint8Array | null {
  if (k.length != 32 || u.length != 32) return null;
  const out = new Uint8Array(32);
  return x25519Raw(out.dataStart, k.dataStart, u.dataStart) ? out : null;
}

export function x25519Base(k: Uint8Array): Uint8Array | null {
  if (k.length != 32) return null;
  const out = new Uint8Array(32);
  x25519BaseRaw(out.dataStart, k.dataStart);
  return out;
}

/** RFC 7748 §5.2 iterated test: k, u <- X25519(k, u), k, `n` times. */
export function x25519Iterate(n: i32): Uint8Array {
  const k = new Uint8Array(32), u = new Uint8Array(32), out = new Uint8Array(32);
  k[0] = 9; u[0] = 9;
  for (let i = 0; i < n; i++) {
    x25519Raw(out.dataStart, k.dataStart, u.dataStart);
    memory.copy(u.dataStart, k.dataStart, 32);
    memory.copy(k.dataStart, out.dataStart, 32);
  }
  return k;
}
