// Sorted, disjoint, non-adjacent half-open ranges [start, end) of u64 offsets
// with a fixed capacity: the bookkeeping of stream reassembly (stream_recv.ts)
// and of acknowledged / lost stream data (stream_send.ts). No allocation after
// construction; an insert that would need more than `capacity` ranges is
// refused (`insert`) or coarsened (`insertCoarse`), never grown.

export class RangeSet {
  /** starts at [2i], ends at [2i + 1] */
  private r: StaticArray<u64>;
  private n: i32 = 0;
  readonly capacity: i32;

  constructor(capacity: i32) {
    const cap = capacity < 1 ? 1 : (capacity > 0x10000 ? 0x10000 : capacity);
    this.r = new StaticArray<u64>(cap * 2);
    this.capacity = cap;
  }

  get count(): i32 { return this.n; }
  get isEmpty(): bool { return this.n == 0; }

  /** Start of range i (0 when out of bounds). */
  start(i: i32): u64 { return i >= 0 && i < this.n ? unchecked(this.r[i * 2]) : 0; }
  /** End (exclusive) of range i (0 when out of bounds). */
  end(i: i32): u64 { return i >= 0 && i < this.n ? unchecked(this.r[i * 2 + 1]) : 0; }

  clear(): void { this.n = 0; }

  /** The first index whose end >= `start` (ranges that touch or follow `start`). */
  private lowerIndex(start: u64): i32 {
    let lo = 0, hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (unchecked(this.r[mid * 2 + 1]) < start) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /**
   * Adds [start, end), merging with overlapping or adjacent ranges. Returns
   * false (and changes nothing) when that would need more than `capacity` ranges.
   */
  insert(start: u64, end: u64): bool {
    if (end <= start) return true;
    const i = this.lowerIndex(start);
    // j: one past the last range whose start <= end
    let j = i;
    while (j < this.n && unchecked(this.r[j * 2]) <= end) j++;
    if (i == j) {
      if (this.n >= this.capacity) return false;
      for (let k = this.n; k > i; k--) {
        unchecked(this.r[k * 2] = this.r[k * 2 - 2]);
        unchecked(this.r[k * 2 + 1] = this.r[k * 2 - 1]);
      }
      unchecked(this.r[i * 2] = start);
      unchecked(this.r[i * 2 + 1] = end);
      this.n++;
      return true;
    }
    const s = min(start, unchecked(this.r[i * 2]));
    const e = max(end, unchecked(this.r[(j - 1) * 2 + 1]));
    unchecked(this.r[i * 2] = s);
    unchecked(this.r[i * 2 + 1] = e);
    const removed = j - i - 1;
    if (removed > 0) {
      for (let k = i + 1; k + removed < this.n; k++) {
        unchecked(this.r[k * 2] = this.r[(k + removed) * 2]);
        unchecked(this.r[k * 2 + 1] = this.r[(k + removed) * 2 + 1]);
      }
      this.n -= removed;
    }
    return true;
  }

  /**
   * Adds [start, end); when the set is full, widens the new range to its
   * nearest neighbour so that it merges (the set then covers a superset of
   * what was inserted). For sets where over-approximation is harmless
   * (data to retransmit).
   */
  insertCoarse(start: u64, end: u64): void {
    if (this.insert(start, end)) return;
    const i = this.lowerIndex(start);
    if (i > 0) this.insert(unchecked(this.r[(i - 1) * 2]), end);
    else this.insert(start, unchecked(this.r[1]));
  }

  /**
   * Removes [start, end). Returns false (and changes nothing) when that would
   * split a range with the set full.
   */
  remove(start: u64, end: u64): bool {
    if (end <= start) return true;
    let i = this.lowerIndex(start);
    if (i < this.n && unchecked(this.r[i * 2 + 1]) == start) i++;
    if (i >= this.n) return true;
    const s0 = unchecked(this.r[i * 2]);
    const e0 = unchecked(this.r[i * 2 + 1]);
    if (s0 < start && e0 > end) {
      // split range i into [s0, start) and [end, e0)
      if (this.n >= this.capacity) return false;
      for (let k = this.n; k > i + 1; k--) {
        unchecked(this.r[k * 2] = this.r[k * 2 - 2]);
        unchecked(this.r[k * 2 + 1] = this.r[k * 2 - 1]);
      }
      unchecked(this.r[i * 2 + 1] = start);
      unchecked(this.r[(i + 1) * 2] = end);
      unchecked(this.r[(i + 1) * 2 + 1] = e0);
      this.n++;
      return true;
    }
    // trim or drop every range from i that overlaps [start, end)
    let w = i;
    for (let k = i; k < this.n; k++) {
      let s = unchecked(this.r[k * 2]);
      let e = unchecked(this.r[k * 2 + 1]);
      if (s < end && e > start) {
        if (s < start) { e = start; }
        else if (e > end) { s = end; }
        else continue; // fully covered: drop
      }
      unchecked(this.r[w * 2] = s);
      unchecked(this.r[w * 2 + 1] = e);
      w++;
    }
    this.n = w;
    return true;
  }

  /** Removes everything below `offset`. */
  removeBelow(offset: u64): void {
    if (this.n == 0 || unchecked(this.r[0]) >= offset) return;
    this.remove(0, offset);
  }

  /** The end of the range containing `offset`, or `offset` when none does. */
  coveredUntil(offset: u64): u64 {
    const i = this.lowerIndex(offset);
    if (i < this.n && unchecked(this.r[i * 2]) <= offset && unchecked(this.r[i * 2 + 1]) > offset) {
      return unchecked(this.r[i * 2 + 1]);
    }
    return offset;
  }

  /** The start of the first range at or after `offset` (u64.MAX_VALUE when none). */
  nextStartAfter(offset: u64): u64 {
    const i = this.lowerIndex(offset);
    for (let k = i; k < this.n; k++) {
      const s = unchecked(this.r[k * 2]);
      if (s >= offset) return s;
    }
    return u64.MAX_VALUE;
  }
}
