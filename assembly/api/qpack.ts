// `interface qpack` (wit/qpack.wit): QPACK encoder and decoder instances for
// the host, in the generational handle table. The canonical-ABI shims are
// generated (gen/qpack.ts).

import { Bytes } from "./abi";
import { HandleTable } from "./handles";
import {
  QpackError, EncodedSection, DecodeResult, EncoderInfo, EncodedSectionOrQpackError, VoidOrQpackError,
  U64ListOrQpackError, DecodeResultOrQpackError, U32OrQpackError,
} from "./gen/qpack_types";
import { Encoder } from "../h3/qpack/encoder";
import { Decoder, DECODE_OK, DECODE_BLOCKED } from "../h3/qpack/decoder";
import { H3_INTERNAL_ERROR } from "../h3/errors";
import { HUFFMAN_NEVER, HUFFMAN_SHORTER } from "../h3/qpack/string";
import { Writer } from "../wire/writer";
import { MAX_TABLE_CAPACITY } from "../h3/qpack/dynamic_table";

const encoders = new HandleTable<Encoder>();
const decoders = new HandleTable<Decoder>();
const out = new Writer();

const unknownEncoder = (): QpackError => new QpackError(H3_INTERNAL_ERROR, "unknown encoder handle");
const unknownDecoder = (): QpackError => new QpackError(H3_INTERNAL_ERROR, "unknown decoder handle");

// ---- encoder ----

export function encoderNew(peerMaxTableCapacity: u32, peerBlockedStreams: u32, tableCapacity: u32, huffman: bool): u32 {
  const e = new Encoder(peerMaxTableCapacity, peerBlockedStreams, tableCapacity);
  e.huffman = huffman ? HUFFMAN_SHORTER : HUFFMAN_NEVER;
  const h = encoders.add(e);
  if (h == 0) e.dispose();
  return h;
}

export function encoderEncode(encoder: u32, streamId: u64, fields: Bytes): EncodedSectionOrQpackError {
  const e = encoders.get(encoder);
  if (e == null) return EncodedSectionOrQpackError.err(unknownEncoder());
  const rc = e.encodeSection(streamId, fields.ptr, fields.len);
  if (rc != 0) return EncodedSectionOrQpackError.err(new QpackError(rc, e.reason));
  const es = e.encoderStream;
  const encoderStream = Bytes.copyOf(es.buf, es.len);
  es.clear();
  return EncodedSectionOrQpackError.ok(new EncodedSection(encoderStream, Bytes.copyOf(e.section.buf, e.section.len), e.lastRequiredInsertCount, e.table.insertCount));
}

export function encoderFeedDecoderStream(encoder: u32, bytes: Bytes): VoidOrQpackError {
  const e = encoders.get(encoder);
  if (e == null) return VoidOrQpackError.err(unknownEncoder());
  const rc = e.feedDecoderStream(bytes.ptr, bytes.len);
  if (rc != 0) return VoidOrQpackError.err(new QpackError(rc, e.reason));
  return VoidOrQpackError.ok();
}

export function encoderAckSection(encoder: u32, streamId: u64): bool {
  const e = encoders.get(encoder);
  return e != null && e.ackSection(streamId);
}

export function encoderStats(encoder: u32): EncoderInfo {
  const e = encoders.get(encoder);
  if (e == null) return new EncoderInfo(0, 0, 0, 0, 0);
  return new EncoderInfo(e.table.insertCount, e.knownReceived, <u32>e.table.size, <u32>e.table.capacity, <u32>e.outstandingCount);
}

export function encoderFree(encoder: u32): void {
  const e = encoders.remove(encoder);
  if (e != null) e.dispose();
}

// ---- decoder ----

export function decoderNew(maxTableCapacity: u32, maxBlockedStreams: u32, maxFieldSectionSize: u64): U32OrQpackError {
  // Our own SETTINGS_QPACK_MAX_TABLE_CAPACITY (RFC 9204 §3.2.3): the peer may
  // fill a table this large, so one the core cannot hold is refused rather
  // than clamped (a clamp would break the promise the SETTINGS frame made).
  if (<usize>maxTableCapacity > MAX_TABLE_CAPACITY) {
    return U32OrQpackError.err(new QpackError(H3_INTERNAL_ERROR, "max table capacity above 2^30 bytes"));
  }
  const d = new Decoder(maxTableCapacity, maxBlockedStreams, maxFieldSectionSize == 0 ? u64.MAX_VALUE : maxFieldSectionSize);
  const h = decoders.add(d);
  if (h == 0) d.dispose();
  // 0 (the table is full) is never a valid handle: the host reports LimitError
  return U32OrQpackError.ok(h);
}

export function decoderFeedEncoderStream(decoder: u32, bytes: Bytes): U64ListOrQpackError {
  const d = decoders.get(decoder);
  if (d == null) return U64ListOrQpackError.err(unknownDecoder());
  const rc = d.feedEncoderStream(bytes.ptr, bytes.len);
  if (rc != 0) return U64ListOrQpackError.err(new QpackError(rc, d.reason));
  const ids = d.takeUnblocked();
  const list = new StaticArray<u64>(ids.length);
  for (let i = 0; i < ids.length; i++) unchecked(list[i] = ids[i]);
  return U64ListOrQpackError.ok(list);
}

/** The outcome of decodeSection / resume as the WIT's decode-result. */
function decoded(d: Decoder, rc: u64): DecodeResultOrQpackError {
  if (rc == DECODE_BLOCKED) return DecodeResultOrQpackError.ok(DecodeResult.blocked());
  if (rc != DECODE_OK) return DecodeResultOrQpackError.err(new QpackError(rc, d.reason));
  return DecodeResultOrQpackError.ok(DecodeResult.fields(Bytes.copyOf(d.fields.buf, d.fields.len)));
}

export function decoderDecode(decoder: u32, streamId: u64, section: Bytes): DecodeResultOrQpackError {
  const d = decoders.get(decoder);
  if (d == null) return DecodeResultOrQpackError.err(unknownDecoder());
  return decoded(d, d.decodeSection(streamId, section.ptr, section.len));
}

export function decoderResume(decoder: u32, streamId: u64): DecodeResultOrQpackError {
  const d = decoders.get(decoder);
  if (d == null) return DecodeResultOrQpackError.err(unknownDecoder());
  return decoded(d, d.resume(streamId));
}

export function decoderCancelStream(decoder: u32, streamId: u64): void {
  const d = decoders.get(decoder);
  if (d != null) d.cancelStream(streamId);
}

export function decoderTakeDecoderStream(decoder: u32): Bytes {
  const d = decoders.get(decoder);
  out.clear();
  if (d != null) d.takeDecoderStream(out);
  return Bytes.copyOf(out.buf, out.len);
}

export function decoderFree(decoder: u32): void {
  const d = decoders.remove(decoder);
  if (d != null) d.dispose();
}
