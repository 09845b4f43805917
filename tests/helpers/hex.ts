// The one hex helper of the tests: RFC vectors are quoted as hex, often
// wrapped over several lines, and results are compared as hex strings.

/** Bytes of a hex string; whitespace (spaces, line breaks) is ignored. */
export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** Lowercase hex of `b`; null stays null (for results that may be absent). */
export function toHex(b: Uint8Array): string;
export function toHex(b: Uint8Array | null): string | null;
export function toHex(b: Uint8Array | null): string | null {
  return b === null || b === undefined ? null : Buffer.from(b).toString('hex');
}
