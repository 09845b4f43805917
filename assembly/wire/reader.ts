// A checked read cursor over a region of linear memory (quiche's `octets`).
//
// Every read costs one unsigned compare against `end`. A read past the end
// does not trap: it returns 0 and sets the sticky `failed` flag, so a parser
// can read a whole structure and check `failed` once at the end. Parsers never
// touch raw pointers themselves; they go through this type.

import { VARINT_MAX } from "./varint";

@final
export class Reader {
  /** First byte of the region (kept so `offset` can be reported). */
  start: usize = 0;
  /** Next byte to read. */
  pos: usize = 0;
  /** One past the last readable byte. */
  end: usize = 0;
  /** Sticky: set by the first read that ran past `end`. */
  failed: bool = false;

  constructor(start: usize = 0, len: usize = 0) {
    this.start = start;
    this.pos = start;
    this.end = start + len;
  }

  @inline reset(start: usize, len: usize): Reader {
    this.start = start;
    this.pos = start;
    this.end = start + len;
    this.failed = false;
    return this;
  }

  @inline get remaining(): usize {
    return this.end - this.pos;
  }

  @inline get offset(): usize {
    return this.pos - this.start;
  }

  @inline get atEnd(): bool {
    return this.pos >= this.end;
  }

  /** Marks the reader failed and makes every later read fail too. */
  @inline fail(): void {
    this.failed = true;
    this.pos = this.end;
  }

  /** True when `n` more bytes can be read; never moves the cursor. */
  @inline has(n: usize): bool {
    return n <= this.end - this.pos;
  }

  @inline u8(): u8 {
    const p = this.pos;
    if (p >= this.end) { this.fail(); return 0; }
    this.pos = p + 1;
    return load<u8>(p);
  }

  @inline peekU8(): u8 {
    const p = this.pos;
    if (p >= this.end) return 0;
    return load<u8>(p);
  }

  @inline u16(): u16 {
    const p = this.pos;
    if (this.end - p < 2) { this.fail(); return 0; }
    this.pos = p + 2;
    return bswap<u16>(load<u16>(p));
  }

  u24(): u32 {
    const p = this.pos;
    if (this.end - p < 3) { this.fail(); return 0; }
    this.pos = p + 3;
    return (<u32>load<u8>(p) << 16) | (<u32>load<u8>(p, 1) << 8) | <u32>load<u8>(p, 2);
  }

  @inline u32(): u32 {
    const p = this.pos;
    if (this.end - p < 4) { this.fail(); return 0; }
    this.pos = p + 4;
    return bswap<u32>(load<u32>(p));
  }

  @inline u64(): u64 {
    const p = this.pos;
    if (this.end - p < 8) { this.fail(); return 0; }
    this.pos = p + 8;
    return bswap<u64>(load<u64>(p));
  }

  /** Big-endian unsigned integer of `n` bytes (0..8); packet numbers use this. */
  uN(n: usize): u64 {
    const p = this.pos;
    if (n > this.end - p || n > 8) { this.fail(); return 0; }
    let v: u64 = 0;
    for (let i: usize = 0; i < n; i++) v = (v << 8) | <u64>load<u8>(p + i);
    this.pos = p + n;
    return v;
  }

  /**
   * RFC 9000 §16: a variable-length integer. The two most significant bits of
   * the first byte give the length (1, 2, 4 or 8 bytes).
   */
  varint(): u64 {
    const p = this.pos;
    if (p >= this.end) { this.fail(); return 0; }
    const first = load<u8>(p);
    const len = <usize>1 << (first >> 6);
    if (len > this.end - p) { this.fail(); return 0; }
    this.pos = p + len;
    switch (<i32>len) {
      case 1: return <u64>first;
      case 2: return <u64>(bswap<u16>(load<u16>(p)) & 0x3fff);
      case 4: return <u64>(bswap<u32>(load<u32>(p)) & 0x3fffffff);
      default: return bswap<u64>(load<u64>(p)) & VARINT_MAX;
    }
  }

  /** Skips `n` bytes; returns the address where they started (0 on failure). */
  @inline skip(n: usize): usize {
    const p = this.pos;
    if (n > this.end - p) { this.fail(); return 0; }
    this.pos = p + n;
    return p;
  }

  /**
   * Returns the address of the next `n` bytes and advances past them; the
   * caller reads them in place (no copy). 0 and `failed` when too short.
   */
  @inline bytes(n: usize): usize {
    return this.skip(n);
  }

  /** A reader over the next `n` bytes; this reader moves past them. */
  sub(n: usize, into: Reader): Reader {
    const p = this.skip(n);
    if (this.failed) {
      into.reset(this.end, 0);
      into.failed = true;
      return into;
    }
    return into.reset(p, n);
  }
}
