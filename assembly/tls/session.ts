// Resumption state (RFC 9846 §4.6.1, §2.2, §4.2.11).
//
//  - Client: a `Session` is what the host stores after a NewSessionTicket
//    (EV_TICKET) and hands back in the next connection's config. It
//    remembers the server's transport parameters for 0-RTT (RFC 9000 §7.4.1).
//  - Server: the ticket itself is the server's state, sealed with
//    AES-128-GCM under the config's ticket key: nonce(12) | ciphertext | tag(16).

import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { Aead, AeadAlg } from "../crypto/aead";
import { randomBytes } from "../crypto/random";
import { suiteKnown } from "./suites";
import { TP_MEMO_LEN } from "./transport_params_policy";

function readVec8(r: Reader): Uint8Array {
  const n = <usize>r.u8();
  const p = r.bytes(n);
  const out = new Uint8Array(<i32>(r.failed ? 0 : n));
  if (!r.failed && n) memory.copy(out.dataStart, p, n);
  return out;
}

function readVec16(r: Reader): Uint8Array {
  const n = <usize>r.u16();
  const p = r.bytes(n);
  const out = new Uint8Array(<i32>(r.failed ? 0 : n));
  if (!r.failed && n) memory.copy(out.dataStart, p, n);
  return out;
}

@inline function putVec8(w: Writer, b: Uint8Array): void { w.u8(<u32>b.length); w.bytes(b.dataStart, <usize>b.length); }
@inline function putVec16(w: Writer, b: Uint8Array): void { w.u16(<u32>b.length); w.bytes(b.dataStart, <usize>b.length); }

/** What a client keeps from a NewSessionTicket. */
@final
export class Session {
  suite: u16 = 0;
  psk: Uint8Array = new Uint8Array(0);
  ticket: Uint8Array = new Uint8Array(0);
  ageAdd: u32 = 0;
  lifetime: u32 = 0;
  receivedAtMs: u64 = 0;
  maxEarlyData: u32 = 0;
  alpn: Uint8Array = new Uint8Array(0);
  serverName: string = "";
  /** The server's transport parameters, for 0-RTT (RFC 9000 §7.4.1). */
  transportParams: Uint8Array = new Uint8Array(0);

  encode(w: Writer): void {
    w.u8(1); // version
    w.u16(this.suite);
    putVec8(w, this.psk);
    putVec16(w, this.ticket);
    w.u32(this.ageAdd);
    w.u32(this.lifetime);
    w.u64(this.receivedAtMs);
    w.u32(this.maxEarlyData);
    putVec8(w, this.alpn);
    const sni = Uint8Array.wrap(String.UTF8.encode(this.serverName, false));
    putVec8(w, sni);
    putVec16(w, this.transportParams);
  }

  static decode(ptr: usize, len: usize): Session | null {
    const r = new Reader(ptr, len);
    const s = new Session();
    if (r.u8() != 1) return null;
    s.suite = r.u16();
    s.psk = readVec8(r);
    s.ticket = readVec16(r);
    s.ageAdd = r.u32();
    s.lifetime = r.u32();
    s.receivedAtMs = r.u64();
    s.maxEarlyData = r.u32();
    s.alpn = readVec8(r);
    const sni = readVec8(r);
    s.transportParams = readVec16(r);
    if (r.failed || !r.atEnd || !suiteKnown(s.suite) || s.ticket.length == 0 || (s.psk.length != 32 && s.psk.length != 48)) return null;
    s.serverName = String.UTF8.decodeUnsafe(sni.dataStart, <usize>sni.length, false);
    return s;
  }
}

/** The server's state inside a ticket. */
@final
export class TicketState {
  suite: u16 = 0;
  psk: Uint8Array = new Uint8Array(0);
  issuedAtMs: u64 = 0;
  ageAdd: u32 = 0;
  lifetime: u32 = 0;
  allowEarly: bool = false;
  alpn: Uint8Array = new Uint8Array(0);
  serverName: Uint8Array = new Uint8Array(0);
  /** What the transport parameters policy remembered of ours when the ticket was issued (RFC 9000 §7.4.1). */
  tpMemo: Uint8Array = new Uint8Array(TP_MEMO_LEN);

  /** Seals this state into a ticket under the 16-byte `key`. */
  seal(key: Uint8Array): Uint8Array {
    const w = new Writer();
    w.reserve(12);
    const start = w.len;
    w.u8(1);
    w.u16(this.suite);
    putVec8(w, this.psk);
    w.u64(this.issuedAtMs);
    w.u32(this.ageAdd);
    w.u32(this.lifetime);
    w.u8(this.allowEarly ? 1 : 0);
    putVec8(w, this.alpn);
    putVec8(w, this.serverName);
    w.bytes(this.tpMemo.dataStart, TP_MEMO_LEN);
    const plainLen = w.len - start;
    w.reserve(16);
    const out = new Uint8Array(<i32>w.len);
    memory.copy(out.dataStart, w.buf, w.len);
    w.release();
    const p = out.dataStart;
    randomBytes(p, 12);
    new Aead(AeadAlg.AES_128_GCM, key.dataStart).seal(p, 0, 0, p + start, plainLen, p + start + plainLen);
    return out;
  }

  /** Opens a ticket; null when it does not authenticate or is malformed. */
  static open(key: Uint8Array, ptr: usize, len: usize): TicketState | null {
    if (len < 12 + 16 + 1 || len > 1024) return null;
    const buf = new Uint8Array(<i32>len);
    memory.copy(buf.dataStart, ptr, len);
    const p = buf.dataStart;
    const plainLen = len - 28;
    if (!new Aead(AeadAlg.AES_128_GCM, key.dataStart).open(p, 0, 0, p + 12, plainLen, p + 12 + plainLen)) return null;
    const r = new Reader(p + 12, plainLen);
    const t = new TicketState();
    if (r.u8() != 1) return null;
    t.suite = r.u16();
    t.psk = readVec8(r);
    t.issuedAtMs = r.u64();
    t.ageAdd = r.u32();
    t.lifetime = r.u32();
    t.allowEarly = r.u8() != 0;
    t.alpn = readVec8(r);
    t.serverName = readVec8(r);
    const h = r.bytes(TP_MEMO_LEN);
    if (r.failed || !r.atEnd || !suiteKnown(t.suite)) return null;
    memory.copy(t.tpMemo.dataStart, h, TP_MEMO_LEN);
    return t;
  }
}
