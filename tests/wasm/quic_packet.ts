// Test entry: exposes assembly/quic/packet.ts and packet_builder.ts to
// tests/quic/packet.test.ts and tests/quic/packet_builder.test.ts. Header
// fields come back as offsets from the packet's start (-1 for a null pointer).
import {
  PacketHeader, parsePacketHeader, parseInvariantHeader, encodeVersionNegotiation, encodeRetry, checkRetry,
  checkVersionNegotiation, vnVersionCount, vnVersionAt, vnListsVersion, longTypeBits, longPacketType,
} from "../../assembly/quic/packet";
import { PacketBuilder } from "../../assembly/quic/packet_builder";
import { PacketKeys, newInitialKeys, unprotectPacket } from "../../assembly/quic/protection";
import { AeadAlg } from "../../assembly/crypto/aead";
import { Writer } from "../../assembly/wire/writer";
export { cabi_realloc } from "../../assembly/api/abi";
export { longTypeBits, longPacketType };

const hdr = new PacketHeader();

function rel(p: usize, base: usize): i64 { return p == 0 ? -1 : <i64>(p - base); }

/** [rc, isLong, type, version, firstByte, dcid, dcidLen, scid, scidLen, token, tokenLen, pnOffset, packetLen] */
function fields(rc: i32, base: usize): i64[] {
  const h = hdr;
  return [rc, h.isLong ? 1 : 0, h.type, h.version, h.firstByte, rel(h.dcid, base), h.dcidLen, rel(h.scid, base), h.scidLen,
    rel(h.token, base), <i64>h.tokenLen, <i64>h.pnOffset, <i64>h.packetLen];
}

/** Parses the packet at `offset` of `dg` (the rest of the datagram). */
export function parse(dg: Uint8Array, offset: i32, shortDcidLen: i32, grease: bool): i64[] {
  const base = dg.dataStart + <usize>offset;
  return fields(parsePacketHeader(base, <usize>(dg.length - offset), shortDcidLen, hdr, grease), base);
}

export function parseInvariant(dg: Uint8Array, offset: i32, shortDcidLen: i32): i64[] {
  const base = dg.dataStart + <usize>offset;
  return fields(parseInvariantHeader(base, <usize>(dg.length - offset), shortDcidLen, hdr), base);
}

// The datagram copied to the very end of linear memory: a read past it traps.
let guardPage: i32 = -1;
function atMemoryEnd(src: Uint8Array): usize {
  if (guardPage != memory.size() - 1) {
    memory.grow(1);
    guardPage = memory.size() - 1;
  }
  const p = (<usize>memory.size() << 16) - <usize>src.length;
  memory.copy(p, src.dataStart, src.length);
  return p;
}

/** parse() on a copy that ends where memory ends. */
export function parseAtMemoryEnd(dg: Uint8Array, shortDcidLen: i32, grease: bool): i64[] {
  const p = atMemoryEnd(dg);
  const rc = parsePacketHeader(p, <usize>dg.length, shortDcidLen, hdr, grease);
  // Reading the version list must stay inside too.
  const n = vnVersionCount(hdr);
  for (let i = 0; i < n; i++) vnVersionAt(hdr, i);
  return fields(rc, p);
}

export function checkRetryAtMemoryEnd(dg: Uint8Array, odcid: Uint8Array): bool {
  return checkRetry(atMemoryEnd(dg), <usize>dg.length, odcid.dataStart, odcid.length, hdr);
}

// ---- keys ----
const keys: PacketKeys[] = [];
export function keysInitial(version: u32, dcid: Uint8Array, client: bool): i32 {
  const k = newInitialKeys(version, dcid.dataStart, dcid.length, client);
  if (k === null) return -1;
  keys.push(k);
  return keys.length - 1;
}
export function keysSecret(alg: i32, version: u32, secret: Uint8Array): i32 {
  keys.push(new PacketKeys(<AeadAlg>alg, version, secret.dataStart));
  return keys.length - 1;
}

export let lastPn: i64 = 0;
/** Unprotects a copy of `pkt`: header + plaintext (tag removed), or null (lastPn holds the error). */
export function unprotect(k: i32, pkt: Uint8Array, pnOffset: i32, largestPn: i64): Uint8Array | null {
  const o = pkt.slice(0);
  lastPn = unprotectPacket(keys[k], o.dataStart, o.length, <usize>pnOffset, largestPn);
  if (lastPn < 0) return null;
  return o.slice(0, o.length - 16);
}

// ---- the builder over one datagram buffer, with a canary past its capacity ----
const CANARY: i32 = 64;
let dg = new Uint8Array(0);
let dgCap: i32 = 0;
const b = new PacketBuilder();

export function dgNew(cap: i32): void {
  b.abandon(); // the packet begun pointed into the old buffer
  dg = new Uint8Array(cap + CANARY);
  dgCap = cap;
  dg.fill(0xee);
}
export function dgBytes(from: i32, to: i32): Uint8Array { return dg.slice(from, to); }
export function dgCanaryIntact(): bool {
  for (let i = dgCap; i < dg.length; i++) if (dg[i] != 0xee) return false;
  return true;
}

export function pbBegin(offset: i32, type: u32, version: u32, dcid: Uint8Array, scid: Uint8Array, token: Uint8Array,
  pn: u64, largestAcked: i64, keyPhase: bool, minPnLen: i32): bool {
  return b.begin(dg.dataStart, <usize>offset, <usize>dgCap, type, version, dcid.dataStart, dcid.length, scid.dataStart, scid.length,
    token.dataStart, <usize>token.length, pn, largestAcked, keyPhase, minPnLen);
}
/** Writes `data` into the payload; a write that does not fit is backed out (false). */
export function pbWrite(data: Uint8Array): bool {
  const w = b.payload;
  const saved = w.len;
  w.bytes(data.dataStart, <usize>data.length);
  if (w.overflow) { w.len = saved; w.overflow = false; return false; }
  return true;
}
export function pbRemaining(): usize { return b.remaining; }
export function pbPayloadCap(): usize { return b.payload.cap; }
export function pbPad(datagramLen: i32): bool { return b.padToDatagram(<usize>datagramLen); }
export function pbFinish(k: i32): usize { return b.finish(keys[k]); }
export function pbAbandon(): void { b.abandon(); }
/** [pnLen, packetStart, pnOffset, headerLen, packetLen, end, active] */
export function pbInfo(): u64[] {
  return [<u64>b.pnLen, b.packetStart, b.pnOffset, b.headerLen, b.packetLen, b.end, b.active ? 1 : 0];
}
/** Moves the payload writer away (a caller misusing it): finish must refuse. */
export function pbMisuse(): void { b.payload.fixed(dg.dataStart, 1); }

// ---- Version Negotiation ----
function staticVersions(v: Uint32Array): StaticArray<u32> {
  const s = new StaticArray<u32>(v.length);
  for (let i = 0; i < v.length; i++) s[i] = v[i];
  return s;
}
export function vnEncode(dcid: Uint8Array, scid: Uint8Array, versions: Uint32Array): Uint8Array | null {
  const w = new Writer(0);
  const n = encodeVersionNegotiation(w, dcid.dataStart, dcid.length, scid.dataStart, scid.length, staticVersions(versions));
  if (n == 0) { w.release(); return null; }
  const out = new Uint8Array(<i32>n);
  memory.copy(out.dataStart, w.buf, n);
  w.release();
  return out;
}
/** Into a fixed buffer of `cap` bytes after `prefix` bytes already written: the length returned. */
export function vnEncodeFixed(cap: i32, prefix: i32, dcid: Uint8Array, scid: Uint8Array, versions: Uint32Array): usize {
  const buf = new Uint8Array(cap);
  const w = new Writer().fixed(buf.dataStart, <usize>cap);
  w.fill(0, <usize>prefix);
  return encodeVersionNegotiation(w, dcid.dataStart, dcid.length, scid.dataStart, scid.length, staticVersions(versions));
}
let lastBase: usize = 0;
export function vnCheck(pkt: Uint8Array, ourDcid: Uint8Array, ourScid: Uint8Array, ourVersion: u32): bool {
  lastBase = pkt.dataStart;
  return checkVersionNegotiation(pkt.dataStart, pkt.length, ourDcid.dataStart, ourDcid.length, ourScid.dataStart, ourScid.length, ourVersion, hdr);
}
/** The version list of the last parse, and whether it lists `v`. */
export function vnVersions(): u32[] {
  const n = vnVersionCount(hdr);
  const out = new Array<u32>(n);
  for (let i = 0; i < n; i++) out[i] = vnVersionAt(hdr, i);
  return out;
}
export function vnLists(v: u32): bool { return vnListsVersion(hdr, v); }
export function vnAt(i: i32): u32 { return vnVersionAt(hdr, i); }

// ---- Retry ----
export function retryEncode(version: u32, dcid: Uint8Array, scid: Uint8Array, token: Uint8Array, odcid: Uint8Array, prefix: i32): Uint8Array | null {
  const w = new Writer(1); // growable, starts tiny: the packet moves while it is written
  w.fill(0x5a, <usize>prefix);
  const n = encodeRetry(w, version, dcid.dataStart, dcid.length, scid.dataStart, scid.length, token.dataStart, <usize>token.length, odcid.dataStart, odcid.length);
  if (n == 0) { w.release(); return null; }
  const out = new Uint8Array(<i32>n);
  memory.copy(out.dataStart, w.buf + <usize>prefix, n);
  w.release();
  return out;
}
export function retryEncodeFixed(cap: i32, version: u32, dcid: Uint8Array, scid: Uint8Array, token: Uint8Array, odcid: Uint8Array): usize {
  const buf = new Uint8Array(cap);
  const w = new Writer().fixed(buf.dataStart, <usize>cap);
  return encodeRetry(w, version, dcid.dataStart, dcid.length, scid.dataStart, scid.length, token.dataStart, <usize>token.length, odcid.dataStart, odcid.length);
}
/** The token of a Retry that checks out (header fields: lastFields), or null. */
export function retryCheck(pkt: Uint8Array, odcid: Uint8Array): Uint8Array | null {
  lastBase = pkt.dataStart;
  if (!checkRetry(pkt.dataStart, pkt.length, odcid.dataStart, odcid.length, hdr)) return null;
  const o = new Uint8Array(<i32>hdr.tokenLen);
  memory.copy(o.dataStart, hdr.token, hdr.tokenLen);
  return o;
}
/** The header fields of the last retryCheck / vnCheck, relative to the packet passed there. */
export function lastFields(): i64[] { return fields(0, lastBase); }
