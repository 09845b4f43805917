// Canonical-ABI glue for `interface codec` (wit/codec.wit). See abi.ts for the conventions.

import { RET, argFree, retWriterAt, retStringAt, postFreeAt } from "./abi";
import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";

// RFC 9000 §20.1
const FRAME_ENCODING_ERROR: u64 = 0x07;
const INTERNAL_ERROR: u64 = 0x01;

const reader = new Reader();
const writer = new Writer();

/** result<_, codec-error>: payload at RET+8 (u64 alignment). */
function retCodecError(code: u64, frameType: u64, offset: usize, reason: string): usize {
  store<u8>(RET, 1);
  store<u64>(RET + 8, code);
  store<u64>(RET + 16, frameType);
  store<u32>(RET + 24, <u32>offset);
  retStringAt(28, reason);
  return RET;
}

/** Frees whatever a result<list<u8>, codec-error> or result<record, codec-error> handed out. */
function postResult(ret: usize, okHasList: bool): void {
  if (load<u8>(ret) == 0) {
    if (okHasList) postFreeAt(ret, 8);
  } else {
    postFreeAt(ret, 28);
  }
}

export function codec__varintEncode(value: u64): usize {
  writer.clear();
  writer.varint(value);
  if (writer.overflow) return retCodecError(INTERNAL_ERROR, 0, 0, "value exceeds 2^62-1");
  store<u8>(RET, 0);
  retWriterAt(8, writer);
  return RET;
}
export function codec__varintEncode__post(ret: usize): void { postResult(ret, true); }

export function codec__varintDecode(ptr: usize, len: usize): usize {
  reader.reset(ptr, len);
  const v = reader.varint();
  const failed = reader.failed;
  const used = reader.offset;
  argFree(ptr, len);
  if (failed) return retCodecError(FRAME_ENCODING_ERROR, 0, len, "truncated varint");
  store<u8>(RET, 0);
  store<u64>(RET + 8, v);
  store<u32>(RET + 16, <u32>used);
  return RET;
}
export function codec__varintDecode__post(ret: usize): void { postResult(ret, false); }
