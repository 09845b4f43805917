// `interface quic` (wit/quic.wit): endpoints and connections for the host.
// The canonical-ABI shims are generated (gen/quic.ts). Hot calls take and
// return packed byte lists (datagrams, events) so that one call moves a
// batch; a failure reaches the host as a `closed` event, never as a trap.

import { Bytes } from "./abi";
import { HandleTable } from "./handles";
import { U32OrString, StreamChunk, ConnectionStats } from "./gen/quic_types";
import { Endpoint, connections, swapRemove } from "../quic/endpoint";
import { Connection } from "../quic/connection";
import { parseQuicConfig } from "../quic/config";
import { getConfig } from "../tls/engine";
import { Session } from "../tls/session";
import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { encodeQuicEvent } from "./quic_events";
import { MAX_ADDR_LEN } from "../quic/path";
import { H3Factory } from "../h3/connection";

const endpoints = new HandleTable<Endpoint>();
const out = new Writer();
const R = new Reader();

export function endpointNew(config: Bytes, tlsConfig: u32): U32OrString {
  const tls = getConfig(tlsConfig);
  if (tls == null) return U32OrString.err("no such TLS config");
  if (!tls.quic) return U32OrString.err("the TLS config is not a QUIC config");
  const cfg = parseQuicConfig(config.ptr, config.len);
  if (cfg.error.length > 0) return U32OrString.err(cfg.error);
  const e = new Endpoint(cfg, tls, tls.isServer);
  if (cfg.h3) e.appFactory = new H3Factory();
  const h = endpoints.add(e);
  if (h == 0) return U32OrString.err("too many endpoints");
  e.handle = h;
  return U32OrString.ok(h);
}

export function endpointFree(endpoint: u32): void {
  const e = endpoints.remove(endpoint);
  if (e != null) e.dispose();
}

function validAddr(len: usize): bool {
  return len == 7 || len == 19;
}

export function connect(endpoint: u32, nowUs: u64, wallMs: u64, addr: Bytes, localId: u32, session: Bytes, token: Bytes): U32OrString {
  const e = endpoints.get(endpoint);
  if (e == null) return U32OrString.err("no such endpoint");
  if (e.isServer) return U32OrString.err("a server endpoint does not connect");
  if (!validAddr(addr.len)) return U32OrString.err("bad address encoding");
  let s: Session | null = null;
  if (session.len > 0) s = Session.decode(session.ptr, session.len);
  const h = e.connect(nowUs, wallMs, addr.ptr, <i32>addr.len, localId, s, token.ptr, token.len);
  if (h == 0) return U32OrString.err("too many connections");
  return U32OrString.ok(h);
}

/** Datagrams: { local-id u32, addr-len u8, addr, len u16, bytes }* — a malformed batch stops where it breaks. */
export function recv(endpoint: u32, nowUs: u64, wallMs: u64, datagrams: Bytes): void {
  const e = endpoints.get(endpoint);
  if (e == null) return;
  const r = R;
  r.reset(datagrams.ptr, datagrams.len);
  while (!r.atEnd) {
    const localId = r.u32();
    const addrLen = <usize>r.u8();
    const addr = r.pos;
    r.skip(addrLen);
    const n = <usize>r.u16();
    const p = r.pos;
    r.skip(n);
    if (r.failed || addrLen > <usize>MAX_ADDR_LEN || !validAddr(addrLen)) break;
    e.recv(nowUs, wallMs, p, n, addr, <i32>addrLen, localId);
  }
  e.reap();
}

export function pollTransmit(endpoint: u32, nowUs: u64, max: u32): Bytes {
  const e = endpoints.get(endpoint);
  out.clear();
  if (e != null) e.pollTransmit(nowUs, max, out);
  return Bytes.fromWriter(out);
}

export function nextTimeout(endpoint: u32): u64 {
  const e = endpoints.get(endpoint);
  return e == null ? u64.MAX_VALUE : e.nextTimeout();
}

export function onTimeout(endpoint: u32, nowUs: u64, wallMs: u64): void {
  const e = endpoints.get(endpoint);
  if (e == null) return;
  e.handleTimeout(nowUs, wallMs);
  e.reap();
}

export function pollEvents(endpoint: u32, max: u32): Bytes {
  const e = endpoints.get(endpoint);
  out.clear();
  if (e != null) {
    // only connections called into since their events were last drained can have any (endpoint.ts `mark`)
    const list = e.eventful;
    let n: u32 = 0;
    let i = 0;
    while (i < list.length && n < max) {
      const c = unchecked(list[i]);
      e.runApp(c);
      const q = c.hostEvents;
      while (n < max) {
        const ev = q.peek();
        if (ev == null) break;
        encodeQuicEvent(c.handle, ev, out);
        q.pop();
        n++;
      }
      if (q.length > 0) break; // `max` reached: the rest next time
      c.eventsMark = false;
      swapRemove(list, i);
    }
  }
  return Bytes.fromWriter(out);
}

export function connectionFree(connection: u32): void {
  const c = connections.get(connection);
  if (c == null) return;
  const e = c.endpoint;
  if (e != null) e.free(connection);
}

/** The connection behind a handle; every call through here may change what it sends and when (endpoint.ts `mark`). */
function conn(h: u32): Connection | null {
  const c = connections.get(h);
  if (c != null) {
    const e = c.endpoint;
    if (e != null) e.mark(c);
  }
  return c;
}

function touched(c: Connection): void {
  const e = c.endpoint;
  if (e != null) e.touched(c, c.wallMs);
}

export function streamOpen(connection: u32, bidi: bool): u64 {
  const c = conn(connection);
  return c == null ? u64.MAX_VALUE : c.openStream(bidi);
}

export function streamWrite(connection: u32, streamId: u64, data: Bytes, fin: bool): i64 {
  const c = conn(connection);
  return c == null ? -1 : c.streamWrite(streamId, data.ptr, <u64>data.len, fin);
}

export function streamRead(connection: u32, streamId: u64, max: u32): StreamChunk {
  const c = conn(connection);
  if (c == null) return new StreamChunk(Bytes.empty(), false, false, 0, true);
  const s = c.streams.get(streamId);
  if (s == null || s.recv == null) return new StreamChunk(Bytes.empty(), false, false, 0, true);
  const r = s.recv!;
  const avail = r.readable;
  const n = avail < <u64>max ? <usize>avail : <usize>max;
  const b = Bytes.alloc(n);
  const got = c.streamRead(streamId, b.ptr, <u64>n);
  const reset = c.lastReadReset;
  const code = reset ? r.resetErrorCode : 0;
  const fin = c.lastReadFin;
  touched(c);
  return new StreamChunk(b, fin, reset, code, got < 0);
}

export function streamReset(connection: u32, streamId: u64, code: u64): bool {
  const c = conn(connection);
  return c != null && c.streamReset(streamId, code);
}

export function streamReliablePrefix(connection: u32, streamId: u64, size: u64): bool {
  const c = conn(connection);
  return c != null && c.setReliablePrefix(streamId, size);
}

export function stopSending(connection: u32, streamId: u64, code: u64): bool {
  const c = conn(connection);
  return c != null && c.stopSending(streamId, code);
}

export function streamPriority(connection: u32, streamId: u64, urgency: u8, incremental: bool): bool {
  const c = conn(connection);
  return c != null && c.setPriority(streamId, urgency, incremental);
}

export function datagramSend(connection: u32, data: Bytes): i32 {
  const c = conn(connection);
  return c == null ? -1 : c.sendDatagram(data.ptr, data.len);
}

export function close(connection: u32, nowUs: u64, code: u64, reason: string, app: bool): void {
  const c = conn(connection);
  if (c == null) return;
  c.now = nowUs;
  if (app) c.closeApp(code, reason);
  else c.closeWithError(code, 0, reason);
}

export function migrate(connection: u32, nowUs: u64, localId: u32): bool {
  const c = conn(connection);
  return c != null && c.migrate(nowUs, localId);
}

export function stats(connection: u32): ConnectionStats {
  const c = conn(connection);
  if (c == null) return new ConnectionStats(4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const st = c.stats;
  return new ConnectionStats(
    <u8>c.state, c.rtt.smoothedRtt, c.rtt.minRtt, c.rtt.rttvar, c.cc.congestionWindow, c.cc.bytesInFlight,
    st.packetsSent, st.packetsReceived, c.loss.packetsLost, st.bytesSent, st.bytesReceived,
    c.pmtud.currentMtu(), c.maxDatagramPayload(), st.keyUpdates, <u32>c.streams.count, c.version, c.cipherSuite,
  );
}

export function peerAddress(connection: u32): Bytes {
  const c = conn(connection);
  out.clear();
  if (c != null) out.bytes(c.path.addrPtr, <usize>c.path.addrLen);
  return Bytes.fromWriter(out);
}
