// Reconnection delays: exponential with "equal jitter" — the n-th delay
// (from 0) is d/2 + random·d/2 with d = min(maxMs, initialMs·2^n), so it is
// never below half the exponential step (no reconnect storm right after a
// hub restart) and never above maxMs.
export interface BackoffOptions { initialMs: number; maxMs: number }

export class Backoff {
  #n = 0;
  readonly #o: BackoffOptions;
  readonly #random: () => number;

  constructor(o: BackoffOptions, random: () => number) {
    this.#o = o;
    this.#random = random;
  }

  /** The next delay in ms, in [d/2, d]. */
  next(): number {
    const d = Math.min(this.#o.maxMs, this.#o.initialMs * 2 ** Math.min(this.#n, 30));
    this.#n++;
    return d / 2 + this.#random() * (d / 2);
  }

  /** After a connection succeeded: the next delay starts from initialMs again. */
  reset(): void { this.#n = 0; }

  /** How many delays were taken since the last reset. */
  get attempts(): number { return this.#n; }
}
