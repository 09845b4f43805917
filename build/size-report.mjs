// Where the core module's bytes go: every function body's exact size in the
// code section, attributed to its source folder through the name section,
// plus the data segments and the other sections. Run on a core module built
// with names kept (asc --debug at the release target's settings);
// `npm run size` (`--build`) compiles the shipped world so into
// build/.cache/named.core.wasm first:
//
//   npm run size [-- --depth 2 --top 40]
//   node build/size-report.mjs CORE.wasm [--depth 3] [--top 40]
//
// Sizes are of the named build; a release build without names has the same
// code within a few percent, so the shares hold.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

/** LEB128 unsigned at `at`: [value, next]. */
function uleb(buf, at) {
  let v = 0, shift = 0, b;
  do { b = buf[at++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [v, at];
}

/** The module's sections: { id, name (custom), start, end } (payload bounds). */
function sections(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a core wasm module (a component? give the core module)');
  const out = [];
  let at = 8;
  while (at < buf.length) {
    const id = buf[at++];
    let size;
    [size, at] = uleb(buf, at);
    const s = { id, start: at, end: at + size, name: null };
    if (id === 0) {
      let n, p;
      [n, p] = uleb(buf, at);
      s.name = buf.subarray(p, p + n).toString('utf8');
    }
    out.push(s);
    at += size;
  }
  return out;
}

function importedFunctions(buf, sec) {
  let [n, at] = uleb(buf, sec.start);
  let funcs = 0;
  for (let i = 0; i < n; i++) {
    let len;
    [len, at] = uleb(buf, at); at += len; // module
    [len, at] = uleb(buf, at); at += len; // field
    const kind = buf[at++];
    if (kind === 0) { [, at] = uleb(buf, at); funcs++; } // type index
    else if (kind === 1) { at++; const flags = buf[at++]; [, at] = uleb(buf, at); if (flags & 1) [, at] = uleb(buf, at); } // table
    else if (kind === 2) { const flags = buf[at++]; [, at] = uleb(buf, at); if (flags & 1) [, at] = uleb(buf, at); } // memory
    else if (kind === 3) { at += 2; } // global: valtype, mut
    else if (kind === 4) { at++; [, at] = uleb(buf, at); } // tag
  }
  return funcs;
}

function functionNames(buf, sec) {
  const names = new Map();
  let [n, at] = uleb(buf, sec.start);
  at += n; // "name"
  while (at < sec.end) {
    const sub = buf[at++];
    let size;
    [size, at] = uleb(buf, at);
    if (sub === 1) {
      let [count, p] = uleb(buf, at);
      for (let i = 0; i < count; i++) {
        let idx, len;
        [idx, p] = uleb(buf, p);
        [len, p] = uleb(buf, p);
        names.set(idx, buf.subarray(p, p + len).toString('utf8'));
        p += len;
      }
    }
    at += size;
  }
  return names;
}

/** A function's folder: assembly/quic/packet.ts → assembly/quic (depth 2), ~lib/string → ~lib/string. */
export function folderOf(name, depth) {
  const path = name.split(/[#~]?(?:<|::|\(|\|)/)[0].replace(/^~?lib\//, '~lib/').replace(/\.ts$/, '');
  const parts = path.split('/');
  if (parts[0] === '~lib') return parts.slice(0, 2).join('/');
  if (parts[0] !== 'assembly') return name.startsWith('~') || !name.includes('/') ? '(runtime & glue)' : parts[0];
  return parts.slice(0, Math.min(depth, parts.length - 1) || 1).join('/');
}

export function sizeReport(buf, depth = 3) {
  const secs = sections(buf);
  const imp = secs.find((s) => s.id === 2);
  const nImported = imp ? importedFunctions(buf, imp) : 0;
  const nameSec = secs.find((s) => s.id === 0 && s.name === 'name');
  const names = nameSec ? functionNames(buf, nameSec) : new Map();
  const code = secs.find((s) => s.id === 10);
  const data = secs.find((s) => s.id === 11);
  const byFolder = new Map();
  let [count, at] = code ? uleb(buf, code.start) : [0, 0];
  for (let i = 0; i < count; i++) {
    const [size, body] = uleb(buf, at);
    const fname = names.get(nImported + i) ?? `(function ${nImported + i})`;
    const key = folderOf(fname, depth);
    const e = byFolder.get(key) ?? { bytes: 0, functions: 0 };
    e.bytes += body - at + size;
    e.functions++;
    byFolder.set(key, e);
    at = body + size;
  }
  const other = secs.filter((s) => s.id !== 10 && s.id !== 11 && !(s.id === 0 && s.name === 'name')).reduce((a, s) => a + s.end - s.start, 0);
  return {
    total: buf.length, code: code ? code.end - code.start : 0, data: data ? data.end - data.start : 0,
    names: nameSec ? nameSec.end - nameSec.start : 0, other, byFolder,
  };
}

/** Compiles the shipped world's core module with names kept (the release target plus --debug) to `out`. */
async function buildNamed(root, out) {
  const { default: asc } = await import('assemblyscript/asc');
  const { generate } = await import('./abi/index.mjs');
  const world = generate(root).worlds.get('engine');
  const args = [...world.entries.map((e) => path.relative(root, e)), '--config', 'asconfig.json', '--target', 'release', '--debug',
    '--use', 'abort=assembly/api/abi/coreAbort', '--outFile', path.relative(root, out)];
  const { error } = await asc.main(args, { stdout: process.stdout, stderr: process.stderr });
  if (error) throw error;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let file = process.argv[2];
  if (!file || file === '--help' || file === '-h') {
    console.log('usage: node build/size-report.mjs (CORE.wasm | --build) [--depth N] [--top N]\n  CORE.wasm: a core module built with names (asc --debug); --build compiles the shipped world so first');
    process.exit(file ? 0 : 2);
  }
  if (file === '--build') {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    file = path.join(root, 'build', '.cache', 'named.core.wasm');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    process.chdir(root);
    await buildNamed(root, file);
  }
  const opt = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };
  const buf = fs.readFileSync(file);
  const r = sizeReport(buf, opt('--depth', 3));
  const rows = [...r.byFolder].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, opt('--top', 40));
  const kb = (n) => (n / 1024).toFixed(1).padStart(7);
  console.log(`${file}: ${r.total} B; code ${r.code} B, data ${r.data} B, names ${r.names} B, other sections ${r.other} B; gzip of the module ${zlib.gzipSync(buf, { level: 9 }).length} B`);
  console.log('     KiB  share  functions  folder');
  for (const [k, v] of rows) console.log(`${kb(v.bytes)}  ${(100 * v.bytes / r.code).toFixed(1).padStart(5)}%  ${String(v.functions).padStart(9)}  ${k}`);
}
