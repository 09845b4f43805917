// RFC 7541 §5.2 + Appendix B: the Huffman code of string literals (RFC 9204 §4.1.2).
//
// Decoding is a 4-bit finite state machine (nghttp2's design): the states are
// the 256 internal nodes of the code tree; for each state and input nibble a
// precomputed u32 says which state follows, whether a symbol was completed
// (at most one: the shortest code has 5 bits), whether EOS was hit, and
// whether stopping there is valid padding. The table is built once at start
// from the code table; it is public data, so table lookups are fine.

import { HUFFMAN_CODES, HUFFMAN_LENGTHS, HUFFMAN_EOS } from "./huffman_table";

const NEXT_MASK: u32 = 0xff;
/** A symbol was completed; it is in bits 16..23. */
const EMIT: u32 = 1 << 8;
/** The nibble completed EOS: RFC 7541 §5.2 "MUST be treated as a decoding error". */
const FAIL: u32 = 1 << 9;
/**
 * Ending in this state is valid: the bits since the last symbol are a prefix
 * of EOS (all ones) no longer than 7 bits. RFC 7541 §5.2: "A padding strictly
 * longer than 7 bits MUST be treated as a decoding error. A padding not
 * corresponding to the most significant bits of the code for the EOS symbol
 * MUST be treated as a decoding error."
 */
const ACCEPT: u32 = 1 << 10;

/** 256 states x 16 nibbles x u32. */
const FSM: usize = memory.data(256 * 16 * 4, 16);

function buildFsm(): void {
  // Code tree: internal nodes 0..255 (0 = root); child >= 0 is an internal
  // node, child < 0 is the leaf of symbol -child-1.
  const child = new StaticArray<i32>(512);
  const depth = new StaticArray<i32>(256);
  const ones = new StaticArray<bool>(256);
  for (let i = 0; i < 512; i++) unchecked(child[i] = 0x7fffffff);
  ones[0] = true;
  let nodes = 1;
  for (let sym = 0; sym <= HUFFMAN_EOS; sym++) {
    const code = HUFFMAN_CODES[sym];
    const len = <i32>HUFFMAN_LENGTHS[sym];
    let cur = 0;
    for (let b = len - 1; b >= 0; b--) {
      const bit = <i32>((code >> <u32>b) & 1);
      const slot = cur * 2 + bit;
      if (b == 0) { child[slot] = -(sym + 1); break; }
      let next = child[slot];
      if (next == 0x7fffffff) {
        next = nodes++;
        child[slot] = next;
        depth[next] = depth[cur] + 1;
        ones[next] = ones[cur] && bit == 1;
      }
      cur = next;
    }
  }
  for (let s = 0; s < 256; s++) {
    for (let nib = 0; nib < 16; nib++) {
      let cur = s;
      let entry: u32 = 0;
      for (let b = 3; b >= 0; b--) {
        const c = child[cur * 2 + ((nib >> b) & 1)];
        if (c < 0) {
          const sym = -c - 1;
          if (sym == HUFFMAN_EOS) { entry |= FAIL; break; }
          entry |= EMIT | (<u32>sym << 16);
          cur = 0;
        } else {
          cur = c;
        }
      }
      if ((entry & FAIL) == 0) {
        entry |= <u32>cur;
        if (ones[cur] && depth[cur] <= 7) entry |= ACCEPT;
      }
      store<u32>(FSM + ((<usize>s << 4 | <usize>nib) << 2), entry);
    }
  }
}
buildFsm();

/** Upper bound of the decoded length of `len` Huffman bytes (5-bit shortest code). */
@inline
export function huffmanDecodedBound(len: usize): usize {
  return (len * 8) / 5 + 1;
}

/**
 * Decodes `len` Huffman-coded bytes at `src` into `dst` (which has room for
 * huffmanDecodedBound(len) bytes). Returns the decoded length, or -1 on a
 * decoding error (EOS in the string, padding longer than 7 bits or not all ones).
 */
export function huffmanDecode(src: usize, len: usize, dst: usize): isize {
  let state: u32 = 0;
  let accept: u32 = ACCEPT;
  let out = dst;
  const end = src + len;
  for (let p = src; p < end; p++) {
    const byte = <u32>load<u8>(p);
    let e = load<u32>(FSM + ((<usize>state << 4 | <usize>(byte >> 4)) << 2));
    if (e & FAIL) return -1;
    if (e & EMIT) store<u8>(out++, <u8>(e >> 16));
    e = load<u32>(FSM + ((<usize>(e & NEXT_MASK) << 4 | <usize>(byte & 15)) << 2));
    if (e & FAIL) return -1;
    if (e & EMIT) store<u8>(out++, <u8>(e >> 16));
    state = e & NEXT_MASK;
    accept = e & ACCEPT;
  }
  if (accept == 0) return -1;
  return <isize>(out - dst);
}

/** Bytes the Huffman encoding of `len` bytes at `src` takes. */
export function huffmanEncodedLen(src: usize, len: usize): usize {
  let bits: usize = 0;
  for (let i: usize = 0; i < len; i++) bits += <usize>unchecked(HUFFMAN_LENGTHS[load<u8>(src + i)]);
  return (bits + 7) >> 3;
}

/**
 * Huffman-encodes `len` bytes at `src` into `dst` (room for
 * huffmanEncodedLen bytes); the last byte is padded with the most
 * significant bits of EOS (ones). Returns the bytes written.
 */
export function huffmanEncode(src: usize, len: usize, dst: usize): usize {
  let acc: u64 = 0;
  let nbits: u32 = 0;
  let out = dst;
  for (let i: usize = 0; i < len; i++) {
    const b = <i32>load<u8>(src + i);
    const l = <u32>unchecked(HUFFMAN_LENGTHS[b]);
    acc = (acc << <u64>l) | <u64>unchecked(HUFFMAN_CODES[b]);
    nbits += l;
    while (nbits >= 8) {
      nbits -= 8;
      store<u8>(out++, <u8>(acc >> <u64>nbits));
    }
  }
  if (nbits > 0) store<u8>(out++, <u8>((acc << <u64>(8 - nbits)) | <u64>(0xff >> nbits)));
  return out - dst;
}
