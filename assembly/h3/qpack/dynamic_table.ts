// RFC 9204 §3.2: the dynamic table, shared by the encoder and the decoder.
//
// Entries are addressed by absolute index (§3.2.4): the first entry inserted
// is 0, and indexes never change. The table keeps the live range
// [dropped, insertCount) in a ring of entry pointers; each entry is one heap
// block:
//
//   [u32 nameLen][u32 valueLen][u32 nameHash][u32 fullHash][u32 refs][name][value]
//
// `refs` is the encoder's count of unacknowledged field sections that
// reference the entry (§2.1.1); the decoder leaves it at 0. The size of an
// entry is nameLen + valueLen + 32 (§3.2.1); since every entry is at least 32
// bytes, at most capacity/32 entries are live, which bounds the ring.
//
// The ring grows as entries are inserted (doubling from RING_MIN slots), never
// sized from maxCapacity up front: a large SETTINGS_QPACK_MAX_TABLE_CAPACITY
// costs nothing until the peer fills the table (issue 8: tables grow as they fill).

import { hashBytes, hashValue } from "./hash";

export const ENTRY_HEADER: usize = 20;
/** RFC 9204 §3.2.1: "The size of an entry is the sum of its name's length in bytes, its value's length in bytes, and 32 additional bytes." */
export const ENTRY_OVERHEAD: usize = 32;

@inline export function entryNameLen(e: usize): usize { return <usize>load<u32>(e); }
@inline export function entryValueLen(e: usize): usize { return <usize>load<u32>(e, 4); }
@inline export function entryNameHash(e: usize): u32 { return load<u32>(e, 8); }
@inline export function entryFullHash(e: usize): u32 { return load<u32>(e, 12); }
@inline export function entryRefs(e: usize): u32 { return load<u32>(e, 16); }
@inline export function entrySetRefs(e: usize, v: u32): void { store<u32>(e, v, 16); }
@inline export function entryName(e: usize): usize { return e + ENTRY_HEADER; }
@inline export function entryValue(e: usize): usize { return e + ENTRY_HEADER + <usize>load<u32>(e); }
@inline export function entrySize(e: usize): usize { return <usize>load<u32>(e) + <usize>load<u32>(e, 4) + ENTRY_OVERHEAD; }

/** Slots of the first ring (a power of two). */
const RING_MIN: u64 = 16;

/**
 * The largest table capacity the core keeps (1 GiB): a decoder refuses a
 * larger SETTINGS_QPACK_MAX_TABLE_CAPACITY of its own, an encoder uses at most
 * this much of a peer's (RFC 9204 §3.2.3 lets the encoder choose any capacity
 * up to the peer's maximum). Entries live in wasm32 memory (4 GiB at most).
 */
export const MAX_TABLE_CAPACITY: usize = 1 << 30;

export class DynamicTable {
  /** The limit set by SETTINGS_QPACK_MAX_TABLE_CAPACITY (§3.2.3). */
  readonly maxCapacity: usize;
  /** Current capacity (§3.2.2); starts at 0 (§3.2.3). */
  capacity: usize = 0;
  /** Sum of the sizes of the live entries. */
  size: usize = 0;
  /** Total number of insertions (and duplications): the next absolute index. */
  insertCount: u64 = 0;
  /** Absolute index of the oldest live entry (= number of evictions). */
  dropped: u64 = 0;
  private ring: usize = 0;
  /** Ring slots - 1 (a power of two minus one, >= count; 0 before the first insert). */
  ringMask: u64 = 0;

  constructor(maxCapacity: usize) {
    this.maxCapacity = maxCapacity;
  }

  /** Slots in the ring (0 before the first insert). */
  @inline get ringSlots(): u64 { return this.ring == 0 ? 0 : this.ringMask + 1; }

  /** Frees every entry and the ring. */
  dispose(): void {
    while (this.dropped < this.insertCount) this.evictOne();
    if (this.ring != 0) heap.free(this.ring);
    this.ring = 0;
    this.ringMask = 0;
  }

  /** Doubles the ring (or makes the first one), keeping each live entry at abs & mask. */
  private grow(): void {
    const n: u64 = this.ring == 0 ? RING_MIN : (this.ringMask + 1) << 1;
    const ring = heap.alloc(<usize>n * sizeof<usize>());
    const mask = n - 1;
    for (let abs = this.dropped; abs < this.insertCount; abs++) {
      store<usize>(ring + <usize>(abs & mask) * sizeof<usize>(), this.entry(abs));
    }
    if (this.ring != 0) heap.free(this.ring);
    this.ring = ring;
    this.ringMask = mask;
  }

  @inline get count(): u64 { return this.insertCount - this.dropped; }

  /** Whether `abs` names a live entry. */
  @inline has(abs: u64): bool { return abs >= this.dropped && abs < this.insertCount; }

  /** The entry at absolute index `abs`; the caller checked `has(abs)`. */
  @inline entry(abs: u64): usize {
    return load<usize>(this.ring + <usize>(abs & this.ringMask) * sizeof<usize>());
  }

  private evictOne(): void {
    const e = this.entry(this.dropped);
    this.size -= entrySize(e);
    this.dropped++;
    heap.free(e);
  }

  /** RFC 9204 §3.2.2: evicts the oldest entries until size <= target. */
  evictTo(target: usize): void {
    while (this.size > target && this.dropped < this.insertCount) this.evictOne();
  }

  /** RFC 9204 §4.3.1: sets the capacity (caller checked <= maxCapacity), evicting as needed. */
  setCapacity(c: usize): void {
    this.capacity = c;
    this.evictTo(c);
  }

  /**
   * RFC 9204 §3.2.2: inserts name/value (caller checked that the entry fits
   * the capacity). The bytes are copied before evicting: they may point into
   * an entry that this insertion evicts (§3.2.2 caution). Returns the entry.
   */
  insert(np: usize, nl: usize, vp: usize, vl: usize): usize {
    const e = heap.alloc(ENTRY_HEADER + nl + vl);
    const nh = hashBytes(np, nl);
    store<u32>(e, <u32>nl);
    store<u32>(e, <u32>vl, 4);
    store<u32>(e, nh, 8);
    store<u32>(e, hashValue(nh, vp, vl), 12);
    store<u32>(e, 0, 16);
    memory.copy(e + ENTRY_HEADER, np, nl);
    memory.copy(e + ENTRY_HEADER + nl, vp, vl);
    const sz = nl + vl + ENTRY_OVERHEAD;
    this.evictTo(this.capacity - sz);
    if (this.ring == 0 || this.insertCount - this.dropped > this.ringMask) this.grow();
    store<usize>(this.ring + <usize>(this.insertCount & this.ringMask) * sizeof<usize>(), e);
    this.insertCount++;
    this.size += sz;
    return e;
  }
}
