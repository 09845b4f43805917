// The typed in-core seam (assembly/tls/output.ts) as a QUIC connection would
// drain it: records in order, handshake bytes moved across per level, the
// peer's transport parameters as soon as they are accepted (server: in the
// ClientHello; client: in EncryptedExtensions), before completion.
import { describe, expect, it, beforeAll } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { makePki, requireOpenssl, type Pki } from './pki.js';
import { config } from './driver.js';

const hasOpenssl = requireOpenssl('TLS output tests (certificates are made with openssl)');
const CLIENT_TP = '0f04010203040402' + '4400';
const SERVER_TP = '0004010203040f020909' + '04024400';
const K = { data: 1, secret: 2, peerTp: 3, complete: 4, confirmed: 5, ticket: 6, earlyData: 7, warning: 8, keylog: 9, error: 10 };
type Out = { kind: number; level: number; read?: boolean; suite?: number; alpn?: string; earlyData?: number; tp?: string; code?: number; bytes: string };

for (const variant of VARIANTS) {
  describe.runIf(hasOpenssl)(`TLS typed outputs (${variant} build)`, async () => {
    const t = await loadTest<any>('tls', variant);
    let pki: Pki;
    beforeAll(() => { pki = makePki(); });

    it('hands the QUIC layer bytes, keys, the peer transport parameters and completion as typed records', () => {
      const now = BigInt(Date.now());
      const sc = config(t, { server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: Buffer.from(SERVER_TP, 'hex') });
      const cc = config(t, { serverName: 'localhost', trustAnchorsPem: pki.ecCa.certPem, alpn: ['h3'], transportParams: Buffer.from(CLIENT_TP, 'hex') });
      const c = t.tlsConnNew(cc, new Uint8Array(0)), s = t.tlsConnNew(sc, new Uint8Array(0));
      const take = (h: number): Out[] => JSON.parse(t.tlsOutputs(h));
      const feed = (to: number, outs: Out[]) => {
        for (const o of outs) if (o.kind === K.data) t.tlsHandle(to, o.level, Buffer.from(o.bytes, 'hex'), now);
      };
      expect(t.tlsStart(c, now)).toBe(true);
      const c1 = take(c);
      expect(c1.map((o) => o.kind)).toEqual([K.data]);
      feed(s, c1);
      const s1 = take(s);
      // the ClientHello's parameters come out first, before the server's flight
      expect(s1[0]).toMatchObject({ kind: K.peerTp, bytes: CLIENT_TP });
      expect(s1.filter((o) => o.kind === K.secret).map((o) => [o.level, o.read])).toEqual([[2, false], [2, true], [3, false]]);
      expect(s1.some((o) => o.kind === K.complete)).toBe(false);
      feed(c, s1);
      const c2 = take(c);
      const tpAt = c2.findIndex((o) => o.kind === K.peerTp), doneAt = c2.findIndex((o) => o.kind === K.complete);
      expect(c2[tpAt].bytes).toBe(SERVER_TP);
      expect(tpAt).toBeGreaterThan(-1);
      expect(tpAt).toBeLessThan(doneAt);
      expect(c2[doneAt]).toMatchObject({ alpn: Buffer.from('h3').toString('hex'), earlyData: 0, tp: SERVER_TP });
      feed(s, c2);
      const s2 = take(s);
      expect(s2.map((o) => o.kind).slice(0, 3)).toEqual([K.secret, K.complete, K.confirmed]);
      expect(s2.find((o) => o.kind === K.complete)!.tp).toBe(CLIENT_TP);
      // tickets leave at the 1-RTT level
      expect(s2.filter((o) => o.kind === K.data).every((o) => o.level === 3)).toBe(true);
      feed(c, s2);
      expect(take(c).map((o) => o.kind)).toEqual([K.ticket]);
      // drained: nothing more until the next call
      expect(take(c)).toEqual([]);
      t.tlsConfirm(c);
      expect(take(c).map((o) => o.kind)).toEqual([K.confirmed]);
      t.tlsFree(c); t.tlsFree(s); t.tlsConfigFree(cc); t.tlsConfigFree(sc);
    });

    it('reports a refused transport parameter once, as an error record with the policy code', () => {
      const now = BigInt(Date.now());
      const sc = config(t, { server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: Buffer.from(SERVER_TP, 'hex') });
      // max_udp_payload_size 16 (< 1200): TRANSPORT_PARAMETER_ERROR
      const cc = config(t, { serverName: 'localhost', trustAnchorsPem: pki.ecCa.certPem, alpn: ['h3'], transportParams: Uint8Array.from([0x0f, 0, 0x03, 2, 0x40, 0x10]) });
      const c = t.tlsConnNew(cc, new Uint8Array(0)), s = t.tlsConnNew(sc, new Uint8Array(0));
      t.tlsStart(c, now);
      for (const o of JSON.parse(t.tlsOutputs(c)) as Out[]) t.tlsHandle(s, o.level, Buffer.from(o.bytes, 'hex'), now);
      const outs: Out[] = JSON.parse(t.tlsOutputs(s));
      expect(outs.map((o) => o.kind)).toEqual([K.error]);
      expect(outs[0]).toMatchObject({ code: 8, bytes: '' });
      t.tlsFree(c); t.tlsFree(s); t.tlsConfigFree(cc); t.tlsConfigFree(sc);
    });
  });
}
