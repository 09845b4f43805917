// The transport preference cached in storage (localStorage by default) with
// an expiry: after a WebTransport failure the manager records 'websocket'
// for cacheTtlMs, and while that holds, connect() goes straight to
// WebSocket (docs/realtime-client.md "Fallback and caching"). Storage may be
// missing or throw (private browsing, quota): then nothing is cached.
import type { TransportKind } from './transport.js';

/** The part of the Web Storage API used here. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const PREFERENCE_KEY = 'h3-wasi:realtime:transport';

export class PreferenceCache {
  readonly #storage: StorageLike | null;
  readonly #now: () => number;
  readonly #key: string;

  constructor(storage: StorageLike | null | undefined, now: () => number, key = PREFERENCE_KEY) {
    this.#storage = storage ?? null;
    this.#now = now;
    this.#key = key;
  }

  /** The cached transport while its expiry holds; an expired or unreadable entry is removed. */
  get(): TransportKind | null {
    try {
      const raw = this.#storage?.getItem(this.#key);
      if (!raw) return null;
      const v = JSON.parse(raw) as { transport?: unknown; until?: unknown };
      if ((v.transport === 'websocket' || v.transport === 'webtransport') && typeof v.until === 'number' && this.#now() < v.until) return v.transport;
      this.clear();
    } catch {
      this.clear();
    }
    return null;
  }

  set(transport: TransportKind, ttlMs: number): void {
    try { this.#storage?.setItem(this.#key, JSON.stringify({ transport, until: this.#now() + ttlMs })); } catch { /* not cached */ }
  }

  clear(): void {
    try { this.#storage?.removeItem(this.#key); } catch { /* nothing to clear */ }
  }
}
