// Test entry: exposes assembly/quic/frame*.ts and assembly/h3/frame*.ts to
// tests/quic/*.test.ts and tests/h3/*.test.ts (debug and release builds).
import { Reader } from "../../assembly/wire/reader";
import { Writer } from "../../assembly/wire/writer";
import { QuicFrame, decodeFrame, frameAllowedIn, isAckEliciting, isProbing } from "../../assembly/quic/frame";
import { encodeFrame } from "../../assembly/quic/frame_encode";
import { H3Frame, decodeH3Frame, checkFrameOnStream } from "../../assembly/h3/frame";
import { H3FrameParser, H3_NEED_MORE, H3_EV_ERROR, H3_EV_PAYLOAD } from "../../assembly/h3/frame_parser";

/**
 * Decodes a payload frame by frame with a decoder keeping at most `maxRanges`
 * ACK ranges, re-encodes every frame; returns [error code, frames, last frame
 * type, ACK ranges stored, truncated flag, re-encoded length].
 */
export function decodeQuic(packetType: u32, data: Uint8Array, maxRanges: i32): u64[] {
  const r = new Reader(data.dataStart, <usize>data.length);
  const f = new QuicFrame(maxRanges);
  const w = new Writer();
  let frames: u64 = 0;
  let err: u64 = 0;
  while (!r.atEnd) {
    err = decodeFrame(r, f, packetType);
    if (err != 0) break;
    frames++;
    if (encodeFrame(w, f) != 0) { err = 0xffffffff; break; }
  }
  const out: u64[] = [err, frames, f.frameType, <u64>f.ackRangesStored, f.ackRangesTruncated ? 1 : 0, <u64>w.len];
  w.release();
  return out;
}

export function quicAllowed(frameType: u64, packetType: u32): bool {
  return frameAllowedIn(frameType, packetType);
}
export function quicAckEliciting(frameType: u64): bool { return isAckEliciting(frameType); }
export function quicProbing(frameType: u64): bool { return isProbing(frameType); }

/** Decodes complete H3 frames; returns [error code, frames]. */
export function decodeH3(data: Uint8Array): u64[] {
  const r = new Reader(data.dataStart, <usize>data.length);
  const s = new Reader();
  const f = new H3Frame();
  let n: u64 = 0;
  while (!r.atEnd) {
    const err = decodeH3Frame(r, f, s);
    if (err != 0) return [err, n];
    n++;
  }
  return [0, n];
}

export function h3Allowed(kind: u32, frameType: u64): bool {
  return checkFrameOnStream(kind, frameType) == 0;
}

/**
 * Feeds `data` to a parser for stream kind `kind` in two pieces split at
 * `split`, then FIN; returns [error code, events, payload bytes].
 */
export function h3ParseSplit(kind: u32, data: Uint8Array, split: i32, maxControl: u32): u64[] {
  const p = new H3FrameParser(kind, maxControl);
  const r = new Reader();
  const ev = new H3Frame();
  let events: u64 = 0;
  let payload: u64 = 0;
  const n = data.length;
  const cut = split < 0 ? 0 : (split > n ? n : split);
  for (let piece = 0; piece < 2; piece++) {
    const from = piece == 0 ? 0 : cut;
    const to = piece == 0 ? cut : n;
    r.reset(data.dataStart + <usize>from, <usize>(to - from));
    for (;;) {
      const k = p.next(r, ev);
      if (k == H3_NEED_MORE) break;
      if (k == H3_EV_ERROR) { const e = p.error; p.dispose(); return [e, events, payload]; }
      events++;
      if (k == H3_EV_PAYLOAD) payload += ev.length;
    }
  }
  const fin = p.finish(ev);
  p.dispose();
  return [fin, events, payload];
}

import { fuzzDecode } from "../../assembly/api/dev";
import { Bytes } from "../../assembly/api/abi";
/** Runs dev.fuzz-decode's implementation on this build (debug keeps asserts and bounds checks). */
export function fuzzBatch(target: u32, param: u32, inputs: Uint8Array): u64[] {
  // the block stays the caller's: no shim frees it here
  const outcomes = fuzzDecode(<u8>target, <u8>param, new Bytes(inputs.dataStart, <usize>inputs.length));
  const out = new Array<u64>(outcomes.length);
  for (let i = 0; i < outcomes.length; i++) unchecked(out[i] = outcomes[i]);
  return out;
}
