// HTTP/3 message validation (RFC 9114 §4.1.2-§4.3) and the conversion
// between the two packed field-list forms:
//
//   QPACK form (qpack/field_list.ts): { name-len u32 LE, value-len u32 LE, name, value }*
//   wire form  (wit/http3.wit):       { name-len u16 BE, name, value-len u32 BE, value }*
//
// `checkSection` reads one form, checks every rule a field section of a
// request, a response or trailers must meet, and writes the other form, so
// that incoming sections (decoded by QPACK) reach the host in its form and
// outgoing ones (from the host) reach the QPACK encoder in its form, after
// the same checks. A failure is H3_MESSAGE_ERROR (§4.1.2: a malformed
// message is a stream error of that type) with a reason.

import { Writer } from "../wire/writer";
import { FIELD_HEADER } from "./qpack/field_list";
import { H3_MESSAGE_ERROR } from "./errors";
import { parsePriority, Priority } from "./priority";

export const MSG_REQUEST: i32 = 0;
export const MSG_RESPONSE: i32 = 1;
export const MSG_TRAILERS: i32 = 2;

/** Request methods the layer treats specially. */
export const METHOD_OTHER: i32 = 0;
export const METHOD_HEAD: i32 = 1;
export const METHOD_CONNECT: i32 = 2;

/** What a valid section tells the connection. */
@final
export class MessageInfo {
  /** Response: the status code. */
  status: i32 = 0;
  method: i32 = METHOD_OTHER;
  /** Extended CONNECT (RFC 9220): a `:protocol` pseudo-header was present. */
  extendedConnect: bool = false;
  /** `:protocol` is "webtransport" (draft-02..) or "webtransport-h3" (the current draft): a WebTransport session. */
  webtransport: bool = false;
  /** The content-length value, -1 when absent. */
  contentLength: i64 = -1;
  /** RFC 9114 §4.2.2: sum of name + value + 32 over the lines. */
  size: u64 = 0;
  /** RFC 9218 §5: the `priority` field, when present and valid (urgency -1 otherwise). */
  readonly priority: Priority = new Priority();
  reason: string = "";

  reset(): void {
    this.status = 0;
    this.method = METHOD_OTHER;
    this.extendedConnect = false;
    this.webtransport = false;
    this.contentLength = -1;
    this.size = 0;
    this.priority.urgency = -1;
    this.priority.incremental = false;
    this.reason = "";
  }
}

// pseudo-header bits
const P_METHOD: u32 = 1;
const P_SCHEME: u32 = 2;
const P_AUTHORITY: u32 = 4;
const P_PATH: u32 = 8;
const P_PROTOCOL: u32 = 16;
const P_STATUS: u32 = 32;

@inline function eq(p: usize, n: usize, s: string): bool {
  if (n != <usize>s.length) return false;
  for (let i: usize = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>s.charCodeAt(<i32>i)) return false;
  return true;
}

/** RFC 9110 §5.6.2 tchar, lower case only (RFC 9114 §4.2: upper case makes a message malformed). */
function validName(p: usize, n: usize, pseudo: bool): bool {
  if (n == 0) return false;
  for (let i: usize = pseudo ? 1 : 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c >= 0x61 && c <= 0x7a) continue; // a-z
    if (c >= 0x30 && c <= 0x39) continue; // 0-9
    switch (c) {
      case 0x21: case 0x23: case 0x24: case 0x25: case 0x26: case 0x27: case 0x2a:
      case 0x2b: case 0x2d: case 0x2e: case 0x5e: case 0x5f: case 0x60: case 0x7c: case 0x7e:
        continue;
    }
    return false; // upper case, separators, controls, non-ASCII
  }
  return !pseudo || n > 1;
}

/**
 * RFC 9114 §10.3 / RFC 9110 §5.5: a value with NUL, CR or LF, or with
 * leading or trailing whitespace, is malformed.
 */
function validValue(p: usize, n: usize): bool {
  if (n == 0) return true;
  const first = <u32>load<u8>(p), last = <u32>load<u8>(p + n - 1);
  if (first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09) return false;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 0 || c == 0x0a || c == 0x0d) return false;
  }
  return true;
}

/** RFC 9110 §8.6: a non-negative decimal (at most 15 digits); -1 otherwise. */
function parseLength(p: usize, n: usize): i64 {
  if (n == 0 || n > 15) return -1;
  let v: i64 = 0;
  for (let i: usize = 0; i < n; i++) {
    const c = <i32>load<u8>(p + i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + <i64>c;
  }
  return v;
}

/** RFC 9114 §4.2: connection-specific fields MUST NOT appear (the message is malformed). */
function isConnectionSpecific(p: usize, n: usize): bool {
  switch (<i32>n) {
    case 7: return eq(p, n, "upgrade");
    case 10: return eq(p, n, "connection") || eq(p, n, "keep-alive");
    case 16: return eq(p, n, "proxy-connection");
    case 17: return eq(p, n, "transfer-encoding");
  }
  return false;
}

@inline function fail(info: MessageInfo, reason: string): u64 {
  info.reason = reason;
  return H3_MESSAGE_ERROR;
}

/**
 * Checks the field section at [p, p+len) (`fromWire`: wire form, else QPACK
 * form) as a message of `kind`, and writes it in the other form to `out`.
 * `connectProtocol`: SETTINGS_ENABLE_CONNECT_PROTOCOL is in effect (RFC 9220
 * §4: `:protocol` allowed). Returns 0 or H3_MESSAGE_ERROR (info.reason).
 */
export function checkSection(p: usize, len: usize, fromWire: bool, kind: i32, connectProtocol: bool, info: MessageInfo, out: Writer): u64 {
  info.reset();
  out.clear();
  let seen: u32 = 0;
  let regular = false;
  let pathLen: usize = 0;
  let pathFirst: u32 = 0;
  let schemeHttp = false;
  let off: usize = 0;
  while (off < len) {
    // one line, in either form
    let np: usize, nl: usize, vp: usize, vl: usize;
    if (fromWire) {
      if (len - off < 6) return fail(info, "truncated field list");
      nl = <usize>bswap<u16>(load<u16>(p + off));
      if (<u64>nl + 6 > <u64>(len - off)) return fail(info, "truncated field list");
      np = p + off + 2;
      vl = <usize>bswap<u32>(load<u32>(np + nl));
      if (<u64>vl > <u64>(len - off - 6 - nl)) return fail(info, "truncated field list");
      vp = np + nl + 4;
      off += 6 + nl + vl;
    } else {
      if (len - off < FIELD_HEADER) return fail(info, "truncated field list");
      nl = <usize>load<u32>(p + off);
      vl = <usize>load<u32>(p + off, 4);
      if (<u64>nl + <u64>vl > <u64>(len - off - FIELD_HEADER)) return fail(info, "truncated field list");
      np = p + off + FIELD_HEADER;
      vp = np + nl;
      off += FIELD_HEADER + nl + vl;
    }
    if (nl > 0xffff) return fail(info, "field name longer than 65535 bytes");
    info.size += <u64>nl + <u64>vl + 32;
    const pseudo = nl > 0 && load<u8>(np) == 0x3a;
    if (!validName(np, nl, pseudo)) return fail(info, "invalid field name (upper case or not a token)");
    if (!validValue(vp, vl)) return fail(info, "invalid field value");
    if (pseudo) {
      // §4.3: "Pseudo-header fields MUST NOT appear in trailer sections";
      // "All pseudo-header fields MUST appear in the header section before regular header fields".
      if (kind == MSG_TRAILERS) return fail(info, "pseudo-header field in trailers");
      if (regular) return fail(info, "pseudo-header field after a regular field");
      let bit: u32 = 0;
      if (kind == MSG_REQUEST) {
        if (eq(np, nl, ":method")) {
          bit = P_METHOD;
          info.method = eq(vp, vl, "HEAD") ? METHOD_HEAD : eq(vp, vl, "CONNECT") ? METHOD_CONNECT : METHOD_OTHER;
          if (vl == 0) return fail(info, "empty :method");
        } else if (eq(np, nl, ":scheme")) {
          bit = P_SCHEME;
          schemeHttp = eq(vp, vl, "http") || eq(vp, vl, "https");
        } else if (eq(np, nl, ":authority")) bit = P_AUTHORITY;
        else if (eq(np, nl, ":path")) { bit = P_PATH; pathLen = vl; pathFirst = vl > 0 ? <u32>load<u8>(vp) : 0; }
        else if (eq(np, nl, ":protocol") && connectProtocol) {
          bit = P_PROTOCOL;
          info.webtransport = eq(vp, vl, "webtransport") || eq(vp, vl, "webtransport-h3");
        }
      } else if (eq(np, nl, ":status")) {
        bit = P_STATUS;
        // §4.3.2: three digits (RFC 9110 §15: 100..599)
        if (vl != 3) return fail(info, "invalid :status");
        const s = parseLength(vp, vl);
        if (s < 100 || s > 599) return fail(info, "invalid :status");
        info.status = <i32>s;
      }
      // §4.3: "Endpoints MUST treat a request or response that contains undefined or invalid pseudo-header fields as malformed."
      if (bit == 0) return fail(info, "undefined pseudo-header field");
      // §4.3.1: the same pseudo-header field MUST NOT appear more than once.
      if (seen & bit) return fail(info, "repeated pseudo-header field");
      seen |= bit;
    } else {
      regular = true;
      if (isConnectionSpecific(np, nl)) return fail(info, "connection-specific field");
      // §4.2: "the TE header field MAY be present ... but it MUST NOT contain any value other than 'trailers'."
      if (eq(np, nl, "te") && !eq(vp, vl, "trailers")) return fail(info, "te other than trailers");
      if (eq(np, nl, "content-length")) {
        const n = parseLength(vp, vl);
        // §4.1.2: several different values (or an invalid one) make the message malformed
        if (n < 0 || (info.contentLength >= 0 && info.contentLength != n)) return fail(info, "invalid content-length");
        info.contentLength = n;
      }
      if (kind == MSG_REQUEST && eq(np, nl, "priority")) parsePriority(vp, vl, info.priority);
    }
    // the other form
    if (fromWire) {
      if (!out.ensure(FIELD_HEADER + nl + vl)) return fail(info, "out of memory");
      const q = out.buf + out.len;
      store<u32>(q, <u32>nl);
      store<u32>(q, <u32>vl, 4);
      memory.copy(q + FIELD_HEADER, np, nl);
      memory.copy(q + FIELD_HEADER + nl, vp, vl);
      out.len += FIELD_HEADER + nl + vl;
    } else {
      out.u16(<u32>nl);
      out.bytes(np, nl);
      out.u32(<u32>vl);
      out.bytes(vp, vl);
    }
  }
  if (kind == MSG_REQUEST) {
    if (info.method == METHOD_CONNECT && (seen & P_PROTOCOL) == 0) {
      // §4.4: CONNECT carries :method and :authority only.
      if (seen != (P_METHOD | P_AUTHORITY)) return fail(info, "CONNECT needs :authority and no :scheme or :path");
    } else {
      // RFC 9220 §4: extended CONNECT carries :protocol, :scheme, :path and :authority.
      if ((seen & P_PROTOCOL) != 0) {
        if (info.method != METHOD_CONNECT) return fail(info, ":protocol without CONNECT");
        if ((seen & P_AUTHORITY) == 0) return fail(info, "extended CONNECT without :authority");
        info.extendedConnect = true;
      }
      // §4.3.1: "All HTTP/3 requests MUST include exactly one value for the :method, :scheme, and :path pseudo-header fields, unless the request is a CONNECT request"
      if ((seen & (P_METHOD | P_SCHEME | P_PATH)) != (P_METHOD | P_SCHEME | P_PATH)) return fail(info, "missing :method, :scheme or :path");
      // §4.3.1: "This pseudo-header field MUST NOT be empty for "http" or "https" URIs" (origin form or "*")
      if (schemeHttp && (pathLen == 0 || (pathFirst != 0x2f && !(pathLen == 1 && pathFirst == 0x2a)))) return fail(info, "empty or invalid :path");
    }
  } else if (kind == MSG_RESPONSE) {
    // §4.3.2: "a :status pseudo-header field ... MUST be included in all responses"
    if ((seen & P_STATUS) == 0) return fail(info, "response without :status");
  }
  return 0;
}

/** Whether a response with this status to a request with this method has no body (RFC 9110 §6.4.1). */
export function responseHasNoBody(method: i32, status: i32): bool {
  return method == METHOD_HEAD || status == 204 || status == 304 || (status >= 100 && status < 200);
}
