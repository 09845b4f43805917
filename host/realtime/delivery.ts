// One client's exactly-once state (docs/realtime-protocol.md "Exactly once,
// in order, across a switch"), kept per clientId across its connections:
//  - inbound: the highest accepted `msg` seq; a seq at or below it is a
//    duplicate (acked again, not processed again); one that skips ahead is
//    held, bounded by count and bytes, until the gap fills;
//  - outbound: the next `deliver` seq and the deliveries not acked yet,
//    bounded (the oldest are dropped and counted), resent after `hello`.
// Pure bookkeeping, no I/O: connections.ts sends what it returns.
import type { DeliverFrame, MsgFrame } from './protocol.js';

export interface DeliveryLimits {
  /** msg frames held ahead of a gap. */
  holdCount: number;
  /** Their bytes. */
  holdBytes: number;
  /** Deliveries kept until acked. */
  unacked: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = { holdCount: 128, holdBytes: 4 << 20, unacked: 1000 };

/** What `receive` decided: the msgs to process now, in seq order, and the cumulative ack to send. */
export interface Accepted {
  process: MsgFrame[];
  /** The seq to ack (the highest accepted), or null when nothing is to be acked (held). */
  ack: number | null;
  duplicate: boolean;
  /** The hold is full: the msg was refused (docs: `error` `out_of_order`). */
  refused: boolean;
}

export class DeliveryState {
  /** The highest `msg` seq accepted from the client (welcome.lastSeq). */
  acceptedSeq = 0;
  readonly #held = new Map<number, { msg: MsgFrame; bytes: number }>();
  #heldBytes = 0;
  /** The last `deliver` seq assigned. */
  lastDeliverSeq = 0;
  /** Deliveries the client has not acked, in seq order. */
  readonly #unacked: DeliverFrame[] = [];
  /** Deliveries dropped unacked since the start (a client away too long). */
  dropped = 0;

  constructor(readonly limits: DeliveryLimits = DEFAULT_DELIVERY_LIMITS) {}

  /** A `msg` from the client, `bytes` its size on the wire. */
  receive(msg: MsgFrame, bytes: number): Accepted {
    if (msg.seq <= this.acceptedSeq || this.#held.has(msg.seq)) return { process: [], ack: this.acceptedSeq, duplicate: true, refused: false };
    if (msg.seq > this.acceptedSeq + 1) {
      if (this.#held.size >= this.limits.holdCount || this.#heldBytes + bytes > this.limits.holdBytes) return { process: [], ack: null, duplicate: false, refused: true };
      this.#held.set(msg.seq, { msg, bytes });
      this.#heldBytes += bytes;
      return { process: [], ack: null, duplicate: false, refused: false };
    }
    const process = [msg];
    this.acceptedSeq = msg.seq;
    for (let next = this.#held.get(this.acceptedSeq + 1); next; next = this.#held.get(this.acceptedSeq + 1)) {
      this.#held.delete(this.acceptedSeq + 1);
      this.#heldBytes -= next.bytes;
      process.push(next.msg);
      this.acceptedSeq++;
    }
    return { process, ack: this.acceptedSeq, duplicate: false, refused: false };
  }

  get held(): number { return this.#held.size; }

  /** Numbers a delivery and keeps it until acked; returns the frame to send. */
  deliver(d: Omit<DeliverFrame, 't' | 'seq'>): DeliverFrame {
    const frame: DeliverFrame = { t: 'deliver', seq: ++this.lastDeliverSeq, ...d };
    this.#unacked.push(frame);
    if (this.#unacked.length > this.limits.unacked) {
      this.#unacked.shift();
      this.dropped++;
    }
    return frame;
  }

  /** The client acked deliveries up to `seq` (cumulative). */
  acked(seq: number): void {
    let n = 0;
    while (n < this.#unacked.length && this.#unacked[n]!.seq <= seq) n++;
    if (n > 0) this.#unacked.splice(0, n);
  }

  /** After `hello` with `lastSeq`: what to resend, in order. */
  resendAfter(lastSeq: number): DeliverFrame[] {
    this.acked(lastSeq);
    return this.#unacked.slice();
  }

  get unacked(): number { return this.#unacked.length; }
}
