// Canonical-ABI glue for `interface qpack` (wit/qpack.wit). See abi.ts for the conventions.

import { RET, argFree, retCopyAt, retStringAt, postFreeAt } from "./abi";
import { Encoder } from "../h3/qpack/encoder";
import { Decoder, DECODE_OK, DECODE_BLOCKED } from "../h3/qpack/decoder";
import { H3_INTERNAL_ERROR } from "../h3/qpack/errors";
import { HUFFMAN_NEVER, HUFFMAN_SHORTER } from "../h3/qpack/string";
import { Writer } from "../wire/writer";
import { MAX_TABLE_CAPACITY } from "../h3/qpack/dynamic_table";

const encoders: Array<Encoder | null> = [];
const decoders: Array<Decoder | null> = [];
const out = new Writer();

function slot<T>(list: Array<T | null>, obj: T): u32 {
  for (let i = 0; i < list.length; i++) {
    if (unchecked(list[i]) == null) { unchecked(list[i] = obj); return <u32>i + 1; }
  }
  list.push(obj);
  return <u32>list.length;
}

function getEncoder(h: u32): Encoder | null {
  if (h == 0 || h > <u32>encoders.length) return null;
  return unchecked(encoders[<i32>h - 1]);
}

function getDecoder(h: u32): Decoder | null {
  if (h == 0 || h > <u32>decoders.length) return null;
  return unchecked(decoders[<i32>h - 1]);
}

/** result<_, qpack-error> error arm: code at RET+8, reason at RET+16. */
function retError(code: u64, reason: string): usize {
  store<u8>(RET, 1);
  store<u64>(RET + 8, code);
  retStringAt(16, reason);
  return RET;
}

// ---- encoder ----

export function qpack__encoderNew(peerMaxTableCapacity: u32, peerBlockedStreams: u32, tableCapacity: u32, huffman: bool): u32 {
  const e = new Encoder(peerMaxTableCapacity, peerBlockedStreams, tableCapacity);
  e.huffman = huffman ? HUFFMAN_SHORTER : HUFFMAN_NEVER;
  return slot<Encoder>(encoders, e);
}

export function qpack__encoderEncode(h: u32, streamId: u64, ptr: usize, len: usize): usize {
  const e = getEncoder(h);
  if (e == null) { argFree(ptr, len); return retError(H3_INTERNAL_ERROR, "unknown encoder handle"); }
  const rc = e.encodeSection(streamId, ptr, len);
  argFree(ptr, len);
  if (rc != 0) return retError(<u64>rc, e.reason);
  store<u8>(RET, 0);
  const es = e.encoderStream;
  retCopyAt(8, es.buf, es.len);
  es.clear();
  retCopyAt(16, e.section.buf, e.section.len);
  store<u64>(RET + 24, e.lastRequiredInsertCount);
  store<u64>(RET + 32, e.table.insertCount);
  return RET;
}
export function qpack__encoderEncode__post(ret: usize): void {
  if (load<u8>(ret) == 0) { postFreeAt(ret, 8); postFreeAt(ret, 16); } else postFreeAt(ret, 16);
}

export function qpack__encoderFeedDecoderStream(h: u32, ptr: usize, len: usize): usize {
  const e = getEncoder(h);
  if (e == null) { argFree(ptr, len); return retError(H3_INTERNAL_ERROR, "unknown encoder handle"); }
  const rc = e.feedDecoderStream(ptr, len);
  argFree(ptr, len);
  if (rc != 0) return retError(<u64>rc, e.reason);
  store<u8>(RET, 0);
  return RET;
}
export function qpack__encoderFeedDecoderStream__post(ret: usize): void {
  if (load<u8>(ret) != 0) postFreeAt(ret, 16);
}

export function qpack__encoderAckSection(h: u32, streamId: u64): bool {
  const e = getEncoder(h);
  return e != null && e.ackSection(streamId);
}

export function qpack__encoderStats(h: u32): usize {
  const e = getEncoder(h);
  memory.fill(RET, 0, 40);
  if (e != null) {
    store<u64>(RET, e.table.insertCount);
    store<u64>(RET + 8, e.knownReceived);
    store<u32>(RET + 16, <u32>e.table.size);
    store<u32>(RET + 20, <u32>e.table.capacity);
    store<u32>(RET + 24, <u32>e.outstandingCount);
  }
  return RET;
}

export function qpack__encoderFree(h: u32): void {
  const e = getEncoder(h);
  if (e == null) return;
  e.dispose();
  unchecked(encoders[<i32>h - 1] = null);
}

// ---- decoder ----

/** result<u32, qpack-error>: the handle at RET+8, or the error. */
export function qpack__decoderNew(maxTableCapacity: u32, maxBlockedStreams: u32, maxFieldSectionSize: u64): usize {
  // Our own SETTINGS_QPACK_MAX_TABLE_CAPACITY (RFC 9204 §3.2.3): the peer may
  // fill a table this large, so one the core cannot hold is refused rather
  // than clamped (a clamp would break the promise the SETTINGS frame made).
  if (<usize>maxTableCapacity > MAX_TABLE_CAPACITY) {
    return retError(H3_INTERNAL_ERROR, "max table capacity above 2^30 bytes");
  }
  const d = new Decoder(maxTableCapacity, maxBlockedStreams, maxFieldSectionSize == 0 ? u64.MAX_VALUE : maxFieldSectionSize);
  store<u8>(RET, 0);
  store<u32>(RET + 8, slot<Decoder>(decoders, d));
  return RET;
}
export function qpack__decoderNew__post(ret: usize): void {
  if (load<u8>(ret) != 0) postFreeAt(ret, 16);
}

export function qpack__decoderFeedEncoderStream(h: u32, ptr: usize, len: usize): usize {
  const d = getDecoder(h);
  if (d == null) { argFree(ptr, len); return retError(H3_INTERNAL_ERROR, "unknown decoder handle"); }
  const rc = d.feedEncoderStream(ptr, len);
  argFree(ptr, len);
  if (rc != 0) return retError(<u64>rc, d.reason);
  const ids = d.takeUnblocked();
  const n = <usize>ids.length;
  const p = heap.alloc(n == 0 ? 8 : n * 8);
  for (let i: usize = 0; i < n; i++) store<u64>(p + i * 8, unchecked(ids[<i32>i]));
  store<u8>(RET, 0);
  store<u32>(RET + 8, <u32>p);
  store<u32>(RET + 12, <u32>n);
  return RET;
}
export function qpack__decoderFeedEncoderStream__post(ret: usize): void {
  postFreeAt(ret, load<u8>(ret) == 0 ? 8 : 16);
}

function retDecode(d: Decoder, rc: i32): usize {
  if (rc == DECODE_BLOCKED) {
    store<u8>(RET, 0);
    store<u8>(RET + 8, 1);
    return RET;
  }
  if (rc != DECODE_OK) return retError(<u64>rc, d.reason);
  store<u8>(RET, 0);
  store<u8>(RET + 8, 0);
  retCopyAt(12, d.fields.buf, d.fields.len);
  return RET;
}

export function qpack__decoderDecode(h: u32, streamId: u64, ptr: usize, len: usize): usize {
  const d = getDecoder(h);
  if (d == null) { argFree(ptr, len); return retError(H3_INTERNAL_ERROR, "unknown decoder handle"); }
  const rc = d.decodeSection(streamId, ptr, len);
  argFree(ptr, len);
  return retDecode(d, rc);
}
export function qpack__decoderDecode__post(ret: usize): void {
  if (load<u8>(ret) != 0) postFreeAt(ret, 16);
  else if (load<u8>(ret + 8) == 0) postFreeAt(ret, 12);
}

export function qpack__decoderResume(h: u32, streamId: u64): usize {
  const d = getDecoder(h);
  if (d == null) return retError(H3_INTERNAL_ERROR, "unknown decoder handle");
  return retDecode(d, d.resume(streamId));
}
export function qpack__decoderResume__post(ret: usize): void {
  qpack__decoderDecode__post(ret);
}

export function qpack__decoderCancelStream(h: u32, streamId: u64): void {
  const d = getDecoder(h);
  if (d != null) d.cancelStream(streamId);
}

export function qpack__decoderTakeDecoderStream(h: u32): usize {
  const d = getDecoder(h);
  out.clear();
  if (d != null) d.takeDecoderStream(out);
  retCopyAt(0, out.buf, out.len);
  return RET;
}
export function qpack__decoderTakeDecoderStream__post(ret: usize): void {
  postFreeAt(ret, 0);
}

export function qpack__decoderFree(h: u32): void {
  const d = getDecoder(h);
  if (d == null) return;
  d.dispose();
  unchecked(decoders[<i32>h - 1] = null);
}
