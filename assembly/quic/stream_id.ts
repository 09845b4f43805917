// RFC 9000 §2.1: stream identifiers. A stream ID is a 62-bit integer whose
// two least significant bits give its type:
//   bit 0x01 — initiator: 0 client, 1 server
//   bit 0x02 — direction: 0 bidirectional, 1 unidirectional

/** RFC 9000 §2.1: "A stream ID is a 62-bit integer (0 to 2^62-1)". */
export const MAX_STREAM_ID: u64 = (<u64>1 << 62) - 1;

/** RFC 9000 §2.1 Table 1: the four stream types (the two low bits). */
export const STREAM_CLIENT_BIDI: u32 = 0x00;
export const STREAM_SERVER_BIDI: u32 = 0x01;
export const STREAM_CLIENT_UNI: u32 = 0x02;
export const STREAM_SERVER_UNI: u32 = 0x03;

/** RFC 9000 §2.1: a stream ID above 2^62-1 cannot be encoded and is invalid. */
export function isValidStreamId(id: u64): bool {
  return id <= MAX_STREAM_ID;
}

/** RFC 9000 §2.1: "the second least significant bit (0x02) ... bidirectional (0)". */
export function isBidi(id: u64): bool {
  return (id & 0x02) == 0;
}

/** RFC 9000 §2.1: "Client-initiated streams have even-numbered stream IDs". */
export function isClientInitiated(id: u64): bool {
  return (id & 0x01) == 0;
}

/** The stream type (`STREAM_CLIENT_BIDI` .. `STREAM_SERVER_UNI`). */
export function streamType(id: u64): u32 {
  return <u32>(id & 0x03);
}

/** Whether the endpoint (`isServer`) opened stream `id`. */
export function isLocallyInitiated(id: u64, isServer: bool): bool {
  return isClientInitiated(id) != isServer;
}

/**
 * Whether the endpoint (`isServer`) may send on stream `id`: every
 * bidirectional stream, and unidirectional streams it opened (§2.1).
 */
export function canSend(id: u64, isServer: bool): bool {
  return isBidi(id) || isLocallyInitiated(id, isServer);
}

/** Whether the endpoint (`isServer`) may receive on stream `id` (§2.1). */
export function canReceive(id: u64, isServer: bool): bool {
  return isBidi(id) || !isLocallyInitiated(id, isServer);
}

/**
 * The ID of the `n`th (0-based) stream of `type` (`n * 4 + type`), or
 * `u64.MAX_VALUE` when that ID would exceed 2^62-1.
 */
export function nthStreamId(type: u32, n: u64): u64 {
  // n * 4 + 3 <= 2^62 - 1  <=>  n <= 2^60 - 1
  if (n > (MAX_STREAM_ID >> 2)) return u64.MAX_VALUE;
  return (n << 2) | <u64>(type & 0x03);
}

/** The 0-based index of stream `id` among the streams of its type. */
export function streamIndex(id: u64): u64 {
  return id >> 2;
}

/**
 * RFC 9000 §4.6: the number of streams of `id`'s type needed to open it
 * (its index + 1) — compare with MAX_STREAMS; 0 for an invalid ID.
 */
export function streamCountFor(id: u64): u64 {
  if (id > MAX_STREAM_ID) return 0;
  return (id >> 2) + 1;
}
