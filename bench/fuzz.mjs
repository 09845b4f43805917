// npm run fuzz [-- target ...] [-- options]: long fuzz runs, one target after
// the other, each in its own process (a trap kills the engine instance and
// everything in it). Targets: bench/fuzz-<name>.mjs. Options after the
// target names go to each target (e.g. `npm run fuzz -- quic --inputs 200000
// --role server --seed 42`); `--list` prints the targets. The smoke versions
// of these runs are part of `npm test`.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const PREFIX = 'fuzz-';
const names = fs.readdirSync(dir).filter((f) => f.startsWith(PREFIX) && f.endsWith('.mjs')).map((f) => f.slice(PREFIX.length, -4)).sort();
const args = process.argv.slice(2);
if (args.includes('--list')) {
  console.log(names.join('\n'));
  process.exit(0);
}
const firstOption = args.findIndex((a) => a.startsWith('--'));
const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
const unknown = wanted.filter((w) => !names.includes(w));
if (unknown.length) {
  console.error(`no fuzz target named ${unknown.map((u) => `'${u}'`).join(', ')}; the targets are: ${names.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const t of wanted.length ? wanted : names) {
  const r = spawnSync(process.execPath, [path.join(dir, `${PREFIX}${t}.mjs`), ...options], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`fuzz target ${t} failed (exit ${r.status})`); failed++; }
}
process.exit(failed ? 1 : 0);
