// The byte rings of stream send and receive buffers (stream_send.ts,
// stream_recv.ts): indexed by stream offset modulo their size, allocated at
// the first byte, grown by doubling as the data held needs it, never past the
// buffer's capacity — so memory follows what is in flight, not the window.

import { RING_MIN } from "./constants";

/**
 * The size a ring of `size` bytes (`ring` 0: none allocated; `size` then is
 * the size it had before it was released, or 0) grows to so that it holds
 * `need` bytes: the first allocation is the smallest power of two from
 * RING_MIN that fits (a released ring comes back at its last size, so a bulk
 * stream that drains it often does not grow it again each time), then it
 * doubles; at most `capacity`.
 */
export function ringSizeFor(ring: usize, size: u64, need: u64, capacity: u64): u64 {
  let s: u64 = ring == 0 ? (size != 0 ? size : RING_MIN) : size << 1;
  while (s < need) s <<= 1;
  return s > capacity ? capacity : s;
}

/**
 * A new ring of `size` bytes holding the stream bytes [from, to) of `ring`
 * (of `oldSize` bytes; 0: none), which is freed. Returns the new ring.
 */
export function regrowRing(ring: usize, oldSize: u64, size: u64, from: u64, to: u64): usize {
  const next = heap.alloc(<usize>size);
  if (ring != 0) {
    let off = from;
    while (off < to) {
      const a = off % oldSize;
      const b = off % size;
      const n = min(to - off, min(oldSize - a, size - b));
      memory.copy(next + <usize>b, ring + <usize>a, <usize>n);
      off += n;
    }
    heap.free(ring);
  }
  return next;
}
