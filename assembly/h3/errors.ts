// HTTP/3 error codes (RFC 9114 §8.1) and QPACK error codes (RFC 9204 §6):
// one code space (the application error codes of QUIC, RFC 9000 §20.2), one
// type (u64, a varint). Every h3/ and api/ file takes its codes from here.

// ---- RFC 9114 §8.1 -------------------------------------------------------------
export const H3_NO_ERROR: u64 = 0x100;
export const H3_GENERAL_PROTOCOL_ERROR: u64 = 0x101;
/** Also for API misuse (unknown handle, bad field list). */
export const H3_INTERNAL_ERROR: u64 = 0x102;
export const H3_STREAM_CREATION_ERROR: u64 = 0x103;
export const H3_CLOSED_CRITICAL_STREAM: u64 = 0x104;
export const H3_FRAME_UNEXPECTED: u64 = 0x105;
export const H3_FRAME_ERROR: u64 = 0x106;
/**
 * Also what QPACK reports for a field section larger than
 * SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2). That is not a QPACK
 * error: the HTTP/3 layer answers 431 (server) or discards the message
 * (client); the distinct code lets callers tell it from a compression failure.
 */
export const H3_EXCESSIVE_LOAD: u64 = 0x107;
export const H3_ID_ERROR: u64 = 0x108;
export const H3_SETTINGS_ERROR: u64 = 0x109;
export const H3_MISSING_SETTINGS: u64 = 0x10a;
export const H3_REQUEST_REJECTED: u64 = 0x10b;
export const H3_REQUEST_CANCELLED: u64 = 0x10c;
export const H3_REQUEST_INCOMPLETE: u64 = 0x10d;
export const H3_MESSAGE_ERROR: u64 = 0x10e;
export const H3_CONNECT_ERROR: u64 = 0x10f;
export const H3_VERSION_FALLBACK: u64 = 0x110;
/** RFC 9297 §2.1, §5.2: an HTTP/3 Datagram error. */
export const H3_DATAGRAM_ERROR: u64 = 0x33;

// ---- RFC 9204 §6 ------------------------------------------------------------------
/** The decoder failed to interpret an encoded field section. */
export const QPACK_DECOMPRESSION_FAILED: u64 = 0x200;
/** The decoder failed to interpret an encoder instruction on the encoder stream. */
export const QPACK_ENCODER_STREAM_ERROR: u64 = 0x201;
/** The encoder failed to interpret a decoder instruction on the decoder stream. */
export const QPACK_DECODER_STREAM_ERROR: u64 = 0x202;
