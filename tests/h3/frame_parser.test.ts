// assembly/h3/frame_parser.ts: the incremental HTTP/3 frame parser (RFC 9114
// §7.1), fed at every split point, byte by byte and in random pieces; stream
// rules (§6.2.1, §7.2); bounded buffering.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';
import {
  H3FrameParser, decodeH3Frames, encodeH3Frames, type H3Frame, type H3ParserEvent, type H3StreamKind,
} from '../../host/codec/index.js';
import { h3Frame, plain } from '../helpers/frames.js';
import { codecError } from '../helpers/errors.js';
import { hex } from '../helpers/hex.js';


// A multi-frame request stream: HEADERS, grease, DATA x2 (one empty), PUSH_PROMISE, unknown, DATA.
const REQUEST: H3Frame[] = [
  { type: 'headers', fieldSection: hex('0000d1d7') },
  { type: 'unknown', frameType: 0x21n, payload: hex('abcdef') },
  { type: 'data', data: new Uint8Array(300).map((_, i) => i & 0xff) },
  { type: 'data', data: new Uint8Array(0) },
  { type: 'pushPromise', pushId: 20000n, fieldSection: hex('0000d1') },
  { type: 'unknown', frameType: 0x3fn * 1000n, payload: new Uint8Array(70) },
  { type: 'data', data: hex('01') },
];
// A control stream: SETTINGS first, then the other control frames and grease.
const CONTROL: H3Frame[] = [
  { type: 'settings', settings: [[0x06n, 65536n], [0x01n, 4096n], [0x07n, 16n], [0x1f * 7 + 0x21].map(BigInt).concat([9n]) as [bigint, bigint]] },
  { type: 'maxPushId', pushId: 100n },
  { type: 'unknown', frameType: 0x40n, payload: hex('00') },
  { type: 'cancelPush', pushId: 7n },
  { type: 'goaway', id: 1n << 40n },
];

/** Rebuilds frames from parser events (unknown types never appear: they are skipped). */
function framesFrom(events: H3ParserEvent[]): unknown[] {
  const out: H3Frame[] = [];
  let cur: { frameType: bigint; pushId?: bigint; length: bigint; parts: Uint8Array[] } | null = null;
  for (const ev of events) {
    if (ev.kind === 'start') {
      expect(cur).toBeNull();
      cur = { frameType: ev.frameType, pushId: ev.pushId, length: ev.length, parts: [] };
    } else if (ev.kind === 'payload') {
      expect(cur?.frameType).toBe(ev.frameType);
      cur!.parts.push(Uint8Array.from(ev.data)); // copy: views die with the chunk
    } else if (ev.kind === 'end') {
      const data = Buffer.concat(cur!.parts);
      expect(BigInt(data.length)).toBe(cur!.length); // 'start' announced the payload bytes
      if (cur!.frameType === 0n) out.push({ type: 'data', data: new Uint8Array(data) });
      else if (cur!.frameType === 1n) out.push({ type: 'headers', fieldSection: new Uint8Array(data) });
      else out.push({ type: 'pushPromise', pushId: cur!.pushId!, fieldSection: new Uint8Array(data) });
      cur = null;
    } else {
      expect(cur).toBeNull();
      out.push(ev.frame);
    }
  }
  expect(cur).toBeNull();
  return plain(out) as unknown[];
}

const known = (frames: H3Frame[]) => plain(frames.filter((f) => f.type !== 'unknown'));

function feed(kind: H3StreamKind, chunks: Uint8Array[], fin = true): H3ParserEvent[] {
  const p = new H3FrameParser(kind);
  try {
    const events: H3ParserEvent[] = [];
    chunks.forEach((c, i) => {
      for (const ev of p.push(c, fin && i === chunks.length - 1)) {
        events.push(ev.kind === 'payload' ? { ...ev, data: Uint8Array.from(ev.data) } : ev);
      }
    });
    return events;
  } finally {
    p.close();
  }
}


for (const variant of VARIANTS) {
  describe(`h3/frame_parser (${variant} build)`, async () => {
    const m = await loadTest<any>('codecs', variant);
    it('gives the same outcome at every split point of a multi-frame stream', () => {
      const req = encodeH3Frames(REQUEST);
      const payload = 4n + 300n + 3n + 1n;
      for (let s = 0; s <= req.length; s++) {
        const [err, , bytes] = m.h3ParseSplit(2, req, s, 4096);
        expect([err, bytes], `split ${s}`).toEqual([0n, payload]);
      }
      const ctl = encodeH3Frames(CONTROL);
      for (let s = 0; s <= ctl.length; s++) expect(m.h3ParseSplit(1, ctl, s, 4096), `split ${s}`).toEqual([0n, 4n, 0n]);
    });
    it('reports truncation at FIN and bad frames wherever the split falls', () => {
      const req = encodeH3Frames(REQUEST);
      for (let cut = 1; cut < req.length; cut++) {
        const part = req.subarray(0, cut);
        const atBoundary = [0, ...REQUEST.map((_, i) => encodeH3Frames(REQUEST.slice(0, i + 1)).length)].includes(cut);
        expect(m.h3ParseSplit(2, part, cut >> 1, 4096)[0], `cut ${cut}`).toBe(atBoundary ? 0n : 0x106n);
      }
      const bad = hex('0400 0102 0000 0402 0601');
      for (let s = 0; s <= bad.length; s++) expect(m.h3ParseSplit(1, bad, s, 4096)[0]).toBe(0x105n);
    });
  });
}

describe('H3FrameParser through the component', () => {
  const req = encodeH3Frames(REQUEST);
  const ctl = encodeH3Frames(CONTROL);

  it('matches the whole-buffer decoder at every split point (two chunks)', () => {
    expect(framesFrom(feed('request', [req]))).toEqual(known(decodeH3Frames(req)));
    expect(framesFrom(feed('request', [req]))).toEqual(known(REQUEST));
    for (let s = 0; s <= req.length; s++) {
      expect(framesFrom(feed('request', [req.subarray(0, s), req.subarray(s)])), `split ${s}`).toEqual(known(REQUEST));
    }
    for (let s = 0; s <= ctl.length; s++) {
      expect(framesFrom(feed('control', [ctl.subarray(0, s), ctl.subarray(s)])), `split ${s}`).toEqual(known(CONTROL));
    }
  });

  it('matches it byte by byte and at every pair of split points of the control stream', () => {
    expect(framesFrom(feed('request', Array.from(req, (b) => Uint8Array.of(b))))).toEqual(known(REQUEST));
    for (let a = 0; a <= ctl.length; a++) {
      for (let b = a; b <= ctl.length; b++) {
        expect(framesFrom(feed('control', [ctl.subarray(0, a), ctl.subarray(a, b), ctl.subarray(b)]))).toEqual(known(CONTROL));
      }
    }
  });

  it('matches it for random frames in random pieces', () => {
    fc.assert(
      fc.property(fc.array(h3Frame, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), (frames, cuts) => {
        const bytes = encodeH3Frames(frames);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
        const chunks = [0, ...points].map((p, i, all) => bytes.subarray(p, all[i + 1] ?? bytes.length));
        expect(framesFrom(feed('any', chunks))).toEqual(known(frames));
      }),
      { numRuns: 500 },
    );
  });

  it('delivers DATA payload as it arrives, without waiting for the frame to complete', () => {
    const p = new H3FrameParser('request');
    // A 1 GB DATA frame: header, then the first bytes.
    expect(p.push(hex('00 c000000040000000'))).toEqual([{ kind: 'start', frameType: 0n, length: 1n << 30n }]);
    const chunk = new Uint8Array(1000).fill(7);
    for (let i = 0; i < 3; i++) {
      const evs = p.push(chunk);
      expect(evs).toHaveLength(1);
      expect(evs[0]).toMatchObject({ kind: 'payload', frameType: 0n });
      expect((evs[0] as { data: Uint8Array }).data).toHaveLength(1000);
    }
    expect(codecError(() => p.push(new Uint8Array(0), true)).wireCode).toBe(0x106n); // FIN inside the frame
    p.close();
    expect(() => p.push(new Uint8Array(1))).toThrow(/closed/);
  });

  const STREAM_RULES: [string, H3StreamKind, string, bigint][] = [
    ['§6.2.1 control stream must start with SETTINGS', 'control', '0d0100', 0x10an],
    ['§6.2.1 a grease frame before SETTINGS is not SETTINGS', 'control', '2100 0400', 0x10an],
    ['§7.2.4 second SETTINGS on the control stream', 'control', '0400 0400', 0x105n],
    ['§7.2.1 DATA on the control stream', 'control', '0400 0000', 0x105n],
    ['§7.2.2 HEADERS on the control stream', 'control', '0400 0100', 0x105n],
    ['§7.2.5 PUSH_PROMISE on the control stream', 'control', '0400 050100', 0x105n],
    ['§7.2.4 SETTINGS on a request stream', 'request', '0400', 0x105n],
    ['§7.2.3 CANCEL_PUSH on a request stream', 'request', '030100', 0x105n],
    ['§7.2.6 GOAWAY on a request stream', 'request', '070100', 0x105n],
    ['§7.2.7 MAX_PUSH_ID on a push stream', 'push', '0d0100', 0x105n],
    ['§7.2.5 PUSH_PROMISE on a push stream', 'push', '050100', 0x105n],
    ['§7.2.8 HTTP/2 frame type on a request stream', 'request', '0900', 0x105n],
    ['§7.2.8 HTTP/2 frame type on any stream', 'any', '0200', 0x105n],
    ['§7.1 GOAWAY length above one varint', 'control', '0400 0709 c000000000000000 00', 0x106n],
    ['§7.1 PUSH_PROMISE whose Push ID overruns the frame', 'request', '0501 40', 0x106n],
    ['§7.2.4 SETTINGS larger than the buffering limit', 'control', '04 5001', 0x107n],
    ['§7.2.4.1 HTTP/2 setting', 'control', '0402 0500', 0x109n],
    ['§7.1 truncated frame at FIN', 'request', '0005 6162', 0x106n],
    ['§7.1 FIN inside a frame header', 'request', '00', 0x106n],
  ];
  for (const [name, kind, bytes, code] of STREAM_RULES) {
    it(`rejects: ${name}`, () => {
      expect(codecError(() => feed(kind, [hex(bytes)])).wireCode).toBe(code);
      // The same error when the input arrives byte by byte.
      expect(codecError(() => feed(kind, Array.from(hex(bytes), (b) => Uint8Array.of(b)))).wireCode).toBe(code);
    });
  }

  it('accepts what the stream tables allow', () => {
    expect(framesFrom(feed('push', [hex('0100 0000 2100')]))).toEqual(plain([{ type: 'headers', fieldSection: [] }, { type: 'data', data: [] }]));
    expect(feed('control', [hex('0400')])).toEqual([{ kind: 'frame', frame: { type: 'settings', settings: [] } }]);
    // A SETTINGS frame exactly at the limit is buffered.
    const p = new H3FrameParser('control', 4);
    expect(p.push(hex('0404 0601 0702'))).toEqual([{ kind: 'frame', frame: { type: 'settings', settings: [[6n, 1n], [7n, 2n]] } }]);
    p.close();
  });

  it('stays failed after an error and reports the stream offset of the bad frame', () => {
    const p = new H3FrameParser('request');
    expect(p.push(hex('0001aa'))).toHaveLength(3);
    const e = codecError(() => p.push(hex('0001bb 0400')));
    expect(e.wireCode).toBe(0x105n);
    expect(e.offset).toBe(3); // relative to the chunk: the SETTINGS frame starts at byte 3
    expect(codecError(() => p.push(hex('0000'))).wireCode).toBe(0x105n);
    p.close();
  });
});
