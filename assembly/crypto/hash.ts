// The hash interface TLS and HKDF use: SHA-256 and SHA-384 (RFC 8446 §B.4
// cipher suites need exactly these two).

import { Sha256 } from "./sha256";
import { Sha384 } from "./sha512";

export enum HashAlg { SHA256 = 0, SHA384 = 1 }

/** Output length in bytes: 32 for SHA-256, 48 for SHA-384. */
export function hashLen(alg: HashAlg): i32 {
  return alg == HashAlg.SHA384 ? 48 : 32;
}

/** Block length in bytes: 64 for SHA-256, 128 for SHA-384. */
export function hashBlockLen(alg: HashAlg): i32 {
  return alg == HashAlg.SHA384 ? 128 : 64;
}

/** An incremental hash. `finish` leaves the object needing `reset` before reuse. */
export abstract class Hash {
  outLen: i32 = 0;
  blockLen: i32 = 0;
  abstract reset(): void;
  abstract update(ptr: usize, len: usize): void;
  abstract finish(out: usize): void;
  abstract clone(): Hash;
  /** Makes this hash's state a copy of `other` (same algorithm); allocates nothing. */
  abstract copyFrom(other: Hash): void;
}

export function newHash(alg: HashAlg): Hash {
  if (alg == HashAlg.SHA384) return new Sha384();
  return new Sha256();
}
