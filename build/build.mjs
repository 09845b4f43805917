// npm run build: wit/ -> build/abi generates the canonical-ABI shims
// (assembly/api/gen/) -> asc -> canonical-ABI export names (binaryen,
// checked against the WIT both ways) -> componentEmbed + componentNew ->
// dist/h3-wasi.wasm -> jco transpile -> dist/engine/ (the JS that host/
// imports) -> tsc -> dist/host/ -> esbuild -> dist/realtime-client.js (the
// browser client h3-wasi/realtime/client, build/bundle-client.mjs).
//
// The same steps build the development world `engine-dev` (the product's
// interfaces plus `dev`: fuzz and benchmark loops) into build/.dev/, which
// tests and bench/ load; the shipped component carries none of it.
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
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import asc from 'assemblyscript/asc';
import binaryen from 'binaryen';
import { componentEmbed, componentNew, transpile } from '@bytecodealliance/jco';
import { assembleWit } from './wit.mjs';
import { hashFiles } from './hash.mjs';
import { generate, checkExports } from './abi/index.mjs';
import { bundleClient } from './bundle-client.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
/** Build intermediates (core modules before componentization, the build state): not shipped. */
const cacheDir = path.join(root, 'build', '.cache');
const stateFile = path.join(cacheDir, 'build-state.json');
/** The development world (fuzz and bench exports), for tests and bench/ only. */
const devDir = path.join(root, 'build', '.dev');

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

async function compileCore(entries, outFile) {
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

/**
 * Renames the core module's exports to their canonical-ABI names (the map
 * build/abi generated from the WIT) after checking them against it both
 * ways: an export no WIT function asks for, or a WIT function the core does
 * not export, fails the build with its name.
 */
function mapExports(core, exportNames) {
  const mod = binaryen.readBinary(core);
  mod.setFeatures(binaryen.Features.All);
  const exports = [];
  for (let i = 0; i < mod.getNumExports(); i++) exports.push(binaryen.getExportInfo(mod.getExportByIndex(i)));
  checkExports(exports.map((e) => e.name), exportNames);
  for (const e of exports) {
    const name = exportNames.get(e.name);
    if (name === undefined || name === e.name) continue;
    if (e.kind !== binaryen.ExternalFunction) throw new Error(`export ${e.name} is not a function`);
    mod.removeExport(e.name);
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
function patchGlue(files, world) {
  const name = `${world}.js`;
  if (!files[name]) throw new Error(`jco transpile wrote no ${name}`);
  const src = Buffer.from(files[name]).toString('utf8');
  const slow = 'const _debugLog = (...args) => {\n  if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
  if (!src.includes(slow)) {
    throw new Error(`the jco glue patch no longer applies (pattern not found in ${name}): jco changed its _debugLog; update patchGlue in build/build.mjs`);
  }
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
  fs.mkdirSync(cacheDir, { recursive: true });
  // Trees built before the intermediates moved to build/.cache/.
  for (const old of ['core.wasm', '.build-state.json']) fs.rmSync(path.join(dist, old), { force: true });
  const force = process.env.H3W_FORCE_BUILD === '1';
  const state = !force && fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : {};
  const t0 = performance.now();

  const abi = generate(root);
  const coreInputs = [
    ...walk(path.join(root, 'assembly'), (p) => p.endsWith('.ts')),
    ...walk(path.join(root, 'wit'), (p) => p.endsWith('.wit')),
    ...walk(path.join(root, 'build'), (p) => p.endsWith('.mjs')),
    path.join(root, 'asconfig.json'),
    // the tools' versions: a new asc, binaryen or jco rebuilds everything
    path.join(root, 'package-lock.json'),
  ];
  const coreHash = hashFiles(root, coreInputs);
  const sizes = [];
  for (const [world, out] of [['engine', dist], ['engine-dev', devDir]]) {
    const w = abi.worlds.get(world);
    if (!w) throw new Error(`wit/ has no world '${world}'`);
    const component = path.join(out, world === 'engine' ? 'h3-wasi.wasm' : 'h3-wasi-dev.wasm');
    const engineJs = path.join(out, 'engine', `${world}.js`);
    if (state[world] !== coreHash || !fs.existsSync(component) || !fs.existsSync(engineJs)) {
      fs.mkdirSync(out, { recursive: true });
      const core = await compileCore(w.entries, path.join(cacheDir, `${world}.core.wasm`));
      const { source } = assembleWit(path.join(root, 'wit'));
      const mapped = mapExports(core, w.exportNames);
      const embedded = await componentEmbed({ binary: mapped, witSource: source, world });
      const comp = await componentNew(embedded);
      fs.writeFileSync(component, comp);
      const { files } = await transpile(comp, { name: world, tlaCompat: false, noNamespacedExports: false });
      patchGlue(files, world);
      writeFiles(path.join(out, 'engine'), files);
      state[world] = coreHash;
      if (world === 'engine') state.host = null; // host types depend on the transpiled engine
    }
    sizes.push([path.relative(root, component), fs.readFileSync(component)]);
  }

  const hostInputs = [
    ...walk(path.join(root, 'host'), (p) => p.endsWith('.ts')),
    path.join(root, 'tsconfig.json'),
    path.join(root, 'tsconfig.build.json'),
  ];
  const hostHash = hashFiles(root, hostInputs);
  if (state.host !== hostHash || !fs.existsSync(path.join(dist, 'host'))) {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // From scratch, so files of deleted host modules (and maps of older builds) do not linger and ship.
    fs.rmSync(path.join(dist, 'host'), { recursive: true, force: true });
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--sourceMap', 'false'], { cwd: root, stdio: 'inherit' });
    state.host = hostHash;
  }
  // the browser client (h3-wasi/realtime/client): one ESM file, built from host/ too
  const clientJs = path.join(dist, 'realtime-client.js');
  if (state.client !== hostHash || !fs.existsSync(clientJs)) {
    await bundleClient(root, clientJs);
    state.client = hostHash;
  }
  fs.writeFileSync(stateFile, JSON.stringify(state));

  for (const [name, bytes] of sizes) {
    console.log(`${name}: ${bytes.length} bytes (${zlib.gzipSync(bytes, { level: 9 }).length} gzip)`);
  }
  console.log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`build failed: ${e.message}`);
  process.exit(1);
});
