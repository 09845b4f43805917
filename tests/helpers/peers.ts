// External peers for interop tests and benchmarks: C harnesses under
// tests/peers/ built with gcc + pkg-config into build/.cache/ (not committed).
//
// Peer-missing rule (PREAMBLE): under CI=true a missing peer is a test
// failure; locally the tests skip with a loud warning.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = path.join(root, 'build', '.cache');

export interface Peer {
  /** Path of the built executable, or null when the peer is unavailable. */
  bin: string | null;
  /** Why it is unavailable. */
  reason: string;
}

/** Builds (when stale) a C harness against a pkg-config library; never throws. */
export function buildCHarness(source: string, name: string, pkg: string): Peer {
  const src = path.join(root, source);
  const bin = path.join(cacheDir, name);
  const have = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
  const pc = have('pkg-config', ['--cflags', '--libs', pkg]);
  if (pc.error || pc.status !== 0) return { bin: null, reason: `pkg-config cannot find ${pkg} (install libnghttp3-dev and pkg-config; see build/setup.sh)` };
  if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= fs.statSync(src).mtimeMs) return { bin, reason: '' };
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const cc = have('gcc', ['-O2', '-Wall', '-o', tmp, src, ...pc.stdout.trim().split(/\s+/).filter(Boolean)]);
  if (cc.error || cc.status !== 0) return { bin: null, reason: `gcc failed to build ${source}: ${cc.error?.message ?? cc.stderr}` };
  fs.renameSync(tmp, bin); // atomic: parallel test files may build at once
  return { bin, reason: '' };
}

/** tests/peers/qpack/nghttp3_qpack.c: nghttp3's QPACK in the offline interop formats. */
export function nghttp3Qpack(): Peer {
  return buildCHarness('tests/peers/qpack/nghttp3_qpack.c', 'nghttp3_qpack', 'libnghttp3');
}

/** Applies the peer-missing rule: true when tests should run. */
export function peerAvailable(peer: Peer, what: string): boolean {
  if (peer.bin) return true;
  if (process.env.CI) return false; // the caller registers a failing test
  console.warn(`\n!!! SKIPPING ${what}: ${peer.reason}\n`);
  return false;
}
