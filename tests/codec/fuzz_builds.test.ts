// The fuzz entry point on the AS test builds: the debug build keeps asserts
// and managed-array bounds checks that the release build strips, so a bug
// that only corrupts memory silently in release aborts here.
import { describe, expect, it } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { encodeQuicFrames, encodeH3Frames } from '../../host/codec/index.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
console.log(`codec fuzz (test builds): FUZZ_SEED=${SEED}`);
const INPUTS = 20_000;

function prng(seed: number) {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const seeds = [
  encodeQuicFrames([
    { type: 'ack', largestAcknowledged: 1000n, ackDelay: 3n, firstAckRange: 2n, ackRanges: [{ gap: 1n, ackRangeLength: 2n }], ecn: { ect0: 1n, ect1: 0n, ce: 0n } },
    { type: 'stream', streamId: 4n, offset: 10n, fin: true, data: new Uint8Array(20) },
    { type: 'newConnectionId', sequenceNumber: 2n, retirePriorTo: 1n, connectionId: new Uint8Array(8), statelessResetToken: new Uint8Array(16) },
    { type: 'connectionClose', application: false, errorCode: 7n, frameType: 6n, reasonPhrase: new Uint8Array(3) },
    { type: 'crypto', offset: 0n, data: new Uint8Array(5) },
    { type: 'padding', length: 4 },
  ]),
  encodeH3Frames([
    { type: 'settings', settings: [[6n, 100n], [1n, 0n]] },
    { type: 'headers', fieldSection: new Uint8Array(10) },
    { type: 'pushPromise', pushId: 3n, fieldSection: new Uint8Array(4) },
    { type: 'unknown', frameType: 0x21n, payload: new Uint8Array(2) },
    { type: 'goaway', id: 4n },
    { type: 'data', data: new Uint8Array(7) },
  ]),
];

/** Length-prefixed batch of mutated seeds and random bytes. */
function batch(rnd: (n: number) => number): Uint8Array {
  const parts: number[] = [];
  for (let i = 0; i < INPUTS; i++) {
    let b: number[];
    if (rnd(3) === 0) b = Array.from({ length: rnd(40) }, () => rnd(256));
    else {
      b = Array.from(seeds[rnd(seeds.length)]);
      for (let k = rnd(4); k >= 0; k--) {
        const op = rnd(3);
        if (op === 0 && b.length) b[rnd(b.length)] ^= 1 << rnd(8);
        else if (op === 1) b = b.slice(0, rnd(b.length + 1));
        else b.splice(rnd(b.length + 1), 0, rnd(256));
      }
    }
    parts.push(b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b);
  }
  return Uint8Array.from(parts);
}

const CODES: Record<number, bigint[]> = { 0: [0n, 7n], 1: [0n, 7n, 10n], 2: [0n, 0x105n, 0x106n, 0x107n, 0x109n], 3: [0n, 0x105n, 0x106n, 0x107n, 0x109n, 0x10an] };

for (const variant of VARIANTS) {
  describe(`codec fuzz-decode (${variant} build)`, async () => {
    const m = await loadTest<any>('codecs', variant);
    for (const [target, params] of [[0, [0]], [1, [0, 1, 2, 3]], [2, [0]], [3, [0, 1, 2, 3]]] as [number, number[]][]) {
      it(`target ${target}: ${INPUTS} inputs per parameter, no abort, defined codes`, () => {
        const rnd = prng(SEED + target);
        for (const param of params) {
          const out: bigint[] = m.fuzzBatch(target, param, batch(rnd));
          expect(out).toHaveLength(INPUTS);
          for (const c of out) if (!CODES[target].includes(c)) throw new Error(`target ${target}/${param}: code 0x${c.toString(16)} (FUZZ_SEED=${SEED})`);
        }
      });
    }
  });
}
