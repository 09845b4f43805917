// Canonical-ABI glue for `interface crypto` (wit/crypto.wit). See abi.ts for the conventions.
//
// Argument lists belong to us once passed: where the result is the same size
// or smaller (aead-open, quic-unprotect) the work happens in the argument's
// own block, which is then handed back as the result list (freed by __post).

import { RET, argFree, postFreeAt, allocList, retListAt } from "./abi";
import { sha256 } from "../crypto/sha256";
import { sha384 } from "../crypto/sha512";
import { HashAlg, hashLen } from "../crypto/hash";
import { hmac } from "../crypto/hmac";
import { hkdfExtract, hkdfExpand, hkdfExpandLabel } from "../crypto/hkdf";
import { Aead, AeadAlg, aeadKeyLen } from "../crypto/aead";
import { HeaderProtection } from "../crypto/header_protection";
import {
  PacketKeys, QUIC_VERSION_2, isSupportedVersion, initialSecrets, protectPacket, unprotectPacket,
  retryIntegrityTag, UNPROTECT_TOO_SHORT, aeadHash,
} from "../quic/protection";

// enum crypto-error (wit order)
const E_BAD_KEY_LENGTH: u8 = 0;
const E_BAD_NONCE_LENGTH: u8 = 1;
const E_OUTPUT_TOO_LONG: u8 = 2;
const E_UNSUPPORTED_VERSION: u8 = 3;
const E_BAD_INPUT: u8 = 4;

/** enum aead-alg discriminant (0, 1, 2) -> AeadAlg (1, 2, 3). */
@inline function algOf(disc: u32): AeadAlg {
  return <AeadAlg>(min<u32>(disc, 2) + 1);
}




/** result<_, crypto-error> error arm: discriminant 1, enum byte at the payload offset. */
@inline function retErr(payloadOff: usize, code: u8): usize {
  store<u8>(RET, 1);
  store<u8>(RET + payloadOff, code);
  return RET;
}

/** Frees the list at `off` when the result at `ret` is ok (discriminant 0). */
@inline function postOkList(ret: usize, off: usize): void {
  if (load<u8>(ret) == 0) postFreeAt(ret, off);
}

// One cached object per algorithm: re-keyed per call, never reallocated.
const aeads = new StaticArray<Aead | null>(4);
const hps = new StaticArray<HeaderProtection | null>(4);
const ZERO_KEY: usize = memory.data(32, 16);

function aeadFor(alg: AeadAlg, key: usize): Aead {
  let a = unchecked(aeads[<i32>alg]);
  if (a === null) { a = new Aead(alg, key); unchecked(aeads[<i32>alg] = a); } else a.setKey(key);
  return a;
}

function hpFor(alg: AeadAlg, key: usize): HeaderProtection {
  let h = unchecked(hps[<i32>alg]);
  if (h === null) { h = new HeaderProtection(alg, key); unchecked(hps[<i32>alg] = h); } else h.setKey(key);
  return h;
}

// (alg, version) -> PacketKeys, re-keyed per call.
const packetKeys = new StaticArray<PacketKeys | null>(8);

function packetKeysFor(alg: AeadAlg, version: u32, secret: usize, updates: u32): PacketKeys {
  const i = (<i32>alg << 1) | (version == QUIC_VERSION_2 ? 1 : 0);
  let k = unchecked(packetKeys[i]);
  if (k === null) { k = new PacketKeys(alg, version, secret); unchecked(packetKeys[i] = k); } else k.setSecret(secret);
  for (let u: u32 = 0; u < updates; u++) k.update();
  return k;
}

// ---- hashes, MAC, KDF ----

export function crypto__sha256(ptr: usize, len: usize): usize {
  const out = allocList(32);
  sha256(ptr, len, out);
  argFree(ptr, len);
  retListAt(0, out, 32);
  return RET;
}
export function crypto__sha256__post(ret: usize): void { postFreeAt(ret, 0); }

export function crypto__sha384(ptr: usize, len: usize): usize {
  const out = allocList(48);
  sha384(ptr, len, out);
  argFree(ptr, len);
  retListAt(0, out, 48);
  return RET;
}
export function crypto__sha384__post(ret: usize): void { postFreeAt(ret, 0); }

export function crypto__hmacSha256(key: usize, keyLen: usize, data: usize, dataLen: usize): usize {
  const out = allocList(32);
  hmac(HashAlg.SHA256, key, keyLen, data, dataLen, out);
  argFree(key, keyLen);
  argFree(data, dataLen);
  retListAt(0, out, 32);
  return RET;
}
export function crypto__hmacSha256__post(ret: usize): void { postFreeAt(ret, 0); }

const PRK: usize = memory.data(64, 16);

export function crypto__hkdfSha256(ikm: usize, ikmLen: usize, salt: usize, saltLen: usize, info: usize, infoLen: usize, length: u32): usize {
  let res = RET;
  if (<usize>length > 255 * 32) {
    res = retErr(4, E_OUTPUT_TOO_LONG);
  } else {
    hkdfExtract(HashAlg.SHA256, salt, saltLen, ikm, ikmLen, PRK);
    const out = allocList(<usize>length);
    hkdfExpand(HashAlg.SHA256, PRK, 32, info, infoLen, out, <usize>length);
    memory.fill(PRK, 0, 64);
    store<u8>(RET, 0);
    retListAt(4, out, <usize>length);
  }
  argFree(ikm, ikmLen);
  argFree(salt, saltLen);
  argFree(info, infoLen);
  return res;
}
export function crypto__hkdfSha256__post(ret: usize): void { postOkList(ret, 4); }

// ---- AEAD ----

/** Checks key and nonce lengths; 0xff when fine, else the error code. */
function checkAead(alg: AeadAlg, keyLen: usize, nonceLen: usize): u8 {
  if (keyLen != <usize>aeadKeyLen(alg)) return E_BAD_KEY_LENGTH;
  if (nonceLen != 12) return E_BAD_NONCE_LENGTH;
  return 0xff;
}

export function crypto__aeadSeal(algDisc: u32, key: usize, keyLen: usize, nonce: usize, nonceLen: usize, aad: usize, aadLen: usize, pt: usize, ptLen: usize): usize {
  const alg = algOf(algDisc);
  const err = checkAead(alg, keyLen, nonceLen);
  let res = RET;
  if (err != 0xff) {
    res = retErr(4, err);
    argFree(pt, ptLen);
  } else {
    // Grow the plaintext's own block by the tag and seal in place.
    const buf = ptLen == 0 ? heap.alloc(16) : heap.realloc(pt, ptLen + 16);
    aeadFor(alg, key).seal(nonce, aad, aadLen, buf, ptLen, buf + ptLen);
    store<u8>(RET, 0);
    retListAt(4, buf, ptLen + 16);
  }
  argFree(key, keyLen);
  argFree(nonce, nonceLen);
  argFree(aad, aadLen);
  return res;
}
export function crypto__aeadSeal__post(ret: usize): void { postOkList(ret, 4); }

export function crypto__aeadOpen(algDisc: u32, key: usize, keyLen: usize, nonce: usize, nonceLen: usize, aad: usize, aadLen: usize, ct: usize, ctLen: usize): usize {
  const alg = algOf(algDisc);
  const err = checkAead(alg, keyLen, nonceLen);
  let res = RET;
  if (err != 0xff) {
    res = retErr(4, err);
    argFree(ct, ctLen);
  } else if (ctLen < 16 || !aeadFor(alg, key).open(nonce, aad, aadLen, ct, ctLen - 16, ct + ctLen - 16)) {
    // ok(none)
    store<u8>(RET, 0);
    store<u8>(RET + 4, 0);
    argFree(ct, ctLen);
  } else {
    store<u8>(RET, 0);
    store<u8>(RET + 4, 1);
    retListAt(8, ct, ctLen - 16); // the argument block, now plaintext
  }
  argFree(key, keyLen);
  argFree(nonce, nonceLen);
  argFree(aad, aadLen);
  return res;
}
export function crypto__aeadOpen__post(ret: usize): void {
  if (load<u8>(ret) == 0 && load<u8>(ret + 4) == 1) postFreeAt(ret, 8);
}

// ---- QUIC packet protection ----

export function crypto__quicInitialSecrets(version: u32, dcid: usize, dcidLen: usize): usize {
  let res = RET;
  const c = heap.alloc(32), s = heap.alloc(32);
  if (!initialSecrets(version, dcid, dcidLen, c, s)) {
    heap.free(c); heap.free(s);
    res = retErr(4, E_UNSUPPORTED_VERSION);
  } else {
    store<u8>(RET, 0);
    retListAt(4, c, 32);
    retListAt(12, s, 32);
  }
  argFree(dcid, dcidLen);
  return res;
}
export function crypto__quicInitialSecrets__post(ret: usize): void {
  if (load<u8>(ret) == 0) { postFreeAt(ret, 4); postFreeAt(ret, 12); }
}

export function crypto__quicPacketKeys(algDisc: u32, version: u32, secret: usize, secretLen: usize): usize {
  const alg = algOf(algDisc);
  const h = aeadHash(alg);
  const sl = <usize>hashLen(h);
  let res = RET;
  if (!isSupportedVersion(version)) res = retErr(4, E_UNSUPPORTED_VERSION);
  else if (secretLen != sl) res = retErr(4, E_BAD_KEY_LENGTH);
  else {
    const v2 = version == QUIC_VERSION_2;
    const kl = <usize>aeadKeyLen(alg);
    const key = heap.alloc(kl), iv = heap.alloc(12), hp = heap.alloc(kl), next = heap.alloc(sl);
    hkdfExpandLabel(h, secret, sl, v2 ? "quicv2 key" : "quic key", ZERO_KEY, 0, key, kl);
    hkdfExpandLabel(h, secret, sl, v2 ? "quicv2 iv" : "quic iv", ZERO_KEY, 0, iv, 12);
    hkdfExpandLabel(h, secret, sl, v2 ? "quicv2 hp" : "quic hp", ZERO_KEY, 0, hp, kl);
    hkdfExpandLabel(h, secret, sl, v2 ? "quicv2 ku" : "quic ku", ZERO_KEY, 0, next, sl);
    store<u8>(RET, 0);
    retListAt(4, key, kl);
    retListAt(12, iv, 12);
    retListAt(20, hp, kl);
    retListAt(28, next, sl);
  }
  argFree(secret, secretLen);
  return res;
}
export function crypto__quicPacketKeys__post(ret: usize): void {
  if (load<u8>(ret) == 0) { postFreeAt(ret, 4); postFreeAt(ret, 12); postFreeAt(ret, 20); postFreeAt(ret, 28); }
}

/** Common checks for quic-protect / quic-unprotect; 0xff when fine. */
function checkQuic(alg: AeadAlg, version: u32, secretLen: usize): u8 {
  if (!isSupportedVersion(version)) return E_UNSUPPORTED_VERSION;
  if (secretLen != <usize>hashLen(aeadHash(alg))) return E_BAD_KEY_LENGTH;
  return 0xff;
}

export function crypto__quicProtect(algDisc: u32, version: u32, secret: usize, secretLen: usize, updates: u32, pkt: usize, pktLen: usize, pnOffset: u32, pn: u64): usize {
  const alg = algOf(algDisc);
  let err = checkQuic(alg, version, secretLen);
  let res = RET;
  if (err == 0xff) {
    const off = <usize>pnOffset;
    const pnLen: usize = pktLen > off ? <usize>(load<u8>(pkt) & 3) + 1 : 0;
    if (pnLen == 0 || off + pnLen > pktLen || pktLen - off < 4 || updates > 1000) {
      err = E_BAD_INPUT;
    } else {
      const buf = heap.realloc(pkt, pktLen + 16);
      pkt = 0;
      const keys = packetKeysFor(alg, version, secret, updates);
      protectPacket(keys, buf, off, pnLen, pktLen - off - pnLen, pn);
      store<u8>(RET, 0);
      retListAt(4, buf, pktLen + 16);
    }
  }
  if (err != 0xff) { res = retErr(4, err); argFree(pkt, pktLen); }
  argFree(secret, secretLen);
  return res;
}
export function crypto__quicProtect__post(ret: usize): void { postOkList(ret, 4); }

export function crypto__quicUnprotect(algDisc: u32, version: u32, secret: usize, secretLen: usize, updates: u32, pkt: usize, pktLen: usize, pnOffset: u32, largestPn: i64): usize {
  const alg = algOf(algDisc);
  let err = checkQuic(alg, version, secretLen);
  if (err == 0xff && updates > 1000) err = E_BAD_INPUT;
  let res = RET;
  if (err == 0xff) {
    const keys = packetKeysFor(alg, version, secret, updates);
    const pn = unprotectPacket(keys, pkt, pktLen, <usize>pnOffset, largestPn < -1 ? -1 : largestPn);
    if (pn == UNPROTECT_TOO_SHORT) {
      err = E_BAD_INPUT;
    } else if (pn < 0) {
      store<u8>(RET, 0);
      store<u8>(RET + 8, 0); // ok(none)
      argFree(pkt, pktLen);
    } else {
      const hdrLen = <usize>pnOffset + <usize>(load<u8>(pkt) & 3) + 1;
      store<u8>(RET, 0);
      store<u8>(RET + 8, 1);
      store<u64>(RET + 16, <u64>pn);
      store<u32>(RET + 24, <u32>hdrLen);
      retListAt(28, pkt, pktLen - 16);
    }
  }
  if (err != 0xff) { res = retErr(8, err); argFree(pkt, pktLen); }
  argFree(secret, secretLen);
  return res;
}
export function crypto__quicUnprotect__post(ret: usize): void {
  if (load<u8>(ret) == 0 && load<u8>(ret + 8) == 1) postFreeAt(ret, 28);
}

export function crypto__quicRetryTag(version: u32, odcid: usize, odcidLen: usize, retry: usize, retryLen: usize): usize {
  let res = RET;
  if (!isSupportedVersion(version)) res = retErr(4, E_UNSUPPORTED_VERSION);
  else if (odcidLen > 255) res = retErr(4, E_BAD_INPUT);
  else {
    const out = heap.alloc(16);
    retryIntegrityTag(version, odcid, odcidLen, retry, retryLen, out);
    store<u8>(RET, 0);
    retListAt(4, out, 16);
  }
  argFree(odcid, odcidLen);
  argFree(retry, retryLen);
  return res;
}
export function crypto__quicRetryTag__post(ret: usize): void { postOkList(ret, 4); }

export function crypto__quicHeaderMask(algDisc: u32, key: usize, keyLen: usize, sample: usize, sampleLen: usize): usize {
  const alg = algOf(algDisc);
  let res = RET;
  if (keyLen != <usize>aeadKeyLen(alg)) res = retErr(4, E_BAD_KEY_LENGTH);
  else if (sampleLen != 16) res = retErr(4, E_BAD_INPUT);
  else {
    const out = heap.alloc(5);
    hpFor(alg, key).mask(sample, out);
    store<u8>(RET, 0);
    retListAt(4, out, 5);
  }
  argFree(key, keyLen);
  argFree(sample, sampleLen);
  return res;
}
export function crypto__quicHeaderMask__post(ret: usize): void { postOkList(ret, 4); }

// ---- benchmarks: the loops run inside the core ----

const BENCH_HDR: usize = 13; // short header: first byte, 8-byte DCID, 4-byte packet number
let benchBuf: usize = 0;
let benchOrig: usize = 0;
let benchCap: usize = 0;
const BENCH_SECRET: usize = memory.data(48, 16);

/**
 * Bench loops: a count above BENCH_MAX_COUNT is clamped (a boundary value
 * must not hold the instance for hours), a size above BENCH_MAX_SIZE too
 * (RFC 9000 §14: no QUIC packet is larger; and BENCH_HDR + size + 16 must
 * not wrap in wasm32 arithmetic, which made a 2^32-1 size write out of bounds).
 */
const BENCH_MAX_COUNT: u32 = 1 << 16;
const BENCH_MAX_SIZE: usize = 65536;
@inline function benchCount(n: u32): u32 { return n > BENCH_MAX_COUNT ? BENCH_MAX_COUNT : n; }
@inline function benchSize(n: u32): usize { return <usize>min<u32>(max<u32>(n, 4), <u32>BENCH_MAX_SIZE); }

function benchKeys(alg: AeadAlg): PacketKeys {
  memory.fill(BENCH_SECRET, 0x42, 48);
  return packetKeysFor(alg, 1, BENCH_SECRET, 0);
}

function benchPacket(size: usize): usize {
  const need = BENCH_HDR + size + 16;
  if (need > benchCap) {
    if (benchBuf != 0) { heap.free(benchBuf); heap.free(benchOrig); }
    benchBuf = heap.alloc(need);
    benchOrig = heap.alloc(need);
    benchCap = need;
  }
  const p = benchBuf;
  store<u8>(p, 0x43);
  memory.fill(p + 1, 0xab, 8);
  memory.fill(p + BENCH_HDR, 0x5a, size);
  return p;
}

export function crypto__benchProtect(algDisc: u32, count: u32, size: u32): u32 {
  const keys = benchKeys(algOf(algDisc));
  const sz = benchSize(size);
  count = benchCount(count);
  const p = benchPacket(sz);
  let sum: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    store<u8>(p, 0x43);
    store<u32>(p + 9, bswap<u32>(i));
    protectPacket(keys, p, 9, 4, sz, <u64>i);
    sum += <u32>load<u8>(p + BENCH_HDR + sz + 15);
  }
  return sum;
}

export function crypto__benchUnprotect(algDisc: u32, count: u32, size: u32): u32 {
  const keys = benchKeys(algOf(algDisc));
  const sz = benchSize(size);
  count = benchCount(count);
  const p = benchPacket(sz);
  const total = BENCH_HDR + sz + 16;
  store<u32>(p + 9, bswap<u32>(7));
  protectPacket(keys, p, 9, 4, sz, 7);
  memory.copy(benchOrig, p, total);
  let ok: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    memory.copy(p, benchOrig, total);
    if (unprotectPacket(keys, p, total, 9, 6) == 7) ok++;
  }
  return ok;
}

export function crypto__benchHeaderMask(algDisc: u32, count: u32): u32 {
  const keys = benchKeys(algOf(algDisc));
  count = benchCount(count);
  const sample = benchPacket(16) + BENCH_HDR;
  const out = sample + 16;
  let sum: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(sample, i);
    keys.hp.mask(sample, out);
    sum += <u32>load<u8>(out);
  }
  return sum;
}
