// Extensible priorities (RFC 9218): the `priority` field value and the
// PRIORITY_UPDATE frame's payload. The connection maps the result onto the
// QUIC stream scheduler (quic/streams.ts: urgency 0..7, incremental).

import { Writer } from "../wire/writer";
import { Reader } from "../wire/reader";
import { isBidi, isClientInitiated } from "../quic/stream_id";
import { H3_FRAME_ERROR, H3_ID_ERROR } from "./errors";
import { H3_PRIORITY_UPDATE_REQUEST, H3_PRIORITY_UPDATE_PUSH } from "./frame";

/** RFC 9218 §4.1: default urgency 3; §4.2: default non-incremental. */
export const DEFAULT_URGENCY: i32 = 3;


@final
export class Priority {
  /** 0..7, -1 = not given. */
  urgency: i32 = -1;
  incremental: bool = false;
}

@inline function isSp(c: u32): bool { return c == 0x20 || c == 0x09; }

/**
 * Parses the parameters RFC 9218 §4 defines from a Structured Fields
 * dictionary (RFC 8941 §3.2): `u=<0..7>` and `i` / `i=?1` / `i=?0`. Unknown
 * keys and their values are skipped; an out-of-range or ill-typed `u` or `i`
 * is ignored (§4: "...MUST ignore..."). Leaves `out` as it was for members it
 * does not find.
 */
export function parsePriority(p: usize, n: usize, out: Priority): void {
  let i: usize = 0;
  while (i < n) {
    while (i < n && isSp(<u32>load<u8>(p + i))) i++;
    const keyStart = i;
    while (i < n) {
      const c = <u32>load<u8>(p + i);
      if (c == 0x3d || c == 0x2c || c == 0x3b || isSp(c)) break;
      i++;
    }
    const keyLen = i - keyStart;
    const k0 = keyLen == 1 ? <u32>load<u8>(p + keyStart) : 0;
    let valStart = i, valLen: usize = 0;
    if (i < n && load<u8>(p + i) == 0x3d) {
      i++;
      valStart = i;
      let quoted = false;
      while (i < n) {
        const c = <u32>load<u8>(p + i);
        if (c == 0x22) quoted = !quoted;
        else if (!quoted && (c == 0x2c || c == 0x3b)) break;
        i++;
      }
      valLen = i - valStart;
      while (valLen > 0 && isSp(<u32>load<u8>(p + valStart + valLen - 1))) valLen--;
    }
    // parameters of the member (";...") are skipped
    while (i < n && load<u8>(p + i) != 0x2c) i++;
    i++; // past ','
    if (k0 == 0x75) { // "u"
      if (valLen == 1) {
        const d = <i32>load<u8>(p + valStart) - 0x30;
        if (d >= 0 && d <= 7) out.urgency = d;
      }
    } else if (k0 == 0x69) { // "i": a bare key is boolean true (RFC 8941 §3.2)
      if (valLen == 0 && valStart == keyStart + 1) out.incremental = true;
      else if (valLen == 2 && load<u8>(p + valStart) == 0x3f) {
        const b = load<u8>(p + valStart + 1);
        if (b == 0x31) out.incremental = true;
        else if (b == 0x30) out.incremental = false;
      }
    }
  }
}

/** Serializes a priority as a field value ("u=1, i"; defaults left out). */
export function writePriority(w: Writer, urgency: i32, incremental: bool): void {
  let first = true;
  if (urgency != DEFAULT_URGENCY) {
    w.u8(0x75); w.u8(0x3d); w.u8(<u32>(0x30 + urgency));
    first = false;
  }
  if (incremental) {
    if (!first) { w.u8(0x2c); w.u8(0x20); }
    w.u8(0x69);
  }
}

/**
 * RFC 9218 §7.2: a PRIORITY_UPDATE payload received by a server (`type`
 * request or push): the Prioritized Element ID, then the field value. 0 and
 * `out`/`elementId` filled, or the connection error code.
 */
export function readPriorityUpdate(type: u64, p: usize, n: usize, r: Reader, out: Priority): u64 {
  r.reset(p, n);
  const id = r.varint();
  if (r.failed) return H3_FRAME_ERROR;
  lastElementId = id;
  // §7.1: "...a request stream ID that is not a client-initiated bidirectional stream ... MUST be treated as a connection error of type H3_ID_ERROR"
  if (type == H3_PRIORITY_UPDATE_REQUEST && !(isBidi(id) && isClientInitiated(id))) return H3_ID_ERROR;
  // §7.2: push IDs refer to pushes; we never allowed any (no MAX_PUSH_ID), so any is too large.
  if (type == H3_PRIORITY_UPDATE_PUSH) return H3_ID_ERROR;
  out.urgency = DEFAULT_URGENCY;
  out.incremental = false;
  parsePriority(r.pos, r.remaining, out);
  return 0;
}

/** The element ID of the last `readPriorityUpdate`. */
export let lastElementId: u64 = 0;

/** Writes a whole PRIORITY_UPDATE (request) frame for `streamId`. */
export function writePriorityUpdate(w: Writer, scratch: Writer, streamId: u64, urgency: i32, incremental: bool): void {
  scratch.clear();
  scratch.varint(streamId);
  writePriority(scratch, urgency, incremental);
  w.varint(H3_PRIORITY_UPDATE_REQUEST);
  w.varint(<u64>scratch.len);
  w.bytes(scratch.buf, scratch.len);
}
