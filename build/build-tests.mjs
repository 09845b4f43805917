// npm run build:test: compiles every AssemblyScript test entry in tests/wasm/
// (one per area; each re-exports the internals its vitest files exercise) in
// two variants, so tests run on both:
//   build/.test/<name>.debug.js   — asserts kept, unoptimized
//   build/.test/<name>.release.js — -O3, asserts stripped (what ships)
// with asc's raw bindings (instantiate(module, imports)) (Uint8Array, string and array marshalling).
// Entries whose inputs did not change are not rebuilt.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'build', '.test');
const entriesDir = path.join(root, 'tests', 'wasm');
const only = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

// Any change under assembly/ may affect any entry: hash them all together.
const shared = crypto.createHash('sha256');
for (const f of [...walk(path.join(root, 'assembly')), path.join(root, 'asconfig.json'), fileURLToPath(import.meta.url)]) {
  shared.update(f);
  shared.update(fs.readFileSync(f));
}
const sharedHash = shared.digest('hex');

fs.mkdirSync(outDir, { recursive: true });
const entries = fs.readdirSync(entriesDir).filter((f) => f.endsWith('.ts')).sort();
let failed = false;
for (const file of entries) {
  const name = file.replace(/\.ts$/, '');
  if (only.length && !only.includes(name)) continue;
  const src = path.join(entriesDir, file);
  const hash = crypto.createHash('sha256').update(sharedHash).update(fs.readFileSync(src)).digest('hex');
  const stamp = path.join(outDir, `${name}.hash`);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) continue;
  for (const variant of ['debug', 'release']) {
    const t0 = performance.now();
    const out = path.join(outDir, `${name}.${variant}.wasm`);
    const errors = [];
    const { error } = await asc.main([
      path.relative(root, src), '--config', 'asconfig.json', '--target', variant,
      '--bindings', 'raw', '--outFile', path.relative(root, out),
    ], { stdout: process.stdout, stderr: { write: (s) => { errors.push(String(s)); return true; } } });
    if (error) {
      process.stderr.write(errors.join(''));
      console.error(`test build ${name} (${variant}) failed: ${error.message}`);
      failed = true;
      break;
    }
    // asc's raw bindings call kebab-case imports as `__module0.get-random-bytes(...)`
    // (asc 0.28 bug): rewrite them as `__module0["get-random-bytes"](...)`.
    const js = out.replace(/\.wasm$/, '.js');
    fs.writeFileSync(js, fs.readFileSync(js, 'utf8').replace(/(__module\d+)\.([A-Za-z0-9_$]*-[A-Za-z0-9_$-]*)\(/g, '$1["$2"]('));
    console.log(`build/.test/${name}.${variant}.wasm (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  if (!failed) fs.writeFileSync(stamp, hash);
}
if (failed) process.exit(1);
