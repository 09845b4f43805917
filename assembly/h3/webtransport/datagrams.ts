// HTTP/3 Datagrams (RFC 9297 §2.1) as WebTransport carries them
// (draft-ietf-webtrans-http3 §4.7): a QUIC DATAGRAM frame's payload is the
// Quarter Stream ID (the session's CONNECT stream ID / 4) and the payload.
// Datagrams for a session not established yet wait in a small bounded queue
// (§4.5: "When the number of buffered datagrams is exceeded, a datagram MUST
// be dropped"); the oldest goes first.

import { Writer } from "../../wire/writer";
import { varintLen } from "../../wire/varint";

/** RFC 9297 §2.1: "the largest legal value of Quarter Stream ID is 2^60-1". */
export const MAX_QUARTER_STREAM_ID: u64 = (<u64>1 << 60) - 1;
/** Datagrams held for sessions not established yet, and their bytes at most. */
export const BUFFERED_DATAGRAMS: i32 = 32;
export const BUFFERED_DATAGRAM_BYTES: usize = 64 << 10;

/**
 * Reads the Quarter Stream ID at the front of a datagram; the offset of the
 * payload, or -1 when the datagram is too short to hold one (RFC 9297 §2.1:
 * H3_DATAGRAM_ERROR). The ID is left in `quarterStreamId`.
 */
export let quarterStreamId: u64 = 0;
export function readQuarterStreamId(p: usize, n: usize): i32 {
  if (n == 0) return -1;
  const b = load<u8>(p);
  const len = <usize>1 << (b >> 6);
  if (n < len) return -1;
  let v = <u64>(b & 0x3f);
  for (let i: usize = 1; i < len; i++) v = (v << 8) | <u64>load<u8>(p + i);
  quarterStreamId = v;
  return <i32>len;
}

/** Bytes of the prefix a datagram for `sessionId` carries. */
@inline export function datagramPrefixLen(sessionId: u64): usize {
  return varintLen(sessionId >> 2);
}

/** A bounded FIFO of datagrams for sessions not established yet. */
@final
export class PendingDatagrams {
  private readonly sessions: u64[] = [];
  private readonly payloads: Writer[] = [];
  private bytes: usize = 0;
  /** Datagrams dropped for the bounds. */
  dropped: u64 = 0;

  get length(): i32 { return this.sessions.length; }

  push(sessionId: u64, p: usize, n: usize): void {
    if (n > BUFFERED_DATAGRAM_BYTES) { this.dropped++; return; }
    while (this.sessions.length >= BUFFERED_DATAGRAMS || this.bytes + n > BUFFERED_DATAGRAM_BYTES) this.dropAt(0);
    const w = new Writer();
    w.bytes(p, n);
    this.sessions.push(sessionId);
    this.payloads.push(w);
    this.bytes += n;
  }

  /** Index of the first datagram of `sessionId`, or -1. */
  find(sessionId: u64): i32 {
    for (let i = 0; i < this.sessions.length; i++) if (unchecked(this.sessions[i]) == sessionId) return i;
    return -1;
  }

  payload(i: i32): Writer { return this.payloads[i]; }

  /** Removes entry `i` (delivered or dropped). */
  remove(i: i32): void {
    const w = this.payloads[i];
    this.bytes -= w.len;
    w.release();
    this.sessions.splice(i, 1);
    this.payloads.splice(i, 1);
  }

  /** Drops every datagram of `sessionId` (the session failed or closed). */
  discard(sessionId: u64): void {
    for (let i = this.sessions.length - 1; i >= 0; i--) if (unchecked(this.sessions[i]) == sessionId) this.remove(i);
  }

  clear(): void {
    for (let i = 0; i < this.payloads.length; i++) unchecked(this.payloads[i]).release();
    this.sessions.length = 0;
    this.payloads.length = 0;
    this.bytes = 0;
  }

  private dropAt(i: i32): void {
    this.remove(i);
    this.dropped++;
  }
}
