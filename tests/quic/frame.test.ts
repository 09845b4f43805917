// assembly/quic/frame.ts: decoding (RFC 9000 §12.4, §19; RFC 9221 §4), through
// the AS test entry (debug + release) and through the shipped component.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { decodeQuicFrames, encodeQuicFrames, quicFrameAllowed, type PacketType } from '../../host/codec/index.js';
import { quicPayload, normalizeQuic, plain } from '../helpers/frames.js';
import { codecError } from '../helpers/errors.js';
import { hex } from '../helpers/hex.js';
import * as A from './rfc9001_vectors.js';

const FRAME_ENCODING_ERROR = 0x07n;
const PROTOCOL_VIOLATION = 0x0an;
const PACKETS: PacketType[] = ['initial', '0rtt', 'handshake', '1rtt'];

// RFC 9001 §A.2: the client Initial's CRYPTO frame (then PADDING to 1162 bytes).
const CLIENT_CRYPTO = hex(A.A2_CLIENT_CRYPTO);
const CLIENT_INITIAL = new Uint8Array(1162);
CLIENT_INITIAL.set(CLIENT_CRYPTO);
// RFC 9001 §A.3: the server Initial: ACK + CRYPTO.
const SERVER_INITIAL = hex(A.A3_SERVER_PAYLOAD);
// RFC 9001 §A.5: the ChaCha20 short-header packet's payload is one PING.
const PING_1RTT = hex('01');

// RFC 9000 §12.4 Table 3 ("Pkts"), typed in from the RFC; DATAGRAM from RFC 9221 §4.
const TABLE: [number, string][] = [
  [0x00, 'IH01'], [0x01, 'IH01'], [0x02, 'IH_1'], [0x03, 'IH_1'], [0x04, '__01'], [0x05, '__01'],
  [0x06, 'IH_1'], [0x07, '___1'], ...[0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f].map((t): [number, string] => [t, '__01']),
  [0x10, '__01'], [0x11, '__01'], [0x12, '__01'], [0x13, '__01'], [0x14, '__01'], [0x15, '__01'],
  [0x16, '__01'], [0x17, '__01'], [0x18, '__01'], [0x19, '__01'], [0x1a, '__01'], [0x1b, '___1'],
  [0x1c, 'IH01'], [0x1d, '__01'], [0x1e, '___1'], [0x30, '__01'], [0x31, '__01'],
  // draft-ietf-quic-reliable-stream-reset §4: RESET_STREAM_AT where RESET_STREAM may be
  [0x24, '__01'],
];
const allowedBy = (pkts: string, packet: PacketType) =>
  ({ initial: pkts[0] === 'I', handshake: pkts[1] === 'H', '0rtt': pkts[2] === '0', '1rtt': pkts[3] === '1' })[packet];
const PT = { initial: 0, '0rtt': 1, handshake: 2, '1rtt': 3 } as const;

/** A minimal, valid body for each frame type (after the type byte). */
const BODY: Record<number, string> = {
  0x00: '', 0x01: '', 0x02: '05000000', 0x03: '05000000010203', 0x04: '000102', 0x05: '0001', 0x06: '000161',
  0x07: '0161', 0x08: '00', 0x09: '00', 0x0a: '0000', 0x0b: '0000', 0x0c: '0001', 0x0d: '0001', 0x0e: '000100', 0x0f: '000100',
  0x10: '01', 0x11: '0001', 0x12: '01', 0x13: '01', 0x14: '01', 0x15: '0001', 0x16: '01', 0x17: '01',
  0x18: '010004aabbccdd' + '11'.repeat(16), 0x19: '01', 0x1a: '0102030405060708', 0x1b: '0102030405060708',
  0x1c: '070000', 0x1d: '0700', 0x1e: '', 0x30: 'ab', 0x31: '01ab', 0x24: '00010202',
};
const frameBytes = (t: number) => hex(t.toString(16).padStart(2, '0') + BODY[t]);


for (const variant of VARIANTS) {
  describe(`quic/frame (${variant} build)`, async () => {
    const m = await loadTest<any>('codecs', variant);

    it('decodes the RFC 9001 Appendix A payloads', () => {
      // [error, frames, last type, ranges stored, truncated, re-encoded length]
      expect(m.decodeQuic(PT.initial, CLIENT_INITIAL, 8)).toEqual([0n, 2n, 0n, 0n, 0n, 1162n]);
      expect(m.decodeQuic(PT.initial, SERVER_INITIAL, 8)).toEqual([0n, 2n, 6n, 0n, 0n, BigInt(SERVER_INITIAL.length)]);
      expect(m.decodeQuic(PT['1rtt'], PING_1RTT, 8)).toEqual([0n, 1n, 1n, 0n, 0n, 1n]);
    });

    it('implements the §12.4 Table 3 packet-type rules', () => {
      for (const [t, pkts] of TABLE) {
        for (const p of PACKETS) {
          expect(m.quicAllowed(BigInt(t), PT[p]), `type 0x${t.toString(16)} in ${p}`).toBe(allowedBy(pkts, p));
          const [err] = m.decodeQuic(PT[p], frameBytes(t), 8);
          expect(err, `decode 0x${t.toString(16)} in ${p}`).toBe(allowedBy(pkts, p) ? 0n : PROTOCOL_VIOLATION);
        }
      }
      expect(m.quicAllowed(0x1fn, PT['1rtt'])).toBe(false);
      expect(m.quicAllowed(0x01n, 4)).toBe(false);
    });

    it('classifies ack-eliciting (§13.2.1) and probing (§9.1) frames', () => {
      for (const [t] of TABLE) {
        expect(m.quicAckEliciting(BigInt(t))).toBe(![0x00, 0x02, 0x03, 0x1c, 0x1d].includes(t));
        expect(m.quicProbing(BigInt(t))).toBe([0x00, 0x18, 0x1a, 0x1b].includes(t));
      }
    });

    it('keeps at most the configured number of ACK ranges, validating the rest', () => {
      // Largest 40, ACK Delay 0, 5 ranges, first range 0, then (gap 0, length 0) x 5.
      const ack = hex('02' + '28' + '00' + '05' + '00' + '0000'.repeat(5));
      // Re-encoded with the two kept ranges: 5 + 2 * 2 bytes.
      expect(m.decodeQuic(PT['1rtt'], ack, 2)).toEqual([0n, 1n, 2n, 2n, 1n, 9n]);
      expect(m.decodeQuic(PT['1rtt'], ack, 8)).toEqual([0n, 1n, 2n, 5n, 0n, BigInt(ack.length)]);
      // An underflow after the cap is still an error.
      const bad = hex('02' + '0500' + '03' + '00' + '0000' + '0000' + '0500');
      expect(m.decodeQuic(PT['1rtt'], bad, 1)[0]).toBe(FRAME_ENCODING_ERROR);
    });

    it('rejects unknown and non-minimally encoded frame types', () => {
      expect(m.decodeQuic(PT['1rtt'], hex('1f'), 8)[0]).toBe(FRAME_ENCODING_ERROR);
      expect(m.decodeQuic(PT['1rtt'], hex('4001'), 8)[0]).toBe(PROTOCOL_VIOLATION);
      expect(m.decodeQuic(PT['1rtt'], hex('40'), 8)[0]).toBe(FRAME_ENCODING_ERROR);
    });
  });
}

describe('quic frames through the component', () => {
  it('decodes the RFC 9001 A.3 server Initial into ACK + CRYPTO', () => {
    const frames = decodeQuicFrames('initial', SERVER_INITIAL);
    expect(plain(frames)).toEqual([
      { type: 'ack', largestAcknowledged: 0n, ackDelay: 0n, firstAckRange: 0n, ackRanges: [] },
      { type: 'crypto', offset: 0n, data: Array.from(SERVER_INITIAL.subarray(9)) },
    ]);
    expect(encodeQuicFrames(frames)).toEqual(SERVER_INITIAL);
  });

  it('decodes the RFC 9001 A.2 client Initial: CRYPTO and one PADDING run', () => {
    const frames = decodeQuicFrames('initial', CLIENT_INITIAL);
    expect(frames.map((f) => f.type)).toEqual(['crypto', 'padding']);
    expect(frames[0]).toMatchObject({ offset: 0n, data: CLIENT_CRYPTO.subarray(4) });
    expect(frames[1]).toEqual({ type: 'padding', length: 1162 - CLIENT_CRYPTO.length });
    expect(encodeQuicFrames(frames)).toEqual(CLIENT_INITIAL);
    expect(decodeQuicFrames('1rtt', PING_1RTT)).toEqual([{ type: 'ping' }]);
  });

  it('agrees with Table 3 in quicFrameAllowed and in decoding', () => {
    for (const [t, pkts] of TABLE) {
      for (const p of PACKETS) {
        expect(quicFrameAllowed(t, p)).toBe(allowedBy(pkts, p));
        if (allowedBy(pkts, p)) expect(decodeQuicFrames(p, frameBytes(t))).toHaveLength(1);
        else {
          const e = codecError(() => decodeQuicFrames(p, frameBytes(t)));
          expect(e.wireCode).toBe(PROTOCOL_VIOLATION);
          expect(e.frameType).toBe(BigInt(t));
        }
      }
    }
  });

  // Every MUST of §12.4 / §19 that applies to parsing, with its exact error code.
  const NEGATIVE: [string, PacketType, string, bigint, bigint?, number?][] = [
    ['§12.4 a packet with no frames', '1rtt', '', PROTOCOL_VIOLATION],
    ['§12.4 unknown frame type 0x1f', '1rtt', '1f', FRAME_ENCODING_ERROR, 0x1fn],
    ['§12.4 unknown frame type 0x20', '1rtt', '20', FRAME_ENCODING_ERROR, 0x20n],
    ['§12.4 unknown two-byte frame type 0x4040', '1rtt', '4040', FRAME_ENCODING_ERROR, 0x40n],
    ['§12.4 PING as 2-byte varint', '1rtt', '4001', PROTOCOL_VIOLATION, 0x01n],
    ['§12.4 PING as 4-byte varint', '1rtt', '80000001', PROTOCOL_VIOLATION, 0x01n],
    ['§12.4 type 0x40 as 4-byte varint', '1rtt', '80000040', PROTOCOL_VIOLATION, 0x40n],
    ['§12.4 type 0x4000 as 8-byte varint', '1rtt', 'c000000000004000', PROTOCOL_VIOLATION, 0x4000n],
    ['truncated frame type', '1rtt', '01c0', FRAME_ENCODING_ERROR, 0n, 1],
    ['§12.4 STREAM in Initial', 'initial', '0800', PROTOCOL_VIOLATION, 0x08n],
    ['§12.4 ACK in 0-RTT', '0rtt', '0200000000', PROTOCOL_VIOLATION, 0x02n],
    ['§12.4 CONNECTION_CLOSE 0x1d in Handshake', 'handshake', '1d0000', PROTOCOL_VIOLATION, 0x1dn],
    ['§12.4 HANDSHAKE_DONE in 0-RTT', '0rtt', '1e', PROTOCOL_VIOLATION, 0x1en],
    ['RFC 9221 DATAGRAM in Initial', 'initial', '3000', PROTOCOL_VIOLATION, 0x30n],
    ['§19.3.1 First ACK Range > Largest Acknowledged', '1rtt', '0205000006', FRAME_ENCODING_ERROR, 0x02n],
    ['§19.3.1 gap makes a negative packet number', '1rtt', '02050001000400', FRAME_ENCODING_ERROR, 0x02n],
    ['§19.3.1 range length makes a negative packet number', '1rtt', '02050001000104', FRAME_ENCODING_ERROR, 0x02n],
    ['§19.3 ACK Range Count larger than the frame', '1rtt', '0205000500', FRAME_ENCODING_ERROR, 0x02n],
    ['§19.3.2 ACK_ECN without its counts', '1rtt', '030500000001', FRAME_ENCODING_ERROR, 0x03n],
    ['§19.4 truncated RESET_STREAM', '1rtt', '040001', FRAME_ENCODING_ERROR, 0x04n],
    ['reliable-stream-reset §4 RESET_STREAM_AT Reliable Size > Final Size', '1rtt', '2400010203', FRAME_ENCODING_ERROR, 0x24n],
    ['reliable-stream-reset §4 truncated RESET_STREAM_AT', '1rtt', '24000102', FRAME_ENCODING_ERROR, 0x24n],
    ['reliable-stream-reset §4 RESET_STREAM_AT in Initial', 'initial', '2400010202', PROTOCOL_VIOLATION, 0x24n],
    ['§19.6 CRYPTO data beyond the packet', '1rtt', '060005aabb', FRAME_ENCODING_ERROR, 0x06n],
    ['§19.6 CRYPTO offset + length > 2^62-1', '1rtt', '06ffffffffffffffff01aa', FRAME_ENCODING_ERROR, 0x06n],
    ['§19.7 empty NEW_TOKEN', '1rtt', '0700', FRAME_ENCODING_ERROR, 0x07n],
    ['§19.7 NEW_TOKEN beyond the packet', '1rtt', '0705aa', FRAME_ENCODING_ERROR, 0x07n],
    ['§19.8 STREAM data beyond the packet (LEN)', '1rtt', '0a0005aa', FRAME_ENCODING_ERROR, 0x0an],
    ['§19.8 STREAM offset + length > 2^62-1 (LEN)', '1rtt', '0e00ffffffffffffffff01aa', FRAME_ENCODING_ERROR, 0x0en],
    ['§19.8 STREAM offset + length > 2^62-1 (to end)', '1rtt', '0c00ffffffffffffffffaa', FRAME_ENCODING_ERROR, 0x0cn],
    ['§19.8 truncated STREAM offset', '1rtt', '0c00ff', FRAME_ENCODING_ERROR, 0x0cn],
    ['§19.11 MAX_STREAMS bidi > 2^60', '1rtt', '12d000000000000001', FRAME_ENCODING_ERROR, 0x12n],
    ['§19.11 MAX_STREAMS uni > 2^60', '1rtt', '13d000000000000001', FRAME_ENCODING_ERROR, 0x13n],
    ['§19.14 STREAMS_BLOCKED bidi > 2^60', '1rtt', '16d000000000000001', FRAME_ENCODING_ERROR, 0x16n],
    ['§19.14 STREAMS_BLOCKED uni > 2^60', '1rtt', '17d000000000000001', FRAME_ENCODING_ERROR, 0x17n],
    ['§19.15 NEW_CONNECTION_ID length 0', '1rtt', '180100' + '00' + '11'.repeat(16), FRAME_ENCODING_ERROR, 0x18n],
    ['§19.15 NEW_CONNECTION_ID length 21', '1rtt', '180100' + '15' + 'aa'.repeat(21) + '11'.repeat(16), FRAME_ENCODING_ERROR, 0x18n],
    ['§19.15 Retire Prior To > Sequence Number', '1rtt', '180102' + '04aabbccdd' + '11'.repeat(16), FRAME_ENCODING_ERROR, 0x18n],
    ['§19.15 truncated reset token', '1rtt', '180100' + '04aabbccdd' + '11'.repeat(15), FRAME_ENCODING_ERROR, 0x18n],
    ['§19.17 truncated PATH_CHALLENGE', '1rtt', '1a01020304050607', FRAME_ENCODING_ERROR, 0x1an],
    ['§19.18 truncated PATH_RESPONSE', '1rtt', '1b', FRAME_ENCODING_ERROR, 0x1bn],
    ['§19.19 reason phrase beyond the packet', '1rtt', '1c000005aa', FRAME_ENCODING_ERROR, 0x1cn],
    ['§19.19 app close without reason length', '1rtt', '1d00', FRAME_ENCODING_ERROR, 0x1dn],
    ['RFC 9221 DATAGRAM length beyond the packet', '1rtt', '3105aa', FRAME_ENCODING_ERROR, 0x31n],
    ['error offset points at the failing frame', '1rtt', '01011f', FRAME_ENCODING_ERROR, 0x1fn, 2],
  ];
  for (const [name, packet, bytes, code, frameType, offset] of NEGATIVE) {
    it(`rejects: ${name}`, () => {
      const e = codecError(() => decodeQuicFrames(packet, hex(bytes)));
      expect(e.wireCode).toBe(code);
      if (frameType !== undefined) expect(e.frameType).toBe(frameType);
      expect(e.offset).toBe(offset ?? 0);
    });
  }

  it('accepts the boundary values next to each limit', () => {
    expect(decodeQuicFrames('1rtt', hex('02050001000300'))[0]).toMatchObject({ ackRanges: [{ gap: 3n, ackRangeLength: 0n }] });
    expect(decodeQuicFrames('1rtt', hex('0205000005'))[0]).toMatchObject({ firstAckRange: 5n });
    expect(decodeQuicFrames('1rtt', hex('12d000000000000000'))[0]).toEqual({ type: 'maxStreams', bidirectional: true, maximumStreams: 1n << 60n });
    expect(decodeQuicFrames('1rtt', hex('0e00ffffffffffffffff00'))[0]).toMatchObject({ offset: (1n << 62n) - 1n, data: new Uint8Array(0) });
    expect(decodeQuicFrames('1rtt', hex('0c00fffffffffffffffe' + 'aa'))[0]).toMatchObject({ offset: (1n << 62n) - 2n });
    const cid20 = decodeQuicFrames('1rtt', hex('180202' + '14' + 'aa'.repeat(20) + '11'.repeat(16)))[0];
    expect(cid20).toMatchObject({ sequenceNumber: 2n, retirePriorTo: 2n });
    expect((cid20 as { connectionId: Uint8Array }).connectionId).toHaveLength(20);
    // Two-byte varint for frame type 0x40 and above is minimal, just unknown.
    expect(codecError(() => decodeQuicFrames('1rtt', hex('4040'))).wireCode).toBe(FRAME_ENCODING_ERROR);
  });

  it('decodes the STREAM flag bits (§19.8) and open-ended STREAM/DATAGRAM', () => {
    expect(plain(decodeQuicFrames('1rtt', hex('0d04' + '05' + 'aabb')))).toEqual([
      { type: 'stream', streamId: 4n, offset: 5n, fin: true, hasLength: false, data: [0xaa, 0xbb] },
    ]);
    expect(plain(decodeQuicFrames('1rtt', hex('0b0401aa' + '30ccdd')))).toEqual([
      { type: 'stream', streamId: 4n, offset: 0n, fin: true, hasLength: true, data: [0xaa] },
      { type: 'datagram', hasLength: false, data: [0xcc, 0xdd] },
    ]);
  });

  it('round-trips random frames: encode -> decode deep-equals, decode -> encode gives the same bytes', () => {
    fc.assert(
      fc.property(quicPayload, (frames) => {
        const bytes = encodeQuicFrames(frames);
        const decoded = decodeQuicFrames('1rtt', bytes);
        expect(plain(decoded)).toEqual(normalizeQuic(frames));
        expect(encodeQuicFrames(decoded)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
