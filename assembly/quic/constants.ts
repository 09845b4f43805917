// Sizes of QUIC wire fields shared by several quic/ files (RFC 9000).

/**
 * RFC 9000 §17.2: "In QUIC version 1, this value MUST NOT exceed 20 bytes";
 * §19.15: NEW_CONNECTION_ID lengths are 1..20; §18.2: the CIDs in
 * transport parameters.
 */
export const MAX_CID_LEN: u32 = 20;

/** The largest send or receive buffer one stream may have (1 GiB): bounds configuration values so `heap.alloc` cannot fail on them. */
export const MAX_STREAM_BUFFER: u64 = <u64>1 << 30;

/**
 * The first allocation of a stream or CRYPTO ring (stream_recv.ts,
 * stream_send.ts): rings start here and double up to the stream's buffer
 * size as data needs, so a stream that carries little holds little.
 */
export const RING_MIN: u64 = 4096;
