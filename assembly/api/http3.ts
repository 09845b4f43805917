// `interface http3` (wit/http3.wit): HTTP/3 on the connections of a QUIC
// endpoint whose config has QC_H3 (the H3 connection is h3/connection.ts,
// attached by endpoint.ts through H3Factory). Connection handles are the
// quic interface's; every call marks the connection so that the host's next
// poll-transmit and poll-events see what it changed.

import { Bytes } from "./abi";
import { U64OrH3Error, VoidOrH3Error, H3Error, BodyChunk, H3Settings } from "./gen/http3_types";
import { connections } from "../quic/endpoint";
import { H3Connection, BodyRead, MAX_READ } from "../h3/connection";
import { H3_INTERNAL_ERROR } from "../h3/errors";
import { Writer } from "../wire/writer";

const body = new Writer();
const chunk = new BodyRead();

/** The HTTP/3 connection behind a handle (marked: the call may change what it sends). */
function h3(handle: u32): H3Connection | null {
  const c = connections.get(handle);
  if (c == null) return null;
  const e = c.endpoint;
  if (e != null) e.mark(c);
  const a = c.appLayer;
  if (a == null || !(a instanceof H3Connection)) return null;
  return changetype<H3Connection>(a);
}

/** After a call: the H3 layer may have queued events or frames (the endpoint polls them). */
function done(h: H3Connection): void {
  h.process();
}

function noConnection(): H3Error {
  return new H3Error(H3_INTERNAL_ERROR, "no such HTTP/3 connection");
}

export function request(connection: u32, fields: Bytes, endStream: bool): U64OrH3Error {
  const h = h3(connection);
  if (h == null) return U64OrH3Error.err(noConnection());
  const id = h.request(fields.ptr, fields.len, endStream);
  done(h);
  if (id < 0) return U64OrH3Error.err(new H3Error(h.lastError, h.lastReason));
  return U64OrH3Error.ok(<u64>id);
}

export function sendHeaders(connection: u32, stream: u64, fields: Bytes, endStream: bool): VoidOrH3Error {
  const h = h3(connection);
  if (h == null) return VoidOrH3Error.err(noConnection());
  const rc = h.sendHeaders(stream, fields.ptr, fields.len, endStream);
  done(h);
  if (rc < 0) return VoidOrH3Error.err(new H3Error(h.lastError, h.lastReason));
  return VoidOrH3Error.ok();
}

export function sendData(connection: u32, stream: u64, data: Bytes, endStream: bool): i64 {
  const h = h3(connection);
  if (h == null) return -1;
  const n = h.sendData(stream, data.ptr, <u64>data.len, endStream);
  done(h);
  return n;
}

export function readBody(connection: u32, stream: u64, max: u32): BodyChunk {
  const h = h3(connection);
  if (h == null) return new BodyChunk(Bytes.empty(), false, false, 0, true);
  // body bytes are at most what QUIC holds for the stream (frame headers included)
  let n = <u64>max < MAX_READ ? <u64>max : MAX_READ;
  const s = h.c.streams.get(stream);
  const avail = s != null && s.recv != null ? s.recv!.readable : 0;
  if (avail < n) n = avail;
  body.clear();
  body.ensure(<usize>n + 1);
  h.readBody(stream, body.buf, n, chunk);
  done(h);
  return new BodyChunk(Bytes.copyOf(body.buf, <usize>chunk.got), chunk.fin, chunk.reset_, chunk.resetCode, chunk.unknown);
}

export function resetStream(connection: u32, stream: u64, code: u64): bool {
  const h = h3(connection);
  if (h == null) return false;
  const ok = h.resetStream(stream, code);
  done(h);
  return ok;
}

export function stopReading(connection: u32, stream: u64, code: u64): bool {
  const h = h3(connection);
  if (h == null) return false;
  const ok = h.stopReading(stream, code);
  done(h);
  return ok;
}

export function goaway(connection: u32): bool {
  const h = h3(connection);
  if (h == null) return false;
  const ok = h.goaway();
  done(h);
  return ok;
}

export function setPriority(connection: u32, stream: u64, urgency: u8, incremental: bool): bool {
  const h = h3(connection);
  if (h == null) return false;
  const ok = h.setPriority(stream, urgency, incremental);
  done(h);
  return ok;
}

export function peerSettings(connection: u32): H3Settings {
  const h = h3(connection);
  if (h == null) return new H3Settings(false, u64.MAX_VALUE, 0, 0, false, false);
  const p = h.uni.peer;
  return new H3Settings(p.received, p.maxFieldSectionSize, p.qpackMaxTableCapacity, p.qpackBlockedStreams, p.enableConnectProtocol, p.h3Datagram);
}




// ---- WebTransport (h3/webtransport/webtransport.ts) ------------------------------------

function noWebTransport(): H3Error {
  return new H3Error(H3_INTERNAL_ERROR, "WebTransport is not enabled on this connection");
}

export function wtConnect(connection: u32, fields: Bytes): U64OrH3Error {
  const h = h3(connection);
  if (h == null) return U64OrH3Error.err(noConnection());
  const wt = h.wt;
  if (wt == null) return U64OrH3Error.err(noWebTransport());
  const id = wt.connect(fields.ptr, fields.len);
  done(h);
  if (id < 0) return U64OrH3Error.err(new H3Error(wt.lastError, wt.lastReason));
  return U64OrH3Error.ok(<u64>id);
}

export function wtRespond(connection: u32, session: u64, fields: Bytes): VoidOrH3Error {
  const h = h3(connection);
  if (h == null) return VoidOrH3Error.err(noConnection());
  const wt = h.wt;
  if (wt == null) return VoidOrH3Error.err(noWebTransport());
  const rc = wt.respond(session, fields.ptr, fields.len);
  done(h);
  if (rc < 0) return VoidOrH3Error.err(new H3Error(wt.lastError, wt.lastReason));
  return VoidOrH3Error.ok();
}

export function wtOpenStream(connection: u32, session: u64, bidi: bool): U64OrH3Error {
  const h = h3(connection);
  if (h == null) return U64OrH3Error.err(noConnection());
  const wt = h.wt;
  if (wt == null) return U64OrH3Error.err(noWebTransport());
  const id = wt.openStream(session, bidi);
  done(h);
  if (id < 0) return U64OrH3Error.err(new H3Error(wt.lastError, wt.lastReason));
  return U64OrH3Error.ok(<u64>id);
}

export function wtSendDatagram(connection: u32, session: u64, data: Bytes): i32 {
  const h = h3(connection);
  if (h == null || h.wt == null) return -1;
  const rc = h.wt!.sendDatagram(session, data.ptr, data.len);
  done(h);
  return rc;
}

export function wtMaxDatagramSize(connection: u32, session: u64): u32 {
  const h = h3(connection);
  if (h == null || h.wt == null) return 0;
  return h.wt!.maxDatagramSize(session);
}

export function wtClose(connection: u32, session: u64, code: u32, reason: string): bool {
  const h = h3(connection);
  if (h == null || h.wt == null) return false;
  const r = String.UTF8.encode(reason);
  const ok = h.wt!.close(session, code, changetype<usize>(r), <usize>r.byteLength);
  done(h);
  return ok;
}

export function wtDrain(connection: u32, session: u64): bool {
  const h = h3(connection);
  if (h == null || h.wt == null) return false;
  const ok = h.wt!.drain(session);
  done(h);
  return ok;
}
