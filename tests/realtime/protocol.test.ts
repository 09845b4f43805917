// host/realtime/protocol.ts: frame validation and the length-prefixed framing
// reassembled across arbitrary chunk boundaries (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText, encodeFramed, encodeText, FrameReader, MAX_FRAME, ProtocolError, type Frame } from '../../host/realtime/protocol.js';

const msg = fc.record({ t: fc.constant('msg' as const), seq: fc.integer({ min: 1, max: 1e9 }), type: fc.string({ minLength: 1, maxLength: 64 }), body: fc.jsonValue() });

describe('realtime protocol frames', () => {
  it('round-trips through text and through length-prefixed chunks cut anywhere', () => {
    fc.assert(fc.property(fc.array(msg, { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (frames, cuts) => {
      for (const f of frames) expect(decodeText(encodeText(f as Frame))).toEqual(JSON.parse(JSON.stringify(f)));
      const all = Buffer.concat(frames.map((f) => encodeFramed(f as Frame)));
      const r = new FrameReader();
      const got: Frame[] = [];
      let at = 0, i = 0;
      while (at < all.length) { const n = cuts[i++ % cuts.length]!; got.push(...r.push(all.subarray(at, at + n))); at += n; }
      expect(got).toEqual(frames.map((f) => JSON.parse(JSON.stringify(f))));
      expect(r.pending).toBe(0);
    }));
  });

  it('refuses bad frames with ProtocolError bad_frame', () => {
    for (const bad of ['nope', '[]', '{"t":"msg","seq":0,"type":"chat"}', '{"t":"hello","clientId":"","lastSeq":0}', '{"t":"what"}', '{"t":"ack","seq":-1}']) {
      expect(() => decodeText(bad), bad).toThrow(ProtocolError);
    }
    expect(() => decodeText(new Uint8Array([0xff, 0xfe]))).toThrow(/UTF-8/);
    const huge = new Uint8Array(4);
    new DataView(huge.buffer).setUint32(0, MAX_FRAME + 1);
    expect(() => new FrameReader().push(huge)).toThrow(/over/);
  });
});
