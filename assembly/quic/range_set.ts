// A bounded set of u64 values kept as sorted, disjoint, coalesced ranges:
// received packet numbers for ACK tracking (RFC 9000 §13.2.3) and received
// byte offsets for stream / CRYPTO reassembly (§2.2, §19.6, §19.8).
//
// Ranges are inclusive, [start, end], so the whole u64 space is representable
// without overflow. Storage is one StaticArray<u64> of (start, end) pairs in
// ascending order, allocated for two ranges and doubled when a new range needs
// room, up to the capacity (most sets never hold more than one or two ranges:
// an idle connection keeps a dozen of them).
//
// Capacity policy: the caller gives the maximum number of ranges and what to
// do when an insertion would need one more. By default (ACK tracking) the
// LOWEST range is dropped
// (which may be the range just inserted, if it is the lowest). The values it
// held are forgotten; `evictedBelow` records one past the highest value ever
// dropped that way, so a caller that must not accept a value twice (RFC 9000
// §12.3, §13.2.3: "maintaining a minimum packet number that increases as
// ranges are discarded") can refuse anything below it. Dropping the lowest
// keeps the most recent packet numbers, which are the ones an ACK frame reports
// first (§13.2.3: "A receiver SHOULD include an ACK Range containing the
// largest received packet number"). With `refuseWhenFull` (stream reassembly
// and send bookkeeping, where forgetting received or acknowledged bytes is not
// an option) such an insertion is refused instead and nothing changes;
// `insertCoarse` then widens the new range into its neighbour (for sets where
// holding a superset is harmless: data to retransmit).
//
// Iteration goes from the top: index 0 is the highest range.
//
//   const s = new RangeSet(32);
//   s.insert(5, 9); s.insert(1, 1);
//   for (let i = 0; i < s.count; i++) use(s.startAt(i), s.endAt(i)); // [5,9] then [1,1]

/** Ranges the storage starts with. */
const INITIAL_RANGES: i32 = 2;

@final
export class RangeSet {
  /** (start, end) pairs, ascending: pairs[2i] = start, pairs[2i+1] = end. */
  private pairs: StaticArray<u64>;
  private n: i32 = 0;
  /** Maximum number of ranges held (at least 1). */
  readonly capacity: i32;
  /** One past the highest value dropped by the capacity policy (0: none dropped). */
  evictedBelow: u64 = 0;
  /** When full: refuse a new range (true) instead of dropping the lowest (false). */
  readonly refuseWhenFull: bool;

  constructor(capacity: i32, refuseWhenFull: bool = false) {
    const cap = capacity < 1 ? 1 : (capacity > 0x10000 ? 0x10000 : capacity);
    this.capacity = cap;
    this.refuseWhenFull = refuseWhenFull;
    this.pairs = new StaticArray<u64>((cap < INITIAL_RANGES ? cap : INITIAL_RANGES) << 1);
  }

  /** Room for one more range (the caller checked n < capacity): doubles the storage when it is full; returns it. */
  private room(): StaticArray<u64> {
    const have = this.pairs.length >> 1;
    if (this.n < have) return this.pairs;
    const want = have << 1 < this.capacity ? have << 1 : this.capacity;
    const p = new StaticArray<u64>(want << 1);
    memory.copy(changetype<usize>(p), changetype<usize>(this.pairs), <usize>this.n << 4);
    this.pairs = p;
    return p;
  }

  /** Number of ranges. */
  @inline get count(): i32 {
    return this.n;
  }

  @inline get isEmpty(): bool {
    return this.n == 0;
  }

  /** The highest value held (0 when empty). */
  get largest(): u64 {
    return this.n == 0 ? 0 : unchecked(this.pairs[(this.n << 1) - 1]);
  }

  /** The last value of the lowest range (0 when empty). */
  get lowestEnd(): u64 {
    return this.n == 0 ? 0 : unchecked(this.pairs[1]);
  }

  /** The lowest value held (0 when empty). */
  get smallest(): u64 {
    return this.n == 0 ? 0 : unchecked(this.pairs[0]);
  }

  /** Start of the i-th range from the top (0 = highest); 0 when out of range. */
  startAt(i: i32): u64 {
    if (i < 0 || i >= this.n) return 0;
    return unchecked(this.pairs[(this.n - 1 - i) << 1]);
  }

  /** End (inclusive) of the i-th range from the top (0 = highest); 0 when out of range. */
  endAt(i: i32): u64 {
    if (i < 0 || i >= this.n) return 0;
    return unchecked(this.pairs[((this.n - 1 - i) << 1) + 1]);
  }

  /** Removes every range (capacity and `evictedBelow` are kept). */
  clear(): void {
    this.n = 0;
  }

  /** Is `v` in the set? */
  contains(v: u64): bool {
    const i = this.indexAtOrAbove(v);
    return i < this.n && unchecked(this.pairs[i << 1]) <= v;
  }

  /** Is every value of [start, end] in the set (within one range)? False when start > end. */
  covers(start: u64, end: u64): bool {
    if (start > end) return false;
    const i = this.indexAtOrAbove(start);
    return i < this.n && unchecked(this.pairs[i << 1]) <= start && unchecked(this.pairs[(i << 1) + 1]) >= end;
  }

  /**
   * Adds [start, end] (inclusive), merging with ranges it overlaps or touches.
   * Returns false when nothing was stored: start > end (ignored), or the set
   * was full and the new range was the lowest, so it was the one dropped.
   */
  insert(start: u64, end: u64): bool {
    if (start > end) return false;
    const p = this.pairs;
    const n = this.n;
    // lo: the first range that ends at or after start - 1 (touching counts).
    let lo = n;
    while (lo > 0) {
      const e = unchecked(p[((lo - 1) << 1) + 1]);
      if (start == 0 || e >= start - 1) lo--; else break;
    }
    // hi: one past the last range that starts at or before end + 1.
    let hi = lo;
    while (hi < n) {
      const s = unchecked(p[hi << 1]);
      if (end == u64.MAX_VALUE || s <= end + 1) hi++; else break;
    }
    if (hi > lo) {
      // Merge ranges lo..hi-1 and the new one into range lo.
      const s0 = unchecked(p[lo << 1]);
      const e1 = unchecked(p[((hi - 1) << 1) + 1]);
      unchecked(p[lo << 1] = start < s0 ? start : s0);
      unchecked(p[(lo << 1) + 1] = end > e1 ? end : e1);
      const removed = hi - lo - 1;
      if (removed > 0) {
        this.move(hi, lo + 1, n - hi);
        this.n = n - removed;
      }
      return true;
    }
    // A new range at index lo.
    if (n == this.capacity) {
      if (this.refuseWhenFull) return false;
      if (lo == 0) {
        // Policy: the set is full and the new range is the lowest: drop it.
        this.noteEvicted(end);
        return false;
      }
      // Policy: drop the lowest range to make room.
      this.noteEvicted(unchecked(p[1]));
      this.move(1, 0, lo - 1);
      lo--;
      unchecked(p[lo << 1] = start);
      unchecked(p[(lo << 1) + 1] = end);
      return true;
    }
    const q = this.room();
    this.move(lo, lo + 1, n - lo);
    unchecked(q[lo << 1] = start);
    unchecked(q[(lo << 1) + 1] = end);
    this.n = n + 1;
    return true;
  }

  /**
   * Adds [start, end]; when the set is full (refusing), widens the new range
   * to its nearest neighbour so that it merges: the set then holds a superset
   * of what was inserted.
   */
  insertCoarse(start: u64, end: u64): void {
    if (this.insert(start, end) || start > end || this.n == 0) return;
    const i = this.indexAtOrAbove(start);
    if (i > 0) this.insert(unchecked(this.pairs[(i - 1) << 1]), end);
    else this.insert(start, unchecked(this.pairs[1]));
  }

  /**
   * Removes every value of [start, end]. Returns false (and changes nothing)
   * when that would split a range while the set is full.
   */
  remove(start: u64, end: u64): bool {
    if (start > end) return true;
    let p = this.pairs;
    const i = this.indexAtOrAbove(start);
    if (i >= this.n) return true;
    const s0 = unchecked(p[i << 1]), e0 = unchecked(p[(i << 1) + 1]);
    if (s0 < start && e0 > end) {
      // split range i into [s0, start - 1] and [end + 1, e0]
      if (this.n >= this.capacity) return false;
      p = this.room();
      this.move(i + 1, i + 2, this.n - i - 1);
      unchecked(p[(i << 1) + 1] = start - 1);
      unchecked(p[(i + 1) << 1] = end + 1);
      unchecked(p[((i + 1) << 1) + 1] = e0);
      this.n++;
      return true;
    }
    // trim or drop every range from i that overlaps [start, end]
    let w = i;
    for (let k = i; k < this.n; k++) {
      let s = unchecked(p[k << 1]);
      let e = unchecked(p[(k << 1) + 1]);
      if (s <= end && e >= start) {
        if (s < start) e = start - 1;
        else if (e > end) s = end + 1;
        else continue; // fully covered: dropped
      }
      unchecked(p[w << 1] = s);
      unchecked(p[(w << 1) + 1] = e);
      w++;
    }
    this.n = w;
    return true;
  }

  /** One past the end of the range holding `v` (u64.MAX_VALUE if it ends there), or `v` when none does. */
  coveredUntil(v: u64): u64 {
    const i = this.indexAtOrAbove(v);
    if (i < this.n && unchecked(this.pairs[i << 1]) <= v) {
      const e = unchecked(this.pairs[(i << 1) + 1]);
      return e == u64.MAX_VALUE ? e : e + 1;
    }
    return v;
  }

  /** The start of the first range that starts at or after `v` (u64.MAX_VALUE when none). */
  nextStartAfter(v: u64): u64 {
    for (let k = this.indexAtOrAbove(v); k < this.n; k++) {
      const s = unchecked(this.pairs[k << 1]);
      if (s >= v) return s;
    }
    return u64.MAX_VALUE;
  }

  /** Removes every value below `v` (RFC 9000 §13.2.4: forgetting acknowledged ranges). */
  removeBelow(v: u64): void {
    const p = this.pairs;
    const n = this.n;
    let i = 0;
    while (i < n && unchecked(p[(i << 1) + 1]) < v) i++;
    if (i > 0) {
      this.move(i, 0, n - i);
      this.n = n - i;
    }
    if (this.n > 0 && unchecked(p[0]) < v) unchecked(p[0] = v);
  }

  /** Index of the first range whose end is >= v (n when none), by binary search. */
  private indexAtOrAbove(v: u64): i32 {
    const p = this.pairs;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (unchecked(p[(mid << 1) + 1]) < v) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Moves `count` ranges from index `from` to index `to` (overlap-safe). */
  @inline private move(from: i32, to: i32, count: i32): void {
    if (count <= 0 || from == to) return;
    const base = changetype<usize>(this.pairs);
    memory.copy(base + (<usize>to << 4), base + (<usize>from << 4), <usize>count << 4);
  }

  @inline private noteEvicted(end: u64): void {
    const next = end == u64.MAX_VALUE ? end : end + 1;
    if (next > this.evictedBelow) this.evictedBelow = next;
  }
}
