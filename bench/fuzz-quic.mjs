// The QUIC endpoint fuzzer's long run (`npm run fuzz -- quic`): a million
// inputs per endpoint role by default — random, mutated and correctly
// protected datagrams into a client endpoint and a server endpoint that
// each hold a live connection (tests/helpers/quic-fuzz.ts says what and
// what is checked). Each role runs in its own process.
//
//   node bench/fuzz-quic.mjs [--role client|server] [--inputs N] [--seed S]
//                            [--memory-limit MiB] [--progress N]
//
// The seed (FUZZ_SEED or --seed; random otherwise) is printed; the run is
// deterministic, so a failure at input #i replays with the same role and
// seed and --inputs i+1 (the command is printed). Prints a progress line
// every --progress inputs and a summary: inputs per second, closes per
// error code, the core's largest memory. Exits non-zero on a trap or a
// broken rule.
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '..');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const inputs = Number(option('inputs', 1_000_000));
const seed = Number(option('seed', process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32))) >>> 0;
const memoryLimitMiB = Number(option('memory-limit', 256));
const progress = Number(option('progress', 50_000));
const role = option('role', 'both');
const child = process.argv.includes('--child');

if (!child) {
  const roles = role === 'both' ? ['server', 'client'] : [role];
  if (!roles.every((r) => r === 'server' || r === 'client') || !(inputs > 0)) {
    console.error('usage: node bench/fuzz-quic.mjs [--role client|server|both] [--inputs N] [--seed S] [--memory-limit MiB] [--progress N]');
    process.exit(2);
  }
  console.log(`QUIC endpoint fuzz: ${inputs} inputs per role (${roles.join(', ')}), FUZZ_SEED=${seed}, core memory limit ${memoryLimitMiB} MiB — node ${process.version}`);
  const results = [];
  let failed = 0;
  for (const r of roles) {
    const p = spawn(process.execPath, [here, '--child', '--role', r, '--inputs', String(inputs), '--seed', String(seed), '--memory-limit', String(memoryLimitMiB), '--progress', String(progress)], { stdio: ['ignore', 'pipe', 'inherit'] });
    // pass the child's lines through; its last line is RESULT {json}
    for await (const line of readline.createInterface({ input: p.stdout })) {
      if (line.startsWith('RESULT ')) results.push(JSON.parse(line.slice(7)));
      else console.log(line);
    }
    const code = await new Promise((res) => p.on('close', res));
    if (code !== 0) failed++;
  }
  if (results.length) {
    console.log('\nsummary');
    for (const s of results) {
      console.log(`  ${s.role.padEnd(6)} ${String(s.inputs).padStart(9)} inputs  ${(s.elapsedMs / 1000).toFixed(0).padStart(5)} s  ${Math.round(s.inputs / (s.elapsedMs / 1000)).toString().padStart(6)} inputs/s  core memory max ${(s.memoryMax / 2 ** 20).toFixed(1)} MiB  handshakes ${s.handshakes}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

// ---- one role, in this process
// the fuzz client does not verify the server (tests/helpers/quic-fuzz.ts): say so once, not per endpoint
const warn = console.warn;
let warned = false;
console.warn = (...a) => { if (String(a[0]).includes('INSECURE mode')) { if (warned) return; warned = true; } warn(...a); };
const { runnerImport } = await import('vite');
// the fuzzer is TypeScript with the tests' imports; vite's module runner loads it as vitest would
const { module: F } = await runnerImport(path.join(root, 'tests/helpers/quic-fuzz.ts'));
const f = new F.QuicFuzzer({ role, seed, memoryLimit: memoryLimitMiB * 2 ** 20 });
const t0 = performance.now();
let last = t0;
let lastInputs = 0;
const line = (s) => {
  const now = performance.now();
  const rate = Math.round((s.inputs - lastInputs) / ((now - last) / 1000));
  const eta = Math.round((inputs - s.inputs) / Math.max(1, s.inputs / ((now - t0) / 1000)));
  last = now;
  lastInputs = s.inputs;
  const closes = Object.values(s.closes).reduce((a, b) => a + b, 0);
  console.log(`[${role}] ${s.inputs}/${inputs} inputs, ${rate}/s, ${closes} closes, ${s.handshakes} handshakes, core memory ${(f.memory / 2 ** 20).toFixed(1)} MiB (max ${(s.memoryMax / 2 ** 20).toFixed(1)}), ETA ${eta} s`);
};
try {
  f.run(inputs, line, progress);
} catch (e) {
  console.log(e instanceof F.FuzzFailure ? e.message : e?.stack ?? String(e));
  if (e instanceof F.FuzzFailure) console.log(`replay: node bench/fuzz-quic.mjs --role ${role} --seed ${seed} --inputs ${e.index + 1}`);
  console.log(F.formatStats(f.stats));
  process.exit(1);
}
console.log(F.formatStats(f.stats));
console.log(`  inputs digest (the same seed and count give the same): ${f.inputsDigest()}`);
const codes = Object.entries(f.stats.closes).sort((a, b) => b[1] - a[1]);
console.log(`  closes per code:\n${codes.map(([k, v]) => `    ${k.padEnd(46)} ${v}`).join('\n')}`);
console.log(`RESULT ${JSON.stringify({ ...f.stats, digest: f.inputsDigest() })}`);
f.close();
