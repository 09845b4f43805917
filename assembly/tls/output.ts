// What the handshake produces, as typed records in call order: the in-core
// seam between TLS and the QUIC connection (RFC 9001 §4.1.3: TLS hands QUIC
// handshake bytes per encryption level and new keys, in the order they
// happen). A caller drains the queue after every call into the handshake
// (`start`, `handle`, `confirm`), then clears it; records are pooled, so the
// same objects and byte buffers come back on the next call and draining
// allocates nothing.
//
// The host-facing byte encoding of these records is not TLS's business: it
// lives in api/tls_events.ts.

import { Writer } from "../wire/writer";

export enum TlsOutputKind {
  /** Handshake bytes to send in CRYPTO frames at `level` (`bytes`). */
  HandshakeData = 1,
  /** New traffic secret for `level`: `read` (else write), `suite`, the secret in `bytes` (RFC 9001 §4.1.4). */
  Secret = 2,
  /** The peer's quic_transport_parameters body (`bytes`), as soon as it is seen and accepted: server in the ClientHello, client in EncryptedExtensions. */
  PeerTransportParams = 3,
  /** Handshake complete (RFC 9001 §4.1.1): `alpn`, `earlyData` (0 not attempted, 1 accepted, 2 rejected), `transportParams` (the peer's). */
  Complete = 4,
  /** Handshake confirmed (RFC 9001 §4.1.2). */
  Confirmed = 5,
  /** Client: a session to store for resumption (`bytes`, session.ts's encoding). */
  Ticket = 6,
  /** The 0-RTT verdict (RFC 9001 §4.6.1, §4.6.2): `accepted`. */
  EarlyData = 7,
  /** A human-readable warning (`text`), e.g. insecure mode. */
  Warning = 8,
  /** One SSLKEYLOGFILE line without newline (`text`). */
  KeyLog = 9,
  /** Fatal, reported once: `code` (QUIC error: CRYPTO_ERROR + alert or a transport error), `alert` (0 when none), `reason`. */
  Error = 10,
}

const NO_BYTES = new Uint8Array(0);

/** One output record. Fields not listed for its kind are left at their last value: read only those of `kind`. */
@final
export class TlsOutput {
  kind: TlsOutputKind = TlsOutputKind.HandshakeData;
  /** Encryption level (0 Initial, 1 0-RTT, 2 Handshake, 3 1-RTT) for HandshakeData and Secret. */
  level: i32 = 0;
  read: bool = false;
  suite: u16 = 0;
  /** HandshakeData, Secret, PeerTransportParams, Ticket: the bytes (owned by the record, reused). */
  bytes: Writer = new Writer();
  /** Warning, KeyLog: the text; Error: the reason. */
  text: string = "";
  alpn: Uint8Array = NO_BYTES;
  transportParams: Uint8Array = NO_BYTES;
  earlyData: u8 = 0;
  accepted: bool = false;
  code: u64 = 0;
  alert: u8 = 0;

  /** Error: why (the same string as `text`). */
  @inline get reason(): string { return this.text; }
  @inline get ptr(): usize { return this.bytes.buf; }
  @inline get len(): usize { return this.bytes.len; }
}

/** The pending outputs of one handshake, oldest first. */
@final
export class TlsOutputQueue {
  private pool: TlsOutput[] = [];
  private n: i32 = 0;

  get length(): i32 { return this.n; }

  /** The i-th pending record, or null out of range. */
  at(i: i32): TlsOutput | null {
    if (i < 0 || i >= this.n) return null;
    return unchecked(this.pool[i]);
  }

  /** Appends a record of `kind` (a pooled one when available) with empty bytes. */
  push(kind: TlsOutputKind, level: i32): TlsOutput {
    let o: TlsOutput;
    if (this.n < this.pool.length) o = unchecked(this.pool[this.n]);
    else { o = new TlsOutput(); this.pool.push(o); }
    this.n++;
    o.kind = kind;
    o.level = level;
    o.bytes.clear();
    return o;
  }

  /** Drops the pending records; secret bytes are wiped. */
  clear(): void {
    for (let i = 0; i < this.n; i++) {
      const o = unchecked(this.pool[i]);
      if (o.kind == TlsOutputKind.Secret && o.bytes.buf != 0) memory.fill(o.bytes.buf, 0, o.bytes.len);
      o.text = "";
      o.alpn = NO_BYTES;
      o.transportParams = NO_BYTES;
    }
    this.n = 0;
  }

  /** Frees the byte buffers of the pooled records beyond the pending ones and forgets those records (after the handshake, when outputs are rare). */
  trim(): void {
    for (let i = this.n; i < this.pool.length; i++) unchecked(this.pool[i]).bytes.release();
    this.pool.length = this.n;
  }

  /** Frees the records' byte buffers (the GC does not see them). */
  release(): void {
    this.clear();
    for (let i = 0; i < this.pool.length; i++) unchecked(this.pool[i]).bytes.release();
  }
}
