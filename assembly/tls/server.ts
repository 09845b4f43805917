// The TLS 1.3 server state machine (RFC 9846 §A.2):
//
//   START -> RECVD_CH -> NEGOTIATED -> (0-RTT keys) -> WAIT_FINISHED -> CONNECTED
//              |  HelloRetryRequest
//              +-> WAIT_CH2 -> RECVD_CH ...
//
// The server's whole first flight (ServerHello at Initial; EncryptedExtensions,
// Certificate, CertificateVerify, Finished at Handshake) leaves in one call.

import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { randomBytes } from "../crypto/random";
import { Handshake, ExtIter, beginMessage, endMessage, beginU16, endU16 } from "./handshake";
import { TlsConfig } from "./config";
import { KeyShare, groupSupported } from "./key_share";
import { KeySchedule } from "./key_schedule";
import { TicketState } from "./session";
import { signCertificateVerify } from "./verify";
import { suiteHash, suiteKnown } from "./suites";
import { ctEqual } from "../crypto/ct";
import {
  HT_CLIENT_HELLO, HT_SERVER_HELLO, HT_NEW_SESSION_TICKET, HT_ENCRYPTED_EXTENSIONS, HT_CERTIFICATE, HT_CERTIFICATE_VERIFY,
  HT_FINISHED, HT_KEY_UPDATE, HT_END_OF_EARLY_DATA, EXT_SERVER_NAME, EXT_SUPPORTED_GROUPS, EXT_SIGNATURE_ALGORITHMS, EXT_ALPN, EXT_PRE_SHARED_KEY,
  EXT_EARLY_DATA, EXT_SUPPORTED_VERSIONS, EXT_PSK_KEY_EXCHANGE_MODES, EXT_KEY_SHARE, EXT_QUIC_TRANSPORT_PARAMETERS,
  TLS13, LEGACY_VERSION, HRR_RANDOM, PSK_DHE_KE, SIG_ECDSA_SECP256R1_SHA256, LEVEL_INITIAL, LEVEL_EARLY, LEVEL_HANDSHAKE,
  LEVEL_APP, QUIC_MAX_EARLY_DATA,
} from "./constants";
import {
  ALERT_UNEXPECTED_MESSAGE, ALERT_ILLEGAL_PARAMETER, ALERT_PROTOCOL_VERSION, ALERT_MISSING_EXTENSION, ALERT_DECRYPT_ERROR,
  ALERT_NO_APPLICATION_PROTOCOL, ALERT_HANDSHAKE_FAILURE, ALERT_INTERNAL_ERROR, ALERT_DECODE_ERROR, QUIC_PROTOCOL_VIOLATION,
} from "./alert";

const WAIT_CH: i32 = 0;
const WAIT_CH2: i32 = 1;
const WAIT_FINISHED: i32 = 2;
const CONNECTED: i32 = 3;

/** RFC 9846 §8.3: the accepted difference between the client's and our view of a ticket's age for 0-RTT. */
const MAX_AGE_SKEW_MS: i64 = 10000;

export class TlsServer extends Handshake {
  state: i32 = WAIT_CH;
  share: KeyShare | null = null;
  group: u16 = 0;
  hrrDone: bool = false;
  serverName: Uint8Array = new Uint8Array(0);
  pskAccepted: bool = false;
  ticketsSent: i32 = 0;

  constructor(cfg: TlsConfig) {
    super(cfg);
  }

  releaseHandshakeState(): void {
    super.releaseHandshakeState();
    if (this.state == CONNECTED) this.share = null;
  }

  onMessage(type: u8, ptr: usize, len: usize): void {
    if ((this.state == WAIT_CH || this.state == WAIT_CH2) && type == HT_CLIENT_HELLO) { this.onClientHello(ptr, len); return; }
    if (this.state == WAIT_FINISHED && type == HT_FINISHED) { this.onFinished(ptr, len); return; }
    if (this.state == CONNECTED && type == HT_KEY_UPDATE && !this.cfg.quic) return;
    // RFC 9001 §8.3: servers MUST treat receipt of EndOfEarlyData as a PROTOCOL_VIOLATION
    if (type == HT_END_OF_EARLY_DATA && this.cfg.quic) { this.failTransport(QUIC_PROTOCOL_VIOLATION, 0, "EndOfEarlyData in QUIC"); return; }
    // RFC 9001 §6: a KeyUpdate is a connection error 0x010a (unexpected_message)
    this.fail(ALERT_UNEXPECTED_MESSAGE, "unexpected handshake message");
  }

  /** RFC 9846 §4.1.2 (and §4.1.4 for the second ClientHello). */
  private onClientHello(ptr: usize, len: usize): void {
    const cfg = this.cfg;
    const r = new Reader(ptr + 4, len - 4);
    r.u16(); // legacy_version: RFC 9846 §4.2.1 — negotiation uses supported_versions only
    const random = r.bytes(32);
    const sidLen = <usize>r.u8();
    const sid = r.bytes(sidLen);
    const suitesLen = <usize>r.u16();
    const suites = r.bytes(suitesLen);
    const compLen = <usize>r.u8();
    const comp = r.bytes(compLen);
    const extLen = <usize>r.u16();
    const extPtr = r.bytes(extLen);
    if (r.failed || !r.atEnd || sidLen > 32 || suitesLen < 2 || (suitesLen & 1) != 0 || compLen < 1) { this.decodeError(); return; }
    // RFC 9846 §4.1.2: legacy_compression_methods MUST be exactly one zero byte
    if (compLen != 1 || load<u8>(comp) != 0) { this.fail(ALERT_ILLEGAL_PARAMETER, "legacy_compression_methods is not { null }"); return; }

    let tls13 = false, haveVersions = false;
    const groups: u16[] = [];
    let haveGroups = false;
    let sigOk = false, haveSigAlgs = false;
    const shareGroups: u16[] = [];
    const sharePtrs: usize[] = [];
    const shareLens: usize[] = [];
    let haveKeyShare = false;
    let alpnPtr: usize = 0, alpnLen: usize = 0, haveAlpn = false;
    let tpPtr: usize = 0, tpLen: usize = 0, haveTp = false;
    let pskDheKe = false, havePskModes = false;
    let earlyData = false;
    let pskPtr: usize = 0, pskLen: usize = 0, havePsk = false;
    let pskExtStart: usize = 0;
    let sniPtr: usize = 0, sniLen: usize = 0;

    const it = new ExtIter();
    it.init(extPtr, extLen);
    while (it.next()) {
      if (havePsk) { this.fail(ALERT_ILLEGAL_PARAMETER, "pre_shared_key is not the last extension"); return; }
      if (it.duplicate()) { this.fail(ALERT_ILLEGAL_PARAMETER, "duplicate extension"); return; }
      const b = it.body;
      const t = it.type;
      if (t == EXT_SUPPORTED_VERSIONS) {
        haveVersions = true;
        const n = <usize>b.u8();
        const vr = b.sub(n, new Reader());
        if (b.failed || !b.atEnd || n < 2 || (n & 1)) { this.decodeError(); return; }
        while (!vr.atEnd) if (vr.u16() == TLS13) tls13 = true;
      } else if (t == EXT_SUPPORTED_GROUPS) {
        haveGroups = true;
        const n = <usize>b.u16();
        const gr = b.sub(n, new Reader());
        if (b.failed || !b.atEnd || n < 2 || (n & 1)) { this.decodeError(); return; }
        while (!gr.atEnd) groups.push(gr.u16());
      } else if (t == EXT_SIGNATURE_ALGORITHMS) {
        haveSigAlgs = true;
        const n = <usize>b.u16();
        const sr = b.sub(n, new Reader());
        if (b.failed || !b.atEnd || n < 2 || (n & 1)) { this.decodeError(); return; }
        while (!sr.atEnd) if (sr.u16() == SIG_ECDSA_SECP256R1_SHA256) sigOk = true;
      } else if (t == EXT_KEY_SHARE) {
        haveKeyShare = true;
        const n = <usize>b.u16();
        const kr = b.sub(n, new Reader());
        if (b.failed || !b.atEnd) { this.decodeError(); return; }
        while (!kr.atEnd) {
          const g = kr.u16();
          const kl = <usize>kr.u16();
          const kp = kr.bytes(kl);
          if (kr.failed || kl == 0) { this.decodeError(); return; }
          // RFC 9846 §4.2.8: clients MUST NOT offer multiple KeyShareEntry values for the same group
          for (let i = 0; i < shareGroups.length; i++) if (shareGroups[i] == g) { this.fail(ALERT_ILLEGAL_PARAMETER, "two key shares for one group"); return; }
          shareGroups.push(g); sharePtrs.push(kp); shareLens.push(kl);
        }
      } else if (t == EXT_ALPN) {
        const n = <usize>b.u16();
        alpnPtr = b.bytes(n); alpnLen = n;
        if (b.failed || !b.atEnd || n < 2) { this.decodeError(); return; }
        haveAlpn = true;
      } else if (t == EXT_QUIC_TRANSPORT_PARAMETERS) {
        tpPtr = b.pos; tpLen = b.remaining; haveTp = true;
      } else if (t == EXT_PSK_KEY_EXCHANGE_MODES) {
        const n = <usize>b.u8();
        const mp = b.bytes(n);
        if (b.failed || !b.atEnd || n == 0) { this.decodeError(); return; }
        havePskModes = true;
        for (let i: usize = 0; i < n; i++) if (load<u8>(mp + i) == PSK_DHE_KE) pskDheKe = true;
      } else if (t == EXT_EARLY_DATA) {
        if (!b.atEnd) { this.decodeError(); return; }
        earlyData = true;
      } else if (t == EXT_PRE_SHARED_KEY) {
        havePsk = true;
        pskPtr = b.pos; pskLen = b.remaining;
        pskExtStart = b.pos;
      } else if (t == EXT_SERVER_NAME) {
        // RFC 6066 §3: ServerNameList; we keep the host_name
        const n = <usize>b.u16();
        const nr = b.sub(n, new Reader());
        if (b.failed || !b.atEnd) { this.decodeError(); return; }
        while (!nr.atEnd) {
          const nt = nr.u8();
          const hl = <usize>nr.u16();
          const hp = nr.bytes(hl);
          if (nr.failed || hl == 0) { this.decodeError(); return; }
          if (nt == 0 && sniLen == 0) { sniPtr = hp; sniLen = hl; }
        }
      }
      // others (GREASE, status_request, ...): ignored
    }
    if (it.error) { this.decodeError(); return; }
    // RFC 9846 §4.2.1: without supported_versions the client speaks TLS 1.2 or older
    if (!haveVersions || !tls13) { this.fail(ALERT_PROTOCOL_VERSION, "client does not offer TLS 1.3"); return; }
    if (this.hrrDone && earlyData) { this.fail(ALERT_ILLEGAL_PARAMETER, "early_data after HelloRetryRequest"); return; }
    // RFC 9846 §4.2.9: pre_shared_key without psk_key_exchange_modes MUST abort
    if (havePsk && !havePskModes) { this.fail(ALERT_MISSING_EXTENSION, "pre_shared_key without psk_key_exchange_modes"); return; }

    // cipher suite: our preference order (RFC 9846 §4.1.1)
    let suite: u16 = 0;
    for (let i = 0; i < cfg.cipherSuites.length && suite == 0; i++) {
      const s = cfg.cipherSuites[i];
      for (let j: usize = 0; j < suitesLen; j += 2) if (bswap<u16>(load<u16>(suites + j)) == s) { suite = s; break; }
    }
    if (suite == 0) { this.fail(ALERT_HANDSHAKE_FAILURE, "no common cipher suite"); return; }
    if (this.hrrDone && suite != this.suite) { this.fail(ALERT_ILLEGAL_PARAMETER, "cipher suite changed after HelloRetryRequest"); return; }

    // RFC 9846 §9.2: key_share and supported_groups come together
    if (!haveKeyShare || !haveGroups) { this.fail(ALERT_MISSING_EXTENSION, "key_share and supported_groups are required"); return; }
    for (let i = 0; i < shareGroups.length; i++) {
      let listed = false;
      for (let j = 0; j < groups.length; j++) if (groups[j] == shareGroups[i]) listed = true;
      if (!listed) { this.fail(ALERT_ILLEGAL_PARAMETER, "key share for a group not in supported_groups"); return; }
    }
    // group: the first of ours with a key share; else the first of ours the client supports (HRR)
    let shareIdx = -1;
    for (let i = 0; i < cfg.groups.length && shareIdx < 0; i++) {
      for (let j = 0; j < shareGroups.length; j++) if (shareGroups[j] == cfg.groups[i]) { shareIdx = j; break; }
    }
    if (this.hrrDone && (shareIdx < 0 || shareGroups[shareIdx] != this.group || shareGroups.length != 1)) {
      this.fail(ALERT_ILLEGAL_PARAMETER, "second ClientHello without the requested key share"); return;
    }
    let hrrGroup: u16 = 0;
    if (shareIdx < 0) {
      for (let i = 0; i < cfg.groups.length && hrrGroup == 0; i++) {
        for (let j = 0; j < groups.length; j++) if (groups[j] == cfg.groups[i]) { hrrGroup = cfg.groups[i]; break; }
      }
      if (hrrGroup == 0) { this.fail(ALERT_HANDSHAKE_FAILURE, "no common group"); return; }
    }

    // ALPN (RFC 7301 §3.2, RFC 9001 §8.1)
    let alpnSel: Uint8Array | null = null;
    if (cfg.alpn.length > 0) {
      if (haveAlpn) {
        for (let i = 0; i < cfg.alpn.length && alpnSel == null; i++) {
          const a = cfg.alpn[i];
          const ar = new Reader(alpnPtr, alpnLen);
          while (!ar.atEnd) {
            const n = <usize>ar.u8();
            const p = ar.bytes(n);
            if (ar.failed || n == 0) { this.decodeError(); return; }
            if (<usize>a.length == n && memory.compare(a.dataStart, p, n) == 0) { alpnSel = a; break; }
          }
        }
        if (alpnSel == null) { this.fail(ALERT_NO_APPLICATION_PROTOCOL, "no common ALPN protocol"); return; }
      } else if (cfg.quic) {
        this.fail(ALERT_NO_APPLICATION_PROTOCOL, "QUIC requires ALPN"); return;
      }
    }
    // QUIC transport parameters (RFC 9001 §8.2)
    if (cfg.quic) {
      if (!haveTp) { this.fail(ALERT_MISSING_EXTENSION, "no quic_transport_parameters"); return; }
      if (!this.acceptPeerTransportParams(tpPtr, tpLen)) return;
      // RFC 9001 §8.4: no middlebox compatibility mode in QUIC; a server SHOULD treat a non-empty
      // legacy_session_id as a connection error of type PROTOCOL_VIOLATION (over TCP it is echoed).
      if (sidLen != 0) { this.failTransport(QUIC_PROTOCOL_VIOLATION, 0, "non-empty legacy_session_id in QUIC"); return; }
    }
    if (!sigOk && !havePsk) {
      this.fail(haveSigAlgs ? ALERT_HANDSHAKE_FAILURE : ALERT_MISSING_EXTENSION, "client does not accept ecdsa_secp256r1_sha256");
      return;
    }

    if (hrrGroup != 0) {
      this.sendHelloRetryRequest(suite, hrrGroup, sid, sidLen, ptr, len);
      return;
    }

    this.suite = suite;
    this.transcript.setAlg(suiteHash(suite));
    const alg = suiteHash(suite);
    this.ks = new KeySchedule(alg);
    let accept0Rtt = false;

    // PSK (RFC 9846 §4.2.11): try the identities in order; the first ticket we can open wins
    if (havePsk && pskDheKe && cfg.tickets > 0) {
      const pr = new Reader(pskPtr, pskLen);
      const idLen = <usize>pr.u16();
      const ids = pr.sub(idLen, new Reader());
      const bindersStart = pr.pos;
      const bLen = <usize>pr.u16();
      const binders = pr.sub(bLen, new Reader());
      if (pr.failed || !pr.atEnd || idLen == 0 || bLen == 0) { this.decodeError(); return; }
      let index = 0;
      while (!ids.atEnd) {
        const tl = <usize>ids.u16();
        const tp = ids.bytes(tl);
        const obfAge = ids.u32();
        const bl = <usize>binders.u8();
        const bp = binders.bytes(bl);
        if (ids.failed || binders.failed) { this.decodeError(); return; }
        const ticket = TicketState.open(cfg.ticketKey, tp, tl);
        if (ticket != null && suiteHash(ticket.suite) == alg) {
          // RFC 9846 §4.6.1: a ticket outlives the process, so its age is wall-clock time
          const serverAge = <i64>(this.wallMs - ticket.issuedAtMs);
          if (this.wallMs >= ticket.issuedAtMs && serverAge < <i64>ticket.lifetime * 1000) {
            // RFC 9846 §4.2.11.2: verify the binder over the truncated ClientHello
            this.ks.early(ticket.psk.dataStart, <usize>ticket.psk.length);
            const binderKey = new Uint8Array(48);
            this.ks.derive("res binder", this.ks.emptyHash.dataStart, binderKey.dataStart);
            const th = memory.data(48);
            this.transcript.currentWith(alg, ptr, bindersStart - ptr, th);
            const expected = memory.data(48);
            this.ks.verifyData(binderKey.dataStart, th, expected);
            if (bl != <usize>this.ks.hashLen || !ctEqual(expected, bp, bl)) { this.fail(ALERT_DECRYPT_ERROR, "PSK binder does not verify"); return; }
            this.pskAccepted = true;
            this.pskIndex = index;
            // 0-RTT (RFC 9846 §4.2.10, RFC 9001 §4.6): first identity, same suite, ALPN, SNI and transport limits
            const clientAge = <i64>(<u32>(obfAge - ticket.ageAdd));
            const skew = clientAge - serverAge;
            if (earlyData && cfg.earlyData && cfg.quic && ticket.allowEarly && index == 0 && !this.hrrDone &&
                ticket.suite == suite && skew < MAX_AGE_SKEW_MS && skew > -MAX_AGE_SKEW_MS &&
                bytesEq(ticket.alpn, alpnSel) && ptrEq(ticket.serverName, sniPtr, sniLen)) {
              // RFC 9000 §7.4.1: the limits the client remembers must still hold (the QUIC layer judges)
              const policy = cfg.transportParamsPolicy;
              accept0Rtt = policy != null &&
                policy.earlyDataCompatible(ticket.tpMemo.dataStart, this.localTransportParams.dataStart, <usize>this.localTransportParams.length);
            }
            break;
          }
        }
        index++;
      }
      if (!this.pskAccepted) {
        // RFC 9846 §4.2.11: as many binders as identities
        let nIds = 0, nBinders = 0;
        const ir = new Reader(ids.start, ids.end - ids.start), br = new Reader(binders.start, binders.end - binders.start);
        while (!ir.atEnd) { ir.skip(<usize>ir.u16()); ir.u32(); nIds++; }
        while (!br.atEnd) { br.skip(<usize>br.u8()); nBinders++; }
        if (ir.failed || br.failed) { this.decodeError(); return; }
        if (nIds != nBinders) { this.fail(ALERT_ILLEGAL_PARAMETER, "PSK identities and binders differ in number"); return; }
      }
    }
    if (!this.pskAccepted) {
      if (!sigOk) { this.fail(haveSigAlgs ? ALERT_HANDSHAKE_FAILURE : ALERT_MISSING_EXTENSION, "client does not accept ecdsa_secp256r1_sha256"); return; }
      this.ks.early(0, 0);
    }
    this.transcript.add(ptr, len);
    memory.copy(this.clientRandom.dataStart, random, 32);
    if (alpnSel != null) this.alpn = alpnSel!;
    if (sniLen > 0) { this.serverName = new Uint8Array(<i32>sniLen); memory.copy(this.serverName.dataStart, sniPtr, sniLen); }
    if (haveTp) this.setPeerTransportParams(tpPtr, tpLen);

    if (earlyData) {
      if (accept0Rtt) {
        const th = memory.data(48);
        this.transcript.current(th);
        const ets = new Uint8Array(48);
        this.ks.derive("c e traffic", th, ets.dataStart);
        this.installSecret(true, LEVEL_EARLY, ets, true);
      }
      this.queueEarlyData(accept0Rtt);
    }

    // ServerHello (RFC 9846 §4.1.3)
    const share = new KeyShare(shareGroups[shareIdx]);
    const shared = memory.data(32);
    if (!share.agree(sharePtrs[shareIdx], shareLens[shareIdx], shared)) { this.fail(ALERT_ILLEGAL_PARAMETER, "invalid key share"); return; }
    const w = this.msg.clear();
    const m = beginMessage(w, HT_SERVER_HELLO);
    w.u16(LEGACY_VERSION);
    const rnd = w.reserve(32);
    if (rnd != 0) randomBytes(rnd, 32);
    w.u8(<u32>sidLen);
    w.bytes(sid, sidLen);
    w.u16(suite);
    w.u8(0);
    const exts = beginU16(w);
    w.u16(EXT_SUPPORTED_VERSIONS); w.u16(2); w.u16(TLS13);
    w.u16(EXT_KEY_SHARE);
    const ko = beginU16(w);
    w.u16(share.group);
    w.u16(<u32>share.pub.length);
    w.bytes(share.pub.dataStart, <usize>share.pub.length);
    endU16(w, ko);
    if (this.pskAccepted) { w.u16(EXT_PRE_SHARED_KEY); w.u16(2); w.u16(<u32>this.pskIndex); }
    endU16(w, exts);
    endMessage(w, m);
    this.sendMessage(LEVEL_INITIAL, w);
    share.clear();

    this.deriveHandshakeSecrets(shared, 32);
    memory.fill(shared, 0, 32);
    this.installSecret(false, LEVEL_HANDSHAKE, this.serverHs, false);
    this.installSecret(true, LEVEL_HANDSHAKE, this.clientHs, true);

    // EncryptedExtensions (RFC 9846 §4.3.1)
    const ee = this.msg.clear();
    const em = beginMessage(ee, HT_ENCRYPTED_EXTENSIONS);
    const eo = beginU16(ee);
    if (alpnSel != null) {
      ee.u16(EXT_ALPN);
      ee.u16(<u32>alpnSel.length + 3);
      ee.u16(<u32>alpnSel.length + 1);
      ee.u8(<u32>alpnSel.length);
      ee.bytes(alpnSel.dataStart, <usize>alpnSel.length);
    }
    if (cfg.quic) {
      ee.u16(EXT_QUIC_TRANSPORT_PARAMETERS);
      ee.u16(<u32>this.localTransportParams.length);
      ee.bytes(this.localTransportParams.dataStart, <usize>this.localTransportParams.length);
    }
    if (accept0Rtt) { ee.u16(EXT_EARLY_DATA); ee.u16(0); }
    endU16(ee, eo);
    endMessage(ee, em);
    this.sendMessage(LEVEL_HANDSHAKE, ee);

    if (!this.pskAccepted) {
      // Certificate (RFC 9846 §4.4.2)
      const c = this.msg.clear();
      const cm = beginMessage(c, HT_CERTIFICATE);
      c.u8(0);
      const lo = c.len;
      c.u24(0);
      for (let i = 0; i < cfg.certChain.length; i++) {
        const d = cfg.certChain[i];
        c.u24(<u32>d.length);
        c.bytes(d.dataStart, <usize>d.length);
        c.u16(0);
      }
      const ll = <u32>(c.len - lo - 3);
      store<u8>(c.buf + lo, <u8>(ll >> 16)); store<u8>(c.buf + lo, <u8>(ll >> 8), 1); store<u8>(c.buf + lo, <u8>ll, 2);
      endMessage(c, cm);
      this.sendMessage(LEVEL_HANDSHAKE, c);
      // CertificateVerify (RFC 9846 §4.4.3)
      const th = memory.data(48);
      this.transcript.current(th);
      const v = this.msg.clear();
      const vm = beginMessage(v, HT_CERTIFICATE_VERIFY);
      v.u16(SIG_ECDSA_SECP256R1_SHA256);
      const so = beginU16(v);
      if (!signCertificateVerify(cfg.privateKey.dataStart, th, <usize>this.ks.hashLen, v)) { this.fail(ALERT_INTERNAL_ERROR, "signing failed"); return; }
      endU16(v, so);
      endMessage(v, vm);
      this.sendMessage(LEVEL_HANDSHAKE, v);
    }
    this.sendMessage(LEVEL_HANDSHAKE, this.buildFinished(this.serverHs));
    this.deriveAppSecrets();
    // RFC 9001 §4.1.4: the server may send 1-RTT (0.5-RTT) data now
    this.installSecret(false, LEVEL_APP, this.serverAp, false);
    this.readLevel = LEVEL_HANDSHAKE;
    this.state = WAIT_FINISHED;
  }

  pskIndex: i32 = 0;

  /** RFC 9846 §4.1.4: HelloRetryRequest with the group we want. */
  private sendHelloRetryRequest(suite: u16, group: u16, sid: usize, sidLen: usize, ptr: usize, len: usize): void {
    this.hrrDone = true;
    this.suite = suite;
    this.group = group;
    this.transcript.add(ptr, len);
    this.transcript.replaceWithMessageHash(suiteHash(suite));
    const w = this.msg.clear();
    const m = beginMessage(w, HT_SERVER_HELLO);
    w.u16(LEGACY_VERSION);
    w.bytes(changetype<usize>(HRR_RANDOM), 32);
    w.u8(<u32>sidLen);
    w.bytes(sid, sidLen);
    w.u16(suite);
    w.u8(0);
    const exts = beginU16(w);
    w.u16(EXT_SUPPORTED_VERSIONS); w.u16(2); w.u16(TLS13);
    w.u16(EXT_KEY_SHARE); w.u16(2); w.u16(group);
    endU16(w, exts);
    endMessage(w, m);
    this.sendMessage(LEVEL_INITIAL, w);
    this.state = WAIT_CH2;
  }

  private onFinished(ptr: usize, len: usize): void {
    if (len != 4 + <usize>this.ks.hashLen) { this.decodeError(); return; }
    if (!this.checkFinished(this.clientHs, ptr, len)) { this.fail(ALERT_DECRYPT_ERROR, "client Finished does not verify"); return; }
    this.transcript.add(ptr, len);
    this.deriveResumptionSecret();
    this.installSecret(true, LEVEL_APP, this.clientAp, true);
    this.readLevel = LEVEL_APP;
    this.state = CONNECTED;
    this.complete = true;
    this.queueComplete();
    // RFC 9001 §4.1.2: the server's handshake is confirmed when it completes
    this.confirmed = true;
    this.queueConfirmed();
    for (let i = 0; i < this.cfg.tickets; i++) this.sendTicket();
  }

  /** RFC 9846 §4.6.1: NewSessionTicket at the application level. */
  sendTicket(): void {
    const cfg = this.cfg;
    const t = new TicketState();
    t.suite = this.suite;
    t.psk = new Uint8Array(this.ks.hashLen);
    const nonce = memory.data(8);
    store<u64>(nonce, bswap<u64>(<u64>this.ticketsSent));
    this.ks.ticketPsk(this.resMaster.dataStart, nonce, 8, t.psk.dataStart);
    t.issuedAtMs = this.wallMs;
    const aa = memory.data(4);
    randomBytes(aa, 4);
    t.ageAdd = load<u32>(aa);
    t.lifetime = cfg.ticketLifetime;
    t.allowEarly = cfg.earlyData && cfg.quic;
    t.alpn = this.alpn;
    t.serverName = this.serverName;
    const policy = cfg.transportParamsPolicy;
    if (policy != null) policy.rememberFor0Rtt(this.localTransportParams.dataStart, <usize>this.localTransportParams.length, t.tpMemo.dataStart);
    const ticket = t.seal(cfg.ticketKey);
    const w = this.msg.clear();
    const m = beginMessage(w, HT_NEW_SESSION_TICKET);
    w.u32(t.lifetime);
    w.u32(t.ageAdd);
    w.u8(8); w.bytes(nonce, 8);
    w.u16(<u32>ticket.length);
    w.bytes(ticket.dataStart, <usize>ticket.length);
    const eo = beginU16(w);
    if (t.allowEarly) { w.u16(EXT_EARLY_DATA); w.u16(4); w.u32(QUIC_MAX_EARLY_DATA); }
    endU16(w, eo);
    endMessage(w, m);
    // post-handshake messages are not part of the transcript
    this.queueData(LEVEL_APP, w);
    this.ticketsSent++;
  }
}

function bytesEq(a: Uint8Array, b: Uint8Array | null): bool {
  if (b == null) return a.length == 0;
  return a.length == b.length && memory.compare(a.dataStart, b.dataStart, <usize>a.length) == 0;
}

function ptrEq(a: Uint8Array, p: usize, n: usize): bool {
  return <usize>a.length == n && (n == 0 || memory.compare(a.dataStart, p, n) == 0);
}
