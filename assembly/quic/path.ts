// One network path to the peer (RFC 9000 §8, §9): the peer's address, the
// anti-amplification limit (§8.1), path validation with PATH_CHALLENGE /
// PATH_RESPONSE (§8.2) and the PATH_RESPONSEs we owe on this path (§8.2.2).
// Sans-IO: time comes in as `now` (µs), randomness from crypto/random.ts.
//
// What a path switch requires of the connection (RFC 9000 §9.4), kept out of
// this file because the recovery state is the connection's:
//   - "Packets sent on the old path MUST NOT contribute to congestion control
//     or RTT estimation for the new path": sent packets remember their path.
//   - "On confirming a peer's ownership of its new address, an endpoint MUST
//     immediately reset the congestion controller and round-trip time
//     estimator for the new path to initial values" (RttEstimator.reset(), a
//     new controller) "unless the only change in the peer's address is its
//     port number" (`sameHost`): then it MAY keep them.
//   - §9.4: probe packets (PATH_CHALLENGE) may have loss detection of their
//     own that does not reduce the congestion window; a resend timer for them
//     "SHOULD be set as described in Section 6.2.1 of [QUIC-RECOVERY] and MUST
//     NOT be more aggressive" — `onChallengeLost` is driven by that detection,
//     and `onRetryTimer` resends after a PTO (doubled each time, as RFC 9002
//     §6.2.1 backs off) when nothing answered: a lost PATH_RESPONSE is never
//     retransmitted by the peer (§8.2.2), so only a new challenge recovers it.
//   - §8.2.1 / §8.2.2: datagrams carrying PATH_CHALLENGE or PATH_RESPONSE are
//     expanded to at least 1200 bytes unless `sendAllowance()` forbids it; a
//     PATH_RESPONSE is never expanded beyond the allowance.
//   - §9.3: a new peer address starts unvalidated: a new Path (or `reset`)
//     with `validated` false, so its sends are limited by §8.1 until the
//     validation succeeds.
import { ctEqual } from "../crypto/ct";
import { randomBytes } from "../crypto/random";
import { kInitialRtt } from "./rtt";

/** Address bytes from the host: `family u8 (4|6) | ip 4|16 | port u16 BE`. */
export const MAX_ADDR_LEN: i32 = 19;
const ADDR_V4_LEN: i32 = 7;
const ADDR_V6_LEN: i32 = 19;

/** RFC 9000 §8.1: an unvalidated address gets at most three times the bytes received from it. */
export const AMPLIFICATION_FACTOR: u64 = 3;
/** RFC 9000 §19.17: PATH_CHALLENGE Data is 8 bytes. */
export const PATH_DATA_LEN: i32 = 8;
/** PATH_CHALLENGE data we still accept a response to (each resend draws new data, §13.3). */
export const MAX_OUTSTANDING_CHALLENGES: i32 = 3;
/** PATH_RESPONSEs owed on this path; more challenges than this keep only the newest. */
export const MAX_PENDING_RESPONSES: i32 = 4;
/** RFC 9000 §14.1: the smallest allowed maximum datagram size. */
const MIN_DATAGRAM_SIZE: u32 = 1200;

/**
 * RFC 9000 §8.2.4: "three times the larger of the current PTO or the PTO for
 * the new path (using kInitialRtt ...) is RECOMMENDED". A new path's PTO is
 * smoothed_rtt + 4·rttvar = kInitialRtt + 4·kInitialRtt/2 (RFC 9002 §6.2.1,
 * §6.2.2; max_ack_delay left out), i.e. 3·kInitialRtt.
 */
export const NEW_PATH_PTO: u64 = 3 * kInitialRtt;

/** RFC 9000 §8.2.4: the validation timeout for a current PTO of `pto` µs. */
export function pathValidationTimeout(pto: u64): u64 {
  const p = pto > NEW_PATH_PTO ? pto : NEW_PATH_PTO;
  return p > u64.MAX_VALUE / 3 ? u64.MAX_VALUE : 3 * p;
}

/** Below this many bytes of §8.1 allowance no packet is worth building (the smallest useful one is an ACK). */
export const MIN_PACKET_ALLOWANCE: u64 = 64;

@final
export class Path {
  /** The host's local socket this path uses (a client migrating binds another, RFC 9000 §9.2). */
  localId: u32 = 0;

  /** The same peer address through the same local socket. */
  matches(ptr: usize, len: i32, localId: u32): bool {
    return this.localId == localId && this.sameAddress(ptr, len);
  }

  // --- the peer's address
  private addr: StaticArray<u8> = new StaticArray<u8>(MAX_ADDR_LEN);
  /** Bytes of the address (7 for IPv4, 19 for IPv6; 0 before `setAddress`). */
  addrLen: i32 = 0;

  // --- RFC 9000 §8.1 anti-amplification
  /** The peer's address is validated: no amplification limit. */
  validated: bool;
  /** Payload bytes of every datagram received on this path and attributed to the connection (§8.1). */
  bytesReceived: u64 = 0;
  /** Bytes sent on this path (UDP payloads). */
  bytesSent: u64 = 0;

  // --- RFC 9000 §8.2 path validation
  /** Outstanding PATH_CHALLENGE data, `MAX_OUTSTANDING_CHALLENGES` slots of 8 bytes, newest at `challengeNewest`. */
  private challenges: StaticArray<u8> = new StaticArray<u8>(MAX_OUTSTANDING_CHALLENGES * PATH_DATA_LEN);
  /** Per slot: 1 = live, and whether its datagram was expanded to 1200 bytes (bit 1). */
  private challengeFlags: StaticArray<u8> = new StaticArray<u8>(MAX_OUTSTANDING_CHALLENGES);
  private challengeNewest: i32 = 0;
  /** A validation is under way (started, neither succeeded nor abandoned). */
  validating: bool = false;
  /** A PATH_CHALLENGE (with `challengeData`) waits to be sent. */
  challengePending: bool = false;
  /** When an unanswered validation is abandoned (µs; u64.MAX when not validating). */
  validationDeadline: u64 = u64.MAX_VALUE;
  /** The PTO given to `startChallenge`. */
  private pto: u64 = 0;
  /** When an unanswered PATH_CHALLENGE is sent again (µs; u64.MAX when none is outstanding). */
  retryAt: u64 = u64.MAX_VALUE;
  /** The wait before the next resend: the PTO, doubled after each (RFC 9002 §6.2.1). */
  private retryInterval: u64 = 0;
  /** The last validation was abandoned (§8.2.4): the path is unusable. */
  failed: bool = false;
  /**
   * RFC 9000 §8.2.3: false when the response that validated the path answered
   * a challenge sent in a datagram under 1200 bytes: "the endpoint MUST
   * initiate another path validation with an expanded datagram".
   */
  mtuValidated: bool = false;

  // --- RFC 9000 §8.2.2 responses owed on this path
  private responses: StaticArray<u8> = new StaticArray<u8>(MAX_PENDING_RESPONSES * PATH_DATA_LEN);
  private responseHead: i32 = 0;
  /** PATH_RESPONSEs waiting to be sent on this path. */
  responseCount: i32 = 0;
  /** Challenges whose response was dropped because newer ones filled the queue. */
  responsesDropped: u64 = 0;

  /**
   * `validated`: a client's path to the server it chose is validated from the
   * start (§8.1 limits the server); a server's path starts unvalidated until
   * the client's address is validated (§8.1: a Handshake packet, a token,
   * or path validation).
   */
  constructor(validated: bool = false) {
    this.validated = validated;
  }

  /** Back to a fresh path (a new peer address, §9.3). */
  reset(validated: bool): void {
    this.addrLen = 0;
    this.validated = validated;
    this.bytesReceived = 0;
    this.bytesSent = 0;
    this.clearChallenges();
    this.validating = false;
    this.validationDeadline = u64.MAX_VALUE;
    this.failed = false;
    this.mtuValidated = false;
    this.responseHead = 0;
    this.responseCount = 0;
    this.responsesDropped = 0;
  }

  // --- the address

  /** Copies the peer's address; false (nothing stored) unless it is 7 bytes with family 4 or 19 with family 6. */
  setAddress(ptr: usize, len: i32): bool {
    if (!wellFormed(ptr, len)) return false;
    memory.copy(changetype<usize>(this.addr), ptr, <usize>len);
    this.addrLen = len;
    return true;
  }

  /** The stored address (`addrLen` bytes; valid while this Path lives). */
  get addrPtr(): usize {
    return changetype<usize>(this.addr);
  }

  /** Whether `ptr`/`len` is this path's address (family, IP and port). */
  sameAddress(ptr: usize, len: i32): bool {
    return len == this.addrLen && len != 0 && memory.compare(changetype<usize>(this.addr), ptr, <usize>len) == 0;
  }

  /** Same family and IP, whatever the port (RFC 9000 §9.4: a port-only change may keep the congestion state). */
  sameHost(ptr: usize, len: i32): bool {
    return len == this.addrLen && len != 0 && memory.compare(changetype<usize>(this.addr), ptr, <usize>(len - 2)) == 0;
  }

  // --- RFC 9000 §8.1 anti-amplification

  /**
   * A datagram of `bytes` arrived on this path. §8.1: "servers MUST count all
   * of the payload bytes received in datagrams that are uniquely attributed to
   * a single connection", including datagrams whose packets are all discarded.
   */
  onReceived(bytes: u64): void {
    this.bytesReceived = satAdd(this.bytesReceived, bytes);
  }

  /** A datagram of `bytes` was sent on this path. */
  onSent(bytes: u64): void {
    this.bytesSent = satAdd(this.bytesSent, bytes);
  }

  /** The address is validated (§8.1: Handshake packet, token, or §8.2): the limit is lifted. */
  validate(): void {
    this.validated = true;
  }

  /** Whether the §8.1 limit leaves room for a packet at all (`MIN_PACKET_ALLOWANCE` bytes, e.g. an ACK). */
  canSendPacket(): bool {
    return this.validated || this.sendAllowance() >= MIN_PACKET_ALLOWANCE;
  }

  /**
   * RFC 9000 §8.1: "an endpoint MUST limit the amount of data it sends to the
   * unvalidated address to three times the amount of data received from that
   * address". Bytes that may still be sent (u64.MAX once validated).
   */
  sendAllowance(): u64 {
    if (this.validated) return u64.MAX_VALUE;
    const limit = this.bytesReceived > u64.MAX_VALUE / AMPLIFICATION_FACTOR ? u64.MAX_VALUE : this.bytesReceived * AMPLIFICATION_FACTOR;
    return limit > this.bytesSent ? limit - this.bytesSent : 0;
  }

  // --- RFC 9000 §8.2 path validation

  /**
   * Starts (or restarts) validating this path: draws new challenge data
   * (`challengePending`) and arms the §8.2.4 timeout from the current `pto`.
   */
  startChallenge(now: u64, pto: u64): void {
    this.pto = pto;
    this.validating = true;
    this.failed = false;
    const t = pathValidationTimeout(pto);
    this.validationDeadline = now > u64.MAX_VALUE - t ? u64.MAX_VALUE : now + t;
    this.retryInterval = pto > 0 ? pto : 1;
    this.drawChallenge();
  }

  /** RFC 9000 §8.2.4: the timeout of the current validation (µs). */
  validationTimeout(): u64 {
    return pathValidationTimeout(this.pto);
  }

  /** The 8 bytes of the newest PATH_CHALLENGE (what to send while `challengePending`). */
  get challengeData(): usize {
    return changetype<usize>(this.challenges) + <usize>(this.challengeNewest * PATH_DATA_LEN);
  }

  /**
   * The pending PATH_CHALLENGE went out in a datagram of `datagramSize`
   * bytes. §8.2.1: if it was under 1200 bytes, a response to it validates the
   * address but not the path MTU.
   */
  onChallengeSent(datagramSize: u32, now: u64): void {
    if (!this.challengePending) return;
    this.challengePending = false;
    const i = this.challengeNewest;
    unchecked(this.challengeFlags[i] = <u8>(1 | (datagramSize >= MIN_DATAGRAM_SIZE ? 2 : 0)));
    const d = this.retryInterval;
    this.retryAt = now > u64.MAX_VALUE - d ? u64.MAX_VALUE : now + d;
    this.retryInterval = d > u64.MAX_VALUE / 2 ? u64.MAX_VALUE : 2 * d;
  }

  /**
   * RFC 9000 §9.4 / RFC 9002 §6.2.1: no response within the current resend
   * interval — send a new challenge (new data, §13.3; the earlier data stays
   * acceptable). The §8.2.4 deadline still bounds the whole validation.
   */
  onRetryTimer(now: u64): void {
    if (!this.validating || this.challengePending || now < this.retryAt) return;
    this.retryAt = u64.MAX_VALUE;
    this.drawChallenge();
  }

  /**
   * The packet carrying a PATH_CHALLENGE was declared lost while validating:
   * send another. RFC 9000 §13.3: "PATH_CHALLENGE frames include a different
   * payload each time they are sent"; the earlier data stays acceptable
   * (the response may only be late).
   */
  onChallengeLost(): void {
    if (!this.validating || this.challengePending) return;
    this.drawChallenge();
  }

  /**
   * A PATH_RESPONSE arrived (on any path: §8.2.3 "A PATH_RESPONSE frame
   * received on any network path validates the path on which the
   * PATH_CHALLENGE was sent"). True when its 8 bytes at `ptr` match a
   * challenge we sent on this path and are still waiting for; the path is
   * then validated. Compared in constant time against every slot. Stale or
   * unknown data returns false (§19.18 allows, not requires, PROTOCOL_VIOLATION).
   */
  onPathResponse(ptr: usize): bool {
    let matched: u32 = 0;
    let expanded: u32 = 0;
    const base = changetype<usize>(this.challenges);
    for (let i = 0; i < MAX_OUTSTANDING_CHALLENGES; i++) {
      const flags = <u32>unchecked(this.challengeFlags[i]);
      // only challenges that were sent (flag bit 0) count
      const hit = <u32>ctEqual(base + <usize>(i * PATH_DATA_LEN), ptr, <usize>PATH_DATA_LEN) & flags;
      matched |= hit;
      expanded |= hit & (flags >> 1);
    }
    if (matched == 0 || !this.validating) return false;
    // RFC 9000 §8.2.3: "Path validation succeeds when a PATH_RESPONSE frame is
    // received that contains the data that was sent in a previous PATH_CHALLENGE frame."
    this.validated = true;
    this.mtuValidated = expanded != 0;
    this.validating = false;
    this.validationDeadline = u64.MAX_VALUE;
    this.clearChallenges();
    return true;
  }

  /**
   * Checks the §8.2.4 timer: at or after the deadline an unanswered
   * validation is abandoned — "Path validation only fails when the endpoint
   * attempting to validate the path abandons its attempt". True when it just failed.
   */
  onValidationTimeout(now: u64): bool {
    if (!this.validating || now < this.validationDeadline) return false;
    this.validating = false;
    this.failed = true;
    this.validationDeadline = u64.MAX_VALUE;
    this.clearChallenges();
    return true;
  }

  /** Stops validating without a verdict (e.g. the path was dropped). */
  cancelValidation(): void {
    this.validating = false;
    this.validationDeadline = u64.MAX_VALUE;
    this.clearChallenges();
  }

  private drawChallenge(): void {
    const next = (this.challengeNewest + 1) % MAX_OUTSTANDING_CHALLENGES;
    this.challengeNewest = next;
    // RFC 9000 §8.2.1: "The endpoint MUST use unpredictable data in every PATH_CHALLENGE frame"
    randomBytes(changetype<usize>(this.challenges) + <usize>(next * PATH_DATA_LEN), <usize>PATH_DATA_LEN);
    unchecked(this.challengeFlags[next] = 0); // live once sent (onChallengeSent)
    this.challengePending = true;
  }

  private clearChallenges(): void {
    this.retryAt = u64.MAX_VALUE;
    for (let i = 0; i < MAX_OUTSTANDING_CHALLENGES; i++) unchecked(this.challengeFlags[i] = 0);
    memory.fill(changetype<usize>(this.challenges), 0, <usize>(MAX_OUTSTANDING_CHALLENGES * PATH_DATA_LEN));
    this.challengePending = false;
  }

  // --- RFC 9000 §8.2.2 PATH_RESPONSEs owed on this path

  /**
   * A PATH_CHALLENGE with the 8 bytes at `ptr` arrived on this path. §8.2.2:
   * "an endpoint MUST respond by echoing the data ... in a PATH_RESPONSE
   * frame", "sent on the network path where the PATH_CHALLENGE frame was
   * received" — so the queue is per path. Bounded: when full the oldest owed
   * response is dropped (the peer sends new challenges as needed, §13.3).
   */
  queueResponse(ptr: usize): void {
    if (this.responseCount == MAX_PENDING_RESPONSES) {
      this.responseHead = (this.responseHead + 1) % MAX_PENDING_RESPONSES;
      this.responseCount--;
      this.responsesDropped++;
    }
    const slot = (this.responseHead + this.responseCount) % MAX_PENDING_RESPONSES;
    memory.copy(changetype<usize>(this.responses) + <usize>(slot * PATH_DATA_LEN), ptr, <usize>PATH_DATA_LEN);
    this.responseCount++;
  }

  /** The 8 bytes of the oldest owed PATH_RESPONSE (meaningful while `responseCount > 0`). */
  get responseData(): usize {
    return changetype<usize>(this.responses) + <usize>(this.responseHead * PATH_DATA_LEN);
  }

  /**
   * The oldest owed PATH_RESPONSE was put in a packet. §8.2.2: "An endpoint
   * MUST NOT send more than one PATH_RESPONSE frame in response to one
   * PATH_CHALLENGE frame" — it is not resent if that packet is lost.
   */
  popResponse(): void {
    if (this.responseCount == 0) return;
    this.responseHead = (this.responseHead + 1) % MAX_PENDING_RESPONSES;
    this.responseCount--;
  }
}

/** 7 bytes with family 4, or 19 with family 6. */
function wellFormed(ptr: usize, len: i32): bool {
  if (len == ADDR_V4_LEN) return load<u8>(ptr) == 4;
  if (len == ADDR_V6_LEN) return load<u8>(ptr) == 6;
  return false;
}

@inline function satAdd(a: u64, b: u64): u64 {
  const s = a + b;
  return s < a ? u64.MAX_VALUE : s;
}
