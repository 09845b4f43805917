// The client's side of "exactly once, in order" for what it receives
// (docs/realtime-protocol.md "Exactly once, in order, across a switch"):
// `deliver` frames may arrive twice (the hub resends after a `hello`, and
// during a switch two connections carry them) and out of order (one
// WebTransport stream per room). The inbox keeps the highest contiguous seq
// (`lastSeq`, what `hello` and `ack` carry) and the frames above it; it
// drops a seq it has seen and releases frames to the app in seq order, so
// the order of every sender (and every room) is kept. At most `max` frames
// wait above a gap: more means the gap will not fill on this connection.
import { LimitError } from '../../errors.js';
import type { DeliverFrame } from '../protocol.js';

export class Inbox {
  #lastSeq = 0;
  readonly #above = new Map<number, DeliverFrame>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /**
   * Takes one `deliver`; returns the frames now ready for the app, in seq
   * order (empty for a repeat or while a gap is open). Throws LimitError
   * when more than `max` frames would wait above a gap.
   */
  push(f: DeliverFrame): DeliverFrame[] {
    if (f.seq <= this.#lastSeq || this.#above.has(f.seq)) return [];
    if (f.seq !== this.#lastSeq + 1) {
      if (this.#above.size >= this.#max) throw new LimitError(`${this.#max} deliveries wait above seq ${this.#lastSeq}`);
      this.#above.set(f.seq, f);
      return [];
    }
    const out = [f];
    this.#lastSeq = f.seq;
    for (let g; (g = this.#above.get(this.#lastSeq + 1)); ) {
      this.#above.delete(g.seq);
      out.push(g);
      this.#lastSeq = g.seq;
    }
    return out;
  }

  /** The highest seq up to which every delivery was handed to the app. */
  get lastSeq(): number { return this.#lastSeq; }

  /** Deliveries held above a gap. */
  get held(): number { return this.#above.size; }
}
