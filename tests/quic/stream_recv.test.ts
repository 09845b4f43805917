import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

const FLOW_CONTROL_ERROR = 0x03n, FINAL_SIZE_ERROR = 0x06n, FRAME_ENCODING_ERROR = 0x07n, PROTOCOL_VIOLATION = 0x0an;
// RecvState
const SIZE_KNOWN = 1n, DATA_RECVD = 2n, DATA_READ = 3n, RESET_RECVD = 4n, RESET_READ = 5n;
const info = (t: any, h: number) => {
  const [state, readOffset, maxReceived, finalSize, finalKnown, ranges, hasBuffer, readable, resetCode] = [...t.recvInfo(h)] as bigint[];
  return { state, readOffset, maxReceived, finalSize, finalKnown, ranges, hasBuffer, readable, resetCode };
};

/** A stream's bytes cut into pieces, with duplicates of random sub-ranges, in random order. */
const fragments = fc.uint8Array({ minLength: 0, maxLength: 600 }).chain((data) =>
  fc.tuple(
    fc.constant(data),
    fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, data.length - 1) }), { maxLength: 40 }),
    fc.array(fc.tuple(fc.nat(data.length), fc.nat(64)), { maxLength: 20 }),
    fc.array(fc.nat(200), { maxLength: 30 }),
  ).chain(([d, cuts, dups, reads]) => {
    const points = [0, ...cuts.filter((c) => c < d.length).sort((a, b) => a - b), d.length];
    const pieces: [number, number][] = [];
    for (let i = 0; i + 1 < points.length; i++) pieces.push([points[i], points[i + 1]]);
    if (pieces.length === 0) pieces.push([0, 0]);
    for (const [s, l] of dups) pieces.push([s, Math.min(d.length, s + l)]);
    return fc.tuple(fc.constant(d), fc.shuffledSubarray(pieces, { minLength: pieces.length, maxLength: pieces.length }), fc.constant(reads));
  }));

for (const variant of VARIANTS) {
  describe(`QUIC stream receive side (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_streams', variant);

    it('reassembles random fragmentation, duplication and reordering exactly (fast-check)', () => {
      fc.assert(fc.property(fragments, ([data, pieces, reads]) => {
        const h = t.recvNew(1024n, 1000);
        const out: number[] = [];
        let r = 0;
        for (const [s, e] of pieces) {
          expect(t.recvFrame(h, BigInt(s), data.slice(s, e), e === data.length)).toBe(0n);
          if (r < reads.length) out.push(...t.recvRead(h, reads[r++]));
        }
        out.push(...t.recvRead(h, 4096));
        expect(Uint8Array.from(out)).toEqual(data);
        const i = info(t, h);
        expect(i.state).toBe(DATA_READ);
        expect(i.finalSize).toBe(BigInt(data.length));
        expect(i.hasBuffer).toBe(0n); // memory released once everything is read
        expect(i.ranges).toBe(0n);
      }), { numRuns: 200 });
    });

    it('wraps the ring: a long stream through a small window', () => {
      const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
      const h = t.recvNew(100n, 8);
      const out: number[] = [];
      for (let off = 0; off < data.length; off += 60) {
        const e = Math.min(data.length, off + 60);
        // the second half first, then the first half
        const mid = off + 30 < e ? off + 30 : e;
        expect(t.recvFrame(h, BigInt(mid), data.slice(mid, e), e === data.length)).toBe(0n);
        expect(t.recvFrame(h, BigInt(off), data.slice(off, mid), false)).toBe(0n);
        out.push(...t.recvRead(h, 37), ...t.recvRead(h, 100));
      }
      expect(Uint8Array.from(out)).toEqual(data);
      expect(info(t, h).state).toBe(DATA_READ);
    });

    it('keeps the first copy of data sent twice (RFC 9000 §2.2: ignored, not compared)', () => {
      const h = t.recvNew(100n, 8);
      expect(t.recvFrame(h, 2n, Uint8Array.of(1, 2, 3), false)).toBe(0n);
      expect(t.recvFrame(h, 0n, Uint8Array.of(9, 9, 7, 7, 7, 9), false)).toBe(0n);
      expect([...t.recvRead(h, 10)]).toEqual([9, 9, 1, 2, 3, 9]);
      // data below the read offset is discarded
      expect(t.recvFrame(h, 0n, Uint8Array.of(5, 5, 5), false)).toBe(0n);
      expect(info(t, h).readable).toBe(0n);
    });

    it('bounds out-of-order gaps: 1-byte fragments end in PROTOCOL_VIOLATION, state unchanged', () => {
      const h = t.recvNew(10000n, 8);
      for (let i = 0; i < 8; i++) expect(t.recvFrame(h, BigInt(2 + 2 * i), Uint8Array.of(i), false)).toBe(0n);
      const before = info(t, h);
      expect(t.recvFrame(h, 100n, Uint8Array.of(1), false)).toBe(PROTOCOL_VIOLATION);
      expect(t.recvReason(h)).toMatch(/fragments/);
      expect(info(t, h)).toEqual(before);
      // filling a gap (merging ranges) is still accepted
      expect(t.recvFrame(h, 3n, Uint8Array.of(0xaa), false)).toBe(0n);
      expect(info(t, h).ranges).toBe(7n);
    });

    it('hostile tiny fragments never exceed the bounds (fast-check)', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.array(fc.tuple(fc.nat(3000), fc.integer({ min: 1, max: 3 })), { maxLength: 300 }), (maxRanges, frags) => {
        const cap = 2048;
        const h = t.recvNew(BigInt(cap), maxRanges);
        const model: boolean[] = [];
        for (const [off, len] of frags) {
          const before = info(t, h);
          const code = t.recvFrame(h, BigInt(off), new Uint8Array(len).fill(off & 0xff), false);
          const after = info(t, h);
          expect(after.ranges).toBeLessThanOrEqual(BigInt(maxRanges));
          if (off + len > cap) expect(code).toBe(FLOW_CONTROL_ERROR);
          else expect([0n, PROTOCOL_VIOLATION]).toContain(code);
          if (code !== 0n) expect(after).toEqual(before);
          else for (let i = off; i < off + len; i++) model[i] = true;
        }
        // readable = the contiguous prefix of what was accepted
        let prefix = 0;
        while (model[prefix]) prefix++;
        expect(info(t, h).readable).toBe(BigInt(prefix));
      }), { numRuns: 150 });
    });

    it('FLOW_CONTROL_ERROR beyond the window; the window slides as the application reads', () => {
      const h = t.recvNew(16n, 4);
      expect(t.recvFrameLen(h, 10n, 7n, false)).toBe(FLOW_CONTROL_ERROR);
      expect(t.recvFrame(h, 0n, new Uint8Array(16).fill(1), false)).toBe(0n);
      expect(t.recvFrame(h, 16n, Uint8Array.of(2), false)).toBe(FLOW_CONTROL_ERROR);
      expect(t.recvRead(h, 4).length).toBe(4);
      expect(t.recvFrame(h, 16n, Uint8Array.of(2, 2, 2, 2), false)).toBe(0n);
      expect(t.recvFrame(h, 20n, Uint8Array.of(3), false)).toBe(FLOW_CONTROL_ERROR);
    });

    it('refuses offsets beyond 2^62-1 without trapping', () => {
      const h = t.recvNew(16n, 4);
      expect(t.recvFrameLen(h, (1n << 62n) - 1n, 1n, false)).toBe(FRAME_ENCODING_ERROR);
      expect(t.recvFrameLen(h, (1n << 64n) - 1n, 2n, true)).toBe(FRAME_ENCODING_ERROR);
      expect(t.recvReset(h, 0n, 1n << 62n)).toBe(FRAME_ENCODING_ERROR);
    });

    it('applies the final size rules (RFC 9000 §4.5)', () => {
      const h = t.recvNew(100n, 4);
      expect(t.recvFrame(h, 5n, Uint8Array.of(1, 2, 3), false)).toBe(0n);
      expect(t.recvFrame(h, 0n, Uint8Array.of(1, 2), true)).toBe(FINAL_SIZE_ERROR); // below data received
      expect(t.recvFrame(h, 0n, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), true)).toBe(0n);
      expect(info(t, h).state).toBe(DATA_RECVD);
      expect(t.recvFrame(h, 10n, Uint8Array.of(1), false)).toBe(FINAL_SIZE_ERROR); // beyond the final size
      expect(t.recvFrame(h, 8n, Uint8Array.of(1), true)).toBe(FINAL_SIZE_ERROR); // changed
      expect(t.recvFrame(h, 10n, new Uint8Array(0), true)).toBe(0n); // same final size again
      expect(t.recvReset(h, 1n, 11n)).toBe(FINAL_SIZE_ERROR);
      expect(t.recvReset(h, 1n, 10n)).toBe(0n); // ignored: all data arrived (§3.2)
      expect(t.recvRead(h, 100).length).toBe(10);
      expect(info(t, h).state).toBe(DATA_READ);
      // a FIN alone at offset 0
      const g = t.recvNew(100n, 4);
      expect(t.recvFrame(g, 0n, new Uint8Array(0), true)).toBe(0n);
      expect(info(t, g).state).toBe(DATA_RECVD);
      expect(t.recvRead(g, 10).length).toBe(0);
      expect(info(t, g).state).toBe(DATA_READ);
      // size known, data missing
      const k = t.recvNew(100n, 4);
      expect(t.recvFrame(k, 4n, Uint8Array.of(1), true)).toBe(0n);
      expect(info(t, k)).toMatchObject({ state: SIZE_KNOWN, finalSize: 5n, finalKnown: 1n });
    });

    it('handles RESET_STREAM (RFC 9000 §3.2, §19.4): final size checks, data discarded, memory released', () => {
      const h = t.recvNew(100n, 4);
      expect(t.recvFrame(h, 10n, Uint8Array.of(1, 2, 3), false)).toBe(0n);
      expect(t.recvReset(h, 7n, 12n)).toBe(FINAL_SIZE_ERROR); // below data received
      expect(t.recvReset(h, 7n, 101n)).toBe(FLOW_CONTROL_ERROR); // beyond the window
      expect(t.recvReset(h, 7n, 20n)).toBe(0n);
      expect(info(t, h)).toMatchObject({ state: RESET_RECVD, resetCode: 7n, finalSize: 20n, maxReceived: 20n, hasBuffer: 0n, ranges: 0n });
      expect(t.recvReset(h, 7n, 21n)).toBe(FINAL_SIZE_ERROR);
      expect(t.recvReset(h, 7n, 20n)).toBe(0n);
      expect(t.recvFrame(h, 0n, Uint8Array.of(1), false)).toBe(0n); // late data: ignored
      expect(t.recvFrame(h, 19n, Uint8Array.of(1, 2), false)).toBe(FINAL_SIZE_ERROR);
      expect(t.recvFrame(h, 18n, Uint8Array.of(1), true)).toBe(FINAL_SIZE_ERROR);
      expect(t.recvRead(h, 10).length).toBe(0);
      expect(info(t, h).state).toBe(RESET_READ);
      // a reset after a FIN must carry the same final size
      const g = t.recvNew(100n, 4);
      expect(t.recvFrame(g, 4n, Uint8Array.of(1), true)).toBe(0n);
      expect(t.recvReset(g, 0n, 6n)).toBe(FINAL_SIZE_ERROR);
      expect(t.recvReset(g, 0n, 5n)).toBe(0n);
      expect(info(t, g).state).toBe(RESET_RECVD);
    });

    it('RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §5): the bytes below the Reliable Size are read first, then the reset', () => {
      const h = t.recvNew(100n, 4);
      // bytes 0..1 and 6..9 arrived; the reset keeps 0..4 reliable, final size 20
      expect(t.recvFrame(h, 0n, Uint8Array.of(1, 2), false)).toBe(0n);
      expect(t.recvFrame(h, 6n, Uint8Array.of(7, 8, 9, 10), false)).toBe(0n);
      expect(t.recvResetAt(h, 9n, 20n, 5n)).toBe(0n);
      expect(t.recvResetPending(h)).toBe(true);
      expect(info(t, h)).toMatchObject({ state: SIZE_KNOWN, finalSize: 20n, maxReceived: 20n, readable: 2n });
      // a later frame may not raise the Reliable Size; a final size change is still an error
      expect(t.recvResetAt(h, 9n, 20n, 15n)).toBe(0n);
      expect(t.recvResetAt(h, 9n, 21n, 5n)).toBe(FINAL_SIZE_ERROR);
      expect([...t.recvRead(h, 10)]).toEqual([1, 2]);
      expect(info(t, h).state).toBe(SIZE_KNOWN); // bytes 2..4 still owed
      // the rest of the reliable bytes arrive (with bytes past the Reliable Size, dropped)
      expect(t.recvFrame(h, 2n, Uint8Array.of(3, 4, 5, 6, 7), false)).toBe(0n);
      expect(t.recvFrame(h, 19n, Uint8Array.of(1, 2), false)).toBe(FINAL_SIZE_ERROR);
      expect(info(t, h).readable).toBe(3n);
      expect([...t.recvRead(h, 10)]).toEqual([3, 4, 5]);
      expect(info(t, h)).toMatchObject({ state: RESET_RECVD, resetCode: 9n, hasBuffer: 0n, ranges: 0n });
      expect(t.recvRead(h, 10).length).toBe(0);
      expect(info(t, h).state).toBe(RESET_READ);
      // a later RESET_STREAM (Reliable Size 0) ends a pending one at once
      const g = t.recvNew(100n, 4);
      expect(t.recvFrame(g, 0n, Uint8Array.of(1, 2), false)).toBe(0n);
      expect(t.recvResetAt(g, 3n, 10n, 8n)).toBe(0n);
      expect(t.recvReset(g, 3n, 10n)).toBe(0n);
      expect(info(t, g)).toMatchObject({ state: RESET_RECVD, hasBuffer: 0n });
      // a Reliable Size already read: reset at once
      const k = t.recvNew(100n, 4);
      expect(t.recvFrame(k, 0n, Uint8Array.of(1, 2, 3), false)).toBe(0n);
      expect(t.recvRead(k, 3).length).toBe(3);
      expect(t.recvResetAt(k, 4n, 5n, 3n)).toBe(0n);
      expect(info(t, k)).toMatchObject({ state: RESET_RECVD, resetCode: 4n });
      // the same rules as RESET_STREAM: window and final size
      const m = t.recvNew(100n, 4);
      expect(t.recvFrame(m, 10n, Uint8Array.of(1), false)).toBe(0n);
      expect(t.recvResetAt(m, 0n, 5n, 2n)).toBe(FINAL_SIZE_ERROR);
      expect(t.recvResetAt(m, 0n, 101n, 2n)).toBe(FLOW_CONTROL_ERROR);
    });

    it('RESET_STREAM_AT under random fragmentation: exactly the reliable prefix is read (fast-check)', () => {
      fc.assert(fc.property(fragments, fc.nat(), fc.nat(), ([data, pieces], cut, at) => {
        const R = data.length === 0 ? 0 : cut % (data.length + 1);
        const h = t.recvNew(1024n, 1000);
        const out: number[] = [];
        const when = pieces.length === 0 ? 0 : at % (pieces.length + 1);
        pieces.forEach(([s, e], i) => {
          if (i === when) expect(t.recvResetAt(h, 1n, BigInt(data.length), BigInt(R))).toBe(0n);
          expect(t.recvFrame(h, BigInt(s), data.slice(s, e), false)).toBe(0n);
          out.push(...t.recvRead(h, 7));
        });
        if (when === pieces.length) expect(t.recvResetAt(h, 1n, BigInt(data.length), BigInt(R))).toBe(0n);
        for (let i = 0; i < 1000 && info(t, h).state < RESET_RECVD; i++) out.push(...t.recvRead(h, 7));
        expect(info(t, h).state).toBeGreaterThanOrEqual(RESET_RECVD);
        // bytes read before the reset arrived may go past R; never fewer than R
        expect(out.length).toBeGreaterThanOrEqual(R);
        expect(out).toEqual([...data.slice(0, out.length)]);
      }), { numRuns: 200 });
    });
  });
}
