// The key schedule against RFC 8448 §3 (Simple 1-RTT Handshake), and the
// server's handling of the RFC 9001 Appendix A.2 ClientHello.
import { describe, expect, it, beforeAll } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { makePki, requireOpenssl, type Pki } from './pki.js';
import { config } from './driver.js';
import { decodeEvents } from '../../host/tls/wire.js';
import { hex, toHex } from '../helpers/hex.js';
import * as A from '../quic/rfc9001_vectors.js';

// RFC 8448 §3: values from the simple 1-RTT trace
const ECDHE = '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d';
const HELLO_HASH = '860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8';
const EARLY = '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a';
const HANDSHAKE = '1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac';
const C_HS = 'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21';
const S_HS = 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38';
const MASTER = '18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919';

// RFC 9001 Appendix A.2: the ClientHello in the client's CRYPTO frame
const A2_CLIENT_HELLO = hex(A.A2_CLIENT_HELLO);

const hasOpenssl = requireOpenssl('RFC 9001 ClientHello test (server certificate made with openssl)');

for (const variant of VARIANTS) {
  describe(`key schedule and RFC vectors (${variant} build)`, async () => {
    const t = await loadTest<any>('tls', variant);

    it('reproduces the RFC 8448 §3 secrets', () => {
      const [early, chs, shs, hs, master] = t.keySchedule(false, hex(ECDHE), hex(HELLO_HASH));
      expect(toHex(early)).toBe(EARLY);
      expect(toHex(hs)).toBe(HANDSHAKE);
      expect(toHex(chs)).toBe(C_HS);
      expect(toHex(shs)).toBe(S_HS);
      expect(toHex(master)).toBe(MASTER);
    });

    describe.runIf(hasOpenssl)('RFC 9001 A.2 ClientHello', () => {
      let pki: Pki;
      beforeAll(() => { pki = makePki(); });
      it('is accepted by our server: TLS_AES_128_GCM_SHA256, x25519, ALPN "alpn", its transport parameters', () => {
        const s = config(t, { server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['alpn'],
          transportParams: hex('0008ffffffffffffffff0f0401020304') });
        const conn = t.tlsConnNew(s, new Uint8Array(0));
        expect(t.tlsHandle(conn, 0, A2_CLIENT_HELLO, BigInt(Date.now()))).toBe(true);
        const evs = decodeEvents(t.tlsEvents(conn));
        expect(evs.find((e) => e.kind === 'error')).toBeUndefined();
        const sh = evs.find((e) => e.kind === 'data' && e.level === 0) as any;
        expect(sh.data[0]).toBe(2);
        expect(toHex(sh.data.subarray(4 + 2 + 32 + 1, 4 + 2 + 32 + 1 + 2))).toBe('1301');
        const shExts = toHex(sh.data);
        expect(shExts).toContain('00330024001d0020'); // key_share x25519
        const ee = evs.find((e) => e.kind === 'data' && e.level === 2) as any;
        expect(ee.data[0]).toBe(8);
        expect(Buffer.from(ee.data).toString('latin1')).toContain('alpn');
        expect(evs.filter((e) => e.kind === 'writeSecret').map((e: any) => e.level)).toEqual([2, 3]);
      });
    });
  });
}
