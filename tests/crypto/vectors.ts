// Shared helpers for the crypto tests.
import { randomBytes as nodeRandom } from 'node:crypto';

export { hex, toHex } from '../helpers/hex.js';
export const range = (a: number, b: number) => Uint8Array.from({ length: b - a + 1 }, (_, i) => a + i);
export const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

/** Deterministic-enough random lengths with the edge cases first: 0, 1, block +-1. */
export function lengths(count: number, max: number, edges: number[]): number[] {
  const out = edges.filter((x) => x <= max);
  while (out.length < count) out.push(Math.floor(Math.random() * (max + 1)));
  return out;
}

export const rnd = (n: number) => Uint8Array.from(nodeRandom(n));

/** Differential test iterations per primitive (the brief asks >= 10,000). */
export const DIFF_N = Number(process.env.H3W_CRYPTO_DIFF_N ?? 10_000);
