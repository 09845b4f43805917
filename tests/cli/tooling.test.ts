// The developer tooling around the package: bench names select exactly one
// benchmark, and build/setup.sh waits (bounded) for another apt's lock.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-tooling-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('bench/run.mjs: a name runs exactly that bench', () => {
  const bench = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bench', 'run.mjs'), '--list', ...args], { encoding: 'utf8' });
  const all = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.mjs')).map((f) => f.replace(/\.bench\.mjs$/, '')).sort();

  it('crypto is crypto only, not crypto_pk', () => {
    expect(all).toContain('crypto_pk');
    expect(bench('crypto').stdout).toBe('crypto\n');
    expect(bench('crypto_pk', 'crypto').stdout).toBe('crypto\ncrypto_pk\n');
    expect(bench().stdout).toBe(all.join('\n') + '\n');
  });

  it('an unknown name lists the names and exits 2', () => {
    const r = bench('crypt');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`no benchmark named 'crypt'; the benchmarks are: ${all.join(', ')}\n`);
  });
});

describe('build/setup.sh: apt_get waits for a held lock, bounded', () => {
  // The apt_get function from setup.sh, run against a stub apt-get that
  // reports a held lock for its first `locked` calls.
  const setup = fs.readFileSync(path.join(root, 'build', 'setup.sh'), 'utf8');
  const fn = setup.slice(setup.indexOf('APT_LOCK_WAIT='), setup.indexOf('\n}\n', setup.indexOf('apt_get()')) + 3);
  const stubDir = path.join(tmp, 'bin');
  fs.mkdirSync(stubDir);
  fs.writeFileSync(path.join(stubDir, 'apt-get'), `#!/bin/bash
n=$(cat "$COUNT" 2>/dev/null || echo 0); echo $((n + 1)) > "$COUNT"
if [ "$n" -lt "$LOCKED" ]; then echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)"; exit 100; fi
if [ "$FAIL" = 1 ]; then echo "E: Unable to locate package nope"; exit 100; fi
echo "installed $*"
`, { mode: 0o755 });
  const run = (env: Record<string, string>) => {
    const count = path.join(tmp, `count-${Math.random()}`);
    const r = spawnSync('bash', ['-c', `set -euo pipefail\n${fn}\napt_get install -y pkg`], {
      encoding: 'utf8', env: { ...process.env, PATH: `${stubDir}:${process.env.PATH}`, COUNT: count, APT_LOCK_POLL: '0.1', ...env },
    });
    return { ...r, calls: Number(fs.readFileSync(count, 'utf8')) };
  };

  it('extracts the function', () => {
    expect(fn).toMatch(/^APT_LOCK_WAIT=[\s\S]*apt_get\(\) \{[\s\S]*\n\}\n$/);
  });

  it('says it waits, retries, and succeeds once the lock is free', () => {
    const r = run({ LOCKED: '3' });
    expect(r.status).toBe(0);
    expect(r.calls).toBe(4);
    expect(r.stdout).toBe('setup: another apt/dpkg holds the package lock; waiting up to 300s for it\n');
  });

  it('gives up after APT_LOCK_WAIT seconds with apt\'s message', () => {
    const r = run({ LOCKED: '1000000', APT_LOCK_WAIT: '2' });
    expect(r.status).toBe(1);
    expect(r.calls).toBeGreaterThan(2);
    expect(r.stderr).toMatch(/Could not get lock[\s\S]*setup: gave up waiting for the package lock after 2s/);
  });

  it('does not retry other failures', () => {
    const r = run({ LOCKED: '0', FAIL: '1' });
    expect(r.status).toBe(1);
    expect(r.calls).toBe(1);
    expect(r.stderr).toBe('E: Unable to locate package nope\n');
  });
});
