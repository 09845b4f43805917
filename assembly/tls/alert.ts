// TLS alerts (RFC 9846 §6) and their QUIC mapping (RFC 9001 §4.8: a TLS
// alert becomes the QUIC error CRYPTO_ERROR 0x0100 + AlertDescription).

export const ALERT_CLOSE_NOTIFY: u8 = 0;
export const ALERT_UNEXPECTED_MESSAGE: u8 = 10;
export const ALERT_BAD_RECORD_MAC: u8 = 20;
export const ALERT_HANDSHAKE_FAILURE: u8 = 40;
export const ALERT_BAD_CERTIFICATE: u8 = 42;
export const ALERT_UNSUPPORTED_CERTIFICATE: u8 = 43;
export const ALERT_CERTIFICATE_EXPIRED: u8 = 45;
export const ALERT_CERTIFICATE_UNKNOWN: u8 = 46;
export const ALERT_ILLEGAL_PARAMETER: u8 = 47;
export const ALERT_UNKNOWN_CA: u8 = 48;
export const ALERT_DECODE_ERROR: u8 = 50;
export const ALERT_DECRYPT_ERROR: u8 = 51;
export const ALERT_PROTOCOL_VERSION: u8 = 70;
export const ALERT_INSUFFICIENT_SECURITY: u8 = 71;
export const ALERT_INTERNAL_ERROR: u8 = 80;
export const ALERT_MISSING_EXTENSION: u8 = 109;
export const ALERT_UNSUPPORTED_EXTENSION: u8 = 110;
export const ALERT_UNRECOGNIZED_NAME: u8 = 112;
export const ALERT_UNKNOWN_PSK_IDENTITY: u8 = 115;
export const ALERT_CERTIFICATE_REQUIRED: u8 = 116;
export const ALERT_NO_APPLICATION_PROTOCOL: u8 = 120;

// The codes below are the QUIC transport error code space (RFC 9000 §20.1),
// whose one definition is quic/errors.ts. TLS sits below quic/ and must not
// import it (wire <- crypto <- tls <- quic), so it keeps the few codes it
// reports itself; tests/quic/errors.test.ts asserts they equal quic/errors.ts.

/** RFC 9001 §4.8: CRYPTO_ERROR range base (quic/errors.ts CRYPTO_ERROR). */
export const CRYPTO_ERROR_BASE: u64 = 0x0100;
/** RFC 9000 §20.1 codes the TLS layer may report directly (quic/errors.ts). */
export const QUIC_TRANSPORT_PARAMETER_ERROR: u64 = 0x08;
export const QUIC_PROTOCOL_VIOLATION: u64 = 0x0a;

/** RFC 9001 §4.8: the QUIC error code for a TLS alert. */
@inline export function cryptoError(alert: u8): u64 {
  return CRYPTO_ERROR_BASE + <u64>alert;
}
