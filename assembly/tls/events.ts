// The engine's output: one ordered stream of events, so that the QUIC layer
// (or the test record layer) sees handshake bytes and key changes in the
// order they happen. Encoding, repeated:
//
//   kind u8 | level u8 | length u32 (big endian) | payload
//
// kinds and payloads:
//   EV_DATA            handshake bytes to send at `level`
//   EV_READ_SECRET     keys to read `level`:  suite u16 | secret
//   EV_WRITE_SECRET    keys to write `level`: suite u16 | secret
//   EV_ERROR           fatal: quic error u64 | alert u8 (0 when none) | reason (UTF-8);
//                      certificate failures use the stable reason prefixes
//                      listed at verifyReason in verify.ts (docs/tls.md "Errors")
//   EV_KEYLOG          one SSLKEYLOGFILE line (no newline)
//   EV_COMPLETE        handshake complete: alpn length u8 | alpn | early-data state u8 | peer transport parameters
//   EV_CONFIRMED       handshake confirmed (RFC 9001 §4.1.2)
//   EV_TICKET          a session to store for resumption (client; opaque blob)
//   EV_EARLY_DATA      0-RTT state: u8 (1 accepted, 2 rejected)
//   EV_WARNING         a human-readable warning (e.g. insecure mode)

import { Writer } from "../wire/writer";

export const EV_DATA: u8 = 1;
export const EV_READ_SECRET: u8 = 2;
export const EV_WRITE_SECRET: u8 = 3;
export const EV_ERROR: u8 = 4;
export const EV_KEYLOG: u8 = 5;
export const EV_COMPLETE: u8 = 6;
export const EV_CONFIRMED: u8 = 7;
export const EV_TICKET: u8 = 8;
export const EV_EARLY_DATA: u8 = 9;
export const EV_WARNING: u8 = 10;

/** Starts an event; returns the offset of its length field for `endEvent`. */
export function beginEvent(w: Writer, kind: u8, level: i32): usize {
  w.u8(kind);
  w.u8(<u32>level);
  const off = w.len;
  w.u32(0);
  return off;
}

export function endEvent(w: Writer, off: usize): void {
  store<u32>(w.buf + off, bswap<u32>(<u32>(w.len - off - 4)));
}

export function putEvent(w: Writer, kind: u8, level: i32, ptr: usize, len: usize): void {
  w.u8(kind);
  w.u8(<u32>level);
  w.u32(<u32>len);
  w.bytes(ptr, len);
}
