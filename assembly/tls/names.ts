// Server identity checks (RFC 6125 §6.4, RFC 9525): the reference identity
// (the name the client connected to) against the certificate's
// subjectAltName dNSName and iPAddress entries. The CN is never consulted
// (RFC 9525 §6.4.4 no longer allows falling back to it).

import { Certificate } from "./x509";

@inline function lower(c: u32): u32 { return c >= 0x41 && c <= 0x5a ? c + 0x20 : c; }

function eqIgnoreCase(a: string, aFrom: i32, b: string, bFrom: i32, n: i32): bool {
  for (let i = 0; i < n; i++) {
    if (lower(<u32>a.charCodeAt(aFrom + i)) != lower(<u32>b.charCodeAt(bFrom + i))) return false;
  }
  return true;
}

/** Strips one trailing dot (an absolute DNS name). */
function stripDot(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) == 0x2e ? s.substring(0, s.length - 1) : s;
}

/**
 * RFC 6125 §6.4.3 as tightened by RFC 9525 §6.3: the wildcard is the whole
 * left-most label ("*.example.com"), matches exactly one label, never a
 * partial label ("f*.example.com" does not match), and a wildcard directly
 * over a single label ("*.com") is refused.
 */
export function dnsNameMatches(pattern: string, host: string): bool {
  const p = stripDot(pattern);
  const h = stripDot(host);
  if (p.length == 0 || h.length == 0) return false;
  if (p.charCodeAt(0) == 0x2a /* '*' */) {
    if (p.length < 3 || p.charCodeAt(1) != 0x2e) return false; // partial-label wildcard
    const suffix = p.substring(1); // ".example.com"
    if (suffix.indexOf("*") >= 0) return false;
    // at least two labels after the wildcard
    if (suffix.indexOf(".", 1) < 0) return false;
    const dot = h.indexOf(".");
    if (dot <= 0) return false; // the wildcard must match a non-empty label
    if (h.length - dot != suffix.length) return false;
    return eqIgnoreCase(h, dot, suffix, 0, suffix.length);
  }
  if (p.indexOf("*") >= 0) return false;
  return p.length == h.length && eqIgnoreCase(p, 0, h, 0, p.length);
}

/** Parses dotted IPv4 ("192.0.2.1") into 4 bytes; null when it is not one. */
export function parseIPv4(s: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let part = 0, val = 0, digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x2e) {
      if (digits == 0 || part >= 3) return null;
      out[part++] = <u8>val; val = 0; digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && val == 0) return null; // no leading zeros
      val = val * 10 + (c - 0x30);
      digits++;
      if (val > 255) return null;
    } else return null;
  }
  if (digits == 0 || part != 3) return null;
  out[3] = <u8>val;
  return out;
}

@inline function hexv(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Parses an IPv6 address (RFC 4291 §2.2 text forms, incl. "::" and a dotted IPv4 tail); null otherwise. */
export function parseIPv6(str: string): Uint8Array | null {
  let s = str;
  if (s.length >= 2 && s.charCodeAt(0) == 0x5b && s.charCodeAt(s.length - 1) == 0x5d) s = s.substring(1, s.length - 1);
  const out = new Uint8Array(16);
  const words = new Array<i32>(0);
  let gap = -1;
  let i = 0;
  if (s.length >= 2 && s.charCodeAt(0) == 0x3a && s.charCodeAt(1) == 0x3a) { gap = 0; i = 2; }
  else if (s.length > 0 && s.charCodeAt(0) == 0x3a) return null;
  while (i < s.length) {
    // dotted IPv4 tail
    const rest = s.substring(i);
    if (rest.indexOf(".") >= 0 && rest.indexOf(":") < 0) {
      const v4 = parseIPv4(rest);
      if (v4 == null) return null;
      words.push((<i32>v4[0] << 8) | <i32>v4[1]);
      words.push((<i32>v4[2] << 8) | <i32>v4[3]);
      i = s.length;
      break;
    }
    let v = 0, n = 0;
    while (i < s.length && n < 5) {
      const h = hexv(s.charCodeAt(i));
      if (h < 0) break;
      v = (v << 4) | h; n++; i++;
    }
    if (n == 0 || n > 4) return null;
    words.push(v);
    if (i == s.length) break;
    if (s.charCodeAt(i) != 0x3a) return null;
    i++;
    if (i < s.length && s.charCodeAt(i) == 0x3a) {
      if (gap >= 0) return null;
      gap = words.length; i++;
    } else if (i == s.length) return null;
    if (words.length > 8) return null;
  }
  if (words.length > 8 || (gap < 0 && words.length != 8) || (gap >= 0 && words.length > 7)) return null;
  const tail = gap < 0 ? 0 : words.length - gap;
  const head = gap < 0 ? words.length : gap;
  for (let k = 0; k < head; k++) { out[2 * k] = <u8>(words[k] >> 8); out[2 * k + 1] = <u8>words[k]; }
  for (let k = 0; k < tail; k++) {
    const w = words[head + k];
    const idx = 8 - tail + k;
    out[2 * idx] = <u8>(w >> 8); out[2 * idx + 1] = <u8>w;
  }
  return out;
}

/**
 * True when `host` (a DNS name or an IP literal) is one of the
 * certificate's subjectAltName identities. IP literals match only iPAddress
 * entries (RFC 6125 §6.2.2 / RFC 9525 §6.2), DNS names only dNSName entries.
 */
export function certMatchesHost(cert: Certificate, host: string): bool {
  let ip = parseIPv4(host);
  if (ip == null) ip = parseIPv6(host);
  if (ip != null) {
    for (let i = 0; i < cert.ipAddrs.length; i++) {
      const a = cert.ipAddrs[i];
      if (a.length != ip.length) continue;
      if (memory.compare(a.dataStart, ip.dataStart, <usize>a.length) == 0) return true;
    }
    return false;
  }
  for (let i = 0; i < cert.dnsNames.length; i++) if (dnsNameMatches(cert.dnsNames[i], host)) return true;
  return false;
}
