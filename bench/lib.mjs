// Shared helpers for bench/*.bench.mjs. Benchmarks run our code and a peer
// on the same work in the same process run and print both with the ratio.
// The machines are small (2 cores) and noisy: every figure is the median of
// several runs, each long enough to swamp timer resolution.

import fs from 'node:fs';

/**
 * Runs `fn` (which performs `opsPerCall` operations) repeatedly for about
 * `runMs` per run, `runs` times; returns the median rate in operations/s.
 */
export function rate(fn, { opsPerCall = 1, runs = Number(process.env.BENCH_RUNS ?? 5), runMs = Number(process.env.BENCH_MS ?? 300), warmupMs = 100 } = {}) {
  const until = (ms) => {
    const end = performance.now() + ms;
    let calls = 0;
    const t0 = performance.now();
    do { fn(); calls++; } while (performance.now() < end);
    return (calls * opsPerCall) / ((performance.now() - t0) / 1000);
  };
  until(warmupMs);
  const rates = [];
  for (let i = 0; i < runs; i++) rates.push(until(runMs));
  return median(rates);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Formats a number with SI-ish suffixes: 1234567 -> "1.23 M". */
export function si(x) {
  if (!Number.isFinite(x)) return String(x);
  const units = [['G', 1e9], ['M', 1e6], ['k', 1e3]];
  for (const [u, v] of units) if (Math.abs(x) >= v) return `${(x / v).toFixed(2)} ${u}`;
  return x.toFixed(2);
}

/** Prints rows (arrays of cells) as an aligned text table under a title. */
export function table(title, header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(all[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of all.slice(1)) console.log(line(r));
}

/** "1.52x" — ours / peer. */
export const ratio = (ours, peer) => (peer > 0 ? `${(ours / peer).toFixed(2)}x` : 'n/a');

/** CPU time (user + system) a process used so far, ms (Linux /proc; NaN elsewhere): on a shared machine steadier than wall time. */
export function cpuMsOf(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in USER_HZ (100/s)
  } catch {
    return NaN;
  }
}
