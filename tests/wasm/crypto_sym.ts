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
