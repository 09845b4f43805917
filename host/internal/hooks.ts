// Test and benchmark hooks: loops that run entirely inside the core, and the
// batch fuzz entry. Not part of the public API (package.json does not export
// this module); tests and bench/ import it from dist/host/internal/hooks.js.
import { codec, crypto as core } from '../core/engine.js';
import { algInfo, type AeadAlgorithm } from '../crypto/symmetric.js';

/** Loops inside the core (no boundary crossing per packet). */
export const benchInCore = {
  protect: (alg: AeadAlgorithm, count: number, size: number): number => core.benchProtect(algInfo(alg).wit, count, size),
  unprotect: (alg: AeadAlgorithm, count: number, size: number): number => core.benchUnprotect(algInfo(alg).wit, count, size),
  headerMask: (alg: AeadAlgorithm, count: number): number => core.benchHeaderMask(algInfo(alg).wit, count),
};

export type FuzzTarget = 'varint' | 'quic' | 'h3' | 'h3-parser';
const FUZZ_TARGETS: Record<FuzzTarget, number> = { varint: 0, quic: 1, h3: 2, 'h3-parser': 3 };

/**
 * Runs many inputs through one decoder inside the core in a single call;
 * returns one outcome per input (0n accepted, else the wire error code;
 * 0xffffffffn means a decoded input did not re-encode). `param`: packet type
 * for 'quic', stream kind for 'h3-parser'.
 */
export function fuzzDecode(target: FuzzTarget, param: number, inputs: Uint8Array[]): BigUint64Array {
  let n = 0;
  for (const i of inputs) n += 4 + i.length;
  const buf = new Uint8Array(n);
  const v = new DataView(buf.buffer);
  let o = 0;
  for (const i of inputs) { v.setUint32(o, i.length, true); buf.set(i, o + 4); o += 4 + i.length; }
  return codec.fuzzDecode(FUZZ_TARGETS[target], param, buf);
}
