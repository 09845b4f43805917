// Test entry: exposes the public-key half of assembly/crypto/ to tests/crypto/*.test.ts.
export { cabi_realloc } from "../../assembly/api/abi";
import { x25519 as x25519Raw, x25519Base as x25519BaseRaw } from "../../assembly/crypto/x25519";

/** X25519(k, u), or null when the result is all zero. */
export function x25519(k: Uint8Array, u: Uint8Array): Uint8Array | null {
  if (k.length != 32 || u.length != 32) return null;
  const out = new Uint8Array(32);
  return x25519Raw(out.dataStart, k.dataStart, u.dataStart) ? out : null;
}

export function x25519Base(k: Uint8Array): Uint8Array | null {
  if (k.length != 32) return null;
  const out = new Uint8Array(32);
  x25519BaseRaw(out.dataStart, k.dataStart);
  return out;
}

/** RFC 7748 §5.2 iterated test: k, u <- X25519(k, u), k, `n` times. */
export function x25519Iterate(n: i32): Uint8Array {
  const k = new Uint8Array(32), u = new Uint8Array(32), out = new Uint8Array(32);
  k[0] = 9; u[0] = 9;
  for (let i = 0; i < n; i++) {
    x25519Raw(out.dataStart, k.dataStart, u.dataStart);
    memory.copy(u.dataStart, k.dataStart, 32);
    memory.copy(k.dataStart, out.dataStart, 32);
  }
  return k;
}

import {
  p256PublicKey as p256PublicKeyRaw, p256Ecdh as p256EcdhRaw, ecdsaP256SignDigest, ecdsaP256SignDigestWithNonce,
  ecdsaP256VerifyDigest, ecdsaP256SignDigestDeterministic, rfc6979Nonce,
} from "../../assembly/crypto/p256";

/** r ‖ s with the RFC 6979 nonce (no randomness), or null. */
export function ecdsaSignDigestDeterministic(priv: Uint8Array, digest: Uint8Array): Uint8Array | null {
  if (priv.length != 32 || digest.length != 32) return null;
  const out = new Uint8Array(64);
  return ecdsaP256SignDigestDeterministic(out.dataStart, priv.dataStart, digest.dataStart) ? out : null;
}

/** The RFC 6979 nonce k for (priv, digest). */
export function nonce6979(priv: Uint8Array, digest: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  rfc6979Nonce(out.dataStart, priv.dataStart, digest.dataStart, 0, 0);
  return out;
}

export function p256PublicKey(priv: Uint8Array): Uint8Array | null {
  if (priv.length != 32) return null;
  const out = new Uint8Array(65);
  return p256PublicKeyRaw(out.dataStart, priv.dataStart) ? out : null;
}

export function p256Ecdh(priv: Uint8Array, pub: Uint8Array): Uint8Array | null {
  if (priv.length != 32) return null;
  const out = new Uint8Array(32);
  return p256EcdhRaw(out.dataStart, priv.dataStart, pub.dataStart, <usize>pub.length) ? out : null;
}

/** r ‖ s over a 32-byte digest (random nonce), or null. */
export function ecdsaSignDigest(priv: Uint8Array, digest: Uint8Array): Uint8Array | null {
  if (priv.length != 32 || digest.length != 32) return null;
  const out = new Uint8Array(64);
  return ecdsaP256SignDigest(out.dataStart, priv.dataStart, digest.dataStart) ? out : null;
}

/** r ‖ s with a given nonce k (known-answer tests), or null. */
export function ecdsaSignDigestWithNonce(priv: Uint8Array, digest: Uint8Array, k: Uint8Array): Uint8Array | null {
  if (priv.length != 32 || digest.length != 32 || k.length != 32) return null;
  const out = new Uint8Array(64);
  return ecdsaP256SignDigestWithNonce(out.dataStart, priv.dataStart, digest.dataStart, k.dataStart) ? out : null;
}

export function ecdsaVerifyDigest(pub: Uint8Array, digest: Uint8Array, rs: Uint8Array): bool {
  if (digest.length != 32 || rs.length != 64) return false;
  return ecdsaP256VerifyDigest(pub.dataStart, <usize>pub.length, digest.dataStart, rs.dataStart);
}


import { ecdsaSigToDer, ecdsaSigFromDer } from "../../assembly/crypto/ecdsa_der";
import { Writer } from "../../assembly/wire/writer";

export function sigToDer(rs: Uint8Array): Uint8Array | null {
  if (rs.length != 64) return null;
  const w = new Writer();
  ecdsaSigToDer(rs.dataStart, w);
  const out = new Uint8Array(<i32>w.len);
  memory.copy(out.dataStart, w.buf, w.len);
  w.release();
  return out;
}

export function sigFromDer(der: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(64);
  return ecdsaSigFromDer(der.dataStart, <usize>der.length, out.dataStart) ? out : null;
}

import { rsaPssSha256Verify, rsaPkcs1Sha256Verify, rsaPssSha384Verify, rsaPkcs1Sha384Verify } from "../../assembly/crypto/rsa";

/** RSA verification on a digest: hash 256 or 384; pss false = PKCS#1 v1.5. */
export function rsaVerifyDigest(hash: i32, pss: bool, n: Uint8Array, e: Uint8Array, digest: Uint8Array, sig: Uint8Array, saltLen: i32): bool {
  const hl = hash == 384 ? 48 : 32;
  if (digest.length != hl) return false;
  const np = n.dataStart, nl = <usize>n.length, ep = e.dataStart, el = <usize>e.length;
  const sp = sig.dataStart, sl = <usize>sig.length;
  if (hash == 384) {
    return pss ? rsaPssSha384Verify(np, nl, ep, el, digest.dataStart, sp, sl, saltLen) : rsaPkcs1Sha384Verify(np, nl, ep, el, digest.dataStart, sp, sl);
  }
  return pss ? rsaPssSha256Verify(np, nl, ep, el, digest.dataStart, sp, sl, saltLen) : rsaPkcs1Sha256Verify(np, nl, ep, el, digest.dataStart, sp, sl);
}
