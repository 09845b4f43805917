// npm run bench [-- name ...]: runs every bench/*.bench.mjs (or those whose
// name contains one of the arguments), each in its own process, one after the
// other so they do not compete for the two cores.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const benches = fs.readdirSync(dir).filter((f) => f.endsWith('.bench.mjs')).sort()
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}`);
  process.exit(1);
}
console.log(`h3-wasi benchmarks — node ${process.version}, ${process.platform}/${process.arch}; medians of ${process.env.BENCH_RUNS ?? 5} runs`);
let failed = 0;
for (const b of benches) {
  const r = spawnSync(process.execPath, [path.join(dir, b)], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`${b} failed (exit ${r.status})`); failed++; }
}
process.exit(failed ? 1 : 0);
