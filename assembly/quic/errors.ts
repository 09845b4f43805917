// RFC 9000 §20.1: QUIC transport error codes — the one vocabulary every
// quic/ and api/ file uses for a transport failure. One type (u64, a varint)
// for the whole code space, CRYPTO_ERROR included.
//
// The TLS layer sits below quic/ and cannot import this file: tls/alert.ts
// keeps the few codes TLS itself reports (CRYPTO_ERROR_BASE,
// QUIC_TRANSPORT_PARAMETER_ERROR, QUIC_PROTOCOL_VIOLATION), which are this
// code space; tests/quic/errors.test.ts asserts they equal the ones here.

export const NO_ERROR: u64 = 0x00;
export const INTERNAL_ERROR: u64 = 0x01;
export const CONNECTION_REFUSED: u64 = 0x02;
export const FLOW_CONTROL_ERROR: u64 = 0x03;
export const STREAM_LIMIT_ERROR: u64 = 0x04;
export const STREAM_STATE_ERROR: u64 = 0x05;
export const FINAL_SIZE_ERROR: u64 = 0x06;
export const FRAME_ENCODING_ERROR: u64 = 0x07;
export const TRANSPORT_PARAMETER_ERROR: u64 = 0x08;
export const CONNECTION_ID_LIMIT_ERROR: u64 = 0x09;
export const PROTOCOL_VIOLATION: u64 = 0x0a;
export const INVALID_TOKEN: u64 = 0x0b;
export const APPLICATION_ERROR: u64 = 0x0c;
export const CRYPTO_BUFFER_EXCEEDED: u64 = 0x0d;
export const KEY_UPDATE_ERROR: u64 = 0x0e;
export const AEAD_LIMIT_REACHED: u64 = 0x0f;
export const NO_VIABLE_PATH: u64 = 0x10;
/** RFC 9000 §20.1, RFC 9001 §4.8: CRYPTO_ERROR 0x0100-0x01ff is 0x0100 + the TLS alert (tls/alert.ts `cryptoError`). */
export const CRYPTO_ERROR: u64 = 0x0100;

/**
 * A transport failure, recorded once and reported as one terminal event
 * (a CONNECTION_CLOSE of type 0x1c, RFC 9000 §19.19): the error code, the
 * type of the frame that triggered it (0 when unknown), and a reason for
 * logs and the reason phrase.
 */
@final
export class TransportError {
  constructor(public code: u64 = NO_ERROR, public frameType: u64 = 0, public reason: string = "") {}

  /** Records a failure in place (reuse one record per connection); returns `code`. */
  set(code: u64, frameType: u64, reason: string): u64 {
    this.code = code;
    this.frameType = frameType;
    this.reason = reason;
    return code;
  }
}
