// The development world's hooks (wit/dev.wit), for tests and bench/: fuzz
// and benchmark loops that run entirely inside the core. They come from the
// component built for world `engine-dev` (build/.dev/, by `npm run build`);
// the shipped component does not export them.
import { dev } from '../../build/.dev/engine/engine-dev.js';

const ALGS = { 'aes-128-gcm': 'aes128-gcm', 'aes-256-gcm': 'aes256-gcm', 'chacha20-poly1305': 'chacha20-poly1305' };
const FUZZ_TARGETS = { varint: 0, quic: 1, h3: 2, 'h3-parser': 3 };

function alg(name) {
  const a = ALGS[name];
  if (!a) throw new Error(`unknown AEAD algorithm ${name}`);
  return a;
}

/** Loops inside the core (no boundary crossing per packet). */
export const benchInCore = {
  protect: (a, count, size) => dev.benchProtect(alg(a), count, size),
  unprotect: (a, count, size) => dev.benchUnprotect(alg(a), count, size),
  headerMask: (a, count) => dev.benchHeaderMask(alg(a), count),
};

/** Runs codec `op` `iterations` times inside the core; returns the frames processed (wit/dev.wit bench-loop). */
export function benchLoop(op, param, input, iterations) {
  return dev.benchLoop(op, param, input, iterations);
}

/**
 * Runs many inputs through one decoder inside the core in a single call;
 * returns one outcome per input (0n accepted, else the wire error code;
 * 0xffffffffn means a decoded input did not re-encode). `param`: packet type
 * for 'quic', stream kind for 'h3-parser'.
 */
export function fuzzDecode(target, param, inputs) {
  let n = 0;
  for (const i of inputs) n += 4 + i.length;
  const buf = new Uint8Array(n);
  const v = new DataView(buf.buffer);
  let o = 0;
  for (const i of inputs) { v.setUint32(o, i.length, true); buf.set(i, o + 4); o += 4 + i.length; }
  return dev.fuzzDecode(FUZZ_TARGETS[target], param, buf);
}
