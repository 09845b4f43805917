// The AEADs of TLS 1.3 / QUIC: AES-128-GCM, AES-256-GCM (NIST SP 800-38D)
// and ChaCha20-Poly1305 (RFC 8439 §2.8). 12-byte nonces, 16-byte tags.
// Data is encrypted/decrypted in place; `open` verifies the tag (constant
// time, ct.ts) before it touches the data, so a forgery leaves it unchanged.

import { AesKey, aesCtr32, aesEncrypt } from "./aes";
import { Ghash } from "./ghash";
import { chacha20Block, chacha20Xor } from "./chacha20";
import { Poly1305 } from "./poly1305";
import { ctEqual } from "./ct";

export enum AeadAlg { AES_128_GCM = 1, AES_256_GCM = 2, CHACHA20_POLY1305 = 3 }

export const AEAD_TAG_LEN: usize = 16;
export const AEAD_NONCE_LEN: usize = 12;

/** Key length in bytes: 16 for AES-128-GCM, 32 for the others; 0 for an unknown alg. */
export function aeadKeyLen(alg: AeadAlg): i32 {
  switch (alg) {
    case AeadAlg.AES_128_GCM: return 16;
    case AeadAlg.AES_256_GCM: return 32;
    case AeadAlg.CHACHA20_POLY1305: return 32;
    default: return 0;
  }
}

// Scratch: a computed tag, the one-time Poly1305 key block, the GCM length block.
const TAG: usize = memory.data(16, 16);
const OTK: usize = memory.data(64, 16);
const LENS: usize = memory.data(16, 16);

@final
export class Aead {
  readonly alg: AeadAlg;
  private aes: AesKey | null = null;
  private ghash: Ghash | null = null;
  private poly: Poly1305 | null = null;
  /** ChaCha20 key (32 bytes) or GCM's H (first 16 bytes). */
  private key: StaticArray<u8> = new StaticArray<u8>(32);

  constructor(alg: AeadAlg, key: usize) {
    this.alg = alg;
    if (alg == AeadAlg.CHACHA20_POLY1305) {
      this.poly = new Poly1305();
    } else {
      this.aes = new AesKey();
      this.ghash = new Ghash();
    }
    this.setKey(key);
  }

  /** Re-keys without allocating (QUIC key update, RFC 9001 §6); aeadKeyLen(alg) bytes at `key`. */
  setKey(key: usize): void {
    const k = changetype<usize>(this.key);
    if (this.alg == AeadAlg.CHACHA20_POLY1305) {
      memory.copy(k, key, 32);
      return;
    }
    const aes = changetype<AesKey>(this.aes);
    aes.expand(key, this.alg == AeadAlg.AES_256_GCM ? 32 : 16);
    // SP 800-38D §7.1 step 1: H = CIPH_K(0^128).
    v128.store(k, aesEncrypt(aes, i64x2.splat(0)));
    changetype<Ghash>(this.ghash).setKey(k);
  }

  /** Encrypts `dataLen` bytes at `data` in place and writes the 16-byte tag to `tagOut`. */
  seal(nonce: usize, aad: usize, aadLen: usize, data: usize, dataLen: usize, tagOut: usize): void {
    if (this.alg == AeadAlg.CHACHA20_POLY1305) {
      chacha20Xor(changetype<usize>(this.key), 1, nonce, data, data, dataLen);
      this.polyTag(nonce, aad, aadLen, data, dataLen, tagOut);
    } else {
      const j0 = gcmJ0(nonce);
      aesCtr32(changetype<AesKey>(this.aes), i32x4.replace_lane(j0, 3, bswap<u32>(2)), data, data, dataLen);
      this.gcmTag(j0, aad, aadLen, data, dataLen, tagOut);
    }
  }

  /**
   * Verifies `tag` over `aad` and the ciphertext at `data`, then decrypts in
   * place. Returns false (data untouched) when authentication fails.
   */
  open(nonce: usize, aad: usize, aadLen: usize, data: usize, dataLen: usize, tag: usize): bool {
    if (this.alg == AeadAlg.CHACHA20_POLY1305) {
      this.polyTag(nonce, aad, aadLen, data, dataLen, TAG);
      if (!ctEqual(TAG, tag, 16)) return false;
      chacha20Xor(changetype<usize>(this.key), 1, nonce, data, data, dataLen);
      return true;
    }
    const j0 = gcmJ0(nonce);
    this.gcmTag(j0, aad, aadLen, data, dataLen, TAG);
    if (!ctEqual(TAG, tag, 16)) return false;
    aesCtr32(changetype<AesKey>(this.aes), i32x4.replace_lane(j0, 3, bswap<u32>(2)), data, data, dataLen);
    return true;
  }

  /** SP 800-38D §7.1 steps 5-6: T = GCTR(J0, GHASH(A pad || C pad || [len A]64 || [len C]64)). */
  private gcmTag(j0: v128, aad: usize, aadLen: usize, ct: usize, ctLen: usize, out: usize): void {
    const g = changetype<Ghash>(this.ghash);
    g.reset();
    g.updatePadded(aad, aadLen);
    g.updatePadded(ct, ctLen);
    g.updateLengths(<u64>aadLen << 3, <u64>ctLen << 3);
    g.finish(out);
    v128.store(out, v128.xor(v128.load(out), aesEncrypt(changetype<AesKey>(this.aes), j0)));
  }

  /** RFC 8439 §2.8: one-time key from block 0; MAC over aad | pad16 | ct | pad16 | le64 lens. */
  private polyTag(nonce: usize, aad: usize, aadLen: usize, ct: usize, ctLen: usize, out: usize): void {
    chacha20Block(changetype<usize>(this.key), 0, nonce, OTK);
    const p = changetype<Poly1305>(this.poly);
    p.init(OTK);
    p.updatePadded(aad, aadLen);
    p.updatePadded(ct, ctLen);
    store<u64>(LENS, <u64>aadLen);
    store<u64>(LENS + 8, <u64>ctLen);
    p.update(LENS, 16);
    p.finish(out);
    memory.fill(OTK, 0, 64);
  }

  wipe(): void {
    memory.fill(changetype<usize>(this.key), 0, 32);
    const aes = this.aes;
    if (aes !== null) aes.wipe();
    const p = this.poly;
    if (p !== null) p.wipe();
  }
}

/** SP 800-38D §7.1 step 2: with a 96-bit IV, J0 = IV || 0^31 || 1. */
@inline function gcmJ0(nonce: usize): v128 {
  let v = i64x2.splat(load<u64>(nonce));
  v = i32x4.replace_lane(v, 2, load<u32>(nonce, 8));
  return i32x4.replace_lane(v, 3, bswap<u32>(1));
}
