// npm run build:test: compiles every AssemblyScript test entry in tests/wasm/
// (one per area; each re-exports the internals its vitest files exercise) in
// two variants, so tests run on both:
//   build/.test/<name>.debug.js   — asserts kept, unoptimized
//   build/.test/<name>.release.js — -O3, asserts stripped (what ships)
// with asc's raw bindings (instantiate(module, imports)) (Uint8Array, string and array marshalling).
//
// An entry is rebuilt only when a file it imports (transitively), the asc
// configuration, this script or the lockfile (the compiler's version)
// changed. Builds run in parallel, one child process per core.
//
//   node build/build-tests.mjs [name ...]   only these entries
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { hashFiles } from './hash.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const outDir = path.join(root, 'build', '.test');
const entriesDir = path.join(root, 'tests', 'wasm');

/** The .ts files `entry` imports, transitively (relative imports only: the core has no others). */
export function dependencies(entry) {
  const seen = new Set();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop();
    if (seen.has(f) || !fs.existsSync(f)) continue;
    seen.add(f);
    const src = fs.readFileSync(f, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      const p = path.resolve(path.dirname(f), m[1]);
      stack.push(p.endsWith('.ts') ? p : `${p}.ts`);
    }
  }
  return [...seen].sort();
}

/** Compiles one entry in one variant (in this process). */
async function compile(name, variant) {
  const t0 = performance.now();
  const src = path.join(entriesDir, `${name}.ts`);
  const out = path.join(outDir, `${name}.${variant}.wasm`);
  const errors = [];
  const { error } = await asc.main([
    path.relative(root, src), '--config', 'asconfig.json', '--target', variant,
    '--bindings', 'raw', '--outFile', path.relative(root, out),
  ], { stdout: process.stdout, stderr: { write: (s) => { errors.push(String(s)); return true; } } });
  if (error) {
    process.stderr.write(errors.join(''));
    console.error(`test build ${name} (${variant}) failed: ${error.message}`);
    return false;
  }
  // asc's raw bindings call kebab-case imports as `__module0.get-random-bytes(...)`
  // (asc 0.28 bug): rewrite them as `__module0["get-random-bytes"](...)`.
  const js = out.replace(/\.wasm$/, '.js');
  fs.writeFileSync(js, fs.readFileSync(js, 'utf8').replace(/(__module\d+)\.([A-Za-z0-9_$]*-[A-Za-z0-9_$-]*)\(/g, '$1["$2"]('));
  console.log(`build/.test/${name}.${variant}.wasm (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return true;
}

function runChild(name, variant) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [self, '--compile', name, variant], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code === 0));
  });
}

async function main(argv) {
  if (argv[0] === '--compile') {
    process.exitCode = (await compile(argv[1], argv[2])) ? 0 : 1;
    return;
  }
  fs.mkdirSync(outDir, { recursive: true });
  const tools = [path.join(root, 'asconfig.json'), self, path.join(root, 'package-lock.json')].filter((f) => fs.existsSync(f));
  const entries = fs.readdirSync(entriesDir).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort()
    .filter((n) => argv.length === 0 || argv.includes(n));
  const jobs = [];
  const stamps = new Map();
  for (const name of entries) {
    const hash = hashFiles(root, [...tools, ...dependencies(path.join(entriesDir, `${name}.ts`))]);
    const stamp = path.join(outDir, `${name}.hash`);
    const fresh = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash
      && ['debug', 'release'].every((v) => fs.existsSync(path.join(outDir, `${name}.${v}.js`)));
    if (fresh) continue;
    if (fs.existsSync(stamp)) fs.rmSync(stamp);
    stamps.set(name, { stamp, hash, ok: true });
    for (const variant of ['debug', 'release']) jobs.push([name, variant]);
  }
  const parallel = Math.max(1, Math.min(jobs.length, os.availableParallelism?.() ?? os.cpus().length));
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < jobs.length) {
      const [name, variant] = jobs[next++];
      if (!(await runChild(name, variant))) stamps.get(name).ok = false;
    }
  }));
  let failed = false;
  for (const s of stamps.values()) {
    if (s.ok) fs.writeFileSync(s.stamp, s.hash);
    else failed = true;
  }
  if (failed) process.exit(1);
}

await main(process.argv.slice(2));
