// One generational handle table, used by every interface that hands objects
// to the host (TLS configs and connections, QPACK encoders and decoders, H3
// parsers, and the transport's endpoints and connections).
//
// A handle is a u32: the slot index + 1 in the low 16 bits, the slot's
// generation in the high 16 bits. Freeing a slot bumps its generation, so a
// stale handle (used after free, or freed twice) no longer matches and is
// refused — it can never reach the object that took the slot since. 0 is
// never a valid handle. At most 65,535 objects live in one table at a time;
// a slot is reused 65,536 times before its handles repeat.

const INDEX_BITS = 16;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;
/** The most objects one table holds at once. */
export const MAX_HANDLES: i32 = <i32>INDEX_MASK;

@final
export class HandleTable<T> {
  private objects: Array<T | null> = [];
  private generations: Array<u16> = [];
  /** Free slot indexes, reused last-freed first. */
  private freeSlots: Array<i32> = [];
  private live: i32 = 0;

  /** Stores `obj`; returns its handle, or 0 when the table is full. */
  add(obj: T): u32 {
    let i: i32;
    if (this.freeSlots.length > 0) {
      i = this.freeSlots.pop();
    } else {
      if (this.objects.length >= MAX_HANDLES) return 0;
      i = this.objects.length;
      this.objects.push(null);
      this.generations.push(0);
    }
    unchecked(this.objects[i] = obj);
    this.live++;
    return (<u32>unchecked(this.generations[i]) << INDEX_BITS) | (<u32>i + 1);
  }

  /** The slot of a live handle, or -1 (0, out of range, freed, or an older generation). */
  private slot(h: u32): i32 {
    const i = <i32>(h & INDEX_MASK) - 1;
    if (i < 0 || i >= this.objects.length) return -1;
    if (<u32>unchecked(this.generations[i]) != h >>> INDEX_BITS) return -1;
    if (unchecked(this.objects[i]) === null) return -1;
    return i;
  }

  /** The object of a live handle, or null. */
  get(h: u32): T | null {
    const i = this.slot(h);
    return i < 0 ? null : unchecked(this.objects[i]);
  }

  /** Removes a live handle's object and returns it; null (and nothing freed) for a stale handle. */
  remove(h: u32): T | null {
    const i = this.slot(h);
    if (i < 0) return null;
    const obj = unchecked(this.objects[i]);
    unchecked(this.objects[i] = null);
    unchecked(this.generations[i] = <u16>(unchecked(this.generations[i]) + 1));
    this.freeSlots.push(i);
    this.live--;
    return obj;
  }

  /** How many objects are live. */
  get size(): i32 {
    return this.live;
  }
}
