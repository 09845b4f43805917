// `h3-wasi/codec`: the wire codecs of the engine, for tools and tests.
import { codec } from '../core/engine.js';
import { CodecError } from '../errors.js';

type WitCodecError = { code: bigint; frameType: bigint; offset: number; reason: string };

/** jco throws `ComponentError` with the `err` payload in `.payload`. */
export function rethrowCodec(e: unknown): never {
  const payload = (e as { payload?: WitCodecError }).payload;
  if (payload && typeof payload.code === 'bigint') {
    throw new CodecError(payload.code, payload.frameType, payload.offset, payload.reason);
  }
  throw e;
}

/** RFC 9000 §16: shortest varint encoding of `value` (< 2^62). */
export function encodeVarint(value: bigint | number): Uint8Array {
  try {
    return codec.varintEncode(BigInt(value));
  } catch (e) {
    rethrowCodec(e);
  }
}

/** RFC 9000 §16: decodes the varint at the start of `bytes`. */
export function decodeVarint(bytes: Uint8Array): { value: bigint; length: number } {
  try {
    return codec.varintDecode(bytes);
  } catch (e) {
    rethrowCodec(e);
  }
}
