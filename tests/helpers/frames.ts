// fast-check arbitraries for QUIC and HTTP/3 frames (host/codec shapes), and
// normalizers that map a frame list to the form the decoder returns.
import fc from 'fast-check';
import type { QuicFrame, H3Frame } from '../../host/codec/index.js';

const MAX62 = (1n << 62n) - 1n;
/** Varint values spread over all four encoding lengths. */
export const varint = (max: bigint = MAX62) =>
  fc.oneof(
    fc.bigInt({ min: 0n, max: 63n < max ? 63n : max }),
    fc.bigInt({ min: 0n, max: 16383n < max ? 16383n : max }),
    fc.bigInt({ min: 0n, max: 1073741823n < max ? 1073741823n : max }),
    fc.bigInt({ min: 0n, max }),
  );
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

const ack = fc
  .record({
    largestAcknowledged: varint(),
    ackDelay: varint(),
    firstSeed: fc.bigInt({ min: 0n, max: MAX62 }),
    seeds: fc.array(fc.tuple(fc.bigInt({ min: 0n, max: MAX62 }), fc.bigInt({ min: 0n, max: MAX62 })), { maxLength: 6 }),
    ecn: fc.option(fc.record({ ect0: varint(), ect1: varint(), ce: varint() }), { nil: undefined }),
  })
  .map(({ largestAcknowledged, ackDelay, firstSeed, seeds, ecn }) => {
    // Build ranges that never underflow (RFC 9000 §19.3.1), small enough to be interesting.
    const firstAckRange = firstSeed % (largestAcknowledged < 1000n ? largestAcknowledged + 1n : 1000n);
    let smallest = largestAcknowledged - firstAckRange;
    const ackRanges = [];
    for (const [g, l] of seeds) {
      if (smallest < 2n) break;
      const gap = g % (smallest - 1n < 50n ? smallest - 1n : 50n);
      const largest = smallest - gap - 2n;
      const ackRangeLength = l % (largest + 1n < 50n ? largest + 1n : 50n);
      smallest = largest - ackRangeLength;
      ackRanges.push({ gap, ackRangeLength });
    }
    const f: QuicFrame = { type: 'ack', largestAcknowledged, ackDelay, firstAckRange, ackRanges };
    if (ecn) f.ecn = ecn;
    return f;
  });

const streamFrame = fc
  .record({ streamId: varint(), offset: varint(MAX62 - 4096n), fin: fc.boolean(), data: bytes(0, 64) })
  .map((r): QuicFrame => ({ type: 'stream', ...r, hasLength: true }));

/** Any QUIC frame allowed in 1-RTT packets (every frame carries a Length where it has one). */
export const quicFrame: fc.Arbitrary<QuicFrame> = fc.oneof(
  fc.integer({ min: 1, max: 40 }).map((length): QuicFrame => ({ type: 'padding', length })),
  fc.constant<QuicFrame>({ type: 'ping' }),
  ack,
  fc.record({ streamId: varint(), errorCode: varint(), finalSize: varint() }).map((r): QuicFrame => ({ type: 'resetStream', ...r })),
  // draft-ietf-quic-reliable-stream-reset §4: Reliable Size <= Final Size
  fc.record({ streamId: varint(), errorCode: varint(), finalSize: varint(), cut: fc.bigInt({ min: 0n, max: MAX62 }) })
    .map(({ cut, ...r }): QuicFrame => ({ type: 'resetStreamAt', ...r, reliableSize: cut % (r.finalSize + 1n) })),
  fc.record({ streamId: varint(), errorCode: varint() }).map((r): QuicFrame => ({ type: 'stopSending', ...r })),
  fc.record({ offset: varint(MAX62 - 4096n), data: bytes(0, 64) }).map((r): QuicFrame => ({ type: 'crypto', ...r })),
  bytes(1, 40).map((token): QuicFrame => ({ type: 'newToken', token })),
  streamFrame,
  varint().map((maximumData): QuicFrame => ({ type: 'maxData', maximumData })),
  fc.record({ streamId: varint(), maximumStreamData: varint() }).map((r): QuicFrame => ({ type: 'maxStreamData', ...r })),
  fc.record({ bidirectional: fc.boolean(), maximumStreams: varint(1n << 60n) }).map((r): QuicFrame => ({ type: 'maxStreams', ...r })),
  varint().map((maximumData): QuicFrame => ({ type: 'dataBlocked', maximumData })),
  fc.record({ streamId: varint(), maximumStreamData: varint() }).map((r): QuicFrame => ({ type: 'streamDataBlocked', ...r })),
  fc.record({ bidirectional: fc.boolean(), maximumStreams: varint(1n << 60n) }).map((r): QuicFrame => ({ type: 'streamsBlocked', ...r })),
  fc.record({ sequenceNumber: varint(), retireSeed: fc.bigInt({ min: 0n, max: MAX62 }), connectionId: bytes(1, 20), statelessResetToken: bytes(16, 16) })
    .map(({ retireSeed, ...r }): QuicFrame => ({ type: 'newConnectionId', ...r, retirePriorTo: retireSeed % (r.sequenceNumber + 1n) })),
  varint().map((sequenceNumber): QuicFrame => ({ type: 'retireConnectionId', sequenceNumber })),
  bytes(8, 8).map((data): QuicFrame => ({ type: 'pathChallenge', data })),
  bytes(8, 8).map((data): QuicFrame => ({ type: 'pathResponse', data })),
  fc.record({ errorCode: varint(), frameType: varint(), reasonPhrase: bytes(0, 30) }).map((r): QuicFrame => ({ type: 'connectionClose', application: false, ...r })),
  fc.record({ errorCode: varint(), reasonPhrase: bytes(0, 30) }).map((r): QuicFrame => ({ type: 'connectionClose', application: true, ...r })),
  fc.constant<QuicFrame>({ type: 'handshakeDone' }),
  bytes(0, 64).map((data): QuicFrame => ({ type: 'datagram', data, hasLength: true })),
);

/** A packet payload: frames, the last possibly a STREAM/DATAGRAM without Length. */
export const quicPayload: fc.Arbitrary<QuicFrame[]> = fc
  .tuple(fc.array(quicFrame, { minLength: 1, maxLength: 8 }), fc.boolean())
  .map(([frames, openEnded]) => {
    const last = frames[frames.length - 1];
    if (openEnded && (last.type === 'stream' || last.type === 'datagram')) frames[frames.length - 1] = { ...last, hasLength: false };
    return frames;
  });

/** What the decoder returns for `frames`: adjacent PADDING merges, byte fields as plain arrays. */
export function normalizeQuic(frames: QuicFrame[]): unknown[] {
  const out: QuicFrame[] = [];
  for (const f of frames) {
    const prev = out[out.length - 1];
    if (f.type === 'padding' && prev?.type === 'padding') out[out.length - 1] = { type: 'padding', length: prev.length + f.length };
    else out.push(f);
  }
  return out.map(plain);
}

/** Typed arrays to number[] so that views and copies compare equal. */
export function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return Array.from(x);
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

const h3Id = varint();
/** Reserved (grease) frame types 0x1f*N+0x21 and other unknown types. */
const unknownType = fc.oneof(
  fc.bigInt({ min: 0n, max: 1000n }).map((n) => 0x1fn * n + 0x21n),
  fc.bigInt({ min: 0x0en, max: MAX62 }).filter((t) => t !== 0x21n && (t - 0x21n) % 0x1fn !== 0n),
);
const setting = fc.oneof(
  fc.constant(0x06n), fc.constant(0x01n), fc.constant(0x07n), fc.constant(0x08n), fc.constant(0x33n),
  fc.bigInt({ min: 0x21n, max: MAX62 }),
);

export const h3Frame: fc.Arbitrary<H3Frame> = fc.oneof(
  bytes(0, 100).map((data): H3Frame => ({ type: 'data', data })),
  bytes(0, 100).map((fieldSection): H3Frame => ({ type: 'headers', fieldSection })),
  h3Id.map((pushId): H3Frame => ({ type: 'cancelPush', pushId })),
  fc.uniqueArray(fc.tuple(setting, varint()), { maxLength: 6, selector: ([id]) => id })
    .map((settings): H3Frame => ({ type: 'settings', settings })),
  fc.record({ pushId: h3Id, fieldSection: bytes(0, 60) }).map((r): H3Frame => ({ type: 'pushPromise', ...r })),
  h3Id.map((id): H3Frame => ({ type: 'goaway', id })),
  h3Id.map((pushId): H3Frame => ({ type: 'maxPushId', pushId })),
  fc.record({ frameType: unknownType, payload: bytes(0, 40) }).map((r): H3Frame => ({ type: 'unknown', ...r })),
);
