// Building one protected QUIC packet at a time into a caller-owned datagram
// buffer (RFC 9000 §17, §12.2, §14.1; RFC 9001 §5). Coalescing is building
// several packets back to back in the same buffer, each begun at the offset
// the previous finish returned (§12.2: in order Initial, 0-RTT, Handshake,
// 1-RTT; a short-header packet can only be last).
//
//   const b = new PacketBuilder();                   // once; reused, allocates nothing after
//   if (b.begin(dg, off, cap, PACKET_INITIAL, version, dcid, dcidLen, scid, scidLen,
//               token, tokenLen, pn, largestAcked, false)) {
//     const w = b.payload;                           // a fixed Writer; capacity excludes the tag
//     const saved = w.len;
//     if (encodeFrame(w, frame) != 0) w.len = saved; // a frame that did not fit is backed out
//     b.padToDatagram(1200);                         // client Initial datagrams (§14.1)
//     off = b.finish(keys);                          // 0 on failure
//   }
//
// Header layout written by begin (long / short):
//   first byte | Version | DCID Len | DCID | SCID Len | SCID | [Token Len | Token] | Length (2) | PN
//   first byte | DCID | PN
// The Length field is always two bytes (RFC 9000 §16 allows any varint size),
// patched by finish, so a long-header packet is at most 16383 bytes after it.

import { Writer } from "../wire/writer";
import { VARINT_MAX, varintLen } from "../wire/varint";
import { AEAD_TAG_LEN } from "../crypto/aead";
import { PACKET_INITIAL, PACKET_0RTT, PACKET_HANDSHAKE, PACKET_1RTT } from "./frame";
import { isSupportedVersion } from "./version";
import { MAX_CID_LEN } from "./constants";
import { packetNumberLength } from "./packet_number";
import { PacketKeys, protectPacket, HP_SAMPLE_OFFSET } from "./protection";
import { longTypeBits } from "./packet";

/** The Length field's size: a 2-byte varint, so Length ≤ 2^14 - 1. */
const LENGTH_FIELD_LEN: usize = 2;
const MAX_LENGTH: usize = (1 << 14) - 1;

@final
export class PacketBuilder {
  /** Bytes of the packet number field (1..4), chosen by begin. */
  pnLen: i32 = 0;
  /** Offset of the packet being built within the datagram buffer. */
  packetStart: usize = 0;
  /** Offset of the packet number from the packet start. */
  pnOffset: usize = 0;
  /** Header length through the packet number (the payload starts here, from the packet start). */
  headerLen: usize = 0;
  /** After finish: the packet's length (header, payload with any padding, AEAD tag). */
  packetLen: usize = 0;
  /** The packet being built: PACKET_INITIAL / 0RTT / HANDSHAKE / 1RTT, its number, long or short header. */
  type: u32 = PACKET_1RTT;
  pn: u64 = 0;
  isLong: bool = false;
  /** True between a successful begin and finish. */
  active: bool = false;

  private buf: usize = 0;
  /** Offset of the Length field from the packet start (long headers). */
  private lengthOffset: usize = 0;
  private readonly w: Writer = new Writer();
  private readonly hdr: Writer = new Writer();

  /**
   * Starts a packet at `buf + offset` (datagram buffer of capacity `cap`):
   * a long header (PACKET_INITIAL with `token`, 0RTT, HANDSHAKE; the
   * version's type bits, RFC 9369 §3.2) or a short header (PACKET_1RTT: spin
   * bit 0, `keyPhase`), a 2-byte Length placeholder for long headers, and the
   * packet number truncated to packetNumberLength(pn, largestAcked) bytes
   * (RFC 9000 §17.1 / A.2), at least `minPnLen` (a longer encoding is always
   * allowed). `version` and `scid` are ignored for short headers, `token` for
   * all but Initial. Returns false (nothing built) if not even the header, the
   * smallest payload (one frame and enough for the header-protection sample,
   * RFC 9001 §5.4.2) and the AEAD tag fit, or for arguments no packet can
   * carry: an unknown type or version, CIDs longer than 20 bytes, pn ≥ 2^62.
   */
  begin(
    buf: usize, offset: usize, cap: usize, type: u32, version: u32,
    dcid: usize, dcidLen: i32, scid: usize, scidLen: i32, token: usize, tokenLen: usize,
    pn: u64, largestAcked: i64, keyPhase: bool, minPnLen: i32 = 1,
  ): bool {
    this.active = false;
    this.packetLen = 0;
    if (offset >= cap || pn > VARINT_MAX) return false;
    if (dcidLen < 0 || dcidLen > <i32>MAX_CID_LEN) return false;
    const isLong = type != PACKET_1RTT;
    if (isLong) {
      if (type != PACKET_INITIAL && type != PACKET_0RTT && type != PACKET_HANDSHAKE) return false;
      if (!isSupportedVersion(version) || scidLen < 0 || scidLen > <i32>MAX_CID_LEN) return false;
    }
    const room = cap - offset;
    if (type != PACKET_INITIAL) tokenLen = 0;
    if (tokenLen > room) return false;
    // RFC 9000 §17.1: "twice as large a range than the difference between the
    // largest acknowledged packet number and the packet number being sent".
    let pnLen = packetNumberLength(pn, largestAcked);
    if (minPnLen > pnLen) pnLen = minPnLen > 4 ? 4 : minPnLen;
    const minPayload = minPayloadLen(pnLen);
    let headerLen: usize = 1 + <usize>dcidLen + <usize>pnLen;
    if (isLong) {
      headerLen += 4 + 1 + 1 + <usize>scidLen + LENGTH_FIELD_LEN;
      if (type == PACKET_INITIAL) headerLen += varintLen(<u64>tokenLen) + tokenLen;
    }
    if (headerLen + minPayload + AEAD_TAG_LEN > room) return false;
    let payloadCap = room - headerLen - AEAD_TAG_LEN;
    if (isLong) {
      // Length = pnLen + payload + tag must fit the 2-byte field.
      const most = MAX_LENGTH - AEAD_TAG_LEN - <usize>pnLen;
      if (payloadCap > most) payloadCap = most;
    }

    const pkt = buf + offset;
    const h = this.hdr.fixed(pkt, headerLen);
    if (isLong) {
      // RFC 9000 §17.2: Header Form 1, Fixed Bit 1, Long Packet Type, Reserved 0, Packet Number Length.
      h.u8(0xc0 | (longTypeBits(type, version) << 4) | <u32>(pnLen - 1));
      h.u32(version);
      h.u8(<u32>dcidLen);
      h.bytes(dcid, <usize>dcidLen);
      h.u8(<u32>scidLen);
      h.bytes(scid, <usize>scidLen);
      if (type == PACKET_INITIAL) {
        // §17.2.2: Token Length (i), Token.
        h.varint(<u64>tokenLen);
        h.bytes(token, tokenLen);
      }
      this.lengthOffset = h.len;
      h.varintN(0, LENGTH_FIELD_LEN);
    } else {
      // RFC 9000 §17.3.1: Header Form 0, Fixed Bit 1, Spin 0, Reserved 0, Key Phase, Packet Number Length.
      h.u8(0x40 | (keyPhase ? <u32>0x04 : 0) | <u32>(pnLen - 1));
      h.bytes(dcid, <usize>dcidLen);
    }
    const pnOffset = h.len;
    h.uN(pn, <usize>pnLen); // the low pnLen bytes, big-endian
    if (h.overflow || h.len != headerLen) return false;

    this.buf = buf;
    this.packetStart = offset;
    this.pnOffset = pnOffset;
    this.headerLen = headerLen;
    this.pnLen = pnLen;
    this.pn = pn;
    this.type = type;
    this.isLong = isLong;
    this.w.fixed(pkt + headerLen, payloadCap);
    this.active = true;
    return true;
  }

  /**
   * A fixed Writer positioned at the payload, its capacity the room left for
   * frames (the AEAD tag excluded), for encodeFrame / direct writes. A write
   * that does not fit sets its `overflow`; the caller restores `len`.
   */
  get payload(): Writer {
    return this.w;
  }

  /** Payload bytes still free. */
  get remaining(): usize {
    const w = this.w;
    return this.active && w.len <= w.cap ? w.cap - w.len : 0;
  }

  /** Offset in the datagram where the packet would end if finished now (before any sample padding). */
  get end(): usize {
    return this.packetStart + this.headerLen + this.w.len + AEAD_TAG_LEN;
  }

  /**
   * Pads with PADDING frames (zero bytes, RFC 9000 §19.1) so that this packet
   * ends at datagram offset ≥ `datagramLen`: the client's 1200-byte Initial
   * datagrams (RFC 9000 §14.1) and PMTU probes; when coalescing, pad the last
   * packet. Pads only as far as the buffer allows; returns whether the target
   * was reached.
   */
  padToDatagram(datagramLen: usize): bool {
    if (!this.active) return false;
    const end = this.end;
    if (end >= datagramLen) return true;
    const need = datagramLen - end;
    const free = this.remaining;
    const n = need < free ? need : free;
    this.w.fill(0, n);
    return n == need;
  }

  /**
   * Pads with PADDING to the smallest payload a packet may have
   * (`minPayloadLen`; `begin` reserved room for it). `finish` does it anyway;
   * call it first to see the payload as it will be sent (qlog's packet_sent).
   */
  padToMinPayload(): void {
    const w = this.w;
    const min = minPayloadLen(this.pnLen);
    if (this.active && w.len < min) w.fill(0, min - w.len);
  }

  /** Drops the packet begun (nothing to send after all); the buffer past packetStart is left as it is. */
  abandon(): void {
    this.active = false;
  }

  /**
   * Pads the payload so the header-protection sample exists (RFC 9001
   * §5.4.2: pn offset + 4 + 16 ≤ packet length) and the packet has a frame
   * (RFC 9000 §12.4), patches Length (long headers: packet number + payload +
   * tag), protects with `keys` (protectPacket: AEAD then header protection).
   * Returns the offset just after the packet (the next coalesced packet's
   * start), or 0 when no packet was begun or the payload writer was moved.
   */
  finish(keys: PacketKeys): usize {
    if (!this.active) return 0;
    const w = this.w;
    const pkt = this.buf + this.packetStart;
    const payloadStart = pkt + this.headerLen;
    if (w.growable || w.buf != payloadStart || w.len > w.cap) { this.active = false; return 0; }
    this.padToMinPayload();
    this.active = false;
    const payloadLen = w.len;
    const pnLen = <usize>this.pnLen;
    if (this.isLong) {
      // RFC 9000 §17.2: "the length of the remainder of the packet (that is, the Packet Number and Payload fields)".
      const length = pnLen + payloadLen + AEAD_TAG_LEN;
      store<u16>(pkt + this.lengthOffset, bswap<u16>(<u16>(0x4000 | length)));
    }
    if (!protectPacket(keys, pkt, this.pnOffset, pnLen, payloadLen, this.pn)) return 0;
    this.packetLen = this.headerLen + payloadLen + AEAD_TAG_LEN;
    return this.packetStart + this.packetLen;
  }
}

/**
 * The smallest payload: one byte (a packet with no frames is a
 * PROTOCOL_VIOLATION, RFC 9000 §12.4) and RFC 9001 §5.4.2's "at least 4 bytes
 * longer than the sample": packet number + payload ≥ 4.
 */
@inline function minPayloadLen(pnLen: i32): usize {
  const n = <i32>HP_SAMPLE_OFFSET - pnLen;
  return n > 1 ? <usize>n : 1;
}
