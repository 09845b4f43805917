// DER (ITU-T X.690) reading on top of `Reader`: one TLV at a time, strict
// (definite minimal lengths, single-byte tags), never trapping. Used by the
// X.509 and PKCS#8 parsers.

import { Reader } from "../wire/reader";

// Universal tags (X.690 §8).
export const TAG_BOOLEAN: u32 = 0x01;
export const TAG_INTEGER: u32 = 0x02;
export const TAG_BIT_STRING: u32 = 0x03;
export const TAG_OCTET_STRING: u32 = 0x04;
export const TAG_NULL: u32 = 0x05;
export const TAG_OID: u32 = 0x06;
export const TAG_UTF8_STRING: u32 = 0x0c;
export const TAG_PRINTABLE_STRING: u32 = 0x13;
export const TAG_IA5_STRING: u32 = 0x16;
export const TAG_UTC_TIME: u32 = 0x17;
export const TAG_GENERALIZED_TIME: u32 = 0x18;
export const TAG_SEQUENCE: u32 = 0x30;
export const TAG_SET: u32 = 0x31;

/** Context-specific tag number `n`, constructed or primitive. */
@inline export function ctx(n: u32, constructed: bool): u32 {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One decoded TLV: `tag`, its contents (`ptr`, `len`) and the whole element (`start` .. `end`). */
@final
export class Der {
  tag: u32 = 0;
  ptr: usize = 0;
  len: usize = 0;
  start: usize = 0;
  @inline get end(): usize { return this.ptr + this.len; }
  @inline get totalLen(): usize { return this.ptr + this.len - this.start; }
  /** A reader over the contents. */
  @inline reader(into: Reader): Reader { return into.reset(this.ptr, this.len); }
}

/**
 * Reads the next TLV into `out`. False (and `r.failed`) on a malformed
 * header: high tag numbers, indefinite or non-minimal lengths, lengths above
 * 2^24 or running past the end.
 */
export function derNext(r: Reader, out: Der): bool {
  out.start = r.pos;
  const tag = <u32>r.u8();
  if (r.failed) return false;
  if ((tag & 0x1f) == 0x1f) { r.fail(); return false; } // X.690 §8.1.2.4: high tag numbers unused here
  const first = <u32>r.u8();
  let len: usize = 0;
  if (first < 0x80) {
    len = <usize>first;
  } else {
    const n = first & 0x7f;
    // X.690 §10.1: DER uses the definite form with the minimum number of octets.
    if (n == 0 || n > 3) { r.fail(); return false; }
    for (let i: u32 = 0; i < n; i++) len = (len << 8) | <usize>r.u8();
    if (r.failed) return false;
    if (len < 0x80 || (n == 2 && len < 0x100) || (n == 3 && len < 0x10000)) { r.fail(); return false; }
  }
  const p = r.skip(len);
  if (r.failed) return false;
  out.tag = tag;
  out.ptr = p;
  out.len = len;
  return true;
}

/** Reads the next TLV and requires its tag. */
export function derExpect(r: Reader, tag: u32, out: Der): bool {
  if (!derNext(r, out)) return false;
  if (out.tag != tag) { r.fail(); return false; }
  return true;
}

/** If the next element has `tag`, reads it into `out` and returns true; else leaves `r` untouched. */
export function derOptional(r: Reader, tag: u32, out: Der): bool {
  if (r.atEnd || <u32>r.peekU8() != tag) return false;
  return derNext(r, out);
}

/** True when the element's contents equal the `n` bytes at `bytes`. */
export function derContentEquals(e: Der, bytes: usize, n: usize): bool {
  if (e.len != n) return false;
  return memory.compare(e.ptr, bytes, n) == 0;
}

/** Compares the contents of an OID element with a static encoding. */
export function oidIs(e: Der, oid: StaticArray<u8>): bool {
  return e.tag == TAG_OID && derContentEquals(e, changetype<usize>(oid), <usize>oid.length);
}

/**
 * An INTEGER's magnitude without the DER sign padding: sets `out.ptr/len`
 * to the unsigned big-endian bytes. False for negative or non-minimal encodings.
 */
export function derUnsigned(e: Der, out: Der): bool {
  if (e.tag != TAG_INTEGER || e.len == 0) return false;
  let p = e.ptr;
  let n = e.len;
  const b0 = load<u8>(p);
  if (b0 & 0x80) return false; // negative
  if (b0 == 0 && n > 1) {
    if ((load<u8>(p + 1) & 0x80) == 0) return false; // X.690 §8.3.2: not minimal
    p++; n--;
  }
  out.tag = TAG_INTEGER;
  out.start = e.start;
  out.ptr = p;
  out.len = n;
  return true;
}

/** A small non-negative INTEGER (at most 4 bytes); -1 when it is not one. */
export function derSmallInt(e: Der): i64 {
  const m = new Der();
  if (!derUnsigned(e, m) || m.len > 4) return -1;
  let v: i64 = 0;
  for (let i: usize = 0; i < m.len; i++) v = (v << 8) | <i64>load<u8>(m.ptr + i);
  return v;
}

@inline function digit(p: usize): i32 {
  const c = <i32>load<u8>(p) - 0x30;
  return c >= 0 && c <= 9 ? c : -1000000;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  y -= m <= 2 ? 1 : 0;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** Sentinel returned by `derTime` for a malformed time. */
export const BAD_TIME: i64 = i64.MIN_VALUE;

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ; YY >= 50 means 19YY) or
 * GeneralizedTime (YYYYMMDDHHMMSSZ) to Unix seconds; BAD_TIME when malformed.
 */
export function derTime(e: Der): i64 {
  let p = e.ptr;
  let year: i32 = 0;
  if (e.tag == TAG_UTC_TIME) {
    if (e.len != 13) return BAD_TIME;
    const yy = digit(p) * 10 + digit(p + 1);
    if (yy < 0) return BAD_TIME;
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p += 2;
  } else if (e.tag == TAG_GENERALIZED_TIME) {
    if (e.len != 15) return BAD_TIME;
    year = digit(p) * 1000 + digit(p + 1) * 100 + digit(p + 2) * 10 + digit(p + 3);
    if (year < 0) return BAD_TIME;
    p += 4;
  } else {
    return BAD_TIME;
  }
  const mon = digit(p) * 10 + digit(p + 1);
  const day = digit(p + 2) * 10 + digit(p + 3);
  const hh = digit(p + 4) * 10 + digit(p + 5);
  const mm = digit(p + 6) * 10 + digit(p + 7);
  const ss = digit(p + 8) * 10 + digit(p + 9);
  if (load<u8>(p + 10) != 0x5a) return BAD_TIME; // 'Z'
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return BAD_TIME;
  return daysFromCivil(<i64>year, <i64>mon, <i64>day) * 86400 + <i64>hh * 3600 + <i64>mm * 60 + <i64>ss;
}
