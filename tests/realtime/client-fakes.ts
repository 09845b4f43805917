// Test doubles for the TransportManager (host/realtime/client/): a fake clock
// with timers, a FAKE hub that implements the hub side of
// docs/realtime-protocol.md in memory (hello/welcome, msg accepted once and in
// order with skip-ahead held, cumulative acks both ways, deliveries retained
// until acked and resent after hello, ping/pong), and fake transports whose
// frames wait in queues the test pumps — so a test decides when frames
// arrive, in which order, and which are lost or repeated.
import { decodeText, encodeText, type DeliverFrame, type Frame, type MsgFrame } from '../../host/realtime/protocol.js';
import type { OpenTransport, Transport, TransportEvents, TransportKind } from '../../host/realtime/client/transport.js';

/** Lets every pending promise callback run. */
export const flush = () => new Promise<void>((r) => setImmediate(r));

interface Timer { at: number; id: number; fn: () => void }

export class FakeClock {
  t = 1_000_000;
  #timers: Timer[] = [];
  #id = 0;
  readonly now = () => this.t;
  readonly timers = {
    setTimeout: (fn: () => void, ms: number) => {
      const id = ++this.#id;
      this.#timers.push({ at: this.t + Math.max(0, ms), id, fn });
      return id;
    },
    clearTimeout: (id: unknown) => { this.#timers = this.#timers.filter((x) => x.id !== id); },
  };

  /** Moves time forward by `ms`, firing due timers in order with promise callbacks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      let next: Timer | undefined;
      for (const x of this.#timers) if (x.at <= end && (!next || x.at < next.at || (x.at === next.at && x.id < next.id))) next = x;
      if (!next) break;
      this.#timers = this.#timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await flush();
  }

  get pending(): number { return this.#timers.length; }
}

/** How a fake transport of one kind behaves when opened. */
export type Behaviour = 'ok' | 'fail' | 'hang';

export class FakeTransport implements Transport {
  readonly ready: Promise<void>;
  /** client → hub frames not yet pumped (JSON text, as on the wire). */
  up: string[] = [];
  /** hub → client frames not yet pumped. */
  down: string[] = [];
  ended = false;
  #resolve!: () => void;
  #reject!: (e: Error) => void;

  constructor(readonly kind: TransportKind, readonly url: string, readonly events: TransportEvents, readonly hub: FakeHub) {
    this.ready = new Promise((res, rej) => { this.#resolve = res; this.#reject = rej; });
    this.ready.catch(() => {});
  }

  open(): void { this.#resolve(); }
  fail(why: string): void { this.#reject(new Error(why)); this.#end(why); }

  send(f: Frame): number {
    if (this.ended) throw new Error('closed');
    const s = encodeText(f);
    this.up.push(s);
    return s.length;
  }

  /** WebTransport only: the datagram reaches the hub's lossy list at once (the fake loses none). */
  sendDatagram(f: MsgFrame): number | null {
    if (this.kind !== 'webtransport' || this.ended) return null;
    this.hub.lossy.push(f);
    return encodeText(f).length;
  }

  close(reason = 'closed'): void { this.#end(reason); }

  /** The network took it down (frames in flight are lost). */
  drop(reason = 'network down'): void { this.#end(reason); }

  #end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.up = [];
    this.down = [];
    this.hub.disconnect(this);
    this.ready.then(() => this.events.closed(reason), () => this.events.closed(reason));
  }

  /** Delivers up to `n` queued client frames to the hub, in order. */
  pumpUp(n = Infinity): number {
    let k = 0;
    while (!this.ended && this.up.length && k < n) { this.hub.receive(this, decodeText(this.up.shift()!)); k++; }
    return k;
  }

  /**
   * Delivers the queued hub frames. `chaos` (for `deliver` frames only: on
   * WebTransport they travel on streams of their own) picks, per frame, 0
   * deliver, 1 drop, 2 deliver twice, 3 hold back to the end (reorder).
   */
  pumpDown(chaos: (i: number) => number = () => 0): number {
    let k = 0;
    const later: string[] = [];
    const q = this.down;
    this.down = [];
    for (let i = 0; i < q.length && !this.ended; i++) {
      const f = decodeText(q[i]);
      const c = f.t === 'deliver' ? chaos(i) : 0;
      if (c === 1) continue;
      if (c === 3) { later.push(q[i]); continue; }
      this.events.received(q[i].length);
      this.events.frame(f);
      if (c === 2) this.events.frame(decodeText(q[i]));
      k++;
    }
    for (const s of later) if (!this.ended) { this.events.frame(decodeText(s)); k++; }
    return k;
  }
}

interface ClientState {
  accepted: number;
  held: Map<number, MsgFrame>;
  /** Every accepted message, in order (what the hub processed). */
  processed: MsgFrame[];
  nextDeliver: number;
  /** Deliveries not yet acked by the client. */
  retained: DeliverFrame[];
  /** Every delivery ever made, in seq order. */
  delivered: DeliverFrame[];
}

/** The hub side of the contract, in memory. */
export class FakeHub {
  readonly clients = new Map<string, ClientState>();
  readonly bound = new Map<FakeTransport, string>();
  /** What opening a transport of each kind does. */
  behaviour: Record<TransportKind, Behaviour> = { webtransport: 'ok', websocket: 'ok' };
  /** Hold back hub pongs (a silent path). */
  silent = false;
  /** Every transport ever opened, in order. */
  readonly opened: FakeTransport[] = [];
  holdMax = 64;
  /** typing / presence msgs that came as datagrams (outside the seq order). */
  readonly lossy: MsgFrame[] = [];

  readonly open: OpenTransport = (kind, url, events) => {
    const t = new FakeTransport(kind, url, events, this);
    this.opened.push(t);
    const b = this.behaviour[kind];
    if (b === 'ok') queueMicrotask(() => t.open());
    else if (b === 'fail') queueMicrotask(() => t.fail(`${kind} refused`));
    return t;
  };

  client(id: string): ClientState {
    let c = this.clients.get(id);
    if (!c) this.clients.set(id, (c = { accepted: 0, held: new Map(), processed: [], nextDeliver: 1, retained: [], delivered: [] }));
    return c;
  }

  /** The live (bound) transports. */
  live(): FakeTransport[] { return [...this.bound.keys()].filter((t) => !t.ended); }

  disconnect(t: FakeTransport): void { this.bound.delete(t); }

  #send(t: FakeTransport, f: Frame): void { if (!t.ended) t.down.push(encodeText(f)); }

  receive(t: FakeTransport, f: Frame): void {
    if (f.t === 'hello') {
      const c = this.client(f.clientId);
      this.bound.set(t, f.clientId);
      this.#send(t, { t: 'welcome', userId: 'u1', connectionId: `c${this.opened.indexOf(t)}`, lastSeq: c.accepted });
      for (const d of c.retained) if (d.seq > f.lastSeq) this.#send(t, d);
      return;
    }
    const id = this.bound.get(t);
    if (id === undefined) throw new Error(`a ${f.t} frame before hello`);
    const c = this.client(id);
    switch (f.t) {
      case 'msg':
        // contract: accept each seq once, in order; hold one that skips ahead
        if (f.seq > c.accepted + 1) {
          if (c.held.size < this.holdMax) c.held.set(f.seq, f);
          else this.#send(t, { t: 'error', code: 'out_of_order', message: 'hold full' });
        } else if (f.seq === c.accepted + 1) {
          c.processed.push(f);
          c.accepted = f.seq;
          for (let g; (g = c.held.get(c.accepted + 1)); ) { c.held.delete(g.seq); c.processed.push(g); c.accepted = g.seq; }
        }
        this.#send(t, { t: 'ack', seq: c.accepted });
        break;
      case 'ack':
        c.retained = c.retained.filter((d) => d.seq > f.seq);
        break;
      case 'ping':
        if (!this.silent) this.#send(t, { t: 'pong', ts: f.ts });
        break;
      default:
        throw new Error(`the fake hub got a ${f.t}`);
    }
  }

  /** Routes a message to `clientId`: a new delivery seq, retained, sent on every bound transport of it. */
  deliver(clientId: string, m: { from: string; type: string; room?: string; body?: unknown }): DeliverFrame {
    const c = this.client(clientId);
    const d: DeliverFrame = { t: 'deliver', seq: c.nextDeliver++, ts: 0, ...m };
    c.retained.push(d);
    c.delivered.push(d);
    for (const [t, id] of this.bound) if (id === clientId) this.#send(t, d);
    return d;
  }

  /** Pumps every live transport both ways until nothing moves. */
  pumpAll(): number {
    let total = 0;
    for (let moved = 1; moved; ) {
      moved = 0;
      for (const t of [...this.opened]) moved += t.pumpUp() + t.pumpDown();
      total += moved;
    }
    return total;
  }
}

/** localStorage in memory. */
export class MemStorage {
  readonly map = new Map<string, string>();
  getItem(k: string): string | null { return this.map.get(k) ?? null; }
  setItem(k: string, v: string): void { this.map.set(k, v); }
  removeItem(k: string): void { this.map.delete(k); }
}

/** Pumps the hub's transports and runs promise callbacks until nothing moves. */
export async function settle(hub: FakeHub): Promise<void> {
  for (let quiet = 0, i = 0; quiet < 2 && i < 1000; i++) {
    await flush();
    quiet = hub.pumpAll() === 0 ? quiet + 1 : 0;
  }
}
