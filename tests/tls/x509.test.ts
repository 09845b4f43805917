import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { makePki, requireOpenssl, type Pki } from './pki.js';

const enc = (s: string) => new TextEncoder().encode(s);
const hasOpenssl = requireOpenssl('X.509 tests with openssl-generated certificates');

for (const variant of VARIANTS) {
  describe.runIf(hasOpenssl)(`X.509 / PEM / PKCS#8 (${variant} build)`, async () => {
    const t = await loadTest<any>('tls', variant);
    let pki: Pki;
    beforeAll(() => { pki = makePki(); });

    it('parses an ECDSA P-256 leaf like node:crypto does', () => {
      const info = JSON.parse(t.certInfo(pki.ecLeaf.certDer));
      const ref = new X509Certificate(pki.ecLeaf.certPem);
      expect(info.error).toBe(0);
      expect(info.version).toBe(3);
      expect(info.serial.replace(/^0+/, '')).toBe(ref.serialNumber.toLowerCase().replace(/^0+/, ''));
      expect(info.sigAlg).toBe(1); // ecdsa-with-SHA256 (signed by the EC CA)
      expect(info.notBefore).toBe(Date.parse(ref.validFrom) / 1000);
      expect(info.notAfter).toBe(Date.parse(ref.validTo) / 1000);
      expect(info.keyType).toBe(1);
      const jwk = ref.publicKey.export({ format: 'jwk' }) as any;
      expect(info.pub).toBe('04' + Buffer.from(jwk.x, 'base64url').toString('hex') + Buffer.from(jwk.y, 'base64url').toString('hex'));
      expect(info.dns).toEqual(['localhost', 'test.example.com']);
      expect(info.ips).toEqual(['7f000001', '00000000000000000000000000000001']);
      expect(info.hasBC).toBe(true);
      expect(info.isCA).toBe(false);
      expect(info.hasKU).toBe(true);
      expect(info.ku & 1).toBe(1);
      expect(info.serverAuth).toBe(true);
      expect(info.selfIssued).toBe(false);
    });

    it('parses RSA keys and CA certificates', () => {
      const leaf = JSON.parse(t.certInfo(pki.rsaLeaf.certDer));
      const ref = new X509Certificate(pki.rsaLeaf.certPem);
      const jwk = ref.publicKey.export({ format: 'jwk' }) as any;
      expect(leaf.keyType).toBe(2);
      expect(leaf.sigAlg).toBe(3);
      expect(leaf.rsaN).toBe(Buffer.from(jwk.n, 'base64url').toString('hex'));
      expect(leaf.rsaE).toBe(Buffer.from(jwk.e, 'base64url').toString('hex'));
      const ca = JSON.parse(t.certInfo(pki.rsaCa.certDer));
      expect(ca.isCA).toBe(true);
      expect(ca.selfIssued).toBe(true);
      expect(ca.ku & (1 << 5)).toBeTruthy();
      expect(JSON.parse(t.certInfo(pki.ecLeaf384.certDer)).sigAlg).toBe(2); // ecdsa-with-SHA384
      expect(JSON.parse(t.certInfo(pki.ecLeafRsaCa384.certDer)).sigAlg).toBe(4); // sha384WithRSAEncryption
    });

    it('matches names: SAN DNS (case-insensitive), IPv4/IPv6 SANs, never CN', () => {
      const der = pki.ecLeaf.certDer;
      expect(t.certMatches(der, 'localhost')).toBe(1);
      expect(t.certMatches(der, 'LocalHost.')).toBe(1);
      expect(t.certMatches(der, 'test.example.com')).toBe(1);
      expect(t.certMatches(der, 'example.com')).toBe(0);
      expect(t.certMatches(der, '127.0.0.1')).toBe(1);
      expect(t.certMatches(der, '::1')).toBe(1);
      expect(t.certMatches(der, '[::1]')).toBe(1);
      expect(t.certMatches(der, '127.0.0.2')).toBe(0);
      expect(t.certMatches(der, 'ec-leaf')).toBe(0); // the CN
      const wild = pki.wildLeaf.certDer;
      expect(t.certMatches(wild, 'a.wild.example')).toBe(1);
      expect(t.certMatches(wild, 'a.b.wild.example')).toBe(0);
      expect(t.certMatches(wild, 'wild.example')).toBe(0);
    });

    it('applies the RFC 6125 wildcard rules', () => {
      expect(t.dnsMatch('*.example.com', 'www.example.com')).toBe(true);
      expect(t.dnsMatch('*.example.com', 'WWW.EXAMPLE.COM')).toBe(true);
      expect(t.dnsMatch('*.example.com', 'example.com')).toBe(false);
      expect(t.dnsMatch('*.example.com', '.example.com')).toBe(false);
      expect(t.dnsMatch('*.example.com', 'a.b.example.com')).toBe(false);
      expect(t.dnsMatch('w*.example.com', 'www.example.com')).toBe(false);
      expect(t.dnsMatch('*w.example.com', 'www.example.com')).toBe(false);
      expect(t.dnsMatch('www.*.com', 'www.example.com')).toBe(false);
      expect(t.dnsMatch('*.com', 'example.com')).toBe(false);
      expect(t.dnsMatch('*', 'example')).toBe(false);
    });

    it('decodes PEM chains and PKCS#8 / SEC1 P-256 keys', () => {
      const chain = pki.ecLeaf.certPem + pki.ecCa.certPem;
      const ders = t.pemDecode(enc(chain), 'CERTIFICATE');
      expect(ders.length).toBe(2);
      expect(Buffer.from(ders[0]).equals(Buffer.from(pki.ecLeaf.certDer))).toBe(true);
      const keyDer = t.pemDecode(enc(pki.ecLeaf.keyPem), 'PRIVATE KEY')[0];
      const key = t.p256Key(keyDer);
      expect(key).not.toBeNull();
      const jwk = createPrivateKey(pki.ecLeaf.keyPem).export({ format: 'jwk' });
      expect(Buffer.from(key).toString('hex')).toBe(Buffer.from(jwk.d, 'base64url').toString('hex'));
      expect(t.p256Key(t.pemDecode(enc(pki.rsaLeaf.keyPem), 'PRIVATE KEY')[0])).toBeNull();
      expect(t.b64(enc('QUJD'))).toEqual(enc('ABC'));
      expect(t.b64(enc('QUI='))).toEqual(enc('AB'));
      expect(t.b64(enc('QU=I'))).toBeNull();
      expect(t.b64(enc('QUJ'))).toBeNull();
    });

    it('never traps on truncated, mutated or random DER', () => {
      const seeds = [pki.ecLeaf.certDer, pki.rsaLeaf.certDer, pki.rsaCa.certDer];
      for (const s of seeds) for (let n = 0; n < s.length; n += 7) expect(t.certParse(s.subarray(0, n))).not.toBe(0);
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }), (i, muts) => {
        const d = Uint8Array.from(seeds[i]);
        for (const [pos, v] of muts) d[pos % d.length] = v;
        const rc = t.certParse(d);
        expect(rc).toBeGreaterThanOrEqual(0);
      }), { numRuns: 300 });
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (d) => { expect(t.certParse(d)).toBeGreaterThanOrEqual(0); }), { numRuns: 300 });
    });
  });
}
