// RFC 9204 §4.5: writers for the encoded field section prefix and the five
// field line representations. The encoder's policy (encoder.ts) decides which
// to use; tests use them directly to build sections byte by byte.

import { Writer } from "../../wire/writer";
import { writePrefixInt } from "./integer";
import { writeString } from "./string";

/**
 * §4.5.1: the prefix. Required Insert Count is encoded modulo 2*MaxEntries
 * (§4.5.1.1); Base as Sign + Delta Base relative to it (§4.5.1.2).
 */
export function writeSectionPrefix(w: Writer, ric: u64, base: u64, maxTableCapacity: usize): void {
  if (ric == 0) {
    w.u8(0);
  } else {
    const maxEntries = <u64>(maxTableCapacity / 32);
    writePrefixInt(w, 0, (ric % (2 * maxEntries)) + 1, 8);
  }
  if (base >= ric) writePrefixInt(w, 0x00, base - ric, 7);
  else writePrefixInt(w, 0x80, ric - base - 1, 7);
}

/** §4.5.2 Indexed Field Line: static index, or dynamic relative index (Base - 1 - abs). */
@inline
export function writeIndexed(w: Writer, isStatic: bool, index: u64): void {
  writePrefixInt(w, isStatic ? 0xc0 : 0x80, index, 6);
}

/** §4.5.3 Indexed Field Line with Post-Base Index (abs - Base). */
@inline
export function writeIndexedPostBase(w: Writer, index: u64): void {
  writePrefixInt(w, 0x10, index, 4);
}

/** §4.5.4 Literal Field Line with Name Reference (static index or dynamic relative index). */
export function writeLiteralNameRef(w: Writer, never: bool, isStatic: bool, index: u64, vp: usize, vl: usize, huffman: i32): void {
  writePrefixInt(w, 0x40 | (never ? 0x20 : 0) | (isStatic ? 0x10 : 0), index, 4);
  writeString(w, 0, 8, vp, vl, huffman);
}

/** §4.5.5 Literal Field Line with Post-Base Name Reference. */
export function writeLiteralPostBaseNameRef(w: Writer, never: bool, index: u64, vp: usize, vl: usize, huffman: i32): void {
  writePrefixInt(w, never ? 0x08 : 0x00, index, 3);
  writeString(w, 0, 8, vp, vl, huffman);
}

/** §4.5.6 Literal Field Line with Literal Name. */
export function writeLiteralName(w: Writer, never: bool, np: usize, nl: usize, vp: usize, vl: usize, huffman: i32): void {
  writeString(w, 0x20 | (never ? 0x10 : 0), 4, np, nl, huffman);
  writeString(w, 0, 8, vp, vl, huffman);
}
