// RSA signature verification (RFC 8017): RSAVP1 (§5.2.2) by Montgomery
// exponentiation on u32 limbs (bignum.ts), then EMSA-PSS (§9.1.2, MGF1 §B.2.1)
// or EMSA-PKCS1-v1_5 (§9.2) with SHA-256 or SHA-384. Everything here is public
// data (a signature, a public key, a digest), so it is variable time.
//
// Moduli of 2048 to 4096 bits, any odd public exponent 3 <= e < n. The
// Montgomery constant R^2 mod n of the last modulus is cached, so a chain
// verified against the same key pays for it once.

import {
  BN_MAX_LIMBS, bnFromBytesBE, bnToBytesBE, bnMontMul, bnMontR2, bnCmp, montInv32, bnBitLen,
} from "./bignum";
import { sha256 } from "./sha256";
import { sha384 } from "./sha512";

const MIN_BITS: i32 = 2048;
const MAX_BITS: i32 = 4096;
const MAX_BYTES: i32 = MAX_BITS / 8;

const LIMB_BYTES: i32 = BN_MAX_LIMBS * 4;
const NL: usize = memory.data(LIMB_BYTES, 8);   // n, limbs
const SL: usize = memory.data(LIMB_BYTES, 8);   // s, then s R
const AL: usize = memory.data(LIMB_BYTES, 8);   // accumulator
const ONE: usize = memory.data(LIMB_BYTES, 8);
const EM: usize = memory.data(MAX_BYTES, 8);    // encoded message
const CACHE_N: usize = memory.data(LIMB_BYTES, 8);
const CACHE_R2: usize = memory.data(LIMB_BYTES, 8);
let cacheLimbs: i32 = 0;

// Skips leading zero bytes of a big-endian integer: returns how many.
function leadingZeros(p: usize, len: usize): usize {
  let i: usize = 0;
  while (i < len && load<u8>(p + i) == 0) i++;
  return i;
}

/**
 * RSAVP1 (RFC 8017 §5.2.2) into EM: m = s^e mod n as k bytes, k = byte length
 * of n. Returns k, or 0 when the key or the signature is unacceptable:
 * modulus outside 2048..4096 bits or even, e even or < 3 or >= n, signature
 * length != k (§8.1.2 / §8.2.2 step 1), s >= n (§5.2.2 step 1).
 */
function rsavp1(n: usize, nLen: usize, e: usize, eLen: usize, sig: usize, sigLen: usize): i32 {
  // the modulus may arrive with the sign octet of its DER INTEGER
  const nz = leadingZeros(n, nLen);
  n += nz; nLen -= nz;
  const ez = leadingZeros(e, eLen);
  e += ez; eLen -= ez;
  if (nLen == 0 || nLen > <usize>MAX_BYTES || eLen == 0 || eLen > nLen) return 0;
  const k = <i32>nLen;
  if (<usize>sigLen != nLen) return 0;
  const limbs = (k + 3) >> 2;
  bnFromBytesBE(NL, limbs, n, k);
  const bits = bnBitLen(NL, limbs);
  if (bits < MIN_BITS || bits > MAX_BITS) return 0;
  if ((load<u32>(NL) & 1) == 0) return 0;
  if ((load<u8>(e + eLen - 1) & 1) == 0) return 0;
  if (eLen == 1 && load<u8>(e) < 3) return 0;
  if (eLen == nLen && bnCmpBytes(e, n, nLen) >= 0) return 0;
  // s < n
  bnFromBytesBE(SL, limbs, sig, k);
  if (bnCmp(SL, NL, limbs) >= 0) return 0;

  const m0inv = montInv32(load<u32>(NL));
  const nbytes = <usize>limbs << 2;
  if (cacheLimbs != limbs || memory.compare(CACHE_N, NL, nbytes) != 0) {
    bnMontR2(CACHE_R2, NL, limbs, m0inv);
    memory.copy(CACHE_N, NL, nbytes);
    cacheLimbs = limbs;
  }
  // s R, then left-to-right square-and-multiply over the bits of e
  bnMontMul(SL, SL, CACHE_R2, NL, limbs, m0inv);
  memory.copy(AL, SL, nbytes);
  let started = false;
  for (let i: usize = 0; i < eLen; i++) {
    const byte = <u32>load<u8>(e + i);
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >> <u32>b) & 1;
      if (!started) { started = bit != 0; continue; } // the top bit: AL = s R already
      bnMontMul(AL, AL, AL, NL, limbs, m0inv);
      if (bit != 0) bnMontMul(AL, AL, SL, NL, limbs, m0inv);
    }
  }
  memory.fill(ONE, 0, nbytes);
  store<u32>(ONE, 1);
  bnMontMul(AL, AL, ONE, NL, limbs, m0inv);
  // I2OSP(m, k)
  bnToBytesBE(EM, k, AL, limbs);
  return k;
}

function bnCmpBytes(a: usize, b: usize, len: usize): i32 {
  for (let i: usize = 0; i < len; i++) {
    const x = load<u8>(a + i), y = load<u8>(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// RFC 8017 §9.2 note 1: DigestInfo prefixes.
const DI_SHA256: usize = memory.data<u8>([0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]);
const DI_SHA384: usize = memory.data<u8>([0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]);
const DI_LEN: usize = 19;

// EMSA-PKCS1-v1_5 (RFC 8017 §9.2) checked against EM in place:
// EM = 0x00 ‖ 0x01 ‖ PS (0xff ...) ‖ 0x00 ‖ DigestInfo prefix ‖ H
function pkcs1Check(k: i32, prefix: usize, digest: usize, hLen: usize): bool {
  const tLen = DI_LEN + hLen;
  if (<usize>k < tLen + 11) return false; // §9.2 step 3: "intended encoded message length too short"
  const psEnd = <usize>k - tLen - 1;
  let diff: u32 = load<u8>(EM) | (load<u8>(EM, 1) ^ 0x01);
  for (let i: usize = 2; i < psEnd; i++) diff |= load<u8>(EM + i) ^ 0xff;
  diff |= load<u8>(EM + psEnd);
  for (let i: usize = 0; i < DI_LEN; i++) diff |= load<u8>(EM + psEnd + 1 + i) ^ load<u8>(prefix + i);
  for (let i: usize = 0; i < hLen; i++) diff |= load<u8>(EM + psEnd + 1 + DI_LEN + i) ^ load<u8>(digest + i);
  return diff == 0;
}

/** RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) with SHA-256: msgDigest32 = SHA-256(M). */
export function rsaPkcs1Sha256Verify(n: usize, nLen: usize, e: usize, eLen: usize, msgDigest32: usize, sig: usize, sigLen: usize): bool {
  const k = rsavp1(n, nLen, e, eLen, sig, sigLen);
  return k != 0 && pkcs1Check(k, DI_SHA256, msgDigest32, 32);
}

/** RSASSA-PKCS1-v1_5 verification with SHA-384: msgDigest48 = SHA-384(M). */
export function rsaPkcs1Sha384Verify(n: usize, nLen: usize, e: usize, eLen: usize, msgDigest48: usize, sig: usize, sigLen: usize): bool {
  const k = rsavp1(n, nLen, e, eLen, sig, sigLen);
  return k != 0 && pkcs1Check(k, DI_SHA384, msgDigest48, 48);
}

const HBUF: usize = memory.data(64, 8);
const MPRIME: usize = memory.data(8 + 48 + MAX_BYTES, 8);
const SEED: usize = memory.data(48 + 4, 8);

@inline function hashInto(hLen: usize, p: usize, len: usize, out: usize): void {
  if (hLen == 32) sha256(p, len, out);
  else sha384(p, len, out);
}

/** Salt length "whatever the signature holds" (OpenSSL's RSA_PSS_SALTLEN_AUTO). */
export const PSS_SALT_AUTO: i32 = -1;

// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) on EM (k bytes) with MGF1 over the same hash.
function pssCheck(k: i32, modBits: i32, mHash: usize, hLen: usize, sLen: i32): bool {
  const emBits = modBits - 1;
  const emLen = <usize>((emBits + 7) >> 3);
  // §8.1.2 step 2c: I2OSP(m, emLen) fails when m needs k bytes and emLen = k - 1
  let em = EM;
  if (emLen < <usize>k) {
    if (load<u8>(EM) != 0) return false;
    em = EM + 1;
  }
  // step 3
  if (sLen < -1 || (sLen >= 0 && emLen < hLen + <usize>sLen + 2) || emLen < hLen + 2) return false;
  // step 4
  if (load<u8>(em + emLen - 1) != 0xbc) return false;
  // step 5
  const dbLen = emLen - hLen - 1;
  const h = em + dbLen;
  // step 6
  const topBits = <u32>(8 * <i32>emLen - emBits);
  const topMask = <u8>(0xff00 >> topBits); // the leftmost topBits bits
  if ((load<u8>(em) & topMask) != 0) return false;
  // steps 7-8: DB = maskedDB xor MGF1(H, dbLen), in place (EM is ours)
  memory.copy(SEED, h, hLen);
  let counter: u32 = 0;
  for (let off: usize = 0; off < dbLen; off += hLen) {
    store<u32>(SEED + hLen, bswap<u32>(counter++));
    hashInto(hLen, SEED, hLen + 4, HBUF);
    const n = dbLen - off < hLen ? dbLen - off : hLen;
    for (let i: usize = 0; i < n; i++) store<u8>(em + off + i, load<u8>(em + off + i) ^ load<u8>(HBUF + i));
  }
  // step 9
  store<u8>(em, load<u8>(em) & ~topMask);
  // step 10: DB = PS (zeros) ‖ 0x01 ‖ salt
  let i: usize = 0;
  while (i < dbLen && load<u8>(em + i) == 0) i++;
  if (i == dbLen || load<u8>(em + i) != 0x01) return false;
  const saltLen = dbLen - i - 1;
  if (sLen >= 0 && saltLen != <usize>sLen) return false;
  // steps 11-13: M' = (0x00)^8 ‖ mHash ‖ salt; H' = Hash(M')
  memory.fill(MPRIME, 0, 8);
  memory.copy(MPRIME + 8, mHash, hLen);
  memory.copy(MPRIME + 8 + hLen, em + i + 1, saltLen);
  hashInto(hLen, MPRIME, 8 + hLen + saltLen, HBUF);
  // step 14
  let diff: u32 = 0;
  for (let j: usize = 0; j < hLen; j++) diff |= load<u8>(HBUF + j) ^ load<u8>(h + j);
  return diff == 0;
}

/**
 * RSASSA-PSS verification (RFC 8017 §8.1.2) with SHA-256 and MGF1-SHA-256:
 * msgDigest32 = SHA-256(M); saltLen the expected salt length (TLS 1.3, RFC
 * 8446 §4.2.3: equal to the digest length), or PSS_SALT_AUTO (-1) to accept any.
 */
export function rsaPssSha256Verify(n: usize, nLen: usize, e: usize, eLen: usize, msgDigest32: usize, sig: usize, sigLen: usize, saltLen: i32): bool {
  const k = rsavp1(n, nLen, e, eLen, sig, sigLen);
  return k != 0 && pssCheck(k, bnBitLen(NL, (k + 3) >> 2), msgDigest32, 32, saltLen);
}

/** RSASSA-PSS verification with SHA-384 and MGF1-SHA-384: msgDigest48 = SHA-384(M). */
export function rsaPssSha384Verify(n: usize, nLen: usize, e: usize, eLen: usize, msgDigest48: usize, sig: usize, sigLen: usize, saltLen: i32): bool {
  const k = rsavp1(n, nLen, e, eLen, sig, sigLen);
  return k != 0 && pssCheck(k, bnBitLen(NL, (k + 3) >> 2), msgDigest48, 48, saltLen);
}
