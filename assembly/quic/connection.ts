// A QUIC connection (RFC 9000, 9001, 9002), sans-IO: quinn-proto's four
// kinds of calls, with time always passed in.
//
//   inputs     handleDatagram(now, wallMs, datagram, from)   conn_recv.ts
//              handleTimeout(now, wallMs)
//   mutators   openStream, streamWrite, streamFinish, streamRead, streamReset,
//              stopSending, setPriority, sendDatagram, close, migrate
//   outputs    pollTransmit(now, buf, cap) -> datagram length  conn_send.ts
//              events (QuicEventQueue), nextTimeout()
//   getters    state, stats, the CIDs to route (localCids)
//
// The host's poll order, once per wake-up: feed every input, then
// `pollTransmit` until it returns 0, then drain `events`, then arm one timer
// at `nextTimeout()`. Nothing happens between calls.
//
// The TLS engine (tls/) runs inside: CRYPTO bytes go in at their level, its
// outputs (tls/output.ts) come back as handshake bytes to send, secrets,
// the peer's transport parameters and completion.

import { QuicConfig, MIN_UDP_PAYLOAD } from "./config";
import { TlsConfig } from "../tls/config";
import { Handshake } from "../tls/handshake";
import { TlsClient } from "../tls/client";
import { TlsServer } from "../tls/server";
import { Session } from "../tls/session";
import { TlsOutputKind } from "../tls/output";
import { suiteAead } from "../tls/suites";
import { Writer } from "../wire/writer";
import { PacketKeys, newInitialKeys } from "./protection";
import { PacketSpace, LEVEL_INITIAL, LEVEL_0RTT, LEVEL_HANDSHAKE, LEVEL_1RTT, spaceOfLevel } from "./space";
import { OneRttKeys } from "./key_update";
import { SPACE_INITIAL, SPACE_HANDSHAKE, SPACE_APPLICATION } from "./ack_tracker";
import { RttEstimator, kInitialRtt } from "./rtt";
import { CongestionController, CongestionAlgorithm } from "./cc";
import { NewReno } from "./cc_new_reno";
import { Cubic } from "./cc_cubic";
import { Pacer } from "./pacing";
import { LossDetection, LossTimer } from "./loss";
import { Streams, Stream, PeerStreamLimits } from "./streams";
import { QuicEventQueue, QuicEventKind, CloseKind } from "./events";
import { ConnApp } from "./app";
import { TransportError, NO_ERROR, TRANSPORT_PARAMETER_ERROR, NO_VIABLE_PATH } from "./errors";
import {
  TransportParams, encodeTransportParams, decodeTransportParams,
} from "./transport_params";
import { LocalCids } from "./cid_local";
import { RemoteCids } from "./cid_remote";
import { Path } from "./path";
import { Pmtud } from "./pmtud";
import { Datagrams, DropPolicy, DATAGRAM_TOO_LARGE } from "./datagrams";
import { TimerTable, Timer } from "./timer";
import { IdleTimer } from "./idle";
import { ConnSink } from "./conn_sink";
import { MAX_CID_LEN } from "./constants";
import { randomBytes } from "../crypto/random";
import { Endpoint } from "./endpoint";
import { ctEqual } from "../crypto/ct";
import { varintLen } from "../wire/varint";
import { QlogEvents, RecoveryMetrics, CongestionState, KeyTrigger } from "./qlog";

export const enum ConnState {
  /** Handshake in progress. */
  Handshake = 0,
  /** Handshake complete (RFC 9001 §4.1.1). */
  Established = 1,
  /** RFC 9000 §10.2.1: we closed; CONNECTION_CLOSE is repeated to what arrives. */
  Closing = 2,
  /** RFC 9000 §10.2.2: the peer closed (or reset); nothing is sent. */
  Draining = 3,
  /** Over: the host frees the handle. */
  Closed = 4,
}

/** Scratch for logMetrics (the core is single-threaded). */
const METRICS = new RecoveryMetrics();

/** Counters for `stats` and tests. */
@final
export class ConnStats {
  packetsSent: u64 = 0;
  packetsReceived: u64 = 0;
  bytesSent: u64 = 0;
  bytesReceived: u64 = 0;
  packetsDropped: u64 = 0;
  packetsLost: u64 = 0;
  keyUpdates: u64 = 0;
  /** Bytes sent before the peer's address was validated (RFC 9000 §8.1), and received in that time. */
  unvalidatedSent: u64 = 0;
  unvalidatedReceived: u64 = 0;
}

export class Connection {
  readonly isServer: bool;
  readonly cfg: QuicConfig;
  version: u32;
  state: ConnState = ConnState.Handshake;
  readonly tls: Handshake;
  readonly spaces: StaticArray<PacketSpace> = new StaticArray<PacketSpace>(3);
  /** 0-RTT keys: written by a client, read by a server (RFC 9001 §4.6). */
  zeroRtt: PacketKeys | null = null;
  oneRtt: OneRttKeys | null = null;
  /** 1-RTT secrets TLS gave before both directions were known. */
  private pendingRx1: PacketKeys | null = null;
  private pendingTx1: PacketKeys | null = null;

  readonly rtt: RttEstimator;
  readonly cc: CongestionController;
  readonly pacer: Pacer;
  readonly loss: LossDetection;
  readonly streams: Streams;
  readonly events: QuicEventQueue;
  /** The application protocol running in the core on this connection (app.ts), if any. */
  appLayer: ConnApp | null = null;
  /** Whether the endpoint's app factory has given its final answer for this connection. */
  appDecided: bool = false;
  /** The queue the host polls: the app's when one runs, else the connection's own. */
  get hostEvents(): QuicEventQueue {
    const a = this.appLayer;
    return a != null ? a.out : this.events;
  }
  /** qlog events, when the endpoint asked for them (qlog.ts). */
  readonly qlog: QlogEvents | null;
  readonly datagrams: Datagrams;
  readonly timers: TimerTable = new TimerTable();
  readonly idle: IdleTimer = new IdleTimer();
  readonly localCids: LocalCids;
  readonly remoteCids: RemoteCids;
  path: Path;
  /** A path being validated for migration (RFC 9000 §9), or null. */
  probePath: Path | null = null;
  readonly pmtud: Pmtud;
  readonly sink: ConnSink;
  readonly stats: ConnStats = new ConnStats();
  readonly error: TransportError = new TransportError();

  /** RFC 9000 §7.3: the client's first Destination CID (Initial keys, original_destination_connection_id). */
  readonly odcid: StaticArray<u8> = new StaticArray<u8>(MAX_CID_LEN);
  odcidLen: i32 = 0;
  /** The peer's Source CID from its first packet (initial_source_connection_id check). */
  readonly peerScid: StaticArray<u8> = new StaticArray<u8>(MAX_CID_LEN);
  peerScidLen: i32 = 0;
  /** Client after a Retry / server that sent one: the Retry's Source CID (retry_source_connection_id). */
  readonly retryScid: StaticArray<u8> = new StaticArray<u8>(MAX_CID_LEN);
  retryScidLen: i32 = -1;
  /** Client: the token to put in Initial packets (Retry or NEW_TOKEN). */
  token: Uint8Array = new Uint8Array(0);
  /** Client: a server's first Initial was processed (its SCID is now our DCID). */
  gotServerInitial: bool = false;

  handshakeComplete: bool = false;
  handshakeConfirmed: bool = false;
  handshakeDonePending: bool = false;
  peerParams: TransportParams | null = null;
  /** The peer's ack_delay_exponent (§18.2, default 3) and max_ack_delay (µs). */
  peerAckDelayExponent: u32 = 3;
  /** Server: NEW_TOKEN to send once (§8.1.3); the endpoint supplies the bytes. */
  newTokenPending: Writer = new Writer();
  /** The TLS cipher suite of the handshake and 1-RTT keys (RFC 8446 §B.4), 0 before ServerHello. */
  cipherSuite: u16 = 0;
  /** 0-RTT: 0 none, 1 accepted, 2 rejected. */
  earlyData: u8 = 0;

  /** Closing: what our CONNECTION_CLOSE says; repeated on receipt, rate-limited (§10.2.1). */
  closeCode: u64 = 0;
  closeFrameType: u64 = 0;
  closeIsApp: bool = false;
  closeReason: string = "";
  closePending: bool = false;
  closeReported: bool = false;
  private closeSentCount: u32 = 0;
  private closeReceivedSince: u32 = 0;

  /** When we last sent an ack-eliciting packet (keep-alive). */
  lastAckElicitingSentAt: u64 = 0;
  /** PING owed (keep-alive, PTO probe without data, key update). */
  pingPending: bool = false;
  /** Scratch for one incoming datagram's CRYPTO bytes handed to TLS. */
  readonly scratch: Writer = new Writer();
  /** Wall-clock milliseconds at the current call (certificates, tickets, tokens). */
  wallMs: u64 = 0;
  now: u64 = 0;
  /** Key updates we initiate every this many packets (cfg.keyUpdateInterval, 0 = never). */
  private packetsInPhase: u64 = 0;
  /** The endpoint's static key for stateless reset tokens. */
  readonly resetKey: usize;
  /** The handle the host knows this connection by, and its endpoint (endpoint.ts). */
  handle: u32 = 0;
  endpoint: Endpoint | null = null;
  /** Endpoint bookkeeping (endpoint.ts): on its active list, on its timers-dirty list, and the cached next deadline. */
  activeMark: bool = false;
  timersMark: bool = false;
  eventsMark: bool = false;
  deadline: u64 = u64.MAX_VALUE;
  /** Server: the route by the client's chosen DCID, until the handshake completes. */
  clientDcidKey: string = "";
  newTokenIssued: bool = false;
  unrouted: bool = false;

  constructor(isServer: bool, cfg: QuicConfig, tlsCfg: TlsConfig, version: u32, resetKey: usize, session: Session | null) {
    this.isServer = isServer;
    this.cfg = cfg;
    this.version = version;
    this.resetKey = resetKey;
    // every field is set before `this` is used (AssemblyScript's rule)
    const rtt = new RttEstimator(cfg.maxAckDelayMs * 1000);
    const mds: u64 = 1200;
    const cc = cfg.congestion == CongestionAlgorithm.NewReno ? <CongestionController>new NewReno(mds) : <CongestionController>new Cubic(mds);
    this.rtt = rtt;
    this.cc = cc;
    this.pacer = new Pacer(mds);
    this.loss = new LossDetection(rtt, cc, isServer);
    const events = new QuicEventQueue();
    this.events = events;
    this.qlog = cfg.qlog ? new QlogEvents(events, isServer) : null;
    this.streams = new Streams(isServer, cfg, events);
    const dg = new Datagrams(cfg.datagramQueue, 1 << 20, DropPolicy.DropOldest, cfg.datagramQueue, 1 << 20, DropPolicy.DropOldest);
    dg.configure(cfg.maxDatagramFrameSize, 0);
    this.datagrams = dg;
    this.localCids = new LocalCids(cfg.cidLen, resetKey, 32);
    this.remoteCids = new RemoteCids(cfg.activeCidLimit);
    this.path = new Path(false);
    this.pmtud = new Pmtud(cfg.maxUdpPayload);
    this.tls = isServer ? <Handshake>new TlsServer(tlsCfg) : <Handshake>new TlsClient(tlsCfg, session);
    this.sink = new ConnSink();
    for (let i = 0; i < 3; i++) this.spaces[i] = new PacketSpace(<u32>i, cfg);
    this.sink.conn = this;
    this.idle.configure(cfg.maxIdleTimeoutMs, 0);
  }

  @inline get initial(): PacketSpace { return unchecked(this.spaces[SPACE_INITIAL]); }
  @inline get handshake(): PacketSpace { return unchecked(this.spaces[SPACE_HANDSHAKE]); }
  @inline get app(): PacketSpace { return unchecked(this.spaces[SPACE_APPLICATION]); }

  get isClosed(): bool { return this.state == ConnState.Closed; }
  get isClosingOrDraining(): bool { return this.state == ConnState.Closing || this.state == ConnState.Draining; }

  // ---- setup -----------------------------------------------------------------

  /**
   * RFC 9001 §5.2: Initial keys from the client's first Destination CID.
   * `dcid` is that CID (the odcid); after a Retry it is the new one.
   */
  setInitialKeys(dcid: usize, dcidLen: i32): void {
    const sp = this.initial;
    const rx = newInitialKeys(this.version, dcid, <usize>dcidLen, this.isServer);
    const tx = newInitialKeys(this.version, dcid, <usize>dcidLen, !this.isServer);
    const orx = sp.rx;
    if (orx != null) orx.wipe();
    const otx = sp.tx;
    if (otx != null) otx.wipe();
    sp.rx = rx;
    sp.tx = tx;
    const q = this.qlog;
    if (q != null) q.keysUpdated(this.now, SPACE_INITIAL, KeyTrigger.Tls, 0);
  }

  /** Our transport parameters for this connection (RFC 9000 §18.2, §7.3 CIDs). */
  encodeLocalParams(): Uint8Array {
    const cfg = this.cfg;
    const tp = new TransportParams();
    tp.maxIdleTimeout = cfg.maxIdleTimeoutMs;
    tp.maxUdpPayloadSize = <u64>cfg.maxUdpPayload;
    tp.initialMaxData = cfg.initialMaxData;
    tp.initialMaxStreamDataBidiLocal = cfg.streamWindow;
    tp.initialMaxStreamDataBidiRemote = cfg.streamWindow;
    tp.initialMaxStreamDataUni = cfg.streamWindow;
    tp.initialMaxStreamsBidi = cfg.maxStreamsBidi;
    tp.initialMaxStreamsUni = cfg.maxStreamsUni;
    tp.ackDelayExponent = cfg.ackDelayExponent;
    tp.maxAckDelay = cfg.maxAckDelayMs;
    tp.disableActiveMigration = cfg.disableActiveMigration;
    tp.activeConnectionIdLimit = cfg.activeCidLimit;
    tp.resetStreamAt = cfg.resetStreamAt;
    if (cfg.maxDatagramFrameSize > 0) {
      tp.maxDatagramFrameSize = cfg.maxDatagramFrameSize;
      tp.hasMaxDatagramFrameSize = true;
    }
    const first = this.localCids.active(0);
    tp.initialSourceConnectionId = cidBytes(changetype<usize>(first.cid), first.len);
    if (this.isServer) {
      tp.originalDestinationConnectionId = cidBytes(changetype<usize>(this.odcid), this.odcidLen);
      if (this.retryScidLen >= 0) tp.retrySourceConnectionId = cidBytes(changetype<usize>(this.retryScid), this.retryScidLen);
      // §18.2: stateless_reset_token for the CID of the handshake (sequence 0)
      if (cfg.cidLen > 0) tp.statelessResetToken = cidBytes(changetype<usize>(first.resetToken), 16);
    }
    const w = new Writer();
    encodeTransportParams(tp, w);
    const out = new Uint8Array(<i32>w.len);
    memory.copy(out.dataStart, w.buf, w.len);
    w.release();
    return out;
  }

  /**
   * Client: starts the handshake. `dcid` is a fresh random Destination CID
   * (RFC 9000 §7.2: at least 8 bytes), `token` from a NEW_TOKEN (or empty).
   */
  startClient(now: u64, wallMs: u64, addr: usize, addrLen: i32): bool {
    this.now = now;
    this.wallMs = wallMs;
    this.path.setAddress(addr, addrLen);
    // §7.2: "the client populates the Destination Connection ID field with an
    // unpredictable value ... at least 8 bytes"
    this.odcidLen = 8 > this.cfg.cidLen ? 8 : this.cfg.cidLen;
    randomBytes(changetype<usize>(this.odcid), <usize>this.odcidLen);
    this.remoteCids.setFirst(changetype<usize>(this.odcid), this.odcidLen);
    this.localCids.issueFirst();
    this.setInitialKeys(changetype<usize>(this.odcid), this.odcidLen);
    this.tls.localTransportParams = this.encodeLocalParams();
    this.loss.peerCompletedAddressValidation = false;
    // a client's path is validated by construction (it chose the address)
    this.path.validated = true;
    this.armHandshakeTimer(now);
    this.idle.onPacketReceived(now, this.pto());
    const ok = this.tls.start(now, wallMs);
    // RFC 9000 §7.4.1: 0-RTT data obeys the limits the server gave last time
    const remembered = (<TlsClient>this.tls).rememberedTransportParams;
    if (remembered.length > 0) this.applyLimits(remembered.dataStart, <usize>remembered.length);
    this.drainTls();
    return ok;
  }

  /**
   * Server: the first Initial of a client (already judged by the endpoint:
   * version, size, token). `dcid` is the client's Destination CID, `scid` its
   * Source CID; `odcid` is the original one (differs after a Retry, with
   * `retryScid` the Retry's Source CID).
   */
  startServer(now: u64, wallMs: u64, addr: usize, addrLen: i32, dcid: usize, dcidLen: i32, scid: usize, scidLen: i32,
              odcid: usize, odcidLen: i32, retryScid: usize, retryScidLen: i32, addressValidated: bool): void {
    this.now = now;
    this.wallMs = wallMs;
    this.path.setAddress(addr, addrLen);
    this.path.validated = addressValidated;
    memory.copy(changetype<usize>(this.odcid), odcid, <usize>odcidLen);
    this.odcidLen = odcidLen;
    if (retryScidLen >= 0) {
      memory.copy(changetype<usize>(this.retryScid), retryScid, <usize>retryScidLen);
      this.retryScidLen = retryScidLen;
    }
    memory.copy(changetype<usize>(this.peerScid), scid, <usize>scidLen);
    this.peerScidLen = scidLen;
    this.remoteCids.setFirst(scid, scidLen);
    this.localCids.issueFirst();
    this.setInitialKeys(dcid, dcidLen);
    this.tls.localTransportParams = this.encodeLocalParams();
    this.armHandshakeTimer(now);
    this.idle.onPacketReceived(now, this.pto());
  }

  private armHandshakeTimer(now: u64): void {
    if (this.cfg.handshakeTimeoutMs > 0) this.timers.set(Timer.Handshake, now + this.cfg.handshakeTimeoutMs * 1000);
  }

  /** RFC 9002 §6.2.1: the current probe timeout, without backoff. */
  pto(): u64 { return this.rtt.ptoDuration(0, this.handshakeConfirmed); }

  // ---- TLS ------------------------------------------------------------------

  /** Feeds in-order CRYPTO bytes of `space` to TLS (RFC 9001 §4.1.3). */
  feedCrypto(space: PacketSpace): void {
    const r = space.cryptoRecv;
    const n = r.readable;
    if (n == 0) return;
    const w = this.scratch.clear();
    w.ensure(<usize>n);
    r.read(w.buf, n);
    const level = space.id == SPACE_INITIAL ? LEVEL_INITIAL : (space.id == SPACE_HANDSHAKE ? LEVEL_HANDSHAKE : LEVEL_1RTT);
    this.tls.handle(level, w.buf, <usize>n, this.now, this.wallMs);
    this.drainTls();
  }

  /** Acts on what the TLS engine produced (tls/output.ts), in order. */
  drainTls(): void {
    const q = this.tls.output;
    for (let i = 0; i < q.length; i++) {
      const o = q.at(i)!;
      switch (o.kind) {
        case TlsOutputKind.HandshakeData: {
          const sp = unchecked(this.spaces[spaceOfLevel(o.level)]);
          if (!sp.discarded) sp.cryptoSend.write(o.ptr, <u64>o.len);
          break;
        }
        case TlsOutputKind.Secret: this.installSecret(o.level, o.read, o.suite, o.ptr); break;
        case TlsOutputKind.PeerTransportParams: this.applyPeerParams(o.ptr, o.len); break;
        case TlsOutputKind.Complete: this.onHandshakeComplete(o.earlyData, o.alpn); break;
        case TlsOutputKind.Confirmed: break;
        case TlsOutputKind.Ticket: {
          const e = this.events.push(QuicEventKind.Ticket);
          e.bytes.bytes(o.ptr, o.len);
          break;
        }
        case TlsOutputKind.EarlyData: this.onEarlyDataVerdict(o.accepted); break;
        case TlsOutputKind.Warning: this.events.push(QuicEventKind.Warning).text = o.text; break;
        case TlsOutputKind.KeyLog: this.events.push(QuicEventKind.KeyLog).text = o.text; break;
        case TlsOutputKind.Error: this.closeWithError(o.code, 0x06, o.reason); break;
      }
      if (this.state >= ConnState.Closing) break;
    }
    q.clear();
    // a server confirms inside this loop (before its records are drained); tickets come later
    if (this.handshakeConfirmed) this.tls.releaseHandshakeState();
  }

  private installSecret(level: i32, read: bool, suite: u16, secret: usize): void {
    if (level != LEVEL_0RTT) this.cipherSuite = suite;
    const keys = new PacketKeys(suiteAead(suite), this.version, secret);
    const q = this.qlog;
    if (q != null) q.keyUpdated(this.now, level == LEVEL_HANDSHAKE ? SPACE_HANDSHAKE : SPACE_APPLICATION, level == LEVEL_0RTT, read, KeyTrigger.Tls, 0);
    if (level == LEVEL_0RTT) {
      this.zeroRtt = keys;
      return;
    }
    if (level == LEVEL_HANDSHAKE) {
      const sp = this.handshake;
      if (read) sp.rx = keys; else sp.tx = keys;
      this.loss.hasHandshakeKeys = true;
      return;
    }
    if (level == LEVEL_1RTT) {
      if (read) this.pendingRx1 = keys; else this.pendingTx1 = keys;
      const rx = this.pendingRx1;
      const tx = this.pendingTx1;
      if (rx != null && tx != null) {
        this.oneRtt = new OneRttKeys(rx, tx);
        this.app.rx = rx;
        this.app.tx = tx;
        this.pendingRx1 = null;
        this.pendingTx1 = null;
        this.loss.hasOneRttKeys = true;
      }
    }
  }

  /** The peer's transport parameters, accepted by TLS (tls/transport_params_policy.ts). */
  private applyPeerParams(ptr: usize, len: usize): void {
    const res = decodeTransportParams(ptr, len, !this.isServer);
    if (res.error != 0) { this.closeWithError(res.error, 0, res.reason); return; }
    const tp = res.params;
    // RFC 9000 §7.3: authenticate the connection IDs of the handshake
    if (!cidMatches(tp.initialSourceConnectionId, changetype<usize>(this.peerScid), this.peerScidLen)) {
      this.closeWithError(TRANSPORT_PARAMETER_ERROR, 0, "initial_source_connection_id does not match");
      return;
    }
    if (!this.isServer) {
      if (!cidMatches(tp.originalDestinationConnectionId, changetype<usize>(this.odcid), this.odcidLen)) {
        this.closeWithError(TRANSPORT_PARAMETER_ERROR, 0, "original_destination_connection_id does not match");
        return;
      }
      const hadRetry = this.retryScidLen >= 0;
      const rs = tp.retrySourceConnectionId;
      if (hadRetry ? !cidMatches(rs, changetype<usize>(this.retryScid), this.retryScidLen) : rs != null) {
        this.closeWithError(TRANSPORT_PARAMETER_ERROR, 0, "retry_source_connection_id does not match");
        return;
      }
      const token = tp.statelessResetToken;
      if (token != null) this.remoteCids.setFirstResetToken(token.dataStart);
    }
    this.peerParams = tp;
    this.applyParams(tp);
    // draft-ietf-quic-reliable-stream-reset §3: RESET_STREAM_AT may be sent only to a
    // peer that advertised reset_stream_at (never in 0-RTT on remembered parameters)
    this.streams.resetStreamAtNegotiated = this.cfg.resetStreamAt && tp.resetStreamAt;
  }

  /** Client, 0-RTT: the remembered parameters' limits (not their CIDs). */
  private applyLimits(ptr: usize, len: usize): void {
    const res = decodeTransportParams(ptr, len, true);
    if (res.error == 0) this.applyParams(res.params);
  }

  private applyParams(tp: TransportParams): void {
    const limits = new PeerStreamLimits();
    limits.initialMaxData = tp.initialMaxData;
    limits.maxStreamDataBidiLocal = tp.initialMaxStreamDataBidiLocal;
    limits.maxStreamDataBidiRemote = tp.initialMaxStreamDataBidiRemote;
    limits.maxStreamDataUni = tp.initialMaxStreamDataUni;
    limits.maxStreamsBidi = tp.initialMaxStreamsBidi;
    limits.maxStreamsUni = tp.initialMaxStreamsUni;
    this.streams.setPeerLimits(limits);
    this.peerAckDelayExponent = <u32>tp.ackDelayExponent;
    this.rtt.maxAckDelay = tp.maxAckDelay * 1000;
    this.idle.configure(this.cfg.maxIdleTimeoutMs, tp.maxIdleTimeout);
    this.localCids.setPeerLimit(tp.activeConnectionIdLimit);
    this.datagrams.configure(this.cfg.maxDatagramFrameSize, tp.hasMaxDatagramFrameSize ? tp.maxDatagramFrameSize : 0);
    this.pmtud.setPeerMaxUdpPayload(tp.maxUdpPayloadSize);
  }

  private onHandshakeComplete(earlyData: u8, alpn: Uint8Array): void {
    if (this.handshakeComplete) return;
    this.handshakeComplete = true;
    this.state = ConnState.Established;
    this.earlyData = earlyData;
    this.timers.stop(Timer.Handshake);
    const e = this.events.push(QuicEventKind.Connected);
    e.value = earlyData;
    e.bytes.bytes(alpn.dataStart, <usize>alpn.length);
    if (this.isServer) {
      // RFC 9001 §4.1.2: "the TLS handshake is considered confirmed at the
      // server when the handshake completes"; the server sends HANDSHAKE_DONE
      this.handshakeDonePending = true;
      this.confirmHandshake();
    }
  }

  /** RFC 9001 §4.1.2 / §4.9.2: handshake confirmed — Handshake keys go, PTO includes max_ack_delay. */
  confirmHandshake(): void {
    if (this.handshakeConfirmed) return;
    this.handshakeConfirmed = true;
    this.loss.handshakeConfirmed = true;
    this.loss.peerCompletedAddressValidation = true;
    if (!this.isServer) this.tls.confirm();
    this.discardSpace(SPACE_HANDSHAKE);
    this.releaseHandshakeMemory();
    // RFC 9000 §14.3: DPLPMTUD starts once the path is confirmed
    this.pmtud.enable(this.now);
  }

  /** Confirmed: buffers only the handshake needed go (TLS state, the CRYPTO scratch); they grow again for a NewSessionTicket. */
  private releaseHandshakeMemory(): void {
    this.tls.releaseHandshakeState();
    this.scratch.release();
  }

  /** RFC 9001 §4.9: keys discarded, with RFC 9002 §6.4's recovery state. */
  discardSpace(space: u32): void {
    const sp = unchecked(this.spaces[space]);
    if (sp.discarded) return;
    sp.discard();
    this.loss.discardSpace(space, this.now);
    const q = this.qlog;
    if (q != null) q.keysDiscarded(this.now, space, false);
  }

  /** RFC 9001 §4.6.2: 0-RTT rejected — what was sent in 0-RTT is sent again in 1-RTT. */
  private onEarlyDataVerdict(accepted: bool): void {
    if (this.isServer) return;
    if (!accepted) {
      this.loss.declareAllLost(SPACE_APPLICATION, this.sink);
      const z = this.zeroRtt;
      if (z != null) z.wipe();
      this.zeroRtt = null;
      const q = this.qlog;
      if (q != null) q.keysDiscarded(this.now, SPACE_APPLICATION, true);
    }
  }

  // ---- closing (RFC 9000 §10) -------------------------------------------------

  /** A transport error: CONNECTION_CLOSE (0x1c) and the closing state. */
  closeWithError(code: u64, frameType: u64, reason: string): void {
    if (this.state >= ConnState.Closing) return;
    this.error.set(code, frameType, reason);
    this.enterClosing(code, frameType, false, reason);
  }

  /** The application closes (0x1d; before the handshake is confirmed a 0x1c APPLICATION_ERROR, §10.2.3). */
  closeApp(code: u64, reason: string): void {
    if (this.state >= ConnState.Closing) return;
    this.enterClosing(code, 0, true, reason);
  }

  private enterClosing(code: u64, frameType: u64, app: bool, reason: string): void {
    this.closeCode = code;
    this.closeFrameType = frameType;
    this.closeIsApp = app;
    this.closeReason = reason;
    this.closePending = true;
    this.state = ConnState.Closing;
    this.stopTimersForClose();
    // §10.2: the closing state lasts three times the PTO
    this.timers.set(Timer.Close, this.now + 3 * this.pto());
    this.reportClosed(<u8>CloseKind.Local, code, app, false, reason);
  }

  /** §10.2.2: the peer closed — draining, nothing more is sent. */
  enterDraining(kind: u8, code: u64, app: bool, reason: string): void {
    if (this.state == ConnState.Draining || this.state == ConnState.Closed) return;
    const wasClosing = this.state == ConnState.Closing;
    this.state = ConnState.Draining;
    this.closePending = false;
    this.stopTimersForClose();
    this.timers.set(Timer.Close, this.now + 3 * this.pto());
    if (!wasClosing) this.reportClosed(kind, code, app, true, reason);
  }

  /** No closing period (idle timeout, handshake timeout): over at once (§10.1). */
  closeSilently(kind: u8, code: u64, reason: string): void {
    if (this.state == ConnState.Closed) return;
    this.reportClosed(kind, code, false, false, reason);
    this.finishClose();
  }

  private reportClosed(kind: u8, code: u64, app: bool, remote: bool, reason: string): void {
    if (this.closeReported) return;
    this.closeReported = true;
    const e = this.events.push(QuicEventKind.Closed);
    e.closeKind = kind;
    e.value = code;
    e.app = app;
    e.remote = remote;
    e.text = reason;
  }

  private stopTimersForClose(): void {
    for (let t = 0; t < <i32>Timer.Count; t++) this.timers.stop(<Timer>t);
  }

  finishClose(): void {
    this.state = ConnState.Closed;
    this.stopTimersForClose();
    this.streams.releaseAll();
  }

  /** §10.2.1: while closing, answer packets with CONNECTION_CLOSE, but not to every one. */
  onPacketWhileClosing(): void {
    this.closeReceivedSince++;
    // send again after 1, 2, 4, 8 ... packets received (exponential backoff)
    if (this.closeReceivedSince >= (<u32>1 << min(this.closeSentCount, 10))) {
      this.closeReceivedSince = 0;
      this.closePending = true;
    }
  }

  onCloseSent(): void {
    this.closePending = false;
    this.closeSentCount++;
  }

  // ---- timers -----------------------------------------------------------------

  /** The earliest time `handleTimeout` must run (u64.MAX_VALUE: none). */
  nextTimeout(): u64 {
    this.refreshTimers();
    return this.timers.next();
  }

  refreshTimers(): void {
    if (this.state >= ConnState.Closing) return;
    // RFC 9002 §6.2.2.1: a server at its amplification limit arms no PTO
    const loss = this.loss;
    const atLimit = this.isServer && !this.path.validated && this.path.sendAllowance() < <u64>MIN_UDP_PAYLOAD;
    if (atLimit != loss.atAntiAmplificationLimit) loss.atAntiAmplificationLimit = atLimit;
    loss.setLossDetectionTimer(this.now);
    this.timers.set(Timer.LossDetection, loss.timeout());
    let ack = u64.MAX_VALUE;
    for (let i = 0; i < 3; i++) {
      const sp = unchecked(this.spaces[i]);
      // an ACK is only due where we can send one (a server reading 0-RTT has no 1-RTT keys yet)
      if (!sp.discarded && sp.tx != null && sp.ack.ackDeadline < ack) ack = sp.ack.ackDeadline;
    }
    // §8.1: an ACK due on a path at its amplification limit waits for the
    // peer's next datagram (which raises the limit and runs pollTransmit); a
    // timer that is due but can do nothing would spin the host
    this.timers.set(Timer.AckDelay, this.path.canSendPacket() ? ack : u64.MAX_VALUE);
    this.timers.set(Timer.Idle, this.idle.deadline());
    const k = this.oneRtt;
    this.timers.set(Timer.KeyDiscard, k != null && k.hasPrev ? k.prevUntil : u64.MAX_VALUE);
    const pp = this.probePath;
    const cur = this.path;
    let pv = min(cur.validationDeadline, cur.retryAt);
    if (pp != null) pv = min(pv, min(pp.validationDeadline, pp.retryAt));
    this.timers.set(Timer.PathValidation, pv);
    if (this.cfg.keepAliveMs > 0 && this.handshakeComplete) {
      this.timers.set(Timer.KeepAlive, this.lastAckElicitingSentAt + this.cfg.keepAliveMs * 1000);
    }
  }

  handleTimeout(now: u64, wallMs: u64): void {
    this.now = now;
    this.wallMs = wallMs;
    if (this.state == ConnState.Closed) return;
    if (this.timers.get(Timer.Close) <= now) {
      this.finishClose();
      return;
    }
    if (this.state >= ConnState.Closing) return;
    if (this.timers.get(Timer.Idle) <= now) {
      // §10.1: the connection is silently closed and its state discarded
      this.closeSilently(<u8>CloseKind.Idle, NO_ERROR, "idle timeout");
      return;
    }
    if (this.timers.get(Timer.Handshake) <= now && !this.handshakeComplete) {
      this.closeSilently(<u8>CloseKind.HandshakeTimeout, NO_ERROR, "handshake timeout");
      return;
    }
    if (this.timers.get(Timer.LossDetection) <= now && this.loss.onTimeout(now, this.sink) == LossTimer.Pto) this.onPto();
    const k = this.oneRtt;
    if (k != null && k.hasPrev && k.prevUntil <= now) k.dropPrev();
    this.onPathTimers();
    this.logMetrics();
    // the pacer's wake-up has done its job once due (conn_send.ts sets it again when still early)
    if (this.timers.get(Timer.Pacing) <= now) this.timers.stop(Timer.Pacing);
    if (this.cfg.keepAliveMs > 0 && this.timers.get(Timer.KeepAlive) <= now) this.pingPending = true;
    this.refreshTimers();
  }

  /**
   * RFC 9002 §6.2.4: the probe timeout fired for `loss.probeSpace`: send one
   * or two ack-eliciting packets there. Handshake data not yet acknowledged
   * goes again in them (what the peer most likely misses); elsewhere a probe
   * carries new data if there is some, else a PING.
   */
  private onPto(): void {
    const probe = this.loss.probeSpace;
    this.armProbes(probe, 2);
    // §6.2.4: "the sender SHOULD send ack-eliciting packets from other packet
    // number spaces with in-flight data, coalescing packets if possible" — a
    // server whose Initial probe carries the ServerHello again must resend the
    // Handshake flight with it, or a client that lost both has keys but nothing
    // to decrypt until the Handshake space's own (backed-off) PTO
    if (probe == SPACE_APPLICATION) return;
    const other: u32 = probe == SPACE_INITIAL ? SPACE_HANDSHAKE : SPACE_INITIAL;
    if (this.loss.ackElicitingInFlightIn(other) > 0) this.armProbes(other, 1);
  }

  /** `n` probe packets in space `s`, its unacknowledged CRYPTO data sent again in them. */
  private armProbes(s: u32, n: i32): void {
    const sp = unchecked(this.spaces[s]);
    if (sp.discarded) return;
    if (sp.probesPending < n) sp.probesPending = n;
    const cs = sp.cryptoSend;
    if (cs.sentOffset > cs.ackedOffset) cs.onLost(cs.ackedOffset, cs.sentOffset - cs.ackedOffset, false);
  }

  // ---- paths (RFC 9000 §8.2, §9) ------------------------------------------------

  /** The path we used before following the peer to a new one; back to it if the new one fails (§9.3.2). */
  fallbackPath: Path | null = null;

  /** §8.2.2: a PATH_CHALLENGE is answered on the path it arrived on. */
  queuePathResponse(data: usize, addr: usize, addrLen: i32, localId: u32): void {
    if (this.path.matches(addr, addrLen, localId)) { this.path.queueResponse(data); return; }
    let pp = this.probePath;
    if (pp == null || !pp.matches(addr, addrLen, localId)) {
      // the peer probes a new path (§9.1): answer there, within the amplification limit
      pp = new Path(false);
      pp.setAddress(addr, addrLen);
      pp.localId = localId;
      this.probePath = pp;
    }
    pp.queueResponse(data);
  }

  /** §8.2.3: a PATH_RESPONSE validates the path whose challenge it echoes. */
  onPathResponse(data: usize): void {
    const pp = this.probePath;
    if (pp != null && pp.onPathResponse(data)) {
      if (!this.isServer) {
        // our migration (§9.2) succeeded: move there
        this.movePath(pp);
        this.probePath = null;
      }
      return;
    }
    const cur = this.path;
    if (cur.onPathResponse(data)) {
      this.fallbackPath = null;
      const e = this.events.push(QuicEventKind.PathChanged);
      e.bytes.bytes(cur.addrPtr, <usize>cur.addrLen);
    }
  }

  /** Makes `p` the path we send on; §9.4: a new address starts with fresh congestion and RTT state. */
  private movePath(p: Path): void {
    const old = this.path;
    if (!old.sameHost(p.addrPtr, p.addrLen)) {
      this.cc.resetForNewPath();
      this.rtt.reset();
    }
    this.path = p;
    if (this.handshakeConfirmed) this.pmtud.enable(this.now);
    const e = this.events.push(QuicEventKind.PathChanged);
    e.bytes.bytes(p.addrPtr, <usize>p.addrLen);
  }

  /** Server, §9.3: a non-probing packet came from a new address — follow it, validating it. */
  switchPath(addr: usize, addrLen: i32, localId: u32, now: u64): void {
    let np = this.probePath;
    if (np == null || !np.matches(addr, addrLen, localId)) {
      np = new Path(false);
      np.setAddress(addr, addrLen);
      np.localId = localId;
    }
    this.probePath = null;
    if (this.path.validated) this.fallbackPath = this.path;
    // §9.5: a new connection ID toward the new path when the peer gave us one
    if (this.remoteCids.hasSpare()) this.remoteCids.rotate();
    if (np.validated) {
      this.movePath(np);
      return;
    }
    const old = this.path;
    if (!old.sameHost(np.addrPtr, np.addrLen)) {
      this.cc.resetForNewPath();
      this.rtt.reset();
    }
    this.path = np;
    // §9.3: validate the new address before trusting it (§8.1 limits apply meanwhile)
    np.startChallenge(now, this.pto());
  }

  /** Path validation timers: resend an unanswered challenge (§9.4), or give up at the §8.2.4 deadline. */
  private onPathTimers(): void {
    const pp = this.probePath;
    if (pp != null) pp.onRetryTimer(this.now);
    this.path.onRetryTimer(this.now);
    this.onMigrationFailed();
  }

  /** The path being validated did not answer (§8.2.4): report it and use the old path (§9.3.2). */
  private onMigrationFailed(): void {
    const pp = this.probePath;
    if (pp != null && pp.onValidationTimeout(this.now)) {
      this.probePath = null;
      const e = this.events.push(QuicEventKind.MigrationFailed);
      e.bytes.bytes(pp.addrPtr, <usize>pp.addrLen);
    }
    const cur = this.path;
    if (cur.onValidationTimeout(this.now)) {
      const fb = this.fallbackPath;
      const e = this.events.push(QuicEventKind.MigrationFailed);
      e.bytes.bytes(cur.addrPtr, <usize>cur.addrLen);
      if (fb != null) {
        this.path = fb;
        this.fallbackPath = null;
      } else {
        // §8.2.4: no validated path left
        this.closeSilently(<u8>CloseKind.Local, NO_VIABLE_PATH, "path validation failed");
      }
    }
  }

  /** Client: after a Retry (RFC 9000 §17.2.5.2) — new Destination CID and Initial keys, the token, the ClientHello again. */
  onRetryAccepted(scid: usize, scidLen: i32, token: usize, tokenLen: usize): void {
    memory.copy(changetype<usize>(this.retryScid), scid, <usize>scidLen);
    this.retryScidLen = scidLen;
    // §7.3: the peer's initial_source_connection_id will be this new CID
    memory.copy(changetype<usize>(this.peerScid), scid, <usize>scidLen);
    this.peerScidLen = scidLen;
    this.remoteCids.setFirst(scid, scidLen);
    const t = new Uint8Array(<i32>tokenLen);
    memory.copy(t.dataStart, token, tokenLen);
    this.token = t;
    // RFC 9001 §5.2: Initial keys from the new Destination CID
    this.setInitialKeys(scid, scidLen);
    // what the first Initials carried is sent again (packet numbers go on, §17.2.5.3)
    const sp = this.initial;
    this.loss.discardSpace(SPACE_INITIAL, this.now);
    sp.cryptoSend.onLost(0, sp.cryptoSend.sentOffset, false);
  }

  /** RFC 9001 §6.1: initiate a key update every `keyUpdateInterval` packets, once the current phase was acknowledged. */
  maybeInitiateKeyUpdate(): void {
    const n = this.cfg.keyUpdateInterval;
    const k = this.oneRtt;
    if (n == 0 || k == null || !this.handshakeConfirmed) return;
    this.packetsInPhase++;
    // "An endpoint MUST NOT initiate a subsequent key update unless it has
    // received an acknowledgment for a packet that was sent protected with
    // keys from the current key phase"
    if (this.packetsInPhase < n || k.confirmedAt == u64.MAX_VALUE) return;
    // §6.5: "Endpoints SHOULD wait three times the PTO before initiating a key
    // update after receiving an acknowledgment that confirms that the previous
    // key update was received" — ngtcp2 discards packets of a phase that comes
    // sooner (found by interop: a fifth of our packets lost at 20 packets a phase)
    if (k.updates > 0 && this.now < k.confirmedAt + 3 * this.pto()) return;
    this.rotateKeys(k, false);
    this.packetsInPhase = 0;
  }

  /** An ACK in the application space: the first one covering a packet of the current key phase confirms it (RFC 9001 §6.1, §6.5). */
  onApplicationAck(): void {
    const k = this.oneRtt;
    if (k != null && k.confirmedAt == u64.MAX_VALUE && this.app.largestAckedByPeer >= <i64>k.firstPnOfPhase) k.confirmedAt = this.now;
  }

  /** RFC 9001 §6.1 (we initiate) or §6.2 (the peer did): the next key phase; the previous read keys stay 3×PTO (§6.5). */
  rotateKeys(k: OneRttKeys, remote: bool): void {
    k.rotate(this.now + 3 * this.pto(), this.app.nextPn);
    this.stats.keyUpdates++;
    const q = this.qlog;
    if (q != null) q.keysUpdated(this.now, SPACE_APPLICATION, remote ? KeyTrigger.RemoteUpdate : KeyTrigger.LocalUpdate, this.stats.keyUpdates);
  }

  /**
   * Room for frames in a 1-RTT packet of the path's current MTU with nothing
   * else in it: short header (1 + DCID + a 4-byte packet number at most) and
   * the AEAD tag (RFC 9001 §5.3) taken off.
   */
  packetFrameRoom(): u64 {
    const mtu = <u64>this.pmtud.currentMtu();
    const overhead = <u64>(1 + this.remoteCids.currentLen + 4 + 16);
    return mtu > overhead ? mtu - overhead : 0;
  }

  /** RFC 9221 §3, §5: the largest DATAGRAM payload one packet carries within the peer's limit (0: none accepted). */
  maxDatagramPayload(): u32 {
    const peer = this.datagrams.maxPayload();
    if (peer <= 0) return 0;
    const room = this.packetFrameRoom();
    // DATAGRAM with Length (type 0x31): type byte, Length varint, payload
    const fit = room > <u64>(1 + varintLen(room)) ? room - <u64>(1 + varintLen(room)) : 0;
    return <u32>min(fit, <u64>peer);
  }

  /** qlog: recovery metrics, congestion state and MTU when they changed (called after each input and each datagram sent). */
  logMetrics(): void {
    const q = this.qlog;
    if (q == null) return;
    const m = METRICS;
    const rtt = this.rtt;
    const cc = this.cc;
    m.minRtt = rtt.minRtt;
    m.smoothedRtt = rtt.smoothedRtt;
    m.latestRtt = rtt.latestRtt;
    m.rttvar = rtt.rttvar;
    m.ptoCount = <u64>this.loss.ptoCount;
    m.congestionWindow = cc.congestionWindow;
    m.bytesInFlight = cc.bytesInFlight;
    m.ssthresh = cc.ssthresh;
    // RFC 9002 §7.3: slow start below ssthresh, recovery after a congestion event
    const state = cc.hasRecoveryStart && cc.inRecovery(this.loss.largestAckedSentTime) ? CongestionState.Recovery
      : cc.appLimited ? CongestionState.ApplicationLimited
      : cc.congestionWindow < cc.ssthresh ? CongestionState.SlowStart : CongestionState.CongestionAvoidance;
    q.metrics(this.now, m, state, this.pmtud.currentMtu());
  }

  // ---- the application's calls ---------------------------------------------------

  openStream(bidi: bool): u64 {
    if (this.state >= ConnState.Closing) return u64.MAX_VALUE;
    return this.streams.open(bidi);
  }

  /** Writes; returns bytes taken, or -1 for an unknown / unwritable stream. */
  streamWrite(id: u64, ptr: usize, len: u64, fin: bool): i64 {
    const s = this.streams.get(id);
    if (s == null || s.send == null || this.state >= ConnState.Closing) return -1;
    const n = this.streams.write(s, ptr, len);
    if (fin && n == len) this.streams.finish(s);
    return <i64>n;
  }

  /** Reads up to `max` bytes; -1 unknown stream. `lastReadFin` tells whether the stream ended. */
  lastReadFin: bool = false;
  lastReadReset: bool = false;
  streamRead(id: u64, out: usize, max: u64): i64 {
    this.lastReadFin = false;
    this.lastReadReset = false;
    const s = this.streams.get(id);
    if (s == null || s.recv == null) return -1;
    const r = s.recv!;
    const n = this.streams.read(s, out, max, this.now, this.rtt.smoothedRtt);
    this.lastReadFin = r.finished;
    this.lastReadReset = r.isReset;
    return <i64>n;
  }

  streamReset(id: u64, code: u64): bool {
    const s = this.streams.get(id);
    return s != null && this.streams.reset(s, code);
  }

  /**
   * The first `n` bytes of stream `id` must reach the peer even if the stream is
   * reset (a WebTransport stream's header): resets use RESET_STREAM_AT with that
   * Reliable Size when reset_stream_at was negotiated (draft-ietf-quic-reliable-stream-reset).
   */
  setReliablePrefix(id: u64, n: u64): bool {
    const s = this.streams.get(id);
    if (s == null || s.send == null) return false;
    s.reliablePrefix = n;
    return true;
  }

  stopSending(id: u64, code: u64): bool {
    const s = this.streams.get(id);
    return s != null && this.streams.stopSending(s, code);
  }

  setPriority(id: u64, urgency: u8, incremental: bool): bool {
    const s = this.streams.get(id);
    if (s == null) return false;
    this.streams.setPriority(s, urgency, incremental);
    return true;
  }

  /** Queues a DATAGRAM (RFC 9221); 0 or a Datagrams refusal code. */
  sendDatagram(ptr: usize, len: usize): i32 {
    if (this.state >= ConnState.Closing) return -1;
    // RFC 9221 §5: a datagram no packet on this path can carry is refused now rather than dropped later
    // (0: the peer takes none — push says so)
    const max = this.maxDatagramPayload();
    if (this.handshakeComplete && max > 0 && len > <usize>max) return DATAGRAM_TOO_LARGE;
    return this.datagrams.push(ptr, len);
  }

  /**
   * Client, RFC 9000 §9.2: probe a new local address (the host's socket
   * `localId`) toward the same server; the connection moves there once the
   * path validates (§8.2), and stays where it is if it does not.
   */
  migrate(now: u64, localId: u32): bool {
    if (this.isServer || !this.handshakeConfirmed || this.state != ConnState.Established) return false;
    const tp = this.peerParams;
    // §9: "the client MUST NOT" migrate when the server sent disable_active_migration
    if (tp != null && tp.disableActiveMigration) return false;
    // §9.5: a new connection ID for the new path, when the peer gave us spares
    if (this.remoteCids.hasSpare()) this.remoteCids.rotate();
    // our own new address: amplification limits do not apply to us
    const pp = new Path(true);
    pp.setAddress(this.path.addrPtr, this.path.addrLen);
    pp.localId = localId;
    pp.startChallenge(now, this.pto());
    this.probePath = pp;
    return true;
  }

  /** RFC 9221: received datagrams become events (the queue bounds what waits, datagrams.ts). */
  deliverDatagrams(): void {
    const q = this.datagrams;
    for (;;) {
      const n = q.peekIncomingLen();
      if (n < 0) break;
      const e = this.events.push(QuicEventKind.Datagram);
      e.bytes.ensure(<usize>n);
      q.popIncoming(e.bytes.buf);
      e.bytes.len = <usize>n;
    }
  }

  /** Frees what the GC does not see. */
  dispose(): void {
    const a = this.appLayer;
    if (a != null) { a.dispose(); a.out.release(); this.appLayer = null; }
    this.tls.dispose();
    for (let i = 0; i < 3; i++) unchecked(this.spaces[i]).discard();
    const k = this.oneRtt;
    if (k != null) k.wipe();
    this.streams.releaseAll();
    this.events.release();
    const q = this.qlog;
    if (q != null) q.release();
    this.scratch.release();
    this.newTokenPending.release();
    this.state = ConnState.Closed;
  }
}

function cidBytes(ptr: usize, len: i32): Uint8Array {
  const out = new Uint8Array(len);
  if (len > 0) memory.copy(out.dataStart, ptr, <usize>len);
  return out;
}

function cidMatches(v: Uint8Array | null, ptr: usize, len: i32): bool {
  if (v == null) return false;
  return v.length == len && (len == 0 || ctEqual(v.dataStart, ptr, <usize>len));
}
