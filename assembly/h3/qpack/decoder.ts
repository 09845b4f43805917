// RFC 9204 §2.2: the QPACK decoder.
//
// Inputs (in any order the network delivers them):
//   feedEncoderStream(bytes)      encoder-stream instructions (§4.3), possibly cut
//                                 anywhere; partial instructions are buffered up to
//                                 a bound tied to the table capacity.
//   decodeSection(stream, bytes)  one encoded field section (§4.5), the payload of
//                                 a HEADERS frame. Returns DECODE_OK (lines in
//                                 `fields`), DECODE_BLOCKED (kept until the inserts
//                                 it needs arrive, §2.1.2) or an error code.
//   cancelStream(stream)          the stream was reset or abandoned (§4.4.2).
// Outputs:
//   fields                        packed field lines of the last decoded section
//                                 (field_list.ts), valid until the next decode.
//   takeUnblocked()/resume(id)    after feedEncoderStream: streams whose blocked
//                                 section can now be decoded; resume decodes it.
//   takeDecoderStream(w)          decoder-stream instructions to send (§4.4).
//
// Errors are wire codes (errors.ts). QPACK_ENCODER_STREAM_ERROR and
// QPACK_DECOMPRESSION_FAILED are connection errors and leave the decoder
// failed (every later call returns the same code); H3_EXCESSIVE_LOAD (field
// section over SETTINGS_MAX_FIELD_SECTION_SIZE) only concerns that section.
//
// Memory: the dynamic table never exceeds maxTableCapacity (entries take at
// most their RFC size, since a heap block's overhead < 32); buffered encoder
// stream bytes never exceed encoderBufferLimit(); blocked sections are at most
// maxBlockedStreams, each the size of the HEADERS frame the H3 layer accepted.

import { Reader } from "../../wire/reader";
import { Writer } from "../../wire/writer";
import { DynamicTable, entryName, entryNameLen, entryValue, entryValueLen, ENTRY_OVERHEAD } from "./dynamic_table";
import { readPrefixInt, PrefixInt, INT_OK, INT_TRUNCATED, writePrefixInt } from "./integer";
import { readString, STR_OK, STR_TRUNCATED, STR_TOO_LONG } from "./string";
import { staticValid, staticNamePtr, staticNameLen, staticValuePtr, staticValueLen } from "./static_table";
import { FIELD_HEADER } from "./field_list";
import { QPACK_DECOMPRESSION_FAILED, QPACK_ENCODER_STREAM_ERROR, H3_EXCESSIVE_LOAD } from "../errors";

/**
 * What decodeSection / resume return besides an error code (errors.ts):
 * decoded, or blocked (kept apart from the codes: those are varints,
 * < 2^62, so no code equals DECODE_BLOCKED).
 */
export const DECODE_OK: u64 = 0;
export const DECODE_BLOCKED: u64 = u64.MAX_VALUE;

/** Blocked field sections held per allowed blocked stream (a memory bound). */
const MAX_BLOCKED_PER_STREAM: u32 = 4;

const PARSE_OK: u64 = 0;
/** The instruction continues in bytes not received yet (not an error code). */
const PARSE_INCOMPLETE: u64 = u64.MAX_VALUE;

class BlockedSection {
  constructor(public streamId: u64, public ric: u64, public ptr: usize, public len: usize) {}
}

export class Decoder {
  readonly table: DynamicTable;
  /** Our SETTINGS_QPACK_BLOCKED_STREAMS (§2.1.2). */
  readonly maxBlockedStreams: u32;
  /** Our SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2); u64 max = unlimited. */
  readonly maxFieldSectionSize: u64;
  /** Decoded field lines of the last section (field_list.ts layout). */
  readonly fields: Writer = new Writer();
  /** The sticky connection error (0 = none). */
  error: u64 = 0;
  /** A short reason for the last error. */
  reason: string = "";
  /** Known Received Count as the encoder will compute it from what we sent (§2.1.4). */
  private acked: u64 = 0;
  private decoderStream: Writer = new Writer();
  private pending: Writer = new Writer();
  private scratch: Writer = new Writer();
  private blocked: BlockedSection[] = [];
  private unblocked: u64[] = [];
  private r: Reader = new Reader();
  private int: PrefixInt = new PrefixInt();
  /** Size (RFC 9114 §4.2.2) of the section being decoded. */
  private sectionSize: u64 = 0;

  constructor(maxTableCapacity: u32, maxBlockedStreams: u32, maxFieldSectionSize: u64) {
    this.table = new DynamicTable(<usize>maxTableCapacity);
    this.maxBlockedStreams = maxBlockedStreams;
    this.maxFieldSectionSize = maxFieldSectionSize;
  }

  dispose(): void {
    this.table.dispose();
    for (let i = 0; i < this.blocked.length; i++) heap.free(unchecked(this.blocked[i]).ptr);
    this.blocked.length = 0;
    this.fields.release();
    this.decoderStream.release();
    this.pending.release();
    this.scratch.release();
  }

  /**
   * The most bytes of one incomplete encoder instruction we hold. A valid
   * instruction carries at most one entry (<= the current capacity, §3.2.2),
   * each string byte Huffman-coded in at most 30 bits (< 4 bytes), plus
   * three integers. Sized by the capacity in use, not the maximum, so that a
   * large SETTINGS_QPACK_MAX_TABLE_CAPACITY does not let a peer park more
   * than the table it has filled (capacity <= MAX_TABLE_CAPACITY: no overflow).
   */
  @inline encoderBufferLimit(): usize {
    return <usize>(<u64>this.table.capacity * 4 + 64);
  }

  /** Number of blocked sections held. */
  @inline get blockedCount(): i32 { return this.blocked.length; }

  private fail(code: u64, reason: string): u64 {
    if (code != H3_EXCESSIVE_LOAD) { this.error = code; }
    this.reason = reason;
    return code;
  }

  // ---- encoder stream (§4.3) ----

  /** Processes encoder-stream bytes; 0 or QPACK_ENCODER_STREAM_ERROR. */
  feedEncoderStream(ptr: usize, len: usize): u64 {
    if (this.error != 0) return this.error;
    let rc: u64 = 0;
    while (true) {
      if (this.pending.len == 0) { rc = this.parseInstructions(ptr, len, false); break; }
      // Complete the buffered instruction, never holding more than the bound.
      const limit = this.encoderBufferLimit();
      if (this.pending.len >= limit) return this.fail(QPACK_ENCODER_STREAM_ERROR, "encoder instruction exceeds the buffer bound");
      if (len == 0) break;
      const room = limit - this.pending.len;
      const take = len < room ? len : room;
      this.pending.bytes(ptr, take);
      ptr += take;
      len -= take;
      rc = this.parseInstructions(this.pending.buf, this.pending.len, true);
      if (rc != 0) break;
    }
    if (rc != 0) return rc;
    this.checkUnblocked();
    return 0;
  }

  /** Bytes of an incomplete instruction held (tests check the bound). */
  @inline get bufferedEncoderBytes(): usize { return this.pending.len; }

  /**
   * Parses complete instructions; keeps an incomplete tail in `pending`
   * (`fromPending`: the input is pending's own buffer).
   */
  private parseInstructions(ptr: usize, len: usize, fromPending: bool): u64 {
    const r = this.r;
    r.reset(ptr, len);
    while (r.pos < r.end) {
      const start = r.pos;
      const rc = this.parseInstruction(r);
      if (rc == PARSE_INCOMPLETE) {
        const rest = ptr + len - start;
        if (rest > this.encoderBufferLimit()) {
          return this.fail(QPACK_ENCODER_STREAM_ERROR, "encoder instruction exceeds the buffer bound");
        }
        if (fromPending) {
          memory.copy(this.pending.buf, start, rest);
          this.pending.len = rest;
        } else {
          this.pending.clear();
          this.pending.bytes(start, rest);
        }
        return 0;
      }
      if (rc != PARSE_OK) return rc;
    }
    this.pending.clear();
    return 0;
  }

  private parseInstruction(r: Reader): u64 {
    const first = <u32>load<u8>(r.pos);
    r.pos++;
    const t = this.table;
    const s = this.scratch;
    s.clear();
    if (first & 0x80) {
      // §4.3.2 Insert with Name Reference: 1 T Index(6+), Value (8+ string).
      const st = readPrefixInt(r, first, 6, this.int);
      if (st != INT_OK) return st == INT_TRUNCATED ? PARSE_INCOMPLETE : this.fail(QPACK_ENCODER_STREAM_ERROR, "integer overflow");
      const idx = this.int.value;
      let np: usize, nl: usize;
      if (first & 0x40) {
        if (!staticValid(idx)) return this.fail(QPACK_ENCODER_STREAM_ERROR, "invalid static table index");
        np = staticNamePtr(<i32>idx); nl = staticNameLen(<i32>idx);
      } else {
        // §3.2.5: relative index 0 is the most recently inserted entry.
        if (idx >= t.insertCount || !t.has(t.insertCount - 1 - idx)) {
          return this.fail(QPACK_ENCODER_STREAM_ERROR, "invalid dynamic table reference");
        }
        const e = t.entry(t.insertCount - 1 - idx);
        np = entryName(e); nl = entryNameLen(e);
      }
      if (r.pos >= r.end) return PARSE_INCOMPLETE;
      const vfirst = <u32>load<u8>(r.pos); r.pos++;
      const room = t.capacity >= ENTRY_OVERHEAD + nl ? t.capacity - ENTRY_OVERHEAD - nl : 0;
      const rc = readString(r, vfirst, 8, s, room);
      if (rc != STR_OK) return this.stringError(rc, nl + ENTRY_OVERHEAD > t.capacity);
      // §3.2.2: "It is an error if the encoder attempts to add an entry that is larger than the dynamic table capacity".
      const vl = s.len; // s was empty: the value's length
      if (nl + vl + ENTRY_OVERHEAD > t.capacity) return this.fail(QPACK_ENCODER_STREAM_ERROR, "entry larger than the table capacity");
      t.insert(np, nl, s.buf, vl);
      return PARSE_OK;
    }
    if (first & 0x40) {
      // §4.3.3 Insert with Literal Name: 01 H NameLen(5+) Name, Value (8+ string).
      const limit = t.capacity >= ENTRY_OVERHEAD ? t.capacity - ENTRY_OVERHEAD : 0;
      let rc = readString(r, first, 6, s, limit);
      if (rc != STR_OK) return this.stringError(rc, false);
      const nl = s.len; // s was empty: the name's length
      if (r.pos >= r.end) return PARSE_INCOMPLETE;
      const vfirst = <u32>load<u8>(r.pos); r.pos++;
      rc = readString(r, vfirst, 8, s, limit - nl);
      if (rc != STR_OK) return this.stringError(rc, false);
      const vl = s.len - nl;
      if (nl + vl + ENTRY_OVERHEAD > t.capacity) return this.fail(QPACK_ENCODER_STREAM_ERROR, "entry larger than the table capacity");
      t.insert(s.buf, nl, s.buf + nl, vl);
      return PARSE_OK;
    }
    if (first & 0x20) {
      // §4.3.1 Set Dynamic Table Capacity: 001 Capacity(5+).
      const st = readPrefixInt(r, first, 5, this.int);
      if (st != INT_OK) return st == INT_TRUNCATED ? PARSE_INCOMPLETE : this.fail(QPACK_ENCODER_STREAM_ERROR, "integer overflow");
      const cap = this.int.value;
      // §4.3.1: "The decoder MUST treat a new dynamic table capacity value that exceeds this limit as a connection error of type QPACK_ENCODER_STREAM_ERROR."
      if (cap > <u64>t.maxCapacity) return this.fail(QPACK_ENCODER_STREAM_ERROR, "capacity exceeds SETTINGS_QPACK_MAX_TABLE_CAPACITY");
      t.setCapacity(<usize>cap);
      return PARSE_OK;
    }
    // §4.3.4 Duplicate: 000 Index(5+).
    const st = readPrefixInt(r, first, 5, this.int);
    if (st != INT_OK) return st == INT_TRUNCATED ? PARSE_INCOMPLETE : this.fail(QPACK_ENCODER_STREAM_ERROR, "integer overflow");
    const idx = this.int.value;
    if (idx >= t.insertCount || !t.has(t.insertCount - 1 - idx)) {
      return this.fail(QPACK_ENCODER_STREAM_ERROR, "invalid dynamic table reference");
    }
    const e = t.entry(t.insertCount - 1 - idx);
    if (entryNameLen(e) + entryValueLen(e) + ENTRY_OVERHEAD > t.capacity) {
      return this.fail(QPACK_ENCODER_STREAM_ERROR, "entry larger than the table capacity");
    }
    t.insert(entryName(e), entryNameLen(e), entryValue(e), entryValueLen(e));
    return PARSE_OK;
  }

  private stringError(rc: i32, _unused: bool): u64 {
    if (rc == STR_TRUNCATED) return PARSE_INCOMPLETE;
    if (rc == STR_TOO_LONG) return this.fail(QPACK_ENCODER_STREAM_ERROR, "entry larger than the table capacity");
    return this.fail(QPACK_ENCODER_STREAM_ERROR, rc == 2 ? "integer overflow" : "invalid Huffman code");
  }

  private checkUnblocked(): void {
    const n = this.blocked.length;
    for (let i = 0; i < n; i++) {
      const b = unchecked(this.blocked[i]);
      if (b.ric <= this.table.insertCount && b.ric != 0) {
        this.unblocked.push(b.streamId);
        b.ric = 0; // reported; resume() decodes it
      }
    }
  }

  /** Streams whose blocked section became decodable since the last call. */
  takeUnblocked(): u64[] {
    const out = this.unblocked;
    this.unblocked = [];
    return out;
  }

  // ---- field sections (§4.5) ----

  /** Decodes one encoded field section of `streamId`. */
  decodeSection(streamId: u64, ptr: usize, len: usize): u64 {
    if (this.error != 0) return this.error;
    const r = this.r;
    r.reset(ptr, len);
    const ric = this.readRequiredInsertCount(r);
    if (ric < 0) return this.error;
    if (<u64>ric > this.table.insertCount) {
      // §2.1.2: "If the decoder encounters more blocked streams than it promised to support, it MUST treat this as a connection error of type QPACK_DECOMPRESSION_FAILED."
      if (!this.streamBlocked(streamId) && this.blockedStreamCount() >= this.maxBlockedStreams) {
        return this.fail(QPACK_DECOMPRESSION_FAILED, "too many blocked streams");
      }
      // Memory bound: a stream delivers its field sections in order (the H3
      // layer decodes one before reading the next), so a few per stream is plenty.
      if (<u32>this.blocked.length >= this.maxBlockedStreams * MAX_BLOCKED_PER_STREAM) {
        return this.fail(QPACK_DECOMPRESSION_FAILED, "too many blocked field sections");
      }
      const copy = heap.alloc(len);
      memory.copy(copy, ptr, len);
      this.blocked.push(new BlockedSection(streamId, <u64>ric, copy, len));
      return DECODE_BLOCKED;
    }
    return this.decodeBody(streamId, ptr, len);
  }

  /** Decodes the blocked section of `streamId` once it was reported unblocked. */
  resume(streamId: u64): u64 {
    if (this.error != 0) return this.error;
    for (let i = 0; i < this.blocked.length; i++) {
      const b = unchecked(this.blocked[i]);
      if (b.streamId == streamId && b.ric == 0) {
        this.blocked.splice(i, 1);
        const rc = this.decodeBody(streamId, b.ptr, b.len);
        heap.free(b.ptr);
        return rc;
      }
    }
    return DECODE_BLOCKED;
  }

  /** §4.4.2: the stream was reset or abandoned; drops its blocked sections. */
  cancelStream(streamId: u64): void {
    let found = false;
    for (let i = this.blocked.length - 1; i >= 0; i--) {
      const b = unchecked(this.blocked[i]);
      if (b.streamId == streamId) {
        heap.free(b.ptr);
        this.blocked.splice(i, 1);
        found = true;
      }
    }
    // §4.4.2: "A decoder with a maximum dynamic table capacity equal to zero MAY omit sending Stream Cancellations".
    if (this.table.maxCapacity > 0) writePrefixInt(this.decoderStream, 0x40, streamId, 6);
  }

  private streamBlocked(streamId: u64): bool {
    for (let i = 0; i < this.blocked.length; i++) if (unchecked(this.blocked[i]).streamId == streamId) return true;
    return false;
  }

  private blockedStreamCount(): u32 {
    let n: u32 = 0;
    for (let i = 0; i < this.blocked.length; i++) {
      const id = unchecked(this.blocked[i]).streamId;
      let seen = false;
      for (let j = 0; j < i; j++) if (unchecked(this.blocked[j]).streamId == id) { seen = true; break; }
      if (!seen) n++;
    }
    return n;
  }

  /** §4.5.1.1: decodes the Required Insert Count; -1 on error. */
  private readRequiredInsertCount(r: Reader): i64 {
    if (r.pos >= r.end) { this.fail(QPACK_DECOMPRESSION_FAILED, "truncated field section prefix"); return -1; }
    const first = <u32>load<u8>(r.pos); r.pos++;
    if (readPrefixInt(r, first, 8, this.int) != INT_OK) { this.fail(QPACK_DECOMPRESSION_FAILED, "invalid Required Insert Count"); return -1; }
    const enc = this.int.value;
    if (enc == 0) return 0;
    const maxEntries = <u64>(this.table.maxCapacity / 32);
    const fullRange = 2 * maxEntries;
    if (enc > fullRange) { this.fail(QPACK_DECOMPRESSION_FAILED, "invalid Required Insert Count"); return -1; }
    const maxValue = this.table.insertCount + maxEntries;
    const maxWrapped = (maxValue / fullRange) * fullRange;
    let ric = maxWrapped + enc - 1;
    if (ric > maxValue) {
      if (ric <= fullRange) { this.fail(QPACK_DECOMPRESSION_FAILED, "invalid Required Insert Count"); return -1; }
      ric -= fullRange;
    }
    if (ric == 0) { this.fail(QPACK_DECOMPRESSION_FAILED, "invalid Required Insert Count"); return -1; }
    return <i64>ric;
  }

  private decodeBody(streamId: u64, ptr: usize, len: usize): u64 {
    const r = this.r;
    r.reset(ptr, len);
    const ric = <u64>this.readRequiredInsertCount(r);
    if (this.error != 0) return this.error;
    // §4.5.1.2: Sign bit and Delta Base (7+).
    if (r.pos >= r.end) return this.fail(QPACK_DECOMPRESSION_FAILED, "truncated field section prefix");
    const sfirst = <u32>load<u8>(r.pos); r.pos++;
    if (readPrefixInt(r, sfirst, 7, this.int) != INT_OK) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid Delta Base");
    const delta = this.int.value;
    let base: u64;
    if (sfirst & 0x80) {
      // §4.5.1.2: "An endpoint MUST treat a field block with a Sign bit of 1 as invalid if the value of Required Insert Count is less than or equal to the value of Delta Base."
      if (ric <= delta) return this.fail(QPACK_DECOMPRESSION_FAILED, "negative Base");
      base = ric - delta - 1;
    } else {
      if (delta > 0x3fffffffffffffff - ric) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid Delta Base");
      base = ric + delta;
    }
    this.fields.clear();
    this.sectionSize = 0;
    while (r.pos < r.end) {
      const rc = this.decodeLine(r, ric, base);
      if (rc != 0) {
        if (rc == H3_EXCESSIVE_LOAD && ric > 0 && this.table.maxCapacity > 0) {
          // The section is abandoned: release the encoder's references (§4.4.2).
          writePrefixInt(this.decoderStream, 0x40, streamId, 6);
        }
        return rc;
      }
    }
    if (ric > 0) {
      // §4.4.1: "After processing an encoded field section whose declared Required Insert Count is not zero, the decoder emits a Section Acknowledgment instruction."
      writePrefixInt(this.decoderStream, 0x80, streamId, 7);
      if (ric > this.acked) this.acked = ric;
    }
    return DECODE_OK;
  }

  /** Resolves a dynamic reference (absolute index) for a field line. 0 if invalid. */
  private dynamicEntry(abs: u64, ric: u64): usize {
    // §2.2.3: a reference to an evicted entry or with absolute index >= Required Insert Count.
    if (abs >= ric || !this.table.has(abs)) return 0;
    return this.table.entry(abs);
  }

  /** Budget left for the value/name bytes of the current line. */
  @inline private budget(used: u64): usize {
    const max = this.maxFieldSectionSize;
    if (this.sectionSize + used >= max) return 0;
    const left = max - this.sectionSize - used;
    return left > 0x7fffffff ? 0x7fffffff : <usize>left;
  }

  private emit(np: usize, nl: usize, vp: usize, vl: usize): u64 {
    // RFC 9114 §4.2.2: size = name + value + 32 per field line.
    const sz = <u64>(nl + vl) + 32;
    if (sz > this.maxFieldSectionSize - this.sectionSize || this.sectionSize > this.maxFieldSectionSize) {
      return this.fail(H3_EXCESSIVE_LOAD, "field section exceeds SETTINGS_MAX_FIELD_SECTION_SIZE");
    }
    this.sectionSize += sz;
    const w = this.fields;
    if (!w.ensure(FIELD_HEADER + nl + vl)) return this.fail(H3_EXCESSIVE_LOAD, "out of memory");
    const p = w.buf + w.len;
    store<u32>(p, <u32>nl);
    store<u32>(p, <u32>vl, 4);
    memory.copy(p + FIELD_HEADER, np, nl);
    memory.copy(p + FIELD_HEADER + nl, vp, vl);
    w.len += FIELD_HEADER + nl + vl;
    return 0;
  }

  private decodeLine(r: Reader, ric: u64, base: u64): u64 {
    const first = <u32>load<u8>(r.pos); r.pos++;
    if (first & 0x80) {
      // §4.5.2 Indexed Field Line: 1 T Index(6+).
      if (readPrefixInt(r, first, 6, this.int) != INT_OK) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid index");
      const idx = this.int.value;
      if (first & 0x40) {
        if (!staticValid(idx)) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid static table index");
        const i = <i32>idx;
        return this.emit(staticNamePtr(i), staticNameLen(i), staticValuePtr(i), staticValueLen(i));
      }
      if (idx >= base) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid relative index");
      const e = this.dynamicEntry(base - 1 - idx, ric);
      if (e == 0) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid dynamic table reference");
      return this.emit(entryName(e), entryNameLen(e), entryValue(e), entryValueLen(e));
    }
    if (first & 0x40) {
      // §4.5.4 Literal Field Line with Name Reference: 01 N T Index(4+), Value (8+ string).
      if (readPrefixInt(r, first, 4, this.int) != INT_OK) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid index");
      const idx = this.int.value;
      if (first & 0x10) {
        if (!staticValid(idx)) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid static table index");
        return this.literalValue(r, staticNamePtr(<i32>idx), staticNameLen(<i32>idx));
      }
      if (idx >= base) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid relative index");
      const e = this.dynamicEntry(base - 1 - idx, ric);
      if (e == 0) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid dynamic table reference");
      return this.literalValue(r, entryName(e), entryNameLen(e));
    }
    if (first & 0x20) {
      // §4.5.6 Literal Field Line with Literal Name: 001 N H NameLen(3+) Name, Value (8+ string).
      const w = this.fields;
      const hdr = w.len;
      if (!w.ensure(FIELD_HEADER)) return this.fail(H3_EXCESSIVE_LOAD, "out of memory");
      w.len += FIELD_HEADER;
      const rc = readString(r, first, 4, w, this.budget(32));
      if (rc != STR_OK) return this.lineStringError(rc);
      const nl = w.len - hdr - FIELD_HEADER;
      if (r.pos >= r.end) return this.fail(QPACK_DECOMPRESSION_FAILED, "truncated field line");
      const vfirst = <u32>load<u8>(r.pos); r.pos++;
      return this.valueLiteral(r, vfirst, hdr, nl);
    }
    if (first & 0x10) {
      // §4.5.3 Indexed Field Line with Post-Base Index: 0001 Index(4+).
      if (readPrefixInt(r, first, 4, this.int) != INT_OK) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid index");
      const idx = this.int.value;
      if (idx >= ric - base || base >= ric) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid post-base index");
      const e = this.dynamicEntry(base + idx, ric);
      if (e == 0) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid dynamic table reference");
      return this.emit(entryName(e), entryNameLen(e), entryValue(e), entryValueLen(e));
    }
    // §4.5.5 Literal Field Line with Post-Base Name Reference: 0000 N Index(3+), Value (8+ string).
    if (readPrefixInt(r, first, 3, this.int) != INT_OK) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid index");
    const idx = this.int.value;
    if (base >= ric || idx >= ric - base) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid post-base index");
    const e = this.dynamicEntry(base + idx, ric);
    if (e == 0) return this.fail(QPACK_DECOMPRESSION_FAILED, "invalid dynamic table reference");
    return this.literalValue(r, entryName(e), entryNameLen(e));
  }

  /** Emits name (from a table) + a literal value read from `r`. */
  private literalValue(r: Reader, np: usize, nl: usize): u64 {
    if (r.pos >= r.end) return this.fail(QPACK_DECOMPRESSION_FAILED, "truncated field line");
    const vfirst = <u32>load<u8>(r.pos); r.pos++;
    const w = this.fields;
    if (<u64>nl + 32 > this.maxFieldSectionSize - this.sectionSize || this.sectionSize > this.maxFieldSectionSize) {
      return this.fail(H3_EXCESSIVE_LOAD, "field section exceeds SETTINGS_MAX_FIELD_SECTION_SIZE");
    }
    const hdr = w.len;
    if (!w.ensure(FIELD_HEADER + nl)) return this.fail(H3_EXCESSIVE_LOAD, "out of memory");
    w.len += FIELD_HEADER;
    w.bytes(np, nl);
    return this.valueLiteral(r, vfirst, hdr, nl);
  }

  /**
   * Completes the field line whose header is at `hdr` in `fields`, followed
   * by its `nl` name bytes: reads the value literal (first byte `vfirst`
   * already read) and writes both lengths into the header.
   */
  private valueLiteral(r: Reader, vfirst: u32, hdr: usize, nl: usize): u64 {
    const w = this.fields;
    const rc = readString(r, vfirst, 8, w, this.budget(32 + <u64>nl));
    if (rc != STR_OK) return this.lineStringError(rc);
    const vl = w.len - hdr - FIELD_HEADER - nl;
    this.sectionSize += <u64>(nl + vl) + 32;
    store<u32>(w.buf + hdr, <u32>nl);
    store<u32>(w.buf + hdr, <u32>vl, 4);
    return 0;
  }

  private lineStringError(rc: i32): u64 {
    if (rc == STR_TOO_LONG) return this.fail(H3_EXCESSIVE_LOAD, "field section exceeds SETTINGS_MAX_FIELD_SECTION_SIZE");
    if (rc == STR_TRUNCATED) return this.fail(QPACK_DECOMPRESSION_FAILED, "truncated field line");
    return this.fail(QPACK_DECOMPRESSION_FAILED, rc == 2 ? "integer overflow" : "invalid Huffman code");
  }

  // ---- decoder stream (§4.4) ----

  /**
   * Appends the pending decoder-stream instructions to `w`: Section
   * Acknowledgments and Stream Cancellations in the order they arose, then
   * one Insert Count Increment (§4.4.3) for inserts not yet acknowledged.
   */
  takeDecoderStream(w: Writer): void {
    const ds = this.decoderStream;
    if (ds.len > 0) { w.bytes(ds.buf, ds.len); ds.clear(); }
    const ic = this.table.insertCount;
    if (ic > this.acked) {
      writePrefixInt(w, 0x00, ic - this.acked, 6);
      this.acked = ic;
    }
  }
}
