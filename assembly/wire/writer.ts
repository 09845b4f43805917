// A write cursor over linear memory, in one of two modes:
//
//  - growable: owns a heap block (heap.alloc) that doubles as needed; used for
//    results handed across the component boundary (see api/abi.ts, which can
//    take ownership of the block with `take()`), and for encoders whose output
//    size is not known in advance.
//  - fixed: writes into a caller's region (a datagram buffer); a write that
//    does not fit sets the sticky `overflow` flag and writes nothing, so a
//    packet builder can check once.

import { varintLen, VARINT_MAX } from "./varint";

@final
export class Writer {
  buf: usize = 0;
  len: usize = 0;
  cap: usize = 0;
  growable: bool = true;
  /** Sticky: a write did not fit (fixed mode) or a value was out of range. */
  overflow: bool = false;

  constructor(initialCapacity: usize = 0) {
    if (initialCapacity > 0) {
      this.buf = heap.alloc(initialCapacity);
      this.cap = initialCapacity;
    }
  }

  /** Points the writer at a caller-owned region; nothing is ever freed. */
  fixed(ptr: usize, cap: usize): Writer {
    this.release();
    this.buf = ptr;
    this.cap = cap;
    this.len = 0;
    this.growable = false;
    this.overflow = false;
    return this;
  }

  /** Back to an empty growable buffer (keeps an owned block for reuse). */
  clear(): Writer {
    if (!this.growable) { this.buf = 0; this.cap = 0; this.growable = true; }
    this.len = 0;
    this.overflow = false;
    return this;
  }

  /** Frees an owned block. */
  release(): void {
    if (this.growable && this.buf != 0) heap.free(this.buf);
    this.buf = 0;
    this.cap = 0;
    this.len = 0;
  }

  /**
   * Hands the owned block to the caller (who frees it with heap.free) and
   * leaves the writer empty. The block has at least one byte so that an
   * empty result still has a valid, freeable pointer.
   */
  take(): usize {
    if (this.buf == 0) this.ensure(1);
    const p = this.buf;
    this.buf = 0;
    this.cap = 0;
    this.len = 0;
    return p;
  }

  /** Address of the next byte to be written. */
  @inline get ptr(): usize {
    return this.buf + this.len;
  }

  @inline get available(): usize {
    return this.cap - this.len;
  }

  /** Makes room for `n` more bytes; false (and `overflow`) when it cannot. */
  ensure(n: usize): bool {
    if (n <= this.cap - this.len) return true;
    if (!this.growable) { this.overflow = true; return false; }
    let cap = this.cap < 64 ? <usize>64 : this.cap;
    while (cap - this.len < n) cap <<= 1;
    this.buf = this.buf == 0 ? heap.alloc(cap) : heap.realloc(this.buf, cap);
    this.cap = cap;
    return true;
  }

  @inline u8(v: u32): void {
    if (!this.ensure(1)) return;
    store<u8>(this.buf + this.len, <u8>v);
    this.len += 1;
  }

  @inline u16(v: u32): void {
    if (!this.ensure(2)) return;
    store<u16>(this.buf + this.len, bswap<u16>(<u16>v));
    this.len += 2;
  }

  u24(v: u32): void {
    if (!this.ensure(3)) return;
    const p = this.buf + this.len;
    store<u8>(p, <u8>(v >> 16));
    store<u8>(p, <u8>(v >> 8), 1);
    store<u8>(p, <u8>v, 2);
    this.len += 3;
  }

  @inline u32(v: u32): void {
    if (!this.ensure(4)) return;
    store<u32>(this.buf + this.len, bswap<u32>(v));
    this.len += 4;
  }

  @inline u64(v: u64): void {
    if (!this.ensure(8)) return;
    store<u64>(this.buf + this.len, bswap<u64>(v));
    this.len += 8;
  }

  /** Big-endian unsigned integer in exactly `n` bytes (1..8). */
  uN(v: u64, n: usize): void {
    if (!this.ensure(n)) return;
    const p = this.buf + this.len;
    for (let i: usize = 0; i < n; i++) store<u8>(p + i, <u8>(v >> (<u64>(n - 1 - i) * 8)));
    this.len += n;
  }

  /** RFC 9000 §16: shortest varint encoding; values above 2^62-1 set overflow. */
  varint(v: u64): void {
    const n = varintLen(v);
    if (n == 0) { this.overflow = true; return; }
    this.varintN(v, n);
  }

  /** A varint in exactly `n` bytes (1, 2, 4 or 8), e.g. for a length patched later. */
  varintN(v: u64, n: usize): void {
    if (v > VARINT_MAX || (n < 8 && v >= (<u64>1 << (<u64>n * 8 - 2)))) { this.overflow = true; return; }
    if (!this.ensure(n)) return;
    const p = this.buf + this.len;
    switch (<i32>n) {
      case 1: store<u8>(p, <u8>v); break;
      case 2: store<u16>(p, bswap<u16>(<u16>v | 0x4000)); break;
      case 4: store<u32>(p, bswap<u32>(<u32>v | 0x80000000)); break;
      case 8: store<u64>(p, bswap<u64>(v | 0xc000000000000000)); break;
      default: this.overflow = true; return;
    }
    this.len += n;
  }

  /** Overwrites a varint of exactly `n` bytes at `offset` (a length placeholder). */
  patchVarint(offset: usize, v: u64, n: usize): void {
    const saved = this.len;
    this.len = offset;
    this.varintN(v, n);
    this.len = saved;
  }

  bytes(src: usize, n: usize): void {
    if (n == 0 || !this.ensure(n)) return;
    memory.copy(this.buf + this.len, src, n);
    this.len += n;
  }

  /** Reserves `n` bytes and returns their address (0 on overflow). */
  reserve(n: usize): usize {
    if (!this.ensure(n)) return 0;
    const p = this.buf + this.len;
    this.len += n;
    return p;
  }

  fill(byte: u8, n: usize): void {
    if (n == 0 || !this.ensure(n)) return;
    memory.fill(this.buf + this.len, byte, n);
    this.len += n;
  }
}
