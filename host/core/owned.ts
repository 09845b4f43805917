// The one lifetime policy for host objects that own an engine object (a QPACK
// encoder or decoder, an H3 parser, a TLS config or connection, later QUIC
// endpoints and connections): `close()` frees it and may be called any number
// of times; using the object after close() throws ClosedError; an object
// dropped without close() is freed when it is garbage-collected (a safety net,
// not a substitute for close()). Engine handles are generational, so a late
// free of a stale handle can never reach another object.
import { ClosedError, LimitError } from '../errors.js';

interface Held { handle: number; free: (handle: number) => void }

const registry = new FinalizationRegistry<Held>((held) => held.free(held.handle));

export class Owned {
  #held: Held | null;
  readonly #what: string;
  /** `owner` is the public object whose collection frees the handle. */
  constructor(owner: object, handle: number, free: (handle: number) => void, what: string) {
    // 0 is never a valid handle: the engine's table for this kind is full
    if (handle === 0) throw new LimitError(`too many live ${what} objects (the engine holds at most 65,535 at once): close some first`);
    this.#held = { handle, free };
    this.#what = what;
    registry.register(owner, this.#held, this);
  }
  /** The engine handle; throws ClosedError after close(). */
  get handle(): number {
    if (this.#held === null) throw new ClosedError(this.#what);
    return this.#held.handle;
  }
  get closed(): boolean { return this.#held === null; }
  close(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    registry.unregister(this);
    held.free(held.handle);
  }
}
