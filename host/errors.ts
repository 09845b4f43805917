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
//   ├── TlsConfigError         a TLS configuration was refused (`option` names it when known)
//   ├── QuicError              a QUIC connection failed or was closed with an error (`wireCode`, `kind`)
//   ├── QuicStreamError        the peer reset a stream or asked us to stop sending on it (`wireCode` = application code)
//   ├── Http3Error             an HTTP/3 request or connection failed (`wireCode` = RFC 9114 §8.1 / RFC 9204 §6 code, `retryable`)
//   ├── WebTransportError      W3C WebTransport: a session failed or was refused, or a stream was reset (`source`, `streamErrorCode`)
//   ├── ConfigError            the realtime hub's configuration: a variable does not validate (`variable`)
//   └── AuthError              the realtime hub refused a token (`reason`)

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

/** How a QUIC connection ended (the core's CloseKind, assembly/quic/events.ts). */
export type QuicCloseKind = 'local' | 'remote' | 'idle' | 'reset' | 'handshake-timeout' | 'version-negotiation';

/** RFC 9000 §20.1: the transport error codes by name. */
const QUIC_TRANSPORT_CODES: Record<number, string> = {
  0x00: 'NO_ERROR', 0x01: 'INTERNAL_ERROR', 0x02: 'CONNECTION_REFUSED', 0x03: 'FLOW_CONTROL_ERROR',
  0x04: 'STREAM_LIMIT_ERROR', 0x05: 'STREAM_STATE_ERROR', 0x06: 'FINAL_SIZE_ERROR', 0x07: 'FRAME_ENCODING_ERROR',
  0x08: 'TRANSPORT_PARAMETER_ERROR', 0x09: 'CONNECTION_ID_LIMIT_ERROR', 0x0a: 'PROTOCOL_VIOLATION', 0x0b: 'INVALID_TOKEN',
  0x0c: 'APPLICATION_ERROR', 0x0d: 'CRYPTO_BUFFER_EXCEEDED', 0x0e: 'KEY_UPDATE_ERROR', 0x0f: 'AEAD_LIMIT_REACHED',
  0x10: 'NO_VIABLE_PATH',
};

/**
 * A QUIC connection ended with an error: `closed` rejects with it (and
 * `ready`, when the handshake did not finish). `kind` says how: 'local' (we
 * closed with a transport error, e.g. the peer broke the protocol),
 * 'remote' (the peer sent CONNECTION_CLOSE), 'idle' (RFC 9000 §10.1),
 * 'reset' (a stateless reset, §10.3), 'handshake-timeout',
 * 'version-negotiation' (no version in common, §6.2). `wireCode` is the
 * transport or application error code (`app` says which space), `remote`
 * whether the peer chose it. `code`: H3W_ERR_QUIC_IDLE_TIMEOUT,
 * H3W_ERR_QUIC_STATELESS_RESET, H3W_ERR_QUIC_HANDSHAKE_TIMEOUT,
 * H3W_ERR_QUIC_VERSION_NEGOTIATION, H3W_ERR_QUIC_APPLICATION (an application
 * close), H3W_ERR_QUIC_CRYPTO_ERROR (0x100-0x1ff: a TLS alert, `tlsAlert`),
 * or H3W_ERR_QUIC_ plus the RFC 9000 §20.1 name (H3W_ERR_QUIC_PROTOCOL_VIOLATION, ...).
 */
export class QuicError extends H3WasiError {
  readonly wireCode: bigint;
  readonly app: boolean;
  readonly remote: boolean;
  readonly kind: QuicCloseKind;
  /** The reason phrase (ours or the peer's). */
  readonly reason: string;
  constructor(kind: QuicCloseKind, wireCode: bigint, app: boolean, remote: boolean, reason: string) {
    const code = QuicError.codeName(kind, wireCode, app);
    const who = remote ? 'the peer closed the connection' : 'the connection closed';
    const what = kind === 'idle' ? 'idle timeout'
      : kind === 'reset' ? 'stateless reset'
        : kind === 'handshake-timeout' ? 'handshake timeout'
          : kind === 'version-negotiation' ? 'no QUIC version in common'
            : `${app ? 'application error' : (QUIC_TRANSPORT_CODES[Number(wireCode)] ?? (wireCode >= 0x100n && wireCode <= 0x1ffn ? 'CRYPTO_ERROR' : 'transport error'))} 0x${wireCode.toString(16)}`;
    super(code, `${who}: ${what}${reason ? ` (${reason})` : ''}`);
    this.wireCode = wireCode;
    this.app = app;
    this.remote = remote;
    this.kind = kind;
    this.reason = reason;
  }
  /** RFC 9001 §4.8: the TLS alert of a CRYPTO_ERROR (0x100 + alert), else undefined. */
  get tlsAlert(): number | undefined {
    return !this.app && this.wireCode >= 0x100n && this.wireCode <= 0x1ffn ? Number(this.wireCode - 0x100n) : undefined;
  }
  static codeName(kind: QuicCloseKind, wireCode: bigint, app: boolean): string {
    switch (kind) {
      case 'idle': return 'H3W_ERR_QUIC_IDLE_TIMEOUT';
      case 'reset': return 'H3W_ERR_QUIC_STATELESS_RESET';
      case 'handshake-timeout': return 'H3W_ERR_QUIC_HANDSHAKE_TIMEOUT';
      case 'version-negotiation': return 'H3W_ERR_QUIC_VERSION_NEGOTIATION';
      default: break;
    }
    if (app) return 'H3W_ERR_QUIC_APPLICATION';
    if (wireCode >= 0x100n && wireCode <= 0x1ffn) return 'H3W_ERR_QUIC_CRYPTO_ERROR';
    const name = wireCode <= 0x10n ? QUIC_TRANSPORT_CODES[Number(wireCode)] : undefined;
    return name ? `H3W_ERR_QUIC_${name}` : 'H3W_ERR_QUIC_TRANSPORT';
  }
}

/**
 * A stream's peer ended it abruptly: RESET_STREAM (RFC 9000 §19.4, `code`
 * H3W_ERR_QUIC_STREAM_RESET, errors the readable side) or STOP_SENDING
 * (§19.5, H3W_ERR_QUIC_STOP_SENDING, errors the writable side). `wireCode`
 * is the application error code the peer gave.
 */
export class QuicStreamError extends H3WasiError {
  readonly wireCode: bigint;
  readonly streamId: bigint;
  constructor(what: 'reset' | 'stop-sending', streamId: bigint, wireCode: bigint) {
    super(what === 'reset' ? 'H3W_ERR_QUIC_STREAM_RESET' : 'H3W_ERR_QUIC_STOP_SENDING',
      `${what === 'reset' ? 'the peer reset stream' : 'the peer stopped reading stream'} ${streamId} (code 0x${wireCode.toString(16)})`);
    this.wireCode = wireCode;
    this.streamId = streamId;
  }
}

/** RFC 9114 §8.1 and RFC 9204 §6: the HTTP/3 and QPACK error codes by name. */
export const H3_ERROR_NAMES: Record<number, string> = {
  0x100: 'H3_NO_ERROR', 0x101: 'H3_GENERAL_PROTOCOL_ERROR', 0x102: 'H3_INTERNAL_ERROR', 0x103: 'H3_STREAM_CREATION_ERROR',
  0x104: 'H3_CLOSED_CRITICAL_STREAM', 0x105: 'H3_FRAME_UNEXPECTED', 0x106: 'H3_FRAME_ERROR', 0x107: 'H3_EXCESSIVE_LOAD',
  0x108: 'H3_ID_ERROR', 0x109: 'H3_SETTINGS_ERROR', 0x10a: 'H3_MISSING_SETTINGS', 0x10b: 'H3_REQUEST_REJECTED',
  0x10c: 'H3_REQUEST_CANCELLED', 0x10d: 'H3_REQUEST_INCOMPLETE', 0x10e: 'H3_MESSAGE_ERROR', 0x10f: 'H3_CONNECT_ERROR',
  0x110: 'H3_VERSION_FALLBACK', 0x200: 'QPACK_DECOMPRESSION_FAILED', 0x201: 'QPACK_ENCODER_STREAM_ERROR',
  0x202: 'QPACK_DECODER_STREAM_ERROR',
  // RFC 9297 §5.2
  0x33: 'H3_DATAGRAM_ERROR',
};

/** The name of an HTTP/3 error code, or its hex value. */
export function h3ErrorName(wireCode: bigint): string {
  return (wireCode <= 0x300n ? H3_ERROR_NAMES[Number(wireCode)] : undefined) ?? `0x${wireCode.toString(16)}`;
}

/**
 * An HTTP/3 request or connection failed (RFC 9114): the peer reset the
 * request stream, refused it (`retryable`: H3_REQUEST_REJECTED or above a
 * GOAWAY id — the request was not processed, RFC 9114 §4.1.1, §5.2), a
 * message was malformed (H3_MESSAGE_ERROR), or the connection closed with an
 * HTTP/3 error. `wireCode` is the code on the wire; `code` is
 * H3W_ERR_ + its name (H3W_ERR_H3_REQUEST_REJECTED, ...).
 */
export class Http3Error extends H3WasiError {
  readonly wireCode: bigint;
  /** The request was not processed by the server: sending it again is safe. */
  readonly retryable: boolean;
  /** The request stream, when one was involved. */
  readonly streamId: bigint | undefined;
  constructor(message: string, wireCode: bigint, options: { retryable?: boolean; streamId?: bigint; cause?: unknown } = {}) {
    const name = H3_ERROR_NAMES[Number(wireCode)];
    super(name ? `H3W_ERR_${name}` : 'H3W_ERR_H3', `${message} (${h3ErrorName(wireCode)})`, { cause: options.cause });
    this.wireCode = wireCode;
    this.retryable = options.retryable ?? false;
    this.streamId = options.streamId;
  }
}

/**
 * W3C WebTransport's error: a session that failed or was refused (`source`
 * 'session'), or a stream the peer reset or stopped (`source` 'stream',
 * `streamErrorCode` the peer's 32-bit WebTransport code, or null when the
 * HTTP/3 code was outside the WebTransport range, e.g. WT_SESSION_GONE).
 * Constructible as in the browser: `new WebTransportError(message, { source, streamErrorCode })`.
 */
export class WebTransportError extends H3WasiError {
  readonly source: 'session' | 'stream';
  readonly streamErrorCode: number | null;
  constructor(message = '', init: { source?: 'session' | 'stream'; streamErrorCode?: number | null; cause?: unknown } = {}) {
    super('H3W_ERR_WEBTRANSPORT', message, init.cause === undefined ? undefined : { cause: init.cause });
    this.source = init.source ?? 'stream';
    this.streamErrorCode = init.streamErrorCode ?? null;
  }
}

/** The realtime hub's configuration (h3-wasi/realtime): one variable does not validate; the message names it. */
export class ConfigError extends H3WasiError {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super('H3W_ERR_REALTIME_CONFIG', `${variable}: ${message}`);
    this.variable = variable;
  }
}

/** The realtime hub refused a token (h3-wasi/realtime); `reason` labels the auth-failure metric. */
export class AuthError extends H3WasiError {
  readonly reason: 'missing' | 'expired' | 'not_yet_valid' | 'claim' | 'signature' | 'malformed' | 'no_subject';
  constructor(reason: AuthError['reason'], message: string) {
    super('H3W_ERR_REALTIME_AUTH', message);
    this.reason = reason;
  }
}
