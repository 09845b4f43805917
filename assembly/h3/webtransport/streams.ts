// WebTransport data streams (draft-ietf-webtrans-http3 §4.2, §4.3): a
// unidirectional stream of type 0x54 or a bidirectional stream starting with
// the signal value 0x41, each followed by the session ID. The prefix is read
// here a byte at a time (so nothing past it is consumed); after it the stream
// is the application's, read and written through the QUIC calls.

import { Connection } from "../../quic/connection";

/** §4.2: the unidirectional stream type. */
export const WT_UNI_STREAM_TYPE: u64 = 0x54;
/** §4.3: the signal value opening a bidirectional stream (the reserved WT_STREAM frame type). */
export const WT_BIDI_SIGNAL: u64 = 0x41;

/** Reading the signal value (peer's bidirectional stream), the session ID. */
export const WS_SIGNAL: i32 = 0;
export const WS_SESSION: i32 = 1;
/** The session is not known yet: the stream waits (its data stays in QUIC). */
export const WS_BUFFERED: i32 = 2;
/** The application has it (a wt-stream event was sent, or it opened it). */
export const WS_DELIVERED: i32 = 3;

/** `readPrefix` results. */
export const PREFIX_MORE: i32 = 0;
export const PREFIX_DONE: i32 = 1;
/** The stream ended or was reset inside its prefix. */
export const PREFIX_GONE: i32 = 2;
/** A bidirectional stream from the peer that does not start with the signal value. */
export const PREFIX_NOT_WT: i32 = 3;

const SCRATCH = memory.data(8);

@final
export class WtStream {
  state: i32;
  session: u64 = 0;
  private vlen: u32 = 0;
  private vgot: u32 = 0;
  private vacc: u64 = 0;

  constructor(readonly id: u64, state: i32) {
    this.state = state;
  }

  /** Reads the rest of the prefix (signal value, session ID) from QUIC. */
  readPrefix(c: Connection): i32 {
    for (;;) {
      const n = c.streamRead(this.id, SCRATCH, 1);
      if (n < 0) return PREFIX_GONE;
      if (n == 0) return c.lastReadFin || c.lastReadReset ? PREFIX_GONE : PREFIX_MORE;
      const b = load<u8>(SCRATCH);
      if (this.vgot == 0) { this.vlen = <u32>1 << (b >> 6); this.vacc = <u64>(b & 0x3f); }
      else this.vacc = (this.vacc << 8) | <u64>b;
      this.vgot++;
      if (this.vgot < this.vlen) {
        if (c.lastReadFin) return PREFIX_GONE;
        continue;
      }
      this.vgot = 0;
      if (this.state == WS_SIGNAL) {
        if (this.vacc != WT_BIDI_SIGNAL) return PREFIX_NOT_WT;
        this.state = WS_SESSION;
        continue;
      }
      this.session = this.vacc;
      return PREFIX_DONE;
    }
    return PREFIX_MORE;
  }
}
