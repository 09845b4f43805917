// QUIC packet headers (RFC 9000 §17, RFC 8999 invariants, RFC 9369 §3.2 for
// v2's long-header type bits): parsing a header in a datagram (coalesced
// packets are split with `packetLen`, §12.2), Version Negotiation (§6, §17.2.1)
// and Retry (§17.2.5) packets. Building protected packets is packet_builder.ts.
//
// Receiving one datagram (the connection / endpoint):
//
//   const h = new PacketHeader();                  // once; reused
//   let off: usize = 0;
//   while (off < dgLen) {
//     const rc = parsePacketHeader(dg + off, dgLen - off, ourCidLen, h);
//     if (rc != 0) break;                          // the rest of the datagram is discarded
//     ... route on h.dcid (§12.2: ignore followers with another DCID),
//         unprotectPacket(keys, dg + off, h.packetLen, h.pnOffset, largestPn) ...
//     off += h.packetLen;                          // short headers take the rest
//   }
//
// A parse error never stops stateless-reset detection (§10.3.1), which looks
// only at the datagram's last 16 bytes. Header fields are pointers into the
// datagram; nothing is copied or allocated.

import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { randomBytes } from "../crypto/random";
import { ctEqual } from "../crypto/ct";
import { PACKET_INITIAL, PACKET_0RTT, PACKET_HANDSHAKE, PACKET_1RTT } from "./frame";
import { QUIC_VERSION_2, isSupportedVersion } from "./version";
import { MAX_CID_LEN } from "./constants";
import { HP_SAMPLE_LEN, HP_SAMPLE_OFFSET } from "./protection";
import { RETRY_TAG_LEN, verifyRetryIntegrity, retryIntegrityTag } from "./retry";

// Packet types beyond the four of frame.ts (which index the frame rules).
export const PACKET_RETRY: u32 = 4;
export const PACKET_VERSION_NEGOTIATION: u32 = 5;
/** A long header of a version this core does not speak: only the invariant fields are known. */
export const PACKET_UNKNOWN: u32 = 6;

// parsePacketHeader / parseInvariantHeader results (0 = parsed).
/** The datagram ends inside the header, or the packet cannot hold a packet number and the header-protection sample (RFC 9001 §5.4.2). */
export const PARSE_TOO_SHORT: i32 = -1;
/** RFC 9000 §17.2, §17.3.1: "Packets containing a zero value for this bit are not valid packets in this version and MUST be discarded." */
export const PARSE_FIXED_BIT_CLEAR: i32 = -2;
/** RFC 9000 §17.2: "Endpoints that receive a version 1 long header with a value larger than 20 MUST drop the packet." */
export const PARSE_CID_TOO_LONG: i32 = -3;
/** The Length field (§17.2) runs past the end of the datagram, or is below the smallest protected packet (20). */
export const PARSE_LENGTH_BEYOND: i32 = -4;
/** An Initial's Token Length (§17.2.2) runs past the end of the datagram. */
export const PARSE_TOKEN_BEYOND: i32 = -5;
/** A long header with a version other than v1 / v2 (and not 0): the invariant fields are valid (to answer with Version Negotiation, §6.1). */
export const PARSE_UNKNOWN_VERSION: i32 = -6;
/** RFC 8999 §6: "An endpoint MUST ignore a packet that contains no Supported Version fields or contains a truncated Supported Version value." */
export const PARSE_VN_MALFORMED: i32 = -7;

/** RFC 9001 §5.4.2: the shortest protected packet after its header: 4 bytes from the packet number's start, then the 16-byte sample. */
export const MIN_PROTECTED_LEN: usize = HP_SAMPLE_OFFSET + HP_SAMPLE_LEN;

/** RFC 8999 §5.1: long-header connection IDs are at most 255 bytes in any version. */
const MAX_INVARIANT_CID_LEN: i32 = 255;

/**
 * RFC 9000 §17.2 Table 5 (v1) and RFC 9369 §3.2 (v2): the two Long Packet
 * Type bits for PACKET_INITIAL / 0RTT / HANDSHAKE / RETRY. v2 rotates them:
 * Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
 */
@inline
export function longTypeBits(type: u32, version: u32): u32 {
  // v1 bits: Initial 0, 0-RTT 1, Handshake 2, Retry 3 (PACKET_RETRY = 4 → 3)
  const v1 = type == PACKET_RETRY ? <u32>3 : type & 3;
  return version == QUIC_VERSION_2 ? (v1 + 1) & 3 : v1;
}

/** The inverse of longTypeBits: the PACKET_* type of the two type bits. */
@inline
export function longPacketType(bits: u32, version: u32): u32 {
  const v1 = version == QUIC_VERSION_2 ? (bits + 3) & 3 : bits & 3;
  return v1 == 3 ? PACKET_RETRY : v1;
}

/**
 * One parsed packet header: pointers into the datagram, nothing copied.
 * Reused across packets (parse calls reset every field).
 */
@final
export class PacketHeader {
  isLong: bool = false;
  /** PACKET_INITIAL / 0RTT / HANDSHAKE / 1RTT (frame.ts), PACKET_RETRY, PACKET_VERSION_NEGOTIATION or PACKET_UNKNOWN. */
  type: u32 = PACKET_UNKNOWN;
  /** Long headers only (0 for short headers and Version Negotiation). */
  version: u32 = 0;
  /** Still header-protected for packets that carry a packet number. */
  firstByte: u8 = 0;
  dcid: usize = 0;
  dcidLen: i32 = 0;
  /** Long headers only. */
  scid: usize = 0;
  scidLen: i32 = 0;
  /**
   * Initial: the Token field (§17.2.2). Retry: the Retry Token (tag excluded,
   * §17.2.5). Version Negotiation: the Supported Version list (see
   * versionList / versionListLen). Otherwise 0 / 0.
   */
  token: usize = 0;
  tokenLen: usize = 0;
  /** Offset of the packet number field from the packet start (long: after Length; short: 1 + dcidLen); 0 for Retry / VN. */
  pnOffset: usize = 0;
  /** This packet's total length within the datagram (long: pnOffset + Length; short, Retry, VN: the rest of the datagram). Never beyond the datagram. */
  packetLen: usize = 0;

  /** Version Negotiation: address of the Supported Version list. */
  @inline get versionList(): usize { return this.token; }
  /** Version Negotiation: the list's length in bytes (a multiple of 4 when parsing succeeded). */
  @inline get versionListLen(): usize { return this.tokenLen; }

  reset(): void {
    this.isLong = false;
    this.type = PACKET_UNKNOWN;
    this.version = 0;
    this.firstByte = 0;
    this.dcid = 0;
    this.dcidLen = 0;
    this.scid = 0;
    this.scidLen = 0;
    this.token = 0;
    this.tokenLen = 0;
    this.pnOffset = 0;
    this.packetLen = 0;
  }
}

// Scratch reader (parsing is never reentrant).
const R = new Reader();

/**
 * RFC 8999 §5: the version-independent fields of the packet at `ptr` (`len`
 * bytes left in the datagram) — header form, version, DCID and SCID of a long
 * header (each up to 255 bytes), the DCID of a short header (whose length only
 * the receiver knows: `shortDcidLen`). For routing before anything else is
 * known. Every other field is reset (type PACKET_UNKNOWN, except
 * PACKET_VERSION_NEGOTIATION for version 0 and PACKET_1RTT for a short
 * header), packetLen = len. Returns 0 or PARSE_TOO_SHORT.
 */
export function parseInvariantHeader(ptr: usize, len: usize, shortDcidLen: i32, out: PacketHeader): i32 {
  out.reset();
  const r = R.reset(ptr, len);
  const first = r.u8();
  if (r.failed) return PARSE_TOO_SHORT;
  out.firstByte = first;
  if ((first & 0x80) == 0) {
    // §5.2 short header: the DCID follows the first byte.
    if (shortDcidLen < 0 || shortDcidLen > MAX_INVARIANT_CID_LEN) return PARSE_TOO_SHORT;
    out.dcid = r.bytes(<usize>shortDcidLen);
    if (r.failed) { out.dcid = 0; return PARSE_TOO_SHORT; }
    out.dcidLen = shortDcidLen;
    out.type = PACKET_1RTT;
    out.packetLen = len;
    return 0;
  }
  // §5.1 long header: Version (32), DCID Length (8), DCID, SCID Length (8), SCID.
  out.isLong = true;
  const version = r.u32();
  const dcidLen = <usize>r.u8();
  const dcid = r.bytes(dcidLen);
  const scidLen = <usize>r.u8();
  const scid = r.bytes(scidLen);
  if (r.failed) return PARSE_TOO_SHORT;
  out.version = version;
  out.dcid = dcid;
  out.dcidLen = <i32>dcidLen;
  out.scid = scid;
  out.scidLen = <i32>scidLen;
  out.type = version == 0 ? PACKET_VERSION_NEGOTIATION : PACKET_UNKNOWN;
  out.packetLen = len;
  return 0;
}

/**
 * Parses the header of the packet starting at `ptr` (up to `len` bytes left
 * in the datagram). Short headers need the DCID length we use
 * (`shortDcidLen`). `greaseQuicBit`: we advertised grease_quic_bit (RFC 9287),
 * so a clear Fixed Bit is allowed. Returns 0 or a negative PARSE_* code; on
 * PARSE_UNKNOWN_VERSION and PARSE_VN_MALFORMED the invariant fields (version,
 * dcid, scid) are valid, on every other error packetLen is 0. Never reads
 * outside [ptr, ptr + len); never traps.
 */
export function parsePacketHeader(ptr: usize, len: usize, shortDcidLen: i32, out: PacketHeader, greaseQuicBit: bool = false): i32 {
  const rc = parseInvariantHeader(ptr, len, shortDcidLen, out);
  if (rc != 0) return rc;
  const first = out.firstByte;
  const fixedBitClear = (first & 0x40) == 0 && !greaseQuicBit;
  if (!out.isLong) {
    // RFC 9000 §17.3.1 1-RTT packet.
    if (fixedBitClear) return fail(out, PARSE_FIXED_BIT_CLEAR);
    if (shortDcidLen > <i32>MAX_CID_LEN) return fail(out, PARSE_CID_TOO_LONG);
    const pnOffset = 1 + <usize>shortDcidLen;
    if (len - pnOffset < MIN_PROTECTED_LEN) return fail(out, PARSE_TOO_SHORT);
    out.pnOffset = pnOffset;
    return 0;
  }
  const version = out.version;
  const r = R; // positioned after the SCID by parseInvariantHeader
  if (version == 0) {
    // RFC 9000 §17.2.1 / RFC 8999 §6: the rest is the Supported Version list;
    // the Unused bits (Fixed Bit included) are ignored.
    out.token = r.pos;
    out.tokenLen = r.remaining;
    if (out.tokenLen == 0 || (out.tokenLen & 3) != 0) return PARSE_VN_MALFORMED;
    return 0;
  }
  if (!isSupportedVersion(version)) return PARSE_UNKNOWN_VERSION;
  // From here on the rules are v1's (RFC 9369 §3 keeps them for v2).
  if (fixedBitClear) return fail(out, PARSE_FIXED_BIT_CLEAR);
  if (out.dcidLen > <i32>MAX_CID_LEN || out.scidLen > <i32>MAX_CID_LEN) return fail(out, PARSE_CID_TOO_LONG);
  const type = longPacketType((<u32>first >> 4) & 3, version);
  out.type = type;
  if (type == PACKET_RETRY) {
    // §17.2.5: Retry Token (..), Retry Integrity Tag (128) to the end of the datagram.
    if (r.remaining < RETRY_TAG_LEN) return fail(out, PARSE_TOO_SHORT);
    out.token = r.pos;
    out.tokenLen = r.remaining - RETRY_TAG_LEN;
    return 0;
  }
  if (type == PACKET_INITIAL) {
    // §17.2.2: Token Length (i), Token (..).
    const tokenLen = r.varint();
    if (r.failed) return fail(out, PARSE_TOO_SHORT);
    if (tokenLen > <u64>r.remaining) return fail(out, PARSE_TOKEN_BEYOND);
    out.token = r.bytes(<usize>tokenLen);
    out.tokenLen = <usize>tokenLen;
  }
  // §17.2: Length (i) covers the Packet Number and the Payload.
  const length = r.varint();
  if (r.failed) return fail(out, PARSE_TOO_SHORT);
  if (length > <u64>r.remaining || length < <u64>MIN_PROTECTED_LEN) return fail(out, PARSE_LENGTH_BEYOND);
  out.pnOffset = r.offset;
  out.packetLen = out.pnOffset + <usize>length;
  return 0;
}

/** An error after the invariant fields: the packet's extent is unknown, so it is none. */
@inline function fail(out: PacketHeader, rc: i32): i32 {
  out.packetLen = 0;
  out.pnOffset = 0;
  out.token = 0;
  out.tokenLen = 0;
  return rc;
}

// ---- Version Negotiation (RFC 9000 §6, §17.2.1; RFC 8999 §6) ----------------

const RANDOM_BYTE: usize = memory.data(1, 1);

@inline function randomByte(): u8 {
  randomBytes(RANDOM_BYTE, 1);
  return load<u8>(RANDOM_BYTE);
}

/**
 * RFC 9000 §17.2.1 / RFC 8999 §6: appends a Version Negotiation packet
 * answering a client's long-header packet — dcid = the client's SCID, scid =
 * the client's DCID ("The server MUST include the value from the Source
 * Connection ID field of the packet it receives in the Destination Connection
 * ID field"), Version 0, then `versions`. The first byte is random with the
 * high bit set and, as §17.2.1 says servers SHOULD, 0x40 too. Returns the
 * packet's length, or 0 (nothing useful written) when `out` overflowed, a CID
 * is longer than 255 bytes or `versions` is empty (RFC 8999 §6: such a packet
 * would be ignored).
 */
export function encodeVersionNegotiation(out: Writer, dcid: usize, dcidLen: i32, scid: usize, scidLen: i32, versions: StaticArray<u32>): usize {
  const n = versions.length;
  if (n == 0 || dcidLen < 0 || dcidLen > MAX_INVARIANT_CID_LEN || scidLen < 0 || scidLen > MAX_INVARIANT_CID_LEN) return 0;
  const start = out.len;
  out.u8(0xc0 | (<u32>randomByte() & 0x3f));
  out.u32(0);
  out.u8(<u32>dcidLen);
  out.bytes(dcid, <usize>dcidLen);
  out.u8(<u32>scidLen);
  out.bytes(scid, <usize>scidLen);
  for (let i = 0; i < n; i++) out.u32(unchecked(versions[i]));
  if (out.overflow) return 0;
  return out.len - start;
}

/** Version Negotiation: how many Supported Version entries the parsed header's list holds. */
export function vnVersionCount(h: PacketHeader): i32 {
  return h.type == PACKET_VERSION_NEGOTIATION ? <i32>(h.tokenLen >> 2) : 0;
}

/** Version Negotiation: the `i`-th Supported Version (0 when out of range). */
export function vnVersionAt(h: PacketHeader, i: i32): u32 {
  if (i < 0 || i >= vnVersionCount(h)) return 0;
  return bswap<u32>(load<u32>(h.token + (<usize>i << 2)));
}

/** Version Negotiation: whether the list names `version`. */
export function vnListsVersion(h: PacketHeader, version: u32): bool {
  const n = vnVersionCount(h);
  for (let i = 0; i < n; i++) if (bswap<u32>(load<u32>(h.token + (<usize>i << 2))) == version) return true;
  return false;
}

/**
 * Client, RFC 9000 §6.2 / RFC 8999 §6: parses the datagram at `ptr` as a
 * Version Negotiation packet and says whether to act on it (abandon the
 * attempt, §6.2). False — discard — unless it is a VN with at least one whole
 * version, its DCID equals the SCID we sent and its SCID the DCID we sent
 * (RFC 8999 §6 echo), and it does not list `ourVersion` ("A client MUST
 * discard a Version Negotiation packet that lists the QUIC version selected by
 * the client"). The other §6.2 rule (discard after any other packet was
 * processed) needs connection state and stays with the caller.
 */
export function checkVersionNegotiation(
  ptr: usize, len: usize,
  ourDcid: usize, ourDcidLen: i32, ourScid: usize, ourScidLen: i32,
  ourVersion: u32, out: PacketHeader,
): bool {
  if (parsePacketHeader(ptr, len, 0, out) != 0 || out.type != PACKET_VERSION_NEGOTIATION) return false;
  if (!sameBytes(out.dcid, out.dcidLen, ourScid, ourScidLen)) return false;
  if (!sameBytes(out.scid, out.scidLen, ourDcid, ourDcidLen)) return false;
  return !vnListsVersion(out, ourVersion);
}

@inline function sameBytes(a: usize, aLen: i32, b: usize, bLen: i32): bool {
  return aLen == bLen && ctEqual(a, b, <usize>aLen);
}

// ---- Retry (RFC 9000 §17.2.5, RFC 9001 §5.8) --------------------------------

/**
 * RFC 9000 §17.2.5: appends a Retry packet — `version`, dcid = the client's
 * SCID, scid = the new server CID ("This value MUST NOT be equal to the
 * Destination Connection ID field of the packet sent by the client", checked:
 * `odcid` is that field), the token, and the Retry Integrity Tag over the
 * client's original DCID (RFC 9001 §5.8). The four Unused bits are random.
 * Returns the packet's length, or 0 when `out` overflowed, the version is not
 * v1/v2, a CID is longer than 20 bytes, the token is empty (a client MUST
 * discard it, §17.2.5.2) or scid equals odcid.
 */
export function encodeRetry(
  out: Writer, version: u32,
  dcid: usize, dcidLen: i32, scid: usize, scidLen: i32,
  token: usize, tokenLen: usize, odcid: usize, odcidLen: i32,
): usize {
  if (!isSupportedVersion(version) || tokenLen == 0) return 0;
  if (dcidLen < 0 || dcidLen > <i32>MAX_CID_LEN || scidLen < 0 || scidLen > <i32>MAX_CID_LEN) return 0;
  if (odcidLen < 0 || odcidLen > <i32>MAX_CID_LEN || sameBytes(scid, scidLen, odcid, odcidLen)) return 0;
  const start = out.len;
  out.u8(0xc0 | (longTypeBits(PACKET_RETRY, version) << 4) | (<u32>randomByte() & 0x0f));
  out.u32(version);
  out.u8(<u32>dcidLen);
  out.bytes(dcid, <usize>dcidLen);
  out.u8(<u32>scidLen);
  out.bytes(scid, <usize>scidLen);
  out.bytes(token, tokenLen);
  const tag = out.reserve(RETRY_TAG_LEN);
  if (out.overflow || tag == 0) return 0;
  // Addresses after the last write: a growable writer may have moved.
  const pkt = out.buf + start;
  const bodyLen = out.len - start - RETRY_TAG_LEN;
  if (!retryIntegrityTag(version, odcid, <usize>odcidLen, pkt, bodyLen, pkt + bodyLen)) return 0;
  return out.len - start;
}

/**
 * Client, RFC 9000 §17.2.5.2: parses the datagram at `ptr` as a Retry and
 * verifies it against the DCID of our first Initial (`odcid`); the token is
 * then out.token / out.tokenLen and the new DCID out.scid. False → discard:
 * not a v1/v2 Retry, a tag that does not verify (RFC 9001 §5.8), a
 * zero-length token, or an SCID equal to `odcid`. The version check against
 * the one we use, and "at most one Retry" (§17.2.5.2), are the caller's.
 */
export function checkRetry(ptr: usize, len: usize, odcid: usize, odcidLen: i32, out: PacketHeader): bool {
  if (parsePacketHeader(ptr, len, 0, out) != 0 || out.type != PACKET_RETRY) return false;
  if (out.tokenLen == 0) return false;
  if (odcidLen < 0 || sameBytes(out.scid, out.scidLen, odcid, odcidLen)) return false;
  return verifyRetryIntegrity(out.version, odcid, <usize>odcidLen, ptr, out.packetLen);
}
