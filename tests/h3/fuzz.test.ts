// Fuzz smoke for the HTTP/3 connection (tests/helpers/h3-fuzz.ts says what is
// sent and checked): a few thousand inputs per role into our server and our
// client; `npm run fuzz -- h3` runs many more (bench/fuzz-h3.mjs). FUZZ_SEED
// replays a run.
import { coreMemoryBytes } from '../helpers/core-hooks.js';
import { describe, expect, it } from 'vitest';
import { H3Fuzzer } from '../helpers/h3-fuzz.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
const CONNECTIONS = Number(process.env.H3_FUZZ_CONNECTIONS ?? 80);

describe('HTTP/3 fuzz smoke', () => {
  for (const role of ['server', 'client'] as const) {
    it(`random and mutated streams into our ${role}: no trap, H3 codes only, bounded memory (FUZZ_SEED=${SEED})`, () => {
      console.log(`h3 fuzz ${role}: FUZZ_SEED=${SEED}`);
      const f = new H3Fuzzer(role, SEED);
      let inputs = 0, closes = 0, survivors = 0;
      const codes = new Map<bigint, number>();
      const mem0 = coreMemoryBytes();
      for (let n = 0; n < CONNECTIONS; n++) {
        const r = f.runConnection();
        inputs += r.inputs;
        if (r.survived) survivors++;
        else { closes++; codes.set(r.closeCode!, (codes.get(r.closeCode!) ?? 0) + 1); }
      }
      const grown = coreMemoryBytes() - mem0;
      console.log(`h3 fuzz ${role}: ${inputs} inputs, ${closes} connection errors, ${survivors} connections survived; core memory +${(grown / 2 ** 20).toFixed(1)} MiB; closes by code ${[...codes].map(([k, v]) => `0x${k.toString(16)}:${v}`).join(' ')}`);
      expect(inputs).toBeGreaterThan(CONNECTIONS * 5);
      expect(survivors).toBeGreaterThan(0);
      expect(grown).toBeLessThan(64 * 2 ** 20);
      f.close();
    });
  }
});
