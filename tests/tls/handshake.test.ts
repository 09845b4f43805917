// In-memory client <-> server handshakes through the AS test build: the
// suite x group matrix, HelloRetryRequest, resumption and 0-RTT, key log
// lines, certificate modes, and the negative paths with their alerts.
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { makePki, requireOpenssl, type Pki } from './pki.js';
import { Pair, config } from './driver.js';
import { CIPHER_SUITES as CS, GROUPS, decodeEvents } from '../../host/tls/wire.js';
import type { TlsOptions } from '../../host/tls/wire.js';
import { toHex } from '../helpers/hex.js';

const hasOpenssl = requireOpenssl('TLS handshake tests (certificates are made with openssl)');
const CLIENT_TP = Uint8Array.from([0x0f, 4, 1, 2, 3, 4, 0x04, 2, 0x44, 0x00]);
const SERVER_TP = Uint8Array.from([0x00, 4, 1, 2, 3, 4, 0x0f, 2, 9, 9, 0x04, 2, 0x44, 0x00]);
const suiteName = (s: number) => Object.entries(CS).find(([, v]) => v === s)![0];
const groupName = (g: number) => Object.entries(GROUPS).find(([, v]) => v === g)![0];

/** Client and server derived the same secrets at every level, in the right directions. */
function expectMatchingSecrets(p: Pair, skipEarly = false) {
  const keep = (s: { level: number }) => !skipEarly || s.level !== 1;
  const cw = p.secrets(p.client, 'writeSecret').filter(keep), sr = p.secrets(p.server, 'readSecret').filter(keep);
  const cr = p.secrets(p.client, 'readSecret'), sw = p.secrets(p.server, 'writeSecret');
  expect(cw.map((s) => s.level)).toEqual(sr.map((s) => s.level));
  expect(cr.map((s) => s.level)).toEqual(sw.map((s) => s.level));
  for (let i = 0; i < cw.length; i++) expect(toHex(cw[i].secret)).toBe(toHex(sr[i].secret));
  for (let i = 0; i < cr.length; i++) expect(toHex(cr[i].secret)).toBe(toHex(sw[i].secret));
}

for (const variant of VARIANTS) {
  describe.runIf(hasOpenssl)(`TLS 1.3 handshakes in memory (${variant} build)`, async () => {
    const t = await loadTest<any>('tls', variant);
    let pki: Pki;
    let serverBase: TlsOptions;
    let clientBase: TlsOptions;
    beforeAll(() => {
      pki = makePki();
      serverBase = { server: true, certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: SERVER_TP };
      clientBase = { serverName: 'localhost', trustAnchorsPem: pki.ecCa.certPem, alpn: ['h3'], transportParams: CLIENT_TP };
    });
    const pair = (c: TlsOptions, s: TlsOptions, session?: Uint8Array, now?: bigint) =>
      new Pair(t, config(t, { ...clientBase, ...c }), config(t, { ...serverBase, ...s }), session, now).run();

    for (const suite of Object.values(CS)) {
      for (const group of Object.values(GROUPS)) {
        it(`completes with ${suiteName(suite)} and ${groupName(group)}`, () => {
          const p = pair({ cipherSuites: [suite], groups: [group] }, { cipherSuites: [suite], groups: [group] });
          expect(p.error(p.client)).toBeUndefined();
          expect(p.error(p.server)).toBeUndefined();
          const cc = p.complete(p.client)!, sc = p.complete(p.server)!;
          expect(cc.alpn).toBe('h3');
          expect(sc.alpn).toBe('h3');
          expect(toHex(cc.transportParams)).toBe(toHex(SERVER_TP));
          expect(toHex(sc.transportParams)).toBe(toHex(CLIENT_TP));
          expect(p.server.events.some((e) => e.kind === 'confirmed')).toBe(true);
          for (const s of p.secrets(p.client, 'readSecret')) expect(s.suite).toBe(suite);
          expect(p.secrets(p.client, 'readSecret')[0].secret.length).toBe(suite === CS.TLS_AES_256_GCM_SHA384 ? 48 : 32);
          expectMatchingSecrets(p);
          p.free();
        });
      }
    }

    it('follows the server preference for suites and takes the client share it supports', () => {
      const p = pair({ cipherSuites: [CS.TLS_AES_128_GCM_SHA256, CS.TLS_CHACHA20_POLY1305_SHA256], keyShares: 2 },
        { cipherSuites: [CS.TLS_CHACHA20_POLY1305_SHA256, CS.TLS_AES_128_GCM_SHA256], groups: [GROUPS.secp256r1, GROUPS.x25519] });
      expect(p.complete(p.client)).toBeDefined();
      expect(p.secrets(p.client, 'readSecret')[0].suite).toBe(CS.TLS_CHACHA20_POLY1305_SHA256);
      // two shares sent: no HelloRetryRequest (one ServerHello at Initial)
      expect(p.server.events.filter((e) => e.kind === 'data' && e.level === 0).length).toBe(1);
    });

    it('goes through a HelloRetryRequest when the client guessed the wrong group', () => {
      const p = pair({ groups: [GROUPS.x25519, GROUPS.secp256r1] }, { groups: [GROUPS.secp256r1] });
      expect(p.error(p.client)).toBeUndefined();
      expect(p.complete(p.client)).toBeDefined();
      expect(p.complete(p.server)).toBeDefined();
      // two ClientHellos, an HRR and a ServerHello at Initial
      expect(p.client.events.filter((e) => e.kind === 'data' && e.level === 0).length).toBe(2);
      expect(p.server.events.filter((e) => e.kind === 'data' && e.level === 0).length).toBe(2);
      expectMatchingSecrets(p);
    });

    it('writes SSLKEYLOGFILE lines that carry the traffic secrets', () => {
      const p = pair({ keyLog: true }, { keyLog: true });
      const lines = (s: typeof p.client) => s.events.filter((e) => e.kind === 'keylog').map((e: any) => e.line as string);
      const cl = lines(p.client), sl = lines(p.server);
      expect(cl.sort()).toEqual(sl.sort());
      const labels = cl.map((l) => l.split(' ')[0]).sort();
      expect(labels).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
      const byLabel = Object.fromEntries(cl.map((l) => [l.split(' ')[0], l.split(' ')[2]]));
      const cw = p.secrets(p.client, 'writeSecret');
      expect(byLabel.CLIENT_HANDSHAKE_TRAFFIC_SECRET).toBe(toHex(cw.find((s) => s.level === 2)!.secret));
      expect(byLabel.CLIENT_TRAFFIC_SECRET_0).toBe(toHex(cw.find((s) => s.level === 3)!.secret));
      // the client random is the ClientHello's
      const ch = (p.client.events.find((e) => e.kind === 'data') as any).data as Uint8Array;
      expect(cl[0].split(' ')[1]).toBe(toHex(ch.subarray(6, 38)));
      // no key log unless asked
      const q = pair({}, {});
      expect(q.client.events.some((e) => e.kind === 'keylog')).toBe(false);
    });

    it('resumes with a ticket (PSK with ECDHE) and accepts 0-RTT with remembered transport parameters', () => {
      const ticketKey = new Uint8Array(16).fill(7);
      const p = pair({ earlyData: true }, { earlyData: true, ticketKey, tickets: 2 });
      const tickets = p.client.events.filter((e) => e.kind === 'ticket') as any[];
      expect(tickets.length).toBe(2);
      const r = pair({ earlyData: true }, { earlyData: true, ticketKey }, tickets[0].session);
      expect(r.error(r.client)).toBeUndefined();
      expect(r.error(r.server)).toBeUndefined();
      // no Certificate in a PSK handshake: EE and Finished only
      expect(r.server.events.filter((e) => e.kind === 'data' && e.level === 2).length).toBe(2);
      const early = r.secrets(r.client, 'writeSecret').find((s) => s.level === 1);
      expect(early).toBeDefined();
      expect(toHex(r.secrets(r.server, 'readSecret').find((s) => s.level === 1)!.secret)).toBe(toHex(early!.secret));
      expect(r.client.events).toContainEqual({ kind: 'earlyData', accepted: true });
      expect(r.server.events).toContainEqual({ kind: 'earlyData', accepted: true });
      expect(r.complete(r.client)!.earlyData).toBe(1);
      expectMatchingSecrets(r);
    });

    it('rejects 0-RTT cleanly when the server transport parameters changed, and still resumes', () => {
      const ticketKey = new Uint8Array(16).fill(9);
      const p = pair({ earlyData: true }, { earlyData: true, ticketKey });
      const session = (p.client.events.find((e) => e.kind === 'ticket') as any).session;
      const smaller = Uint8Array.from([0x00, 4, 1, 2, 3, 4, 0x0f, 2, 9, 9, 0x04, 1, 0x10]);
      const r = pair({ earlyData: true }, { earlyData: true, ticketKey, transportParams: smaller }, session);
      expect(r.error(r.client)).toBeUndefined();
      expect(r.client.events).toContainEqual({ kind: 'earlyData', accepted: false });
      expect(r.server.events).toContainEqual({ kind: 'earlyData', accepted: false });
      expect(r.secrets(r.server, 'readSecret').some((s) => s.level === 1)).toBe(false);
      expect(r.server.events.filter((e) => e.kind === 'data' && e.level === 2).length).toBe(2); // still PSK
      expectMatchingSecrets(r, true);
    });

    it('falls back to a full handshake for a ticket from another server key', () => {
      const p = pair({}, { ticketKey: new Uint8Array(16).fill(1) });
      const session = (p.client.events.find((e) => e.kind === 'ticket') as any).session;
      const r = pair({}, { ticketKey: new Uint8Array(16).fill(2) }, session);
      expect(r.complete(r.client)).toBeDefined();
      expect(r.server.events.filter((e) => e.kind === 'data' && e.level === 2).length).toBe(4); // EE, Cert, CV, Fin
    });

    it('resumes after a HelloRetryRequest (binder over the retried transcript)', () => {
      const ticketKey = new Uint8Array(16).fill(3);
      const p = pair({}, { ticketKey });
      const session = (p.client.events.find((e) => e.kind === 'ticket') as any).session;
      const r = pair({ groups: [GROUPS.x25519, GROUPS.secp256r1] }, { ticketKey, groups: [GROUPS.secp256r1] }, session);
      expect(r.error(r.server)).toBeUndefined();
      expect(r.complete(r.client)).toBeDefined();
      expect(r.server.events.filter((e) => e.kind === 'data' && e.level === 2).length).toBe(2);
    });

    it('verifies an RSA-signed chain (rsa_pkcs1_sha256 on the certificate)', () => {
      const p = pair({ trustAnchorsPem: pki.rsaCa.certPem }, { certChainPem: pki.ecLeafRsaCa.certPem, privateKeyPem: pki.ecLeafRsaCa.keyPem });
      expect(p.error(p.client)).toBeUndefined();
      expect(p.complete(p.client)).toBeDefined();
    });

    it('verifies SHA-384 certificate signatures (ecdsa-with-SHA384 by a P-256 CA, sha384WithRSAEncryption)', () => {
      const a = pair({}, { certChainPem: pki.ecLeaf384.certPem, privateKeyPem: pki.ecLeaf384.keyPem });
      expect(a.error(a.client)).toBeUndefined();
      expect(a.complete(a.client)).toBeDefined();
      const b = pair({ trustAnchorsPem: pki.rsaCa.certPem }, { certChainPem: pki.ecLeafRsaCa384.certPem, privateKeyPem: pki.ecLeafRsaCa384.keyPem });
      expect(b.error(b.client)).toBeUndefined();
      expect(b.complete(b.client)).toBeDefined();
      // the same certificate under the wrong CA key fails
      const c = pair({ trustAnchorsPem: pki.ecCa.certPem }, { certChainPem: pki.ecLeafRsaCa384.certPem, privateKeyPem: pki.ecLeafRsaCa384.keyPem });
      expect(c.error(c.client)?.alert).toBe(48);
    });

    it('verifies chains with P-384 issuers: root -> P-256 leaf (SHA-256), root -> intermediate -> P-256 leaf (Let\'s Encrypt shape)', () => {
      const trust = { trustAnchorsPem: pki.p384Ca.certPem };
      const a = pair(trust, { certChainPem: pki.ecLeafP384Ca256.certPem + pki.p384Ca.certPem, privateKeyPem: pki.ecLeafP384Ca256.keyPem });
      expect(a.error(a.client)).toBeUndefined();
      expect(a.complete(a.client)).toBeDefined();
      const b = pair(trust, { certChainPem: pki.ecLeafP384Int.certPem + pki.p384Int.certPem, privateKeyPem: pki.ecLeafP384Int.keyPem });
      expect(b.error(b.client)).toBeUndefined();
      expect(b.complete(b.client)).toBeDefined();
      // the intermediate missing from the chain -> unknown_ca; the intermediate itself as the anchor works
      const c = pair(trust, { certChainPem: pki.ecLeafP384Int.certPem, privateKeyPem: pki.ecLeafP384Int.keyPem });
      expect(c.error(c.client)?.alert).toBe(48);
      const d = pair({ trustAnchorsPem: pki.p384Int.certPem }, { certChainPem: pki.ecLeafP384Int.certPem, privateKeyPem: pki.ecLeafP384Int.keyPem });
      expect(d.complete(d.client)).toBeDefined();
    });

    it('rejects a P-384 intermediate whose signature was tampered with (bad_certificate)', () => {
      const der = Buffer.from(pki.p384Int.certDer);
      der[der.length - 1] ^= 0x01; // the last byte of s in the root's signature on the intermediate
      const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
      const p = pair({ trustAnchorsPem: pki.p384Ca.certPem }, { certChainPem: pki.ecLeafP384Int.certPem + pem, privateKeyPem: pki.ecLeafP384Int.keyPem });
      expect(p.error(p.client)?.alert).toBe(42);
      expect(p.complete(p.client)).toBeUndefined();
    });

    it('verifies Ed25519 certificate signatures (an Ed25519 root signing a P-256 leaf)', () => {
      const p = pair({ trustAnchorsPem: pki.edCa.certPem }, { certChainPem: pki.ecLeafEdCa.certPem + pki.edCa.certPem, privateKeyPem: pki.ecLeafEdCa.keyPem });
      expect(p.error(p.client)).toBeUndefined();
      expect(p.complete(p.client)).toBeDefined();
      // the same leaf presented under a different root
      const q = pair({ trustAnchorsPem: pki.p384Ca.certPem }, { certChainPem: pki.ecLeafEdCa.certPem, privateKeyPem: pki.ecLeafEdCa.keyPem });
      expect(q.error(q.client)?.alert).toBe(48);
    });

    it('accepts IP-address identities and wildcard names', () => {
      expect(pair({ serverName: '127.0.0.1' }, {}).complete).toBeDefined();
      const p = pair({ serverName: '::1' }, {});
      expect(p.complete(p.client)).toBeDefined();
      const w = pair({ serverName: 'x.wild.example' }, { certChainPem: pki.wildLeaf.certPem, privateKeyPem: pki.wildLeaf.keyPem });
      expect(w.complete(w.client)).toBeDefined();
    });

    it('pins certificate hashes with the WebTransport rules', () => {
      const sha = (der: Uint8Array) => Uint8Array.from(createHash('sha256').update(der).digest());
      const ok = pair({ verify: 'pinned', trustAnchorsPem: undefined, serverName: 'anything', pinnedSha256: [new Uint8Array(32), sha(pki.ecLeaf.certDer)] }, {});
      expect(ok.error(ok.client)).toBeUndefined();
      expect(ok.complete(ok.client)).toBeDefined();
      const wrong = pair({ verify: 'pinned', pinnedSha256: [new Uint8Array(32)] }, {});
      expect(wrong.error(wrong.client)?.alert).toBe(42);
      // a 30-day certificate is too long-lived for a pin
      const long = pair({ verify: 'pinned', pinnedSha256: [sha(pki.ecCa.certDer)] }, { certChainPem: pki.ecCa.certPem, privateKeyPem: pki.ecCa.keyPem });
      expect(long.error(long.client)?.alert).toBe(42);
    });

    it('says loudly that insecure mode verifies nothing', () => {
      const p = pair({ verify: 'insecure', trustAnchorsPem: undefined, serverName: 'wrong.example' }, { certChainPem: pki.selfSigned.certPem, privateKeyPem: pki.selfSigned.keyPem });
      expect(p.complete(p.client)).toBeDefined();
      const w = p.client.events.find((e) => e.kind === 'warning') as any;
      expect(w.text).toMatch(/INSECURE/);
    });

    describe('negative paths give the right alert (CRYPTO_ERROR = 0x100 + alert)', () => {
      const expectAlert = (p: Pair, side: 'client' | 'server', alert: number) => {
        const e = p.error(side === 'client' ? p.client : p.server);
        expect(e, `${side} should fail with alert ${alert}`).toBeDefined();
        expect(e!.alert).toBe(alert);
        expect(e!.code).toBe(0x100n + BigInt(alert));
        expect(p.complete(p.client)).toBeUndefined();
      };
      const flipIn = (type: number, at: (len: number) => number) => (from: string, level: number, d: Uint8Array) => {
        if (from !== 'server' || d[0] !== type) return d;
        const c = Uint8Array.from(d);
        c[at(c.length)] ^= 0x01;
        return c;
      };

      it('bad Finished -> decrypt_error', () => expectAlert(new Pair(t, config(t, clientBase), config(t, serverBase)).run(flipIn(20, (n) => n - 1)), 'client', 51));
      it('bad CertificateVerify -> decrypt_error', () => expectAlert(new Pair(t, config(t, clientBase), config(t, serverBase)).run(flipIn(15, (n) => n - 3)), 'client', 51));
      it('bad client Finished -> server decrypt_error', () => {
        const p = new Pair(t, config(t, clientBase), config(t, serverBase)).run((from, level, d) => {
          if (from !== 'client' || d[0] !== 20) return d;
          const c = Uint8Array.from(d); c[10] ^= 0x80; return c;
        });
        expect(p.error(p.server)?.alert).toBe(51);
      });
      it('wrong name -> bad_certificate', () => expectAlert(pair({ serverName: 'other.example' }, {}), 'client', 42));
      it('expired certificate -> certificate_expired', () => {
        const p = pair({}, {}, undefined, BigInt(Date.now() + 40 * 86400_000));
        expectAlert(p, 'client', 45);
      });
      it('not yet valid certificate -> certificate_expired', () => expectAlert(pair({}, {}, undefined, BigInt(Date.now() - 2 * 86400_000)), 'client', 45));
      it('unknown CA -> unknown_ca', () => expectAlert(pair({ trustAnchorsPem: pki.rsaCa.certPem }, {}), 'client', 48));
      it('self-signed leaf -> unknown_ca', () => expectAlert(pair({}, { certChainPem: pki.selfSigned.certPem, privateKeyPem: pki.selfSigned.keyPem }), 'client', 48));
      it('leaf without serverAuth -> unsupported_certificate', () => expectAlert(pair({}, { certChainPem: pki.noEkuLeaf.certPem, privateKeyPem: pki.noEkuLeaf.keyPem }), 'client', 43));
      it('no common cipher suite -> handshake_failure', () =>
        expectAlert(pair({ cipherSuites: [CS.TLS_AES_128_GCM_SHA256] }, { cipherSuites: [CS.TLS_AES_256_GCM_SHA384] }), 'server', 40));
      it('no common group -> handshake_failure', () => expectAlert(pair({ groups: [GROUPS.x25519] }, { groups: [GROUPS.secp256r1] }), 'server', 40));
      it('no common ALPN -> no_application_protocol', () => expectAlert(pair({ alpn: ['h3'] }, { alpn: ['hq-interop'] }), 'server', 120));
      it('no ALPN at all in QUIC -> no_application_protocol', () => expectAlert(pair({ alpn: [] }, {}), 'server', 120));
      it('no transport parameters in QUIC -> missing_extension', () => expectAlert(pair({ quic: false }, {}), 'server', 109));
      it('invalid transport parameters -> TRANSPORT_PARAMETER_ERROR', () => {
        const p = pair({ transportParams: Uint8Array.from([0x0f, 0, 0x03, 2, 0x40, 0x10]) }, {});
        expect(p.error(p.server)?.code).toBe(0x08n);
      });
      it('truncated ClientHello -> decode_error', () => {
        const p = new Pair(t, config(t, clientBase), config(t, serverBase)).run((from, level, d) => {
          if (from !== 'client') return d;
          const c = d.slice(0, d.length - 7);
          const n = c.length - 4;
          c[1] = n >> 16; c[2] = (n >> 8) & 255; c[3] = n & 255;
          return c;
        });
        expectAlert(p, 'server', 50);
      });
      it('ServerHello with a changed cipher suite -> illegal_parameter', () => {
        const p = new Pair(t, config(t, { ...clientBase, cipherSuites: [CS.TLS_AES_128_GCM_SHA256] }), config(t, serverBase)).run((from, level, d) => {
          if (from !== 'server' || d[0] !== 2) return d;
          const c = Uint8Array.from(d);
          c[4 + 2 + 32 + 1 + 1] = 0x02; // cipher_suite low byte -> 0x1302, not offered
          return c;
        });
        expectAlert(p, 'client', 47);
      });
      /** Removes supported_versions from the ServerHello and optionally plants a downgrade sentinel. */
      const downgrade = (sentinel: number[] | null) => (from: string, level: number, d: Uint8Array) => {
        if (from !== 'server' || d[0] !== 2) return d;
        const h = Buffer.from(d).toString('hex');
        const i = h.indexOf('002b00020304', 2 * (4 + 2 + 32 + 1 + 3 + 2));
        const c = Buffer.from(h.slice(0, i) + h.slice(i + 12), 'hex');
        const n = c.length - 4;
        c[1] = n >> 16; c[2] = (n >> 8) & 255; c[3] = n & 255;
        const extLenAt = 4 + 2 + 32 + 1 + c[4 + 2 + 32] + 3;
        c.writeUInt16BE(c.readUInt16BE(extLenAt) - 6, extLenAt);
        if (sentinel) c.set(sentinel, 4 + 2 + 24);
        return Uint8Array.from(c);
      };
      it('TLS 1.2 ServerHello with the downgrade sentinel -> illegal_parameter', () =>
        expectAlert(new Pair(t, config(t, clientBase), config(t, serverBase)).run(downgrade([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01])), 'client', 47));
      it('TLS 1.2 ServerHello without the sentinel -> protocol_version', () =>
        expectAlert(new Pair(t, config(t, clientBase), config(t, serverBase)).run(downgrade(null)), 'client', 70));
      it('duplicate extension in the ClientHello -> illegal_parameter', () => {
        const p = new Pair(t, config(t, clientBase), config(t, serverBase)).run((from, level, d) => {
          if (from !== 'client') return d;
          // rename signature_algorithms (000d) to supported_groups (000a): two supported_groups extensions
          const sigAlgs = '000d0010000e0403050308070804080504010501';
          const h = Buffer.from(d).toString('hex').replace(sigAlgs, '000a' + sigAlgs.slice(4));
          expect(h).toContain('000a' + sigAlgs.slice(4));
          return Uint8Array.from(Buffer.from(h, 'hex'));
        });
        expectAlert(p, 'server', 47);
      });
      it('non-empty legacy_session_id in QUIC -> PROTOCOL_VIOLATION (RFC 9001 §8.4); echoed over TCP', () => {
        // insert a 32-byte legacy_session_id into the client's first ClientHello (fixing the message length)
        const withSid = (from: string, level: number, d: Uint8Array) => {
          if (from !== 'client' || d[0] !== 1) return d;
          const at = 4 + 2 + 32;
          expect(d[at]).toBe(0);
          const sid = Buffer.alloc(32, 0xab);
          const c = Buffer.concat([Buffer.from(d.subarray(0, at)), Buffer.from([32]), sid, Buffer.from(d.subarray(at + 1))]);
          c.writeUIntBE(c.length - 4, 1, 3);
          return Uint8Array.from(c);
        };
        const p = new Pair(t, config(t, clientBase), config(t, serverBase)).run(withSid);
        const e = p.error(p.server);
        expect(e).toBeDefined();
        expect(e!.code).toBe(0x0an);
        expect(p.complete(p.server)).toBeUndefined();
        // the unmodified ClientHello is accepted (the check is on the session id, not the rewrite)
        const ok = new Pair(t, config(t, clientBase), config(t, serverBase)).run((from, level, d) => d);
        expect(ok.complete(ok.client)).toBeDefined();
        // over TCP (quic: false) our client uses the compatibility mode (RFC 9846 Appendix D.4): a
        // 32-byte legacy_session_id that the server accepts and echoes
        let sidLen = -1;
        const tcp = new Pair(t, config(t, { ...clientBase, quic: false }), config(t, { ...serverBase, quic: false })).run((from, level, d) => {
          if (from === 'client' && d[0] === 1) sidLen = d[4 + 2 + 32];
          return d;
        });
        expect(sidLen).toBe(32);
        expect(tcp.error(tcp.server)).toBeUndefined();
        expect(tcp.error(tcp.client)).toBeUndefined();
        expect(tcp.complete(tcp.client)).toBeDefined();
      });
      it('EndOfEarlyData in QUIC -> PROTOCOL_VIOLATION; KeyUpdate -> unexpected_message', () => {
        for (const [type, code] of [[5, 0x0an], [24, 0x10an]] as [number, bigint][]) {
          const p = new Pair(t, config(t, clientBase), config(t, serverBase));
          p.run((from, level, d) => {
            if (from === 'client' && level === 2 && d[0] === 20) t.tlsHandle(p.server.h, 2, Uint8Array.from([type, 0, 0, type === 24 ? 1 : 0, ...(type === 24 ? [0] : [])]), p.now);
            return d;
          });
          p.server.events.push(...decodeEvents(t.tlsEvents(p.server.h)));
          expect(p.error(p.server)?.code).toBe(code);
        }
      });
      it('message at the wrong level -> unexpected_message', () => {
        const p = new Pair(t, config(t, clientBase), config(t, serverBase));
        p.run((from, level, d) => {
          if (from === 'server' && level === 2 && d[0] === 8) { t.tlsHandle(p.client.h, 0, d, p.now); return null; }
          return d;
        });
        p.client.events.push(...decodeEvents(t.tlsEvents(p.client.h)));
        expect(p.error(p.client)?.alert).toBe(10);
      });

      it('never traps on mutated handshake messages: every failure is a defined alert', () => {
        const c = config(t, clientBase), s = config(t, serverBase);
        fc.assert(fc.property(fc.nat(12), fc.nat(), fc.nat(255), fc.boolean(), (which, pos, val, trunc) => {
          let n = 0;
          const p = new Pair(t, c, s).run((from, level, d) => {
            if (n++ !== which) return d;
            const x = Uint8Array.from(trunc ? d.subarray(0, pos % d.length) : d);
            if (!trunc) x[pos % x.length] = val;
            return x;
          });
          for (const side of [p.client, p.server]) {
            const e = p.error(side);
            if (e) expect(e.code === 0x08n || e.code === 0x0an || (e.code >= 0x100n && e.code < 0x200n)).toBe(true);
          }
          p.free();
        }), { numRuns: variant === 'debug' ? 40 : 120 });
      });
    });
  });
}

for (const variant of VARIANTS) {
  describe.runIf(hasOpenssl)(`hostile handshake input (${variant} build)`, async () => {
    const t = await loadTest<any>('tls', variant);
    it('never traps on random messages at any level, to either role', () => {
      const pki = makePki();
      const s = config(t, { server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: SERVER_TP });
      const c = config(t, { serverName: 'localhost', trustAnchorsPem: pki.ecCa.certPem, alpn: ['h3'], transportParams: CLIENT_TP });
      fc.assert(fc.property(fc.boolean(), fc.constantFrom(0, 1, 2, 3, 7), fc.nat(255), fc.uint8Array({ maxLength: 400 }), (server, level, type, body) => {
        const h = t.tlsConnNew(server ? s : c, new Uint8Array(0));
        if (!server) t.tlsStart(h, BigInt(Date.now()));
        const msg = Uint8Array.from([type, 0, body.length >> 8, body.length & 255, ...body]);
        t.tlsHandle(h, level, msg, BigInt(Date.now()));
        t.tlsHandle(h, level, body, BigInt(Date.now()));
        const evs = decodeEvents(t.tlsEvents(h));
        for (const e of evs) if (e.kind === 'error') expect(e.code === 0x08n || e.code === 0x0an || (e.code >= 0x100n && e.code < 0x200n)).toBe(true);
        expect(evs.some((e) => e.kind === 'complete')).toBe(false);
        t.tlsFree(h);
      }), { numRuns: variant === 'debug' ? 200 : 500 });
    });
  });
}
