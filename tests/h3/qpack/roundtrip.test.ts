// Random round trips through the shipped component: random field sections ×
// random table capacities × random blocked-stream limits, over a simulated
// network that delays and reorders (encoder-stream bytes arrive late, sections
// out of order, acknowledgments late), with the decoder's acknowledgments fed
// back to the encoder. Any encoder rule broken (blocked-stream limit, eviction
// of a referenced entry, capacity) makes the decoder fail.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { QpackDecoder, QpackEncoder, type Field } from '../../../host/qpack/index.js';

const NAMES = [':method', ':path', ':authority', ':status', 'content-type', 'cookie', 'user-agent', 'accept', 'x-trace', 'authorization', 'etag', 'date', 'set-cookie', 'x-custom-header-with-a-long-name'];
const VALUES = ['GET', '/', '/index.html', 'www.example.com', '200', 'text/html; charset=utf-8', 'a=b; c=d', '', 'Mozilla/5.0', '*/*'];

const fieldArb: fc.Arbitrary<Field> = fc.tuple(
  fc.oneof(fc.constantFrom(...NAMES), fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-'.split('')), minLength: 1, maxLength: 12 })),
  fc.oneof(fc.constantFrom(...VALUES), fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 60 })),
);
const sectionsArb = fc.array(fc.array(fieldArb, { maxLength: 12 }), { minLength: 1, maxLength: 14 })
  // repeat some sections so the dynamic table gets used
  .chain((s) => fc.array(fc.nat(s.length - 1), { maxLength: 10 }).map((reps) => [...s, ...reps.map((i) => s[i])]));

interface Plan { cap: number; blocked: number; seed: number }

function run(sections: Field[][], { cap, blocked, seed }: Plan) {
  let rnd = seed >>> 0 || 1;
  const next = () => { rnd ^= rnd << 13; rnd >>>= 0; rnd ^= rnd >>> 17; rnd ^= rnd << 5; rnd >>>= 0; return rnd / 2 ** 32; };
  const enc = new QpackEncoder({ peerMaxTableCapacity: cap, peerBlockedStreams: blocked, encoding: 'latin1' });
  const dec = new QpackDecoder({ maxTableCapacity: cap, maxBlockedStreams: blocked, encoding: 'latin1' });
  const encoderStream: Uint8Array[] = [];
  const decoderStream: Uint8Array[] = [];
  const inFlight: { id: bigint; section: Uint8Array }[] = [];
  const decoded = new Map<bigint, Field[]>();
  const deliverSome = (all: boolean) => {
    // encoder stream: in order, a random prefix
    while (encoderStream.length && (all || next() < 0.5)) {
      for (const id of dec.feedEncoderStream(encoderStream.shift()!)) {
        const f = dec.resume(id);
        expect(f).not.toBeNull();
        decoded.set(id, f!);
      }
    }
    // sections: any order
    while (inFlight.length && (all || next() < 0.6)) {
      const [{ id, section }] = inFlight.splice(Math.floor(next() * inFlight.length), 1);
      const f = dec.decode(id, section);
      if (f) decoded.set(id, f);
    }
    const ds = dec.takeDecoderStream();
    if (ds.length) decoderStream.push(ds);
    while (decoderStream.length && (all || next() < 0.5)) enc.feedDecoderStream(decoderStream.shift()!);
  };
  try {
    sections.forEach((fields, i) => {
      const id = BigInt(4 * i);
      const { encoderStream: es, section } = enc.encode(id, fields);
      if (es.length) {
        // cut the encoder stream at a random point: instructions arrive in pieces
        const cut = Math.floor(next() * (es.length + 1));
        encoderStream.push(es.subarray(0, cut), es.subarray(cut));
      }
      inFlight.push({ id, section });
      expect(enc.stats().tableSize).toBeLessThanOrEqual(cap);
      deliverSome(false);
    });
    for (let k = 0; k < 3; k++) deliverSome(true);
    expect(decoded.size).toBe(sections.length);
    sections.forEach((fields, i) => expect(decoded.get(BigInt(4 * i))).toEqual(fields));
    return enc.stats();
  } finally {
    enc.close();
    dec.close();
  }
}

describe('QPACK random round trips through the component', () => {
  it('decodes exactly what was encoded, for random tables, blocking limits and delivery orders', () => {
    fc.assert(fc.property(
      sectionsArb,
      fc.record({ cap: fc.constantFrom(0, 32, 64, 100, 220, 256, 1000, 4096), blocked: fc.constantFrom(0, 1, 2, 100), seed: fc.nat() }),
      (sections, plan) => { run(sections, plan); },
    ), { numRuns: 150 });
  });

  it('uses the dynamic table when repetition makes it worthwhile', () => {
    const req: Field[] = [[':method', 'GET'], [':authority', 'example.org'], ['user-agent', 'test-agent/1.0 (long enough to matter)'], ['x-api-key', '0123456789abcdef']];
    const stats = run(Array(20).fill(req), { cap: 4096, blocked: 0, seed: 7 });
    expect(stats.insertCount).toBeGreaterThan(0n);
    expect(stats.knownReceivedCount).toBe(stats.insertCount);
  });
});
