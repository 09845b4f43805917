// A deterministic pair of endpoints on a virtual network in virtual time
// (quinn's `Pair`, quiche's `Pipe`): the base the transport's simulator
// extends. Endpoints are sans-IO, driven "to the next timeout":
//
//   inputs (recv) -> pollTransmit until empty -> pollTimeout -> advance the clock
//
// The link between them delays, jitters, drops, duplicates and reorders
// datagrams, enforces an MTU and a bandwidth, all from one seeded PRNG; the
// seed is printed so that a failing run can be replayed (SIM_SEED=...).

/** Virtual time in microseconds. */
export type Micros = number;

export interface Datagram {
  data: Uint8Array;
  /** Where it is going ('a' or 'b' unless the endpoint addresses them itself). */
  to?: string;
  /** Carried to the receiver's `recv` unchanged (e.g. the source address the receiver sees). */
  meta?: unknown;
  /** The destination address the sender chose (for a `blackhole` that drops what goes to a stale address). */
  dest?: Uint8Array;
}

/** A sans-IO endpoint: what the transport's client and server will implement. */
export interface SimEndpoint {
  recv(now: Micros, datagram: Uint8Array, from: string, meta?: unknown): void;
  /** The next datagram to send at `now`, or null when there is nothing. */
  pollTransmit(now: Micros): Datagram | null;
  /** When it wants `onTimeout`, or null. */
  pollTimeout(): Micros | null;
  onTimeout(now: Micros): void;
}

export interface LinkOptions {
  /** One-way delay (default 10 ms). */
  delayUs?: Micros;
  /** Uniform extra delay in [0, jitterUs) (default 0); jitter reorders. */
  jitterUs?: Micros;
  /** Probability a datagram is dropped (default 0). */
  loss?: number;
  /** Probability a datagram is delivered twice (default 0). */
  duplicate?: number;
  /** Probability a datagram is held back by an extra delay, arriving after later ones (default 0). */
  reorder?: number;
  /** Datagrams larger than this are dropped (default 1500). */
  mtu?: number;
  /** Bytes per second the link carries; excess queues (default unlimited). */
  bandwidth?: number;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` bytes from the seed's PRNG: a payload whose corruption, reordering or gap shows. */
export function payload(seed: number, n: number): Uint8Array {
  const r = prng(seed ^ 0x5eed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

/** The seed for a run: SIM_SEED if set, else a fresh one; printed either way. */
export function simSeed(label: string): number {
  const seed = process.env.SIM_SEED !== undefined ? Number(process.env.SIM_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`${label}: SIM_SEED=${seed}`);
  return seed;
}

interface InFlight { at: Micros; seq: number; to: string; from: string; data: Uint8Array; meta?: unknown }

export interface LinkStats { sent: number; delivered: number; dropped: number; duplicated: number; tooBig: number; bytes: number }

/** Steps in a row at one instant before `run` calls the simulation stuck (a real exchange needs a handful). */
const STUCK_STEPS = 100_000;

export class Pair {
  now: Micros = 0;
  readonly endpoints: Map<string, SimEndpoint>;
  readonly stats: Record<string, LinkStats> = {};
  private queue: InFlight[] = [];
  private seq = 0;
  private readonly rnd: () => number;
  private readonly link: Required<LinkOptions>;
  /** When each direction's link is free again (bandwidth). */
  private busyUntil = new Map<string, Micros>();
  /** When set, datagrams it returns true for are dropped (a path that goes dark, a middlebox). */
  blackhole: ((from: string, d: Datagram) => boolean) | null = null;

  constructor(a: SimEndpoint, b: SimEndpoint, options: { seed: number; link?: LinkOptions }) {
    this.endpoints = new Map([['a', a], ['b', b]]);
    this.rnd = prng(options.seed);
    this.link = { delayUs: 10_000, jitterUs: 0, loss: 0, duplicate: 0, reorder: 0, mtu: 1500, bandwidth: Infinity, ...options.link };
    for (const n of this.endpoints.keys()) this.stats[n] = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, tooBig: 0, bytes: 0 };
  }

  private other(name: string): string { return name === 'a' ? 'b' : 'a'; }

  /** Puts a datagram from `from` on the link. */
  private send(from: string, d: Datagram) {
    const st = this.stats[from];
    st.sent++;
    st.bytes += d.data.length;
    const to = d.to ?? this.other(from);
    if (d.data.length > this.link.mtu) { st.tooBig++; return; }
    if (this.blackhole !== null && this.blackhole(from, d)) { st.dropped++; return; }
    if (this.rnd() < this.link.loss) { st.dropped++; return; }
    // bandwidth: serialization delay on this direction's link
    let departs = this.now;
    if (Number.isFinite(this.link.bandwidth)) {
      departs = Math.max(this.now, this.busyUntil.get(from) ?? 0);
      this.busyUntil.set(from, departs + (d.data.length * 1e6) / this.link.bandwidth);
    }
    const copies = this.rnd() < this.link.duplicate ? 2 : 1;
    if (copies === 2) st.duplicated++;
    for (let i = 0; i < copies; i++) {
      let at = departs + this.link.delayUs + this.rnd() * this.link.jitterUs;
      if (this.rnd() < this.link.reorder) at += this.link.delayUs;
      this.queue.push({ at, seq: this.seq++, to, from, data: d.data.slice(), meta: d.meta });
    }
  }

  /** Lets every endpoint send what it has at the current time. */
  private flush() {
    for (const [name, ep] of this.endpoints) {
      for (let d = ep.pollTransmit(this.now); d; d = ep.pollTransmit(this.now)) this.send(name, d);
    }
  }

  /** The next event time: a delivery or an endpoint timer; null when nothing is pending. */
  private nextEvent(): Micros | null {
    let t: Micros | null = null;
    for (const q of this.queue) if (t === null || q.at < t) t = q.at;
    for (const ep of this.endpoints.values()) {
      const to = ep.pollTimeout();
      if (to !== null && (t === null || to < t)) t = to;
    }
    return t;
  }

  /**
   * Runs until `done()` holds (checked after every step), nothing is pending,
   * or virtual time passes `maxUs`. Returns whether `done()` held. When it
   * gives up, the clock stands at `maxUs`: the time passed, nothing happened
   * in it (a caller that runs again to a later limit must not find itself
   * where it started — a loop of short runs would never reach a timer beyond
   * each run's limit, such as a PTO seconds away).
   */
  run(done: () => boolean, maxUs: Micros = 60_000_000): boolean {
    this.flush();
    let still = 0;
    while (!done()) {
      const t = this.nextEvent();
      if (t === null || t > maxUs) {
        this.now = Math.max(this.now, maxUs);
        return false;
      }
      // a timer that stays due after on-timeout would spin here for ever, out of reach of the test timeout (all synchronous)
      if (t <= this.now && ++still > STUCK_STEPS) {
        const timers = [...this.endpoints].map(([n, ep]) => `${n} ${ep.pollTimeout()}`).join(', ');
        throw new Error(`simulation stuck at ${this.now} us: ${STUCK_STEPS} steps without time passing (timers: ${timers}; ${this.queue.length} datagrams in flight)`);
      }
      if (t > this.now) still = 0;
      this.now = Math.max(this.now, t);
      // deliver everything due now, in arrival order (ties: send order)
      const due = this.queue.filter((q) => q.at <= this.now).sort((x, y) => x.at - y.at || x.seq - y.seq);
      this.queue = this.queue.filter((q) => q.at > this.now);
      for (const q of due) {
        const ep = this.endpoints.get(q.to);
        if (!ep) continue;
        this.stats[q.from].delivered++;
        ep.recv(this.now, q.data, q.from, q.meta);
      }
      for (const ep of this.endpoints.values()) {
        const to = ep.pollTimeout();
        if (to !== null && to <= this.now) ep.onTimeout(this.now);
      }
      this.flush();
    }
    return true;
  }
}
