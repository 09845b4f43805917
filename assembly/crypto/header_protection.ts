// QUIC header protection masks (RFC 9001 §5.4): 5 bytes from a 16-byte
// ciphertext sample.

import { AeadAlg } from "./aead";
import { AesKey, aesEncrypt } from "./aes";
import { chacha20Block } from "./chacha20";

const BLOCK: usize = memory.data(64, 16);

@final
export class HeaderProtection {
  readonly alg: AeadAlg;
  private aes: AesKey | null = null;
  private key: StaticArray<u8> = new StaticArray<u8>(32);

  /** `hpKey` is aeadKeyLen(alg) bytes. */
  constructor(alg: AeadAlg, hpKey: usize) {
    this.alg = alg;
    if (alg != AeadAlg.CHACHA20_POLY1305) this.aes = new AesKey(false); // one block per packet: no bitsliced keys
    this.setKey(hpKey);
  }

  setKey(hpKey: usize): void {
    if (this.alg == AeadAlg.CHACHA20_POLY1305) memory.copy(changetype<usize>(this.key), hpKey, 32);
    else changetype<AesKey>(this.aes).expand(hpKey, this.alg == AeadAlg.AES_256_GCM ? 32 : 16);
  }

  /** Writes the 5-byte mask for the 16-byte `sample` to `out`. */
  mask(sample: usize, out: usize): void {
    if (this.alg == AeadAlg.CHACHA20_POLY1305) {
      // RFC 9001 §5.4.4: counter = sample[0..4] little-endian, nonce = sample[4..16];
      // mask = ChaCha20(hp_key, counter, nonce, {0,0,0,0,0}).
      chacha20Block(changetype<usize>(this.key), load<u32>(sample), sample + 4, BLOCK);
    } else {
      // RFC 9001 §5.4.3: mask = AES-ECB(hp_key, sample).
      v128.store(BLOCK, aesEncrypt(changetype<AesKey>(this.aes), v128.load(sample)));
    }
    store<u32>(out, load<u32>(BLOCK));
    store<u8>(out + 4, load<u8>(BLOCK + 4));
  }

  wipe(): void {
    memory.fill(changetype<usize>(this.key), 0, 32);
    const aes = this.aes;
    if (aes !== null) aes.wipe();
  }
}
