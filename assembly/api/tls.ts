// `interface tls` (wit/tls.wit): the TLS engine's configs and connections for
// the host. The canonical-ABI shims are generated (gen/tls.ts); each call's
// typed outputs (tls/output.ts) come back as one encoded list (tls_events.ts).
//
// Time: the WIT passes `now-ms`, the wall clock (certificate validity and
// ticket ages need it). The host-facing interface has no monotonic clock; the
// in-core API's `nowUs` is derived from the same reading (no TLS rule measures
// an in-process duration today).

import { Bytes } from "./abi";
import { U32OrString } from "./gen/tls_types";
import { Writer } from "../wire/writer";
import { QuicTransportParamsPolicy } from "../quic/transport_params";
import { configNew as newConfig, configFree as freeConfig, connNew, connFree, connStart, connHandle, connConfirm, connOutput } from "../tls/engine";
import { encodeTlsOutputs } from "./tls_events";

const events = new Writer();
/** The QUIC layer judges the transport parameters TLS carries (one policy for every config). */
const tpPolicy = new QuicTransportParamsPolicy();

/** The events a connection produced since the last call (empty for an unknown handle). */
function takeEvents(h: u32): Bytes {
  events.clear();
  const q = connOutput(h);
  if (q != null) encodeTlsOutputs(q, events);
  return Bytes.fromWriter(events);
}

export function configNew(config: Bytes): U32OrString {
  const r = newConfig(config.ptr, config.len, tpPolicy);
  return r.handle == 0 ? U32OrString.err(r.error) : U32OrString.ok(r.handle);
}

export function configFree(config: u32): void {
  freeConfig(config);
}

export function connectionNew(config: u32, session: Bytes): U32OrString {
  const r = connNew(config, session.ptr, session.len);
  return r.handle == 0 ? U32OrString.err(r.error) : U32OrString.ok(r.handle);
}

export function connectionFree(connection: u32): void {
  connFree(connection);
}

export function start(connection: u32, nowMs: u64): Bytes {
  connStart(connection, nowMs * 1000, nowMs);
  return takeEvents(connection);
}

export function handle(connection: u32, level: u8, data: Bytes, nowMs: u64): Bytes {
  connHandle(connection, <i32>level, data.ptr, data.len, nowMs * 1000, nowMs);
  return takeEvents(connection);
}

export function confirm(connection: u32): Bytes {
  connConfirm(connection);
  return takeEvents(connection);
}
