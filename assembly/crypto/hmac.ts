// HMAC (RFC 2104, FIPS 198-1) over SHA-256 / SHA-384.

import { Hash, HashAlg, newHash } from "./hash";

// Scratch for the padded key block and the inner digest (never reentrant).
const PAD: usize = memory.data(128, 16);
const INNER: usize = memory.data(64, 16);

/**
 * A keyed HMAC. The ipad/opad states are computed once by the constructor
 * (or `rekey`); `reset` restarts a message with the same key, so HKDF and the
 * TLS Finished computation reuse one object without allocating.
 */
export class Hmac {
  readonly alg: HashAlg;
  readonly outLen: i32;
  private ipad: Hash;
  private opad: Hash;
  private work: Hash;

  constructor(alg: HashAlg, key: usize, keyLen: usize) {
    this.alg = alg;
    this.ipad = newHash(alg);
    this.opad = newHash(alg);
    this.work = newHash(alg);
    this.outLen = this.work.outLen;
    this.rekey(key, keyLen);
  }

  /** RFC 2104 §2: K0 = key (hashed first if longer than a block), then ipad 0x36 / opad 0x5c. */
  rekey(key: usize, keyLen: usize): void {
    const B = <usize>this.work.blockLen;
    memory.fill(PAD, 0, B);
    if (keyLen > B) {
      const h = this.work;
      h.reset();
      h.update(key, keyLen);
      h.finish(PAD);
    } else {
      memory.copy(PAD, key, keyLen);
    }
    for (let i: usize = 0; i < B; i += 8) store<u64>(PAD + i, load<u64>(PAD + i) ^ 0x3636363636363636);
    this.ipad.reset();
    this.ipad.update(PAD, B);
    for (let i: usize = 0; i < B; i += 8) store<u64>(PAD + i, load<u64>(PAD + i) ^ (0x3636363636363636 ^ 0x5c5c5c5c5c5c5c5c));
    this.opad.reset();
    this.opad.update(PAD, B);
    memory.fill(PAD, 0, B);
    this.work.copyFrom(this.ipad);
  }

  /** Starts a new message under the same key. */
  reset(): void {
    this.work.copyFrom(this.ipad);
  }

  update(ptr: usize, len: usize): void {
    this.work.update(ptr, len);
  }

  /** Writes the MAC (outLen bytes) to `out` and resets for the next message. */
  finish(out: usize): void {
    const w = this.work;
    w.finish(INNER);
    w.copyFrom(this.opad);
    w.update(INNER, <usize>this.outLen);
    w.finish(out);
    w.copyFrom(this.ipad);
  }
}

let cached256: Hmac | null = null;
let cached384: Hmac | null = null;

/** The per-algorithm Hmac object the one-shot functions reuse (keyed by the caller). */
export function sharedHmac(alg: HashAlg, key: usize, keyLen: usize): Hmac {
  if (alg == HashAlg.SHA384) {
    let h = cached384;
    if (h === null) { h = new Hmac(alg, key, keyLen); cached384 = h; } else h.rekey(key, keyLen);
    return h;
  }
  let h = cached256;
  if (h === null) { h = new Hmac(alg, key, keyLen); cached256 = h; } else h.rekey(key, keyLen);
  return h;
}

/** One-shot HMAC: hashLen(alg) bytes to `out`. `out` may alias the inputs. */
export function hmac(alg: HashAlg, key: usize, keyLen: usize, data: usize, dataLen: usize, out: usize): void {
  const h = sharedHmac(alg, key, keyLen);
  h.update(data, dataLen);
  h.finish(out);
}
