// `h3-wasi/tls`: the core's TLS 1.3 engine (sans-IO) for tests and tools.
// The QUIC connection drives the same engine inside the component.
import { tls } from '../core/engine.js';
import { callEngine } from '../core/call.js';
import { Owned } from '../core/owned.js';
import { InvalidArgumentError, TlsConfigError } from '../errors.js';
import { bytesArg, describe, enumArg, intArg } from '../args.js';
import { encodeConfig, decodeEvents, type TlsOptions, type TlsEvent, type Level } from './wire.js';
import { checkTlsOptions, checkTlsRole } from './options.js';

export { TlsConfigError } from '../errors.js';
export { LEVEL, CIPHER_SUITES, GROUPS, type Level, type TlsOptions, type TlsEvent } from './wire.js';
export { defaultTrustAnchorsPem, MAX_TICKET_LIFETIME, MAX_TICKETS } from './options.js';

/** The engine's refusal (a WIT `result<_, string>` error) is a configuration problem. */
const configRefused = (payload: unknown) => (typeof payload === 'string' ? new TlsConfigError(payload) : undefined);

/**
 * A parsed configuration, shared by connections. Every option is checked:
 * an unknown option, a value of the wrong type, an unknown enum value
 * (`verify: 'strict'`) or a missing piece a role needs throws TlsConfigError
 * naming the option. Call `close()` when done (twice is harmless).
 */
export class TlsConfig {
  readonly #h: Owned;
  readonly options: TlsOptions;
  constructor(options: TlsOptions) {
    const checked = checkTlsOptions(options);
    // The engine checks the content (PEM, keys, certificates) first, then the role's needs are checked.
    const id = callEngine(() => tls.configNew(encodeConfig(checked)), configRefused);
    try {
      checkTlsRole(checked);
    } catch (e) {
      tls.configFree(id);
      throw e;
    }
    this.#h = new Owned(this, id, tls.configFree, 'TlsConfig');
    this.options = options;
    if (checked.verify === 'insecure') {
      console.warn('h3-wasi tls: INSECURE mode — server certificates are NOT verified; use only for development');
    }
  }
  /** The engine handle (throws ClosedError after close()). */
  get id(): number { return this.#h.handle; }
  get closed(): boolean { return this.#h.closed; }
  close(): void { this.#h.close(); }
}

const LEVELS: readonly Level[] = [0, 1, 2, 3];
/** Milliseconds since the epoch: any safe non-negative integer. */
const nowArg = (v: unknown) => intArg('nowMs', v, 0, Number.MAX_SAFE_INTEGER);

/**
 * One handshake. Feed received handshake bytes with `handle(level, bytes)`;
 * every call returns the events it produced, in order (outgoing bytes per
 * level, secrets, key log lines, completion, tickets, a fatal error).
 * Call `close()` when done (twice is harmless).
 */
export class TlsConnection {
  readonly #h: Owned;
  constructor(config: TlsConfig, session?: Uint8Array) {
    if (!(config instanceof TlsConfig)) throw new InvalidArgumentError('config', `must be a TlsConfig, got ${describe(config)}`);
    const cfg = config.id;
    const s = session === undefined ? new Uint8Array(0) : bytesArg('session', session);
    this.#h = new Owned(this, callEngine(() => tls.connectionNew(cfg, s), configRefused), tls.connectionFree, 'TlsConnection');
  }
  get id(): number { return this.#h.handle; }
  /** Client: the ClientHello. */
  start(nowMs: number = Date.now()): TlsEvent[] {
    const id = this.id, now = BigInt(nowArg(nowMs));
    return decodeEvents(callEngine(() => tls.start(id, now)));
  }
  /** Handshake bytes received at `level` (LEVEL.initial, LEVEL.handshake, LEVEL.app). */
  handle(level: Level, data: Uint8Array, nowMs: number = Date.now()): TlsEvent[] {
    const id = this.id;
    const l = enumArg('level', level, LEVELS);
    bytesArg('data', data);
    const now = BigInt(nowArg(nowMs));
    return decodeEvents(callEngine(() => tls.handle(id, l, data, now)));
  }
  /** Client: HANDSHAKE_DONE arrived (RFC 9001 §4.1.2). */
  confirm(): TlsEvent[] {
    const id = this.id;
    return decodeEvents(callEngine(() => tls.confirm(id)));
  }
  close(): void { this.#h.close(); }
}
