// Loads an AssemblyScript test entry (tests/wasm/<name>.ts, built by
// `npm run build:test` with asc's raw bindings) in one variant: 'debug'
// (asserts on, unoptimized) or 'release' (-O3, what ships). Tests that must
// hold on both loop over VARIANTS.
//
// The engine's only import, wasi:random/random@0.2.3#get-random-bytes, is
// provided here with the canonical ABI the component uses: the entry must
// re-export `cabi_realloc` (from assembly/api/abi) if it reaches code that
// draws random bytes. Pass `random` for deterministic tests.
import fs from 'node:fs';
import { randomFillSync } from 'node:crypto';

export type Variant = 'debug' | 'release';
export const VARIANTS: Variant[] = ['debug', 'release'];

export interface LoadOptions {
  /** Fills `out` with "random" bytes; defaults to node:crypto. */
  random?: (out: Uint8Array) => void;
}

const modules = new Map<string, WebAssembly.Module>();

export async function loadTest<T = any>(name: string, variant: Variant, options: LoadOptions = {}): Promise<T> {
  const base = new URL(`../../build/.test/${name}.${variant}`, import.meta.url);
  const key = base.href;
  let mod = modules.get(key);
  if (!mod) {
    mod = await WebAssembly.compile(fs.readFileSync(new URL(`${base.href}.wasm`)));
    modules.set(key, mod);
  }
  const bindings = await import(`${base.href}.js`);
  const fill = options.random ?? ((out: Uint8Array) => randomFillSync(out));
  let instance: any = null;
  const imports = {
    'wasi:random/random@0.2.3': {
      'get-random-bytes': (len: bigint, retptr: number) => {
        const n = Number(len);
        const ptr = instance.cabi_realloc(0, 0, 1, n) >>> 0;
        const mem = new Uint8Array(instance.memory.buffer);
        fill(mem.subarray(ptr, ptr + n));
        const view = new DataView(instance.memory.buffer);
        view.setUint32(retptr, ptr, true);
        view.setUint32(retptr + 4, n, true);
      },
      'get-random-u64': () => {
        const b = new Uint8Array(8);
        fill(b);
        return new DataView(b.buffer).getBigUint64(0, true);
      },
    },
  };
  instance = await bindings.instantiate(mod, imports);
  return instance as T;
}
