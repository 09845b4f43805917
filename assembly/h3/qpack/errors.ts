// RFC 9204 §6: QPACK error codes (HTTP/3 error code space, RFC 9114 §8.1).

/** The decoder failed to interpret an encoded field section. */
export const QPACK_DECOMPRESSION_FAILED: u32 = 0x200;
/** The decoder failed to interpret an encoder instruction on the encoder stream. */
export const QPACK_ENCODER_STREAM_ERROR: u32 = 0x201;
/** The encoder failed to interpret a decoder instruction on the decoder stream. */
export const QPACK_DECODER_STREAM_ERROR: u32 = 0x202;
/**
 * RFC 9114 §4.2.2: a field section larger than SETTINGS_MAX_FIELD_SECTION_SIZE.
 * Not a QPACK error: the HTTP/3 layer answers 431 (server) or discards the
 * message (client); reported as H3_EXCESSIVE_LOAD (RFC 9114 §8.1) so callers
 * can tell it from a compression failure.
 */
export const H3_EXCESSIVE_LOAD: u32 = 0x107;
/** RFC 9114 §8.1: H3_INTERNAL_ERROR, for API misuse (unknown handle, bad field list). */
export const H3_INTERNAL_ERROR: u32 = 0x102;
