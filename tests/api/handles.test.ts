// assembly/api/handles.ts: one generational handle table for every interface.
// A stale or double-freed handle is refused and never reaches the object that
// took its slot since (the TlsConnection double-close bug, reproduced first).
import { describe, expect, it } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';

for (const variant of VARIANTS) {
  describe(`handle table (${variant})`, () => {
    it('a handle freed twice after its slot was reused does not free the new object', async () => {
      const t = await loadTest('api', variant);
      const a = t.add(1);
      expect(t.get(a)).toBe(1);
      expect(t.remove(a)).toBe(1);
      const b = t.add(2); // takes a's slot
      expect(b & 0xffff).toBe(a & 0xffff);
      expect(b).not.toBe(a);
      expect(t.remove(a)).toBe(-1); // the second close of the old object
      expect(t.get(a)).toBe(-1);
      expect(t.get(b)).toBe(2); // the new object is untouched
      expect(t.size()).toBe(1);
      expect(t.remove(b)).toBe(2);
      expect(t.size()).toBe(0);
    });

    it('refuses 0, out-of-range and forged handles', async () => {
      const t = await loadTest('api', variant);
      const a = t.add(7);
      for (const h of [0, 0xffff, 0xffffffff, (a + 1) >>> 0, (a ^ 0x10000) >>> 0]) {
        expect(t.get(h)).toBe(-1);
        expect(t.remove(h)).toBe(-1);
      }
      expect(t.get(a)).toBe(7);
    });

    it('holds MAX_HANDLES objects, then refuses with 0; every handle stays distinct across reuse', async () => {
      const t = await loadTest('api', variant);
      const max = t.maxHandles();
      const hs: number[] = [];
      for (let i = 0; i < max; i++) hs.push(t.add(i) >>> 0);
      expect(t.add(-1)).toBe(0);
      expect(new Set(hs).size).toBe(max);
      const seen = new Set<number>([hs[5]]);
      let h = hs[5];
      for (let i = 0; i < 1000; i++) {
        expect(t.remove(h)).not.toBe(-1);
        h = t.add(i) >>> 0;
        expect(seen.has(h)).toBe(false);
        seen.add(h);
      }
    });
  });
}
