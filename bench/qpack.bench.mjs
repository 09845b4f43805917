// QPACK: encode/decode throughput and compression on the realistic header
// corpus (tests/fixtures/qpack/*.qif), h3-wasi (through the shipped component
// and host API, as an HTTP/3 stack would call it) side by side with libnghttp3
// (tests/peers/qpack/nghttp3_qpack.c in bench mode: timed inside the process,
// no start-up cost). Every encode pass uses a fresh encoder, every decode pass a
// fresh decoder; sections are acknowledged right after they are emitted.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rate, median, si, table, ratio } from './lib.mjs';
import { QpackEncoder, QpackDecoder, packFields } from '../dist/host/qpack/index.js';
import { parseQif } from '../dist/host/qpack/interop.js';

// The core alone (no component glue): the AS test build, whose loops run the
// same encoder/decoder code over the whole corpus in one call.
spawnSync(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'build', 'build-tests.mjs'), 'qpack'], { stdio: 'ignore' });
const core = await (async () => {
  const base = new URL('../build/.test/qpack.release', import.meta.url);
  const mod = await WebAssembly.compile(fs.readFileSync(new URL(`${base.href}.wasm`)));
  const bindings = await import(`${base.href}.js`);
  return bindings.instantiate(mod, { 'wasi:random/random@0.2.3': {} });
})();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'tests', 'fixtures', 'qpack');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

// ---- the peer ----
function buildPeer() {
  const src = path.join(root, 'tests', 'peers', 'qpack', 'nghttp3_qpack.c');
  const bin = path.join(root, 'build', '.cache', 'nghttp3_qpack');
  const pc = spawnSync('pkg-config', ['--cflags', '--libs', 'libnghttp3'], { encoding: 'utf8' });
  if (pc.status !== 0) return null;
  if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs) {
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    const cc = spawnSync('gcc', ['-O2', '-o', bin, src, ...pc.stdout.trim().split(/\s+/)], { encoding: 'utf8' });
    if (cc.status !== 0) return null;
  }
  return bin;
}
const peer = buildPeer();
if (!peer) console.warn('!!! libnghttp3/gcc missing: printing h3-wasi figures only (see build/setup.sh)');

function peerBench(qif, table, blocked) {
  if (!peer) return null;
  // calibrate iterations to ~300 ms per phase, then take the median of RUNS runs
  const once = (iters) => JSON.parse(spawnSync(peer, ['bench', qif, String(table), String(blocked), String(iters)], { encoding: 'utf8' }).stdout);
  const probe = once(20);
  const perIter = Math.max(probe.encode_s, probe.decode_s) / 20;
  const iters = Math.max(20, Math.ceil(Number(process.env.BENCH_MS ?? 300) / 1000 / perIter));
  const runs = Array.from({ length: RUNS }, () => once(iters));
  return {
    encodeSections: median(runs.map((r) => (r.sections * r.iterations) / r.encode_s)),
    decodeSections: median(runs.map((r) => (r.sections * r.iterations) / r.decode_s)),
    encoded: runs[0].encoded_bytes,
  };
}

// ---- h3-wasi ----
function prefixInt(flags, v, bits) {
  const max = (1 << bits) - 1;
  if (v < max) return [flags | v];
  const out = [flags | max];
  v -= max;
  while (v >= 128) { out.push((v & 0x7f) | 0x80); v >>>= 7; }
  out.push(v);
  return out;
}

function oursEncodeOnce(packed, table, blocked, collect) {
  const enc = new QpackEncoder({ peerMaxTableCapacity: table, peerBlockedStreams: blocked });
  let bytes = 0;
  let acked = 0n;
  for (let i = 0; i < packed.length; i++) {
    const id = i + 1;
    const { encoderStream, section, requiredInsertCount, insertCount } = enc.encode(id, packed[i]);
    bytes += encoderStream.length + section.length;
    if (collect) collect.push([encoderStream, id, section]);
    // immediate acknowledgment, as our decoder sends it: Section Acknowledgment
    // and/or Insert Count Increment, in one decoder-stream chunk
    if (insertCount > acked || requiredInsertCount > 0n) {
      const ack = requiredInsertCount > 0n ? prefixInt(0x80, id, 7) : [];
      const known = requiredInsertCount > acked ? requiredInsertCount : acked;
      if (insertCount > known) ack.push(...prefixInt(0, Number(insertCount - known), 6));
      acked = insertCount;
      enc.feedDecoderStream(Uint8Array.from(ack));
    }
  }
  enc.close();
  return bytes;
}

function oursDecodeOnce(records, table, blocked) {
  const dec = new QpackDecoder({ maxTableCapacity: table, maxBlockedStreams: blocked });
  for (const [es, id, section] of records) {
    if (es.length) dec.feedEncoderStream(es);
    if (dec.decodePacked(id, section) === null) throw new Error('unexpected blocked section');
  }
  dec.takeDecoderStream();
  dec.close();
}

const corpora = ['requests', 'responses'].map((name) => {
  const file = path.join(fixtures, `${name}.qif`);
  const sections = parseQif(fs.readFileSync(file, 'latin1'));
  const fields = sections.reduce((n, s) => n + s.length, 0);
  const raw = sections.reduce((n, s) => n + s.reduce((m, [a, b]) => m + a.length + b.length, 0), 0);
  const packed = sections.map((s) => packFields(s, 'latin1'));
  const offs = new Uint32Array(packed.length + 1);
  packed.forEach((p, i) => { offs[i + 1] = offs[i] + p.length; });
  const all = new Uint8Array(offs[packed.length]);
  packed.forEach((p, i) => all.set(p, offs[i]));
  return { name, file, sections, fields, raw, packed, all, offs };
});

const CONFIGS = [[4096, 100], [4096, 0], [256, 100], [0, 0]];
const speedRows = [];
const ratioRows = [];
for (const c of corpora) {
  for (const [table, blocked] of CONFIGS) {
    const records = [];
    const bytes = oursEncodeOnce(c.packed, table, blocked, records);
    const p = peerBench(c.file, table, blocked);
    ratioRows.push([`${c.name}, table ${table}, blocked ${blocked}`, c.raw, bytes, (bytes / c.raw).toFixed(3), p ? p.encoded : '-', p ? (p.encoded / c.raw).toFixed(3) : '-', p ? ratio(bytes, p.encoded) : 'n/a']);
    if (table !== 4096) continue; // throughput at the common setting only
    const enc = rate(() => oursEncodeOnce(c.packed, table, blocked, null), { opsPerCall: c.sections.length, warmupMs: 1500 });
    const dec = rate(() => oursDecodeOnce(records, table, blocked), { opsPerCall: c.sections.length, warmupMs: 1500 });
    const coreEnc = rate(() => core.benchEncode(c.all, c.offs, 10, table, blocked), { opsPerCall: 10 * c.sections.length });
    core.benchDecodeSetup(c.all, c.offs, table, blocked);
    const coreDec = rate(() => { if (core.benchDecode(10, table, blocked) < 0) throw new Error('core decode failed'); }, { opsPerCall: 10 * c.sections.length });
    const fl = c.fields / c.sections.length, mb = c.raw / c.sections.length / 1e6;
    const label = `${c.name} (t=${table}, b=${blocked})`;
    const row = (what, ours, peerRate) => [what, `${si(ours * fl)} (${(ours * mb).toFixed(1)} MB/s)`, peerRate ? `${si(peerRate * fl)} (${(peerRate * mb).toFixed(1)} MB/s)` : '-', peerRate ? ratio(ours, peerRate) : 'n/a'];
    speedRows.push(row(`encode ${label}, core`, coreEnc, p?.encodeSections));
    speedRows.push(row(`encode ${label}, via component`, enc, p?.encodeSections));
    speedRows.push(row(`decode ${label}, core`, coreDec, p?.decodeSections));
    speedRows.push(row(`decode ${label}, via component`, dec, p?.decodeSections));
  }
}

const c0 = corpora.map((c) => `${c.name}: ${c.sections.length} sections, ${c.fields} field lines, ${c.raw} bytes`).join('; ');
table(`QPACK throughput, field lines/s (${c0}; MB = name+value bytes; core = AS code in one call per pass, via component = host API per section)`, ['', 'h3-wasi', 'nghttp3', 'h3-wasi/nghttp3'], speedRows);
table('QPACK compression (encoded = encoder stream + field sections; lower is better)', ['corpus', 'raw bytes', 'h3-wasi', 'ratio', 'nghttp3', 'ratio', 'h3-wasi/nghttp3'], ratioRows);
