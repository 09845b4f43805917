// The one place that unwraps jco's errors. A WIT `result<_, E>` error arrives
// as jco's `ComponentError` with the `E` value in `.payload`; `callEngine`
// hands that payload to `mapError`, which returns the typed error to throw.
// Anything else thrown by a call — a trap (`RuntimeError: unreachable`), a
// later "cannot enter component instance", an error in the generated glue —
// is not the caller's fault and surfaces as EngineError with the original as
// its `cause`, never disguised as a configuration or input error.
import { EngineError, H3WasiError } from '../errors.js';

/** The `err` value of a WIT result, if `e` is jco's ComponentError. */
export function componentPayload(e: unknown): { payload: unknown } | undefined {
  if (e instanceof Error && e.constructor.name === 'ComponentError' && Object.prototype.hasOwnProperty.call(e, 'payload')) {
    return { payload: (e as { payload?: unknown }).payload };
  }
  return undefined;
}

export function callEngine<T>(f: () => T, mapError?: (payload: unknown) => Error | undefined): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof H3WasiError) throw e;
    const c = componentPayload(e);
    if (c && mapError) {
      const mapped = mapError(c.payload);
      if (mapped) throw mapped;
    }
    throw new EngineError(e);
  }
}
