// Stateless reset (RFC 9000 §10.3): the token an endpoint derives for each of
// its connection IDs from one static key (§10.3.2), the datagram it sends when
// it has no state for a packet (§10.3, §10.3.3), and the cheap pre-check a
// receiver runs before comparing tokens (§10.3.1). The comparison itself lives
// with the tokens it compares (cid_remote.ts `matchesStatelessReset`).

import { hmac } from "../crypto/hmac";
import { HashAlg } from "../crypto/hash";
import { randomBytes } from "../crypto/random";
import { STATELESS_RESET_TOKEN_LEN } from "./frame";

/**
 * RFC 9000 §10.3: "the Unpredictable Bits field needs to include at least 38
 * bits of data (or 5 bytes, less the two fixed bits). The resulting minimum
 * size of 21 bytes"; also the size below which short header packets are never
 * valid ("Endpoints MUST discard packets that are too small").
 */
export const STATELESS_RESET_MIN_LEN: usize = 21;

/**
 * RFC 9000 §10.3: "An endpoint that sends a Stateless Reset in response to a
 * packet that is 43 bytes or shorter SHOULD send a Stateless Reset that is one
 * byte shorter than the packet it responds to." Above that, a reset is at least
 * this long (§10.3.3: one "smaller than 41 bytes might be identifiable").
 */
export const STATELESS_RESET_SHORT_TRIGGER: usize = 43;

/**
 * The largest reset we build. Longer triggers get a random length between
 * STATELESS_RESET_SHORT_TRIGGER and this (never above trigger - 1): enough to
 * look like an ordinary short-header packet without spending a full datagram.
 */
export const STATELESS_RESET_MAX_LEN: usize = 200;

const MAC: usize = memory.data(32, 16);

/**
 * RFC 9000 §10.3.2: "HMAC(static_key, connection_id) ... truncated to 16 bytes
 * to produce the stateless reset token". Writes 16 bytes to `out`. The key is
 * the endpoint's static secret; the same key and CID always give the same
 * token, so an endpoint that lost state can still reset (a zero-length CID
 * gives one token for every connection: §10.3.2 "it cannot provide a
 * zero-length connection ID", which is the caller's business).
 */
export function resetTokenFor(key: usize, keyLen: usize, cid: usize, cidLen: i32, out: usize): void {
  hmac(HashAlg.SHA256, key, keyLen, cid, <usize>(cidLen < 0 ? 0 : cidLen), MAC);
  memory.copy(out, MAC, STATELESS_RESET_TOKEN_LEN);
  memory.fill(MAC, 0, 32);
}

/**
 * The length of the reset to send for a trigger of `triggerLen` bytes, or 0
 * when none may be sent. `r` is a random value choosing among the allowed
 * lengths (exported so tests can check the rule for every `r`).
 *
 *  - §10.3.3: "An endpoint MUST ensure that every Stateless Reset that it sends
 *    is smaller than the packet that triggered it" — and it cannot be shorter
 *    than 21 bytes (§10.3), so a trigger of 21 bytes or less gets nothing.
 *    This also keeps two endpoints from answering each other's resets forever
 *    and obeys "MUST NOT send a Stateless Reset that is three times or more
 *    larger than the packet it receives".
 *  - §10.3: triggers of 43 bytes or less get a reset one byte shorter.
 *  - longer triggers: a random length in [43, min(trigger - 1, 200)].
 *  - never more than `outCap`; 0 when `outCap` < 21.
 */
export function statelessResetLength(triggerLen: usize, outCap: usize, r: u64): usize {
  if (triggerLen <= STATELESS_RESET_MIN_LEN) return 0;
  let len: usize;
  if (triggerLen <= STATELESS_RESET_SHORT_TRIGGER) {
    len = triggerLen - 1;
  } else {
    const hi = min(triggerLen - 1, STATELESS_RESET_MAX_LEN);
    const lo = STATELESS_RESET_SHORT_TRIGGER;
    len = hi <= lo ? hi : lo + <usize>(r % <u64>(hi - lo + 1));
  }
  if (len > outCap) len = outCap;
  return len < STATELESS_RESET_MIN_LEN ? 0 : len;
}

/**
 * RFC 9000 §10.3: writes a Stateless Reset answering a datagram of
 * `triggerLen` bytes into `out` (capacity `outCap`) and returns its length, or
 * 0 when none may be sent (see `statelessResetLength`). Layout: "Fixed Bits (2)
 * = 1, Unpredictable Bits (38..), Stateless Reset Token (128)" — §10.3
 * "Endpoints MUST send Stateless Resets formatted as a packet with a short
 * header": the first byte is 0b01xxxxxx with random x, then random bytes, then
 * the 16-byte `token` (at `token`) last.
 */
export function buildStatelessReset(token: usize, triggerLen: usize, out: usize, outCap: usize): usize {
  const len = statelessResetLength(triggerLen, outCap, randomU16());
  if (len == 0) return 0;
  const unpredictable = len - STATELESS_RESET_TOKEN_LEN;
  randomBytes(out, unpredictable);
  // §17.3.1: Header Form 0, Fixed Bit 1; the other six bits stay random.
  store<u8>(out, (load<u8>(out) & 0x3f) | 0x40);
  memory.copy(out + unpredictable, token, STATELESS_RESET_TOKEN_LEN);
  return len;
}

/**
 * RFC 9000 §10.3.1: can this datagram be a Stateless Reset at all, before any
 * token is compared? Only its length matters: at least 21 bytes (§10.3).
 * The header form is deliberately not checked: §10.3 "endpoints MUST treat
 * any packet ending in a valid stateless reset token as a Stateless Reset, as
 * other QUIC versions might allow the use of a long header", and a peer that
 * greases the fixed bit (RFC 9287) may send a reset with it cleared.
 */
export function couldBeStatelessReset(datagram: usize, len: usize): bool {
  return len >= STATELESS_RESET_MIN_LEN;
}

const R16: usize = memory.data(2, 2);

function randomU16(): u64 {
  randomBytes(R16, 2);
  return <u64>load<u16>(R16);
}
