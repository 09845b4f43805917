// `h3-wasi/tls`: the core's TLS 1.3 engine (sans-IO) for tests and tools.
// The QUIC connection drives the same engine inside the component.
import { tls } from '../core/engine.js';
import { H3WasiError } from '../errors.js';
import { encodeConfig, decodeEvents, type TlsOptions, type TlsEvent } from './wire.js';

export * from './wire.js';

/** A configuration the engine refused (bad PEM, unsupported key, ...). */
export class TlsConfigError extends H3WasiError {
  constructor(reason: string) { super('H3W_ERR_TLS_CONFIG', reason); }
}

/** A parsed configuration, shared by connections. Call `close()` when done. */
export class TlsConfig {
  readonly id: number;
  readonly options: TlsOptions;
  constructor(options: TlsOptions) {
    if (options.verify === 'insecure') {
      console.warn('h3-wasi tls: INSECURE mode — server certificates are NOT verified; use only for development');
    }
    this.options = options;
    try {
      this.id = tls.configNew(encodeConfig(options));
    } catch (e) {
      throw new TlsConfigError(String((e as { payload?: unknown }).payload ?? e));
    }
  }
  close() { tls.configFree(this.id); }
}

/**
 * One handshake. Feed received handshake bytes with `handle(level, bytes)`;
 * every call returns the events it produced, in order (outgoing bytes per
 * level, secrets, key log lines, completion, tickets, a fatal error).
 */
export class TlsConnection {
  readonly id: number;
  constructor(config: TlsConfig, session?: Uint8Array) {
    try {
      this.id = tls.connectionNew(config.id, session ?? new Uint8Array(0));
    } catch (e) {
      throw new TlsConfigError(String((e as { payload?: unknown }).payload ?? e));
    }
  }
  start(nowMs = Date.now()): TlsEvent[] { return decodeEvents(tls.start(this.id, BigInt(nowMs))); }
  handle(level: number, data: Uint8Array, nowMs = Date.now()): TlsEvent[] {
    return decodeEvents(tls.handle(this.id, level, data, BigInt(nowMs)));
  }
  confirm(): TlsEvent[] { return decodeEvents(tls.confirm(this.id)); }
  close() { tls.connectionFree(this.id); }
}
