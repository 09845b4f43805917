// The shipped component through host/tls: typed config errors, and a full
// handshake plus resumption driven through the same calls the QUIC layer uses.
import { describe, expect, it, beforeAll } from 'vitest';
import { TlsConfig, TlsConnection, TlsConfigError, type TlsEvent } from '../../host/tls/index.js';
import { makePki, requireOpenssl, type Pki } from './pki.js';
import { handshake as run } from '../helpers/tls-handshake.js';

const hasOpenssl = requireOpenssl('tls component API tests (certificates are made with openssl)');
const CTP = Uint8Array.from([0x0f, 4, 1, 2, 3, 4]);
const STP = Uint8Array.from([0x00, 4, 1, 2, 3, 4, 0x0f, 2, 9, 9]);

describe.runIf(hasOpenssl)('tls through the component (host/tls)', () => {
  let pki: Pki;
  beforeAll(() => { pki = makePki(); });

  it('refuses bad configurations with a typed error', () => {
    expect(() => new TlsConfig({ server: true, certChainPem: pki.ecLeaf.certPem })).toThrow(TlsConfigError);
    expect(() => new TlsConfig({ server: true, certChainPem: pki.rsaLeaf.certPem, privateKeyPem: pki.rsaLeaf.keyPem })).toThrow(/P-256/);
    expect(() => new TlsConfig({ trustAnchorsPem: 'no pem here' })).toThrow(/CERTIFICATE/);
    expect(() => new TlsConfig({ cipherSuites: [0x1304] })).toThrow(/cipher suite/);
    try { new TlsConfig({ groups: [0x18] }); } catch (e) { expect((e as TlsConfigError).code).toBe('H3W_ERR_TLS_CONFIG'); }
  });

  it('completes, confirms and resumes', () => {
    const sc = new TlsConfig({ server: true, certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: STP, earlyData: true });
    const cc = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: pki.ecCa.certPem, alpn: ['h3'], transportParams: CTP, earlyData: true });
    const c = new TlsConnection(cc), s = new TlsConnection(sc);
    const { ce, se } = run(c, s);
    expect(ce.find((e) => e.kind === 'error')).toBeUndefined();
    expect(ce.find((e) => e.kind === 'complete')).toMatchObject({ alpn: 'h3' });
    expect(se.some((e) => e.kind === 'confirmed')).toBe(true);
    expect(c.confirm()).toEqual([{ kind: 'confirmed' }]);
    const ticket = ce.find((e) => e.kind === 'ticket') as Extract<TlsEvent, { kind: 'ticket' }>;
    expect(ticket).toBeDefined();
    c.close(); s.close();
    const c2 = new TlsConnection(cc, ticket.session), s2 = new TlsConnection(sc);
    const r = run(c2, s2);
    expect(r.ce).toContainEqual({ kind: 'earlyData', accepted: true });
    expect(r.se.find((e) => e.kind === 'complete')).toMatchObject({ earlyData: 1 });
    c2.close(); s2.close(); cc.close(); sc.close();
  });
});
