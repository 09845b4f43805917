// RFC 9204 §2.1: the QPACK encoder.
//
// Inputs:
//   encodeSection(stream, fields)  one field section (packed, field_list.ts).
//                                  Writes the encoded section to `section` and
//                                  any encoder-stream instructions it needed to
//                                  `encoderStream` (send those first).
//   feedDecoderStream(bytes)       decoder instructions from the peer (§4.4):
//                                  Section Acknowledgment, Stream Cancellation,
//                                  Insert Count Increment.
//   ackSection(stream)/...         the same as direct calls (the interop tool's
//                                  --immediate-ack, tests).
// Policy (how it compresses):
//   * exact static match -> indexed static line;
//   * exact dynamic match it may reference -> indexed dynamic line; an entry in
//     the draining zone (§2.1.1.1) is duplicated first when there is room;
//   * otherwise the field is inserted (name from the static table, a dynamic
//     entry, or literal) when it is worth it: not sensitive (§7.1.3: never
//     index authorization, short cookies), no larger than 3/4 of the table,
//     and not a value that changes per message (:path, content-length,
//     etag, ...) unless that exact value was seen recently;
//   * it references a new or unacknowledged entry only if the stream may block:
//     it is already blocking, or fewer than SETTINGS_QPACK_BLOCKED_STREAMS
//     streams are (§2.1.2); with 0 blocked streams it never blocks;
//   * it never evicts an entry that is unacknowledged or still referenced by
//     an unacknowledged section (§2.1.1), and never inserts when it would have to.
// Base is set to the Required Insert Count, so the prefix is minimal and no
// post-base index is needed (all references are below the Base).

import { Reader } from "../../wire/reader";
import { Writer } from "../../wire/writer";
import {
  DynamicTable, entryName, entryNameLen, entryValue, entryValueLen, entryNameHash, entryFullHash,
  entryRefs, entrySetRefs, entrySize, ENTRY_OVERHEAD, MAX_TABLE_CAPACITY,
} from "./dynamic_table";
import { readPrefixInt, PrefixInt, INT_OK, INT_TRUNCATED, writePrefixInt } from "./integer";
import { writeString, HUFFMAN_SHORTER } from "./string";
import { staticLookup, staticNameLookup } from "./static_table";
import { hashBytes, hashValue } from "./hash";
import { FIELD_HEADER } from "./field_list";
import { writeSectionPrefix, writeIndexed, writeLiteralNameRef, writeLiteralName } from "./representation";
import { QPACK_DECODER_STREAM_ERROR, H3_INTERNAL_ERROR } from "../errors";

// Representation kinds decided in pass 1.
const K_STATIC: u8 = 0;        // Indexed Field Line, static
const K_DYNAMIC: u8 = 1;       // Indexed Field Line, dynamic (abs)
const K_NAME_STATIC: u8 = 2;   // Literal with static name reference
const K_NAME_DYNAMIC: u8 = 3;  // Literal with dynamic name reference (abs)
const K_LITERAL: u8 = 4;       // Literal with literal name

/** An encoded section awaiting acknowledgment that references the dynamic table. */
class Outstanding {
  /** `refs`: heap block of `count` u64 absolute indexes (freed on release). */
  constructor(public streamId: u64, public ric: u64, public refs: usize, public count: usize) {}
}

/** Slots of the recent-field memory (power of two). */
const HISTORY: u32 = 1024;
/** Lookup slots before the table grows (power of two). */
const SLOTS_MIN: usize = 256;
/** Pass-1 record per field line: [u64 index][u32 line ptr][u8 kind][u8 never]. */
const LINE: usize = 16;

export class Encoder {
  readonly table: DynamicTable;
  /** The peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY (for Required Insert Count, §4.5.1.1). */
  readonly peerMaxCapacity: usize;
  /** The peer's SETTINGS_QPACK_BLOCKED_STREAMS. */
  readonly maxBlockedStreams: u32;
  /** Bytes to send on the encoder stream (appended by encodeSection/setCapacity). */
  readonly encoderStream: Writer = new Writer();
  /** The last encoded field section. */
  readonly section: Writer = new Writer();
  /** §2.1.4: Known Received Count. */
  knownReceived: u64 = 0;
  /** Huffman policy for literals (string.ts). */
  huffman: i32 = HUFFMAN_SHORTER;
  /** Whether the encoder inserts at all (false: static table and literals only). */
  useDynamic: bool = true;
  error: u64 = 0;
  reason: string = "";
  /** Required Insert Count of the last encoded section. */
  lastRequiredInsertCount: u64 = 0;

  private outstanding: Outstanding[] = [];
  private capacitySent: bool = false;
  private r: Reader = new Reader();
  private int: PrefixInt = new PrefixInt();
  // pass-1 scratch (raw, grown as needed): LINE bytes per field line
  private lines: usize = 0;
  private linesCap: usize = 0;
  // references of the section being encoded (raw u64s)
  private refBuf: usize = 0;
  private refCap: usize = 0;
  private refCount: usize = 0;
  /** Recent fields, direct-mapped by hash: full hashes seen, and per name the last full hash. */
  private seenFull: StaticArray<u32> = new StaticArray<u32>(<i32>HISTORY);
  private lastName: StaticArray<u32> = new StaticArray<u32>(<i32>HISTORY);
  private lastFull: StaticArray<u32> = new StaticArray<u32>(<i32>HISTORY);
  /**
   * Newest absolute index + 1 of an entry per full hash / name hash
   * (direct-mapped; a lookup verifies the entry, a collision only loses a match).
   */
  private exactSlots: usize = 0;
  private nameSlots: usize = 0;
  private slotMask: u32 = 0;

  /**
   * `peerMaxCapacity`/`maxBlockedStreams`: the peer decoder's settings;
   * `capacity`: the table capacity to use (<= peerMaxCapacity).
   */
  constructor(peerMaxCapacity: u32, maxBlockedStreams: u32, capacity: u32) {
    this.peerMaxCapacity = <usize>peerMaxCapacity;
    this.maxBlockedStreams = maxBlockedStreams;
    this.table = new DynamicTable(<usize>peerMaxCapacity);
    // RFC 9204 §3.2.3: the encoder picks any capacity up to the peer's
    // SETTINGS_QPACK_MAX_TABLE_CAPACITY; the peer's value itself is kept
    // exact (MaxEntries, §4.5.1.1), but we use at most MAX_TABLE_CAPACITY.
    let c = capacity < peerMaxCapacity ? capacity : peerMaxCapacity;
    if (<usize>c > MAX_TABLE_CAPACITY) c = <u32>MAX_TABLE_CAPACITY;
    this.table.capacity = <usize>c;
    this.allocSlots(SLOTS_MIN);
  }

  /** (Re)makes the lookup slots with `slots` (a power of two) entries each, indexing the live entries. */
  private allocSlots(slots: usize): void {
    if (this.exactSlots != 0) { heap.free(this.exactSlots); heap.free(this.nameSlots); }
    this.slotMask = <u32>slots - 1;
    this.exactSlots = heap.alloc(slots * 8);
    this.nameSlots = heap.alloc(slots * 8);
    memory.fill(this.exactSlots, 0, slots * 8);
    memory.fill(this.nameSlots, 0, slots * 8);
    const t = this.table;
    for (let abs = t.dropped; abs < t.insertCount; abs++) this.indexEntry(t.entry(abs), abs);
  }

  /** Keeps 4 lookup slots per ring slot as the table grows (sized by what is kept, not by the capacity). */
  private growSlots(): void {
    const want = <usize>this.table.ringSlots * 4;
    if (want > <usize>this.slotMask + 1) this.allocSlots(want);
  }

  dispose(): void {
    for (let i = 0; i < this.outstanding.length; i++) heap.free(unchecked(this.outstanding[i]).refs);
    this.outstanding.length = 0;
    this.table.dispose();
    this.encoderStream.release();
    this.section.release();
    this.pending.release();
    heap.free(this.exactSlots);
    heap.free(this.nameSlots);
    if (this.lines) heap.free(this.lines);
    if (this.refBuf) heap.free(this.refBuf);
    this.exactSlots = this.nameSlots = this.lines = this.refBuf = 0;
  }

  /** Records the entry just inserted at `abs` in the lookup slots. */
  private indexEntry(e: usize, abs: u64): void {
    if (<usize>this.table.ringSlots * 4 > <usize>this.slotMask + 1) { this.growSlots(); return; }
    store<u64>(this.exactSlots + (<usize>(entryFullHash(e) & this.slotMask) << 3), abs + 1);
    store<u64>(this.nameSlots + (<usize>(entryNameHash(e) & this.slotMask) << 3), abs + 1);
  }

  private fail(code: u64, reason: string): u64 {
    this.error = code;
    this.reason = reason;
    return code;
  }

  // ---- acknowledgment state (§2.1.4) ----

  private release(o: Outstanding): void {
    const t = this.table;
    for (let i: usize = 0; i < o.count; i++) {
      const abs = load<u64>(o.refs + (i << 3));
      if (t.has(abs)) { const e = t.entry(abs); entrySetRefs(e, entryRefs(e) - 1); }
    }
    heap.free(o.refs);
    o.refs = 0;
    o.count = 0;
  }

  /** §4.4.1 Section Acknowledgment; false if nothing was outstanding on the stream. */
  ackSection(streamId: u64): bool {
    for (let i = 0; i < this.outstanding.length; i++) {
      const o = unchecked(this.outstanding[i]);
      if (o.streamId == streamId) {
        this.release(o);
        if (o.ric > this.knownReceived) this.knownReceived = o.ric;
        this.outstanding.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** §4.4.2 Stream Cancellation: the stream's references are no longer outstanding. */
  cancelStream(streamId: u64): void {
    for (let i = this.outstanding.length - 1; i >= 0; i--) {
      const o = unchecked(this.outstanding[i]);
      if (o.streamId == streamId) { this.release(o); this.outstanding.splice(i, 1); }
    }
  }

  /** §4.4.3 Insert Count Increment; false if invalid. */
  insertCountIncrement(n: u64): bool {
    // §4.4.3: "An encoder that receives an Increment field equal to zero, or one that increases the Known Received Count beyond what the encoder has sent, MUST treat this as a connection error of type QPACK_DECODER_STREAM_ERROR."
    if (n == 0 || n > this.table.insertCount - this.knownReceived) return false;
    this.knownReceived += n;
    return true;
  }

  /** Processes decoder-stream bytes; 0 or QPACK_DECODER_STREAM_ERROR. Instructions are small: a cut one is buffered. */
  private pending: Writer = new Writer();
  feedDecoderStream(ptr: usize, len: usize): u64 {
    if (this.error != 0) return this.error;
    let p = ptr, n = len;
    if (this.pending.len > 0) {
      this.pending.bytes(ptr, len);
      p = this.pending.buf; n = this.pending.len;
    }
    const r = this.r;
    r.reset(p, n);
    while (r.pos < r.end) {
      const start = r.pos;
      const first = <u32>load<u8>(r.pos); r.pos++;
      const prefix: u32 = (first & 0x80) ? 7 : 6;
      const st = readPrefixInt(r, first, prefix, this.int);
      if (st == INT_TRUNCATED) {
        // An integer is at most 10 bytes: a longer tail would have overflowed.
        const rest = r.end - start;
        const tmp = heap.alloc(rest);
        memory.copy(tmp, start, rest);
        this.pending.clear();
        this.pending.bytes(tmp, rest);
        heap.free(tmp);
        return 0;
      }
      if (st != INT_OK) return this.fail(QPACK_DECODER_STREAM_ERROR, "integer overflow");
      const v = this.int.value;
      if (first & 0x80) {
        // §4.4.1: "If an encoder receives a Section Acknowledgment instruction referring to a stream on which every encoded field section with a non-zero Required Insert Count has already been acknowledged, this MUST be treated as a connection error of type QPACK_DECODER_STREAM_ERROR."
        if (!this.ackSection(v)) return this.fail(QPACK_DECODER_STREAM_ERROR, "Section Acknowledgment for a stream with no outstanding section");
      } else if (first & 0x40) {
        this.cancelStream(v);
      } else if (!this.insertCountIncrement(v)) {
        return this.fail(QPACK_DECODER_STREAM_ERROR, "invalid Insert Count Increment");
      }
    }
    this.pending.clear();
    return 0;
  }

  /** Streams with an unacknowledged section that needs inserts not known received (§2.1.2). */
  private blockedStreams(): u32 {
    let n: u32 = 0;
    const list = this.outstanding;
    for (let i = 0; i < list.length; i++) {
      const o = unchecked(list[i]);
      if (o.ric <= this.knownReceived) continue;
      let seen = false;
      for (let j = 0; j < i; j++) {
        const q = unchecked(list[j]);
        if (q.streamId == o.streamId && q.ric > this.knownReceived) { seen = true; break; }
      }
      if (!seen) n++;
    }
    return n;
  }

  private streamBlocking(streamId: u64): bool {
    for (let i = 0; i < this.outstanding.length; i++) {
      const o = unchecked(this.outstanding[i]);
      if (o.streamId == streamId && o.ric > this.knownReceived) return true;
    }
    return false;
  }

  // ---- encoder-stream instructions (§4.3), also used directly by tests ----

  /** §4.3.1 Set Dynamic Table Capacity (evicting as needed; caller ensures it may). */
  setCapacity(c: usize): void {
    writePrefixInt(this.encoderStream, 0x20, <u64>c, 5);
    this.table.setCapacity(c);
    this.capacitySent = true;
  }

  /** §4.3.2 Insert with Name Reference (static when `isStatic`, else absolute index). */
  insertWithNameRef(isStatic: bool, index: u64, np: usize, nl: usize, vp: usize, vl: usize): usize {
    const t = this.table;
    if (isStatic) writePrefixInt(this.encoderStream, 0xc0, index, 6);
    else writePrefixInt(this.encoderStream, 0x80, t.insertCount - 1 - index, 6);
    writeString(this.encoderStream, 0, 8, vp, vl, this.huffman);
    const e = t.insert(np, nl, vp, vl);
    this.indexEntry(e, t.insertCount - 1);
    return e;
  }

  /** §4.3.3 Insert with Literal Name. */
  insertWithLiteralName(np: usize, nl: usize, vp: usize, vl: usize): usize {
    writeString(this.encoderStream, 0x40, 6, np, nl, this.huffman);
    writeString(this.encoderStream, 0, 8, vp, vl, this.huffman);
    const t = this.table;
    const e = t.insert(np, nl, vp, vl);
    this.indexEntry(e, t.insertCount - 1);
    return e;
  }

  /** §4.3.4 Duplicate of the entry at absolute index `abs`. */
  duplicate(abs: u64): usize {
    const t = this.table;
    writePrefixInt(this.encoderStream, 0x00, t.insertCount - 1 - abs, 5);
    const e = t.entry(abs);
    const d = t.insert(entryName(e), entryNameLen(e), entryValue(e), entryValueLen(e));
    this.indexEntry(d, t.insertCount - 1);
    return d;
  }

  // ---- eviction rules ----

  /** §2.1.1: whether `size` bytes can be inserted, evicting only evictable entries. */
  canInsert(size: usize): bool {
    const t = this.table;
    if (size > t.capacity) return false;
    let free = t.capacity - t.size;
    let abs = t.dropped;
    while (free < size) {
      if (abs >= t.insertCount) return false;
      const e = t.entry(abs);
      // Evictable: acknowledged and not referenced by an unacknowledged section.
      if (abs >= this.knownReceived || entryRefs(e) != 0) return false;
      free += entrySize(e);
      abs++;
    }
    return true;
  }

  /** §2.1.1.1: the smallest absolute index the encoder will reference (older ones drain). */
  private drainingIndex(): u64 {
    const t = this.table;
    const target = t.capacity >> 2;
    let free = t.capacity - t.size;
    let abs = t.dropped;
    while (abs < t.insertCount) {
      const sz = entrySize(t.entry(abs));
      if (free + sz > target) break;
      free += sz;
      abs++;
    }
    return abs;
  }

  @inline private seen(fh: u32): bool {
    return unchecked(this.seenFull[fh & (HISTORY - 1)]) == fh;
  }

  /** Whether the name was seen recently with another value. */
  @inline private nameVaries(nh: u32, fh: u32): bool {
    const i = nh & (HISTORY - 1);
    return unchecked(this.lastName[i]) == nh && unchecked(this.lastFull[i]) != fh;
  }

  @inline private remember(nh: u32, fh: u32): void {
    unchecked(this.seenFull[fh & (HISTORY - 1)] = fh);
    const i = nh & (HISTORY - 1);
    unchecked(this.lastName[i] = nh);
    unchecked(this.lastFull[i] = fh);
  }

  /** The newest live entry whose name (and value, if `exact`) match, from the slots; -1 if none. */
  private lookup(exact: bool, h: u32, np: usize, nl: usize, vp: usize, vl: usize): i64 {
    const a1 = load<u64>((exact ? this.exactSlots : this.nameSlots) + (<usize>(h & this.slotMask) << 3));
    if (a1 == 0) return -1;
    const a = a1 - 1;
    const t = this.table;
    if (!t.has(a)) return -1;
    const e = t.entry(a);
    if (entryNameLen(e) != nl || memory.compare(entryName(e), np, nl) != 0) return -1;
    if (exact && (entryValueLen(e) != vl || memory.compare(entryValue(e), vp, vl) != 0)) return -1;
    return <i64>a;
  }

  /** The newest entry with this name that a field line may reference, scanning the table. */
  private usableName(nh: u32, np: usize, nl: usize, drain: u64, canBlock: bool): i64 {
    const t = this.table;
    for (let a = t.insertCount; a > t.dropped; ) {
      a--;
      if (a < drain) break;
      if (!canBlock && a >= this.knownReceived) continue;
      const e = t.entry(a);
      if (entryNameHash(e) == nh && entryNameLen(e) == nl && memory.compare(entryName(e), np, nl) == 0) return <i64>a;
    }
    return -1;
  }

  private pushLine(n: usize, p: usize, kind: u8, never: bool, index: u64): void {
    if (n >= this.linesCap) {
      const cap = this.linesCap == 0 ? <usize>32 : this.linesCap * 2;
      this.lines = this.lines == 0 ? heap.alloc(cap * LINE) : heap.realloc(this.lines, cap * LINE);
      this.linesCap = cap;
    }
    const r = this.lines + n * LINE;
    store<u64>(r, index);
    store<u32>(r, <u32>p, 8);
    store<u8>(r, kind, 12);
    store<u8>(r, never ? 1 : 0, 13);
  }

  // ---- field sections (§4.5) ----

  /**
   * Encodes one field section for `streamId` (packed lines at ptr/len).
   * Returns 0 (bytes in `section`, new instructions appended to
   * `encoderStream`) or H3_INTERNAL_ERROR for a malformed list.
   */
  encodeSection(streamId: u64, ptr: usize, len: usize): u64 {
    const t = this.table;
    this.section.clear();
    if (this.useDynamic && !this.capacitySent && t.capacity > 0) this.setCapacity(t.capacity);
    const dyn = this.useDynamic && t.capacity > 0;
    const canBlock = this.streamBlocking(streamId) || this.blockedStreams() < this.maxBlockedStreams;
    const drain = dyn ? this.drainingIndex() : 0;
    this.refCount = 0;
    let ric: u64 = 0;
    let n: usize = 0;

    // Pass 1: choose a representation per line, emitting inserts.
    let off: usize = 0;
    while (off < len) {
      if (len - off < FIELD_HEADER) return this.fail(H3_INTERNAL_ERROR, "malformed field list");
      const p = ptr + off;
      const nl = <usize>load<u32>(p);
      const vl = <usize>load<u32>(p, 4);
      if (<u64>nl + <u64>vl > <u64>(len - off - FIELD_HEADER)) return this.fail(H3_INTERNAL_ERROR, "malformed field list");
      off += FIELD_HEADER + nl + vl;
      const np = p + FIELD_HEADER;
      const vp = np + nl;
      const nh = hashBytes(np, nl);
      const fh = hashValue(nh, vp, vl);
      const sensitive = isSensitive(np, nl, vl);

      const sname = staticNameLookup(np, nl, nh);
      const si = sname < 0 ? -1 : staticLookup(np, nl, vp, vl, fh);
      if (si >= 0) { this.pushLine(n++, p, K_STATIC, sensitive, <u64>si); continue; }

      let exact: i64 = -1, exactAny: i64 = -1, nameAny: i64 = -1;
      if (dyn) {
        exactAny = this.lookup(true, fh, np, nl, vp, vl);
        if (exactAny >= 0 && <u64>exactAny >= drain && (<u64>exactAny < this.knownReceived || canBlock)) exact = exactAny;
        nameAny = exactAny >= 0 ? exactAny : this.lookup(false, nh, np, nl, 0, 0);
      }
      if (!sensitive && exact >= 0) {
        this.ref(<u64>exact);
        if (<u64>exact + 1 > ric) ric = <u64>exact + 1;
        this.pushLine(n++, p, K_DYNAMIC, false, <u64>exact);
        continue;
      }
      const size = nl + vl + ENTRY_OVERHEAD;
      if (!sensitive && exactAny >= 0 && canBlock && this.canInsert(size)) {
        // §2.1.1.1: the match is draining: reference a fresh duplicate.
        this.duplicate(<u64>exactAny);
        const a = t.insertCount - 1;
        this.ref(a);
        ric = a + 1;
        this.pushLine(n++, p, K_DYNAMIC, false, a);
        continue;
      }
      if (!sensitive && exactAny >= 0 && <u64>exactAny < this.knownReceived) {
        // Draining but acknowledged, and no room to duplicate: still better than a literal.
        this.ref(<u64>exactAny);
        if (<u64>exactAny + 1 > ric) ric = <u64>exactAny + 1;
        this.pushLine(n++, p, K_DYNAMIC, false, <u64>exactAny);
        continue;
      }
      let indexIt = dyn && !sensitive && size * 4 <= t.capacity * 3 && exactAny < 0;
      // Values that change per message are not worth a table slot: index a
      // field whose name varied before only when its exact value was seen recently.
      if (indexIt && (isVolatile(np, nl) || this.nameVaries(nh, fh))) indexIt = this.seen(fh);
      this.remember(nh, fh);
      if (indexIt && this.canInsert(size)) {
        if (sname >= 0) this.insertWithNameRef(true, <u64>sname, np, nl, vp, vl);
        else if (nameAny >= 0) this.insertWithNameRef(false, <u64>nameAny, np, nl, vp, vl);
        else this.insertWithLiteralName(np, nl, vp, vl);
        if (canBlock) {
          const a = t.insertCount - 1;
          this.ref(a);
          ric = a + 1;
          this.pushLine(n++, p, K_DYNAMIC, false, a);
          continue;
        }
      }
      if (sname >= 0) { this.pushLine(n++, p, K_NAME_STATIC, sensitive, <u64>sname); continue; }
      const name = dyn && nameAny >= 0 ? this.usableName(nh, np, nl, drain, canBlock) : -1;
      if (name >= 0) {
        this.ref(<u64>name);
        if (<u64>name + 1 > ric) ric = <u64>name + 1;
        this.pushLine(n++, p, K_NAME_DYNAMIC, sensitive, <u64>name);
        continue;
      }
      this.pushLine(n++, p, K_LITERAL, sensitive, 0);
    }

    // Pass 2: prefix (§4.5.1) with Base = Required Insert Count, then the lines.
    const w = this.section;
    const base = ric;
    writeSectionPrefix(w, ric, base, this.peerMaxCapacity);
    this.lastRequiredInsertCount = ric;
    if (ric > 0) {
      const bytes = this.refCount << 3;
      const refs = heap.alloc(bytes == 0 ? 8 : bytes);
      memory.copy(refs, this.refBuf, bytes);
      this.outstanding.push(new Outstanding(streamId, ric, refs, this.refCount));
    }
    for (let i: usize = 0; i < n; i++) {
      const r = this.lines + i * LINE;
      const x = load<u64>(r);
      const p = <usize>load<u32>(r, 8);
      const kind = load<u8>(r, 12);
      const never = load<u8>(r, 13) != 0;
      const nl = <usize>load<u32>(p);
      const vl = <usize>load<u32>(p, 4);
      const np = p + FIELD_HEADER;
      const vp = np + nl;
      switch (<i32>kind) {
        case K_STATIC: writeIndexed(w, true, x); break;
        case K_DYNAMIC: writeIndexed(w, false, base - 1 - x); break;
        case K_NAME_STATIC: writeLiteralNameRef(w, never, true, x, vp, vl, this.huffman); break;
        case K_NAME_DYNAMIC: writeLiteralNameRef(w, never, false, base - 1 - x, vp, vl, this.huffman); break;
        default: writeLiteralName(w, never, np, nl, vp, vl, this.huffman);
      }
    }
    return 0;
  }

  /** Counts a reference from the section being encoded (blocks eviction until acknowledged). */
  private ref(abs: u64): void {
    const e = this.table.entry(abs);
    entrySetRefs(e, entryRefs(e) + 1);
    if (this.refCount >= this.refCap) {
      const cap = this.refCap == 0 ? <usize>16 : this.refCap * 2;
      this.refBuf = this.refBuf == 0 ? heap.alloc(cap << 3) : heap.realloc(this.refBuf, cap << 3);
      this.refCap = cap;
    }
    store<u64>(this.refBuf + (this.refCount << 3), abs);
    this.refCount++;
  }

  /** Sections awaiting acknowledgment (tests). */
  @inline get outstandingCount(): i32 { return this.outstanding.length; }
}

@inline function lower(c: u32): u32 { return c - 0x41 < 26 ? c | 0x20 : c; }

function nameIs(np: usize, nl: usize, s: string): bool {
  const n = s.length;
  if (nl != <usize>n) return false;
  for (let i = 0; i < n; i++) if (lower(<u32>load<u8>(np + <usize>i)) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/** RFC 9204 §7.1.3: values that must not be indexed (guessable secrets), as nghttp2/nghttp3 do. */
function isSensitive(np: usize, nl: usize, vl: usize): bool {
  switch (<i32>nl) {
    case 6: return vl < 20 && nameIs(np, nl, "cookie");
    case 13: return nameIs(np, nl, "authorization");
    case 19: return nameIs(np, nl, "proxy-authorization");
  }
  return false;
}

/** Fields whose values usually change per message: indexed only when seen recently. */
function isVolatile(np: usize, nl: usize): bool {
  switch (<i32>nl) {
    case 3: return nameIs(np, nl, "age");
    case 4: return nameIs(np, nl, "date") || nameIs(np, nl, "etag");
    case 5: return nameIs(np, nl, ":path");
    case 8: return nameIs(np, nl, "location");
    case 10: return nameIs(np, nl, "set-cookie");
    case 13: return nameIs(np, nl, "if-none-match") || nameIs(np, nl, "last-modified");
    case 14: return nameIs(np, nl, "content-length");
    case 17: return nameIs(np, nl, "if-modified-since");
  }
  return false;
}
