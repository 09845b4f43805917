// External peers for interop tests and benchmarks: C harnesses under
// tests/peers/ built with gcc + pkg-config into build/.cache/ (not committed),
// and the quiche peer (tests/peers/quiche/peer.mjs) as a child process.
//
// Peer-missing rule (PREAMBLE): under CI=true a missing peer is a test
// failure; locally the tests skip with a loud warning (`describeWithPeer`).
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import type { Pair } from '../tls/pki.js';

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
function peerAvailable(peer: Peer, what: string): boolean {
  if (peer.bin) return true;
  if (process.env.CI) return false; // the caller registers a failing test
  console.warn(`\n!!! SKIPPING ${what}: ${peer.reason}\n`);
  return false;
}

/**
 * `describe(title, body)` under the peer-missing rule: without the peer, a
 * test that fails under CI and nothing locally (after the loud warning).
 * `run` false skips the suite for another reason (e.g. no openssl).
 */
export function describeWithPeer(peer: Peer, what: string, title: string, body: () => void, run = true): void {
  if (peerAvailable(peer, what)) {
    describe.runIf(run)(title, body);
    return;
  }
  describe(title, () => {
    it.runIf(!!process.env.CI)(`needs ${what} under CI`, () => {
      throw new Error(`${what} missing under CI: ${peer.reason}`);
    });
  });
}

// ---- the quiche peer

const QUICHE = path.join(root, 'tests', 'peers', 'quiche', 'peer.mjs');

/** tests/peers/quiche/peer.mjs: there when @matrixai/quic and its native quiche binary load. */
export async function quichePeer(): Promise<Peer> {
  try {
    const m = await import('@matrixai/quic');
    if (m.native.quiche.versionIsSupported(1) !== true) return { bin: null, reason: '@matrixai/quic loaded but its quiche does not do QUIC v1' };
    return { bin: QUICHE, reason: '' };
  } catch (e) {
    return { bin: null, reason: `@matrixai/quic (quiche) does not load: ${(e as Error).message} (npm ci installs it with its linux-x64 binary)` };
  }
}

/** Peer processes still running; killed when the importing test file ends. */
const children = new Set<ChildProcess>();
afterAll(() => { for (const c of children) c.kill('SIGKILL'); });

interface PeerProcess { proc: ChildProcess; exited: Promise<number | null>; stderr: () => string }

function spawnQuiche(args: string[]): PeerProcess {
  const proc = spawn(process.execPath, [QUICHE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => { children.delete(proc); resolve(code); }));
  return { proc, exited, stderr: () => err };
}

export interface QuicheServer {
  port: number;
  /** SIGTERM; resolves with the exit code (0: a clean exit). */
  stop: () => Promise<number | null>;
  stderr: () => string;
}

/** `peer.mjs server` with `cert`'s certificate and key; resolves with its port once it printed the listening line. */
export async function startQuicheServer(cert: Pick<Pair, 'certFile' | 'keyFile'>, ...args: string[]): Promise<QuicheServer> {
  const p = spawnQuiche(['server', '--cert', cert.certFile, '--key', cert.keyFile, ...args]);
  const port = await new Promise<number>((resolve, reject) => {
    readline.createInterface({ input: p.proc.stdout! }).once('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.event === 'listening') resolve(msg.port); else reject(new Error(`quiche server: ${line}`));
    });
    void p.exited.then((code) => reject(new Error(`quiche server exited (${code}) before listening: ${p.stderr()}`)));
  });
  return { port, stderr: p.stderr, stop: async () => { p.proc.kill('SIGTERM'); return p.exited; } };
}

/** What `peer.mjs client` prints last (its header lists the fields). */
export interface QuicheClientResult {
  ok: boolean; error?: string; streams?: number; bytes?: number; ms?: number; handshakeMs?: number; cpuMs?: number; alpn?: string;
  stats?: Record<string, number>;
}

/** `peer.mjs client --port port ...args` to completion: its one JSON line, exit code and stderr. */
export async function runQuicheClient(port: number, ...args: string[]): Promise<QuicheClientResult & { code: number | null; stderr: string }> {
  const p = spawnQuiche(['client', '--port', String(port), ...args]);
  let out = '';
  p.proc.stdout!.on('data', (d) => { out += d; });
  const code = await p.exited;
  const last = out.trim().split('\n').pop() ?? '';
  let parsed: QuicheClientResult;
  try { parsed = JSON.parse(last); } catch { parsed = { ok: false, error: `no JSON line (stdout '${out}')` }; }
  return { ...parsed, code, stderr: p.stderr() };
}
