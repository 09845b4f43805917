// serverCertificateHashes and the W3C rule for a hashed certificate
// (https://w3c.github.io/webtransport/#verify-a-certificate-hash, and
// Chromium): the hash must match, the key must be ECDSA P-256 and the
// validity period at most 14 days; otherwise the session fails as with a
// wrong hash. The check is the TLS core's pinned mode (assembly/tls/verify.ts
// verifyPinned); here: what the Node API user sees, with certificates made by
// the openssl CLI (a 15-day P-256, a 14-day RSA, a 14-day P-384) and by
// createDevCert (P-256, 14 days).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebTransport, WebTransportError } from '../../host/webtransport/index.js';
import { startWtServer, type WtTestServer } from '../helpers/wt-server.js';
import { requireOpenssl } from '../tls/pki.js';

const servers: WtTestServer[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wt-cert-'));
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

type Key = 'p256' | 'p384' | 'rsa';
const KEY_ARGS: Record<Key, string[]> = {
  p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa: ['-newkey', 'rsa:2048'],
};

/** A self-signed certificate for 127.0.0.1 valid for `days` (openssl: notAfter = notBefore + days). */
function selfSigned(key: Key, days: number): { cert: string; key: string } {
  const c = path.join(dir, `${key}-${days}.crt`), k = path.join(dir, `${key}-${days}.key`);
  execFileSync('openssl', ['req', '-x509', ...KEY_ARGS[key], '-nodes', '-days', String(days), '-subj', '/CN=wt-test',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', k, '-out', c], { stdio: ['ignore', 'pipe', 'pipe'] });
  return { cert: fs.readFileSync(c, 'utf8'), key: fs.readFileSync(k, 'utf8') };
}

function derHash(pem: string): Uint8Array {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return createHash('sha256').update(der).digest();
}

/**
 * Our server signs with P-256 keys only, so a certificate with another key is
 * served with an unrelated P-256 key: the client must refuse it at the
 * Certificate message, before any CertificateVerify is checked.
 */
async function serverWith(cert: { cert: string; key: string }, signingKey = cert.key): Promise<WtTestServer> {
  const s = await startWtServer({ cert: cert.cert, key: signingKey });
  servers.push(s);
  return s;
}

const connect = (s: WtTestServer, hash: Uint8Array) =>
  new WebTransport(s.url('/cert'), { serverCertificateHashes: [{ algorithm: 'sha-256', value: hash }] });

async function refusal(wt: WebTransport): Promise<WebTransportError> {
  const e = await wt.ready.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(WebTransportError);
  expect((e as WebTransportError).source).toBe('session');
  await expect(wt.closed).rejects.toBeInstanceOf(WebTransportError);
  expect((e as Error).message).toMatch(/^serverCertificateHashes: the server certificate was refused: /);
  return e as WebTransportError;
}

const haveOpenssl = requireOpenssl('WebTransport certificate-hash rule tests');

describe('serverCertificateHashes: the W3C rule for the hashed certificate', () => {
  it('the development certificate (P-256, 14 days) is accepted by its hash', async () => {
    const s = await startWtServer();
    servers.push(s);
    const wt = connect(s, s.sha256);
    await wt.ready;
    wt.close();
  });

  it.runIf(haveOpenssl)('a P-256 certificate valid for exactly 14 days is accepted', async () => {
    const c = selfSigned('p256', 14);
    const wt = connect(await serverWith(c), derHash(c.cert));
    await wt.ready;
    wt.close();
  });

  it.runIf(haveOpenssl)('a P-256 certificate valid for 15 days is refused although its hash matches', async () => {
    const c = selfSigned('p256', 15);
    const e = await refusal(connect(await serverWith(c), derHash(c.cert)));
    expect(e.message).toMatch(/valid(ity)? .*14 days/);
  });

  it.runIf(haveOpenssl)('an RSA certificate is refused although its hash matches (ECDSA P-256 only)', async () => {
    const c = selfSigned('rsa', 14);
    const e = await refusal(connect(await serverWith(c, selfSigned('p256', 1).key), derHash(c.cert)));
    expect(e.message).toMatch(/ECDSA P-256/);
  });

  it.runIf(haveOpenssl)('a P-384 certificate is refused (Chromium and the core take P-256 only)', async () => {
    const c = selfSigned('p384', 14);
    const e = await refusal(connect(await serverWith(c, selfSigned('p256', 1).key), derHash(c.cert)));
    expect(e.message).toMatch(/ECDSA P-256/);
  });

  it('a hash that is not the certificate\'s is refused with a message that says so', async () => {
    const s = await startWtServer();
    servers.push(s);
    const wrong = Uint8Array.from(s.sha256);
    wrong[31] ^= 0x80;
    const e = await refusal(connect(s, wrong));
    expect(e.message).toMatch(/pin mismatch|not a pinned hash/);
  });
});
