// RFC 9204 §4.1.1 (RFC 7541 §5.1): prefixed integers.
//
// An N-bit prefix integer fills the low N bits of its first byte; values that
// do not fit continue in 7-bit groups, least significant first. RFC 9204
// §4.1.1: "QPACK implementations MUST be able to decode integers up to and
// including 62 bits long"; longer values are an error (INT_OVERFLOW).

import { Reader } from "../../wire/reader";
import { Writer } from "../../wire/writer";

/** Decode status, shared by integer and string readers. */
export const INT_OK: i32 = 0;
/** The input ended inside the integer (a stream may deliver the rest later). */
export const INT_TRUNCATED: i32 = 1;
/** The integer exceeds 2^62 - 1. */
export const INT_OVERFLOW: i32 = 2;

const INT_MAX: u64 = 0x3fffffffffffffff;

/** The value `readPrefixInt` decoded: a caller-owned record, reused across calls. */
@final
export class PrefixInt {
  value: u64 = 0;
}

/**
 * Decodes an N-bit prefix integer whose first byte `first` was already read
 * from `r`; continuation bytes come from `r`. Returns INT_OK with the value
 * in `out.value`, or INT_TRUNCATED / INT_OVERFLOW (`out.value` is then 0).
 */
export function readPrefixInt(r: Reader, first: u32, prefixBits: u32, out: PrefixInt): i32 {
  const mask: u32 = (1 << prefixBits) - 1;
  let v: u64 = <u64>(first & mask);
  out.value = 0;
  if (v < <u64>mask) { out.value = v; return INT_OK; }
  let shift: u64 = 0;
  while (true) {
    if (r.pos >= r.end) return INT_TRUNCATED;
    const b = <u64>load<u8>(r.pos);
    r.pos++;
    // 9 continuation bytes carry 63 bits: anything beyond cannot be <= 2^62-1.
    if (shift > 56) return INT_OVERFLOW;
    v += (b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  if (v > INT_MAX) return INT_OVERFLOW;
  out.value = v;
  return INT_OK;
}

/** Bytes an N-bit prefix integer takes. */
export function prefixIntLen(v: u64, prefixBits: u32): usize {
  const mask = (<u64>1 << prefixBits) - 1;
  if (v < mask) return 1;
  v -= mask;
  let n: usize = 2;
  while (v >= 0x80) { v >>= 7; n++; }
  return n;
}

/** Writes an N-bit prefix integer; `flags` are the high (8-N) bits of the first byte. */
export function writePrefixInt(w: Writer, flags: u32, v: u64, prefixBits: u32): void {
  const mask = (<u64>1 << prefixBits) - 1;
  if (v < mask) { w.u8(flags | <u32>v); return; }
  const n = prefixIntLen(v, prefixBits);
  if (!w.ensure(n)) return;
  let p = w.buf + w.len;
  store<u8>(p++, <u8>(flags | <u32>mask));
  v -= mask;
  while (v >= 0x80) {
    store<u8>(p++, <u8>((<u32>v & 0x7f) | 0x80));
    v >>= 7;
  }
  store<u8>(p, <u8>v);
  w.len += n;
}
