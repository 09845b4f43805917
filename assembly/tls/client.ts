// The TLS 1.3 client state machine (RFC 9846 §A.1):
//
//   START -> WAIT_SH -> WAIT_EE -> WAIT_CERT_CR -> WAIT_CERT -> WAIT_CV -> WAIT_FINISHED -> CONNECTED
//                         |  (PSK)                                            ^
//                         +---------------------------------------------------+
//
// HelloRetryRequest loops back to WAIT_SH once; NewSessionTicket arrives in CONNECTED.

import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { randomBytes } from "../crypto/random";
import { HashAlg } from "../crypto/hash";
import { Handshake, ExtIter, beginMessage, endMessage, beginU16, endU16, beginU8, endU8 } from "./handshake";
import { TlsConfig, VERIFY_INSECURE } from "./config";
import { KeyShare } from "./key_share";
import { KeySchedule } from "./key_schedule";
import { Session } from "./session";
import { Certificate, parseCertificate } from "./x509";
import { parseIPv4, parseIPv6 } from "./names";
import { verifyServerChain, verifyCertificateVerify, cvSchemeSupported, ChainVerdict } from "./verify";
import { suiteHash } from "./suites";
import { TlsOutputKind } from "./output";
import {
  HT_CLIENT_HELLO, HT_SERVER_HELLO, HT_NEW_SESSION_TICKET, HT_ENCRYPTED_EXTENSIONS, HT_CERTIFICATE, HT_CERTIFICATE_REQUEST,
  HT_CERTIFICATE_VERIFY, HT_FINISHED, HT_KEY_UPDATE, EXT_SERVER_NAME, EXT_SUPPORTED_GROUPS, EXT_SIGNATURE_ALGORITHMS, EXT_ALPN,
  EXT_PRE_SHARED_KEY, EXT_EARLY_DATA, EXT_SUPPORTED_VERSIONS, EXT_COOKIE, EXT_PSK_KEY_EXCHANGE_MODES, EXT_KEY_SHARE,
  EXT_QUIC_TRANSPORT_PARAMETERS, TLS13, LEGACY_VERSION, HRR_RANDOM, DOWNGRADE_TLS12, DOWNGRADE_TLS11, PSK_DHE_KE,
  SIG_ECDSA_SECP256R1_SHA256, SIG_RSA_PSS_RSAE_SHA256, SIG_RSA_PKCS1_SHA256, SIG_ECDSA_SECP384R1_SHA384, SIG_RSA_PSS_RSAE_SHA384,
  SIG_RSA_PKCS1_SHA384, SIG_ED25519, LEVEL_INITIAL, LEVEL_EARLY, LEVEL_HANDSHAKE, LEVEL_APP,
  QUIC_MAX_EARLY_DATA,
} from "./constants";
import {
  ALERT_UNEXPECTED_MESSAGE, ALERT_ILLEGAL_PARAMETER, ALERT_PROTOCOL_VERSION, ALERT_UNSUPPORTED_EXTENSION, ALERT_MISSING_EXTENSION,
  ALERT_DECRYPT_ERROR, ALERT_DECODE_ERROR, ALERT_NO_APPLICATION_PROTOCOL, ALERT_HANDSHAKE_FAILURE, ALERT_INTERNAL_ERROR,
  QUIC_PROTOCOL_VIOLATION, ALERT_BAD_CERTIFICATE,
} from "./alert";

const WAIT_SH: i32 = 1;
const WAIT_EE: i32 = 2;
const WAIT_CERT_CR: i32 = 3;
const WAIT_CERT: i32 = 4;
const WAIT_CV: i32 = 5;
const WAIT_FINISHED: i32 = 6;
const CONNECTED: i32 = 7;

/** Signature schemes we verify in CertificateVerify (rsa_pkcs1 only appears on certificates). */
// RFC 9846 §4.2.3: without signature_algorithms_cert this list also governs certificate signatures,
// hence the rsa_pkcs1_* entries (never accepted in CertificateVerify, §4.4.3).
const SIG_SCHEMES: u16[] = [
  SIG_ECDSA_SECP256R1_SHA256, SIG_ECDSA_SECP384R1_SHA384, SIG_ED25519, SIG_RSA_PSS_RSAE_SHA256, SIG_RSA_PSS_RSAE_SHA384,
  SIG_RSA_PKCS1_SHA256, SIG_RSA_PKCS1_SHA384,
];

@inline function staticEq(p: usize, s: StaticArray<u8>): bool {
  return memory.compare(p, changetype<usize>(s), <usize>s.length) == 0;
}

export class TlsClient extends Handshake {
  state: i32 = 0;
  shares: KeyShare[] = [];
  sessionId: Uint8Array = new Uint8Array(0);
  session: Session | null = null;
  offeredPsk: bool = false;
  offeredEarly: bool = false;
  pskAccepted: bool = false;
  hrr: bool = false;
  cookie: Uint8Array = new Uint8Array(0);
  chain: Certificate[] = [];
  certRequested: bool = false;
  certRequestContext: Uint8Array = new Uint8Array(0);
  /** Extension types sent in the ClientHello (bitmap over 0..63). */
  offered: u64 = 0;
  sni: bool = false;

  constructor(cfg: TlsConfig, session: Session | null) {
    super(cfg);
    this.session = session;
  }

  /** Sends the first ClientHello (RFC 9846 §4.1.2). */
  start(nowUs: u64, wallMs: u64): bool {
    this.nowUs = nowUs;
    this.wallMs = wallMs;
    if (this.state != 0 || this.failed) return false;
    randomBytes(this.clientRandom.dataStart, 32);
    // RFC 9001 §8.4: QUIC clients MUST NOT set legacy_session_id; over TCP a
    // random one keeps middlebox compatibility mode (RFC 9846 §D.4).
    if (!this.cfg.quic) { this.sessionId = new Uint8Array(32); randomBytes(this.sessionId.dataStart, 32); }
    const n = this.cfg.keyShares < 1 ? 1 : this.cfg.keyShares;
    for (let i = 0; i < this.cfg.groups.length && i < n; i++) this.shares.push(new KeyShare(this.cfg.groups[i]));
    const name = this.cfg.serverName;
    // RFC 6066 §3: literal IP addresses are not permitted in server_name
    this.sni = name.length > 0 && parseIPv4(name) == null && parseIPv6(name) == null;
    const s = this.session;
    if (s != null) {
      // offer the ticket only for the same server, a suite we still allow, and a live ticket
      // (RFC 9846 §4.6.1: its lifetime is wall-clock time; the session outlives the process)
      const ageMs = wallMs - s.receivedAtMs;
      let suiteOk = false;
      for (let i = 0; i < this.cfg.cipherSuites.length; i++) if (this.cfg.cipherSuites[i] == s.suite) suiteOk = true;
      if (suiteOk && s.serverName == name && wallMs >= s.receivedAtMs && ageMs < <u64>s.lifetime * 1000) {
        this.offeredPsk = true;
        this.ks = new KeySchedule(suiteHash(s.suite));
        this.ks.early(s.psk.dataStart, <usize>s.psk.length);
        // RFC 9001 §4.6.1: 0-RTT only with max_early_data_size 0xffffffff; over TCP we never send early data
        this.offeredEarly = this.cfg.earlyData && this.cfg.quic && s.maxEarlyData == QUIC_MAX_EARLY_DATA;
      }
    }
    this.sendClientHello();
    if (this.failed) return false;
    this.state = WAIT_SH;
    if (this.offeredEarly) {
      // RFC 9846 §7.1: client_early_traffic_secret = Derive-Secret(early, "c e traffic", ClientHello)
      const th = memory.data(48);
      this.transcript.currentWith(this.ks.alg, 0, 0, th);
      const ets = new Uint8Array(48);
      this.ks.derive("c e traffic", th, ets.dataStart);
      this.suite = s!.suite;
      this.installSecret(false, LEVEL_EARLY, ets, true);
    }
    return true;
  }

  private ext(w: Writer, type: u16): usize {
    w.u16(type);
    if (type < 64) this.offered |= <u64>1 << <u64>type;
    return beginU16(w);
  }

  private sendClientHello(): void {
    const cfg = this.cfg;
    const w = this.msg.clear();
    const m = beginMessage(w, HT_CLIENT_HELLO);
    w.u16(LEGACY_VERSION);
    w.bytes(this.clientRandom.dataStart, 32);
    w.u8(<u32>this.sessionId.length);
    w.bytes(this.sessionId.dataStart, <usize>this.sessionId.length);
    let o = beginU16(w);
    for (let i = 0; i < cfg.cipherSuites.length; i++) w.u16(cfg.cipherSuites[i]);
    endU16(w, o);
    w.u8(1); w.u8(0); // legacy_compression_methods = { null }
    const exts = beginU16(w);
    if (this.sni) {
      // RFC 6066 §3: ServerNameList with one host_name
      const e = this.ext(w, EXT_SERVER_NAME);
      const l = beginU16(w);
      w.u8(0);
      const nm = String.UTF8.encode(cfg.serverName, false);
      w.u16(<u32>nm.byteLength);
      w.bytes(changetype<usize>(nm), <usize>nm.byteLength);
      endU16(w, l);
      endU16(w, e);
    }
    let e = this.ext(w, EXT_SUPPORTED_VERSIONS);
    w.u8(2); w.u16(TLS13);
    endU16(w, e);
    e = this.ext(w, EXT_SUPPORTED_GROUPS);
    o = beginU16(w);
    for (let i = 0; i < cfg.groups.length; i++) w.u16(cfg.groups[i]);
    endU16(w, o);
    endU16(w, e);
    e = this.ext(w, EXT_SIGNATURE_ALGORITHMS);
    o = beginU16(w);
    for (let i = 0; i < SIG_SCHEMES.length; i++) w.u16(SIG_SCHEMES[i]);
    endU16(w, o);
    endU16(w, e);
    e = this.ext(w, EXT_KEY_SHARE);
    o = beginU16(w);
    for (let i = 0; i < this.shares.length; i++) {
      const ks = this.shares[i];
      w.u16(ks.group);
      w.u16(<u32>ks.pub.length);
      w.bytes(ks.pub.dataStart, <usize>ks.pub.length);
    }
    endU16(w, o);
    endU16(w, e);
    if (cfg.alpn.length > 0) {
      e = this.ext(w, EXT_ALPN);
      o = beginU16(w);
      for (let i = 0; i < cfg.alpn.length; i++) {
        const p = cfg.alpn[i];
        w.u8(<u32>p.length);
        w.bytes(p.dataStart, <usize>p.length);
      }
      endU16(w, o);
      endU16(w, e);
    }
    if (cfg.quic) {
      e = this.ext(w, EXT_QUIC_TRANSPORT_PARAMETERS);
      w.bytes(this.localTransportParams.dataStart, <usize>this.localTransportParams.length);
      endU16(w, e);
    }
    if (this.cookie.length > 0) {
      e = this.ext(w, EXT_COOKIE);
      w.u16(<u32>this.cookie.length);
      w.bytes(this.cookie.dataStart, <usize>this.cookie.length);
      endU16(w, e);
    }
    let binderAt: usize = 0;
    if (this.offeredPsk) {
      // RFC 9846 §4.2.9: we only do PSK with (EC)DHE
      e = this.ext(w, EXT_PSK_KEY_EXCHANGE_MODES);
      w.u8(1); w.u8(PSK_DHE_KE);
      endU16(w, e);
      if (this.offeredEarly) { e = this.ext(w, EXT_EARLY_DATA); endU16(w, e); }
      // RFC 9846 §4.2.11: pre_shared_key MUST be the last extension
      const s = this.session!;
      e = this.ext(w, EXT_PRE_SHARED_KEY);
      o = beginU16(w);
      w.u16(<u32>s.ticket.length);
      w.bytes(s.ticket.dataStart, <usize>s.ticket.length);
      // RFC 9846 §4.2.11.1: obfuscated_ticket_age = (age in ms + ticket_age_add) mod 2^32
      w.u32(<u32>(this.wallMs - s.receivedAtMs) + s.ageAdd);
      endU16(w, o);
      o = beginU16(w);
      w.u8(<u32>this.ks.hashLen);
      binderAt = w.len;
      w.fill(0, <usize>this.ks.hashLen);
      endU16(w, o);
      endU16(w, e);
    }
    endU16(w, exts);
    endMessage(w, m);
    if (w.overflow) { this.fail(ALERT_INTERNAL_ERROR, "ClientHello too large"); return; }
    if (this.offeredPsk) {
      // RFC 9846 §4.2.11.2: the binder is an HMAC over the transcript up to
      // and including the ClientHello truncated before the binders list.
      const hl = <usize>this.ks.hashLen;
      const truncated = binderAt - 1 - 2; // minus the binder's length byte and the list length
      const th = memory.data(48);
      this.transcript.currentWith(this.ks.alg, w.buf, truncated, th);
      const binderKey = new Uint8Array(48);
      this.ks.derive("res binder", this.ks.emptyHash.dataStart, binderKey.dataStart);
      this.ks.verifyData(binderKey.dataStart, th, w.buf + binderAt);
      if (binderAt + hl != w.len) { this.fail(ALERT_INTERNAL_ERROR, "binder placement"); return; }
    }
    this.sendMessage(LEVEL_INITIAL, w);
  }

  onMessage(type: u8, ptr: usize, len: usize): void {
    const body = new Reader(ptr + 4, len - 4);
    switch (this.state) {
      case WAIT_SH:
        if (type != HT_SERVER_HELLO) break;
        this.onServerHello(body, ptr, len);
        return;
      case WAIT_EE:
        if (type != HT_ENCRYPTED_EXTENSIONS) break;
        this.onEncryptedExtensions(body, ptr, len);
        return;
      case WAIT_CERT_CR:
        if (type == HT_CERTIFICATE_REQUEST) { this.onCertificateRequest(body, ptr, len); return; }
        if (type != HT_CERTIFICATE) break;
        this.onCertificate(body, ptr, len);
        return;
      case WAIT_CERT:
        if (type != HT_CERTIFICATE) break;
        this.onCertificate(body, ptr, len);
        return;
      case WAIT_CV:
        if (type != HT_CERTIFICATE_VERIFY) break;
        this.onCertificateVerify(body, ptr, len);
        return;
      case WAIT_FINISHED:
        if (type != HT_FINISHED) break;
        this.onFinished(ptr, len);
        return;
      case CONNECTED:
        if (type == HT_NEW_SESSION_TICKET) { this.onNewSessionTicket(body); return; }
        // RFC 9001 §6: a TLS KeyUpdate is a connection error 0x010a in QUIC
        if (type == HT_KEY_UPDATE && !this.cfg.quic) return;
        break;
    }
    this.fail(ALERT_UNEXPECTED_MESSAGE, "unexpected handshake message");
  }

  private offeredSuite(s: u16): bool {
    for (let i = 0; i < this.cfg.cipherSuites.length; i++) if (this.cfg.cipherSuites[i] == s) return true;
    return false;
  }

  /** RFC 9846 §4.1.3 / §4.1.4. */
  private onServerHello(r: Reader, ptr: usize, len: usize): void {
    const version = r.u16();
    const random = r.bytes(32);
    const sidLen = <usize>r.u8();
    const sid = r.bytes(sidLen);
    const suite = r.u16();
    const compression = r.u8();
    const extLen = <usize>r.u16();
    const extPtr = r.bytes(extLen);
    if (r.failed || !r.atEnd) { this.decodeError(); return; }
    if (version != LEGACY_VERSION) { this.fail(ALERT_PROTOCOL_VERSION, "ServerHello legacy_version is not 0x0303"); return; }
    if (sidLen != <usize>this.sessionId.length || (sidLen > 0 && memory.compare(sid, this.sessionId.dataStart, sidLen) != 0)) {
      this.fail(ALERT_ILLEGAL_PARAMETER, "legacy_session_id_echo does not match"); return;
    }
    if (!this.offeredSuite(suite)) { this.fail(ALERT_ILLEGAL_PARAMETER, "server chose a cipher suite we did not offer"); return; }
    if (compression != 0) { this.fail(ALERT_ILLEGAL_PARAMETER, "legacy_compression_method is not 0"); return; }
    if (this.hrr && suite != this.suite) { this.fail(ALERT_ILLEGAL_PARAMETER, "cipher suite changed after HelloRetryRequest"); return; }
    const isHrr = staticEq(random, HRR_RANDOM);

    const it = new ExtIter();
    it.init(extPtr, extLen);
    let version13 = false;
    let group: u16 = 0;
    let keyPtr: usize = 0, keyLen: usize = 0;
    let hasKeyShare = false;
    let pskSelected: i32 = -1;
    let cookiePtr: usize = 0, cookieLen: usize = 0;
    while (it.next()) {
      if (it.duplicate()) { this.fail(ALERT_ILLEGAL_PARAMETER, "duplicate extension"); return; }
      const b = it.body;
      const t = it.type;
      if (t == EXT_SUPPORTED_VERSIONS) {
        const v = b.u16();
        if (b.failed || !b.atEnd) { this.decodeError(); return; }
        // RFC 9846 §4.2.1: a version not offered is an illegal_parameter
        if (v != TLS13) { this.fail(ALERT_ILLEGAL_PARAMETER, "server selected a version we did not offer"); return; }
        version13 = true;
      } else if (t == EXT_KEY_SHARE) {
        hasKeyShare = true;
        group = b.u16();
        if (!isHrr) { keyLen = <usize>b.u16(); keyPtr = b.bytes(keyLen); }
        if (b.failed || !b.atEnd) { this.decodeError(); return; }
      } else if (t == EXT_PRE_SHARED_KEY && !isHrr) {
        if (!this.offeredPsk) { this.fail(ALERT_UNSUPPORTED_EXTENSION, "pre_shared_key not offered"); return; }
        pskSelected = <i32>b.u16();
        if (b.failed || !b.atEnd) { this.decodeError(); return; }
      } else if (t == EXT_COOKIE && isHrr) {
        cookieLen = <usize>b.u16();
        cookiePtr = b.bytes(cookieLen);
        if (b.failed || !b.atEnd || cookieLen == 0) { this.decodeError(); return; }
      } else {
        // RFC 9846 §4.2: extensions not offered (or not allowed here) are refused
        this.fail(ALERT_UNSUPPORTED_EXTENSION, "unexpected extension in ServerHello"); return;
      }
    }
    if (it.error) { this.decodeError(); return; }
    if (!version13) {
      // RFC 9846 §4.1.3: a TLS 1.2-or-older answer with the downgrade sentinel is an attack
      if (staticEq(random + 24, DOWNGRADE_TLS12) || staticEq(random + 24, DOWNGRADE_TLS11)) {
        this.fail(ALERT_ILLEGAL_PARAMETER, "downgrade sentinel in ServerHello.random"); return;
      }
      this.fail(ALERT_PROTOCOL_VERSION, "server does not speak TLS 1.3"); return;
    }
    if (isHrr) { this.onHelloRetryRequest(suite, group, hasKeyShare, cookiePtr, cookieLen, ptr, len); return; }

    // a ServerHello
    if (!hasKeyShare) { this.fail(ALERT_MISSING_EXTENSION, "ServerHello without key_share (psk_ke is not offered)"); return; }
    let share: KeyShare | null = null;
    for (let i = 0; i < this.shares.length; i++) if (this.shares[i].group == group) share = this.shares[i];
    if (share == null) { this.fail(ALERT_ILLEGAL_PARAMETER, "key_share for a group we did not send"); return; }
    if (pskSelected >= 0) {
      // RFC 9846 §4.2.11: the index must be in range and the hash must match the PSK's
      if (pskSelected != 0) { this.fail(ALERT_ILLEGAL_PARAMETER, "selected_identity out of range"); return; }
      if (suiteHash(suite) != suiteHash(this.session!.suite)) { this.fail(ALERT_ILLEGAL_PARAMETER, "PSK hash does not match the cipher suite"); return; }
      this.pskAccepted = true;
    }
    this.suite = suite;
    this.transcript.setAlg(suiteHash(suite));
    if (!this.pskAccepted) {
      this.ks = new KeySchedule(suiteHash(suite));
      this.ks.early(0, 0);
    }
    this.transcript.add(ptr, len);
    const shared = memory.data(32);
    if (!share!.agree(keyPtr, keyLen, shared)) { this.fail(ALERT_ILLEGAL_PARAMETER, "invalid key share"); return; }
    for (let i = 0; i < this.shares.length; i++) this.shares[i].clear();
    this.deriveHandshakeSecrets(shared, 32);
    memory.fill(shared, 0, 32);
    this.installSecret(true, LEVEL_HANDSHAKE, this.serverHs, false);
    this.installSecret(false, LEVEL_HANDSHAKE, this.clientHs, true);
    this.readLevel = LEVEL_HANDSHAKE;
    this.state = WAIT_EE;
  }

  /** RFC 9846 §4.1.4: one HelloRetryRequest, answered with a second ClientHello. */
  private onHelloRetryRequest(suite: u16, group: u16, hasKeyShare: bool, cookiePtr: usize, cookieLen: usize, ptr: usize, len: usize): void {
    if (this.hrr) { this.fail(ALERT_UNEXPECTED_MESSAGE, "second HelloRetryRequest"); return; }
    this.hrr = true;
    if (hasKeyShare) {
      let ok = false;
      for (let i = 0; i < this.cfg.groups.length; i++) if (this.cfg.groups[i] == group) ok = true;
      for (let i = 0; i < this.shares.length; i++) if (this.shares[i].group == group) ok = false;
      if (!ok) { this.fail(ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest asks for an unusable group"); return; }
    } else if (cookieLen == 0) {
      // RFC 9846 §4.1.4: an HRR that would not change the ClientHello is illegal
      this.fail(ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest changes nothing"); return;
    }
    this.suite = suite;
    this.transcript.replaceWithMessageHash(suiteHash(suite));
    this.transcript.add(ptr, len);
    if (hasKeyShare) {
      for (let i = 0; i < this.shares.length; i++) this.shares[i].clear();
      this.shares = [new KeyShare(group)];
    }
    if (cookieLen > 0) { this.cookie = new Uint8Array(<i32>cookieLen); memory.copy(this.cookie.dataStart, cookiePtr, cookieLen); }
    // RFC 9846 §4.2.10: no early_data after HRR; a PSK whose hash differs from the suite's is dropped
    if (this.offeredEarly) {
      this.offeredEarly = false;
      this.queueEarlyData(false);
    }
    if (this.offeredPsk && suiteHash(this.session!.suite) != suiteHash(suite)) this.offeredPsk = false;
    this.offered = 0;
    this.sendClientHello();
  }

  /** RFC 9846 §4.3.1. */
  private onEncryptedExtensions(r: Reader, ptr: usize, len: usize): void {
    const extLen = <usize>r.u16();
    const extPtr = r.bytes(extLen);
    if (r.failed || !r.atEnd) { this.decodeError(); return; }
    const it = new ExtIter();
    it.init(extPtr, extLen);
    let haveTp = false;
    let earlyAccepted = false;
    let haveAlpn = false;
    while (it.next()) {
      if (it.duplicate()) { this.fail(ALERT_ILLEGAL_PARAMETER, "duplicate extension"); return; }
      const t = it.type;
      const b = it.body;
      if (t == EXT_SUPPORTED_VERSIONS || t == EXT_KEY_SHARE || t == EXT_PRE_SHARED_KEY || t == EXT_SIGNATURE_ALGORITHMS ||
          t == EXT_PSK_KEY_EXCHANGE_MODES || t == EXT_COOKIE) {
        this.fail(ALERT_ILLEGAL_PARAMETER, "extension not allowed in EncryptedExtensions"); return;
      }
      if (t >= 64 || (this.offered & (<u64>1 << <u64>t)) == 0) {
        this.fail(ALERT_UNSUPPORTED_EXTENSION, "unsolicited extension in EncryptedExtensions"); return;
      }
      if (t == EXT_ALPN) {
        // RFC 7301 §3.1: exactly one protocol, one that we offered
        const listLen = <usize>b.u16();
        const n = <usize>b.u8();
        const p = b.bytes(n);
        if (b.failed || !b.atEnd || listLen != n + 1 || n == 0) { this.decodeError(); return; }
        let ok = false;
        for (let i = 0; i < this.cfg.alpn.length; i++) {
          const a = this.cfg.alpn[i];
          if (<usize>a.length == n && memory.compare(a.dataStart, p, n) == 0) ok = true;
        }
        if (!ok) { this.fail(ALERT_ILLEGAL_PARAMETER, "server selected an ALPN protocol we did not offer"); return; }
        this.alpn = new Uint8Array(<i32>n);
        memory.copy(this.alpn.dataStart, p, n);
        haveAlpn = true;
      } else if (t == EXT_EARLY_DATA) {
        if (!b.atEnd) { this.decodeError(); return; }
        if (!this.offeredEarly) { this.fail(ALERT_UNSUPPORTED_EXTENSION, "early_data accepted but not offered"); return; }
        earlyAccepted = true;
      } else if (t == EXT_QUIC_TRANSPORT_PARAMETERS) {
        const n = b.remaining;
        if (!this.acceptPeerTransportParams(b.pos, n)) return;
        this.setPeerTransportParams(b.pos, n);
        haveTp = true;
      }
      // server_name and supported_groups: nothing to do
    }
    if (it.error) { this.decodeError(); return; }
    // RFC 9001 §8.2: the extension is mandatory in QUIC
    if (this.cfg.quic && !haveTp) { this.fail(ALERT_MISSING_EXTENSION, "no quic_transport_parameters"); return; }
    // RFC 9001 §8.1: QUIC requires ALPN
    if (this.cfg.quic && this.cfg.alpn.length > 0 && !haveAlpn) { this.fail(ALERT_NO_APPLICATION_PROTOCOL, "server did not select an ALPN protocol"); return; }
    if (earlyAccepted && !this.pskAccepted) { this.fail(ALERT_ILLEGAL_PARAMETER, "early_data accepted without the PSK"); return; }
    if (this.offeredEarly) {
      // RFC 9001 §4.6.2: rejection surfaces here; the QUIC layer drops 0-RTT and resends as 1-RTT
      this.queueEarlyData(earlyAccepted);
    }
    this.transcript.add(ptr, len);
    this.state = this.pskAccepted ? WAIT_FINISHED : WAIT_CERT_CR;
  }

  /** RFC 9846 §4.3.2: we answer with an empty Certificate (no client certificates). */
  private onCertificateRequest(r: Reader, ptr: usize, len: usize): void {
    const ctxLen = <usize>r.u8();
    const ctx = r.bytes(ctxLen);
    const extLen = <usize>r.u16();
    r.bytes(extLen);
    if (r.failed || !r.atEnd) { this.decodeError(); return; }
    this.certRequested = true;
    this.certRequestContext = new Uint8Array(<i32>ctxLen);
    if (ctxLen) memory.copy(this.certRequestContext.dataStart, ctx, ctxLen);
    this.transcript.add(ptr, len);
    this.state = WAIT_CERT;
  }

  /** RFC 9846 §4.4.2. */
  private onCertificate(r: Reader, ptr: usize, len: usize): void {
    const ctxLen = <usize>r.u8();
    r.bytes(ctxLen);
    const listLen = <usize>r.u24();
    const lr = r.sub(listLen, new Reader());
    if (r.failed || !r.atEnd) { this.decodeError(); return; }
    if (ctxLen != 0) { this.fail(ALERT_ILLEGAL_PARAMETER, "certificate_request_context must be empty"); return; }
    const chain: Certificate[] = [];
    while (!lr.atEnd) {
      const n = <usize>lr.u24();
      const p = lr.bytes(n);
      const extLen = <usize>lr.u16();
      lr.bytes(extLen);
      if (lr.failed || n == 0) { this.decodeError(); return; }
      if (chain.length >= 10) { this.fail(ALERT_BAD_CERTIFICATE, "certificate chain too long"); return; }
      chain.push(parseCertificate(p, n));
    }
    // RFC 9846 §4.4.2.4: an empty Certificate from the server is a decode_error
    if (chain.length == 0) { this.decodeError(); return; }
    // RFC 5280 §4.1.2.5: validity is wall-clock time
    const verdict = new ChainVerdict();
    const alert = verifyServerChain(chain, this.cfg, <i64>(this.wallMs / 1000), verdict);
    if (alert != 0) { this.fail(alert, verdict.reason); return; }
    if (this.cfg.verifyMode == VERIFY_INSECURE) {
      this.warn("INSECURE: the server certificate was NOT verified (insecure mode); the connection is not authenticated");
    }
    this.chain = chain;
    this.transcript.add(ptr, len);
    this.state = WAIT_CV;
  }

  /** RFC 9846 §4.4.3. */
  private onCertificateVerify(r: Reader, ptr: usize, len: usize): void {
    const scheme = r.u16();
    const sigLen = <usize>r.u16();
    const sig = r.bytes(sigLen);
    if (r.failed || !r.atEnd) { this.decodeError(); return; }
    if (!cvSchemeSupported(scheme)) {
      this.fail(ALERT_ILLEGAL_PARAMETER, "CertificateVerify with a scheme we did not offer for it"); return;
    }
    const th = memory.data(48);
    this.transcript.current(th);
    const alert = verifyCertificateVerify(this.chain[0], scheme, sig, sigLen, th, <usize>this.ks.hashLen);
    if (alert != 0) {
      // RFC 9846 §6.2: decrypt_error for a signature that does not verify; illegal_parameter for a scheme that does not fit the key.
      this.fail(alert, alert == ALERT_DECRYPT_ERROR ? "CertificateVerify does not verify: bad signature by the server certificate's key" : "CertificateVerify scheme does not match the server certificate's key");
      return;
    }
    this.transcript.add(ptr, len);
    this.state = WAIT_FINISHED;
  }

  /** RFC 9846 §4.4.4, then the client's second flight. */
  private onFinished(ptr: usize, len: usize): void {
    if (len != 4 + <usize>this.ks.hashLen) { this.decodeError(); return; }
    if (!this.checkFinished(this.serverHs, ptr, len)) { this.fail(ALERT_DECRYPT_ERROR, "server Finished does not verify"); return; }
    this.transcript.add(ptr, len);
    this.deriveAppSecrets();
    this.installSecret(true, LEVEL_APP, this.serverAp, false);
    if (this.certRequested) {
      const w = this.msg.clear();
      const m = beginMessage(w, HT_CERTIFICATE);
      w.u8(<u32>this.certRequestContext.length);
      w.bytes(this.certRequestContext.dataStart, <usize>this.certRequestContext.length);
      w.u24(0);
      endMessage(w, m);
      this.sendMessage(LEVEL_HANDSHAKE, w);
    }
    this.sendMessage(LEVEL_HANDSHAKE, this.buildFinished(this.clientHs));
    this.installSecret(false, LEVEL_APP, this.clientAp, true);
    this.deriveResumptionSecret();
    this.readLevel = LEVEL_APP;
    this.state = CONNECTED;
    this.complete = true;
    this.queueComplete();
  }

  /**
   * RFC 9000 §7.4.1: when 0-RTT is offered, the server's transport parameters
   * remembered with the session, which govern 0-RTT data; empty otherwise.
   */
  get rememberedTransportParams(): Uint8Array {
    const s = this.session;
    return this.offeredEarly && s != null ? s.transportParams : new Uint8Array(0);
  }

  releaseHandshakeState(): void {
    super.releaseHandshakeState();
    if (this.state != CONNECTED) return;
    this.shares = [];
    this.chain = [];
  }

  /** RFC 9001 §4.1.2: the QUIC layer calls this when HANDSHAKE_DONE arrives. */
  confirm(): void {
    if (!this.complete || this.confirmed) return;
    this.confirmed = true;
    this.queueConfirmed();
  }

  /** RFC 9846 §4.6.1. */
  private onNewSessionTicket(r: Reader): void {
    const lifetime = r.u32();
    const ageAdd = r.u32();
    const nonceLen = <usize>r.u8();
    const nonce = r.bytes(nonceLen);
    const ticketLen = <usize>r.u16();
    const ticket = r.bytes(ticketLen);
    const extLen = <usize>r.u16();
    const extPtr = r.bytes(extLen);
    if (r.failed || !r.atEnd || ticketLen == 0) { this.decodeError(); return; }
    if (lifetime > 604800) { this.fail(ALERT_ILLEGAL_PARAMETER, "ticket_lifetime above 7 days"); return; }
    let maxEarly: u32 = 0;
    const it = new ExtIter();
    it.init(extPtr, extLen);
    while (it.next()) {
      if (it.duplicate()) { this.fail(ALERT_ILLEGAL_PARAMETER, "duplicate extension"); return; }
      if (it.type == EXT_EARLY_DATA) {
        maxEarly = it.body.u32();
        if (it.body.failed || !it.body.atEnd) { this.decodeError(); return; }
        // RFC 9001 §4.6.1: any other value is a PROTOCOL_VIOLATION
        if (this.cfg.quic && maxEarly != QUIC_MAX_EARLY_DATA) { this.failTransport(QUIC_PROTOCOL_VIOLATION, 0, "max_early_data_size is not 0xffffffff"); return; }
      }
    }
    if (it.error) { this.decodeError(); return; }
    if (lifetime == 0) return;
    const s = new Session();
    s.suite = this.suite;
    s.psk = new Uint8Array(this.ks.hashLen);
    this.ks.ticketPsk(this.resMaster.dataStart, nonce, nonceLen, s.psk.dataStart);
    s.ticket = new Uint8Array(<i32>ticketLen);
    memory.copy(s.ticket.dataStart, ticket, ticketLen);
    s.ageAdd = ageAdd;
    s.lifetime = lifetime;
    s.receivedAtMs = this.wallMs;
    s.maxEarlyData = maxEarly;
    s.alpn = this.alpn;
    s.serverName = this.cfg.serverName;
    s.transportParams = this.peerTransportParams;
    s.encode(this.output.push(TlsOutputKind.Ticket, 0).bytes);
  }
}

