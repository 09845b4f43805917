// The development certificate: openssl parses it and shows the template's
// extensions, node:crypto agrees on its hashes, it is valid for at most 14
// days from a minute ago, and our own TLS engine accepts it — as its own
// trust anchor and as a WebTransport pinned hash — in a QUIC handshake on
// loopback through h3-wasi/quic.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createDevCert, certificateHashes, MAX_DEV_CERT_VALIDITY_MS } from '../../host/http3/devcert.js';
import { QuicEndpoint } from '../../host/quic/index.js';
import { InvalidArgumentError } from '../../host/errors.js';
import { requireOpenssl } from '../tls/pki.js';

const hasOpenssl = requireOpenssl('devcert tests (openssl parses the certificate)');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-devcert-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('createDevCert', () => {
  const now = new Date('2026-03-01T12:00:30.500Z');
  const dc = createDevCert({ hostnames: ['dev.example', '192.0.2.7', '2001:db8::1'], now });

  it.runIf(hasOpenssl)('is a self-signed ECDSA P-256 certificate openssl parses, with the template extensions', () => {
    const file = path.join(tmp, 'dev.pem');
    fs.writeFileSync(file, dc.cert);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', file], { encoding: 'utf8' });
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/NIST CURVE: P-256|ASN1 OID: prime256v1/);
    expect(text).toMatch(/Issuer: CN\s*=\s*h3-wasi development certificate/);
    expect(text).toMatch(/Subject: CN\s*=\s*h3-wasi development certificate/);
    expect(text).toMatch(/DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:dev.example, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toMatch(/Not Before: Mar  1 11:59:30 2026 GMT/);
    // the signature verifies under its own key
    const verify = execFileSync('openssl', ['verify', '-CAfile', file, '-partial_chain', '-attime', String(now.getTime() / 1000 | 0), file], { encoding: 'utf8' });
    expect(verify.trim()).toBe(`${file}: OK`);
    // the key is PKCS#8 and matches the certificate
    const keyFile = path.join(tmp, 'dev.key');
    fs.writeFileSync(keyFile, dc.key);
    const pub1 = execFileSync('openssl', ['pkey', '-in', keyFile, '-pubout'], { encoding: 'utf8' });
    const pub2 = execFileSync('openssl', ['x509', '-in', file, '-noout', '-pubkey'], { encoding: 'utf8' });
    expect(pub1).toBe(pub2);
    expect(dc.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('node:crypto agrees on the fingerprint, the SPKI hash and the validity (at most 14 days, from a minute ago)', () => {
    const x = new crypto.X509Certificate(dc.cert);
    expect(x.fingerprint256).toBe(dc.sha256Fingerprint);
    expect(Buffer.from(dc.sha256).toString('hex')).toBe(x.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(dc.sha256).toBeInstanceOf(Uint8Array);
    expect(dc.sha256.length).toBe(32);
    expect(Buffer.from(x.raw)).toEqual(Buffer.from(dc.certDer));
    const spki = x.publicKey.export({ type: 'spki', format: 'der' });
    expect(dc.spkiSha256Base64).toBe(crypto.createHash('sha256').update(spki).digest('base64'));
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x.checkPrivateKey(crypto.createPrivateKey(dc.key))).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    const from = new Date(x.validFrom).getTime(), to = new Date(x.validTo).getTime();
    expect(from).toBe(dc.notBefore.getTime());
    expect(to).toBe(dc.notAfter.getTime());
    expect(from).toBe(Date.parse('2026-03-01T11:59:30Z'));
    expect(to - from).toBeLessThanOrEqual(MAX_DEV_CERT_VALIDITY_MS);
    expect(to - from).toBeGreaterThan(MAX_DEV_CERT_VALIDITY_MS - 2000);
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.checkHost('dev.example')).toBe('dev.example');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkIP('::1')).toBe('::1');
    expect(certificateHashes(dc.cert)).toEqual({ sha256: dc.sha256, sha256Fingerprint: dc.sha256Fingerprint, spkiSha256Base64: dc.spkiSha256Base64 });
    expect(certificateHashes(dc.certDer).sha256).toEqual(dc.sha256);
  });

  it('a fresh key and serial every call; a shorter validity on request; bad options throw', () => {
    const a = createDevCert(), b = createDevCert({ validityMs: 3600_000 });
    expect(a.key).not.toBe(b.key);
    expect(new crypto.X509Certificate(a.cert).serialNumber).not.toBe(new crypto.X509Certificate(b.cert).serialNumber);
    expect(b.notAfter.getTime() - b.notBefore.getTime()).toBe(3600_000 - 1000);
    expect(Math.abs(a.notBefore.getTime() - (Date.now() - 60_000))).toBeLessThan(5000);
    expect(() => createDevCert({ validityMs: MAX_DEV_CERT_VALIDITY_MS + 1000 })).toThrow(InvalidArgumentError);
    expect(() => createDevCert({ hostnames: ['bad name'] })).toThrow(InvalidArgumentError);
    expect(() => createDevCert({ hostnames: ['a:b'] })).toThrow(InvalidArgumentError);
    expect(() => certificateHashes('not a cert')).toThrow(InvalidArgumentError);
  });

  it('uses GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    const late = createDevCert({ now: new Date('2050-01-03T00:00:00Z') });
    const x = new crypto.X509Certificate(late.cert);
    expect(new Date(x.validTo).getUTCFullYear()).toBe(2050);
    expect(Buffer.from(late.certDer).includes(Buffer.from('20500102235900Z', 'ascii'))).toBe(true);
  });
});

describe('the QUIC server of h3-wasi/quic accepts it', () => {
  const dc = createDevCert();
  const endpoints: QuicEndpoint[] = [];
  afterAll(async () => { await Promise.all(endpoints.map((e) => e.close())); });

  async function handshake(clientTls: Record<string, unknown>, servername = 'localhost'): Promise<string> {
    const endpoint = await QuicEndpoint.listen({ host: '127.0.0.1', alpn: ['devcert'], tls: { certChainPem: dc.cert, privateKeyPem: dc.key } });
    endpoints.push(endpoint);
    void (async () => { for await (const c of endpoint) void c; })();
    const c = QuicEndpoint.connect({ host: '127.0.0.1', port: endpoint.address.port, servername, alpn: 'devcert', tls: clientTls });
    try {
      await c.ready;
      return c.alpn ?? "";
    } finally {
      c.close();
    }
  }

  it('as its own trust anchor (ca = the certificate)', async () => {
    expect(await handshake({ trustAnchorsPem: dc.cert })).toBe('devcert');
    expect(await handshake({ trustAnchorsPem: dc.cert }, '127.0.0.1')).toBe('devcert');
  });

  it('as a WebTransport pinned hash (serverCertificateHashes)', async () => {
    expect(await handshake({ verify: 'pinned', pinnedSha256: [dc.sha256] })).toBe('devcert');
  });

  it('and a client trusting another certificate refuses it', async () => {
    const other = createDevCert();
    await expect(handshake({ trustAnchorsPem: other.cert })).rejects.toThrow(/unknown issuer|certificate/);
  });
});
