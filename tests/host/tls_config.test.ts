// TLS configuration is refused, never guessed: a typo in `verify` must not
// turn certificate checks off, numbers are not wrapped, a chain-mode client
// gets a trust store, and config blobs of any size (the whole system CA
// bundle) encode without recursion.
import fs from 'node:fs';
import { rootCertificates } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { TlsConfig, TlsConnection, TlsConfigError, type TlsEvent, type TlsOptions } from '../../host/tls/index.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { handshake } from '../helpers/tls-handshake.js';

/** Client and server transport parameters (RFC 9000 §7.3: the server also sends original_destination_connection_id). */
const TP = Uint8Array.from([0x0f, 4, 1, 2, 3, 4]);
const STP = Uint8Array.from([0x00, 4, 1, 2, 3, 4, 0x0f, 2, 9, 9]);
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

function refused(o: unknown, option: string, message?: RegExp): TlsConfigError {
  let err: unknown;
  try { new TlsConfig(o as TlsOptions); } catch (e) { err = e; }
  expect(err, JSON.stringify(o)).toBeInstanceOf(TlsConfigError);
  const e = err as TlsConfigError;
  expect(e.code).toBe('H3W_ERR_TLS_CONFIG');
  expect(e.option).toBe(option);
  if (message) expect(e.message).toMatch(message);
  return e;
}

const hasOpenssl = requireOpenssl('TLS configuration tests (certificates are made with openssl)');

describe('TlsConfig refuses what it cannot honour', () => {
  it('an unknown verify mode throws naming the allowed values (no silent insecure mode)', () => {
    for (const v of ['strict', 'Chain', 'none', '', 1, true]) {
      const e = refused({ verify: v, serverName: 'x', alpn: ['h3'], transportParams: TP }, 'verify');
      expect(e.message).toMatch(/'chain', 'pinned', 'insecure'/);
    }
  });

  it('wrong types, enum-like values and out-of-range numbers are refused, not wrapped', () => {
    const base = { serverName: 'example.com', alpn: ['h3'], transportParams: TP };
    refused({ ...base, alpn: 'h3' }, 'alpn', /array/);
    refused({ ...base, alpn: [''] }, 'alpn[0]');
    refused({ ...base, alpn: ['x'.repeat(256)] }, 'alpn[0]');
    refused({ ...base, cipherSuites: [0x1304] }, 'cipherSuites', /unknown cipher suite 0x1304/);
    refused({ ...base, cipherSuites: [] }, 'cipherSuites');
    refused({ ...base, groups: [0x18] }, 'groups', /unknown group/);
    refused({ ...base, keyShares: 3 }, 'keyShares');
    refused({ ...base, serverName: '' }, 'serverName');
    refused({ ...base, serverName: 42 }, 'serverName');
    refused({ ...base, quic: 'yes' }, 'quic');
    refused({ ...base, transportParams: 'x' }, 'transportParams');
    refused({ ...base, trustAnchorsPem: 'no pem here' }, 'trustAnchorsPem', /CERTIFICATE/);
    refused({ ...base, verfy: 'insecure' }, 'options', /unknown option 'verfy'/);
    refused(null, 'options');
    refused(undefined, 'options');
    const server = { server: true, certChainPem: '-----BEGIN CERTIFICATE-----', privateKeyPem: '-----BEGIN PRIVATE KEY-----', alpn: ['h3'], transportParams: TP };
    for (const [t, why] of [[256, /0\.\.255/], [300, /0\.\.255/], [-1, /0\.\.255/], [1.5, /integer/]] as const) refused({ ...server, tickets: t }, 'tickets', why);
    refused({ ...server, ticketLifetime: 604801 }, 'ticketLifetime');
    refused({ ...server, ticketKey: new Uint8Array(15) }, 'ticketKey');
    refused({ verify: 'pinned', pinnedSha256: [new Uint8Array(31)], alpn: ['h3'], transportParams: TP }, 'pinnedSha256[0]');
  });

  it('each role gets what it needs, or a message saying what is missing', () => {
    refused({ serverName: 'example.com', alpn: ['h3'] }, 'transportParams', /encodeTransportParams/);
    refused({ serverName: 'example.com', transportParams: TP }, 'alpn');
    refused({ alpn: ['h3'], transportParams: TP }, 'serverName', /chain/);
    refused({ verify: 'pinned', alpn: ['h3'], transportParams: TP }, 'pinnedSha256');
    refused({ verify: 'insecure', trustAnchorsPem: rootCertificates[0], alpn: ['h3'], transportParams: TP }, 'trustAnchorsPem');
    refused({ serverName: 'x', tickets: 2, alpn: ['h3'], transportParams: TP }, 'tickets', /server option/);
  });
});

describe.runIf(hasOpenssl)('TlsConfig with real certificates', () => {
  let pki: Pki;
  beforeAll(() => { pki = makePki(); });

  it('a server config without its key, or with a client option, is refused naming the option', () => {
    refused({ server: true, certChainPem: pki.ecLeaf.certPem, alpn: ['h3'], transportParams: TP }, 'privateKeyPem');
    refused({ server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: TP, serverName: 'x' }, 'serverName');
    // the engine's content checks come first and say what is wrong with the key
    expect(() => new TlsConfig({ server: true, certChainPem: pki.rsaLeaf.certPem, privateKeyPem: pki.rsaLeaf.keyPem })).toThrow(/P-256/);
  });

  it('the whole system CA bundle (and node\'s root store) encodes, and the client verifies a chain to one of its roots', () => {
    const system = fs.existsSync(SYSTEM_BUNDLE) ? fs.readFileSync(SYSTEM_BUNDLE, 'utf8') : rootCertificates.join('\n');
    expect(system.length).toBeGreaterThan(125_000);
    // the bundle as shipped, alone: accepted
    new TlsConfig({ serverName: 'example.com', trustAnchorsPem: system, alpn: ['h3'], transportParams: TP }).close();
    // our test CA among the system's roots (in the middle): the chain is found and verified
    const roots = system.split(/(?=-----BEGIN CERTIFICATE-----)/);
    const half = roots.length >> 1;
    const bundle = [...roots.slice(0, half), pki.ecCa.certPem, ...roots.slice(half)].join('\n');
    const sc = new TlsConfig({ server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: STP });
    const cc = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: bundle, alpn: ['h3'], transportParams: TP });
    const { ce } = handshake(new TlsConnection(cc), new TlsConnection(sc));
    expect(ce.find((e) => e.kind === 'error')).toBeUndefined();
    expect(ce.some((e) => e.kind === 'complete')).toBe(true);
    // the system bundle alone does not trust our CA
    const cs = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: system, alpn: ['h3'], transportParams: TP });
    const r = handshake(new TlsConnection(cs), new TlsConnection(sc));
    expect(r.ce.find((e) => e.kind === 'error')).toMatchObject({ alert: 48 });
    sc.close(); cc.close(); cs.close();
  });

  it('a chain-mode client without trustAnchorsPem uses node\'s root store: our private CA is unknown', () => {
    const sc = new TlsConfig({ server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: STP });
    const cc = new TlsConfig({ serverName: 'localhost', alpn: ['h3'], transportParams: TP });
    const { ce } = handshake(new TlsConnection(cc), new TlsConnection(sc));
    expect(ce.find((e) => e.kind === 'error')).toMatchObject({ alert: 48 });
    expect(ce.some((e) => e.kind === 'complete')).toBe(false);
    sc.close(); cc.close();
  });
});
