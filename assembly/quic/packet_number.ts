// Packet numbers on the wire (RFC 9000 §17.1): a packet carries only the
// least significant 1 to 4 bytes of its packet number. Encoding picks that
// length (Appendix A.2), decoding recovers the full number (Appendix A.3).

/** The packet number field as read from an unprotected header: its length (1..4 bytes) and truncated value. */
@final
export class PacketNumberField {
  length: u32 = 0;
  truncated: u64 = 0;
}

/**
 * RFC 9000 Appendix A.3: the full packet number from the truncated one,
 * `largestPn` being the largest successfully processed in this space (-1 if none).
 */
export function decodePacketNumber(largestPn: i64, truncatedPn: u64, pnNbits: u32): u64 {
  const expected = largestPn + 1;
  const pnWin: i64 = <i64>1 << pnNbits;
  const pnHwin = pnWin >> 1;
  const pnMask = pnWin - 1;
  // The incoming packet number should be greater than expected_pn - pn_hwin
  // and less than or equal to expected_pn + pn_hwin.
  const candidate: i64 = (expected & ~pnMask) | <i64>truncatedPn;
  // The two corrections of A.3 as masks, not branches (RFC 9001 §9.5); they exclude each other.
  const up = <i64>((<i32>(candidate <= expected - pnHwin)) & (<i32>(candidate < (<i64>1 << 62) - pnWin)));
  const down = <i64>((<i32>(candidate > expected + pnHwin)) & (<i32>(candidate >= pnWin)));
  return <u64>(candidate + (pnWin & -up) - (pnWin & -down));
}

/**
 * RFC 9000 §17.1 / Appendix A.2: bytes needed to encode `fullPn` given the
 * largest acknowledged packet number (-1 if none): twice the unacknowledged
 * range, plus one bit.
 */
export function packetNumberLength(fullPn: u64, largestAcked: i64): i32 {
  const numUnacked: u64 = largestAcked < 0 ? fullPn + 1 : fullPn - <u64>largestAcked;
  const minBits = 64 - clz<u64>(numUnacked) + 1;
  const n = (<i32>minBits + 7) >> 3;
  return n < 1 ? 1 : n > 4 ? 4 : n;
}
