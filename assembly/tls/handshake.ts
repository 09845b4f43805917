// What the client and server state machines share: per-level reassembly of
// handshake messages (QUIC delivers them in CRYPTO frames, RFC 9001 §4.1.3),
// the transcript, the key schedule, outgoing messages and the typed output
// queue (output.ts), alerts, and the key log.
//
// The in-core API (what a QUIC connection calls; sans-IO):
//   create (engine.ts or `new TlsClient(cfg, session)` / `new TlsServer(cfg)`);
//   `start(nowUs, wallMs)` (client: the ClientHello);
//   `handle(level, ptr, len, nowUs, wallMs)` for every CRYPTO frame's in-order bytes;
//   `confirm()` (client, on HANDSHAKE_DONE);
//   after each call drain `output` (TlsOutput records, in order) and clear it;
//   `dispose()` at the end.
// Time: `nowUs` is monotonic microseconds, `wallMs` wall-clock milliseconds.
// Certificate validity (RFC 5280 §4.1.2.5) and ticket ages and lifetimes
// (RFC 9846 §4.2.11.1, §4.6.1) outlive the process, so they use `wallMs`;
// no TLS rule measures a duration within one process today.
// A fatal error is reported once (TlsOutputKind.Error) and every later call fails.

import { Writer } from "../wire/writer";
import { Reader } from "../wire/reader";
import { HashAlg } from "../crypto/hash";
import { hkdfExpandLabel } from "../crypto/hkdf";
import { TlsConfig } from "./config";
import { Transcript } from "./transcript";
import { KeySchedule } from "./key_schedule";
import { TlsOutputQueue, TlsOutputKind } from "./output";
import { cryptoError, ALERT_UNEXPECTED_MESSAGE, ALERT_DECODE_ERROR, ALERT_INTERNAL_ERROR } from "./alert";
import { MAX_MESSAGE_LEN, LEVEL_INITIAL, LEVEL_EARLY, LEVEL_HANDSHAKE, LEVEL_APP } from "./constants";
import { suiteHash } from "./suites";

const HEX = "0123456789abcdef";

export function hexOf(p: usize, n: usize): string {
  let s = "";
  for (let i: usize = 0; i < n; i++) {
    const b = <i32>load<u8>(p + i);
    s += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return s;
}

/** Begins a handshake message: type u8 | length u24 (patched by `endMessage`). */
export function beginMessage(w: Writer, type: u8): usize {
  w.u8(type);
  const off = w.len;
  w.u24(0);
  return off;
}

export function endMessage(w: Writer, off: usize): void {
  const n = <u32>(w.len - off - 3);
  const p = w.buf + off;
  store<u8>(p, <u8>(n >> 16));
  store<u8>(p, <u8>(n >> 8), 1);
  store<u8>(p, <u8>n, 2);
}

/** Opens a u16-length vector; close with `endU16`. */
export function beginU16(w: Writer): usize { const off = w.len; w.u16(0); return off; }
export function endU16(w: Writer, off: usize): void { store<u16>(w.buf + off, bswap<u16>(<u16>(w.len - off - 2))); }
export function beginU8(w: Writer): usize { const off = w.len; w.u8(0); return off; }
export function endU8(w: Writer, off: usize): void { store<u8>(w.buf + off, <u8>(w.len - off - 1)); }

export abstract class Handshake {
  cfg: TlsConfig;
  /** What the last calls produced, in order; drained and cleared by the caller. */
  output: TlsOutputQueue = new TlsOutputQueue();
  /** Received, not yet complete handshake bytes per level. */
  inBuf: Writer[] = [new Writer(), new Writer(), new Writer(), new Writer()];
  transcript: Transcript = new Transcript();
  ks: KeySchedule = new KeySchedule(HashAlg.SHA256);
  suite: u16 = 0;
  /** Monotonic microseconds at the current call. */
  nowUs: u64 = 0;
  /** Wall-clock milliseconds since the epoch at the current call (certificates, tickets). */
  wallMs: u64 = 0;
  failed: bool = false;
  /** The QUIC error code of the failure (CRYPTO_ERROR + alert, or a transport error). */
  errorCode: u64 = 0;
  alert: u8 = 0;
  reason: string = "";
  complete: bool = false;
  confirmed: bool = false;
  clientRandom: Uint8Array = new Uint8Array(32);
  /** Traffic secrets, kept for the key log, tests and the resumption secret. */
  clientHs: Uint8Array = new Uint8Array(48);
  serverHs: Uint8Array = new Uint8Array(48);
  clientAp: Uint8Array = new Uint8Array(48);
  serverAp: Uint8Array = new Uint8Array(48);
  resMaster: Uint8Array = new Uint8Array(48);
  /** The negotiated ALPN protocol (empty when none). */
  alpn: Uint8Array = new Uint8Array(0);
  /** The peer's quic_transport_parameters body. */
  peerTransportParams: Uint8Array = new Uint8Array(0);
  /** 0 = not attempted, 1 = accepted, 2 = rejected. */
  earlyData: u8 = 0;
  /** The level at which the peer's next handshake message is expected. */
  readLevel: i32 = LEVEL_INITIAL;
  /** Scratch for outgoing messages. */
  msg: Writer = new Writer();

  /**
   * Our quic_transport_parameters body for this connection: the config's,
   * unless the QUIC connection sets its own (they name its connection IDs,
   * RFC 9000 §7.3, so they differ per connection).
   */
  localTransportParams: Uint8Array;

  constructor(cfg: TlsConfig) {
    this.cfg = cfg;
    this.localTransportParams = cfg.transportParams;
  }

  /**
   * Frees the raw heap blocks the writers own (the GC does not see them)
   * and wipes the secrets. The connection is unusable afterwards.
   */
  dispose(): void {
    this.output.release();
    for (let i = 0; i < 4; i++) this.inBuf[i].release();
    this.msg.release();
    this.transcript.buf.release();
    memory.fill(this.clientHs.dataStart, 0, 48);
    memory.fill(this.serverHs.dataStart, 0, 48);
    memory.fill(this.clientAp.dataStart, 0, 48);
    memory.fill(this.serverAp.dataStart, 0, 48);
    memory.fill(this.resMaster.dataStart, 0, 48);
    memory.fill(this.ks.secret.dataStart, 0, 48);
    this.failed = true;
  }

  /**
   * After confirmation (RFC 9001 §4.1.2), between calls: frees what only
   * the handshake needed — empty reassembly buffers, the message scratch,
   * pooled output records not pending, and in the subclasses key shares and
   * the peer's certificates. Kept: the key schedule and secrets (resumption
   * tickets), the negotiated parameters. A later message (NewSessionTicket)
   * grows the buffers again.
   */
  releaseHandshakeState(): void {
    this.output.trim();
    for (let i = 0; i < 4; i++) {
      const b = unchecked(this.inBuf[i]);
      if (b.len == 0) b.release();
    }
    this.msg.release();
    this.transcript.buf.release();
  }

  /** Client: sends the ClientHello; false for a server, twice, or on failure. */
  start(nowUs: u64, wallMs: u64): bool { return false; }

  /** Client: HANDSHAKE_DONE arrived (RFC 9001 §4.1.2); nothing for a server (confirmed at completion). */
  confirm(): void {}

  /** Feeds handshake bytes received at `level`; false once the handshake failed. */
  handle(level: i32, ptr: usize, len: usize, nowUs: u64, wallMs: u64): bool {
    this.nowUs = nowUs;
    this.wallMs = wallMs;
    if (this.failed) return false;
    if (level < LEVEL_INITIAL || level > LEVEL_APP || level == LEVEL_EARLY) {
      this.fail(ALERT_UNEXPECTED_MESSAGE, "handshake data at an invalid level");
      return false;
    }
    const buf = this.inBuf[level];
    buf.bytes(ptr, len);
    let consumed: usize = 0;
    while (!this.failed) {
      const avail = buf.len - consumed;
      if (avail < 4) break;
      const p = buf.buf + consumed;
      const type = load<u8>(p);
      const mlen = (<u32>load<u8>(p, 1) << 16) | (<u32>load<u8>(p, 2) << 8) | <u32>load<u8>(p, 3);
      if (mlen > MAX_MESSAGE_LEN) { this.fail(ALERT_DECODE_ERROR, "handshake message too long"); break; }
      if (avail < 4 + <usize>mlen) break;
      // RFC 9001 §4.1.3: each message must arrive at the level the peer's state implies
      if (level != this.readLevel) { this.fail(ALERT_UNEXPECTED_MESSAGE, "handshake message at the wrong encryption level"); break; }
      consumed += 4 + <usize>mlen;
      this.onMessage(type, p, 4 + <usize>mlen);
    }
    if (this.failed) return false;
    // keep the incomplete tail
    if (consumed > 0) {
      const rest = buf.len - consumed;
      if (rest > 0) memory.copy(buf.buf, buf.buf + consumed, rest);
      buf.len = rest;
    }
    // RFC 9001 §4.1.3: a key change must fall on a message boundary
    for (let l = 0; l < this.readLevel; l++) {
      if (this.inBuf[l].len != 0 && l != LEVEL_EARLY) { this.fail(ALERT_UNEXPECTED_MESSAGE, "data left over at a superseded encryption level"); return false; }
    }
    return !this.failed;
  }

  /** Processes one complete message (`ptr` includes the 4-byte header). */
  abstract onMessage(type: u8, ptr: usize, len: usize): void;

  /** Records a fatal error once; the alert maps to CRYPTO_ERROR (RFC 9001 §4.8). */
  fail(alert: u8, reason: string): void {
    this.failTransport(cryptoError(alert), alert, reason);
  }

  failTransport(code: u64, alert: u8, reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.errorCode = code;
    this.alert = alert;
    this.reason = reason;
    const o = this.output.push(TlsOutputKind.Error, 0);
    o.code = code;
    o.alert = alert;
    o.text = reason;
  }

  decodeError(): void { this.fail(ALERT_DECODE_ERROR, "malformed handshake message"); }

  /**
   * RFC 9000 §7.4: the peer's transport parameters, judged by the QUIC layer's
   * policy; a refusal fails the handshake with its code (TRANSPORT_PARAMETER_ERROR).
   */
  acceptPeerTransportParams(ptr: usize, len: usize): bool {
    const policy = this.cfg.transportParamsPolicy;
    if (policy == null) { this.fail(ALERT_INTERNAL_ERROR, "no transport parameters policy"); return false; }
    const err = policy.validate(!this.cfg.isServer, ptr, len);
    if (err != null) { this.failTransport(err.code, 0, err.reason); return false; }
    return true;
  }

  /** Adds the message in `w` to the transcript and queues it at `level`. */
  sendMessage(level: i32, w: Writer): void {
    this.transcript.add(w.buf, w.len);
    this.queueData(level, w);
  }

  /** Queues the bytes in `w` at `level` (post-handshake messages are not in the transcript). */
  queueData(level: i32, w: Writer): void {
    this.output.push(TlsOutputKind.HandshakeData, level).bytes.bytes(w.buf, w.len);
  }

  /** Records the peer's transport parameters (already accepted) and hands them to the QUIC layer at once. */
  setPeerTransportParams(ptr: usize, len: usize): void {
    this.peerTransportParams = new Uint8Array(<i32>len);
    memory.copy(this.peerTransportParams.dataStart, ptr, len);
    this.output.push(TlsOutputKind.PeerTransportParams, 0).bytes.bytes(ptr, len);
  }

  /** RFC 9001 §4.1.1: the handshake is complete. */
  queueComplete(): void {
    const o = this.output.push(TlsOutputKind.Complete, 0);
    o.alpn = this.alpn;
    o.earlyData = this.earlyData;
    o.transportParams = this.peerTransportParams;
  }

  /** RFC 9001 §4.1.2: the handshake is confirmed. */
  queueConfirmed(): void {
    this.output.push(TlsOutputKind.Confirmed, 0);
  }

  /** The 0-RTT verdict (also kept in `earlyData`: 1 accepted, 2 rejected). */
  queueEarlyData(accepted: bool): void {
    this.earlyData = accepted ? 1 : 2;
    this.output.push(TlsOutputKind.EarlyData, 0).accepted = accepted;
  }

  /** Installs `suite`'s hash for the transcript and key schedule. */
  setSuite(suite: u16): void {
    this.suite = suite;
    const alg = suiteHash(suite);
    this.transcript.setAlg(alg);
    if (this.ks.alg != alg) this.ks = new KeySchedule(alg);
  }

  /** Emits a traffic secret for `level` (read or write) and its key log line. */
  installSecret(read: bool, level: i32, secret: Uint8Array, clientSide: bool): void {
    const hl = <usize>this.ks.hashLen;
    const o = this.output.push(TlsOutputKind.Secret, level);
    o.read = read;
    o.suite = this.suite;
    o.bytes.bytes(secret.dataStart, hl);
    // RFC 9001 §4.1.4 / the NSS key log format: one line per secret
    let label = "";
    if (level == LEVEL_EARLY) label = "CLIENT_EARLY_TRAFFIC_SECRET";
    else if (level == LEVEL_HANDSHAKE) label = clientSide ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    else label = clientSide ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0";
    this.keyLog(label, secret.dataStart, hl);
  }

  keyLog(label: string, secret: usize, len: usize): void {
    if (!this.cfg.keyLog) return;
    this.output.push(TlsOutputKind.KeyLog, 0).text = label + " " + hexOf(this.clientRandom.dataStart, 32) + " " + hexOf(secret, len);
  }

  warn(text: string): void {
    this.output.push(TlsOutputKind.Warning, 0).text = text;
  }

  /** Derives the handshake traffic secrets from the transcript through ServerHello. */
  deriveHandshakeSecrets(shared: usize, sharedLen: usize): void {
    const th = memory.data(48);
    this.ks.handshake(shared, sharedLen);
    this.transcript.current(th);
    this.ks.derive("c hs traffic", th, this.clientHs.dataStart);
    this.ks.derive("s hs traffic", th, this.serverHs.dataStart);
  }

  /** Derives master, the application traffic secrets and the exporter secret (transcript through server Finished). */
  deriveAppSecrets(): void {
    const th = memory.data(48);
    this.ks.master();
    this.transcript.current(th);
    this.ks.derive("c ap traffic", th, this.clientAp.dataStart);
    this.ks.derive("s ap traffic", th, this.serverAp.dataStart);
    const exp = memory.data(48);
    this.ks.derive("exp master", th, exp);
    this.keyLog("EXPORTER_SECRET", exp, <usize>this.ks.hashLen);
  }

  /** resumption_master_secret (transcript through client Finished). */
  deriveResumptionSecret(): void {
    const th = memory.data(48);
    this.transcript.current(th);
    this.ks.derive("res master", th, this.resMaster.dataStart);
  }

  /** Writes a Finished message for `baseKey` (RFC 9846 §4.4.4) into `this.msg`. */
  buildFinished(baseKey: Uint8Array): Writer {
    const th = memory.data(48);
    this.transcript.current(th);
    const w = this.msg.clear();
    const off = beginMessage(w, 20);
    const vd = w.reserve(<usize>this.ks.hashLen);
    if (vd != 0) this.ks.verifyData(baseKey.dataStart, th, vd);
    endMessage(w, off);
    return w;
  }

  /** Checks a received Finished (`ptr` at the message header) against `baseKey`; the transcript must not yet include it. */
  checkFinished(baseKey: Uint8Array, ptr: usize, len: usize): bool {
    const hl = <usize>this.ks.hashLen;
    if (len != 4 + hl) { this.decodeError(); return false; }
    const th = memory.data(48);
    const expected = memory.data(48);
    this.transcript.current(th);
    this.ks.verifyData(baseKey.dataStart, th, expected);
    let acc: u32 = 0;
    for (let i: usize = 0; i < hl; i++) acc |= <u32>(load<u8>(expected + i) ^ load<u8>(ptr + 4 + i));
    return acc == 0;
  }

  /** RFC 9846 §7.5: TLS-Exporter(label, context, length) from a given exporter secret (kept for later use). */
  expandLabel(secret: usize, label: string, ctx: usize, ctxLen: usize, out: usize, outLen: usize): bool {
    return hkdfExpandLabel(this.ks.alg, secret, <usize>this.ks.hashLen, label, ctx, ctxLen, out, outLen);
  }
}

/** Iterates the extensions block of a hello; returns false on a malformed block. */
@final
export class ExtIter {
  r: Reader = new Reader();
  type: u16 = 0;
  body: Reader = new Reader();
  /** Types seen so far (a hello carries a few dozen at most). */
  seen: StaticArray<u16> = new StaticArray<u16>(MAX_EXTENSIONS);
  count: i32 = 0;

  init(ptr: usize, len: usize): void {
    this.r.reset(ptr, len);
    this.count = 0;
  }

  /** Next extension; false at the end or on error (check `error`). */
  next(): bool {
    if (this.r.atEnd || this.r.failed) return false;
    this.type = this.r.u16();
    const n = <usize>this.r.u16();
    this.r.sub(n, this.body);
    return !this.r.failed;
  }

  /**
   * RFC 9846 §4.2: there MUST NOT be more than one extension of the same
   * type. Also true (refused) past MAX_EXTENSIONS extensions.
   */
  duplicate(): bool {
    const t = this.type;
    const n = this.count;
    if (n >= MAX_EXTENSIONS) return true;
    for (let i = 0; i < n; i++) if (unchecked(this.seen[i]) == t) return true;
    unchecked(this.seen[n] = t);
    this.count = n + 1;
    return false;
  }

  get error(): bool { return this.r.failed; }
}

/** More extensions than this in one block are refused (real ClientHellos carry about 20). */
const MAX_EXTENSIONS: i32 = 128;
