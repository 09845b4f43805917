// The byte encoding of TLS events for `interface tls` (wit/tls.wit), built
// from the handshake's typed outputs (tls/output.ts); host/tls/wire.ts
// `decodeEvents` reads it. Encoding, repeated:
//
//   kind u8 | level u8 | length u32 (big endian) | payload
//
// kinds and payloads:
//   EV_DATA            handshake bytes to send at `level`
//   EV_READ_SECRET     keys to read `level`:  suite u16 | secret
//   EV_WRITE_SECRET    keys to write `level`: suite u16 | secret
//   EV_ERROR           fatal: quic error u64 | alert u8 (0 when none) | reason (UTF-8);
//                      certificate failures use the stable reason prefixes
//                      listed at ChainVerdict in tls/verify.ts (docs/tls.md "Errors")
//   EV_KEYLOG          one SSLKEYLOGFILE line (no newline)
//   EV_COMPLETE        handshake complete: alpn length u8 | alpn | early-data state u8 | peer transport parameters
//   EV_CONFIRMED       handshake confirmed (RFC 9001 §4.1.2)
//   EV_TICKET          a session to store for resumption (client; opaque blob)
//   EV_EARLY_DATA      0-RTT state: u8 (1 accepted, 2 rejected)
//   EV_WARNING         a human-readable warning (e.g. insecure mode)
// The peer's transport parameters reach the host in EV_COMPLETE only (the
// typed PeerTransportParams output, earlier, is for the in-core QUIC layer).

import { Writer } from "../wire/writer";
import { TlsOutput, TlsOutputKind, TlsOutputQueue } from "../tls/output";

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
function beginEvent(w: Writer, kind: u8, level: i32): usize {
  w.u8(kind);
  w.u8(<u32>level);
  const off = w.len;
  w.u32(0);
  return off;
}

function endEvent(w: Writer, off: usize): void {
  if (w.overflow) return;
  store<u32>(w.buf + off, bswap<u32>(<u32>(w.len - off - 4)));
}

function putEvent(w: Writer, kind: u8, level: i32, ptr: usize, len: usize): void {
  w.u8(kind);
  w.u8(<u32>level);
  w.u32(<u32>len);
  w.bytes(ptr, len);
}

function putText(w: Writer, kind: u8, text: string): void {
  const s = String.UTF8.encode(text, false);
  putEvent(w, kind, 0, changetype<usize>(s), <usize>s.byteLength);
}

/** Appends the encoding of one output to `w`. */
export function encodeTlsOutput(o: TlsOutput, w: Writer): void {
  switch (o.kind) {
    case TlsOutputKind.HandshakeData: putEvent(w, EV_DATA, o.level, o.ptr, o.len); break;
    case TlsOutputKind.Secret: {
      const off = beginEvent(w, o.read ? EV_READ_SECRET : EV_WRITE_SECRET, o.level);
      w.u16(o.suite);
      w.bytes(o.ptr, o.len);
      endEvent(w, off);
      break;
    }
    case TlsOutputKind.Error: {
      const off = beginEvent(w, EV_ERROR, 0);
      w.u64(o.code);
      w.u8(o.alert);
      const s = String.UTF8.encode(o.text, false);
      w.bytes(changetype<usize>(s), <usize>s.byteLength);
      endEvent(w, off);
      break;
    }
    case TlsOutputKind.KeyLog: putText(w, EV_KEYLOG, o.text); break;
    case TlsOutputKind.Warning: putText(w, EV_WARNING, o.text); break;
    case TlsOutputKind.Complete: {
      const off = beginEvent(w, EV_COMPLETE, 0);
      w.u8(<u32>o.alpn.length);
      w.bytes(o.alpn.dataStart, <usize>o.alpn.length);
      w.u8(o.earlyData);
      w.bytes(o.transportParams.dataStart, <usize>o.transportParams.length);
      endEvent(w, off);
      break;
    }
    case TlsOutputKind.Confirmed: putEvent(w, EV_CONFIRMED, 0, 0, 0); break;
    case TlsOutputKind.Ticket: putEvent(w, EV_TICKET, 0, o.ptr, o.len); break;
    case TlsOutputKind.EarlyData: w.u8(EV_EARLY_DATA); w.u8(0); w.u32(1); w.u8(o.accepted ? 1 : 2); break;
    default: break; // PeerTransportParams: in-core only (see the header)
  }
}

/** Appends the encoding of every pending output to `w`, then clears the queue. */
export function encodeTlsOutputs(q: TlsOutputQueue, w: Writer): void {
  const n = q.length;
  for (let i = 0; i < n; i++) {
    const o = q.at(i);
    if (o != null) encodeTlsOutput(o, w);
  }
  q.clear();
}
