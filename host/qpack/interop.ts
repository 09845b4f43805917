// The QPACK Offline Interop formats (quicwg base-drafts wiki, "QPACK Offline
// Interop"; the formats of ls-qpack's interop-encode/decode and nghttp3's
// qpack tool):
//  * encoded file: records [stream id: u64 BE][length: u32 BE][bytes];
//    stream 0 carries encoder-stream bytes, any other id one field section;
//  * QIF: one `name<TAB>value` per line, sections separated by an empty line,
//    lines starting with '#' are comments.
// Names and values are handled as bytes (latin1 strings), so any octets survive.
import { QpackDecoder, QpackEncoder, packFields, unpackFields, type Field } from './index.js';
import { InteropFormatError } from '../errors.js';

export { InteropFormatError } from '../errors.js';

export interface EncodedRecord {
  streamId: bigint;
  data: Uint8Array;
  /** Where the record's header starts in the file (set by parseEncoded). */
  offset?: number;
}

/**
 * Prefixes an error's message with where it happened (which record, stream or
 * section) and rethrows the same object, so its class, `code` and `wireCode`
 * stay what the decoder or encoder reported.
 */
function rethrowWithContext(e: unknown, context: string): never {
  if (e instanceof Error) {
    e.message = `${context}: ${e.message}`;
    throw e;
  }
  throw new InteropFormatError(`${context}: ${String(e)}`);
}

function describeRecord(r: EncodedRecord, index: number): string {
  const where = r.offset === undefined ? '' : ` at offset ${r.offset}`;
  const what = r.streamId === 0n ? 'encoder stream' : `stream ${r.streamId}`;
  return `record ${index + 1}${where} (${what}, ${r.data.length} bytes)`;
}

/** Parses an encoded file into records; throws InteropFormatError when malformed. */
export function parseEncoded(buf: Uint8Array): EncodedRecord[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: EncodedRecord[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 12) throw new InteropFormatError(`record ${out.length + 1} at offset ${off}: truncated header (${buf.length - off} of 12 bytes)`);
    const streamId = view.getBigUint64(off);
    const len = view.getUint32(off + 8);
    if (len > buf.length - off - 12) throw new InteropFormatError(`record ${out.length + 1} at offset ${off} (stream ${streamId}) claims ${len} bytes, only ${buf.length - off - 12} left`);
    out.push({ streamId, data: buf.subarray(off + 12, off + 12 + len), offset: off });
    off += 12 + len;
  }
  return out;
}

export function writeEncoded(records: EncodedRecord[]): Uint8Array {
  const total = records.reduce((n, r) => n + 12 + r.data.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let off = 0;
  for (const r of records) {
    view.setBigUint64(off, r.streamId);
    view.setUint32(off + 8, r.data.length);
    out.set(r.data, off + 12);
    off += 12 + r.data.length;
  }
  return out;
}

/** Parses QIF text (latin1) into sections. */
export function parseQif(text: string): Field[][] {
  const sections: Field[][] = [];
  let cur: Field[] = [];
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) return;
    if (line === '') {
      if (cur.length) sections.push(cur);
      cur = [];
      return;
    }
    const tab = line.indexOf('\t');
    if (tab < 0) throw new InteropFormatError(`QIF line ${i + 1}: no TAB between name and value`);
    cur.push([line.slice(0, tab), line.slice(tab + 1)]);
  });
  if (cur.length) sections.push(cur);
  return sections;
}

export function formatQif(sections: Field[][]): string {
  return sections.map((s) => s.map(([n, v]) => `${n}\t${v}\n`).join('') + '\n').join('');
}

export interface InteropOptions {
  tableSize: number;
  maxBlocked: number;
  immediateAck?: boolean;
  huffman?: boolean;
}

export interface EncodeResult {
  encoded: Uint8Array;
  sections: number;
  fieldLines: number;
  /** Sum of name+value bytes of the input. */
  rawBytes: number;
  encoderStreamBytes: number;
  sectionBytes: number;
}

/**
 * Encodes QIF sections as streams 1, 2, 3, ...; encoder-stream bytes a section
 * needs are written in a stream-0 record just before it. With immediateAck the
 * decoder is assumed to acknowledge each section (and every insert) right
 * after it is emitted, as ls-qpack's `interop-encode -a 1` does.
 */
export function encodeSections(sections: Field[][], opt: InteropOptions): EncodeResult {
  const enc = new QpackEncoder({ peerMaxTableCapacity: opt.tableSize, peerBlockedStreams: opt.maxBlocked, huffman: opt.huffman ?? true, encoding: 'latin1' });
  const records: EncodedRecord[] = [];
  let rawBytes = 0, fieldLines = 0, encoderStreamBytes = 0, sectionBytes = 0;
  let acked = 0n; // Known Received Count as the simulated decoder reported it
  try {
    sections.forEach((fields, i) => {
      const streamId = BigInt(i + 1);
      for (const [n, v] of fields) rawBytes += n.length + v.length;
      fieldLines += fields.length;
      let encoded;
      try {
        encoded = enc.encode(streamId, packFields(fields, 'latin1'));
      } catch (e) {
        rethrowWithContext(e, `section ${i + 1} (stream ${streamId}, ${fields.length} field lines)`);
      }
      const { encoderStream, section, requiredInsertCount, insertCount } = encoded;
      if (encoderStream.length) records.push({ streamId: 0n, data: encoderStream });
      records.push({ streamId, data: section });
      encoderStreamBytes += encoderStream.length;
      sectionBytes += section.length;
      if (opt.immediateAck) {
        // What a decoder sends once it processed the section: a Section
        // Acknowledgment if it referenced the table, then an Insert Count
        // Increment for the insertions not covered by it.
        const ack: number[] = [];
        if (requiredInsertCount > 0n) ack.push(...prefixInt(0x80, streamId, 7));
        const known = requiredInsertCount > acked ? requiredInsertCount : acked;
        if (insertCount > known) ack.push(...prefixInt(0x00, insertCount - known, 6));
        acked = insertCount;
        if (ack.length) enc.feedDecoderStream(Uint8Array.from(ack));
      }
    });
  } finally {
    enc.close();
  }
  return { encoded: writeEncoded(records), sections: sections.length, fieldLines, rawBytes, encoderStreamBytes, sectionBytes };
}

/** RFC 9204 §4.1.1 prefixed integer (for synthesized decoder instructions). */
function prefixInt(flags: number, v: bigint, bits: number): number[] {
  const max = (1n << BigInt(bits)) - 1n;
  if (v < max) return [flags | Number(v)];
  const out = [flags | Number(max)];
  v -= max;
  while (v >= 128n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return out;
}

export interface DecodeResult {
  /** Sections by stream id, in stream-id order. */
  sections: Array<{ streamId: bigint; fields: Field[] }>;
  blockedAtSomePoint: number;
}

/**
 * Decodes an encoded file. Sections may arrive before the encoder-stream
 * instructions they depend on (they block, up to maxBlocked streams, and are
 * resumed when those arrive). Throws QpackError on a decoding error and
 * InteropFormatError when sections are still blocked at the end; the message
 * starts with the record (numbered from 1, file offset, stream) that failed.
 * A decoder with a smaller table or blocked-stream limit than the encoder
 * assumed fails too: decode with the encoder's settings.
 */
export function decodeRecords(records: EncodedRecord[], opt: InteropOptions): DecodeResult {
  const dec = new QpackDecoder({ maxTableCapacity: opt.tableSize, maxBlockedStreams: opt.maxBlocked, encoding: 'latin1' });
  const done = new Map<bigint, Field[]>();
  const pending = new Set<bigint>();
  let blockedAtSomePoint = 0;
  const put = (id: bigint, f: Field[]) => {
    if (done.has(id)) throw new InteropFormatError(`stream ${id} carries more than one field section`);
    done.set(id, f);
  };
  try {
    records.forEach((r, index) => {
      try {
        if (r.streamId === 0n) {
          for (const id of dec.feedEncoderStream(r.data)) {
            let packed;
            try {
              packed = dec.resumePacked(id);
            } catch (e) {
              rethrowWithContext(e, `stream ${id}'s field section (unblocked by this record)`);
            }
            if (packed) { put(id, unpackFields(packed, 'latin1')); pending.delete(id); }
          }
        } else {
          const packed = dec.decodePacked(r.streamId, r.data);
          if (packed) put(r.streamId, unpackFields(packed, 'latin1'));
          else { pending.add(r.streamId); blockedAtSomePoint++; }
        }
      } catch (e) {
        rethrowWithContext(e, describeRecord(r, index));
      }
      dec.takeDecoderStream(); // nobody reads it offline; keep it from growing
    });
  } finally {
    dec.close();
  }
  if (pending.size) throw new InteropFormatError(`${pending.size} field section(s) still blocked at end of input (streams ${[...pending].join(', ')})`);
  const sections = [...done.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([streamId, fields]) => ({ streamId, fields }));
  return { sections, blockedAtSomePoint };
}
