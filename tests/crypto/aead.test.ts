import { describe, expect, it } from 'vitest';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { hex, toHex, rnd, DIFF_N } from './vectors.js';
import { GCM_CASES, CHACHA_AEAD, CHACHA_A5 } from './aead_vectors.js';

const ALGS = [
  { id: 1, name: 'aes-128-gcm', keyLen: 16 },
  { id: 2, name: 'aes-256-gcm', keyLen: 32 },
  { id: 3, name: 'chacha20-poly1305', keyLen: 32 },
] as const;

function nodeSeal(name: string, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): string {
  const c = createCipheriv(name as any, key, nonce, { authTagLength: 16 } as any) as any;
  c.setAAD(aad, { plaintextLength: pt.length });
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]).toString('hex');
}

function nodeOpen(name: string, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array): string | null {
  const n = ctTag.length - 16;
  const d = createDecipheriv(name as any, key, nonce, { authTagLength: 16 } as any) as any;
  d.setAAD(aad, { plaintextLength: n });
  d.setAuthTag(ctTag.subarray(n));
  try { return Buffer.concat([d.update(ctTag.subarray(0, n)), d.final()]).toString('hex'); } catch { return null; }
}

for (const variant of VARIANTS) {
  describe(`AEAD (${variant} build)`, async () => {
    const c = await loadTest<any>('crypto_sym', variant);

    for (const t of GCM_CASES) {
      it(`AES-GCM: McGrew-Viega test case ${t.tc} seals and opens`, () => {
        const alg = t.key.length === 32 ? 1 : 2;
        const out = c.testSeal(alg, hex(t.key), hex(t.iv), hex(t.aad), hex(t.pt));
        expect(toHex(out)).toBe(t.ct + t.tag);
        expect(toHex(c.testOpen(alg, hex(t.key), hex(t.iv), hex(t.aad), out))).toBe(t.pt);
      });
    }

    it('ChaCha20-Poly1305: RFC 8439 §2.8.2 seals and opens', () => {
      const A = CHACHA_AEAD;
      const out = c.testSeal(3, A.key, A.nonce, A.aad, A.pt);
      expect(toHex(out)).toBe(A.ct + A.tag);
      expect(toHex(c.testOpen(3, A.key, A.nonce, A.aad, out))).toBe(toHex(A.pt));
    });

    it('ChaCha20-Poly1305: RFC 8439 A.5 decrypts', () => {
      const X = CHACHA_A5;
      const pt = c.testOpen(3, X.key, X.nonce, X.aad, hex(X.ct + X.tag));
      expect(pt).not.toBeNull();
      expect(Buffer.from(pt).toString('latin1').startsWith(X.ptPrefix)).toBe(true);
      expect(toHex(pt)).toBe(nodeOpen('chacha20-poly1305', X.key, X.nonce, X.aad, hex(X.ct + X.tag)));
    });

    for (const a of ALGS) {
      it(`${a.name}: equals node:crypto on ${DIFF_N} random inputs, seal and open both directions`, () => {
        const n = variant === 'debug' ? DIFF_N / 10 : DIFF_N;
        for (let i = 0; i < n; i++) {
          const key = rnd(a.keyLen), nonce = rnd(12);
          const aad = rnd(i % 5 === 0 ? 0 : Math.floor(Math.random() * 40));
          const len = i < 70 ? i : i % 3 === 0 ? Math.floor(Math.random() * 1500) : Math.floor(Math.random() * 300);
          const pt = rnd(len);
          const ours = c.testSeal(a.id, key, nonce, aad, pt);
          const theirs = nodeSeal(a.name, key, nonce, aad, pt);
          expect(toHex(ours)).toBe(theirs);
          // Open what node sealed and what we sealed.
          expect(toHex(c.testOpen(a.id, key, nonce, aad, hex(theirs)))).toBe(toHex(pt));
          expect(nodeOpen(a.name, key, nonce, aad, ours)).toBe(toHex(pt));
        }
      });

      it(`${a.name}: rejects a tampered tag, ciphertext, AAD, nonce or key and leaves the data unchanged`, () => {
        for (let i = 0; i < 200; i++) {
          const key = rnd(a.keyLen), nonce = rnd(12), aad = rnd(1 + (i % 30)), pt = rnd(i * 7);
          const sealed: Uint8Array = c.testSeal(a.id, key, nonce, aad, pt);
          const flip = (b: Uint8Array) => { const x = b.slice(); const j = Math.floor(Math.random() * x.length); x[j] ^= 1 << (i % 8); return x; };
          // tag (last 16 bytes) or ciphertext: flip any byte
          expect(c.testOpen(a.id, key, nonce, aad, flip(sealed))).toBeNull();
          expect(c.testOpen(a.id, key, nonce, flip(aad), sealed)).toBeNull();
          expect(c.testOpen(a.id, key, flip(nonce), aad, sealed)).toBeNull();
          expect(c.testOpen(a.id, flip(key), nonce, aad, sealed)).toBeNull();
          // truncated (tag shifted)
          if (sealed.length > 16) expect(c.testOpen(a.id, key, nonce, aad, sealed.subarray(1))).toBeNull();
        }
      });
    }
  });
}
