// The public `h3-wasi/crypto` API through the shipped component (dist/engine).
import { describe, expect, it } from 'vitest';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import {
  sha256, sha384, hmacSha256, hkdfSha256, aeadSeal, aeadOpen, quicInitialSecrets, quicInitialKeys, quicPacketKeys,
  protectPacket, unprotectPacket, retryIntegrityTag, headerProtectionMask, QUIC_V1, QUIC_V2,
  type AeadAlgorithm,
} from '../../host/crypto/index.js';
import { benchInCore } from '../helpers/dev.mjs';
import { CryptoError, InvalidArgumentError } from '../../host/errors.js';
import { hex, toHex, rnd, ascii } from './vectors.js';
import { GCM_CASES, CHACHA_AEAD } from './aead_vectors.js';
import * as A from '../quic/rfc9001_vectors.js';

const ALGS: [AeadAlgorithm, number][] = [['aes-128-gcm', 16], ['aes-256-gcm', 32], ['chacha20-poly1305', 32]];
const DCID = hex('8394c8f03e515708');

function code(f: () => unknown): string | undefined {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(CryptoError); return (e as CryptoError).code; }
  return undefined;
}

describe('h3-wasi/crypto through the component', () => {
  it('hashes, MACs and derives like node:crypto (400 random inputs each) and leaves inputs unchanged', () => {
    expect(toHex(sha256(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (let i = 0; i < 400; i++) {
      const d = rnd(Math.floor(Math.random() * 500)), k = rnd(Math.floor(Math.random() * 100));
      const d0 = d.slice(), k0 = k.slice();
      expect(toHex(sha256(d))).toBe(createHash('sha256').update(d).digest('hex'));
      expect(toHex(sha384(d))).toBe(createHash('sha384').update(d).digest('hex'));
      expect(toHex(hmacSha256(k, d))).toBe(createHmac('sha256', k).update(d).digest('hex'));
      const L = Math.floor(Math.random() * 300);
      expect(toHex(hkdfSha256(d, k, k0, L))).toBe(Buffer.from(hkdfSync('sha256', d, k, k0, L)).toString('hex'));
      expect(d).toEqual(d0);
      expect(k).toEqual(k0);
    }
  });

  it('HKDF refuses more than 255 x 32 bytes with a typed error', () => {
    expect(hkdfSha256(rnd(8), rnd(8), rnd(8), 255 * 32)).toHaveLength(255 * 32);
    expect(code(() => hkdfSha256(rnd(8), rnd(8), rnd(8), 255 * 32 + 1))).toBe('H3W_ERR_CRYPTO_LENGTH');
    expect(code(() => hkdfSha256(rnd(8), rnd(8), rnd(8), -1))).toBe('H3W_ERR_CRYPTO_LENGTH');
  });

  it('seals and opens the GCM and RFC 8439 vectors', () => {
    for (const t of GCM_CASES) {
      const alg: AeadAlgorithm = t.key.length === 32 ? 'aes-128-gcm' : 'aes-256-gcm';
      const out = aeadSeal(alg, hex(t.key), hex(t.iv), hex(t.aad), hex(t.pt));
      expect(toHex(out)).toBe(t.ct + t.tag);
      expect(toHex(aeadOpen(alg, hex(t.key), hex(t.iv), hex(t.aad), out))).toBe(t.pt);
    }
    const C = CHACHA_AEAD;
    expect(toHex(aeadSeal('chacha20-poly1305', C.key, C.nonce, C.aad, C.pt))).toBe(C.ct + C.tag);
  });

  for (const [alg, keyLen] of ALGS) {
    it(`${alg}: equals node:crypto both ways on 400 random inputs; inputs unchanged; forgeries give null`, () => {
      for (let i = 0; i < 400; i++) {
        const key = rnd(keyLen), nonce = rnd(12), aad = rnd(i % 40), pt = rnd(i < 50 ? i : Math.floor(Math.random() * 1500));
        const pt0 = pt.slice();
        const sealed = aeadSeal(alg, key, nonce, aad, pt);
        expect(pt).toEqual(pt0);
        const c = createCipheriv(alg as any, key, nonce, { authTagLength: 16 } as any) as any;
        c.setAAD(aad, { plaintextLength: pt.length });
        const theirs = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
        expect(toHex(sealed)).toBe(theirs.toString('hex'));
        const sealed0 = sealed.slice();
        expect(toHex(aeadOpen(alg, key, nonce, aad, sealed))).toBe(toHex(pt));
        expect(sealed).toEqual(sealed0);
        const d = createDecipheriv(alg as any, key, nonce, { authTagLength: 16 } as any) as any;
        d.setAAD(aad, { plaintextLength: pt.length });
        d.setAuthTag(sealed.subarray(sealed.length - 16));
        expect(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]).toString('hex')).toBe(toHex(pt));
        const bad = sealed.slice(); bad[Math.floor(Math.random() * bad.length)] ^= 0x80;
        expect(aeadOpen(alg, key, nonce, aad, bad)).toBeNull();
      }
      expect(aeadOpen(alg, rnd(keyLen), rnd(12), new Uint8Array(0), rnd(15))).toBeNull();
    });

    it(`${alg}: wrong nonce and key sizes throw typed errors`, () => {
      for (const n of [0, 8, 11, 13, 16]) {
        expect(code(() => aeadSeal(alg, rnd(keyLen), rnd(n), rnd(3), rnd(10)))).toBe('H3W_ERR_CRYPTO_NONCE');
        expect(code(() => aeadOpen(alg, rnd(keyLen), rnd(n), rnd(3), rnd(30)))).toBe('H3W_ERR_CRYPTO_NONCE');
      }
      for (const k of [0, 15, 24, keyLen === 16 ? 32 : 16, 33]) {
        expect(code(() => aeadSeal(alg, rnd(k), rnd(12), rnd(3), rnd(10)))).toBe('H3W_ERR_CRYPTO_KEY');
      }
    });
  }

  it('rejects an unknown algorithm and non-bytes input', () => {
    expect(code(() => aeadSeal('aes-128-ccm' as any, rnd(16), rnd(12), rnd(0), rnd(0)))).toBe('H3W_ERR_CRYPTO_ALG');
    expect(() => sha256('abc' as any)).toThrow(InvalidArgumentError);
  });

  it('QUIC: RFC 9001 A.1 keys, A.2/A.3 Initials, A.4 Retry and A.5 ChaCha20 short header', () => {
    const { client, server } = quicInitialKeys(QUIC_V1, DCID);
    expect(toHex(client.key)).toBe('1f369613dd76d5467730efcbe3b1a22d');
    expect(toHex(client.iv)).toBe('fa044b2f42a3fd3b46fb255c');
    expect(toHex(client.hp)).toBe('9f50449e04a0e810283a1e9933adedd2');
    expect(toHex(server.key)).toBe('cf3a5331653c364c88f0f379b6067e37');
    expect(toHex(server.iv)).toBe('0ac1493ca1905853b0bba03e');
    expect(toHex(server.hp)).toBe('c206b8d9b9f0f37644430b490eeaa314');

    const payload = new Uint8Array(1162); payload.set(hex(A.A2_CLIENT_CRYPTO));
    const pkt = Uint8Array.from([...hex(A.A2_CLIENT_HEADER), ...payload]);
    const cp = { alg: 'aes-128-gcm' as const, version: QUIC_V1, secret: client.secret };
    expect(toHex(protectPacket(cp, pkt, 18, 2n))).toBe(A.A2_CLIENT_PACKET);
    const back = unprotectPacket(cp, hex(A.A2_CLIENT_PACKET), 18);
    expect(back?.packetNumber).toBe(2n);
    expect(toHex(back!.header)).toBe(A.A2_CLIENT_HEADER);
    expect(toHex(back!.payload)).toBe(toHex(payload));

    const sp = { alg: 'aes-128-gcm' as const, version: QUIC_V1, secret: server.secret };
    expect(toHex(protectPacket(sp, hex(A.A3_SERVER_HEADER + A.A3_SERVER_PAYLOAD), 18, 1n))).toBe(A.A3_SERVER_PACKET);
    expect(unprotectPacket(cp, hex(A.A3_SERVER_PACKET), 18)).toBeNull();

    const retry = hex(A.A4_RETRY);
    expect(toHex(retryIntegrityTag(QUIC_V1, DCID, retry.subarray(0, retry.length - 16)))).toBe(A.A4_RETRY.slice(-32));

    const secret = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');
    const k = quicPacketKeys('chacha20-poly1305', QUIC_V1, secret);
    expect(toHex(k.key)).toBe('c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8');
    expect(toHex(k.iv)).toBe('e0459b3474bdd0e44a41c144');
    expect(toHex(k.hp)).toBe('25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4');
    expect(toHex(k.nextSecret)).toBe('1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9');
    const p5 = { alg: 'chacha20-poly1305' as const, version: QUIC_V1, secret };
    expect(toHex(protectPacket(p5, hex('4200bff401'), 1, 654360564n))).toBe(A.A5_PACKET);
    expect(unprotectPacket(p5, hex(A.A5_PACKET), 1, 654360563n)?.packetNumber).toBe(654360564n);
    expect(toHex(headerProtectionMask('chacha20-poly1305', k.hp, hex('5e5cd55c41f69080575d7999c25a5bfb')))).toBe('aefefe7d03');
  });

  it('QUIC: key updates chain through nextSecret; v2 keys differ from v1', () => {
    const secret = rnd(32);
    const k0 = quicPacketKeys('aes-128-gcm', QUIC_V1, secret);
    const k1 = quicPacketKeys('aes-128-gcm', QUIC_V1, k0.nextSecret);
    const pkt = hex('43' + '00'.repeat(8) + '00000009' + '01'.repeat(30));
    const viaUpdate = protectPacket({ alg: 'aes-128-gcm', version: QUIC_V1, secret, keyUpdates: 1 }, pkt, 9, 9n);
    // Same key and IV as a fresh secret k1, but the header protection key stays k0's (RFC 9001 §6.1).
    const unp = unprotectPacket({ alg: 'aes-128-gcm', version: QUIC_V1, secret, keyUpdates: 1 }, viaUpdate, 9, 8n);
    expect(toHex(unp!.payload)).toBe('01'.repeat(30));
    expect(unprotectPacket({ alg: 'aes-128-gcm', version: QUIC_V1, secret }, viaUpdate, 9, 8n)).toBeNull();
    expect(toHex(k1.hp)).not.toBe(toHex(k0.hp));
    const v2 = quicInitialSecrets(QUIC_V2, DCID);
    expect(toHex(v2.client)).toBe('14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b');
    expect(toHex(quicPacketKeys('aes-128-gcm', QUIC_V2, v2.client).key)).toBe('8b1a0bc121284290a29e0971b5cd045d');
  });

  it('QUIC: typed errors for bad versions, secrets and packets; garbage never traps', () => {
    expect(code(() => quicInitialSecrets(0xff00001d, DCID))).toBe('H3W_ERR_CRYPTO_VERSION');
    expect(code(() => quicPacketKeys('aes-256-gcm', QUIC_V1, rnd(32)))).toBe('H3W_ERR_CRYPTO_KEY');
    const p = { alg: 'aes-128-gcm' as const, version: QUIC_V1, secret: rnd(32) };
    expect(code(() => protectPacket(p, hex('4000'), 1, 0n))).toBe('H3W_ERR_CRYPTO_INPUT');
    expect(code(() => protectPacket(p, hex('40'), 5, 0n))).toBe('H3W_ERR_CRYPTO_INPUT');
    expect(code(() => unprotectPacket(p, rnd(10), 1))).toBe('H3W_ERR_CRYPTO_INPUT');
    for (let len = 21; len < 300; len += 7) expect(unprotectPacket(p, rnd(len), len % 21)).toBeNull();
    expect(code(() => headerProtectionMask('aes-128-gcm', rnd(16), rnd(15)))).toBe('H3W_ERR_CRYPTO_INPUT');
    // The component still works after all of that.
    expect(toHex(sha256(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('bench hooks run inside the core', () => {
    for (const [alg] of ALGS) {
      expect(benchInCore.unprotect(alg, 5, 1200)).toBe(5);
      expect(typeof benchInCore.protect(alg, 5, 1200)).toBe('number');
      expect(typeof benchInCore.headerMask(alg, 5)).toBe('number');
    }
  });
});
