// ngtcp2's example programs as interop peers: `gtlsserver` (an HTTP/3 file
// server) and `gtlsclient` (an HTTP/3 client), ngtcp2 0.12.1 + nghttp3 +
// GnuTLS, from Debian's ngtcp2-server / ngtcp2-client (build/setup.sh).
// Both speak HTTP/3 only (ALPN "h3"; the server also accepts h3-29).
//
// What each program can be made to do (0.12.1's --help, tried here):
//
// | feature             | gtlsserver                                  | gtlsclient                                           |
// |---------------------|---------------------------------------------|------------------------------------------------------|
// | key update          | answers the peer's; cannot initiate         | `--key-update=<DURATION>` after the handshake        |
// | Retry               | `-V` (--validate-addr): Retry on every new  | follows a Retry (and NEW_TOKEN: `--token-file`)      |
// |                     | connection without a token                  |                                                      |
// | resumption / 0-RTT  | always: tickets + early data (GnuTLS)       | `--session-file=F --tp-file=F` (written on the first |
// |                     |                                             | run, read on the next); `--disable-early-data`       |
// | migration           | follows it; preferred address:              | `--change-local-addr=<DURATION>` (a new local port,  |
// |                     | `--preferred-ipv4-addr`                     | path validated)                                      |
// | NAT rebinding       | follows it                                  | `--change-local-addr=<D> --nat-rebinding` (new port, |
// |                     |                                             | no validation started by the client; see below)      |
// | QUIC v2             | draft only (`--preferred-versions v2draft`, | draft only (`-v v2draft`, 0x709a50c4): not RFC 9369's|
// |                     | 0x709a50c4)                                 | 0x6b3343cf, so no v2 interop with us; with           |
// |                     |                                             | `--preferred-versions v2draft,v1` it follows our     |
// |                     |                                             | Version Negotiation to v1 (without: exits 0, no data)|
// | request body        | read and dropped: every method gets the     | `-m POST -d FILE` (`-d` alone sends the body with    |
// |                     | file at :path; `-q` off logs "http: stream  | GET); the body goes on every URI's stream            |
// |                     | 0xN body K bytes" per chunk                 |                                                      |
// | ChaCha20 only       | `--ciphers=<GnuTLS priority>`               | `--ciphers=<GnuTLS priority>` (CHACHA20_ONLY below)  |
// | key log             | SSLKEYLOGFILE (GnuTLS reads it)             | SSLKEYLOGFILE; `-s` prints secrets unless `-q`       |
// | qlog                | `--qlog-dir`                                | `--qlog-dir` / `--qlog-file`                         |
//
// gtlsclient does not fail on an untrusted certificate (it verifies nothing
// in 0.12.1), so our self-signed test certificates serve.
// `--nat-rebinding` switches sockets without sending anything and then drops
// what still arrives at the old port ("ignore packet from unknown path"): a
// client that only downloads (nothing pending at the switch) waits for its
// idle timeout, against gtlsserver as against us. Rebind it during an upload.
// gtlsserver serves the files under `-d DIR` at their paths (404 for the
// others), takes createDevCert's PKCS#8 EC key, and prints only errors with
// `-q` (ERR_DRAINING after our close is noise: a packet in its draining period). Peer-missing rule: tests/helpers/peers.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';
import type { Peer } from './peers.js';

export const GTLSSERVER = '/usr/sbin/gtlsserver';
export const GTLSCLIENT = '/usr/bin/gtlsclient';

/** A GnuTLS priority string that allows TLS_CHACHA20_POLY1305_SHA256 only. */
export const CHACHA20_ONLY = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305';

function program(bin: string, pkg: string): Peer {
  try {
    fs.accessSync(bin, fs.constants.X_OK);
    return { bin, reason: '' };
  } catch {
    return { bin: null, reason: `${bin} not found (Debian package ${pkg}; bash build/setup.sh installs it)` };
  }
}

export const gtlsServerPeer = (): Peer => program(GTLSSERVER, 'ngtcp2-server');
export const gtlsClientPeer = (): Peer => program(GTLSCLIENT, 'ngtcp2-client');

/** Processes still running when the importing test file ends are killed. */
const children = new Set<ChildProcess>();
afterAll(() => { for (const c of children) c.kill('SIGKILL'); });

/** A UDP port that was free a moment ago on `host` (gtlsserver needs one on its command line). */
export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, host, resolve); });
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Is a UDP socket bound to `port` (Linux: /proc/net/udp{,6})? */
function udpBound(port: number): boolean {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    try {
      // "  sl  local_address rem_address ...": local_address is ADDR:PORT in hex
      if (fs.readFileSync(f, 'utf8').split('\n').some((l) => l.trim().split(/\s+/)[1]?.endsWith(suffix))) return true;
    } catch { /* no such table */ }
  }
  return false;
}

export interface GtlsServer {
  host: string;
  port: number;
  /** The document root it serves. */
  htdocs: string;
  /** SIGTERM (SIGKILL after 2 s); resolves with the exit code, or the signal's name. */
  stop: () => Promise<number | string | null>;
  stdout: () => string;
  stderr: () => string;
}

export interface GtlsServerOptions {
  cert: { certFile: string; keyFile: string };
  /** Document root (`-d`). */
  htdocs: string;
  host?: string;
  /** Extra options (`-V`, `--ciphers=...`), before the positional arguments. */
  args?: string[];
  /** Append TLS secrets here (SSLKEYLOGFILE). */
  keylog?: string;
  /** Without `-q` it prints every frame: large. Default true. */
  quiet?: boolean;
}

/** Starts gtlsserver on a free loopback port; resolves once its socket is bound. */
export async function startGtlsServer(o: GtlsServerOptions): Promise<GtlsServer> {
  const host = o.host ?? '127.0.0.1';
  const port = await freeUdpPort(host);
  const env = { ...process.env };
  delete env.SSLKEYLOGFILE;
  if (o.keylog) env.SSLKEYLOGFILE = o.keylog;
  const args = [...(o.quiet === false ? [] : ['-q']), '-d', o.htdocs, ...(o.args ?? []), host, String(port), o.cert.keyFile, o.cert.certFile];
  const proc = spawn(GTLSSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.add(proc);
  let out = '', err = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { err += d; });
  let exitCode: number | string | null | undefined;
  const exited = new Promise<number | string | null>((resolve) => proc.once('exit', (code, sig) => {
    children.delete(proc);
    exitCode = code ?? sig;
    resolve(exitCode);
  }));
  const deadline = Date.now() + 5000;
  while (!udpBound(port)) {
    if (exitCode !== undefined) throw new Error(`gtlsserver exited (${exitCode}) before binding ${host}:${port}: ${err}`);
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`gtlsserver did not bind ${host}:${port} in 5 s: ${err}`); }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    host, port, htdocs: o.htdocs, stdout: () => out, stderr: () => err,
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 2000);
      const c = await exited;
      clearTimeout(t);
      return c;
    },
  };
}

export interface GtlsClientOptions {
  host?: string;
  port: number;
  /** Paths ('/a.txt') or full URIs; paths become https://host:port/path. */
  uris: string[];
  /** Extra options (`--key-update=100ms`, `--session-file=F`, ...). */
  args?: string[];
  /** Save the responses (`--download`) and return them; default true. */
  download?: boolean;
  keylog?: string;
  /** Killed after this (default 15 s); `timedOut` says so. */
  timeoutMs?: number;
  quiet?: boolean;
}

export interface GtlsClientResult {
  /** Exit code (null when killed). */
  code: number | null;
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
  /** Downloaded files by name (gtlsclient names them after the path's last component). */
  files: Map<string, Buffer>;
}

/**
 * Runs gtlsclient against host:port with `--exit-on-all-streams-close`
 * (it exits once every request's stream closed) to completion.
 */
export async function runGtlsClient(o: GtlsClientOptions): Promise<GtlsClientResult> {
  const host = o.host ?? '127.0.0.1';
  const authority = host.includes(':') ? `[${host}]:${o.port}` : `${host}:${o.port}`;
  const dir = o.download === false ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-gtlsclient-'));
  const env = { ...process.env };
  delete env.SSLKEYLOGFILE;
  if (o.keylog) env.SSLKEYLOGFILE = o.keylog;
  const uris = o.uris.map((u) => (u.startsWith('/') ? `https://${authority}${u}` : u));
  const args = [...(o.quiet === false ? [] : ['-q']), '--exit-on-all-streams-close', ...(dir ? [`--download=${dir}`] : []),
    ...(o.args ?? []), host, String(o.port), ...uris];
  const t0 = performance.now();
  const proc = spawn(GTLSCLIENT, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.add(proc);
  let out = '', err = '', timedOut = false;
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { err += d; });
  const t = setTimeout(() => { timedOut = true; proc.kill('SIGKILL'); }, o.timeoutMs ?? 15_000);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => { children.delete(proc); resolve(c); }));
  clearTimeout(t);
  const ms = performance.now() - t0;
  const files = new Map<string, Buffer>();
  if (dir) {
    for (const f of fs.readdirSync(dir)) files.set(f, fs.readFileSync(path.join(dir, f)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { code, timedOut, ms, stdout: out, stderr: err, files };
}
