// The key schedule against RFC 8448 §3 (Simple 1-RTT Handshake), and the
// server's handling of the RFC 9001 Appendix A.2 ClientHello.
import { describe, expect, it, beforeAll } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { makePki, requireOpenssl, type Pki } from './pki.js';
import { config } from './driver.js';
import { decodeEvents } from '../../host/tls/wire.js';

const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// RFC 8448 §3: values from the simple 1-RTT trace
const ECDHE = '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d';
const HELLO_HASH = '860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8';
const EARLY = '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a';
const HANDSHAKE = '1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac';
const C_HS = 'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21';
const S_HS = 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38';
const MASTER = '18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919';

// RFC 9001 Appendix A.2: the client's CRYPTO frame (type 06, offset 0, length 0x0f1) holds this ClientHello
const A2_CLIENT_HELLO = h(`010000ed0303ebf8fa56f129 39b9584a3896472ec40bb863cfd3e868
04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578
616d706c652e636f6dff01000100000a 00080006001d00170018001000070005
04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba
baf4559fedba753de171fa71f50f1ce1 5d43e994ec74d748002b000302030400
0d0010000e0403050306030203080408 050806002d00020101001c0002400100
3900320408ffffffffffffffff050480 00ffff07048000ffff08011001048000
75300901100f088394c8f03e51570806 048000ffff`);

const hasOpenssl = requireOpenssl('RFC 9001 ClientHello test (server certificate made with openssl)');

for (const variant of VARIANTS) {
  describe(`key schedule and RFC vectors (${variant} build)`, async () => {
    const t = await loadTest<any>('tls', variant);

    it('reproduces the RFC 8448 §3 secrets', () => {
      const [early, chs, shs, hs, master] = t.keySchedule(false, h(ECDHE), h(HELLO_HASH));
      expect(hex(early)).toBe(EARLY);
      expect(hex(hs)).toBe(HANDSHAKE);
      expect(hex(chs)).toBe(C_HS);
      expect(hex(shs)).toBe(S_HS);
      expect(hex(master)).toBe(MASTER);
    });

    describe.runIf(hasOpenssl)('RFC 9001 A.2 ClientHello', () => {
      let pki: Pki;
      beforeAll(() => { pki = makePki(); });
      it('is accepted by our server: TLS_AES_128_GCM_SHA256, x25519, ALPN "alpn", its transport parameters', () => {
        const s = config(t, { server: true, certChainPem: pki.ecLeaf.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['alpn'],
          transportParams: h('0008ffffffffffffffff0f0401020304') });
        const conn = t.tlsConnNew(s, new Uint8Array(0));
        expect(t.tlsHandle(conn, 0, A2_CLIENT_HELLO, BigInt(Date.now()))).toBe(true);
        const evs = decodeEvents(t.tlsEvents(conn));
        expect(evs.find((e) => e.kind === 'error')).toBeUndefined();
        const sh = evs.find((e) => e.kind === 'data' && e.level === 0) as any;
        expect(sh.data[0]).toBe(2);
        expect(hex(sh.data.subarray(4 + 2 + 32 + 1, 4 + 2 + 32 + 1 + 2))).toBe('1301');
        const shExts = hex(sh.data);
        expect(shExts).toContain('00330024001d0020'); // key_share x25519
        const ee = evs.find((e) => e.kind === 'data' && e.level === 2) as any;
        expect(ee.data[0]).toBe(8);
        expect(Buffer.from(ee.data).toString('latin1')).toContain('alpn');
        expect(evs.filter((e) => e.kind === 'writeSecret').map((e: any) => e.level)).toEqual([2, 3]);
      });
    });
  });
}
