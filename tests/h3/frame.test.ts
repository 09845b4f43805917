// assembly/h3/frame.ts: HTTP/3 frames (RFC 9114 §7) — decode, encode, the
// §7.2 stream table and every parsing MUST, through the AS test entry (debug +
// release) and the shipped component.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { decodeH3Frames, encodeH3Frames, h3FrameAllowed, type H3Frame, type H3StreamKind } from '../../host/codec/index.js';
import { h3Frame, plain } from '../helpers/frames.js';
import { h3Reference } from '../helpers/reference.js';
import { codecError } from '../helpers/errors.js';
import { hex, toHex } from '../helpers/hex.js';

const H3_FRAME_UNEXPECTED = 0x105n;
const H3_FRAME_ERROR = 0x106n;
const H3_SETTINGS_ERROR = 0x109n;

// RFC 9114 §7.2 table (Control, Request, Push), typed in from the RFC; the
// HTTP/2 types (§7.2.8, §11.2.1) are allowed nowhere; reserved/unknown everywhere.
const TABLE: [bigint, string, [boolean, boolean, boolean]][] = [
  [0x00n, 'DATA', [false, true, true]],
  [0x01n, 'HEADERS', [false, true, true]],
  [0x03n, 'CANCEL_PUSH', [true, false, false]],
  [0x04n, 'SETTINGS', [true, false, false]],
  [0x05n, 'PUSH_PROMISE', [false, true, false]],
  [0x07n, 'GOAWAY', [true, false, false]],
  [0x0dn, 'MAX_PUSH_ID', [true, false, false]],
  [0x21n, 'reserved 0x21', [true, true, true]],
  [0x1fn * 12345n + 0x21n, 'reserved N=12345', [true, true, true]],
  [0x0an, 'unknown 0x0a', [true, true, true]],
  [0x02n, 'HTTP/2 PRIORITY', [false, false, false]],
  [0x06n, 'HTTP/2 PING', [false, false, false]],
  [0x08n, 'HTTP/2 WINDOW_UPDATE', [false, false, false]],
  [0x09n, 'HTTP/2 CONTINUATION', [false, false, false]],
];
const KINDS: H3StreamKind[] = ['control', 'request', 'push'];


for (const variant of VARIANTS) {
  describe(`h3/frame (${variant} build)`, async () => {
    const m = await loadTest<any>('codecs', variant);
    it('implements the §7.2 frame/stream table', () => {
      for (const [t, name, cols] of TABLE) {
        cols.forEach((ok, i) => expect(m.h3Allowed(i + 1, t), `${name} on ${KINDS[i]}`).toBe(ok));
      }
    });
    it('decodes complete frames and reports the first error', () => {
      expect(m.decodeH3(hex('0400 0003616263 2100'))).toEqual([0n, 3n]);
      expect(m.decodeH3(hex('0000 0200'))).toEqual([H3_FRAME_UNEXPECTED, 1n]);
      expect(m.decodeH3(hex('00 05 6162'))).toEqual([H3_FRAME_ERROR, 0n]);
      expect(m.decodeH3(hex('04 04 0601 0602'))).toEqual([H3_SETTINGS_ERROR, 0n]);
    });
  });
}

describe('HTTP/3 frames through the component', () => {
  it('encodes each frame type as RFC 9114 §7.2 lays it out', () => {
    const CASES: [H3Frame, string][] = [
      [{ type: 'data', data: hex('68656c6c6f') }, '00 05 68656c6c6f'],
      [{ type: 'headers', fieldSection: hex('0000d1') }, '01 03 0000d1'],
      [{ type: 'cancelPush', pushId: 3n }, '03 01 03'],
      [{ type: 'settings', settings: [[0x06n, 16384n], [0x01n, 0n], [0x07n, 100n]] }, '04 0a 06 80004000 01 00 07 4064'],
      [{ type: 'settings', settings: [] }, '04 00'],
      [{ type: 'pushPromise', pushId: 64n, fieldSection: hex('0000') }, '05 04 4040 0000'],
      [{ type: 'goaway', id: 1n << 30n }, '07 08 c000000040000000'],
      [{ type: 'maxPushId', pushId: 0n }, '0d 01 00'],
      [{ type: 'unknown', frameType: 0x21n, payload: hex('ff') }, '21 01 ff'],
      [{ type: 'unknown', frameType: 0x1fn * 3n + 0x21n, payload: new Uint8Array(0) }, '407e 00'],
    ];
    for (const [frame, bytes] of CASES) {
      const enc = encodeH3Frames([frame]);
      expect(toHex(enc), frame.type).toBe(bytes.replace(/\s+/g, ''));
      expect(plain(decodeH3Frames(enc))).toEqual(plain([frame]));
    }
  });

  it('agrees with the §7.2 table in h3FrameAllowed', () => {
    for (const [t, name, cols] of TABLE) {
      cols.forEach((ok, i) => expect(h3FrameAllowed(KINDS[i], t), `${name} on ${KINDS[i]}`).toBe(ok));
      expect(h3FrameAllowed('any', t)).toBe(!(t === 0x02n || t === 0x06n || t === 0x08n || t === 0x09n));
    }
  });

  it('keeps unknown and reserved frames (non-minimal type varints too) for the caller to skip', () => {
    const frames = decodeH3Frames(hex('4021 02 abcd' + 'c0000000000000ff 00' + '00 01 aa'));
    expect(plain(frames)).toEqual([
      { type: 'unknown', frameType: 0x21n, payload: [0xab, 0xcd] },
      { type: 'unknown', frameType: 0xffn, payload: [] },
      { type: 'data', data: [0xaa] },
    ]);
  });

  const NEGATIVE: [string, string, bigint, number?][] = [
    ['§7.2.8 HTTP/2 PRIORITY (0x02)', '02 00', H3_FRAME_UNEXPECTED],
    ['§7.2.8 HTTP/2 PING (0x06)', '06 08 0000000000000000', H3_FRAME_UNEXPECTED],
    ['§7.2.8 HTTP/2 WINDOW_UPDATE (0x08)', '08 04 00000001', H3_FRAME_UNEXPECTED],
    ['§7.2.8 HTTP/2 CONTINUATION (0x09)', '09 00', H3_FRAME_UNEXPECTED],
    ['§7.2.8 HTTP/2 type even when truncated', '02 05', H3_FRAME_UNEXPECTED],
    ['§7.1 payload longer than the input', '00 05 6162', H3_FRAME_ERROR],
    ['§7.1 truncated type varint', '40', H3_FRAME_ERROR],
    ['§7.1 truncated length varint', '00 80', H3_FRAME_ERROR],
    ['§7.1 CANCEL_PUSH with bytes after the Push ID', '03 02 0000', H3_FRAME_ERROR],
    ['§7.1 CANCEL_PUSH empty', '03 00', H3_FRAME_ERROR],
    ['§7.1 GOAWAY ending inside its varint', '07 01 40', H3_FRAME_ERROR],
    ['§7.1 MAX_PUSH_ID with a trailing byte', '0d 03 4001 00', H3_FRAME_ERROR],
    ['§7.1 PUSH_PROMISE with no Push ID', '05 00', H3_FRAME_ERROR],
    ['§7.1 PUSH_PROMISE ending inside its Push ID', '05 01 80', H3_FRAME_ERROR],
    ['§7.1 SETTINGS ending inside a value', '04 02 06 40', H3_FRAME_ERROR],
    ['§7.1 SETTINGS ending after an identifier', '04 01 06', H3_FRAME_ERROR],
    ['§7.2.4 duplicate setting identifier', '04 04 0601 0602', H3_SETTINGS_ERROR],
    ['§7.2.4 duplicate reserved identifier, long form', '04 06 2100 4021 00 07', H3_SETTINGS_ERROR],
    ['§7.2.4.1 HTTP/2 setting 0x00', '04 02 0000', H3_SETTINGS_ERROR],
    ['§7.2.4.1 HTTP/2 SETTINGS_ENABLE_PUSH (0x02)', '04 02 0201', H3_SETTINGS_ERROR],
    ['§7.2.4.1 HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS (0x03)', '04 02 0301', H3_SETTINGS_ERROR],
    ['§7.2.4.1 HTTP/2 SETTINGS_INITIAL_WINDOW_SIZE (0x04)', '04 03 044000', H3_SETTINGS_ERROR],
    ['§7.2.4.1 HTTP/2 SETTINGS_MAX_FRAME_SIZE (0x05)', '04 03 054000', H3_SETTINGS_ERROR],
    ['error offset points at the failing frame', '00 00 21 00 04 02 0201', H3_SETTINGS_ERROR, 4],
  ];
  for (const [name, bytes, code, offset] of NEGATIVE) {
    it(`rejects: ${name}`, () => {
      const e = codecError(() => decodeH3Frames(hex(bytes)));
      expect(e.wireCode).toBe(code);
      expect(e.offset).toBe(offset ?? 0);
    });
  }

  it('refuses to encode what a receiver must reject', () => {
    expect(codecError(() => encodeH3Frames([{ type: 'unknown', frameType: 0x06n, payload: new Uint8Array(0) }])).wireCode).toBe(H3_FRAME_UNEXPECTED);
    expect(codecError(() => encodeH3Frames([{ type: 'settings', settings: [[6n, 1n], [6n, 2n]] }])).wireCode).toBe(H3_SETTINGS_ERROR);
    expect(codecError(() => encodeH3Frames([{ type: 'settings', settings: [[2n, 0n]] }])).wireCode).toBe(H3_SETTINGS_ERROR);
    expect(codecError(() => encodeH3Frames([{ type: 'goaway', id: 1n << 62n }])).wireCode).toBe(0x102n);
  });

  it('round-trips random frames: encode -> decode deep-equals, decode -> encode gives the same bytes', () => {
    fc.assert(
      fc.property(fc.array(h3Frame, { maxLength: 8 }), (frames) => {
        const bytes = encodeH3Frames(frames);
        const decoded = decodeH3Frames(bytes);
        expect(plain(decoded)).toEqual(plain(frames));
        expect(encodeH3Frames(decoded)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same bytes as an independent reference encoder for random frames', () => {
    fc.assert(fc.property(fc.array(h3Frame, { maxLength: 8 }), (frames) => {
      expect(toHex(encodeH3Frames(frames))).toBe(toHex(h3Reference(frames)));
    }), { numRuns: 2000 });
  });
});
