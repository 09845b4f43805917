// Typed errors for the public API (undici's UND_ERR_* pattern): a stable
// `code` string, plus the wire error code where one applies.

export class H3WasiError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input that a decoder rejected; `wireCode` is what the engine sends on the wire. */
export class CodecError extends H3WasiError {
  readonly wireCode: bigint;
  readonly frameType: bigint;
  readonly offset: number;
  constructor(wireCode: bigint, frameType: bigint, offset: number, reason: string) {
    super('H3W_ERR_CODEC', `${reason} (code 0x${wireCode.toString(16)}, frame type 0x${frameType.toString(16)}, offset ${offset})`);
    this.wireCode = wireCode;
    this.frameType = frameType;
    this.offset = offset;
  }
}

/**
 * A crypto call refused its arguments (authentication failure is not an
 * error: `aeadOpen` returns null). Codes: H3W_ERR_CRYPTO_KEY (key or secret
 * length), H3W_ERR_CRYPTO_NONCE (nonce not 12 bytes), H3W_ERR_CRYPTO_LENGTH
 * (requested output too long), H3W_ERR_CRYPTO_ALG (unknown algorithm),
 * H3W_ERR_CRYPTO_VERSION (QUIC version without packet protection),
 * H3W_ERR_CRYPTO_INPUT (malformed input).
 */
export class CryptoError extends H3WasiError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * A QPACK failure (RFC 9204 §6): `wireCode` is 0x200 QPACK_DECOMPRESSION_FAILED,
 * 0x201 QPACK_ENCODER_STREAM_ERROR, 0x202 QPACK_DECODER_STREAM_ERROR, 0x107
 * H3_EXCESSIVE_LOAD (field section over the size limit) or 0x102 (API misuse).
 */
export class QpackError extends H3WasiError {
  readonly wireCode: bigint;
  constructor(wireCode: bigint, reason: string) {
    super(QpackError.codeName(wireCode), `${reason} (code 0x${wireCode.toString(16)})`);
    this.wireCode = wireCode;
  }
  static codeName(wireCode: bigint): string {
    switch (wireCode) {
      case 0x200n: return 'H3W_ERR_QPACK_DECOMPRESSION_FAILED';
      case 0x201n: return 'H3W_ERR_QPACK_ENCODER_STREAM';
      case 0x202n: return 'H3W_ERR_QPACK_DECODER_STREAM';
      case 0x107n: return 'H3W_ERR_FIELD_SECTION_TOO_LARGE';
      default: return 'H3W_ERR_QPACK';
    }
  }
}
