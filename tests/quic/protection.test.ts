import { describe, expect, it } from 'vitest';
import { createCipheriv, createHmac } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { hex, toHex, rnd } from '../crypto/vectors.js';
import * as A from './rfc9001_vectors.js';

const V1 = 0x00000001, V2 = 0x6b3343cf;
const DCID = hex('8394c8f03e515708');

// ---- a JS reference of RFC 9001 §5 on node:crypto ----
function expandLabel(hash: string, secret: Uint8Array, label: string, len: number): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.concat([Buffer.from([len >> 8, len & 0xff, full.length]), full, Buffer.from([0])]);
  let t = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (let i = 1; Buffer.concat(out).length < len; i++) {
    t = createHmac(hash, secret).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, len);
}
const ALGS = [{ id: 1, name: 'aes-128-gcm', keyLen: 16, hash: 'sha256', secretLen: 32 },
  { id: 2, name: 'aes-256-gcm', keyLen: 32, hash: 'sha384', secretLen: 48 },
  { id: 3, name: 'chacha20-poly1305', keyLen: 32, hash: 'sha256', secretLen: 32 }];

function refKeys(alg: typeof ALGS[number], version: number, secret: Uint8Array, updates: number) {
  const p = version === V2 ? 'quicv2 ' : 'quic ';
  const hp = expandLabel(alg.hash, secret, p + 'hp', alg.keyLen);
  let s = Buffer.from(secret);
  for (let i = 0; i < updates; i++) s = expandLabel(alg.hash, s, p + 'ku', alg.secretLen);
  return { key: expandLabel(alg.hash, s, p + 'key', alg.keyLen), iv: expandLabel(alg.hash, s, p + 'iv', 12), hp };
}

function refProtect(alg: typeof ALGS[number], version: number, secret: Uint8Array, updates: number, header: Uint8Array, pnOffset: number, payload: Uint8Array, pn: bigint): string {
  const { key, iv, hp } = refKeys(alg, version, secret, updates);
  const nonce = Buffer.from(iv);
  const pnb = Buffer.alloc(8); pnb.writeBigUInt64BE(pn);
  for (let i = 0; i < 8; i++) nonce[4 + i] ^= pnb[i];
  const c = createCipheriv(alg.name as any, key, nonce, { authTagLength: 16 } as any) as any;
  c.setAAD(header, { plaintextLength: payload.length });
  const pkt = Buffer.concat([header, c.update(payload), c.final(), c.getAuthTag()]);
  const sample = pkt.subarray(pnOffset + 4, pnOffset + 20);
  const mask = alg.id === 3 ? createCipheriv('chacha20', hp, sample).update(Buffer.alloc(5))
    : createCipheriv(alg.keyLen === 16 ? 'aes-128-ecb' : 'aes-256-ecb', hp, null).setAutoPadding(false).update(sample);
  pkt[0] ^= mask[0] & (pkt[0] & 0x80 ? 0x0f : 0x1f);
  for (let i = 0; i < header.length - pnOffset; i++) pkt[pnOffset + i] ^= mask[1 + i];
  return pkt.toString('hex');
}

/** RFC 9000 Appendix A.3 in BigInt. */
function refDecodePn(largest: bigint, truncated: bigint, nbits: number): bigint {
  const expected = largest + 1n, win = 1n << BigInt(nbits), hwin = win / 2n, mask = win - 1n;
  const cand = (expected & ~mask) | truncated;
  if (cand <= expected - hwin && cand < (1n << 62n) - win) return cand + win;
  if (cand > expected + hwin && cand >= win) return cand - win;
  return cand;
}

function randomHeader(pnLen: number, pn: bigint, long: boolean): { header: Uint8Array; pnOffset: number } {
  const pnBytes = Buffer.alloc(8); pnBytes.writeBigUInt64BE(pn);
  const truncated = pnBytes.subarray(8 - pnLen);
  let pre: Buffer;
  if (long) {
    const dcid = rnd(Math.floor(Math.random() * 21)), scid = rnd(Math.floor(Math.random() * 21));
    pre = Buffer.concat([Buffer.from([0xc0 | (Math.floor(Math.random() * 3) << 4) | (pnLen - 1)]), Buffer.from(rnd(4)),
      Buffer.from([dcid.length]), dcid, Buffer.from([scid.length]), scid, Buffer.from([0x44, 0x9e])]);
  } else {
    pre = Buffer.concat([Buffer.from([0x40 | (Math.random() < 0.5 ? 0x04 : 0) | (Math.floor(Math.random() * 4) << 3) | (pnLen - 1)]), Buffer.from(rnd(Math.floor(Math.random() * 21)))]);
  }
  return { header: Uint8Array.from(Buffer.concat([pre, truncated])), pnOffset: pre.length };
}

for (const variant of VARIANTS) {
  describe(`QUIC packet protection (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    it('derives the RFC 9001 A.1 initial secrets', () => {
      const s = c.testInitialSecrets(V1, DCID);
      expect(toHex(s.subarray(0, 32))).toBe('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
      expect(toHex(s.subarray(32))).toBe('3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b');
      expect(c.testInitialSecrets(0xff00001d, DCID)).toBeNull();
    });

    it('derives the RFC 9369 A.1 (QUIC v2) initial secrets', () => {
      const s = c.testInitialSecrets(V2, DCID);
      expect(toHex(s.subarray(0, 32))).toBe('14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b');
      expect(toHex(s.subarray(32))).toBe('0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1');
    });

    it('protects the RFC 9001 A.2 client Initial byte for byte and unprotects it', () => {
      const payload = new Uint8Array(1162);
      payload.set(hex(A.A2_CLIENT_CRYPTO));
      const out = c.testProtectInitial(V1, DCID, true, hex(A.A2_CLIENT_HEADER), 18, payload, 2n);
      expect(toHex(out)).toBe(A.A2_CLIENT_PACKET);
      const back = c.testUnprotectInitial(V1, DCID, true, hex(A.A2_CLIENT_PACKET), 18, -1n);
      expect(c.lastPn.value).toBe(2n);
      expect(toHex(back)).toBe(A.A2_CLIENT_HEADER + toHex(payload));
    });

    it('protects the RFC 9001 A.3 server Initial byte for byte and unprotects it', () => {
      const payload = hex(A.A3_SERVER_PAYLOAD);
      const out = c.testProtectInitial(V1, DCID, false, hex(A.A3_SERVER_HEADER), 18, payload, 1n);
      expect(toHex(out)).toBe(A.A3_SERVER_PACKET);
      const back = c.testUnprotectInitial(V1, DCID, false, hex(A.A3_SERVER_PACKET), 18, 0n);
      expect(c.lastPn.value).toBe(1n);
      expect(toHex(back)).toBe(A.A3_SERVER_HEADER + A.A3_SERVER_PAYLOAD);
      // The client's keys do not open the server's packet.
      expect(c.testUnprotectInitial(V1, DCID, true, hex(A.A3_SERVER_PACKET), 18, 0n)).toBeNull();
      expect(c.lastPn.value).toBe(-2n);
    });

    it('computes and verifies the RFC 9001 A.4 Retry integrity tag', () => {
      const retry = hex(A.A4_RETRY);
      expect(toHex(c.testRetryTag(V1, DCID, retry.subarray(0, retry.length - 16)))).toBe(A.A4_RETRY.slice(-32));
      expect(c.testVerifyRetry(V1, DCID, retry)).toBe(true);
      const bad = retry.slice(); bad[bad.length - 1] ^= 1;
      expect(c.testVerifyRetry(V1, DCID, bad)).toBe(false);
      expect(c.testVerifyRetry(V1, hex('8394c8f03e515709'), retry)).toBe(false);
      expect(c.testVerifyRetry(V2, DCID, retry)).toBe(false);
      expect(c.testVerifyRetry(V1, DCID, retry.subarray(0, 10))).toBe(false);
    });

    it('protects the RFC 9001 A.5 ChaCha20-Poly1305 short header packet and unprotects it', () => {
      const secret = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');
      const out = c.testProtect(3, V1, secret, 0, hex('4200bff4'), 1, hex('01'), 654360564n);
      expect(toHex(out)).toBe(A.A5_PACKET);
      const back = c.testUnprotect(3, V1, secret, 0, hex(A.A5_PACKET), 1, 654360563n);
      expect(c.lastPn.value).toBe(654360564n);
      expect(toHex(back)).toBe('4200bff401');
    });

    it('matches RFC 9369 Appendix A (QUIC v2): server Initial, Retry, ChaCha20 short header', () => {
      // A.3: the v1 server payload under v2 keys; the v2 Initial type bits are 0b01.
      const out = c.testProtectInitial(V2, DCID, false, hex('d16b3343cf0008f067a5502a4262b50040750001'), 18, hex(A.A3_SERVER_PAYLOAD), 1n);
      expect(toHex(out)).toBe('dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca84bed8521e2e140');
      // A.4: Retry.
      const retry = hex('cf6b3343cf0008f067a5502a4262b5746f6b656e');
      expect(toHex(c.testRetryTag(V2, DCID, retry))).toBe('c8646ce8bfe33952d955543665dcc7b6');
      // A.5: the RFC 9001 A.5 secret with v2 labels.
      const secret = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');
      expect(toHex(c.testProtect(3, V2, secret, 0, hex('4200bff4'), 1, hex('01'), 654360564n))).toBe('5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba');
    });

    it('decodes packet numbers per RFC 9000 A.3 (the example and 20,000 random cases)', () => {
      expect(c.testDecodePn(0xa82f30ean, 0x9b32n, 16)).toBe(0xa82f9b32n);
      for (let i = 0; i < 20000; i++) {
        const nbits = 8 * (1 + (i % 4));
        const largest = i % 7 === 0 ? -1n : BigInt(Math.floor(Math.random() * 2 ** 40)) * (i % 5 === 0 ? 4096n : 1n);
        const truncated = BigInt(Math.floor(Math.random() * 2 ** nbits));
        expect(c.testDecodePn(largest, truncated, nbits)).toBe(refDecodePn(largest, truncated, nbits));
      }
      // The sender's choice of length (A.2) always decodes back.
      for (let i = 0; i < 5000; i++) {
        const acked = i % 9 === 0 ? -1n : BigInt(Math.floor(Math.random() * 2 ** 32));
        const full = (acked < 0n ? 0n : acked) + 1n + BigInt(Math.floor(Math.random() * (i % 2 ? 2 ** 20 : 200)));
        const n = c.testPnLength(full, acked);
        const trunc = full & ((1n << BigInt(8 * n)) - 1n);
        // The receiver's largest may be anything between acked and full-1.
        expect(refDecodePn(full - 1n, trunc, 8 * n)).toBe(full);
        expect(refDecodePn(acked, trunc, 8 * n)).toBe(full);
      }
    });

    for (const alg of ALGS) {
      for (const version of [V1, V2]) {
        it(`${alg.name} v${version === V1 ? 1 : 2}: random long/short packets and key phases equal the node:crypto reference and round-trip`, () => {
          const n = variant === 'debug' ? 300 : 1500;
          for (let i = 0; i < n; i++) {
            const secret = rnd(alg.secretLen);
            const updates = i % 4;
            const pnLen = 1 + (i % 4);
            const pn = BigInt(Math.floor(Math.random() * 2 ** (i % 3 === 0 ? 20 : 40)));
            const { header, pnOffset } = randomHeader(pnLen, pn, i % 2 === 0);
            const payload = rnd(Math.max(4 - pnLen, Math.floor(Math.random() * (i % 5 === 0 ? 1400 : 100))));
            const ours = c.testProtect(alg.id, version, secret, updates, header, pnOffset, payload, pn);
            const want = refProtect(alg, version, secret, updates, header, pnOffset, payload, pn);
            expect(toHex(ours)).toBe(want);
            const back = c.testUnprotect(alg.id, version, secret, updates, ours, pnOffset, pn - 1n);
            expect(c.lastPn.value).toBe(pn);
            expect(toHex(back)).toBe(toHex(header) + toHex(payload));
            // Tampering anywhere after the header protection fails authentication, never traps.
            const bad = ours.slice(); bad[pnOffset + pnLen + Math.floor(Math.random() * (bad.length - pnOffset - pnLen))] ^= 0x20;
            expect(c.testUnprotect(alg.id, version, secret, updates, bad, pnOffset, pn - 1n)).toBeNull();
          }
        });
      }

      it(`${alg.name}: a receiver opens a next-key-phase packet with setNextOf/clone (RFC 9001 §6)`, () => {
        for (let i = 0; i < 50; i++) {
          const secret = rnd(alg.secretLen);
          const { header, pnOffset } = randomHeader(2, BigInt(i), false);
          const payload = rnd(20 + i);
          const pkt = c.testProtect(alg.id, V1, secret, 1, header, pnOffset, payload, BigInt(i));
          expect(toHex(c.testKeyUpdateReceive(alg.id, V1, secret, pkt, pnOffset))).toBe(toHex(payload));
        }
      });
    }

    it('refuses packets too short to sample, without trapping', () => {
      const secret = rnd(32);
      // pnLen + payload < 4: protect refuses.
      expect(c.testProtect(1, V1, secret, 0, hex('4000'), 1, hex('0102'), 0n)).toBeNull();
      // Unprotect: fewer than pnOffset + 4 + 16 bytes.
      for (let len = 0; len < 21; len++) {
        expect(c.testUnprotect(1, V1, secret, 0, rnd(len), 1, 0n)).toBeNull();
        expect(c.lastPn.value).toBe(-1n);
      }
      // pnOffset beyond the packet.
      expect(c.testUnprotect(1, V1, secret, 0, rnd(30), 40, 0n)).toBeNull();
      // Random garbage of every length: no trap, authentication fails.
      for (let len = 21; len < 200; len++) expect(c.testUnprotect(3, V1, secret, 0, rnd(len), 1 + (len % 20), 5n)).toBeNull();
    });
  });
}
