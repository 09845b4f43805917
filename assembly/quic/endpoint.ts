// A QUIC endpoint: the connections behind one UDP socket (RFC 9000 §5.2).
// Datagrams are routed by Destination Connection ID; what matches no
// connection is judged here without creating state where the RFC allows
// none: Version Negotiation (RFC 8999, RFC 9000 §6), Retry with an
// address-validation token (§8.1.2), a stateless reset (§10.3), or a new
// server connection from an acceptable Initial (§7, §14.1).
//
// Memory a peer can make us hold: connections up to `maxConnections`
// (Initials beyond are dropped), endpoint-level replies up to
// MAX_PENDING_REPLIES (the rest dropped), routes per connection bounded by
// active_connection_id_limit.

import { QuicConfig } from "./config";
import { TlsConfig } from "../tls/config";
import { Session } from "../tls/session";
import { Connection, ConnState } from "./connection";
import { handleDatagram } from "./conn_recv";
import { pollTransmit, TARGET } from "./conn_send";
import {
  PacketHeader, parsePacketHeader, encodeVersionNegotiation, encodeRetry, PACKET_VERSION_NEGOTIATION,
} from "./packet";
import { PACKET_INITIAL, PACKET_1RTT } from "./frame";
import { isSupportedVersion, QUIC_VERSION_1, QUIC_VERSION_2 } from "./version";
import { resetTokenFor, buildStatelessReset } from "./stateless_reset";
import { sealRetryToken, sealNewToken, openToken, TokenCheck, TOKEN_RETRY } from "./token";
import { Writer } from "../wire/writer";
import { randomBytes } from "../crypto/random";
import { HandleTable } from "../api/handles";
import { MAX_CID_LEN } from "./constants";
import { MIN_UDP_PAYLOAD } from "./config";
import { CloseKind } from "./events";
import { ConnAppFactory } from "./app";

/** Endpoint-level replies (VN, Retry, resets) waiting to be sent; more are dropped. */
export const MAX_PENDING_REPLIES: i32 = 64;
/** Retry tokens live this long; NEW_TOKEN tokens this long (RFC 9000 §8.1.3). */
export const RETRY_TOKEN_LIFETIME_MS: u64 = 10_000;
export const NEW_TOKEN_LIFETIME_MS: u64 = 24 * 3600 * 1000;
/** Largest datagram we build. */
export const MAX_DATAGRAM: usize = 65527;

const SUPPORTED_VERSIONS: StaticArray<u32> = [QUIC_VERSION_1, QUIC_VERSION_2];

/** Every connection of every endpoint (handles for the host). */
export const connections = new HandleTable<Connection>();

/** A reply that needs no connection. */
@final
class Reply {
  data: Writer = new Writer();
  addr: StaticArray<u8> = new StaticArray<u8>(19);
  addrLen: i32 = 0;
  localId: u32 = 0;
}

/** A route key: the CID bytes as a string of char codes (exact, no collisions). */
function cidKey(ptr: usize, len: i32): string {
  return String.UTF16.decodeUnsafe(ptr, <usize>len & ~1) + (len & 1 ? String.fromCharCode(load<u8>(ptr + <usize>len - 1)) : "") + String.fromCharCode(0x100 + len);
}

export class Endpoint {
  readonly cfg: QuicConfig;
  readonly tlsCfg: TlsConfig;
  readonly isServer: bool;
  /** Makes the application protocol of new connections (HTTP/3 when the config asks for it). */
  appFactory: ConnAppFactory | null = null;
  /** The host's handle (api/quic.ts). */
  handle: u32 = 0;
  /** Static keys: stateless reset tokens (§10.3.2), address-validation tokens (§8.1). */
  readonly resetKey: StaticArray<u8> = new StaticArray<u8>(32);
  readonly tokenKey: StaticArray<u8> = new StaticArray<u8>(16);
  /** Connection handles of this endpoint. */
  readonly handles: u32[] = [];
  /** The connections behind `handles`, in the same order. */
  private conns: Connection[] = [];
  /**
   * Connections called into since their last empty poll-transmit: only they
   * can have something to send (a connection's state changes only inside a
   * call — input, timeout, or the application's — so the others are skipped,
   * and an endpoint with 10,000 idle connections does not walk them all).
   */
  private active: Connection[] = [];
  /** Connections whose timers may have changed: their cached deadline is recomputed by nextTimeout. */
  private timersDirty: Connection[] = [];
  /** Connections that may have queued events since the host last drained theirs (api/quic.ts pollEvents). */
  readonly eventful: Connection[] = [];
  private routes: Map<string, u32> = new Map();
  private replies: Reply[] = [];
  private replyPool: Reply[] = [];
  /** Rotates which connection sends first (fairness). */
  private cursor: i32 = 0;
  private readonly hdr: PacketHeader = new PacketHeader();
  private readonly token: TokenCheck = new TokenCheck();
  private readonly scratch: Writer = new Writer();
  /** Counters. */
  droppedDatagrams: u64 = 0;
  refusedInitials: u64 = 0;
  retriesSent: u64 = 0;
  resetsSent: u64 = 0;
  versionNegotiations: u64 = 0;

  constructor(cfg: QuicConfig, tlsCfg: TlsConfig, isServer: bool) {
    this.cfg = cfg;
    this.tlsCfg = tlsCfg;
    this.isServer = isServer;
    randomBytes(changetype<usize>(this.resetKey), 32);
    randomBytes(changetype<usize>(this.tokenKey), 16);
  }

  // ---- connections -------------------------------------------------------------

  /** Client: a new connection to `addr`; 0 when the handle table is full. */
  connect(now: u64, wallMs: u64, addr: usize, addrLen: i32, localId: u32, session: Session | null, token: usize, tokenLen: usize): u32 {
    const c = new Connection(false, this.cfg, this.tlsCfg, QUIC_VERSION_1, changetype<usize>(this.resetKey), session);
    if (tokenLen > 0) {
      const t = new Uint8Array(<i32>tokenLen);
      memory.copy(t.dataStart, token, tokenLen);
      c.token = t;
    }
    c.path.localId = localId;
    const h = connections.add(c);
    if (h == 0) { c.dispose(); return 0; }
    c.handle = h;
    c.endpoint = this;
    this.handles.push(h);
    this.conns.push(c);
    c.startClient(now, wallMs, addr, addrLen);
    this.syncRoutes(c);
    this.mark(c);
    this.runApp(c);
    return h;
  }

  /** Forgets a connection (the host frees it when it sees `Closed` or gives up on it). */
  free(h: u32): void {
    const c = connections.get(h);
    if (c == null || c.endpoint !== this) return;
    this.unroute(c);
    connections.remove(h);
    const i = this.handles.indexOf(h);
    if (i >= 0) { this.handles.splice(i, 1); this.conns.splice(i, 1); }
    removeFrom(this.active, c);
    removeFrom(this.timersDirty, c);
    removeFrom(this.eventful, c);
    c.activeMark = false;
    c.timersMark = false;
    c.eventsMark = false;
    c.dispose();
  }

  // ---- input -----------------------------------------------------------------------

  /** One datagram from `addr` on socket `localId`. Decrypted in place. */
  recv(now: u64, wallMs: u64, ptr: usize, len: usize, addr: usize, addrLen: i32, localId: u32): void {
    const hdr = this.hdr;
    // the invariant fields are enough to route (RFC 8999 §5)
    const rc = parsePacketHeader(ptr, len, this.cfg.cidLen, hdr);
    if (rc != 0 && hdr.type != PACKET_VERSION_NEGOTIATION && !(hdr.isLong && !isSupportedVersion(hdr.version) && hdr.dcidLen >= 0)) {
      // unparseable: maybe a stateless reset for a client, else nothing
      this.routeUnparsed(now, wallMs, ptr, len, addr, addrLen, localId);
      return;
    }
    const key = cidKey(hdr.dcid, hdr.dcidLen);
    if (this.routes.has(key)) {
      const h = this.routes.get(key);
      const c = connections.get(h);
      if (c != null) {
        handleDatagram(c, now, wallMs, ptr, len, addr, addrLen, localId);
        this.afterCall(c, wallMs);
        return;
      }
    }
    // a client with zero-length CIDs has one connection per socket
    if (!this.isServer && this.cfg.cidLen == 0 && this.handles.length > 0) {
      const c = connections.get(unchecked(this.handles[0]));
      if (c != null) {
        handleDatagram(c, now, wallMs, ptr, len, addr, addrLen, localId);
        this.afterCall(c, wallMs);
        return;
      }
    }
    if (!this.isServer) {
      if (!this.checkReset(ptr, len)) this.droppedDatagrams++;
      return;
    }
    if (!hdr.isLong) {
      this.maybeSendReset(hdr.dcid, hdr.dcidLen, len, addr, addrLen, localId);
      return;
    }
    // RFC 9000 §14.1: "A server MUST discard an Initial packet that is carried
    // in a UDP datagram with a payload that is smaller than ... 1200 bytes";
    // VN is only answered to datagrams that size too (§6.1: avoids amplification)
    if (len < <usize>MIN_UDP_PAYLOAD) { this.droppedDatagrams++; return; }
    if (!isSupportedVersion(hdr.version)) {
      this.sendVersionNegotiation(hdr, addr, addrLen, localId);
      return;
    }
    if (hdr.type != PACKET_INITIAL) { this.droppedDatagrams++; return; } // 0-RTT before its Initial: dropped
    this.accept(now, wallMs, ptr, len, hdr, addr, addrLen, localId);
  }

  /** A datagram whose header does not parse: a stateless reset for one of our client connections? */
  private routeUnparsed(now: u64, wallMs: u64, ptr: usize, len: usize, addr: usize, addrLen: i32, localId: u32): void {
    if (!this.checkReset(ptr, len)) this.droppedDatagrams++;
  }

  /**
   * RFC 9000 §10.3.1: a datagram that routes nowhere may be a stateless reset
   * (its first bytes are random, not a CID of ours). Only a client endpoint
   * looks: it has few connections, a server would be scanning thousands per
   * junk datagram.
   */
  private checkReset(ptr: usize, len: usize): bool {
    if (this.isServer || len < 21 || (load<u8>(ptr) & 0x80) != 0) return false;
    for (let i = 0; i < this.handles.length; i++) {
      const c = connections.get(unchecked(this.handles[i]));
      if (c != null && c.state < ConnState.Draining && c.remoteCids.matchesStatelessReset(ptr, len)) {
        c.enterDraining(<u8>CloseKind.StatelessReset, 0, false, "stateless reset");
        return true;
      }
    }
    return false;
  }

  /** RFC 9000 §7, §8.1: a new server connection, or a Retry first. */
  private accept(now: u64, wallMs: u64, ptr: usize, len: usize, hdr: PacketHeader, addr: usize, addrLen: i32, localId: u32): void {
    // §7.2: a client's first Destination CID is at least 8 bytes
    if (hdr.dcidLen < 8) { this.droppedDatagrams++; return; }
    if (<u32>this.handles.length >= this.cfg.maxConnections) { this.refusedInitials++; return; }
    let validated = false;
    let odcid = hdr.dcid;
    let odcidLen = hdr.dcidLen;
    let retryScid: usize = 0;
    let retryScidLen: i32 = -1;
    const t = this.token;
    if (hdr.tokenLen > 0) {
      const ok = openToken(changetype<usize>(this.tokenKey), hdr.token, hdr.tokenLen, addr, addrLen, wallMs,
        RETRY_TOKEN_LIFETIME_MS, NEW_TOKEN_LIFETIME_MS, t);
      if (ok && t.valid) {
        validated = true;
        if (t.kind == TOKEN_RETRY) {
          odcid = changetype<usize>(t.odcid);
          odcidLen = t.odcidLen;
          retryScid = changetype<usize>(t.retryScid);
          retryScidLen = t.retryScidLen;
          // §17.2.5.2-3: after a Retry the client's DCID is the Retry's SCID
          if (retryScidLen != hdr.dcidLen || memory.compare(retryScid, hdr.dcid, <usize>hdr.dcidLen) != 0) {
            this.droppedDatagrams++;
            return;
          }
        }
      } else if (ok && !t.valid && t.kind == TOKEN_RETRY) {
        // §8.1.2: a bad Retry token — drop (the client's next attempt gets a fresh Retry)
        this.droppedDatagrams++;
        return;
      }
      // an unusable NEW_TOKEN token counts as none (§8.1.3)
    }
    if (this.cfg.retry && !validated) {
      this.sendRetry(now, wallMs, hdr, addr, addrLen, localId);
      return;
    }
    const c = new Connection(true, this.cfg, this.tlsCfg, hdr.version, changetype<usize>(this.resetKey), null);
    const h = connections.add(c);
    if (h == 0) { this.refusedInitials++; c.dispose(); return; }
    c.handle = h;
    c.endpoint = this;
    c.path.localId = localId;
    this.handles.push(h);
    this.conns.push(c);
    c.startServer(now, wallMs, addr, addrLen, hdr.dcid, hdr.dcidLen, hdr.scid, hdr.scidLen, odcid, odcidLen, retryScid, retryScidLen, validated);
    // the client keeps sending to its chosen DCID until it hears from us (§7.2)
    c.clientDcidKey = cidKey(hdr.dcid, hdr.dcidLen);
    this.routes.set(c.clientDcidKey, h);
    this.syncRoutes(c);
    handleDatagram(c, now, wallMs, ptr, len, addr, addrLen, localId);
    this.afterCall(c, wallMs);
  }

  /** `c` may have something to send, and its timers may have moved. */
  mark(c: Connection): void {
    if (!c.activeMark) { c.activeMark = true; this.active.push(c); }
    if (!c.timersMark) { c.timersMark = true; this.timersDirty.push(c); }
    if (!c.eventsMark) { c.eventsMark = true; this.eventful.push(c); }
  }

  /**
   * The application protocol's turn (app.ts): attached once the factory can
   * tell (a server: once TLS chose the ALPN), then fed the connection's events
   * before anything else — transmit or the host — can see them.
   */
  runApp(c: Connection): void {
    const f = this.appFactory;
    if (f != null && !c.appDecided && c.appLayer == null) c.appLayer = f.create(c);
    const a = c.appLayer;
    if (a != null) a.process();
  }

  /** After every call into a connection: routes, NEW_TOKEN, cleanup. */
  private afterCall(c: Connection, wallMs: u64): void {
    this.mark(c);
    this.syncRoutes(c);
    this.runApp(c);
    // §8.1.3: a server gives the client a token for its next connection
    if (this.isServer && c.handshakeConfirmed && !c.newTokenIssued) {
      c.newTokenIssued = true;
      sealNewToken(changetype<usize>(this.tokenKey), wallMs, c.path.addrPtr, c.path.addrLen, c.newTokenPending.clear());
    }
  }

  /** Applies the connection's CID changes to the routing table (cid_local.ts). */
  private syncRoutes(c: Connection): void {
    const lc = c.localCids;
    for (let i = 0; i < lc.addedCount; i++) {
      const cid = lc.added(i);
      this.routes.set(cidKey(changetype<usize>(cid.cid), cid.len), c.handle);
    }
    for (let i = 0; i < lc.retiredCount; i++) {
      const cid = lc.retired(i);
      const k = cidKey(changetype<usize>(cid.cid), cid.len);
      if (this.routes.has(k) && this.routes.get(k) == c.handle) this.routes.delete(k);
    }
    lc.clearChanges();
    // once the handshake is done the client uses our CIDs only
    if (c.clientDcidKey.length > 0 && c.handshakeComplete) {
      if (this.routes.has(c.clientDcidKey) && this.routes.get(c.clientDcidKey) == c.handle) this.routes.delete(c.clientDcidKey);
      c.clientDcidKey = "";
    }
  }

  private unroute(c: Connection): void {
    const lc = c.localCids;
    for (let i = 0; i < lc.activeCount; i++) {
      const cid = lc.active(i);
      const k = cidKey(changetype<usize>(cid.cid), cid.len);
      if (this.routes.has(k) && this.routes.get(k) == c.handle) this.routes.delete(k);
    }
    if (c.clientDcidKey.length > 0 && this.routes.has(c.clientDcidKey) && this.routes.get(c.clientDcidKey) == c.handle) {
      this.routes.delete(c.clientDcidKey);
    }
  }

  // ---- stateless replies ------------------------------------------------------------

  private newReply(addr: usize, addrLen: i32, localId: u32): Reply | null {
    if (this.replies.length >= MAX_PENDING_REPLIES) { this.droppedDatagrams++; return null; }
    const r = this.replyPool.length > 0 ? this.replyPool.pop() : new Reply();
    r.data.clear();
    memory.copy(changetype<usize>(r.addr), addr, <usize>min(addrLen, 19));
    r.addrLen = min(addrLen, 19);
    r.localId = localId;
    this.replies.push(r);
    return r;
  }

  /** RFC 9000 §6.1, RFC 8999 §6. */
  private sendVersionNegotiation(hdr: PacketHeader, addr: usize, addrLen: i32, localId: u32): void {
    const r = this.newReply(addr, addrLen, localId);
    if (r == null) return;
    encodeVersionNegotiation(r.data, hdr.scid, hdr.scidLen, hdr.dcid, hdr.dcidLen, SUPPORTED_VERSIONS);
    this.versionNegotiations++;
  }

  /** RFC 9000 §8.1.2, §17.2.5: Retry with a token bound to the address and the original DCID. */
  private sendRetry(now: u64, wallMs: u64, hdr: PacketHeader, addr: usize, addrLen: i32, localId: u32): void {
    const r = this.newReply(addr, addrLen, localId);
    if (r == null) return;
    const scid = memory.data(MAX_CID_LEN);
    const scidLen = this.cfg.cidLen < 8 ? 8 : this.cfg.cidLen;
    randomBytes(scid, <usize>scidLen);
    const tok = this.scratch.clear();
    sealRetryToken(changetype<usize>(this.tokenKey), wallMs, addr, addrLen, hdr.dcid, hdr.dcidLen, scid, scidLen, tok);
    encodeRetry(r.data, hdr.version, hdr.scid, hdr.scidLen, scid, scidLen, tok.buf, tok.len, hdr.dcid, hdr.dcidLen);
    this.retriesSent++;
  }

  /** RFC 9000 §10.3: a short-header packet for a connection we do not have. */
  private maybeSendReset(dcid: usize, dcidLen: i32, triggerLen: usize, addr: usize, addrLen: i32, localId: u32): void {
    if (dcidLen <= 0) return;
    const r = this.newReply(addr, addrLen, localId);
    if (r == null) return;
    const token = memory.data(16);
    resetTokenFor(changetype<usize>(this.resetKey), 32, dcid, dcidLen, token);
    r.data.ensure(triggerLen);
    const n = buildStatelessReset(token, triggerLen, r.data.buf, triggerLen);
    if (n == 0) { this.replies.pop(); this.replyPool.push(r); return; }
    r.data.len = n;
    this.resetsSent++;
  }

  // ---- output ---------------------------------------------------------------------------

  /**
   * Appends up to `max` datagrams to `out` as { localId u32, addrLen u8,
   * addr, len u16, bytes } records; returns how many.
   */
  pollTransmit(now: u64, max: u32, out: Writer): u32 {
    let n: u32 = 0;
    while (n < max && this.replies.length > 0) {
      const r = this.replies.shift();
      putDatagram(out, r.localId, changetype<usize>(r.addr), r.addrLen, r.data.buf, r.data.len);
      this.replyPool.push(r);
      n++;
    }
    const active = this.active;
    if (active.length == 0) return n;
    const buf = this.scratch;
    buf.clear();
    buf.ensure(MAX_DATAGRAM);
    // round-robin over the active connections: each pass gives every one a
    // datagram; one with nothing to send now leaves the list until its next call
    while (n < max && active.length > 0) {
      if (this.cursor >= active.length) this.cursor = 0;
      const c = unchecked(active[this.cursor]);
      // building packets moves timers (loss detection, pacing, idle) and may queue events (qlog)
      this.mark(c);
      const len = pollTransmit(c, now, buf.buf, MAX_DATAGRAM);
      if (len == 0) {
        c.activeMark = false;
        swapRemove(active, this.cursor);
        continue;
      }
      this.cursor++;
      putDatagram(out, TARGET.localId, TARGET.addrPtr, TARGET.addrLen, buf.buf, len);
      n++;
    }
    return n;
  }

  /** Recomputes the cached deadline of every connection whose timers may have moved. */
  private refreshDeadlines(): void {
    const dirty = this.timersDirty;
    for (let i = 0; i < dirty.length; i++) {
      const c = unchecked(dirty[i]);
      c.timersMark = false;
      c.deadline = c.nextTimeout();
    }
    dirty.length = 0;
  }

  /** The earliest deadline of any connection (u64.MAX_VALUE: none). */
  nextTimeout(): u64 {
    this.refreshDeadlines();
    let t = u64.MAX_VALUE;
    const conns = this.conns;
    for (let i = 0; i < conns.length; i++) {
      const d = unchecked(conns[i]).deadline;
      if (d < t) t = d;
    }
    return t;
  }

  handleTimeout(now: u64, wallMs: u64): void {
    this.refreshDeadlines();
    const conns = this.conns;
    for (let i = 0; i < conns.length; i++) {
      const c = unchecked(conns[i]);
      if (c.deadline <= now) {
        c.handleTimeout(now, wallMs);
        this.afterCall(c, wallMs);
      }
    }
  }

  /** Calls into a connection from the host's mutators end here (routes, tokens). */
  touched(c: Connection, wallMs: u64): void {
    this.afterCall(c, wallMs);
  }

  /** Drops routes of closed connections (their handles stay until the host frees them). */
  reap(): void {
    // a connection closes inside a call, which puts it on `eventful` until the host drained its events
    const list = this.eventful;
    for (let i = 0; i < list.length; i++) {
      const c = unchecked(list[i]);
      if (c.state == ConnState.Closed && !c.unrouted) {
        this.unroute(c);
        c.unrouted = true;
      }
    }
  }

  dispose(): void {
    while (this.handles.length > 0) this.free(unchecked(this.handles[this.handles.length - 1]));
    this.scratch.release();
    for (let i = 0; i < this.replies.length; i++) unchecked(this.replies[i]).data.release();
    for (let i = 0; i < this.replyPool.length; i++) unchecked(this.replyPool[i]).data.release();
  }
}

/** Removes `list[i]` by moving the last element there (order is not kept). */
export function swapRemove(list: Connection[], i: i32): void {
  const last = list.length - 1;
  if (i != last) unchecked(list[i] = unchecked(list[last]));
  list.pop();
}

function removeFrom(list: Connection[], c: Connection): void {
  const i = list.indexOf(c);
  if (i >= 0) list.splice(i, 1);
}

function putDatagram(out: Writer, localId: u32, addr: usize, addrLen: i32, ptr: usize, len: usize): void {
  out.u32(localId);
  out.u8(<u8>addrLen);
  out.bytes(addr, <usize>addrLen);
  out.u16(<u32>len);
  out.bytes(ptr, len);
}
