// Smoke of bench/http3.bench.mjs (`npm run bench -- http3`): one run at tiny
// sizes, so a change that breaks the bench (a pair that no longer
// transfers, a check that no longer runs) fails here, not weeks later. The
// figures themselves are not asserted: a loaded machine moves them.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWithPeer } from '../helpers/peers.js';
import { gtlsClientPeer, gtlsServerPeer } from '../helpers/ngtcp2.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const server = gtlsServerPeer(), client = gtlsClientPeer();
const both = { bin: server.bin && client.bin, reason: [server.reason, client.reason].filter(Boolean).join('; ') };

describeWithPeer(both, 'gtlsserver and gtlsclient (ngtcp2)', 'bench/http3.bench.mjs smoke', () => {
  it('prints the four pairs, the get and node:http2 comparisons, and every transfer was checked', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'bench', 'http3.bench.mjs')], {
      encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, BENCH_RUNS: '1', BENCH_H3_BYTES: '1000000', BENCH_H3_REQUESTS: '40', BENCH_H3_WINDOW: '8' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const row of ['ngtcp2 client ↔ ngtcp2 server', 'h3-wasi client ↔ h3-wasi server', 'ngtcp2 client ↔ h3-wasi server', 'h3-wasi client ↔ ngtcp2 server']) {
      expect(r.stdout).toMatch(new RegExp(`${row}\\s+[\\d.]+\\s+[\\d.]+x\\s+\\d+\\s+[\\d.]+x`));
    }
    expect(r.stdout).toMatch(/one 1 KB GET from gtlsserver.*\s[\d.]+\s+gtlsclient [\d.]+\s+[\d.]+x/);
    expect(r.stdout).toMatch(/40 × 1 KB files on one connection, 8 in flight \(req\/s\)\s+\d+\s+node:http2 \d+\s+[\d.]+x/);
    expect(r.stdout).toMatch(/40 × 1 KB from memory, the same \(req\/s\)\s+\d+\s+node:http2 \d+\s+[\d.]+x/);
    expect(r.stdout).toMatch(/h3-wasi client ↔ h3-wasi server\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\n/); // CPU of both our sides
    // warm-ups 2 + 2 + 1 + 2 (from memory), one run of 4 pairs × 2 + node:http2 1 + 2 (from memory), get 2 × 2
    expect(r.stdout).toMatch(/checked: 22 transfers/);
  }, 90_000);
});
