// Handle tables for configs and connections: what assembly/api/tls.ts and
// the test entry drive. Handles are u32 indices + 1 (0 is never valid).

import { Writer } from "../wire/writer";
import { TlsConfig, parseConfig } from "./config";
import { Handshake } from "./handshake";
import { TlsClient } from "./client";
import { TlsServer } from "./server";
import { Session } from "./session";

const configs: Array<TlsConfig | null> = [];
const conns: Array<Handshake | null> = [];

/** Last error text of newConfig/newConnection. */
export let lastError: string = "";

function slot<T>(table: Array<T | null>, v: T): u32 {
  for (let i = 0; i < table.length; i++) if (table[i] == null) { table[i] = v; return <u32>i + 1; }
  table.push(v);
  return <u32>table.length;
}

export function getConfig(h: u32): TlsConfig | null {
  if (h == 0 || h > <u32>configs.length) return null;
  return configs[<i32>h - 1];
}

export function getConn(h: u32): Handshake | null {
  if (h == 0 || h > <u32>conns.length) return null;
  return conns[<i32>h - 1];
}

/** Parses a config blob (config.ts); 0 and `lastError` on failure. */
export function configNew(ptr: usize, len: usize): u32 {
  const c = parseConfig(ptr, len);
  if (c.error.length) { lastError = c.error; return 0; }
  return slot<TlsConfig>(configs, c);
}

export function configFree(h: u32): void {
  if (getConfig(h) != null) configs[<i32>h - 1] = null;
}

/** A client or server connection on config `ch`; a client resumes `session` (may be empty). */
export function connNew(ch: u32, sessionPtr: usize, sessionLen: usize): u32 {
  const cfg = getConfig(ch);
  if (cfg == null) { lastError = "no such config"; return 0; }
  if (cfg.isServer) return slot<Handshake>(conns, new TlsServer(cfg));
  let s: Session | null = null;
  if (sessionLen > 0) s = Session.decode(sessionPtr, sessionLen); // an unusable session is a full handshake
  return slot<Handshake>(conns, new TlsClient(cfg, s));
}

export function connFree(h: u32): void {
  const c = getConn(h);
  if (c == null) return;
  c.dispose();
  conns[<i32>h - 1] = null;
}

/** Client: sends the ClientHello. False for servers or twice. */
export function connStart(h: u32, nowMs: u64): bool {
  const c = getConn(h);
  if (c == null || c.cfg.isServer) return false;
  return (<TlsClient>c).start(nowMs);
}

export function connHandle(h: u32, level: i32, ptr: usize, len: usize, nowMs: u64): bool {
  const c = getConn(h);
  if (c == null) return false;
  return c.handle(level, ptr, len, nowMs);
}

/** Client: HANDSHAKE_DONE received (RFC 9001 §4.1.2). */
export function connConfirm(h: u32): void {
  const c = getConn(h);
  if (c == null || c.cfg.isServer) return;
  (<TlsClient>c).confirm();
}

/** Moves the pending events into `out` (appended) and clears them. */
export function connTakeEvents(h: u32, out: Writer): void {
  const c = getConn(h);
  if (c == null) return;
  out.bytes(c.events.buf, c.events.len);
  c.events.len = 0;
}
