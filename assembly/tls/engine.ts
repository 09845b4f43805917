// Handle tables for configs and connections: what assembly/api/tls.ts and
// the test entry drive. Handles come from the generational table in
// api/handles.ts: a stale or double-freed handle is refused (0 is never valid).

import { HandleTable } from "../api/handles";
import { TlsConfig, parseConfig } from "./config";
import { Handshake } from "./handshake";
import { TlsClient } from "./client";
import { TlsServer } from "./server";
import { Session } from "./session";
import { TransportParamsPolicy } from "./transport_params_policy";
import { TlsOutputQueue } from "./output";

const configs = new HandleTable<TlsConfig>();
const conns = new HandleTable<Handshake>();

/** A new handle, or 0 and why not. */
@final
export class NewHandle {
  constructor(public handle: u32, public error: string) {}
}

export function getConfig(h: u32): TlsConfig | null {
  return configs.get(h);
}

export function getConn(h: u32): Handshake | null {
  return conns.get(h);
}

function added(h: u32, what: string): NewHandle {
  return h == 0 ? new NewHandle(0, "too many live TLS " + what) : new NewHandle(h, "");
}

/**
 * Parses a config blob (config.ts). `policy` judges transport parameters
 * (the QUIC layer's, quic/transport_params.ts); a QUIC config needs one.
 */
export function configNew(ptr: usize, len: usize, policy: TransportParamsPolicy | null): NewHandle {
  const c = parseConfig(ptr, len);
  if (c.error.length) return new NewHandle(0, c.error);
  if (c.quic && policy == null) return new NewHandle(0, "a QUIC config needs a transport parameters policy");
  c.transportParamsPolicy = policy;
  return added(configs.add(c), "configs");
}

export function configFree(h: u32): void {
  configs.remove(h);
}

/** A client or server connection on config `ch`; a client resumes `session` (may be empty). */
export function connNew(ch: u32, sessionPtr: usize, sessionLen: usize): NewHandle {
  const cfg = getConfig(ch);
  if (cfg == null) return new NewHandle(0, "no such config");
  if (cfg.isServer) return added(conns.add(new TlsServer(cfg)), "connections");
  let s: Session | null = null;
  if (sessionLen > 0) s = Session.decode(sessionPtr, sessionLen); // an unusable session is a full handshake
  return added(conns.add(new TlsClient(cfg, s)), "connections");
}

export function connFree(h: u32): void {
  const c = conns.remove(h);
  if (c != null) c.dispose();
}

/** Client: sends the ClientHello. False for servers or twice. */
export function connStart(h: u32, nowUs: u64, wallMs: u64): bool {
  const c = getConn(h);
  if (c == null) return false;
  return c.start(nowUs, wallMs);
}

export function connHandle(h: u32, level: i32, ptr: usize, len: usize, nowUs: u64, wallMs: u64): bool {
  const c = getConn(h);
  if (c == null) return false;
  return c.handle(level, ptr, len, nowUs, wallMs);
}

/** Client: HANDSHAKE_DONE received (RFC 9001 §4.1.2). */
export function connConfirm(h: u32): void {
  const c = getConn(h);
  if (c == null) return;
  c.confirm();
}

/** The connection's pending outputs (drain, then clear), or null for an unknown handle. */
export function connOutput(h: u32): TlsOutputQueue | null {
  const c = getConn(h);
  return c == null ? null : c.output;
}
