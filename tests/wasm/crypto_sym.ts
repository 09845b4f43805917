// Test entry: exposes the symmetric half of assembly/crypto/ and
// assembly/quic/protection.ts to tests/crypto/*.test.ts and tests/quic/protection.test.ts.
import { HashAlg, newHash, Hash } from "../../assembly/crypto/hash";
import { sha256 } from "../../assembly/crypto/sha256";
import { sha384, sha512 } from "../../assembly/crypto/sha512";
import { hmac, Hmac } from "../../assembly/crypto/hmac";
import { hkdfExtract, hkdfExpand, hkdfExpandLabel } from "../../assembly/crypto/hkdf";
import { ctEqual } from "../../assembly/crypto/ct";
export { cabi_realloc } from "../../assembly/api/abi";

function bytes(n: i32): Uint8Array { return new Uint8Array(n); }

export function testSha256(d: Uint8Array): Uint8Array { const o = bytes(32); sha256(d.dataStart, d.length, o.dataStart); return o; }
export function testSha384(d: Uint8Array): Uint8Array { const o = bytes(48); sha384(d.dataStart, d.length, o.dataStart); return o; }
export function testSha512(d: Uint8Array): Uint8Array { const o = bytes(64); sha512(d.dataStart, d.length, o.dataStart); return o; }

/** Hashes `d` fed in pieces of the given sizes (cycled), clones midway and feeds both: both must give the full digest. */
export function testHashChunked(alg: i32, d: Uint8Array, chunk: i32): Uint8Array {
  const h = newHash(<HashAlg>alg);
  let off = 0;
  let cl: Hash | null = null;
  while (off < d.length) {
    const n = min(chunk, d.length - off);
    h.update(d.dataStart + off, n);
    if (cl !== null) cl.update(d.dataStart + off, n);
    off += n;
    if (cl === null && off >= d.length >> 1) cl = h.clone();
  }
  const o = bytes(h.outLen * 2);
  h.finish(o.dataStart);
  if (cl !== null) cl.finish(o.dataStart + h.outLen); else { h.reset(); h.update(d.dataStart, d.length); h.finish(o.dataStart + h.outLen); }
  return o;
}

/** Hashes `count` copies of byte `b` (FIPS million-'a' vector) in 1000-byte updates. */
export function testHashRepeat(alg: i32, b: u8, count: i32): Uint8Array {
  const h = newHash(<HashAlg>alg);
  const buf = bytes(1000); buf.fill(b);
  let left = count;
  while (left > 0) { const n = min(1000, left); h.update(buf.dataStart, n); left -= n; }
  const o = bytes(h.outLen); h.finish(o.dataStart); return o;
}

export function testHmac(alg: i32, key: Uint8Array, data: Uint8Array): Uint8Array {
  const o = bytes(alg == 1 ? 48 : 32);
  hmac(<HashAlg>alg, key.dataStart, key.length, data.dataStart, data.length, o.dataStart);
  return o;
}

/** Incremental Hmac object: two messages under one key, concatenated MACs. */
export function testHmacObject(alg: i32, key: Uint8Array, d1: Uint8Array, d2: Uint8Array): Uint8Array {
  const h = new Hmac(<HashAlg>alg, key.dataStart, key.length);
  const o = bytes(h.outLen * 2);
  h.update(d1.dataStart, d1.length); h.finish(o.dataStart);
  const half = d2.length >> 1;
  h.update(d2.dataStart, half); h.update(d2.dataStart + half, d2.length - half); h.finish(o.dataStart + h.outLen);
  return o;
}

export function testHkdfExtract(alg: i32, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  const o = bytes(alg == 1 ? 48 : 32);
  hkdfExtract(<HashAlg>alg, salt.dataStart, salt.length, ikm.dataStart, ikm.length, o.dataStart);
  return o;
}

export function testHkdfExpand(alg: i32, prk: Uint8Array, info: Uint8Array, len: i32): Uint8Array | null {
  const o = bytes(len);
  if (!hkdfExpand(<HashAlg>alg, prk.dataStart, prk.length, info.dataStart, info.length, o.dataStart, len)) return null;
  return o;
}

export function testHkdfExpandLabel(alg: i32, secret: Uint8Array, label: string, ctx: Uint8Array, len: i32): Uint8Array | null {
  const o = bytes(len);
  if (!hkdfExpandLabel(<HashAlg>alg, secret.dataStart, secret.length, label, ctx.dataStart, ctx.length, o.dataStart, len)) return null;
  return o;
}

export function testCtEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  return ctEqual(a.dataStart, b.dataStart, a.length);
}

// ---- AEADs, ciphers, header protection ----
import { Aead, AeadAlg } from "../../assembly/crypto/aead";
import { AesKey, aesEncryptBlock } from "../../assembly/crypto/aes";
import { chacha20Block, chacha20Xor } from "../../assembly/crypto/chacha20";
import { Poly1305 } from "../../assembly/crypto/poly1305";
import { Ghash } from "../../assembly/crypto/ghash";
import { HeaderProtection } from "../../assembly/crypto/header_protection";

export function testAesBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const k = new AesKey(); k.expand(key.dataStart, key.length);
  const o = bytes(16); aesEncryptBlock(k, block.dataStart, o.dataStart); return o;
}

export function testGhash(h: Uint8Array, data: Uint8Array): Uint8Array {
  const g = new Ghash(); g.setKey(h.dataStart); g.updatePadded(data.dataStart, data.length);
  const o = bytes(16); g.finish(o.dataStart); return o;
}

export function testChachaBlock(key: Uint8Array, counter: u32, nonce: Uint8Array): Uint8Array {
  const o = bytes(64); chacha20Block(key.dataStart, counter, nonce.dataStart, o.dataStart); return o;
}

export function testChachaXor(key: Uint8Array, counter: u32, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  const o = bytes(data.length); chacha20Xor(key.dataStart, counter, nonce.dataStart, data.dataStart, o.dataStart, data.length); return o;
}

/** Poly1305 with the message fed in pieces of `chunk` bytes. */
export function testPoly1305(key: Uint8Array, msg: Uint8Array, chunk: i32): Uint8Array {
  const p = new Poly1305(); p.init(key.dataStart);
  let off = 0;
  while (off < msg.length) { const n = min(chunk, msg.length - off); p.update(msg.dataStart + off, n); off += n; }
  const o = bytes(16); p.finish(o.dataStart); return o;
}

/** Seal: returns ciphertext || tag; the input array is copied first. */
export function testSeal(alg: i32, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const a = new Aead(<AeadAlg>alg, key.dataStart);
  const o = bytes(pt.length + 16);
  memory.copy(o.dataStart, pt.dataStart, pt.length);
  a.seal(nonce.dataStart, aad.dataStart, aad.length, o.dataStart, pt.length, o.dataStart + pt.length);
  return o;
}

/** Open: ciphertext || tag in; plaintext, or null. Checks that a failed open left the data unchanged. */
export function testOpen(alg: i32, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array): Uint8Array | null {
  if (ctTag.length < 16) return null;
  const a = new Aead(<AeadAlg>alg, key.dataStart);
  const n = ctTag.length - 16;
  const o = bytes(n);
  memory.copy(o.dataStart, ctTag.dataStart, n);
  if (!a.open(nonce.dataStart, aad.dataStart, aad.length, o.dataStart, n, ctTag.dataStart + n)) {
    for (let i = 0; i < n; i++) if (o[i] != ctTag[i]) return bytes(1); // data changed: sentinel of length 1
    return null;
  }
  return o;
}

export function testHpMask(alg: i32, key: Uint8Array, sample: Uint8Array): Uint8Array {
  const hp = new HeaderProtection(<AeadAlg>alg, key.dataStart);
  const o = bytes(5); hp.mask(sample.dataStart, o.dataStart); return o;
}

// ---- QUIC packet protection ----
import {
  PacketKeys, newInitialKeys, initialSecrets, protectPacket, unprotectPacket, removeHeaderProtection, decryptPayload,
} from "../../assembly/quic/protection";
import { PacketNumberField, decodePacketNumber, packetNumberLength } from "../../assembly/quic/packet_number";
import { retryIntegrityTag, verifyRetryIntegrity } from "../../assembly/quic/retry";

export function testInitialSecrets(version: u32, dcid: Uint8Array): Uint8Array | null {
  const o = bytes(64);
  if (!initialSecrets(version, dcid.dataStart, dcid.length, o.dataStart, o.dataStart + 32)) return null;
  return o;
}

function keysFor(alg: i32, version: u32, secret: Uint8Array, updates: i32): PacketKeys {
  const k = new PacketKeys(<AeadAlg>alg, version, secret.dataStart);
  for (let i = 0; i < updates; i++) k.update();
  return k;
}

function buildAndProtect(k: PacketKeys, header: Uint8Array, pnOffset: i32, payload: Uint8Array, pn: u64): Uint8Array | null {
  const o = bytes(header.length + payload.length + 16);
  memory.copy(o.dataStart, header.dataStart, header.length);
  memory.copy(o.dataStart + header.length, payload.dataStart, payload.length);
  const pnLen = header.length - pnOffset;
  if (!protectPacket(k, o.dataStart, pnOffset, pnLen, payload.length, pn)) return null;
  return o;
}

/** `header` ends with the truncated packet number (pnOffset..end). */
export function testProtect(alg: i32, version: u32, secret: Uint8Array, updates: i32, header: Uint8Array, pnOffset: i32, payload: Uint8Array, pn: u64): Uint8Array | null {
  return buildAndProtect(keysFor(alg, version, secret, updates), header, pnOffset, payload, pn);
}

export function testProtectInitial(version: u32, dcid: Uint8Array, client: bool, header: Uint8Array, pnOffset: i32, payload: Uint8Array, pn: u64): Uint8Array | null {
  const k = newInitialKeys(version, dcid.dataStart, dcid.length, client);
  if (k === null) return null;
  return buildAndProtect(k, header, pnOffset, payload, pn);
}

export let lastPn: i64 = 0;

/** Returns the unprotected packet without its tag (header + plaintext) or null; sets lastPn (or the error code). */
export function testUnprotect(alg: i32, version: u32, secret: Uint8Array, updates: i32, packet: Uint8Array, pnOffset: i32, largestPn: i64): Uint8Array | null {
  const k = keysFor(alg, version, secret, updates);
  const o = bytes(packet.length);
  memory.copy(o.dataStart, packet.dataStart, packet.length);
  lastPn = unprotectPacket(k, o.dataStart, o.length, pnOffset, largestPn);
  if (lastPn < 0) return null;
  return o.slice(0, o.length - 16);
}

export function testUnprotectInitial(version: u32, dcid: Uint8Array, client: bool, packet: Uint8Array, pnOffset: i32, largestPn: i64): Uint8Array | null {
  const k = newInitialKeys(version, dcid.dataStart, dcid.length, client);
  if (k === null) return null;
  const o = bytes(packet.length);
  memory.copy(o.dataStart, packet.dataStart, packet.length);
  lastPn = unprotectPacket(k, o.dataStart, o.length, pnOffset, largestPn);
  if (lastPn < 0) return null;
  return o.slice(0, o.length - 16);
}

/**
 * Key update as a receiver does it: header protection is removed once, then the
 * current phase's keys fail and a next-phase object made with setNextOf / clone opens it.
 * Returns the plaintext payload or null.
 */
export function testKeyUpdateReceive(alg: i32, version: u32, secret: Uint8Array, packet: Uint8Array, pnOffset: i32): Uint8Array | null {
  const cur = keysFor(alg, version, secret, 0);
  const o = bytes(packet.length);
  memory.copy(o.dataStart, packet.dataStart, packet.length);
  const field = new PacketNumberField();
  const pnLen = removeHeaderProtection(cur.hp, o.dataStart, o.length, pnOffset, field);
  if (pnLen == 0) return null;
  const pn = decodePacketNumber(-1, field.truncated, <u32>pnLen * 8);
  const hdr = <usize>(pnOffset + pnLen);
  if (decryptPayload(cur, o.dataStart, o.length, hdr, pn)) return null; // must fail under the old phase
  const next = keysFor(alg, version, secret, 0);
  next.setNextOf(cur);
  const copy = next.clone();
  if (!decryptPayload(copy, o.dataStart, o.length, hdr, pn)) return null;
  return o.slice(<i32>hdr, o.length - 16);
}

export function testDecodePn(largest: i64, truncated: u64, nbits: u32): u64 { return decodePacketNumber(largest, truncated, nbits); }
export function testPnLength(full: u64, largestAcked: i64): i32 { return packetNumberLength(full, largestAcked); }

export function testRetryTag(version: u32, odcid: Uint8Array, retry: Uint8Array): Uint8Array | null {
  const o = bytes(16);
  if (!retryIntegrityTag(version, odcid.dataStart, odcid.length, retry.dataStart, retry.length, o.dataStart)) return null;
  return o;
}

export function testVerifyRetry(version: u32, odcid: Uint8Array, packet: Uint8Array): bool {
  return verifyRetryIntegrity(version, odcid.dataStart, odcid.length, packet.dataStart, packet.length);
}
