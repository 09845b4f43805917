// The public-key functions of `interface crypto` (wit/crypto.wit), re-exported
// by crypto.ts; the canonical-ABI shims are generated (gen/crypto.ts).

import { Bytes } from "./abi";
import {
  PkError, BytesOrPkError,
} from "./gen/crypto_types";
import { Writer } from "../wire/writer";
import { x25519 as x25519Ladder, x25519Base } from "../crypto/x25519";
import { p256PublicKey as p256Public, p256PrivateKeyValid, p256Ecdh as p256SharedX, ecdsaP256SignDigest, ecdsaP256VerifyDigest } from "../crypto/p256";
import { ecdsaSigToDer, ecdsaSigFromDer } from "../crypto/ecdsa_der";
import { rsaPssSha256Verify as rsaPss, rsaPkcs1Sha256Verify as rsaPkcs1 } from "../crypto/rsa";
import { sha256 } from "../crypto/sha256";
import { ed25519Verify as ed25519 } from "../crypto/ed25519";

const OUT: usize = memory.data(80, 8);
const DIGEST: usize = memory.data(32, 8);
const RS: usize = memory.data(64, 8);
const derWriter = new Writer(80);

/** A copy of the first `len` bytes of OUT, then OUT is wiped (it held secret-derived bytes). */
function takeOut(len: usize): Bytes {
  const b = Bytes.copyOf(OUT, len);
  memory.fill(OUT, 0, 80);
  return b;
}

export function x25519(scalar: Bytes, u: Bytes): BytesOrPkError {
  if (scalar.len != 32 || u.len != 32) return BytesOrPkError.err(PkError.BadLength);
  // RFC 7748 §6.1: an all-zero shared secret (a small-order u) is refused
  if (!x25519Ladder(OUT, scalar.ptr, u.ptr)) { memory.fill(OUT, 0, 32); return BytesOrPkError.err(PkError.ZeroSharedSecret); }
  return BytesOrPkError.ok(takeOut(32));
}

export function x25519PublicKey(scalar: Bytes): BytesOrPkError {
  if (scalar.len != 32) return BytesOrPkError.err(PkError.BadLength);
  x25519Base(OUT, scalar.ptr);
  return BytesOrPkError.ok(takeOut(32));
}

export function p256PublicKey(privateKey: Bytes): BytesOrPkError {
  if (privateKey.len != 32) return BytesOrPkError.err(PkError.BadLength);
  if (!p256Public(OUT, privateKey.ptr)) return BytesOrPkError.err(PkError.InvalidPrivateKey);
  return BytesOrPkError.ok(takeOut(65));
}

export function p256Ecdh(privateKey: Bytes, publicKey: Bytes): BytesOrPkError {
  if (privateKey.len != 32) return BytesOrPkError.err(PkError.BadLength);
  if (!p256PrivateKeyValid(privateKey.ptr)) return BytesOrPkError.err(PkError.InvalidPrivateKey);
  if (!p256SharedX(OUT, privateKey.ptr, publicKey.ptr, publicKey.len)) { memory.fill(OUT, 0, 80); return BytesOrPkError.err(PkError.InvalidPublicKey); }
  return BytesOrPkError.ok(takeOut(32));
}

export function ecdsaP256Sign(privateKey: Bytes, message: Bytes): BytesOrPkError {
  if (privateKey.len != 32) return BytesOrPkError.err(PkError.BadLength);
  sha256(message.ptr, message.len, DIGEST);
  if (!p256PrivateKeyValid(privateKey.ptr) || !ecdsaP256SignDigest(RS, privateKey.ptr, DIGEST)) return BytesOrPkError.err(PkError.InvalidPrivateKey);
  derWriter.clear();
  ecdsaSigToDer(RS, derWriter);
  return BytesOrPkError.ok(Bytes.copyOf(derWriter.buf, derWriter.len));
}

export function ecdsaP256Verify(publicKey: Bytes, message: Bytes, signature: Bytes): bool {
  if (!ecdsaSigFromDer(signature.ptr, signature.len, RS)) return false;
  sha256(message.ptr, message.len, DIGEST);
  return ecdsaP256VerifyDigest(publicKey.ptr, publicKey.len, DIGEST, RS);
}

export function rsaPssSha256Verify(n: Bytes, e: Bytes, message: Bytes, signature: Bytes, saltLength: i32): bool {
  sha256(message.ptr, message.len, DIGEST);
  return rsaPss(n.ptr, n.len, e.ptr, e.len, DIGEST, signature.ptr, signature.len, saltLength);
}

export function rsaPkcs1Sha256Verify(n: Bytes, e: Bytes, message: Bytes, signature: Bytes): bool {
  sha256(message.ptr, message.len, DIGEST);
  return rsaPkcs1(n.ptr, n.len, e.ptr, e.len, DIGEST, signature.ptr, signature.len);
}

export function ed25519Verify(publicKey: Bytes, message: Bytes, signature: Bytes): bool {
  return publicKey.len == 32 && signature.len == 64 && ed25519(publicKey.ptr, message.ptr, message.len, signature.ptr);
}
