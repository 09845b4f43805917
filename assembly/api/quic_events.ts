// The host-facing byte encoding of QUIC events (wit/quic.wit, poll-events):
//   { connection u32, kind u8, flags u8 (bit 0 app, bit 1 remote, bit 2 fin, bit 3 early),
//     close-kind u8, stream u64, value u64, len u32, bytes }*   (big endian)
// `bytes` is the event's payload (ALPN, datagram, ticket, token, address)
// or its text (reason, key log line, warning) in UTF-8.

import { Writer } from "../wire/writer";
import { QuicEvent } from "../quic/events";

export function encodeQuicEvent(handle: u32, e: QuicEvent, w: Writer): void {
  w.u32(handle);
  w.u8(<u8>e.kind);
  w.u8((e.app ? 1 : 0) | (e.remote ? 2 : 0) | (e.fin ? 4 : 0) | (e.early ? 8 : 0));
  w.u8(e.closeKind);
  w.u64(e.streamId);
  w.u64(e.value);
  if (e.text.length > 0) {
    const n = String.UTF8.byteLength(e.text, false);
    w.u32(<u32>n);
    const at = w.reserve(<usize>n);
    if (at != 0) String.UTF8.encodeUnsafe(changetype<usize>(e.text), e.text.length, at, false);
  } else {
    w.u32(<u32>e.bytes.len);
    w.bytes(e.bytes.buf, e.bytes.len);
  }
}
