// Fuzz smoke test through the shipped component (host API -> dist/engine):
// random and mutated inputs to every decoder. Assertion: no trap (a trap is a
// WebAssembly.RuntimeError and kills the instance) and every rejection is one
// of the decoder's defined wire error codes. Inputs are batched into
// codec.fuzz-decode calls; a sample also goes through the public API to check
// that failures surface as CodecError. Seed: FUZZ_SEED (printed).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeQuicFrames, quicFrameAllowed, decodeH3Frames, decodeVarint, encodeQuicFrames, encodeH3Frames, encodeVarint,
  H3FrameParser,
} from '../../host/codec/index.js';
import { fuzzDecode, type FuzzTarget } from '../helpers/dev.mjs';
import { CodecError } from '../../host/errors.js';
import { quicPayload, h3Frame } from '../helpers/frames.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
console.log(`codec fuzz: FUZZ_SEED=${SEED}`);
const PER_DECODER = Number(process.env.FUZZ_INPUTS ?? 100_000);
const BATCH = 10_000;

/** mulberry32: small, fast, seedable. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}
type Rng = ReturnType<typeof prng>;

const INTERESTING = [0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff, 0x21, 0x1f, 0x04, 0x05, 0x08, 0x0e, 0x18];

function randomInput(rng: Rng): Uint8Array {
  const len = rng.next() < 0.8 ? rng.int(48) : rng.int(1500);
  const out = new Uint8Array(len);
  const bias = rng.next() < 0.5;
  for (let i = 0; i < len; i++) out[i] = bias && rng.next() < 0.5 ? INTERESTING[rng.int(INTERESTING.length)] : rng.int(256);
  return out;
}

/** Bit flips, byte overwrites, truncation, insertion/deletion, splices of two valid encodings. */
function mutate(rng: Rng, corpus: Uint8Array[]): Uint8Array {
  let b = Uint8Array.from(corpus[rng.int(corpus.length)]);
  const ops = 1 + rng.int(4);
  for (let k = 0; k < ops; k++) {
    switch (rng.int(6)) {
      case 0: if (b.length) b[rng.int(b.length)] ^= 1 << rng.int(8); break;
      case 1: if (b.length) b[rng.int(b.length)] = INTERESTING[rng.int(INTERESTING.length)]; break;
      case 2: b = b.subarray(0, rng.int(b.length + 1)); break;
      case 3: { // splice: a prefix of this with a suffix of another valid encoding
        const o = corpus[rng.int(corpus.length)];
        const x = new Uint8Array(rng.int(b.length + 1) + o.length);
        const cut = x.length - o.length;
        x.set(b.subarray(0, cut));
        const from = rng.int(o.length + 1);
        x.set(o.subarray(from), cut);
        b = x.subarray(0, cut + o.length - from);
        break;
      }
      case 4: { // insert random bytes
        const at = rng.int(b.length + 1);
        const ins = randomInput(rng).subarray(0, 1 + rng.int(8));
        const x = new Uint8Array(b.length + ins.length);
        x.set(b.subarray(0, at)); x.set(ins, at); x.set(b.subarray(at), at + ins.length);
        b = x;
        break;
      }
      case 5: { // delete a range
        const at = rng.int(b.length + 1);
        const n = rng.int(9);
        const x = new Uint8Array(Math.max(0, b.length - n));
        x.set(b.subarray(0, at).subarray(0, x.length));
        if (at + n < b.length) x.set(b.subarray(at + n), at);
        b = x;
        break;
      }
    }
  }
  return b;
}

function inputsFor(rng: Rng, corpus: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(rng.next() < 0.35 ? randomInput(rng) : mutate(rng, corpus));
  return out;
}

const QUIC_CODES = new Set([0n, 0x07n, 0x0an]);
const H3_CODES = new Set([0n, 0x105n, 0x106n, 0x107n, 0x109n, 0x10an]);
const VARINT_CODES = new Set([0n, 0x07n]);

// Corpora of valid encodings, from the property-test generators.
const quicPayloads = fc.sample(quicPayload, { seed: SEED, numRuns: 400 });
const quicCorpus = quicPayloads.map((f) => encodeQuicFrames(f));
/** Per packet type: the same payloads keeping only the frames Table 3 allows there. */
const TYPE_BYTE: Record<string, number> = { padding: 0, ping: 1, ack: 2, crypto: 6, connectionClose: 0x1c };
const quicCorpusFor = (packetType: number) => packetType === 3 ? quicCorpus : quicPayloads
  .map((fs) => fs.filter((f) => quicFrameAllowed(f.type === 'connectionClose' && f.application ? 0x1d : (TYPE_BYTE[f.type] ?? 0x08), packetType)))
  .filter((fs) => fs.length > 0)
  .map((fs) => encodeQuicFrames(fs.map((f) => (f.type === 'stream' || f.type === 'datagram' ? { ...f, hasLength: true } : f))));
const h3Corpus = fc.sample(fc.array(h3Frame, { minLength: 1, maxLength: 6 }), { seed: SEED, numRuns: 400 }).map((f) => encodeH3Frames(f));
const controlCorpus = h3Corpus.map((b) => Uint8Array.from([0x04, 0x02, 0x06, 0x01, ...b]));
const varintCorpus = fc.sample(fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }), { seed: SEED, numRuns: 200 }).map((v) => encodeVarint(v));

interface Run { target: FuzzTarget; param: number; label: string; corpus: Uint8Array[]; codes: Set<bigint>; inputs: number }
const RUNS: Run[] = [
  { target: 'varint', param: 0, label: 'varint', corpus: varintCorpus, codes: VARINT_CODES, inputs: PER_DECODER },
  { target: 'quic', param: 0, label: 'QUIC frames / Initial', corpus: quicCorpusFor(0), codes: QUIC_CODES, inputs: PER_DECODER },
  { target: 'quic', param: 1, label: 'QUIC frames / 0-RTT', corpus: quicCorpusFor(1), codes: QUIC_CODES, inputs: PER_DECODER },
  { target: 'quic', param: 2, label: 'QUIC frames / Handshake', corpus: quicCorpusFor(2), codes: QUIC_CODES, inputs: PER_DECODER },
  { target: 'quic', param: 3, label: 'QUIC frames / 1-RTT', corpus: quicCorpus, codes: QUIC_CODES, inputs: PER_DECODER },
  { target: 'h3', param: 0, label: 'HTTP/3 frames', corpus: h3Corpus, codes: H3_CODES, inputs: PER_DECODER },
  { target: 'h3-parser', param: 0, label: 'H3 parser / any stream', corpus: h3Corpus, codes: H3_CODES, inputs: PER_DECODER },
  { target: 'h3-parser', param: 1, label: 'H3 parser / control', corpus: controlCorpus, codes: H3_CODES, inputs: PER_DECODER },
  { target: 'h3-parser', param: 2, label: 'H3 parser / request', corpus: h3Corpus, codes: H3_CODES, inputs: PER_DECODER },
  { target: 'h3-parser', param: 3, label: 'H3 parser / push', corpus: h3Corpus, codes: H3_CODES, inputs: PER_DECODER },
];

describe('codec fuzz through the component', () => {
  RUNS.forEach((run, i) => {
    it(`${run.label}: ${run.inputs} random + mutated inputs, no trap, only defined codes`, () => {
      const rng = prng(SEED + i * 0x9e3779b9);
      const t0 = performance.now();
      const seen = new Map<bigint, number>();
      for (let done = 0; done < run.inputs; done += BATCH) {
        const inputs = inputsFor(rng, run.corpus, Math.min(BATCH, run.inputs - done));
        const outcomes = fuzzDecode(run.target, run.param, inputs);
        expect(outcomes.length).toBe(inputs.length);
        outcomes.forEach((c, k) => {
          if (!run.codes.has(c)) {
            throw new Error(`${run.label}: outcome 0x${c.toString(16)} for input ${Buffer.from(inputs[k]).toString('hex')} (FUZZ_SEED=${SEED})`);
          }
          seen.set(c, (seen.get(c) ?? 0) + 1);
        });
      }
      const summary = [...seen].sort((a, b) => Number(a[0] - b[0])).map(([c, n]) => `0x${c.toString(16)}:${n}`).join(' ');
      console.log(`fuzz ${run.label}: ${run.inputs} inputs in ${((performance.now() - t0) / 1000).toFixed(2)} s — ${summary}`);
      // The mix must exercise both sides: some inputs accepted, some rejected.
      expect(seen.get(0n) ?? 0).toBeGreaterThan(0);
      expect(run.inputs - (seen.get(0n) ?? 0)).toBeGreaterThan(0);
    });
  });

  it('public API: failures are CodecError with a defined code (sample of 3000 per decoder)', () => {
    const rng = prng(SEED ^ 0x5bd1e995);
    const check = (codes: Set<bigint>, fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (!(e instanceof CodecError)) throw e; // a trap would be a WebAssembly.RuntimeError here
        expect(codes.has(e.wireCode)).toBe(true);
      }
    };
    for (const input of inputsFor(rng, quicCorpus, 3000)) check(QUIC_CODES, () => decodeQuicFrames(rng.int(4), input));
    for (const input of inputsFor(rng, h3Corpus, 3000)) check(H3_CODES, () => decodeH3Frames(input));
    for (const input of inputsFor(rng, varintCorpus, 3000)) check(VARINT_CODES, () => decodeVarint(input));
    for (const input of inputsFor(rng, controlCorpus, 3000)) {
      const p = new H3FrameParser((['any', 'control', 'request', 'push'] as const)[rng.int(4)]);
      check(H3_CODES, () => {
        const cut = rng.int(input.length + 1);
        p.push(input.subarray(0, cut));
        p.push(input.subarray(cut), true);
      });
      p.close();
    }
    // The instance is still alive.
    expect(decodeQuicFrames('1rtt', Uint8Array.of(1))).toEqual([{ type: 'ping' }]);
  });
});
