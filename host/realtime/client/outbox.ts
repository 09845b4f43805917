// The client's side of "exactly once, in order" for what it sends
// (docs/realtime-protocol.md "Exactly once, in order, across a switch"):
// every message gets the next `seq` (from 1) and stays here until the hub's
// cumulative `ack` covers it; after a `welcome` on a new connection the
// entries above `welcome.lastSeq` are sent again, in order. The hub accepts
// each seq once, so a resend that crosses an ack is harmless.
import { LimitError } from '../../errors.js';
import type { MsgFrame } from '../protocol.js';

interface Entry {
  frame: MsgFrame;
  /** When it last went on a wire (manager's clock), or null while not yet sent. */
  sentAt: number | null;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Outbox {
  #next = 1;
  /** Unacked entries in seq order. */
  #entries: Entry[] = [];
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Queues a message; `done` resolves when the hub has acked it. Throws LimitError when `max` are unacked. */
  add(type: string, room: string | undefined, body: unknown): { frame: MsgFrame; done: Promise<void> } {
    if (this.#entries.length >= this.#max) throw new LimitError(`the outbox holds ${this.#max} unacknowledged messages`);
    const frame: MsgFrame = { t: 'msg', seq: this.#next++, type };
    if (room !== undefined) frame.room = room;
    if (body !== undefined) frame.body = body;
    let resolve!: () => void, reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    this.#entries.push({ frame, sentAt: null, resolve, reject });
    return { frame, done };
  }

  /** The hub's cumulative ack: entries up to `seq` are accepted; returns how many it settled. */
  ack(seq: number): number {
    let n = 0;
    while (n < this.#entries.length && this.#entries[n].frame.seq <= seq) this.#entries[n++].resolve();
    if (n) this.#entries = this.#entries.slice(n);
    return n;
  }

  /**
   * A `welcome` on a new connection: drops what the hub has (≤ lastSeq) and
   * returns the rest to send again, in order. A hub that has accepted more
   * than this outbox ever numbered knows the clientId from elsewhere (an
   * earlier page with the same clientId): the unacked entries are renumbered
   * after `lastSeq`, or the hub would take them for repeats and drop them.
   */
  welcome(lastSeq: number): MsgFrame[] {
    if (lastSeq >= this.#next) {
      this.#next = lastSeq + 1;
      for (const e of this.#entries) e.frame.seq = this.#next++;
    } else {
      this.ack(lastSeq);
    }
    return this.#entries.map((e) => e.frame);
  }

  /** Records that `seq` went on a wire at `now`. */
  sent(seq: number, now: number): void {
    const e = this.#entries.find((x) => x.frame.seq === seq);
    if (e) e.sentAt = now;
  }

  /** Entries sent before `before` and still unacked (a datagram lost, a stream reset): to send again. */
  stale(before: number): MsgFrame[] {
    return this.#entries.filter((e) => e.sentAt !== null && e.sentAt < before).map((e) => e.frame);
  }

  /** Rejects every unacked entry (the manager was closed). */
  fail(err: unknown): void {
    for (const e of this.#entries) e.reject(err);
    this.#entries = [];
  }

  /** Unacked messages. */
  get size(): number { return this.#entries.length; }

  /** The seq the next message gets. */
  get nextSeq(): number { return this.#next; }
}
