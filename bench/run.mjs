// npm run bench [-- name ...]: runs every bench/*.bench.mjs (or exactly the
// named ones: `crypto` is crypto.bench.mjs, not crypto_pk), each in its own
// process, one after the other so they do not compete for the two cores.
// `--list` prints the names that would run instead of running them.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.bench.mjs';
const names = fs.readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).map((f) => f.slice(0, -SUFFIX.length)).sort();
const list = process.argv.includes('--list');
const wanted = process.argv.slice(2).filter((a) => a !== '--list');
const unknown = wanted.filter((w) => !names.includes(w));
if (unknown.length) {
  console.error(`no benchmark named ${unknown.map((u) => `'${u}'`).join(', ')}; the benchmarks are: ${names.join(', ')}`);
  process.exit(2);
}
const benches = wanted.length ? names.filter((n) => wanted.includes(n)) : names;
if (list) {
  console.log(benches.join('\n'));
  process.exit(0);
}
console.log(`h3-wasi benchmarks — node ${process.version}, ${process.platform}/${process.arch}; medians of ${process.env.BENCH_RUNS ?? 5} runs`);
let failed = 0;
for (const b of benches) {
  const r = spawnSync(process.execPath, [path.join(dir, b + SUFFIX)], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`${b}${SUFFIX} failed (exit ${r.status})`); failed++; }
}
process.exit(failed ? 1 : 0);
