// `interface tls` (wit/tls.wit): the TLS engine's configs and connections for
// the host. The canonical-ABI shims are generated (gen/tls.ts); each call's
// events come back as one encoded list (tls/events.ts).

import { Bytes } from "./abi";
import { ConfigNewResult, ConnectionNewResult } from "./gen/tls_types";
import { Writer } from "../wire/writer";
import { QuicTransportParamsPolicy } from "../quic/transport_params";
import { configNew as newConfig, configFree as freeConfig, connNew, connFree, connStart, connHandle, connConfirm, connTakeEvents } from "../tls/engine";

const events = new Writer();
/** The QUIC layer judges the transport parameters TLS carries (one policy for every config). */
const tpPolicy = new QuicTransportParamsPolicy();

/** The events a connection produced since the last call (empty for an unknown handle). */
function takeEvents(h: u32): Bytes {
  events.clear();
  connTakeEvents(h, events);
  return Bytes.fromWriter(events);
}

export function configNew(config: Bytes): ConfigNewResult {
  const r = newConfig(config.ptr, config.len, tpPolicy);
  return r.handle == 0 ? ConfigNewResult.err(r.error) : ConfigNewResult.ok(r.handle);
}

export function configFree(config: u32): void {
  freeConfig(config);
}

export function connectionNew(config: u32, session: Bytes): ConnectionNewResult {
  const r = connNew(config, session.ptr, session.len);
  return r.handle == 0 ? ConnectionNewResult.err(r.error) : ConnectionNewResult.ok(r.handle);
}

export function connectionFree(connection: u32): void {
  connFree(connection);
}

export function start(connection: u32, nowMs: u64): Bytes {
  connStart(connection, nowMs);
  return takeEvents(connection);
}

export function handle(connection: u32, level: u8, data: Bytes, nowMs: u64): Bytes {
  connHandle(connection, <i32>level, data.ptr, data.len, nowMs);
  return takeEvents(connection);
}

export function confirm(connection: u32): Bytes {
  connConfirm(connection);
  return takeEvents(connection);
}
