// Two hooks into the transpiled engine (dist/engine/engine.js) for fuzzing
// and memory checks. Both must be in place BEFORE engine.js is first
// evaluated, because it captures what they replace when it loads: import
// this module before anything that imports host/core/engine.ts (ES modules
// evaluate their imports in order, depth first).
//
// - The core's linear memory: engine.js instantiates its core modules with
//   `WebAssembly.instantiate` (captured at load) and does not export the
//   memory; the wrapper keeps the instance that exports `cabi_realloc` (the
//   core) and its `memory` (tests/boundary/memory.test.ts does the same).
//   Linear memory never shrinks, so its size is the high-water mark.
// - The core's randomness (its only import, wasi:random get-random-bytes):
//   engine.js takes `getRandomBytes` from the preview2 shim's `random` object
//   when it loads; the wrapper put there draws from a seeded generator while
//   `seedCoreRandom(seed)` is in effect, so a run with the same seed makes the
//   same keys, connection IDs and tokens and can be replayed byte for byte.
//   Outside a seeded run it is node:crypto, as before.
import { random } from '@bytecodealliance/preview2-shim/random';

let coreMemory: WebAssembly.Memory | null = null;
const originalInstantiate = WebAssembly.instantiate;
(WebAssembly as { instantiate: unknown }).instantiate = async function (...args: unknown[]) {
  const r = await (originalInstantiate as (...a: unknown[]) => Promise<WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource>)(...args);
  const inst = 'instance' in r ? r.instance : r;
  const ex = inst.exports as Record<string, unknown>;
  if (ex.cabi_realloc && ex.memory instanceof WebAssembly.Memory) coreMemory = ex.memory;
  return r;
};

/** The core's linear memory in bytes (its high-water mark); -1 if the engine loaded before this hook. */
export function coreMemoryBytes(): number {
  return coreMemory === null ? -1 : coreMemory.buffer.byteLength;
}

type RandomShim = { getRandomBytes: (len: bigint) => Uint8Array };
const shim = random as unknown as RandomShim;
const realRandomBytes = shim.getRandomBytes;
let seeded: ((n: number) => Uint8Array) | null = null;

shim.getRandomBytes = (len: bigint) => (seeded !== null ? seeded(Number(len)) : realRandomBytes(len));

/**
 * From now on the core's random bytes come from a generator seeded with
 * `seed` (xorshift128+; not secret, only repeatable); `null` goes back to
 * node:crypto.
 */
export function seedCoreRandom(seed: number | null): void {
  if (seed === null) { seeded = null; return; }
  let s0 = BigInt(seed >>> 0) * 0x9e3779b97f4a7c15n + 1n & 0xffffffffffffffffn;
  let s1 = (s0 ^ 0x6a09e667f3bcc909n) * 0xbf58476d1ce4e5b9n & 0xffffffffffffffffn;
  let hi = 0; let lo = 0;
  const next = () => {
    let x = s0; const y = s1;
    s0 = y;
    x ^= (x << 23n) & 0xffffffffffffffffn;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    const v = (s1 + y) & 0xffffffffffffffffn;
    hi = Number(v >> 32n); lo = Number(v & 0xffffffffn);
  };
  seeded = (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 8) {
      next();
      for (let k = 0; k < 8 && i + k < n; k++) out[i + k] = (k < 4 ? hi >>> (k * 8) : lo >>> ((k - 4) * 8)) & 0xff;
    }
    return out;
  };
}

/** Whether the hooks were installed before the engine loaded (else memory reads are impossible). */
export function coreHooked(): boolean {
  return coreMemory !== null;
}
