// `h3-wasi/qpack`: QPACK (RFC 9204) encoder and decoder instances of the engine.
//
// Field lines are [name, value] pairs of strings (UTF-8, or 'latin1' to keep
// arbitrary bytes) or Uint8Arrays. A section crosses the component boundary
// as one packed buffer (see wit/qpack.wit), not one object per line.
import { qpack } from '../core/engine.js';
import { QpackError } from '../errors.js';

export type FieldBytes = [name: Uint8Array, value: Uint8Array];
export type Field = [name: string, value: string];
export type FieldInput = [name: string | Uint8Array, value: string | Uint8Array];
/** How decoded names and values are returned. */
export type FieldEncoding = 'utf8' | 'latin1';

/** RFC 9204 §6 error codes. */
export const QPACK_DECOMPRESSION_FAILED = 0x200n;
export const QPACK_ENCODER_STREAM_ERROR = 0x201n;
export const QPACK_DECODER_STREAM_ERROR = 0x202n;
/** RFC 9114 §8.1: used for a field section over SETTINGS_MAX_FIELD_SECTION_SIZE. */
export const H3_EXCESSIVE_LOAD = 0x107n;

type WitQpackError = { code: bigint; reason: string };

function rethrow(e: unknown): never {
  const payload = (e as { payload?: WitQpackError }).payload;
  if (payload && typeof payload.code === 'bigint') throw new QpackError(payload.code, payload.reason);
  throw e;
}

const toBytes = (s: string | Uint8Array, enc: FieldEncoding) => (typeof s === 'string' ? Buffer.from(s, enc) : s);

/** Packs field lines: repeated [u32 nameLen LE][u32 valueLen LE][name][value]. */
export function packFields(fields: Iterable<FieldInput>, encoding: FieldEncoding = 'utf8'): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [n, v] of fields) {
    const nb = toBytes(n, encoding), vb = toBytes(v, encoding);
    parts.push(nb, vb);
    total += 8 + nb.length + vb.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let off = 0;
  for (let i = 0; i < parts.length; i += 2) {
    view.setUint32(off, parts[i].length, true);
    view.setUint32(off + 4, parts[i + 1].length, true);
    out.set(parts[i], off + 8);
    out.set(parts[i + 1], off + 8 + parts[i].length);
    off += 8 + parts[i].length + parts[i + 1].length;
  }
  return out;
}

/** Unpacks a packed field list into byte pairs (views into `buf`). */
export function unpackFieldBytes(buf: Uint8Array): FieldBytes[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: FieldBytes[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const nl = view.getUint32(off, true), vl = view.getUint32(off + 4, true);
    const n = buf.subarray(off + 8, off + 8 + nl);
    const v = buf.subarray(off + 8 + nl, off + 8 + nl + vl);
    out.push([n, v]);
    off += 8 + nl + vl;
  }
  return out;
}

/** Unpacks a packed field list into string pairs. */
export function unpackFields(buf: Uint8Array, encoding: FieldEncoding = 'utf8'): Field[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Field[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const nl = view.getUint32(off, true), vl = view.getUint32(off + 4, true);
    const ns = off + 8, vs = ns + nl;
    out.push([b.toString(encoding, ns, vs), b.toString(encoding, vs, vs + vl)]);
    off = vs + vl;
  }
  return out;
}

export interface EncoderOptions {
  /** The peer decoder's SETTINGS_QPACK_MAX_TABLE_CAPACITY (default 0: static table only). */
  peerMaxTableCapacity?: number;
  /** The peer decoder's SETTINGS_QPACK_BLOCKED_STREAMS (default 0). */
  peerBlockedStreams?: number;
  /** Dynamic table capacity to use (default: the peer's maximum). */
  tableCapacity?: number;
  /** Huffman-code literals when shorter (default true). */
  huffman?: boolean;
  /** String encoding of field names/values given as strings (default 'utf8'). */
  encoding?: FieldEncoding;
}

export interface EncodedSection {
  /** Encoder-stream bytes to send (before the section is delivered). */
  encoderStream: Uint8Array;
  /** The encoded field section (HEADERS frame payload). */
  section: Uint8Array;
  /** Its Required Insert Count (0n: no dynamic table references). */
  requiredInsertCount: bigint;
  /** The encoder's Insert Count after this section. */
  insertCount: bigint;
}

/** A QPACK encoder (RFC 9204 §2.1). Call close() when done. */
export class QpackEncoder {
  #h: number;
  readonly encoding: FieldEncoding;
  constructor(options: EncoderOptions = {}) {
    const max = options.peerMaxTableCapacity ?? 0;
    this.#h = qpack.encoderNew(max, options.peerBlockedStreams ?? 0, options.tableCapacity ?? max, options.huffman ?? true);
    this.encoding = options.encoding ?? 'utf8';
  }
  /** Encodes one field section of `streamId`. */
  encode(streamId: bigint | number, fields: Iterable<FieldInput> | Uint8Array): EncodedSection {
    const packed = fields instanceof Uint8Array ? fields : packFields(fields, this.encoding);
    try {
      return qpack.encoderEncode(this.#h, BigInt(streamId), packed);
    } catch (e) {
      rethrow(e);
    }
  }
  /** Processes the peer's decoder-stream bytes (acknowledgments). */
  feedDecoderStream(bytes: Uint8Array): void {
    try {
      qpack.encoderFeedDecoderStream(this.#h, bytes);
    } catch (e) {
      rethrow(e);
    }
  }
  /** Acts as if a Section Acknowledgment for `streamId` arrived; false if nothing was outstanding. */
  ackSection(streamId: bigint | number): boolean {
    return qpack.encoderAckSection(this.#h, BigInt(streamId));
  }
  stats() {
    return qpack.encoderStats(this.#h);
  }
  close(): void {
    if (this.#h) qpack.encoderFree(this.#h);
    this.#h = 0;
  }
}

export interface DecoderOptions {
  /** Our SETTINGS_QPACK_MAX_TABLE_CAPACITY (default 0). */
  maxTableCapacity?: number;
  /** Our SETTINGS_QPACK_BLOCKED_STREAMS (default 0). */
  maxBlockedStreams?: number;
  /** Our SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2); default unlimited. */
  maxFieldSectionSize?: number | bigint;
  /** How names and values are returned (default 'utf8'). */
  encoding?: FieldEncoding;
}

/** A QPACK decoder (RFC 9204 §2.2). Call close() when done. */
export class QpackDecoder {
  #h: number;
  readonly encoding: FieldEncoding;
  constructor(options: DecoderOptions = {}) {
    try {
      this.#h = qpack.decoderNew(options.maxTableCapacity ?? 0, options.maxBlockedStreams ?? 0, BigInt(options.maxFieldSectionSize ?? 0));
    } catch (e) {
      rethrow(e);
    }
    this.encoding = options.encoding ?? 'utf8';
  }
  /** Processes encoder-stream bytes; returns the streams whose blocked section can now be resumed. */
  feedEncoderStream(bytes: Uint8Array): bigint[] {
    try {
      return [...qpack.decoderFeedEncoderStream(this.#h, bytes)];
    } catch (e) {
      rethrow(e);
    }
  }
  /** Decodes one field section, packed; null when blocked. */
  decodePacked(streamId: bigint | number, section: Uint8Array): Uint8Array | null {
    try {
      const r = qpack.decoderDecode(this.#h, BigInt(streamId), section);
      return r.tag === 'fields' ? r.val : null;
    } catch (e) {
      rethrow(e);
    }
  }
  /** Decodes one field section; null when blocked (see feedEncoderStream/resume). */
  decode(streamId: bigint | number, section: Uint8Array): Field[] | null {
    const p = this.decodePacked(streamId, section);
    return p && unpackFields(p, this.encoding);
  }
  /** Decodes a blocked section once its stream was reported unblocked, packed. */
  resumePacked(streamId: bigint | number): Uint8Array | null {
    try {
      const r = qpack.decoderResume(this.#h, BigInt(streamId));
      return r.tag === 'fields' ? r.val : null;
    } catch (e) {
      rethrow(e);
    }
  }
  resume(streamId: bigint | number): Field[] | null {
    const p = this.resumePacked(streamId);
    return p && unpackFields(p, this.encoding);
  }
  /** The stream was reset or abandoned: queues a Stream Cancellation. */
  cancelStream(streamId: bigint | number): void {
    qpack.decoderCancelStream(this.#h, BigInt(streamId));
  }
  /** Decoder-stream bytes to send to the peer encoder. */
  takeDecoderStream(): Uint8Array {
    return qpack.decoderTakeDecoderStream(this.#h);
  }
  close(): void {
    if (this.#h) qpack.decoderFree(this.#h);
    this.#h = 0;
  }
}
