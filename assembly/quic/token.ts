// Address-validation tokens (RFC 9000 §8.1.1-§8.1.4): the tokens a server
// puts in a Retry packet or a NEW_TOKEN frame and gets back in a client's
// Initial, sealed with AES-128-GCM under a key only the server holds — opaque
// to clients and unforgeable (§8.1.4 "MUST be covered by integrity protection
// against modification or falsification by clients").
//
// Layout (35 bytes for NEW_TOKEN, 37 + the two CIDs for Retry):
//
//   kind (1)  nonce (12)  AES-128-GCM( issued ms (6) [ odcid len (1) odcid  retry scid len (1) retry scid ] )  tag (16)
//                                      └─────────────── Retry tokens only ──────────────────┘
//   associated data: kind || client address (Retry: family | ip | port; NEW_TOKEN: family | ip)
//
// The kind is in the clear (§8.1.1: "MUST be constructed in a way that allows
// the server to identify how it was provided to a client"; §8.1.3
// "Information that allows the server to distinguish between tokens from Retry
// and NEW_TOKEN MAY be accessible to entities other than the server") and
// authenticated. The address is not carried, only authenticated: a token
// presented from another address fails to open. Every token has a fresh
// random 96-bit nonce, which also makes every NEW_TOKEN token unique (§8.1.3
// "A server MUST ensure that every NEW_TOKEN frame it sends is unique across
// all clients") and unlinkable to its connection (everything else is
// encrypted).
//
// Times are wall-clock milliseconds (tokens outlive the process that issued
// them; the host passes wall time into the core). Replay (§8.1.4 "MUST ensure
// that replay of tokens is prevented or limited") is limited here by the
// lifetimes; a replay cache, if any, belongs to the endpoint.
//
// Addresses are the host's opaque peer-address bytes:
// family u8 (4 or 6) | ip (4 or 16 bytes) | port u16 big-endian.

import { Aead, AeadAlg, AEAD_NONCE_LEN, AEAD_TAG_LEN } from "../crypto/aead";
import { ctEqual } from "../crypto/ct";
import { randomBytes } from "../crypto/random";
import { Writer } from "../wire/writer";
import { MAX_CID_LEN } from "./constants";

export const TOKEN_RETRY: u8 = 1;
export const TOKEN_NEW_TOKEN: u8 = 2;
/** The token key: AES-128-GCM, random per endpoint (or shared by a cluster). */
export const TOKEN_KEY_LEN: usize = 16;
/** §8.1.4: "tokens sent in Retry packets are only accepted for a short time, as they are returned immediately". */
export const RETRY_TOKEN_LIFETIME_MS: u64 = 10_000;
/** §8.1.3: NEW_TOKEN tokens "SHOULD have an expiration time"; a day. */
export const NEW_TOKEN_LIFETIME_MS: u64 = 24 * 3600 * 1000;
/** How far in the future an issue time may be (clocks of servers sharing a key differ a little). */
export const TOKEN_CLOCK_SKEW_MS: u64 = 5_000;

const HEAD_LEN: usize = 1 + AEAD_NONCE_LEN; // kind, nonce
const TIME_LEN: usize = 6; // issued ms, 48 bits (until the year 10889)
/** The shortest token: a NEW_TOKEN one. */
export const TOKEN_MIN_LEN: usize = HEAD_LEN + TIME_LEN + AEAD_TAG_LEN;
const MAX_PLAIN: usize = TIME_LEN + 2 + 2 * <usize>MAX_CID_LEN;
/** The longest token: a Retry token with two 20-byte CIDs. */
export const TOKEN_MAX_LEN: usize = HEAD_LEN + MAX_PLAIN + AEAD_TAG_LEN;

const PLAIN: usize = memory.data(64, 16); // ≥ MAX_PLAIN
const AAD: usize = memory.data(32, 16); // kind + at most 19 address bytes
const KEY: usize = memory.data(16, 16); // the key `aead` holds
let aead: Aead | null = null;

/** What `openToken` found. One record, reused. */
@final
export class TokenCheck {
  valid: bool = false;
  /** TOKEN_RETRY or TOKEN_NEW_TOKEN (0 when not even that could be read). */
  kind: u8 = 0;
  /** When the token was issued (wall-clock ms), once authenticated. */
  issuedMs: u64 = 0;
  /** Retry tokens: the client's original Destination Connection ID (§7.3 original_destination_connection_id). */
  odcid: StaticArray<u8> = new StaticArray<u8>(<i32>MAX_CID_LEN);
  odcidLen: i32 = 0;
  /** Retry tokens: the Source Connection ID of the Retry (§7.3 retry_source_connection_id). */
  retryScid: StaticArray<u8> = new StaticArray<u8>(<i32>MAX_CID_LEN);
  retryScidLen: i32 = 0;
  /** Why it is invalid ("" when valid), for logs. */
  reason: string = "";

  @inline get odcidPtr(): usize { return changetype<usize>(this.odcid); }
  @inline get retryScidPtr(): usize { return changetype<usize>(this.retryScid); }

  reset(): void {
    this.valid = false;
    this.kind = 0;
    this.issuedMs = 0;
    this.odcidLen = 0;
    this.retryScidLen = 0;
    this.reason = "";
  }
}

/**
 * §8.1.2, §8.1.4: a Retry token. "Tokens sent in Retry packets SHOULD include
 * information that allows the server to verify that the source IP address and
 * port in client packets remain constant": it binds the whole address, the
 * client's original Destination Connection ID and the Retry's Source
 * Connection ID (the server puts both in its transport parameters, §7.3) and
 * the issue time. Appends to `out`; false (nothing written, or `out.overflow`)
 * when a CID is longer than 20 bytes, the address is malformed or `out` is
 * full. `key`: TOKEN_KEY_LEN bytes.
 */
export function sealRetryToken(key: usize, nowMs: u64, addr: usize, addrLen: i32, odcid: usize, odcidLen: i32, retryScid: usize, retryScidLen: i32, out: Writer): bool {
  if (<u32>odcidLen > MAX_CID_LEN || <u32>retryScidLen > MAX_CID_LEN) return false;
  const aadLen = buildAad(TOKEN_RETRY, addr, addrLen);
  if (aadLen == 0) return false;
  const plainLen = TIME_LEN + 2 + <usize>odcidLen + <usize>retryScidLen;
  const p = out.reserve(HEAD_LEN + plainLen + AEAD_TAG_LEN);
  if (p == 0) return false;
  const c = p + HEAD_LEN;
  storeU48(c, nowMs);
  store<u8>(c + TIME_LEN, <u8>odcidLen);
  memory.copy(c + TIME_LEN + 1, odcid, <usize>odcidLen);
  store<u8>(c + TIME_LEN + 1 + <usize>odcidLen, <u8>retryScidLen);
  memory.copy(c + TIME_LEN + 2 + <usize>odcidLen, retryScid, <usize>retryScidLen);
  seal(key, TOKEN_RETRY, aadLen, p, plainLen);
  return true;
}

/**
 * §8.1.3: a NEW_TOKEN token, binding the client IP address (not the port:
 * "It is unlikely that the client port number is the same on two different
 * connections"; §8.1.4 "MUST include information that allows the server to
 * verify that the client IP address has not changed") and the issue time.
 * Appends to `out`; false when the address is malformed or `out` is full.
 */
export function sealNewToken(key: usize, nowMs: u64, addr: usize, addrLen: i32, out: Writer): bool {
  const aadLen = buildAad(TOKEN_NEW_TOKEN, addr, addrLen);
  if (aadLen == 0) return false;
  const p = out.reserve(HEAD_LEN + TIME_LEN + AEAD_TAG_LEN);
  if (p == 0) return false;
  storeU48(p + HEAD_LEN, nowMs);
  seal(key, TOKEN_NEW_TOKEN, aadLen, p, TIME_LEN);
  return true;
}

/**
 * Opens the token of a client Initial (`len` bytes at `ptr`, never written)
 * received from `addr` and fills `out`; returns `out.valid`. Valid means:
 * authentic under `key` for this kind and address, well formed, issued no
 * more than TOKEN_CLOCK_SKEW_MS in the future and no longer ago than the
 * lifetime of its kind (`retryLifetimeMs`, `newTokenLifetimeMs`). Never traps,
 * whatever the bytes. §8.1.3: an invalid token means "proceed as if the
 * client did not have a validated address"; §8.1.2: for an invalid Retry
 * token the server "SHOULD immediately close ... with an INVALID_TOKEN
 * error" — the endpoint decides, from `out.kind`.
 */
export function openToken(key: usize, ptr: usize, len: usize, addr: usize, addrLen: i32, nowMs: u64, retryLifetimeMs: u64, newTokenLifetimeMs: u64, out: TokenCheck): bool {
  out.reset();
  if (len < TOKEN_MIN_LEN) return fail(out, "token too short");
  if (len > TOKEN_MAX_LEN) return fail(out, "token too long");
  const kind = load<u8>(ptr);
  if (kind != TOKEN_RETRY && kind != TOKEN_NEW_TOKEN) return fail(out, "unknown token kind");
  out.kind = kind;
  const plainLen = len - HEAD_LEN - AEAD_TAG_LEN;
  if (kind == TOKEN_NEW_TOKEN ? plainLen != TIME_LEN : plainLen < TIME_LEN + 2) return fail(out, "token length does not fit its kind");
  const aadLen = buildAad(kind, addr, addrLen);
  if (aadLen == 0) return fail(out, "malformed address");
  // Decrypt a copy: the token lies in the Initial's header, which is that
  // packet's associated data.
  memory.copy(PLAIN, ptr + HEAD_LEN, plainLen);
  if (!aeadFor(key).open(ptr + 1, AAD, aadLen, PLAIN, plainLen, ptr + len - AEAD_TAG_LEN)) {
    memory.fill(PLAIN, 0, plainLen);
    return fail(out, "token not authentic (key, bytes or address)");
  }
  const issued = loadU48(PLAIN);
  if (kind == TOKEN_RETRY) {
    // Authentic, so we wrote it; parsed with checks all the same.
    const o = <usize>load<u8>(PLAIN + TIME_LEN);
    if (o > MAX_CID_LEN || TIME_LEN + 2 + o > plainLen) return wipeFail(out, plainLen, "malformed token");
    const s = <usize>load<u8>(PLAIN + TIME_LEN + 1 + o);
    if (s > MAX_CID_LEN || TIME_LEN + 2 + o + s != plainLen) return wipeFail(out, plainLen, "malformed token");
    memory.copy(out.odcidPtr, PLAIN + TIME_LEN + 1, o);
    memory.copy(out.retryScidPtr, PLAIN + TIME_LEN + 2 + o, s);
    out.odcidLen = <i32>o;
    out.retryScidLen = <i32>s;
  }
  memory.fill(PLAIN, 0, plainLen);
  out.issuedMs = issued;
  if (issued > nowMs && issued - nowMs > TOKEN_CLOCK_SKEW_MS) return fail(out, "token issued in the future");
  const lifetime = kind == TOKEN_RETRY ? retryLifetimeMs : newTokenLifetimeMs;
  if (nowMs > issued && nowMs - issued > lifetime) return fail(out, "token expired");
  out.valid = true;
  return true;
}

// --- internals ---

/**
 * AAD = kind || the address bytes the kind binds; returns its length, or 0
 * for a malformed address (family 4 with 7 bytes, family 6 with 19).
 */
function buildAad(kind: u8, addr: usize, addrLen: i32): usize {
  if (addrLen < 1) return 0;
  const family = load<u8>(addr);
  const want = family == 4 ? 7 : (family == 6 ? 19 : -1);
  if (addrLen != want) return 0;
  // NEW_TOKEN: family and IP only, the port (last 2 bytes) is left out.
  const n = kind == TOKEN_RETRY ? <usize>addrLen : <usize>addrLen - 2;
  store<u8>(AAD, kind);
  memory.copy(AAD + 1, addr, n);
  return n + 1;
}

/** Writes kind and a fresh nonce at `p`, encrypts the `plainLen` bytes after them in place and appends the tag. */
function seal(key: usize, kind: u8, aadLen: usize, p: usize, plainLen: usize): void {
  store<u8>(p, kind);
  randomBytes(p + 1, AEAD_NONCE_LEN);
  const c = p + HEAD_LEN;
  aeadFor(key).seal(p + 1, AAD, aadLen, c, plainLen, c + plainLen);
}

/** The AES-128-GCM instance, re-keyed only when the key changes. */
function aeadFor(key: usize): Aead {
  let a = aead;
  if (a === null) {
    memory.copy(KEY, key, TOKEN_KEY_LEN);
    a = new Aead(AeadAlg.AES_128_GCM, KEY);
    aead = a;
  } else if (!ctEqual(KEY, key, TOKEN_KEY_LEN)) {
    memory.copy(KEY, key, TOKEN_KEY_LEN);
    a.setKey(KEY);
  }
  return a;
}

function fail(out: TokenCheck, reason: string): bool {
  out.valid = false;
  out.reason = reason;
  return false;
}

function wipeFail(out: TokenCheck, plainLen: usize, reason: string): bool {
  memory.fill(PLAIN, 0, plainLen);
  out.odcidLen = 0;
  out.retryScidLen = 0;
  return fail(out, reason);
}

function storeU48(p: usize, v: u64): void {
  for (let i: usize = 0; i < TIME_LEN; i++) store<u8>(p + i, <u8>(v >> (<u64>(TIME_LEN - 1 - i) * 8)));
}

function loadU48(p: usize): u64 {
  let v: u64 = 0;
  for (let i: usize = 0; i < TIME_LEN; i++) v = (v << 8) | <u64>load<u8>(p + i);
  return v;
}
