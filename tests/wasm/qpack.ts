// Test entry: exposes assembly/h3/qpack/ to tests/h3/qpack/*.test.ts.
import { Reader } from "../../assembly/wire/reader";
import { Writer } from "../../assembly/wire/writer";
import { huffmanDecode as hDecode, huffmanDecodedBound, huffmanEncode as hEncode, huffmanEncodedLen } from "../../assembly/h3/qpack/huffman";
import { readPrefixInt, PrefixInt, INT_OK, writePrefixInt } from "../../assembly/h3/qpack/integer";
import { Encoder } from "../../assembly/h3/qpack/encoder";
import { Decoder } from "../../assembly/h3/qpack/decoder";
import { HUFFMAN_NEVER, HUFFMAN_SHORTER } from "../../assembly/h3/qpack/string";
import {
  writeSectionPrefix, writeIndexed, writeIndexedPostBase, writeLiteralNameRef, writeLiteralPostBaseNameRef, writeLiteralName,
} from "../../assembly/h3/qpack/representation";
import { staticLookup, staticNameLookup } from "../../assembly/h3/qpack/static_table";
import { hashBytes, hashValue } from "../../assembly/h3/qpack/hash";
export { cabi_realloc } from "../../assembly/api/abi";

function bytesOf(w: Writer): Uint8Array {
  const out = new Uint8Array(<i32>w.len);
  if (w.len) memory.copy(out.dataStart, w.buf, w.len);
  return out;
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

// ---- Huffman ----

export function huffmanEncode(data: Uint8Array): Uint8Array {
  const n = huffmanEncodedLen(data.dataStart, <usize>data.length);
  const out = new Uint8Array(<i32>n);
  const m = hEncode(data.dataStart, <usize>data.length, out.dataStart);
  return m == n ? out : new Uint8Array(0);
}

export function huffmanDecode(data: Uint8Array): Uint8Array | null {
  const tmp = heap.alloc(huffmanDecodedBound(<usize>data.length));
  const n = hDecode(data.dataStart, <usize>data.length, tmp);
  if (n < 0) { heap.free(tmp); return null; }
  const out = new Uint8Array(<i32>n);
  memory.copy(out.dataStart, tmp, <usize>n);
  heap.free(tmp);
  return out;
}

// ---- prefixed integers ----

export function intEncode(v: u64, prefixBits: i32, flags: i32): Uint8Array {
  const w = new Writer();
  writePrefixInt(w, <u32>flags, v, <u32>prefixBits);
  const out = bytesOf(w);
  w.release();
  return out;
}

let intUsed: i32 = 0;
const decoded = new PrefixInt();
/** Decodes a prefixed integer: the value, or -1 truncated, -2 overflow. */
export function intDecode(data: Uint8Array, prefixBits: i32): i64 {
  const r = new Reader(data.dataStart, <usize>data.length);
  const first = <u32>r.u8();
  if (r.failed) return -1;
  const st = readPrefixInt(r, first, <u32>prefixBits, decoded);
  intUsed = <i32>r.offset;
  if (st != INT_OK) return -st; // 1 truncated, 2 overflow
  return <i64>decoded.value;
}
export function intDecodedLength(): i32 { return intUsed; }

// ---- static table ----

/** [exact index or -1, name index or -1] */
export function staticFind(name: string, value: string): i32[] {
  const n = utf8(name), v = utf8(value);
  const nh = hashBytes(n.dataStart, <usize>n.length);
  const ni = staticNameLookup(n.dataStart, <usize>n.length, nh);
  const e = ni < 0 ? -1 : staticLookup(n.dataStart, <usize>n.length, v.dataStart, <usize>v.length, hashValue(nh, v.dataStart, <usize>v.length));
  return [e, ni];
}

// ---- encoder ----

let enc: Encoder = new Encoder(0, 0, 0);

export function encNew(peerMaxCapacity: u32, blocked: u32, capacity: u32, huffman: bool): void {
  enc.dispose();
  enc = new Encoder(peerMaxCapacity, blocked, capacity);
  enc.huffman = huffman ? HUFFMAN_SHORTER : HUFFMAN_NEVER;
}
export function encTakeStream(): Uint8Array {
  const out = bytesOf(enc.encoderStream);
  enc.encoderStream.clear();
  return out;
}
export function encSetCapacity(c: u32): Uint8Array { enc.setCapacity(<usize>c); return encTakeStream(); }
export function encInsertNameRef(isStatic: bool, index: u64, value: string): Uint8Array {
  const v = utf8(value);
  let np: usize = 0, nl: usize = 0;
  // name bytes come from the referenced entry; insertWithNameRef copies them
  const name = isStatic ? staticName(<i32>index) : dynName(index);
  np = name.dataStart; nl = <usize>name.length;
  enc.insertWithNameRef(isStatic, index, np, nl, v.dataStart, <usize>v.length);
  return encTakeStream();
}
function staticName(i: i32): Uint8Array {
  const out = new Uint8Array(<i32>staticNameLenOf(i));
  memory.copy(out.dataStart, staticNamePtrOf(i), <usize>out.length);
  return out;
}
import { staticNamePtr as staticNamePtrOf, staticNameLen as staticNameLenOf } from "../../assembly/h3/qpack/static_table";
import { entryName, entryNameLen } from "../../assembly/h3/qpack/dynamic_table";
function dynName(abs: u64): Uint8Array {
  const e = enc.table.entry(abs);
  const out = new Uint8Array(<i32>entryNameLen(e));
  memory.copy(out.dataStart, entryName(e), <usize>out.length);
  return out;
}
export function encInsertLiteral(name: string, value: string): Uint8Array {
  const n = utf8(name), v = utf8(value);
  enc.insertWithLiteralName(n.dataStart, <usize>n.length, v.dataStart, <usize>v.length);
  return encTakeStream();
}
export function encDuplicate(abs: u64): Uint8Array { enc.duplicate(abs); return encTakeStream(); }
export function encCanInsert(size: u32): bool { return enc.canInsert(<usize>size); }
/** Encodes a packed field list; the section bytes, or null on error. */
export function encEncode(streamId: u64, fields: Uint8Array): Uint8Array | null {
  if (enc.encodeSection(streamId, fields.dataStart, <usize>fields.length) != 0) return null;
  return bytesOf(enc.section);
}
export function encFeed(data: Uint8Array): i32 { return <i32>enc.feedDecoderStream(data.dataStart, <usize>data.length); }
export function encKnownReceived(): u64 { return enc.knownReceived; }
export function encInsertCount(): u64 { return enc.table.insertCount; }
export function encDropped(): u64 { return enc.table.dropped; }
export function encTableSize(): u32 { return <u32>enc.table.size; }
export function encOutstanding(): i32 { return enc.outstandingCount; }

// ---- section builder (representation writers) ----

const sec = new Writer();
export function secBegin(ric: u64, base: u64, maxCapacity: u32): void { sec.clear(); writeSectionPrefix(sec, ric, base, <usize>maxCapacity); }
export function secIndexed(isStatic: bool, index: u64): void { writeIndexed(sec, isStatic, index); }
export function secIndexedPostBase(index: u64): void { writeIndexedPostBase(sec, index); }
export function secLiteralNameRef(isStatic: bool, index: u64, value: string, huffman: bool): void {
  const v = utf8(value);
  writeLiteralNameRef(sec, false, isStatic, index, v.dataStart, <usize>v.length, huffman ? HUFFMAN_SHORTER : HUFFMAN_NEVER);
}
export function secLiteralPostBaseNameRef(index: u64, value: string, huffman: bool): void {
  const v = utf8(value);
  writeLiteralPostBaseNameRef(sec, false, index, v.dataStart, <usize>v.length, huffman ? HUFFMAN_SHORTER : HUFFMAN_NEVER);
}
export function secLiteralName(name: string, value: string, huffman: bool): void {
  const n = utf8(name), v = utf8(value);
  writeLiteralName(sec, false, n.dataStart, <usize>n.length, v.dataStart, <usize>v.length, huffman ? HUFFMAN_SHORTER : HUFFMAN_NEVER);
}
export function secEnd(): Uint8Array { return bytesOf(sec); }

// ---- decoder ----

let dec: Decoder = new Decoder(0, 0, u64.MAX_VALUE);

export function decNew(maxCapacity: u32, blocked: u32, maxFieldSectionSize: u64): void {
  dec.dispose();
  dec = new Decoder(maxCapacity, blocked, maxFieldSectionSize == 0 ? u64.MAX_VALUE : maxFieldSectionSize);
}
export function decFeed(data: Uint8Array): i32 { return <i32>dec.feedEncoderStream(data.dataStart, <usize>data.length); }
export function decBuffered(): u32 { return <u32>dec.bufferedEncoderBytes; }
export function decBufferLimit(): u32 { return <u32>dec.encoderBufferLimit(); }
export function decTableSize(): u32 { return <u32>dec.table.size; }
export function decInsertCount(): u64 { return dec.table.insertCount; }
/** The decoder's status as before codes were u64: 0, -1 blocked (DECODE_BLOCKED), or the error code. */
export function decDecode(streamId: u64, data: Uint8Array): i32 { return <i32>dec.decodeSection(streamId, data.dataStart, <usize>data.length); }
export function decResume(streamId: u64): i32 { return <i32>dec.resume(streamId); }
export function decUnblocked(): u64[] { return dec.takeUnblocked(); }
export function decFields(): Uint8Array { return bytesOf(dec.fields); }
export function decTakeStream(): Uint8Array {
  const w = new Writer();
  dec.takeDecoderStream(w);
  const out = bytesOf(w);
  w.release();
  return out;
}
export function decCancel(streamId: u64): void { dec.cancelStream(streamId); }

/** Bytes of linear memory (for the memory-bound tests). */
export function memoryBytes(): u32 { return <u32>memory.size() << 16; }

// ---- core-only benchmark loops (bench/qpack.bench.mjs): no component glue ----

/** Encodes the corpus (packed sections at `offs[i]..offs[i+1]`) `iters` times, each with a fresh encoder and immediate acknowledgments; returns the encoded bytes of one pass. */
export function benchEncode(all: Uint8Array, offs: Uint32Array, iters: i32, table: u32, blocked: u32): f64 {
  let bytes: usize = 0;
  for (let it = 0; it < iters; it++) {
    bytes = 0;
    const e = new Encoder(table, blocked, table);
    for (let i = 0; i < offs.length - 1; i++) {
      const id = <u64>(i + 1);
      e.encodeSection(id, all.dataStart + <usize>offs[i], <usize>(offs[i + 1] - offs[i]));
      bytes += e.encoderStream.len + e.section.len;
      e.encoderStream.clear();
      if (e.lastRequiredInsertCount > 0) e.ackSection(id);
      if (e.table.insertCount > e.knownReceived) e.insertCountIncrement(e.table.insertCount - e.knownReceived);
    }
    e.dispose();
  }
  return <f64>bytes;
}

const recEs: Uint8Array[] = [];
const recSec: Uint8Array[] = [];
/** Encodes the corpus once and keeps the records for benchDecode. */
export function benchDecodeSetup(all: Uint8Array, offs: Uint32Array, table: u32, blocked: u32): void {
  recEs.length = 0;
  recSec.length = 0;
  const e = new Encoder(table, blocked, table);
  for (let i = 0; i < offs.length - 1; i++) {
    const id = <u64>(i + 1);
    e.encodeSection(id, all.dataStart + <usize>offs[i], <usize>(offs[i + 1] - offs[i]));
    recEs.push(bytesOf(e.encoderStream));
    recSec.push(bytesOf(e.section));
    e.encoderStream.clear();
    if (e.lastRequiredInsertCount > 0) e.ackSection(id);
    if (e.table.insertCount > e.knownReceived) e.insertCountIncrement(e.table.insertCount - e.knownReceived);
  }
  e.dispose();
}

/** Decodes the records `iters` times with fresh decoders; returns the decoded field bytes of one pass (or -1 on error). */
export function benchDecode(iters: i32, table: u32, blocked: u32): f64 {
  let out: usize = 0;
  const ds = new Writer();
  for (let it = 0; it < iters; it++) {
    out = 0;
    const d = new Decoder(table, blocked, u64.MAX_VALUE);
    for (let i = 0; i < recSec.length; i++) {
      const es = unchecked(recEs[i]);
      if (es.length) d.feedEncoderStream(es.dataStart, <usize>es.length);
      const s = unchecked(recSec[i]);
      if (d.decodeSection(<u64>(i + 1), s.dataStart, <usize>s.length) != 0) return -1;
      out += d.fields.len;
      ds.clear();
      d.takeDecoderStream(ds);
    }
    d.dispose();
  }
  ds.release();
  return <f64>out;
}
