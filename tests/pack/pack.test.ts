// The npm package as a user gets it: `npm pack` (prepack builds dist/), the
// tarball installed into an empty project, and from there the command, every
// public entry point and the component's path. Also what the tarball must not
// carry (intermediates, source maps, tests, sources, build scripts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** npm's lifecycle variables (this may run under `npm test`) must not leak into the child npm. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^npm_/i.test(k) || /^npm_config_(cache|userconfig|registry)$/i.test(k)));

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 120_000, ...opts });
  const out = { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  if (r.error) throw r.error;
  return out;
}
function ok(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = sh(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

let tmp = '', tarball = '', project = '', files: string[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-pack-'));
  ok('npm', ['pack', '--pack-destination', tmp, '--no-audit', '--no-fund'], { cwd: root });
  const tgz = fs.readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
  expect(tgz).toEqual([`${pkg.name}-${pkg.version}.tgz`]);
  tarball = path.join(tmp, tgz[0]);
  files = ok('tar', ['-tzf', tarball]).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')).filter((f) => !f.endsWith('/'));
  project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'pack-test', private: true, type: 'module' }));
  // The tarball's only runtime dependency (preview2-shim) is in the npm cache after `npm ci`.
  ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], { cwd: project });
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack: the tarball', () => {
  it('ships what users need', () => {
    for (const f of [
      'package.json', 'README.md', 'LICENSE', 'bin/h3-wasi.mjs',
      'dist/h3-wasi.wasm', 'dist/engine/engine.js', 'dist/engine/engine.d.ts',
      'dist/host/index.js', 'dist/host/index.d.ts', 'dist/host/cli/main.js',
      'wit/world.wit', 'docs/qpack.md',
    ]) expect(files, f).toContain(f);
    for (const f of fs.readdirSync(path.join(root, 'docs'))) expect(files).toContain(`docs/${f}`);
    expect(fs.readFileSync(path.join(project, 'node_modules', 'h3-wasi', 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  it('ships no intermediates, source maps, tests, sources, build scripts or the development world', () => {
    const bad = files.filter((f) =>
      /(^|\/)core\.wasm$/.test(f) || /build-state\.json$/.test(f) || f.endsWith('.map') || f === 'wit/dev.wit' || /h3-wasi-dev/.test(f) ||
      /^(tests|assembly|build|host|bench|node_modules|\.ci)\//.test(f) || /^tsconfig|^asconfig|^vitest/.test(f));
    expect(bad).toEqual([]);
  });

  it('every exports, imports and bin target is in it, and the exports are the public entry points only', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(
      ['.', './codec', './component', './component.wasm', './crypto', './http3', './package.json', './qpack', './quic', './realtime', './realtime/client', './tls', './webtransport', './wit/*'].sort());
    const targets: string[] = [];
    const collect = (v: unknown) => {
      if (typeof v === 'string') targets.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(pkg.exports); collect(pkg.imports); collect(pkg.bin);
    for (const t of targets) {
      const rel = t.replace(/^\.\//, '');
      if (rel.includes('*')) expect(files.some((f) => f.startsWith(rel.slice(0, rel.indexOf('*')))), t).toBe(true);
      else expect(files, t).toContain(rel);
    }
  });

  it('is small', () => {
    expect(fs.statSync(tarball).size).toBeLessThan(1 << 20);
  });
});

describe('installed from the tarball into an empty project', () => {
  it('npx h3-wasi --help and --version', () => {
    const help = ok('npx', ['h3-wasi', '--help'], { cwd: project });
    expect(help.stdout).toMatch(/^usage: h3-wasi <command>/);
    expect(help.stdout).toMatch(/^ {2}qpack {2,}\S/m);
    const v = ok('npx', ['h3-wasi', '--version'], { cwd: project });
    expect(v.stdout.trim()).toBe(pkg.version);
  });

  it('npx h3-wasi qpack encode/decode through stdin and stdout', () => {
    const qif = ':method\tGET\n:path\t/\n:authority\texample.com\n\n:status\t200\n\n';
    const npx = (args: string[], input: string | Buffer) => spawnSync('npx', ['h3-wasi', 'qpack', ...args], { cwd: project, env, input, timeout: 60_000 });
    const enc = npx(['encode', '-', '-', '-t', '4096', '-s', '100', '-a'], qif);
    expect(enc.stderr.toString()).toBe('');
    expect(enc.status).toBe(0);
    const r = npx(['decode', '-', '-', '-t', '4096', '-s', '100'], enc.stdout);
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.toString('latin1')).toBe(qif);
  });

  it('the public entry points work (README examples) and the component resolves to its .wasm', () => {
    const script = `
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { aeadSeal, aeadOpen, sha256 } from 'h3-wasi/crypto';
import { QpackEncoder, QpackDecoder } from 'h3-wasi/qpack';
import { encodeH3Frames, decodeH3Frames } from 'h3-wasi/codec';
import { TlsConfig } from 'h3-wasi/tls';
import { WebTransport, WebTransportError } from 'h3-wasi/webtransport';
import { createRealtimeHub, loadConfig, ConfigError } from 'h3-wasi/realtime';
import { H3WasiError, CryptoError } from 'h3-wasi';
import { TransportManager } from 'h3-wasi/realtime/client';

// README: crypto
const key32 = new Uint8Array(32).fill(7), nonce12 = new Uint8Array(12), aad = new Uint8Array(3), plaintext = new TextEncoder().encode('hello');
const sealed = aeadSeal('chacha20-poly1305', key32, nonce12, aad, plaintext);
const opened = aeadOpen('chacha20-poly1305', key32, nonce12, aad, sealed);
assert.deepEqual(opened, plaintext);
sealed[0] ^= 1;
assert.equal(aeadOpen('chacha20-poly1305', key32, nonce12, aad, sealed), null);
assert.equal(Buffer.from(sha256(new Uint8Array(0))).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

// errors: typed, with a stable code
assert.throws(() => aeadSeal('chacha20-poly1305', new Uint8Array(5), nonce12, aad, plaintext),
  (e) => e instanceof H3WasiError && e instanceof CryptoError && typeof e.code === 'string' && e.code.startsWith('H3W_ERR_'));

// qpack
const enc = new QpackEncoder({ peerMaxTableCapacity: 4096, peerBlockedStreams: 100 });
const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 100 });
const fields = [[':method', 'GET'], [':path', '/'], [':authority', 'example.com']];
const { encoderStream, section } = enc.encode(0, fields);
dec.feedEncoderStream(encoderStream);
assert.deepEqual(dec.decode(0, section), fields);
enc.close(); dec.close();

// codec
const frames = [{ type: 'data', data: new Uint8Array([1, 2, 3]) }];
const decoded = decodeH3Frames(encodeH3Frames(frames));
assert.equal(decoded[0].type, 'data');

// webtransport: the W3C class and its error, also from the root's errors
assert.equal(typeof WebTransport, 'function');
assert.ok(new WebTransportError('x', { source: 'session' }) instanceof H3WasiError);
assert.throws(() => new WebTransport('http://127.0.0.1:1/'), SyntaxError);

// realtime/client: the browser bundle loads (it only uses browser globals once constructed)
assert.equal(typeof TransportManager, 'function');
// realtime: the hub and its configuration (docs/realtime.md)
assert.equal(typeof createRealtimeHub, 'function');
assert.equal(loadConfig({}).quicPort, 4433);
assert.throws(() => loadConfig({ QUIC_PORT: 'x' }), (e) => e instanceof ConfigError && e instanceof H3WasiError && e.variable === 'QUIC_PORT');

// tls (docs/tls.md's examples are run by tests/docs)
assert.equal(typeof TlsConfig, 'function');

// the component's path, both ways
const url = import.meta.resolve('h3-wasi/component');
const file = fileURLToPath(url);
assert.equal(createRequire(import.meta.url).resolve('h3-wasi/component'), file);
assert.equal(fileURLToPath(import.meta.resolve('h3-wasi/component.wasm')), file);
assert.ok(file.endsWith('.wasm'));
assert.deepEqual([...fs.readFileSync(file).subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
assert.ok(fs.existsSync(fileURLToPath(import.meta.resolve('h3-wasi/wit/world.wit'))));

// nothing but the exports map is reachable
await assert.rejects(import('h3-wasi/dist/host/index.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log('ok');
`;
    fs.writeFileSync(path.join(project, 'use.mjs'), script);
    const r = sh(process.execPath, ['use.mjs'], { cwd: project });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout.trim().split('\n').pop()).toBe('ok');
    expect(r.status).toBe(0);
  });

  it('the shipped .d.ts files type-check a consumer (NodeNext resolution)', () => {
    fs.writeFileSync(path.join(project, 'consumer.ts'), `
import { aeadSeal } from 'h3-wasi/crypto';
import { QpackEncoder } from 'h3-wasi/qpack';
import { decodeQuicFrames } from 'h3-wasi/codec';
import { TlsConfig } from 'h3-wasi/tls';
import { QuicEndpoint, QuicError, type QuicConnection } from 'h3-wasi/quic';
import { H3WasiError } from 'h3-wasi';
import { WebTransport, type WebTransportOptions } from 'h3-wasi/webtransport';
import { TransportManager, type TransportManagerOptions } from 'h3-wasi/realtime/client';
const tmOptions: TransportManagerOptions = { wtUrl: 'https://127.0.0.1/realtime', wsUrl: 'ws://127.0.0.1/realtime', fallbackTimeoutMs: 3000 };
export const tm = (): TransportManager => new TransportManager(tmOptions);
const wtOptions: WebTransportOptions = { allowPooling: true };
export const wt = (port: number): WebTransport => new WebTransport('https://127.0.0.1:' + port + '/', wtOptions);
const sealed: Uint8Array = aeadSeal('aes-128-gcm', new Uint8Array(16), new Uint8Array(12), new Uint8Array(0), new Uint8Array(1));
export const connect = (port: number): QuicConnection => QuicEndpoint.connect({ host: '127.0.0.1', port, alpn: 'h3' });
export const all = [sealed, QpackEncoder, decodeQuicFrames, TlsConfig, QuicError, H3WasiError];
`);
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = sh(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--typeRoots', path.join(root, 'node_modules', '@types'), '--types', 'node', 'consumer.ts'], { cwd: project });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
