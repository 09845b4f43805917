// The packed field-line list: how field sections cross every boundary (AS
// API, component, host) in one block instead of one object per line:
//
//   repeated { [u32 nameLen LE][u32 valueLen LE][name bytes][value bytes] }
//
// The decoder appends decoded lines to a Writer in this form; the encoder
// reads its input in this form.

import { Writer } from "../../wire/writer";

export const FIELD_HEADER: usize = 8;

/** Appends one field line. */
export function appendField(w: Writer, np: usize, nl: usize, vp: usize, vl: usize): void {
  if (!w.ensure(FIELD_HEADER + nl + vl)) return;
  const p = w.buf + w.len;
  store<u32>(p, <u32>nl);
  store<u32>(p, <u32>vl, 4);
  memory.copy(p + FIELD_HEADER, np, nl);
  memory.copy(p + FIELD_HEADER + nl, vp, vl);
  w.len += FIELD_HEADER + nl + vl;
}

/**
 * Checks that `len` bytes at `p` are a well-formed packed list; returns the
 * number of field lines, or -1.
 */
export function countFields(p: usize, len: usize): i32 {
  let off: usize = 0;
  let n = 0;
  while (off < len) {
    if (len - off < FIELD_HEADER) return -1;
    const nl = <u64>load<u32>(p + off);
    const vl = <u64>load<u32>(p + off, 4);
    if (nl + vl > <u64>(len - off - FIELD_HEADER)) return -1;
    off += FIELD_HEADER + <usize>(nl + vl);
    n++;
  }
  return n;
}
