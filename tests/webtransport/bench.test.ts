// Smoke of bench/webtransport.bench.mjs (`npm run bench -- webtransport`):
// one run at tiny sizes, so a change that breaks the bench (a client or
// protocol that no longer echoes, a check that no longer runs) fails here.
// The figures themselves are not asserted: a loaded machine moves them.
// Peer-missing rule: the Chromium rows need /usr/bin/chromium
// (tests/helpers/peers.ts: under CI=true its absence fails).
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWithPeer } from '../helpers/peers.js';
import { chromiumPeer } from '../helpers/chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describeWithPeer(chromiumPeer(), 'chromium', 'bench/webtransport.bench.mjs smoke', () => {
  it('prints every row for Node and Chromium, WebTransport next to WebSocket, and every transfer was checked', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'bench', 'webtransport.bench.mjs')], {
      encoding: 'utf8', timeout: 100_000,
      env: { ...process.env, WT_BENCH_RUNS: '1', WT_BENCH_PINGS: '30', WT_BENCH_BYTES: '200000', WT_BENCH_MESSAGES: '200' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const client of ['Node', 'Chromium']) {
      const row = (what: string, n: string) => expect(r.stdout).toMatch(new RegExp(`${client}: ${what}\\s+${n}\\s+${n}\\s+[\\d.]+x`));
      row('64 B round trip, median \\(ms\\)', '[\\d.]+');
      row('64 B round trip, p99 \\(ms\\)', '[\\d.]+');
      row('0.2 MB echoed, one stream \\(MB/s\\)', '[\\d.]+');
      row('200 × 100 B each way \\(msg/s\\)', '\\d+');
    }
    expect(r.stdout).toMatch(/medians of 1 runs/);
    // per client: round trips, stream echo, messages, each over WebTransport and WebSocket
    expect(r.stdout).toMatch(/checked: 12 transfers/);
  }, 120_000);
});
