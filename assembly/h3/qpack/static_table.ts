// RFC 9204 §3.1 + Appendix A: the static table, and the encoder's lookups
// into it (exact name+value match, name match) through two small
// open-addressing hash tables built once at start.

import { hashBytes, hashValue } from "./hash";

export const STATIC_COUNT: i32 = 99;

// prettier-ignore
export const STATIC_ENTRIES: StaticArray<string> = [
  ":authority", "", // 0
  ":path", "/", // 1
  "age", "0", // 2
  "content-disposition", "", // 3
  "content-length", "0", // 4
  "cookie", "", // 5
  "date", "", // 6
  "etag", "", // 7
  "if-modified-since", "", // 8
  "if-none-match", "", // 9
  "last-modified", "", // 10
  "link", "", // 11
  "location", "", // 12
  "referer", "", // 13
  "set-cookie", "", // 14
  ":method", "CONNECT", // 15
  ":method", "DELETE", // 16
  ":method", "GET", // 17
  ":method", "HEAD", // 18
  ":method", "OPTIONS", // 19
  ":method", "POST", // 20
  ":method", "PUT", // 21
  ":scheme", "http", // 22
  ":scheme", "https", // 23
  ":status", "103", // 24
  ":status", "200", // 25
  ":status", "304", // 26
  ":status", "404", // 27
  ":status", "503", // 28
  "accept", "*/*", // 29
  "accept", "application/dns-message", // 30
  "accept-encoding", "gzip, deflate, br", // 31
  "accept-ranges", "bytes", // 32
  "access-control-allow-headers", "cache-control", // 33
  "access-control-allow-headers", "content-type", // 34
  "access-control-allow-origin", "*", // 35
  "cache-control", "max-age=0", // 36
  "cache-control", "max-age=2592000", // 37
  "cache-control", "max-age=604800", // 38
  "cache-control", "no-cache", // 39
  "cache-control", "no-store", // 40
  "cache-control", "public, max-age=31536000", // 41
  "content-encoding", "br", // 42
  "content-encoding", "gzip", // 43
  "content-type", "application/dns-message", // 44
  "content-type", "application/javascript", // 45
  "content-type", "application/json", // 46
  "content-type", "application/x-www-form-urlencoded", // 47
  "content-type", "image/gif", // 48
  "content-type", "image/jpeg", // 49
  "content-type", "image/png", // 50
  "content-type", "text/css", // 51
  "content-type", "text/html; charset=utf-8", // 52
  "content-type", "text/plain", // 53
  "content-type", "text/plain;charset=utf-8", // 54
  "range", "bytes=0-", // 55
  "strict-transport-security", "max-age=31536000", // 56
  "strict-transport-security", "max-age=31536000; includesubdomains", // 57
  "strict-transport-security", "max-age=31536000; includesubdomains; preload", // 58
  "vary", "accept-encoding", // 59
  "vary", "origin", // 60
  "x-content-type-options", "nosniff", // 61
  "x-xss-protection", "1; mode=block", // 62
  ":status", "100", // 63
  ":status", "204", // 64
  ":status", "206", // 65
  ":status", "302", // 66
  ":status", "400", // 67
  ":status", "403", // 68
  ":status", "421", // 69
  ":status", "425", // 70
  ":status", "500", // 71
  "accept-language", "", // 72
  "access-control-allow-credentials", "FALSE", // 73
  "access-control-allow-credentials", "TRUE", // 74
  "access-control-allow-headers", "*", // 75
  "access-control-allow-methods", "get", // 76
  "access-control-allow-methods", "get, post, options", // 77
  "access-control-allow-methods", "options", // 78
  "access-control-expose-headers", "content-length", // 79
  "access-control-request-headers", "content-type", // 80
  "access-control-request-method", "get", // 81
  "access-control-request-method", "post", // 82
  "alt-svc", "clear", // 83
  "authorization", "", // 84
  "content-security-policy", "script-src 'none'; object-src 'none'; base-uri 'none'", // 85
  "early-data", "1", // 86
  "expect-ct", "", // 87
  "forwarded", "", // 88
  "if-range", "", // 89
  "origin", "", // 90
  "purpose", "prefetch", // 91
  "server", "", // 92
  "timing-allow-origin", "*", // 93
  "upgrade-insecure-requests", "1", // 94
  "user-agent", "", // 95
  "x-forwarded-for", "", // 96
  "x-frame-options", "deny", // 97
  "x-frame-options", "sameorigin", // 98
];

const namePtr = new StaticArray<u32>(STATIC_COUNT);
const nameLen = new StaticArray<u32>(STATIC_COUNT);
const valuePtr = new StaticArray<u32>(STATIC_COUNT);
const valueLen = new StaticArray<u32>(STATIC_COUNT);

const SLOTS: u32 = 256; // power of two, > 2 x 99
/** name hash -> first static index with that name, +1 (0 = empty). */
const nameSlots = new StaticArray<u8>(<i32>SLOTS);
/** name+value hash -> static index, +1 (0 = empty). */
const fullSlots = new StaticArray<u8>(<i32>SLOTS);

function sameBytes(a: usize, alen: usize, b: usize, blen: usize): bool {
  return alen == blen && memory.compare(a, b, alen) == 0;
}

function buildStatic(): void {
  let total: usize = 0;
  for (let i = 0; i < STATIC_COUNT * 2; i++) total += <usize>String.UTF8.byteLength(STATIC_ENTRIES[i]);
  let p = heap.alloc(total);
  for (let i = 0; i < STATIC_COUNT; i++) {
    const n = STATIC_ENTRIES[i * 2];
    const v = STATIC_ENTRIES[i * 2 + 1];
    const nl = <usize>String.UTF8.byteLength(n);
    const vl = <usize>String.UTF8.byteLength(v);
    String.UTF8.encodeUnsafe(changetype<usize>(n), n.length, p);
    namePtr[i] = <u32>p; nameLen[i] = <u32>nl; p += nl;
    String.UTF8.encodeUnsafe(changetype<usize>(v), v.length, p);
    valuePtr[i] = <u32>p; valueLen[i] = <u32>vl; p += vl;
    const nh = hashBytes(namePtr[i], nl);
    const fh = hashValue(nh, valuePtr[i], vl);
    let s = nh & (SLOTS - 1);
    while (true) {
      const e = <i32>nameSlots[s];
      if (e == 0) { nameSlots[s] = <u8>(i + 1); break; }
      if (sameBytes(namePtr[e - 1], nameLen[e - 1], namePtr[i], nl)) break; // keep the first index
      s = (s + 1) & (SLOTS - 1);
    }
    s = fh & (SLOTS - 1);
    while (fullSlots[s] != 0) s = (s + 1) & (SLOTS - 1);
    fullSlots[s] = <u8>(i + 1);
  }
}
buildStatic();

/**
 * Finds the static entry with a field line's name: its index (the first of
 * several) or -1. `nameHash` comes from hash.ts.
 */
export function staticNameLookup(np: usize, nl: usize, nameHash: u32): i32 {
  let s = nameHash & (SLOTS - 1);
  while (true) {
    const e = <i32>unchecked(nameSlots[s]);
    if (e == 0) return -1;
    if (sameBytes(<usize>unchecked(namePtr[e - 1]), <usize>unchecked(nameLen[e - 1]), np, nl)) return e - 1;
    s = (s + 1) & (SLOTS - 1);
  }
  return -1;
}

/**
 * Finds the static entry with a field line's name and value: its index or
 * -1. Callers ask only when `staticNameLookup` found the name (no entry has
 * the value otherwise). `fullHash` comes from hash.ts.
 */
export function staticLookup(np: usize, nl: usize, vp: usize, vl: usize, fullHash: u32): i32 {
  let s = fullHash & (SLOTS - 1);
  while (true) {
    const e = <i32>unchecked(fullSlots[s]);
    if (e == 0) return -1;
    const i = e - 1;
    if (sameBytes(<usize>unchecked(namePtr[i]), <usize>unchecked(nameLen[i]), np, nl)
      && sameBytes(<usize>unchecked(valuePtr[i]), <usize>unchecked(valueLen[i]), vp, vl)) return i;
    s = (s + 1) & (SLOTS - 1);
  }
  return -1;
}

/** Whether `index` names a static entry. Callers check before the accessors below. */
@inline export function staticValid(index: u64): bool { return index < <u64>STATIC_COUNT; }
@inline export function staticNamePtr(i: i32): usize { return <usize>unchecked(namePtr[i]); }
@inline export function staticNameLen(i: i32): usize { return <usize>unchecked(nameLen[i]); }
@inline export function staticValuePtr(i: i32): usize { return <usize>unchecked(valuePtr[i]); }
@inline export function staticValueLen(i: i32): usize { return <usize>unchecked(valueLen[i]); }
