// The Capsule Protocol (RFC 9297 §3) on a WebTransport session's CONNECT
// stream: an incremental parser over the stream's DATA payload bytes, and the
// encoders of the capsules we send. The capsules WebTransport defines
// (draft-ietf-webtrans-http3 §6, and what Chromium 156 sends: README.md):
// WT_CLOSE_SESSION (0x2843) and WT_DRAIN_SESSION (0x78ae). Any other type —
// Chromium's grease capsules, the flow-control capsules of a version with
// flow control we did not enable (§5.3: "MUST ignore") — is skipped without
// being buffered (§3.2: "Endpoints which receive a Capsule with an unknown
// Capsule Type MUST silently drop that Capsule").
//
// Memory: only a CLOSE capsule's payload is held, at most 4 + 1024 bytes.

import { Writer } from "../../wire/writer";
import { varintLen } from "../../wire/varint";

export const CAPSULE_CLOSE_WEBTRANSPORT_SESSION: u64 = 0x2843;
export const CAPSULE_DRAIN_WEBTRANSPORT_SESSION: u64 = 0x78ae;
/** §6: "its length MUST NOT exceed 1024 bytes". */
export const MAX_CLOSE_REASON: usize = 1024;

/** `next` results. */
export const CAP_NEED_MORE: i32 = 0;
export const CAP_CLOSE: i32 = 1;
export const CAP_DRAIN: i32 = 2;
/** A malformed capsule (RFC 9297 §3.3: a malformed message; `reason`). */
export const CAP_ERROR: i32 = 3;

const ST_TYPE: i32 = 0;
const ST_LENGTH: i32 = 1;
const ST_PAYLOAD: i32 = 2;

@final
export class CapsuleParser {
  private state: i32 = ST_TYPE;
  private vlen: u32 = 0;
  private vgot: u32 = 0;
  private vacc: u64 = 0;
  private type: u64 = 0;
  private remaining: u64 = 0;
  private readonly payload: Writer = new Writer();
  /** The last CLOSE capsule: its code, its reason (UTF-8 bytes in `reasonBytes`). */
  code: u32 = 0;
  readonly reasonBytes: Writer = new Writer();
  reason: string = "";

  dispose(): void {
    this.payload.release();
    this.reasonBytes.release();
  }

  /** At a capsule boundary (RFC 9297 §3.3: a FIN anywhere else is a truncated capsule). */
  get atBoundary(): bool { return this.state == ST_TYPE && this.vgot == 0; }

  /**
   * Consumes bytes of [p, p+n) from `off` until a capsule completes or the
   * input ends; `consumed` tells where it stopped.
   */
  consumed: usize = 0;
  next(p: usize, n: usize, off: usize): i32 {
    let i = off;
    while (i < n) {
      if (this.state != ST_PAYLOAD) {
        // a varint a byte at a time (type, then length)
        const b = load<u8>(p + i++);
        if (this.vgot == 0) { this.vlen = <u32>1 << (b >> 6); this.vacc = <u64>(b & 0x3f); }
        else this.vacc = (this.vacc << 8) | <u64>b;
        this.vgot++;
        if (this.vgot < this.vlen) continue;
        this.vgot = 0;
        if (this.state == ST_TYPE) { this.type = this.vacc; this.state = ST_LENGTH; continue; }
        this.remaining = this.vacc;
        this.state = ST_PAYLOAD;
        this.payload.clear();
        const t = this.type;
        if (t == CAPSULE_CLOSE_WEBTRANSPORT_SESSION && (this.remaining < 4 || this.remaining > 4 + <u64>MAX_CLOSE_REASON)) {
          // §6: a code of 32 bits and a message of at most 1024 bytes ("MUST reset the stream with code H3_MESSAGE_ERROR")
          this.reason = this.remaining < 4 ? "WT_CLOSE_SESSION shorter than its error code" : "WT_CLOSE_SESSION message over 1024 bytes";
          this.consumed = i;
          return CAP_ERROR;
        }
        if (t == CAPSULE_DRAIN_WEBTRANSPORT_SESSION && this.remaining != 0) {
          // RFC 9297 §3.3: "a capsule payload that contains additional bytes after the identified fields ... MUST be treated as ... malformed"
          this.reason = "WT_DRAIN_SESSION with a payload";
          this.consumed = i;
          return CAP_ERROR;
        }
        if (this.remaining == 0) {
          const k = this.complete();
          if (k != CAP_NEED_MORE) { this.consumed = i; return k; }
        }
        continue;
      }
      const take = <usize>min(<u64>(n - i), this.remaining);
      if (this.type == CAPSULE_CLOSE_WEBTRANSPORT_SESSION) this.payload.bytes(p + i, take);
      i += take;
      this.remaining -= <u64>take;
      if (this.remaining == 0) {
        const k = this.complete();
        if (k != CAP_NEED_MORE) { this.consumed = i; return k; }
      }
    }
    this.consumed = i;
    return CAP_NEED_MORE;
  }

  private complete(): i32 {
    this.state = ST_TYPE;
    const t = this.type;
    if (t == CAPSULE_DRAIN_WEBTRANSPORT_SESSION) return CAP_DRAIN;
    if (t != CAPSULE_CLOSE_WEBTRANSPORT_SESSION) return CAP_NEED_MORE; // skipped
    const w = this.payload;
    this.code = bswap<u32>(load<u32>(w.buf));
    const rl = w.len - 4;
    // §6: "If the Application Error Message ... is not valid UTF-8, the receiver MUST reset the stream with code H3_MESSAGE_ERROR"
    if (!validUtf8(w.buf + 4, rl)) { this.reason = "WT_CLOSE_SESSION message is not UTF-8"; return CAP_ERROR; }
    const r = this.reasonBytes;
    r.clear();
    r.bytes(w.buf + 4, rl);
    w.release();
    return CAP_CLOSE;
  }
}

/** Appends a WT_CLOSE_SESSION capsule (§6); `reason` is cut to 1024 bytes at a UTF-8 character boundary. */
export function writeCloseCapsule(w: Writer, code: u32, reason: usize, len: usize): void {
  let n = len < MAX_CLOSE_REASON ? len : MAX_CLOSE_REASON;
  // §6: "Senders that truncate an application-supplied message MUST do so at a UTF-8 character boundary"
  while (n < len && n > 0 && (load<u8>(reason + n) & 0xc0) == 0x80) n--;
  w.varint(CAPSULE_CLOSE_WEBTRANSPORT_SESSION);
  w.varint(<u64>(4 + n));
  w.u32(code);
  w.bytes(reason, n);
}

/** Appends a WT_DRAIN_SESSION capsule (§4.6). */
export function writeDrainCapsule(w: Writer): void {
  w.varint(CAPSULE_DRAIN_WEBTRANSPORT_SESSION);
  w.varint(0);
}

/** Bytes of a capsule header for a payload of `len`. */
export function capsuleHeaderLen(type: u64, len: u64): usize {
  return varintLen(type) + varintLen(len);
}

/** RFC 3629 §4: well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
export function validUtf8(p: usize, n: usize): bool {
  let i: usize = 0;
  while (i < n) {
    const b = <u32>load<u8>(p + i);
    if (b < 0x80) { i++; continue; }
    let need: usize = 0;
    let lo: u32 = 0x80, hi: u32 = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b == 0xe0) lo = 0xa0;
      else if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b == 0xf0) lo = 0x90;
      else if (b == 0xf4) hi = 0x8f;
    } else return false;
    if (n - i - 1 < need) return false;
    const b1 = <u32>load<u8>(p + i + 1);
    if (b1 < lo || b1 > hi) return false;
    for (let k: usize = 2; k <= need; k++) {
      const c = <u32>load<u8>(p + i + k);
      if (c < 0x80 || c > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}
