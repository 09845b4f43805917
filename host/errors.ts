// Every error class of the public API, in one place (undici's UND_ERR_*
// pattern): a stable `code` string, plus the wire error code where one
// applies. docs/errors.md has the table; `h3-wasi` exports them all.
//
//   H3WasiError
//   ├── InvalidArgumentError   a caller passed the wrong type, a non-integer, an out-of-range number or an unknown name
//   ├── ClosedError            a method was called on an object after close()
//   ├── LimitError             a limit of the engine was reached (e.g. 65,535 live objects of one kind)
//   ├── EngineError            the component itself failed (a trap or a glue bug): the instance may be unusable
//   ├── CryptoError            a crypto call refused its input (key/nonce length, algorithm, version, malformed input)
//   │   └── PublicKeyError     the same for X25519 / P-256, with the engine's `kind`
//   ├── CodecError             a wire decoder/encoder refused bytes or frames (`wireCode` = QUIC/H3 code)
//   ├── QpackError             QPACK failed (`wireCode` = RFC 9204 §6 / RFC 9114 §8.1 code)
//   ├── InteropFormatError     a QPACK Offline Interop file (QIF or encoded) is malformed
//   └── TlsConfigError         a TLS configuration was refused (`option` names it when known)

export class H3WasiError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A caller's argument has the wrong type, is not an integer, is out of range
 * or is not one of the allowed names. Thrown before anything reaches the
 * engine; `argument` names the parameter (or option) at fault.
 */
export class InvalidArgumentError extends H3WasiError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super('H3W_ERR_INVALID_ARGUMENT', `${argument}: ${message}`);
    this.argument = argument;
  }
}

/** A method was called on an object that was closed (its engine handle is gone). */
export class ClosedError extends H3WasiError {
  constructor(what: string) {
    super('H3W_ERR_CLOSED', `${what} is closed`);
  }
}

/** A limit of the engine was reached (for example 65,535 live objects of one kind); close some first. */
export class LimitError extends H3WasiError {
  constructor(message: string) {
    super('H3W_ERR_LIMIT', message);
  }
}

/**
 * The component failed in a way no input should cause: a trap (`unreachable`)
 * or an error in the generated glue. The original error is the `cause`. After
 * a trap the component instance refuses every further call; this is a bug in
 * h3-wasi — please report it with the input that caused it.
 */
export class EngineError extends H3WasiError {
  constructor(cause: unknown) {
    super('H3W_ERR_ENGINE', `the h3-wasi engine failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
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
 * error: `aeadOpen` returns null, the verify functions return false). Codes:
 * H3W_ERR_CRYPTO_KEY (key, secret or public-key length), H3W_ERR_CRYPTO_NONCE
 * (nonce not 12 bytes), H3W_ERR_CRYPTO_LENGTH (requested output too long),
 * H3W_ERR_CRYPTO_ALG (unknown algorithm), H3W_ERR_CRYPTO_VERSION (QUIC version
 * without packet protection), H3W_ERR_CRYPTO_INPUT (malformed input).
 */
export class CryptoError extends H3WasiError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

export type PkErrorKind = 'bad-length' | 'invalid-private-key' | 'invalid-public-key' | 'zero-shared-secret';

const PK_CODES: Record<PkErrorKind, string> = {
  'bad-length': 'H3W_ERR_CRYPTO_KEY',
  'invalid-private-key': 'H3W_ERR_CRYPTO_INVALID_PRIVATE_KEY',
  'invalid-public-key': 'H3W_ERR_CRYPTO_INVALID_PUBLIC_KEY',
  'zero-shared-secret': 'H3W_ERR_CRYPTO_ZERO_SHARED_SECRET',
};

/**
 * A public-key operation refused its input; `kind` is the engine's `pk-error`.
 * A wrong length has the same code as for the AEADs (H3W_ERR_CRYPTO_KEY).
 */
export class PublicKeyError extends CryptoError {
  readonly kind: PkErrorKind;
  constructor(kind: PkErrorKind, operation: string, detail?: string) {
    super(PK_CODES[kind], `${operation}: ${detail ?? kind.replace(/-/g, ' ')}`);
    this.kind = kind;
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

/** A QPACK Offline Interop file (QIF text or the encoded record format) is malformed. */
export class InteropFormatError extends H3WasiError {
  constructor(message: string) {
    super('H3W_ERR_QPACK_INTEROP_FORMAT', message);
  }
}

/**
 * A TLS configuration the engine or the host refused (bad PEM, unsupported
 * key, unknown option value, a number out of range, ...). `option` names the
 * option when the problem is in one.
 */
export class TlsConfigError extends H3WasiError {
  readonly option: string | undefined;
  constructor(reason: string, option?: string) {
    super('H3W_ERR_TLS_CONFIG', option ? `${option}: ${reason}` : reason);
    this.option = option;
  }
}
