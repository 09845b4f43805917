// Canonical-ABI glue for the public-key functions of `interface crypto`
// (wit/crypto.wit). See abi.ts for the conventions.
//
// result<list<u8>, pk-error>: discriminant at RET, payload at RET+4 (the list
// (ptr, len) or the enum's u8).

import { RET, argFree, retCopyAt, postFreeAt } from "./abi";
import { Writer } from "../wire/writer";
import { x25519, x25519Base } from "../crypto/x25519";
import { p256PublicKey, p256PrivateKeyValid, p256Ecdh, ecdsaP256SignDigest, ecdsaP256VerifyDigest } from "../crypto/p256";
import { ecdsaSigToDer, ecdsaSigFromDer } from "../crypto/ecdsa_der";
import { rsaPssSha256Verify, rsaPkcs1Sha256Verify } from "../crypto/rsa";
import { sha256 } from "../crypto/sha256";

// enum pk-error
const BAD_LENGTH: u8 = 0;
const INVALID_PRIVATE_KEY: u8 = 1;
const INVALID_PUBLIC_KEY: u8 = 2;
const ZERO_SHARED_SECRET: u8 = 3;

const OUT: usize = memory.data(80, 8);
const DIGEST: usize = memory.data(32, 8);
const RS: usize = memory.data(64, 8);
const derWriter = new Writer(80);

function retErr(e: u8): usize {
  store<u8>(RET, 1);
  store<u8>(RET + 4, e);
  return RET;
}

function retOk(src: usize, len: usize): usize {
  store<u8>(RET, 0);
  retCopyAt(4, src, len);
  return RET;
}

/** Frees the list of an ok result<list<u8>, pk-error>. */
function postResult(ret: usize): void {
  if (load<u8>(ret) == 0) postFreeAt(ret, 4);
}

export function crypto__x25519(k: usize, kLen: usize, u: usize, uLen: usize): usize {
  let res: usize;
  if (kLen != 32 || uLen != 32) res = retErr(BAD_LENGTH);
  else if (!x25519(OUT, k, u)) res = retErr(ZERO_SHARED_SECRET);
  else res = retOk(OUT, 32);
  memory.fill(OUT, 0, 32);
  argFree(k, kLen);
  argFree(u, uLen);
  return res;
}
export function crypto__x25519__post(ret: usize): void { postResult(ret); }

export function crypto__x25519PublicKey(k: usize, kLen: usize): usize {
  let res: usize;
  if (kLen != 32) res = retErr(BAD_LENGTH);
  else { x25519Base(OUT, k); res = retOk(OUT, 32); }
  argFree(k, kLen);
  return res;
}
export function crypto__x25519PublicKey__post(ret: usize): void { postResult(ret); }

export function crypto__p256PublicKey(d: usize, dLen: usize): usize {
  let res: usize;
  if (dLen != 32) res = retErr(BAD_LENGTH);
  else if (!p256PublicKey(OUT, d)) res = retErr(INVALID_PRIVATE_KEY);
  else res = retOk(OUT, 65);
  argFree(d, dLen);
  return res;
}
export function crypto__p256PublicKey__post(ret: usize): void { postResult(ret); }

export function crypto__p256Ecdh(d: usize, dLen: usize, q: usize, qLen: usize): usize {
  let res: usize;
  if (dLen != 32) res = retErr(BAD_LENGTH);
  else if (!p256PrivateKeyValid(d)) res = retErr(INVALID_PRIVATE_KEY);
  else if (!p256Ecdh(OUT, d, q, qLen)) res = retErr(INVALID_PUBLIC_KEY);
  else res = retOk(OUT, 32);
  memory.fill(OUT, 0, 80);
  argFree(d, dLen);
  argFree(q, qLen);
  return res;
}
export function crypto__p256Ecdh__post(ret: usize): void { postResult(ret); }

export function crypto__ecdsaP256Sign(d: usize, dLen: usize, msg: usize, msgLen: usize): usize {
  let res: usize;
  if (dLen != 32) res = retErr(BAD_LENGTH);
  else {
    sha256(msg, msgLen, DIGEST);
    if (!p256PrivateKeyValid(d) || !ecdsaP256SignDigest(RS, d, DIGEST)) res = retErr(INVALID_PRIVATE_KEY);
    else {
      derWriter.clear();
      ecdsaSigToDer(RS, derWriter);
      res = retOk(derWriter.buf, derWriter.len);
    }
  }
  argFree(d, dLen);
  argFree(msg, msgLen);
  return res;
}
export function crypto__ecdsaP256Sign__post(ret: usize): void { postResult(ret); }

export function crypto__ecdsaP256Verify(q: usize, qLen: usize, msg: usize, msgLen: usize, sig: usize, sigLen: usize): bool {
  let ok = ecdsaSigFromDer(sig, sigLen, RS);
  if (ok) {
    sha256(msg, msgLen, DIGEST);
    ok = ecdsaP256VerifyDigest(q, qLen, DIGEST, RS);
  }
  argFree(q, qLen);
  argFree(msg, msgLen);
  argFree(sig, sigLen);
  return ok;
}

export function crypto__rsaPssSha256Verify(n: usize, nLen: usize, e: usize, eLen: usize, msg: usize, msgLen: usize, sig: usize, sigLen: usize, saltLen: i32): bool {
  sha256(msg, msgLen, DIGEST);
  const ok = rsaPssSha256Verify(n, nLen, e, eLen, DIGEST, sig, sigLen, saltLen);
  argFree(n, nLen);
  argFree(e, eLen);
  argFree(msg, msgLen);
  argFree(sig, sigLen);
  return ok;
}

export function crypto__rsaPkcs1Sha256Verify(n: usize, nLen: usize, e: usize, eLen: usize, msg: usize, msgLen: usize, sig: usize, sigLen: usize): bool {
  sha256(msg, msgLen, DIGEST);
  const ok = rsaPkcs1Sha256Verify(n, nLen, e, eLen, DIGEST, sig, sigLen);
  argFree(n, nLen);
  argFree(e, eLen);
  argFree(msg, msgLen);
  argFree(sig, sigLen);
  return ok;
}
