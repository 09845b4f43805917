import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const TOKEN_RETRY = 1n, TOKEN_NEW_TOKEN = 2n;
const RETRY_LIFE = 10_000n, NEW_LIFE = 86_400_000n, SKEW = 5_000n;
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const KEY2 = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
const NOW = 1_760_000_000_000n; // wall-clock ms

/** The host's address bytes: family u8 (4 or 6) | ip | port u16 big-endian. */
const v4 = (ip: number[], port: number) => Uint8Array.of(4, ...ip, port >> 8, port & 0xff);
const v6 = (ip: number[], port: number) => Uint8Array.of(6, ...ip, port >> 8, port & 0xff);
const ADDR = v4([192, 0, 2, 7], 4433);
const addrArb = fc.oneof(
  fc.tuple(fc.array(fc.nat(255), { minLength: 4, maxLength: 4 }), fc.nat(65535)).map(([ip, p]) => v4(ip, p)),
  fc.tuple(fc.array(fc.nat(255), { minLength: 16, maxLength: 16 }), fc.nat(65535)).map(([ip, p]) => v6(ip, p)),
);
const cidArb = fc.uint8Array({ maxLength: 20 });
const withPort = (a: Uint8Array, port: number) => { const b = a.slice(); b[b.length - 2] = port >> 8; b[b.length - 1] = port & 0xff; return b; };

for (const variant of VARIANTS) {
  describe(`QUIC address-validation tokens (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_cid', variant);
    const open = (token: Uint8Array, addr: Uint8Array, now: bigint, key = KEY) => {
      const [valid, kind, issued] = [...t.tkOpen(key, token, addr, now, RETRY_LIFE, NEW_LIFE)] as bigint[];
      return { valid: valid === 1n, kind, issued, reason: t.tkReason() as string };
    };

    it('Retry tokens round-trip the ODCID, the Retry SCID and the issue time (§8.1.2, fast-check)', () => {
      fc.assert(fc.property(addrArb, cidArb, cidArb, fc.bigInt({ min: 0n, max: (1n << 47n) }), fc.bigInt({ min: 0n, max: RETRY_LIFE }), (addr, odcid, scid, now, age) => {
        const tok: Uint8Array = t.tkSealRetry(KEY, now, addr, odcid, scid);
        expect(tok.length).toBe(37 + odcid.length + scid.length); // compact
        const r = open(tok, addr, now + age);
        expect(r).toMatchObject({ valid: true, kind: TOKEN_RETRY, issued: now, reason: '' });
        expect(t.tkOdcid()).toEqual(odcid);
        expect(t.tkScid()).toEqual(scid);
      }), { numRuns: 300 });
    });

    it('NEW_TOKEN tokens round-trip and are 35 bytes (§8.1.3, fast-check)', () => {
      fc.assert(fc.property(addrArb, fc.bigInt({ min: 0n, max: (1n << 47n) }), fc.bigInt({ min: 0n, max: NEW_LIFE }), (addr, now, age) => {
        const tok: Uint8Array = t.tkSealNew(KEY, now, addr);
        expect(tok.length).toBe(35);
        expect(open(tok, addr, now + age)).toMatchObject({ valid: true, kind: TOKEN_NEW_TOKEN, issued: now });
        expect(t.tkOdcid().length).toBe(0);
      }), { numRuns: 300 });
    });

    it('the kind is readable in the clear; nothing else is (§8.1.1, §8.1.3)', () => {
      const odcid = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4);
      const retry: Uint8Array = t.tkSealRetry(KEY, NOW, ADDR, odcid, odcid);
      const fresh: Uint8Array = t.tkSealNew(KEY, NOW, ADDR);
      expect(retry[0]).toBe(1);
      expect(fresh[0]).toBe(2);
      const has = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).includes(Buffer.from(needle));
      expect(has(retry, odcid.subarray(0, 4))).toBe(false);
      expect(has(retry, ADDR.subarray(1, 5))).toBe(false);
      expect(has(fresh, ADDR.subarray(1, 5))).toBe(false);
    });

    it('a fresh random nonce per token: the same inputs never give the same token (§8.1.3 unique NEW_TOKEN tokens)', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) seen.add(Buffer.from(t.tkSealNew(KEY, NOW, ADDR)).toString('hex'));
      expect(seen.size).toBe(200);
    });

    it('changing any bit of a token makes it invalid (§8.1.4 integrity, fast-check)', () => {
      const odcid = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), scid = Uint8Array.of(9, 10, 11, 12);
      const retry: Uint8Array = t.tkSealRetry(KEY, NOW, ADDR, odcid, scid);
      const fresh: Uint8Array = t.tkSealNew(KEY, NOW, ADDR);
      for (const tok of [retry, fresh]) {
        // every byte, one fixed bit
        for (let i = 0; i < tok.length; i++) {
          const bad = tok.slice();
          bad[i] ^= 0x01;
          expect(open(bad, ADDR, NOW).valid).toBe(false);
        }
      }
      fc.assert(fc.property(fc.boolean(), fc.nat(1000), fc.integer({ min: 1, max: 255 }), (isRetry, pos, x) => {
        const tok = isRetry ? retry : fresh;
        const bad = tok.slice();
        bad[pos % bad.length] ^= x;
        const before = bad.slice();
        expect(open(bad, ADDR, NOW).valid).toBe(false);
        expect(bad).toEqual(before); // the token bytes are never written
      }), { numRuns: 300 });
      // truncated or extended
      expect(open(retry.subarray(0, retry.length - 1), ADDR, NOW).valid).toBe(false);
      expect(open(Uint8Array.of(...fresh, 0), ADDR, NOW).valid).toBe(false);
      // the kind swapped: authenticated too
      const swapped = fresh.slice(); swapped[0] = 1;
      expect(open(swapped, ADDR, NOW).valid).toBe(false);
      // the original still opens
      expect(open(retry, ADDR, NOW).valid).toBe(true);
      expect(open(fresh, ADDR, NOW).valid).toBe(true);
    });

    it('binds the address: Retry tokens to IP and port, NEW_TOKEN tokens to the IP only (§8.1.4)', () => {
      const retry: Uint8Array = t.tkSealRetry(KEY, NOW, ADDR, Uint8Array.of(1), Uint8Array.of(2));
      const fresh: Uint8Array = t.tkSealNew(KEY, NOW, ADDR);
      const otherPort = withPort(ADDR, 4434);
      const otherIp = v4([192, 0, 2, 8], 4433);
      // "verify that the source IP address and port in client packets remain constant"
      expect(open(retry, otherPort, NOW)).toMatchObject({ valid: false, kind: TOKEN_RETRY });
      expect(open(retry, otherIp, NOW).valid).toBe(false);
      expect(open(retry, ADDR, NOW).valid).toBe(true);
      // "It is unlikely that the client port number is the same on two different connections"
      expect(open(fresh, otherPort, NOW).valid).toBe(true);
      expect(open(fresh, otherIp, NOW)).toMatchObject({ valid: false, kind: TOKEN_NEW_TOKEN });
      // IPv4 vs IPv6 with the same leading bytes
      const six = v6([192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 4433);
      expect(open(fresh, six, NOW).valid).toBe(false);
      fc.assert(fc.property(addrArb, addrArb, (a, b) => {
        const ra: Uint8Array = t.tkSealRetry(KEY, NOW, a, new Uint8Array(0), new Uint8Array(0));
        const na: Uint8Array = t.tkSealNew(KEY, NOW, a);
        const sameAll = Buffer.from(a).equals(Buffer.from(b));
        const sameIp = Buffer.from(a.subarray(0, a.length - 2)).equals(Buffer.from(b.subarray(0, b.length - 2)));
        expect(open(ra, b, NOW).valid).toBe(sameAll);
        expect(open(na, b, NOW).valid).toBe(sameIp);
        expect(open(na, withPort(a, 1), NOW).valid).toBe(true);
      }), { numRuns: 200 });
    });

    it('expires: Retry after its short lifetime, NEW_TOKEN after its long one; not from the future (§8.1.3, §8.1.4)', () => {
      const retry: Uint8Array = t.tkSealRetry(KEY, NOW, ADDR, Uint8Array.of(1), Uint8Array.of(2));
      const fresh: Uint8Array = t.tkSealNew(KEY, NOW, ADDR);
      expect(open(retry, ADDR, NOW + RETRY_LIFE).valid).toBe(true);
      expect(open(retry, ADDR, NOW + RETRY_LIFE + 1n)).toMatchObject({ valid: false, reason: 'token expired', issued: NOW });
      expect(open(fresh, ADDR, NOW + RETRY_LIFE + 1n).valid).toBe(true);
      expect(open(fresh, ADDR, NOW + NEW_LIFE).valid).toBe(true);
      expect(open(fresh, ADDR, NOW + NEW_LIFE + 1n).valid).toBe(false);
      // issued in the future: a little clock skew is tolerated, more is not
      expect(open(fresh, ADDR, NOW - SKEW).valid).toBe(true);
      expect(open(fresh, ADDR, NOW - SKEW - 1n)).toMatchObject({ valid: false, reason: 'token issued in the future' });
      expect(open(retry, ADDR, NOW - SKEW - 1n).valid).toBe(false);
      // lifetimes are parameters
      const [v] = [...t.tkOpen(KEY, retry, ADDR, NOW + 60_000n, 60_000n, NEW_LIFE)] as bigint[];
      expect(v).toBe(1n);
    });

    it('a token sealed under another key is invalid; switching keys back and forth works', () => {
      const a: Uint8Array = t.tkSealNew(KEY, NOW, ADDR);
      const b: Uint8Array = t.tkSealNew(KEY2, NOW, ADDR);
      expect(open(a, ADDR, NOW, KEY2).valid).toBe(false);
      expect(open(b, ADDR, NOW, KEY).valid).toBe(false);
      expect(open(a, ADDR, NOW, KEY).valid).toBe(true);
      expect(open(b, ADDR, NOW, KEY2).valid).toBe(true);
    });

    it('refuses to seal what it could not open: long CIDs, malformed addresses, a full buffer', () => {
      expect(t.tkSealRetry(KEY, NOW, ADDR, new Uint8Array(21), new Uint8Array(0))).toBeNull();
      expect(t.tkSealRetry(KEY, NOW, ADDR, new Uint8Array(0), new Uint8Array(21))).toBeNull();
      expect(t.tkSealRetry(KEY, NOW, ADDR, new Uint8Array(20), new Uint8Array(20))!.length).toBe(77);
      expect(t.tkSealNew(KEY, NOW, new Uint8Array(0))).toBeNull();
      expect(t.tkSealNew(KEY, NOW, Uint8Array.of(4, 1, 2, 3, 4, 0))).toBeNull(); // short
      expect(t.tkSealNew(KEY, NOW, Uint8Array.of(5, 1, 2, 3, 4, 0, 1))).toBeNull(); // family 5
      expect(t.tkSealNewFixed(KEY, NOW, ADDR, 34)).toBeNull();
      const fixed: Uint8Array = t.tkSealNewFixed(KEY, NOW, ADDR, 35);
      expect(open(fixed, ADDR, NOW).valid).toBe(true);
    });

    it('random bytes of any length are invalid and never trap, whatever the address bytes (fast-check)', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), fc.uint8Array({ maxLength: 24 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (junk, addr, now) => {
        const copy = junk.slice();
        const [v, kind] = [...t.tkOpen(KEY, junk, addr, now, RETRY_LIFE, NEW_LIFE)] as bigint[];
        expect(v).toBe(0n);
        expect(kind === 0n || kind === TOKEN_RETRY || kind === TOKEN_NEW_TOKEN).toBe(true);
        expect(t.tkOdcid().length).toBe(0);
        expect(junk).toEqual(copy);
      }), { numRuns: 1000 });
      // plausible-looking: right kind and length, random rest
      fc.assert(fc.property(fc.constantFrom(1, 2), fc.uint8Array({ minLength: 34, maxLength: 76 }), (kind, rest) => {
        expect(open(Uint8Array.of(kind, ...rest), ADDR, NOW).valid).toBe(false);
      }), { numRuns: 500 });
    });
  });
}
