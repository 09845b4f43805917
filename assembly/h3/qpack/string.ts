// RFC 9204 §4.1.2: N-bit prefix string literals (RFC 7541 §5.2).
//
// The first byte carries (8-N) bits of the enclosing instruction, then the
// Huffman flag 'H', then the length as an (N-1)-bit prefix integer; the
// (possibly Huffman-coded) bytes follow.

import { Reader } from "../../wire/reader";
import { Writer } from "../../wire/writer";
import { readPrefixInt, PrefixInt, INT_OK, INT_TRUNCATED, writePrefixInt } from "./integer";
import { huffmanDecode, huffmanDecodedBound, huffmanEncode, huffmanEncodedLen } from "./huffman";

export const STR_OK: i32 = 0;
/** The input ended inside the literal. */
export const STR_TRUNCATED: i32 = 1;
/** The length does not fit in 62 bits. */
export const STR_OVERFLOW: i32 = 2;
/** RFC 7541 §5.2: EOS inside the string, or invalid padding. */
export const STR_HUFFMAN: i32 = 3;
/** The literal is longer than the caller allows. */
export const STR_TOO_LONG: i32 = 4;

/** Huffman policy of the writer. */
export const HUFFMAN_NEVER: i32 = 0;
/** Huffman-code a literal when that makes it shorter (the default). */
export const HUFFMAN_SHORTER: i32 = 1;

/** The literal's length field (scratch: readString is not reentrant). */
const lengthField = new PrefixInt();

/**
 * Reads an N-bit prefix string literal whose first byte `first` was already
 * read from `r` (prefixBits = N; 'H' is bit N-1) and appends the decoded bytes
 * to `out` (their length is the growth of `out.len`). A decoded string longer than `maxLen` is STR_TOO_LONG; a raw
 * length that cannot decode within `maxLen` is refused before any copy (every
 * Huffman symbol takes at most 30 bits, so at most 4 raw bytes per byte).
 */
export function readString(r: Reader, first: u32, prefixBits: u32, out: Writer, maxLen: usize): i32 {
  const huffman = (first >> (prefixBits - 1)) & 1;
  const st = readPrefixInt(r, first, prefixBits - 1, lengthField);
  if (st != INT_OK) return st == INT_TRUNCATED ? STR_TRUNCATED : STR_OVERFLOW;
  const n64 = lengthField.value;
  if (huffman) {
    if (n64 > <u64>maxLen * 4 + 4) return STR_TOO_LONG;
  } else if (n64 > <u64>maxLen) {
    return STR_TOO_LONG;
  }
  const n = <usize>n64;
  if (n > r.end - r.pos) return STR_TRUNCATED;
  const src = r.pos;
  r.pos += n;
  if (!huffman) {
    out.bytes(src, n);
    return STR_OK;
  }
  if (!out.ensure(huffmanDecodedBound(n))) return STR_TOO_LONG;
  const d = huffmanDecode(src, n, out.buf + out.len);
  if (d < 0) return STR_HUFFMAN;
  if (<usize>d > maxLen) return STR_TOO_LONG;
  out.len += <usize>d;
  return STR_OK;
}

/**
 * Writes an N-bit prefix string literal: `flags` are the instruction's high
 * (8-N) bits; 'H' is set when the Huffman form is used (policy HUFFMAN_SHORTER:
 * only when strictly shorter).
 */
export function writeString(w: Writer, flags: u32, prefixBits: u32, src: usize, len: usize, policy: i32): void {
  if (policy == HUFFMAN_SHORTER && len > 0) {
    const hlen = huffmanEncodedLen(src, len);
    if (hlen < len) {
      writePrefixInt(w, flags | (1 << (prefixBits - 1)), <u64>hlen, prefixBits - 1);
      if (!w.ensure(hlen)) return;
      w.len += huffmanEncode(src, len, w.buf + w.len);
      return;
    }
  }
  writePrefixInt(w, flags, <u64>len, prefixBits - 1);
  w.bytes(src, len);
}
