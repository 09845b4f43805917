// The codec interface's error unwrap (internal to host/codec/): a WIT
// `codec-error` becomes CodecError; anything else is EngineError (core/call.ts).
import { componentPayload } from '../core/call.js';
import { CodecError, EngineError, H3WasiError } from '../errors.js';

export type WitCodecError = { code: bigint; frameType: bigint; offset: number; reason: string };

export function rethrowCodec(e: unknown): never {
  if (e instanceof H3WasiError) throw e;
  const payload = componentPayload(e)?.payload as WitCodecError | undefined;
  if (payload && typeof payload.code === 'bigint') {
    throw new CodecError(payload.code, payload.frameType, payload.offset, payload.reason);
  }
  throw new EngineError(e);
}
