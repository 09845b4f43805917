// npm run build: assembly/ -> asc -> canonical-ABI export names (binaryen)
// -> componentEmbed + componentNew -> dist/h3-wasi.wasm -> jco transpile ->
// dist/engine/ (the JS that host/ imports) -> tsc -> dist/host/.
//
// Each stage is skipped when its inputs have not changed since the last
// build (content hashes in build/.cache/build-state.json), so `npm test` stays
// fast. H3W_FORCE_BUILD=1 rebuilds everything.
//
// dist/ holds only what the npm package ships: intermediates (the core module
// before componentization, the build state) live in build/.cache/, and tsc
// emits no source maps (they would point at host/*.ts, which is not shipped).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import asc from 'assemblyscript/asc';
import binaryen from 'binaryen';
import { componentEmbed, componentNew, transpile } from '@bytecodealliance/jco';
import { assembleWit } from './wit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const cache = path.join(root, 'build', '.cache');
const stateFile = path.join(cache, 'build-state.json');
const WORLD = 'engine';

function walk(dir, filter) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, filter));
    else if (filter(p)) out.push(p);
  }
  return out.sort();
}

function hashFiles(files) {
  const h = crypto.createHash('sha256');
  for (const f of files) {
    h.update(path.relative(root, f));
    h.update(fs.readFileSync(f));
  }
  return h.digest('hex');
}

const kebab = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** Maps AS export names (see assembly/api/abi.ts) to canonical-ABI names. */
export function canonicalExportName(asName, pkg, version) {
  if (asName === 'memory' || asName === 'cabi_realloc' || asName === '_initialize') return asName;
  const m = asName.match(/^([A-Za-z0-9]+)__([A-Za-z0-9]+)(__post)?$/);
  if (!m) return null;
  const name = `${pkg}/${kebab(m[1])}@${version}#${kebab(m[2])}`;
  return m[3] ? `cabi_post_${name}` : name;
}

async function compileCore(entries) {
  const outFile = path.join(cache, 'core.wasm');
  const args = [
    ...entries.map((e) => path.relative(root, e)),
    '--config', 'asconfig.json', '--target', 'release',
    '--use', 'abort=assembly/api/abi/coreAbort',
    '--outFile', path.relative(root, outFile),
  ];
  const stderr = [];
  const { error } = await asc.main(args, {
    stdout: process.stdout,
    stderr: { write: (s) => { stderr.push(String(s)); return true; } },
  });
  if (error) {
    process.stderr.write(stderr.join(''));
    throw new Error(`asc failed: ${error.message}`);
  }
  return fs.readFileSync(outFile);
}

function mapExports(core, pkg, version) {
  const mod = binaryen.readBinary(core);
  mod.setFeatures(binaryen.Features.All);
  const exports = [];
  for (let i = 0; i < mod.getNumExports(); i++) exports.push(binaryen.getExportInfo(mod.getExportByIndex(i)));
  for (const e of exports) {
    const name = canonicalExportName(e.name, pkg, version);
    if (name === e.name) continue;
    mod.removeExport(e.name);
    if (name === null) continue; // helpers like coreAbort are not part of the ABI
    if (e.kind !== binaryen.ExternalFunction) throw new Error(`export ${e.name} is not a function`);
    mod.addFunctionExport(e.value, name);
  }
  binaryen.setOptimizeLevel(3);
  mod.runPasses(['remove-unused-module-elements']);
  if (!mod.validate()) throw new Error('binaryen: module does not validate after export mapping');
  const out = mod.emitBinary();
  mod.dispose();
  return out;
}

/**
 * jco 1.35's glue calls `_debugLog` several times per export call, and each
 * call reads `process.env.JCO_DEBUG` (a slow C++ getter in Node): about a third
 * of the cost of a small call (bench/qpack.bench.mjs, "via component"). Read it
 * once at load instead. A no-op if a jco version generates something else.
 */
function patchGlue(files) {
  const name = `${WORLD}.js`;
  if (!files[name]) return;
  const src = Buffer.from(files[name]).toString('utf8');
  const slow = 'const _debugLog = (...args) => {\n  if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
  if (!src.includes(slow)) return;
  files[name] = Buffer.from(src.replace(slow, 'const _jcoDebug = !!globalThis?.process?.env?.JCO_DEBUG;\nconst _debugLog = (...args) => {\n  if (!_jcoDebug) { return; }'));
}

function writeFiles(dir, files) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [name, data] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
  }
}

async function main() {
  fs.mkdirSync(dist, { recursive: true });
  fs.mkdirSync(cache, { recursive: true });
  // Trees built before the intermediates moved to build/.cache/.
  for (const old of ['core.wasm', '.build-state.json']) fs.rmSync(path.join(dist, old), { force: true });
  const force = process.env.H3W_FORCE_BUILD === '1';
  const state = !force && fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : {};
  const t0 = performance.now();

  const coreInputs = [
    ...walk(path.join(root, 'assembly'), (p) => p.endsWith('.ts')),
    ...walk(path.join(root, 'wit'), (p) => p.endsWith('.wit')),
    path.join(root, 'asconfig.json'),
    path.join(root, 'build', 'build.mjs'),
    path.join(root, 'build', 'wit.mjs'),
  ];
  const coreHash = hashFiles(coreInputs);
  const component = path.join(dist, 'h3-wasi.wasm');
  if (state.core !== coreHash || !fs.existsSync(component) || !fs.existsSync(path.join(dist, 'engine', 'engine.js'))) {
    const entries = walk(path.join(root, 'assembly', 'api'), (p) => p.endsWith('.ts'));
    const core = await compileCore(entries);
    const { source, packageName, version } = assembleWit(path.join(root, 'wit'));
    const mapped = mapExports(core, packageName, version);
    fs.writeFileSync(path.join(cache, 'core.wasm'), mapped);
    const embedded = await componentEmbed({ binary: mapped, witSource: source, world: WORLD });
    const comp = await componentNew(embedded);
    fs.writeFileSync(component, comp);
    const { files } = await transpile(comp, { name: WORLD, tlaCompat: false, noNamespacedExports: false });
    patchGlue(files);
    writeFiles(path.join(dist, 'engine'), files);
    state.core = coreHash;
    state.host = null; // host types depend on the transpiled engine
  }

  const hostInputs = [
    ...walk(path.join(root, 'host'), (p) => p.endsWith('.ts')),
    path.join(root, 'tsconfig.json'),
    path.join(root, 'tsconfig.build.json'),
  ];
  const hostHash = hashFiles(hostInputs);
  if (state.host !== hostHash || !fs.existsSync(path.join(dist, 'host'))) {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // From scratch, so files of deleted host modules (and maps of older builds) do not linger and ship.
    fs.rmSync(path.join(dist, 'host'), { recursive: true, force: true });
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--sourceMap', 'false'], { cwd: root, stdio: 'inherit' });
    state.host = hostHash;
  }
  fs.writeFileSync(stateFile, JSON.stringify(state));

  const bytes = fs.readFileSync(component);
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  console.log(`dist/h3-wasi.wasm: ${bytes.length} bytes (${gz} gzip) — built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`build failed: ${e.message}`);
  process.exit(1);
});
