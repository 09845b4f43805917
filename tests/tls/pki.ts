// Test PKI generated with the openssl CLI: CA -> leaf chains with ECDSA P-256
// and RSA-2048 keys, written to a temporary directory. Used by the X.509,
// handshake and OpenSSL interop tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll } from 'vitest';

// Registered while the importing test file is collected: the PKI goes away with it.
afterAll(() => {
  if (cached) fs.rmSync(cached.dir, { recursive: true, force: true });
  cached = null;
});

export function haveOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Fails under CI when openssl is missing, skips loudly otherwise (PREAMBLE rule for external peers). */
export function requireOpenssl(what: string): boolean {
  if (haveOpenssl()) return true;
  if (process.env.CI) throw new Error(`${what}: openssl is required under CI (bash build/setup.sh installs it)`);
  console.warn(`\n*** SKIPPING ${what}: openssl not found (install it with bash build/setup.sh) ***\n`);
  return false;
}

export interface Pair { certPem: string; keyPem: string; certDer: Uint8Array; certFile: string; keyFile: string }
export interface Pki {
  dir: string;
  ecCa: Pair; rsaCa: Pair;
  /** EC leaf signed by the EC CA, RSA leaf by the RSA CA, EC leaf by the RSA CA. */
  ecLeaf: Pair; rsaLeaf: Pair; ecLeafRsaCa: Pair;
  /** Leaf with only a wildcard name; leaf without serverAuth; a self-signed leaf; a short-lived leaf for hashes. */
  wildLeaf: Pair; noEkuLeaf: Pair; selfSigned: Pair;
  /** Leaves whose certificate signature uses SHA-384 (ecdsa-with-SHA384 by the EC CA, sha384WithRSAEncryption by the RSA CA). */
  ecLeaf384: Pair; ecLeafRsaCa384: Pair;
  file(name: string): string;
}

const run = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

function pemToDer(pem: string): Uint8Array {
  const b = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(Buffer.from(b, 'base64'));
}

function keyArgs(kind: 'ec' | 'rsa'): string[] {
  return kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
}

function readPair(dir: string, name: string): Pair {
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  const certPem = fs.readFileSync(certFile, 'utf8');
  return { certPem, keyPem: fs.readFileSync(keyFile, 'utf8'), certDer: pemToDer(certPem), certFile, keyFile };
}

function makeCa(dir: string, name: string, kind: 'ec' | 'rsa'): Pair {
  run(dir, ['req', '-x509', ...keyArgs(kind), '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-subj', `/CN=h3-wasi test ${name}`, '-days', '30', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return readPair(dir, name);
}

function makeLeaf(dir: string, name: string, kind: 'ec' | 'rsa', ca: string | null, ext: string, days = 10, digest = '-sha256'): Pair {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  run(dir, ['req', '-new', ...keyArgs(kind), '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  const signer = ca ? ['-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial'] : ['-signkey', `${name}.key`];
  run(dir, ['x509', '-req', '-in', `${name}.csr`, ...signer, '-days', String(days), digest, '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
  return readPair(dir, name);
}

const SERVER_EXT = 'subjectAltName=DNS:localhost,DNS:test.example.com,IP:127.0.0.1,IP:::1\n' +
  'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n';

let cached: Pki | null = null;

export function makePki(): Pki {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-pki-'));
  const ecCa = makeCa(dir, 'ec-ca', 'ec');
  const rsaCa = makeCa(dir, 'rsa-ca', 'rsa');
  const ecLeaf = makeLeaf(dir, 'ec-leaf', 'ec', 'ec-ca', SERVER_EXT);
  const rsaLeaf = makeLeaf(dir, 'rsa-leaf', 'rsa', 'rsa-ca', SERVER_EXT);
  const ecLeafRsaCa = makeLeaf(dir, 'ec-leaf-rsa-ca', 'ec', 'rsa-ca', SERVER_EXT);
  const wildLeaf = makeLeaf(dir, 'wild-leaf', 'ec', 'ec-ca',
    'subjectAltName=DNS:*.wild.example\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n');
  const noEkuLeaf = makeLeaf(dir, 'noeku-leaf', 'ec', 'ec-ca',
    'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  const selfSigned = makeLeaf(dir, 'self-signed', 'ec', null, SERVER_EXT);
  const ecLeaf384 = makeLeaf(dir, 'ec-leaf-384', 'ec', 'ec-ca', SERVER_EXT, 10, '-sha384');
  const ecLeafRsaCa384 = makeLeaf(dir, 'ec-leaf-rsa-ca-384', 'ec', 'rsa-ca', SERVER_EXT, 10, '-sha384');
  cached = { dir, ecCa, rsaCa, ecLeaf, rsaLeaf, ecLeafRsaCa, wildLeaf, noEkuLeaf, selfSigned, ecLeaf384, ecLeafRsaCa384, file: (n) => path.join(dir, n) };
  return cached;
}

export { pemToDer };
