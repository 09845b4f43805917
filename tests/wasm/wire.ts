// Test entry: exposes assembly/wire/ to tests/wire/*.test.ts.
import { Reader } from "../../assembly/wire/reader";
import { Writer } from "../../assembly/wire/writer";
import { varintLen } from "../../assembly/wire/varint";
export { cabi_realloc } from "../../assembly/api/abi";

/** Reads varints until the input ends; returns them, or null if the last one was truncated. */
export function readVarints(data: Uint8Array): u64[] | null {
  const r = new Reader(data.dataStart, <usize>data.length);
  const out = new Array<u64>();
  while (!r.atEnd) {
    const v = r.varint();
    if (r.failed) return null;
    out.push(v);
  }
  return out;
}

export function writeVarints(values: u64[]): Uint8Array | null {
  const w = new Writer();
  for (let i = 0; i < values.length; i++) w.varint(values[i]);
  if (w.overflow) { w.release(); return null; }
  const out = new Uint8Array(<i32>w.len);
  memory.copy(out.dataStart, w.buf, w.len);
  w.release();
  return out;
}

export function writeVarintN(value: u64, n: i32): Uint8Array | null {
  const w = new Writer();
  w.varintN(value, <usize>n);
  if (w.overflow) { w.release(); return null; }
  const out = new Uint8Array(<i32>w.len);
  memory.copy(out.dataStart, w.buf, w.len);
  w.release();
  return out;
}

export function encodedLen(value: u64): i32 {
  return <i32>varintLen(value);
}

/** Big-endian fixed-width reads in sequence: widths are 1,2,3,4,8; -1 on failure. */
export function readFixed(data: Uint8Array, widths: Int32Array): u64[] | null {
  const r = new Reader(data.dataStart, <usize>data.length);
  const out = new Array<u64>();
  for (let i = 0; i < widths.length; i++) {
    let v: u64 = 0;
    switch (widths[i]) {
      case 1: v = r.u8(); break;
      case 2: v = r.u16(); break;
      case 3: v = r.u24(); break;
      case 4: v = r.u32(); break;
      case 8: v = r.u64(); break;
      default: v = r.uN(<usize>widths[i]);
    }
    if (r.failed) return null;
    out.push(v);
  }
  return out;
}

/** A fixed writer of capacity `cap`: writes `n` bytes of 0xab; returns bytes written, -1 on overflow. */
export function fixedWrite(cap: i32, n: i32): i32 {
  const region = heap.alloc(<usize>cap + 1);
  const w = new Writer().fixed(region, <usize>cap);
  w.fill(0xab, <usize>n);
  const res = w.overflow ? -1 : <i32>w.len;
  heap.free(region);
  return res;
}

import { randomBytes } from "../../assembly/crypto/random";
export function random(n: i32): Uint8Array {
  const out = new Uint8Array(n);
  randomBytes(out.dataStart, <usize>n);
  return out;
}
