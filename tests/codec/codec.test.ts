// The codec interface's boundary (assembly/api/codec.ts, host/codec): input
// and output caps, hostile records to the encoders, parser handles.
import { describe, expect, it } from 'vitest';
import { codec } from '../../host/core/engine.js';
import {
  decodeQuicFrames, decodeH3Frames, encodeQuicFrames, encodeH3Frames, H3FrameParser, type H3Frame,
} from '../../host/codec/index.js';
import { codecError } from '../helpers/errors.js';


describe('codec boundary', () => {
  it('caps inputs and outputs instead of allocating without bound', () => {
    expect(codecError(() => decodeQuicFrames('1rtt', new Uint8Array((1 << 20) + 1).fill(1))).wireCode).toBe(0x01n);
    expect(decodeQuicFrames('1rtt', new Uint8Array(1 << 20).fill(0))).toEqual([{ type: 'padding', length: 1 << 20 }]);
    expect(codecError(() => decodeH3Frames(new Uint8Array((1 << 20) + 1))).wireCode).toBe(0x102n);
    const p = new H3FrameParser();
    expect(codecError(() => p.push(new Uint8Array((1 << 20) + 1))).wireCode).toBe(0x102n);
    expect(p.push(new Uint8Array(10))).toHaveLength(10); // 5 empty DATA frames; the parser was not touched
    p.close();
    // 1000 records all pointing at the same 1 MiB blob would be 1 GB of output.
    const big = new Uint8Array(1 << 20);
    const many = Array.from({ length: 100 }, () => ({ type: 'datagram' as const, data: big }));
    expect(codecError(() => encodeQuicFrames(many)).wireCode).toBe(0x01n);
    expect(codecError(() => encodeQuicFrames([{ type: 'padding', length: 2 ** 31 }])).wireCode).toBe(0x01n);
    expect(codecError(() => encodeQuicFrames([{ type: 'padding', length: (1 << 24) + 1 }])).wireCode).toBe(0x07n);
  });

  it('bounds the SETTINGS duplicate scan: more than 1024 settings is H3_EXCESSIVE_LOAD', () => {
    const settings: [bigint, bigint][] = Array.from({ length: 1024 }, (_, i) => [BigInt(0x100 + i), 0n]);
    expect(decodeH3Frames(encodeH3Frames([{ type: 'settings', settings }]))[0]).toMatchObject({ type: 'settings' });
    settings.push([0x10000n, 1n]);
    expect(codecError(() => encodeH3Frames([{ type: 'settings', settings }])).wireCode).toBe(0x107n);
  });

  it('survives hostile record lists from the host (raw interface)', () => {
    let a = 12345;
    const rnd = (n: number) => { a = (Math.imul(a, 1103515245) + 12345) >>> 0; return (a >>> 8) % n; };
    const valid = new Uint8Array(88);
    valid[0] = 0x01; // PING
    for (let i = 0; i < 4000; i++) {
      const recs = new Uint8Array(rnd(3) ? 88 * (1 + rnd(3)) + rnd(2) * rnd(40) : rnd(300));
      for (let k = 0; k < recs.length; k++) recs[k] = rnd(4) ? 0 : rnd(256);
      // A plausible frame type and counts in the first record.
      if (recs.length >= 88 && rnd(2)) { recs[0] = rnd(0x32); recs[80] = rnd(4); recs[81] = rnd(2) ? 0 : rnd(256); }
      const data = new Uint8Array(rnd(64));
      for (const call of [() => codec.encodeQuicFrames(recs, data), () => codec.encodeH3Frames(recs.subarray(0, (recs.length >> 5) << 5), data)]) {
        try {
          call();
        } catch (e) {
          expect((e as { payload?: { code?: unknown } }).payload?.code, String(e)).toBeTypeOf('bigint');
        }
      }
    }
    expect(codec.encodeQuicFrames(valid, new Uint8Array(0))).toEqual(Uint8Array.of(1)); // still alive
  });

  it('rejects unknown and freed parser handles without trapping, and reuses slots', () => {
    expect(() => codec.h3ParserFeed(0, new Uint8Array(1), false)).toThrow();
    expect(() => codec.h3ParserFeed(999_999, new Uint8Array(1), false)).toThrow();
    const h = codec.h3ParserNew(0, 0);
    codec.h3ParserFree(h);
    codec.h3ParserFree(h); // double free is ignored
    try {
      codec.h3ParserFeed(h, new Uint8Array(1), false);
      expect.unreachable();
    } catch (e) {
      expect((e as { payload: { code: bigint } }).payload.code).toBe(0x102n);
    }
    const parsers = Array.from({ length: 50 }, () => new H3FrameParser('request'));
    parsers.forEach((p) => p.close());
    const again = Array.from({ length: 50 }, () => new H3FrameParser('request'));
    const frames: H3Frame[] = [{ type: 'data', data: Uint8Array.of(1) }];
    for (const p of again) expect(p.push(encodeH3Frames(frames), true)).toHaveLength(3);
    again.forEach((p) => p.close());
    // handles carry a generation in their high 16 bits: the slot index (low 16 bits) is reused
    expect(codec.h3ParserNew(0, 0) & 0xffff).toBeLessThanOrEqual((h & 0xffff) + 100);
  });
});
