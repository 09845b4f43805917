// The canonical ABI's runtime for the generated glue (build/abi/): the
// allocator the host calls (`cabi_realloc`), `Bytes` for `list<u8>` values
// and the helpers that store results. The shims themselves are generated into
// gen/ from wit/; assembly/api/README.md explains the contract.

import { Writer } from "../wire/writer";

/** Component-model allocator: the host allocates argument lists with it. */
export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (newSize == 0) {
    if (oldPtr != 0 && oldSize != 0) heap.free(oldPtr);
    return align; // a non-null, never-dereferenced address for empty lists
  }
  if (oldPtr == 0 || oldSize == 0) return heap.alloc(newSize);
  return heap.realloc(oldPtr, newSize);
}

/** Frees an argument list (ptr, len) once glue is done with it. */
@inline
export function argFree(ptr: usize, len: usize): void {
  if (len != 0) heap.free(ptr);
}

/** A fresh heap block for a result list (never 0 bytes, so it can always be freed). */
@inline
export function allocList(len: usize): usize {
  return heap.alloc(len == 0 ? 1 : len);
}

/** Reads a `string` argument (UTF-8) and frees it. */
export function argString(ptr: usize, len: usize): string {
  const s = String.UTF8.decodeUnsafe(ptr, len, false);
  argFree(ptr, len);
  return s;
}

// ---- runtime of the generated glue (build/abi/gen-as.mjs) ----

/**
 * A `list<u8>` crossing the boundary: a heap block (ptr, len).
 *
 * As an argument it belongs to the implementation for the call: the shim
 * frees it afterwards (`release`) unless the implementation `take()`s the
 * block to keep it, free it itself or hand it back as (part of) the result.
 * As a result it must be an owned heap block (`Bytes.alloc`, `copyOf`,
 * `fromWriter`, `own`): the `__post` export frees it.
 */
@final
export class Bytes {
  ptr: usize;
  len: usize;
  taken: bool = false;
  constructor(ptr: usize, len: usize) {
    this.ptr = ptr;
    this.len = len;
  }
  /** Keeps the block: the shim will not free it. Returns its address. */
  take(): usize {
    this.taken = true;
    return this.ptr;
  }
  /** Called by the shim after the call: frees an argument block not taken. */
  release(): void {
    if (!this.taken) argFree(this.ptr, this.len);
    this.taken = true;
  }
  /** A fresh block of `len` bytes (never 0 bytes, so it can always be freed). */
  static alloc(len: usize): Bytes {
    return new Bytes(allocList(len), len);
  }
  /** An owned heap block (from heap.alloc/realloc, or a taken argument). */
  static own(ptr: usize, len: usize): Bytes {
    return new Bytes(ptr, len);
  }
  static copyOf(src: usize, len: usize): Bytes {
    const b = Bytes.alloc(len);
    if (len != 0) memory.copy(b.ptr, src, len);
    return b;
  }
  static fromArray(a: Uint8Array): Bytes {
    return Bytes.copyOf(a.dataStart, <usize>a.length);
  }
  /** Takes the writer's block (the writer starts again empty). */
  static fromWriter(w: Writer): Bytes {
    const len = w.len;
    return new Bytes(w.take(), len);
  }
  static empty(): Bytes {
    return Bytes.alloc(0);
  }
  /** A managed copy (for code that keeps the bytes beyond the call). */
  toArray(): Uint8Array {
    const out = new Uint8Array(<i32>this.len);
    if (this.len != 0) memory.copy(out.dataStart, this.ptr, this.len);
    return out;
  }
}

/**
 * Called by a shim whose `list<u8>` arguments are large: collects the garbage
 * of earlier calls first, so the allocator reuses their blocks and the core's
 * high-water mark stays near the input plus one output batch (a 1 MiB decode
 * in 256 KiB batches: +2.5 MiB instead of +5.25 MiB), at the cost of one
 * collection per large call.
 */
export const LARGE_ARGUMENT: usize = 1 << 16;
export function collectBeforeLarge(bytes: usize): void {
  if (bytes >= LARGE_ARGUMENT) __collect();
}

/** Stores a result list at `addr` (ptr, len). */
@inline
export function storeBytes(addr: usize, b: Bytes): void {
  store<u32>(addr, <u32>b.ptr);
  store<u32>(addr, <u32>b.len, 4);
}

/** Stores a string result at `addr` as a fresh UTF-8 heap list. */
export function storeString(addr: usize, s: string): void {
  const n = <usize>String.UTF8.byteLength(s, false);
  const p = allocList(n);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, p, false);
  store<u32>(addr, <u32>p);
  store<u32>(addr, <u32>n, 4);
}

/**
 * The core's abort: AssemblyScript calls it on a failed assertion or an
 * out-of-bounds access to a managed array. Network input must never get here
 * (ARCHITECTURE.md: no input can trap the core); if it does, it is a bug.
 */
export function coreAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
