// Health monitoring of the active connection: a `ping` every pingIntervalMs
// carries the sender's clock, the `pong` echoes it (docs/realtime-protocol.md
// "Frames"), giving one RTT sample each; `maxMissed` pings in a row without
// a pong declare the transport dead (a silent UDP path, a frozen proxy).
export class HealthMonitor {
  #missed = 0;
  #rtt: number | null = null;
  readonly #maxMissed: number;

  constructor(maxMissed: number) {
    this.#maxMissed = maxMissed;
  }

  /** At each ping interval: true → send a ping now; false → the transport is dead. */
  tick(): boolean {
    if (this.#missed >= this.#maxMissed) return false;
    this.#missed++;
    return true;
  }

  /** A pong echoing `ts` arrived at `now`: returns the RTT sample. */
  pong(ts: number, now: number): number {
    this.#missed = 0;
    this.#rtt = Math.max(0, now - ts);
    return this.#rtt;
  }

  /** The latest RTT sample in ms, or null before the first pong. */
  get rtt(): number | null { return this.#rtt; }

  /** Pings sent since the last pong. */
  get missed(): number { return this.#missed; }
}
