import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { loadTest, VARIANTS } from '../helpers/as.js';

/** RFC 9000 §10.3.2: HMAC(static_key, connection_id) truncated to 16 bytes. */
const refToken = (key: Uint8Array, cid: Uint8Array) => new Uint8Array(createHmac('sha256', key).update(cid).digest().subarray(0, 16));

/**
 * The reset length written from RFC 9000 §10.3 / §10.3.3: nothing for a trigger
 * of 21 bytes or less (a reset MUST be smaller than its trigger and is at least
 * 21 bytes); one byte shorter than triggers of up to 43 bytes; otherwise
 * between 43 and min(trigger - 1, 200); never above the buffer.
 */
function refLength(trigger: number, cap: number, r: bigint): number {
  if (trigger <= 21) return 0;
  let len: number;
  if (trigger <= 43) len = trigger - 1;
  else {
    const hi = Math.min(trigger - 1, 200);
    len = hi <= 43 ? hi : 43 + Number(r % BigInt(hi - 43 + 1));
  }
  len = Math.min(len, cap);
  return len < 21 ? 0 : len;
}

for (const variant of VARIANTS) {
  describe(`QUIC stateless reset (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_cid', variant);

    it('the token is HMAC-SHA256(static key, CID) truncated to 16 bytes (§10.3.2, fast-check)', () => {
      fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.uint8Array({ maxLength: 20 }), (key, cid) => {
        expect(t.srToken(key, cid)).toEqual(refToken(key, cid));
      }), { numRuns: 200 });
      // different CIDs, different tokens (§10.3.2 "MUST NOT be used for multiple connection IDs")
      const key = new Uint8Array(32).fill(7);
      expect(t.srToken(key, Uint8Array.of(1, 2, 3))).not.toEqual(t.srToken(key, Uint8Array.of(1, 2, 4)));
    });

    it('chooses the reset length by the §10.3 / §10.3.3 rules (fast-check over triggers, buffers and random draws)', () => {
      fc.assert(fc.property(fc.nat(3000), fc.nat(1600), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (trigger, cap, r) => {
        const n = Number(t.srLength(trigger, cap, r));
        expect(n).toBe(refLength(trigger, cap, r));
        if (n !== 0) {
          expect(n).toBeLessThan(trigger); // §10.3.3 MUST be smaller than the trigger
          expect(n).toBeGreaterThanOrEqual(21); // §10.3: 5 bytes + the token
          expect(n).toBeLessThanOrEqual(cap);
        }
      }), { numRuns: 2000 });
    });

    it('answers the §10.3 boundary cases exactly', () => {
      const r = 12345n;
      expect(t.srLength(0, 1500, r)).toBe(0);
      expect(t.srLength(20, 1500, r)).toBe(0);
      expect(t.srLength(21, 1500, r)).toBe(0); // a minimal reset cannot be answered: that stops loops (§10.3.3)
      expect(t.srLength(22, 1500, r)).toBe(21);
      expect(t.srLength(41, 1500, r)).toBe(40);
      expect(t.srLength(43, 1500, r)).toBe(42); // "43 bytes or shorter SHOULD send ... one byte shorter"
      expect(t.srLength(44, 1500, r)).toBe(43);
      expect(t.srLength(1200, 20, r)).toBe(0); // no room
      expect(t.srLength(1200, 30, r)).toBe(30);
      // longer triggers: the length varies (unpredictable) within [43, 200]
      const seen = new Set<number>();
      for (let i = 0n; i < 200n; i++) seen.add(t.srLength(1200, 1500, i * 7919n));
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(43);
      expect(Math.max(...seen)).toBeLessThanOrEqual(200);
      expect(seen.size).toBeGreaterThan(50);
    });

    it('builds a short-header-form datagram ending in the token, within the buffer (fast-check)', () => {
      fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(1500), fc.nat(1500), (token, trigger, cap) => {
        const d: Uint8Array = t.srBuild(token, trigger, cap);
        const want = refLength(trigger, cap, 0n);
        if (want === 0) { expect(d.length).toBe(0); return; }
        if (trigger <= 43) expect(d.length).toBe(want);
        else {
          expect(d.length).toBeGreaterThanOrEqual(Math.min(43, cap));
          expect(d.length).toBeLessThanOrEqual(Math.min(trigger - 1, 200, cap));
        }
        expect(d[0] & 0xc0).toBe(0x40); // §10.3: Header Form 0, Fixed Bit 1 (§17.3.1)
        expect(d.subarray(d.length - 16)).toEqual(token);
        expect(t.srCould(d)).toBe(true);
      }), { numRuns: 500 });
    });

    it('fills the unpredictable bits with random bytes', () => {
      const token = new Uint8Array(16).fill(0xaa);
      const a: Uint8Array = t.srBuild(token, 43, 1500), b: Uint8Array = t.srBuild(token, 43, 1500);
      expect(a.length).toBe(42);
      expect(a.subarray(0, 26)).not.toEqual(b.subarray(0, 26));
      const low6 = new Set<number>();
      for (let i = 0; i < 200; i++) low6.add(t.srBuild(token, 30, 1500)[0] & 0x3f);
      expect(low6.size).toBeGreaterThan(30); // the six low bits of the first byte are random too
    });

    it('pre-checks only the length: 21 bytes or more, whatever the header form (§10.3)', () => {
      expect(t.srCould(new Uint8Array(0))).toBe(false);
      expect(t.srCould(new Uint8Array(20).fill(0x40))).toBe(false);
      expect(t.srCould(new Uint8Array(21).fill(0x40))).toBe(true);
      // §10.3 "MUST treat any packet ending in a valid stateless reset token as a Stateless Reset" — long header too
      expect(t.srCould(new Uint8Array(21).fill(0xc0))).toBe(true);
      expect(t.srCould(new Uint8Array(1500))).toBe(true);
    });
  });
}
