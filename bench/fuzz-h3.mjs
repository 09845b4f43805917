// The HTTP/3 connection fuzzer's long run (`npm run fuzz -- h3`): random,
// mutated and well-framed-but-hostile streams from a raw QUIC peer into an
// H3 server and an H3 client of the component (tests/helpers/h3-fuzz.ts says
// what and what is checked), connection after connection, in this process.
//
//   node bench/fuzz-h3.mjs [--role client|server|both] [--inputs N] [--seed S]
//                          [--memory-limit MiB] [--progress N]
//
// The seed (FUZZ_SEED or --seed; random otherwise) is printed; a run is
// deterministic. Prints progress, closes per code and the core's largest
// memory; exits non-zero on a trap, a broken rule or memory over the limit.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const inputs = Number(option('inputs', 100_000));
const seed = Number(option('seed', process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32))) >>> 0;
const memoryLimit = Number(option('memory-limit', 256)) * 2 ** 20;
const progress = Number(option('progress', 10_000));
const role = option('role', 'both');

const { runnerImport } = await import('vite');
// the memory hook must load before the engine (tests/helpers/core-hooks.ts)
const { module: hooks } = await runnerImport(path.join(root, 'tests/helpers/core-hooks.ts'));
const { module: F } = await runnerImport(path.join(root, 'tests/helpers/h3-fuzz.ts'));
console.log(`HTTP/3 connection fuzz: ${inputs} inputs per role, FUZZ_SEED=${seed}, core memory limit ${memoryLimit / 2 ** 20} MiB — node ${process.version}`);
let failed = 0;
for (const r of role === 'both' ? ['server', 'client'] : [role]) {
  const f = new F.H3Fuzzer(r, seed);
  const t0 = performance.now();
  const codes = new Map();
  let n = 0, conns = 0, next = progress, maxMem = 0;
  try {
    while (n < inputs) {
      const res = f.runConnection();
      n += res.inputs;
      conns++;
      if (!res.survived) codes.set(res.closeCode, (codes.get(res.closeCode) ?? 0) + 1);
      const mem = hooks.coreMemoryBytes();
      if (mem > maxMem) maxMem = mem;
      if (mem > memoryLimit) throw new Error(`core memory ${mem} over the limit`);
      if (n >= next) { console.log(`  ${r}: ${n} inputs, ${conns} connections, ${Math.round(n / ((performance.now() - t0) / 1000))} inputs/s`); next += progress; }
    }
  } catch (e) {
    console.error(`${r}: FAILED after ${n} inputs (connection ${conns}, FUZZ_SEED=${seed}): ${e?.stack ?? e}`);
    failed++;
  }
  console.log(`${r}: ${n} inputs on ${conns} connections in ${((performance.now() - t0) / 1000).toFixed(1)} s; closes ${[...codes].map(([k, v]) => `0x${k.toString(16)}:${v}`).join(' ')}; core memory max ${(maxMem / 2 ** 20).toFixed(1)} MiB`);
  f.close();
}
process.exit(failed ? 1 : 0);
