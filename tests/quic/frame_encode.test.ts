// assembly/quic/frame_encode.ts through the component: canonical bytes for
// each frame type and refusal of frames no receiver would accept.
import { describe, expect, it } from 'vitest';
import { encodeQuicFrames, decodeQuicFrames, type QuicFrame } from '../../host/codec/index.js';
import { CodecError } from '../../host/errors.js';
import fc from 'fast-check';
import { quicPayload } from '../helpers/frames.js';
import { quicReference } from '../helpers/reference.js';
import { hex, toHex } from '../helpers/hex.js';

const b = (...xs: number[]) => Uint8Array.from(xs);
const token16 = new Uint8Array(16).fill(0x11);

describe('QUIC frame encoder', () => {
  // Field values chosen so each varint length (1, 2, 4, 8 bytes) appears.
  const CANONICAL: [QuicFrame, string][] = [
    [{ type: 'padding', length: 3 }, '000000'],
    [{ type: 'ping' }, '01'],
    [{ type: 'ack', largestAcknowledged: 15293n, ackDelay: 37n, firstAckRange: 2n, ackRanges: [{ gap: 0n, ackRangeLength: 1n }] }, '027bbd25010200 01'],
    [{ type: 'ack', largestAcknowledged: 5n, ackDelay: 0n, firstAckRange: 0n, ackRanges: [], ecn: { ect0: 1n, ect1: 494878333n, ce: 151288809941952652n } }, '0305000000 01 9d7f3e7d c2197c5eff14e88c'],
    [{ type: 'resetStream', streamId: 4n, errorCode: 0x10cn, finalSize: 1000n }, '04 04 410c 43e8'],
    [{ type: 'stopSending', streamId: 8n, errorCode: 0n }, '050800'],
    [{ type: 'resetStreamAt', streamId: 4n, errorCode: 0x10cn, finalSize: 1000n, reliableSize: 7n }, '24 04 410c 43e8 07'],
    [{ type: 'crypto', offset: 64n, data: b(1, 2) }, '06 4040 02 0102'],
    [{ type: 'newToken', token: b(0xaa) }, '0701aa'],
    [{ type: 'stream', streamId: 0n, offset: 0n, fin: false, data: b(0xaa) }, '0a0001aa'],
    [{ type: 'stream', streamId: 4n, offset: 7n, fin: true, data: b(0xaa) }, '0f040701aa'],
    [{ type: 'stream', streamId: 4n, offset: 0n, fin: true, data: b(0xaa), hasLength: false }, '0904aa'],
    [{ type: 'stream', streamId: 4n, offset: 9n, fin: false, data: new Uint8Array(0), hasLength: false }, '0c0409'],
    [{ type: 'maxData', maximumData: 1n << 20n }, '10 80100000'],
    [{ type: 'maxStreamData', streamId: 4n, maximumStreamData: 65536n }, '11 04 80010000'],
    [{ type: 'maxStreams', bidirectional: true, maximumStreams: 100n }, '12 4064'],
    [{ type: 'maxStreams', bidirectional: false, maximumStreams: 1n << 60n }, '13 d000000000000000'],
    [{ type: 'dataBlocked', maximumData: 0n }, '1400'],
    [{ type: 'streamDataBlocked', streamId: 2n, maximumStreamData: 3n }, '150203'],
    [{ type: 'streamsBlocked', bidirectional: true, maximumStreams: 1n }, '1601'],
    [{ type: 'streamsBlocked', bidirectional: false, maximumStreams: 2n }, '1702'],
    [{ type: 'newConnectionId', sequenceNumber: 1n, retirePriorTo: 0n, connectionId: b(1, 2, 3, 4), statelessResetToken: token16 }, '180100 04 01020304' + '11'.repeat(16)],
    [{ type: 'retireConnectionId', sequenceNumber: 3n }, '1903'],
    [{ type: 'pathChallenge', data: b(1, 2, 3, 4, 5, 6, 7, 8) }, '1a0102030405060708'],
    [{ type: 'pathResponse', data: b(1, 2, 3, 4, 5, 6, 7, 8) }, '1b0102030405060708'],
    [{ type: 'connectionClose', application: false, errorCode: 0x0an, frameType: 0x08n, reasonPhrase: new TextEncoder().encode('x') }, '1c0a080178'],
    [{ type: 'connectionClose', application: true, errorCode: 0x100n, reasonPhrase: new Uint8Array(0) }, '1d410000'],
    [{ type: 'handshakeDone' }, '1e'],
    [{ type: 'datagram', data: b(0xab) }, '3101ab'],
    [{ type: 'datagram', data: b(0xab), hasLength: false }, '30ab'],
  ];
  for (const [frame, bytes] of CANONICAL) {
    it(`encodes ${frame.type} canonically (${bytes.replace(/\s+/g, '').slice(0, 24)})`, () => {
      const enc = encodeQuicFrames([frame]);
      expect(toHex(enc)).toBe(bytes.replace(/\s+/g, ''));
      expect(decodeQuicFrames('1rtt', enc)).toHaveLength(1);
    });
  }

  it('writes the canonical form of non-canonical input (OFF bit with offset 0, long varints)', () => {
    const frames = decodeQuicFrames('1rtt', hex('0e 4004 00 01 aa' + '10 c000000000000001'));
    expect(toHex(encodeQuicFrames(frames))).toBe('0a0401aa' + '1001');
  });

  it('refuses a frame without Length anywhere but last (§19.8, RFC 9221 §4)', () => {
    for (const open of [
      { type: 'stream', streamId: 0n, offset: 0n, fin: false, data: b(1), hasLength: false },
      { type: 'datagram', data: b(1), hasLength: false },
    ] as QuicFrame[]) {
      expect(decodeQuicFrames('1rtt', encodeQuicFrames([{ type: 'ping' }, open]))).toHaveLength(2);
      try {
        encodeQuicFrames([open, { type: 'ping' }]);
        expect.unreachable();
      } catch (e) {
        expect((e as CodecError).wireCode).toBe(0x07n);
        expect((e as CodecError).offset).toBe(0);
      }
    }
  });

  const REFUSED: [string, QuicFrame, bigint][] = [
    ['value above 2^62-1', { type: 'maxData', maximumData: 1n << 62n }, 0x07n],
    ['MAX_STREAMS above 2^60 (§19.11)', { type: 'maxStreams', bidirectional: true, maximumStreams: (1n << 60n) + 1n }, 0x07n],
    ['STREAMS_BLOCKED above 2^60 (§19.14)', { type: 'streamsBlocked', bidirectional: false, maximumStreams: (1n << 60n) + 1n }, 0x07n],
    ['empty NEW_TOKEN (§19.7)', { type: 'newToken', token: new Uint8Array(0) }, 0x07n],
    ['connection ID of 0 bytes (§19.15)', { type: 'newConnectionId', sequenceNumber: 1n, retirePriorTo: 0n, connectionId: new Uint8Array(0), statelessResetToken: token16 }, 0x07n],
    ['connection ID of 21 bytes (§19.15)', { type: 'newConnectionId', sequenceNumber: 1n, retirePriorTo: 0n, connectionId: new Uint8Array(21), statelessResetToken: token16 }, 0x07n],
    ['Retire Prior To above Sequence Number (§19.15)', { type: 'newConnectionId', sequenceNumber: 1n, retirePriorTo: 2n, connectionId: b(1), statelessResetToken: token16 }, 0x07n],
    ['First ACK Range above Largest Acknowledged (§19.3.1)', { type: 'ack', largestAcknowledged: 1n, ackDelay: 0n, firstAckRange: 2n, ackRanges: [] }, 0x07n],
    ['ACK range below packet number 0 (§19.3.1)', { type: 'ack', largestAcknowledged: 5n, ackDelay: 0n, firstAckRange: 0n, ackRanges: [{ gap: 4n, ackRangeLength: 0n }] }, 0x07n],
    ['STREAM offset + length above 2^62-1 (§19.8)', { type: 'stream', streamId: 0n, offset: (1n << 62n) - 1n, fin: false, data: b(1) }, 0x07n],
    ['PATH_CHALLENGE data not 8 bytes (§19.17)', { type: 'pathChallenge', data: b(1, 2) }, 0x07n],
    ['PADDING of length 0', { type: 'padding', length: 0 }, 0x07n],
    ['RESET_STREAM_AT Reliable Size above Final Size (reliable-stream-reset §4)', { type: 'resetStreamAt', streamId: 0n, errorCode: 0n, finalSize: 3n, reliableSize: 4n }, 0x07n],
  ];
  for (const [name, frame, code] of REFUSED) {
    it(`refuses ${name}`, () => {
      try {
        encodeQuicFrames([{ type: 'ping' }, frame]);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
        expect((e as CodecError).wireCode).toBe(code);
        expect((e as CodecError).offset).toBe(1); // index of the refused frame
      }
    });
  }

  it('writes the same bytes as an independent reference encoder for random frames', () => {
    fc.assert(fc.property(quicPayload, (frames) => {
      expect(toHex(encodeQuicFrames(frames))).toBe(toHex(quicReference(frames)));
    }), { numRuns: 2000 });
  });
});
