// `h3-wasi/qpack`: QPACK (RFC 9204) encoder and decoder instances of the engine.
//
// Field lines are [name, value] pairs of strings (UTF-8, or 'latin1' to keep
// arbitrary bytes) or Uint8Arrays. A section crosses the component boundary
// as one packed buffer (see wit/qpack.wit), not one object per line.
import { qpack } from '../core/engine.js';
import { callEngine } from '../core/call.js';
import { Owned } from '../core/owned.js';
import { InvalidArgumentError, QpackError } from '../errors.js';
import { bigintArg, boolArg, bytesArg, describe, enumArg, optionsArg, streamIdArg, u32Arg, VARINT_MAX } from '../args.js';

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

/** Calls the engine; a `qpack-error` becomes QpackError. */
function call<T>(f: () => T): T {
  return callEngine(f, (payload) => {
    const p = payload as WitQpackError | undefined;
    return p && typeof p.code === 'bigint' ? new QpackError(p.code, p.reason) : undefined;
  });
}

const ENCODINGS: readonly FieldEncoding[] = ['utf8', 'latin1'];

function toBytes(where: string, s: unknown, enc: FieldEncoding): Uint8Array {
  if (typeof s === 'string') return Buffer.from(s, enc);
  if (s instanceof Uint8Array) return s;
  throw new InvalidArgumentError(where, `must be a string or a Uint8Array, got ${describe(s)}`);
}

/** Packs field lines: repeated [u32 nameLen LE][u32 valueLen LE][name][value]. */
export function packFields(fields: Iterable<FieldInput>, encoding: FieldEncoding = 'utf8'): Uint8Array {
  enumArg('encoding', encoding, ENCODINGS);
  if (fields === null || typeof fields !== 'object' || typeof (fields as Iterable<FieldInput>)[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError('fields', `must be an iterable of [name, value] pairs, got ${describe(fields)}`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  let i = 0;
  for (const line of fields) {
    if (!Array.isArray(line) || line.length !== 2) throw new InvalidArgumentError(`fields[${i}]`, `must be a [name, value] pair, got ${describe(line)}`);
    const nb = toBytes(`fields[${i}][0]`, line[0], encoding), vb = toBytes(`fields[${i}][1]`, line[1], encoding);
    i++;
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
  bytesArg('buf', buf);
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
  bytesArg('buf', buf);
  enumArg('encoding', encoding, ENCODINGS);
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

const ENCODER_OPTIONS = ['peerMaxTableCapacity', 'peerBlockedStreams', 'tableCapacity', 'huffman', 'encoding'] as const;

/** A QPACK encoder (RFC 9204 §2.1). Call close() when done; close() twice is harmless. */
export class QpackEncoder {
  readonly #h: Owned;
  readonly encoding: FieldEncoding;
  constructor(options: EncoderOptions = {}) {
    const o = optionsArg<EncoderOptions>('options', options, ENCODER_OPTIONS);
    const max = o.peerMaxTableCapacity === undefined ? 0 : u32Arg('peerMaxTableCapacity', o.peerMaxTableCapacity);
    const blocked = o.peerBlockedStreams === undefined ? 0 : u32Arg('peerBlockedStreams', o.peerBlockedStreams);
    const capacity = o.tableCapacity === undefined ? max : u32Arg('tableCapacity', o.tableCapacity);
    // RFC 9204 §3.2.3: the encoder MUST NOT set a capacity above the decoder's maximum
    if (capacity > max) throw new InvalidArgumentError('tableCapacity', `must not exceed peerMaxTableCapacity (${max}), got ${capacity}`);
    const huffman = o.huffman === undefined ? true : boolArg('huffman', o.huffman);
    this.encoding = o.encoding === undefined ? 'utf8' : enumArg('encoding', o.encoding, ENCODINGS);
    this.#h = new Owned(this, call(() => qpack.encoderNew(max, blocked, capacity, huffman)), qpack.encoderFree, 'QpackEncoder');
  }
  #handle(): number {
    return this.#h.handle;
  }
  /** Encodes one field section of `streamId`. */
  encode(streamId: bigint | number, fields: Iterable<FieldInput> | Uint8Array): EncodedSection {
    const h = this.#handle();
    const id = streamIdArg('streamId', streamId);
    const packed = fields instanceof Uint8Array ? fields : packFields(fields, this.encoding);
    return call(() => qpack.encoderEncode(h, id, packed));
  }
  /** Processes the peer's decoder-stream bytes (acknowledgments). */
  feedDecoderStream(bytes: Uint8Array): void {
    const h = this.#handle();
    bytesArg('bytes', bytes);
    call(() => qpack.encoderFeedDecoderStream(h, bytes));
  }
  /** Acts as if a Section Acknowledgment for `streamId` arrived; false if nothing was outstanding. */
  ackSection(streamId: bigint | number): boolean {
    const h = this.#handle();
    const id = streamIdArg('streamId', streamId);
    return call(() => qpack.encoderAckSection(h, id));
  }
  stats() {
    const h = this.#handle();
    return call(() => qpack.encoderStats(h));
  }
  close(): void {
    this.#h.close();
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

const DECODER_OPTIONS = ['maxTableCapacity', 'maxBlockedStreams', 'maxFieldSectionSize', 'encoding'] as const;

/** A QPACK decoder (RFC 9204 §2.2). Call close() when done; close() twice is harmless. */
export class QpackDecoder {
  readonly #h: Owned;
  readonly encoding: FieldEncoding;
  constructor(options: DecoderOptions = {}) {
    const o = optionsArg<DecoderOptions>('options', options, DECODER_OPTIONS);
    const capacity = o.maxTableCapacity === undefined ? 0 : u32Arg('maxTableCapacity', o.maxTableCapacity);
    const blocked = o.maxBlockedStreams === undefined ? 0 : u32Arg('maxBlockedStreams', o.maxBlockedStreams);
    // RFC 9114 §7.2.4.1: SETTINGS values are varints
    const maxSection = o.maxFieldSectionSize === undefined ? 0n : bigintArg('maxFieldSectionSize', o.maxFieldSectionSize, 0n, VARINT_MAX);
    this.encoding = o.encoding === undefined ? 'utf8' : enumArg('encoding', o.encoding, ENCODINGS);
    this.#h = new Owned(this, call(() => qpack.decoderNew(capacity, blocked, maxSection)), qpack.decoderFree, 'QpackDecoder');
  }
  #handle(): number {
    return this.#h.handle;
  }
  /** Processes encoder-stream bytes; returns the streams whose blocked section can now be resumed. */
  feedEncoderStream(bytes: Uint8Array): bigint[] {
    const h = this.#handle();
    bytesArg('bytes', bytes);
    return [...call(() => qpack.decoderFeedEncoderStream(h, bytes))];
  }
  /** Decodes one field section, packed; null when blocked. */
  decodePacked(streamId: bigint | number, section: Uint8Array): Uint8Array | null {
    const h = this.#handle();
    const id = streamIdArg('streamId', streamId);
    bytesArg('section', section);
    const r = call(() => qpack.decoderDecode(h, id, section));
    return r.tag === 'fields' ? r.val : null;
  }
  /** Decodes one field section; null when blocked (see feedEncoderStream/resume). */
  decode(streamId: bigint | number, section: Uint8Array): Field[] | null {
    const p = this.decodePacked(streamId, section);
    return p && unpackFields(p, this.encoding);
  }
  /** Decodes a blocked section once its stream was reported unblocked, packed. */
  resumePacked(streamId: bigint | number): Uint8Array | null {
    const h = this.#handle();
    const id = streamIdArg('streamId', streamId);
    const r = call(() => qpack.decoderResume(h, id));
    return r.tag === 'fields' ? r.val : null;
  }
  resume(streamId: bigint | number): Field[] | null {
    const p = this.resumePacked(streamId);
    return p && unpackFields(p, this.encoding);
  }
  /** The stream was reset or abandoned: queues a Stream Cancellation. */
  cancelStream(streamId: bigint | number): void {
    const h = this.#handle();
    const id = streamIdArg('streamId', streamId);
    call(() => qpack.decoderCancelStream(h, id));
  }
  /** Decoder-stream bytes to send to the peer encoder. */
  takeDecoderStream(): Uint8Array {
    const h = this.#handle();
    return call(() => qpack.decoderTakeDecoderStream(h));
  }
  close(): void {
    this.#h.close();
  }
}
