// Canonical-ABI glue for `interface tls` (wit/tls.wit). See abi.ts for the conventions.

import { RET, argFree, retWriterAt, retStringAt, postFreeAt } from "./abi";
import { Writer } from "../wire/writer";
import { configNew, configFree, connNew, connFree, connStart, connHandle, connConfirm, connTakeEvents, lastError } from "../tls/engine";

const events = new Writer();

/** result<u32, string>: discriminant at 0, payload at 4. */
function retHandle(h: u32): usize {
  if (h == 0) {
    store<u8>(RET, 1);
    retStringAt(4, lastError);
  } else {
    store<u8>(RET, 0);
    store<u32>(RET + 4, h);
  }
  return RET;
}
function postHandle(ret: usize): void { if (load<u8>(ret) == 1) postFreeAt(ret, 4); }

function retEvents(h: u32): usize {
  events.clear();
  connTakeEvents(h, events);
  retWriterAt(0, events);
  return RET;
}

export function tls__configNew(ptr: usize, len: usize): usize {
  const h = configNew(ptr, len);
  argFree(ptr, len);
  return retHandle(h);
}
export function tls__configNew__post(ret: usize): void { postHandle(ret); }

export function tls__configFree(h: u32): void { configFree(h); }

export function tls__connectionNew(cfg: u32, ptr: usize, len: usize): usize {
  const h = connNew(cfg, ptr, len);
  argFree(ptr, len);
  return retHandle(h);
}
export function tls__connectionNew__post(ret: usize): void { postHandle(ret); }

export function tls__connectionFree(h: u32): void { connFree(h); }

export function tls__start(h: u32, nowMs: u64): usize {
  connStart(h, nowMs);
  return retEvents(h);
}
export function tls__start__post(ret: usize): void { postFreeAt(ret, 0); }

export function tls__handle(h: u32, level: u32, ptr: usize, len: usize, nowMs: u64): usize {
  connHandle(h, <i32>(level & 0xff), ptr, len, nowMs);
  argFree(ptr, len);
  return retEvents(h);
}
export function tls__handle__post(ret: usize): void { postFreeAt(ret, 0); }

export function tls__confirm(h: u32): usize {
  connConfirm(h);
  return retEvents(h);
}
export function tls__confirm__post(ret: usize): void { postFreeAt(ret, 0); }
