// `interface crypto` (wit/crypto.wit): hashes, HMAC/HKDF, the AEADs and QUIC
// packet protection; the public-key functions are in crypto_pk.ts. The
// canonical-ABI shims are generated (gen/crypto.ts).
//
// Argument blocks belong to the call: where the result is the same size or
// larger (aead-seal, quic-protect) or smaller (aead-open, quic-unprotect) the
// work happens in the argument's own block, which is then handed back as the
// result (`take()`).

import { Bytes } from "./abi";
import {
  AeadAlg as WitAeadAlg, CryptoError, InitialSecrets, PacketKeys as WitPacketKeys, UnprotectedPacket,
  BytesOrCryptoError, OptionBytesOrCryptoError, InitialSecretsOrCryptoError, PacketKeysOrCryptoError,
  OptionUnprotectedPacketOrCryptoError,
} from "./gen/crypto_types";
import { sha256 as sha256Digest } from "../crypto/sha256";
import { sha384 as sha384Digest } from "../crypto/sha512";
import { HashAlg, hashLen } from "../crypto/hash";
import { hmac } from "../crypto/hmac";
import { hkdfExtract, hkdfExpand, hkdfExpandLabel } from "../crypto/hkdf";
import { Aead, AeadAlg, aeadKeyLen } from "../crypto/aead";
import { HeaderProtection } from "../crypto/header_protection";
import { PacketKeys, initialSecrets, protectPacket, unprotectPacket, UNPROTECT_TOO_SHORT, aeadHash } from "../quic/protection";
import { QUIC_VERSION_2, isSupportedVersion, keyLabel, ivLabel, hpLabel, kuLabel } from "../quic/version";
import { retryIntegrityTag } from "../quic/retry";

export {
  x25519, x25519PublicKey, p256PublicKey, p256Ecdh, ecdsaP256Sign, ecdsaP256Verify,
  rsaPssSha256Verify, rsaPkcs1Sha256Verify, ed25519Verify,
} from "./crypto_pk";

/** WIT aead-alg (and dev.bench-alg, same order: 0, 1, 2) -> AeadAlg (1, 2, 3). */
@inline export function algOf(alg: i32): AeadAlg {
  return <AeadAlg>(min<u32>(<u32>alg, 2) + 1);
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

/** Keys for (alg, version) from `secret` after `updates` key updates (also used by dev.ts's loops). */
export function packetKeysFor(alg: AeadAlg, version: u32, secret: usize, updates: u32): PacketKeys {
  const i = (<i32>alg << 1) | (version == QUIC_VERSION_2 ? 1 : 0);
  let k = unchecked(packetKeys[i]);
  if (k === null) { k = new PacketKeys(alg, version, secret); unchecked(packetKeys[i] = k); } else k.setSecret(secret);
  for (let u: u32 = 0; u < updates; u++) k.update();
  return k;
}

/** wit/crypto.wit: at most 1000 key updates are derived on the fly. */
const MAX_KEY_UPDATES: u32 = 1000;

// ---- hashes, MAC, KDF ----

export function sha256(data: Bytes): Bytes {
  const out = Bytes.alloc(32);
  sha256Digest(data.ptr, data.len, out.ptr);
  return out;
}

export function sha384(data: Bytes): Bytes {
  const out = Bytes.alloc(48);
  sha384Digest(data.ptr, data.len, out.ptr);
  return out;
}

export function hmacSha256(key: Bytes, data: Bytes): Bytes {
  const out = Bytes.alloc(32);
  hmac(HashAlg.SHA256, key.ptr, key.len, data.ptr, data.len, out.ptr);
  return out;
}

const PRK: usize = memory.data(64, 16);

export function hkdfSha256(ikm: Bytes, salt: Bytes, info: Bytes, length: u32): BytesOrCryptoError {
  // RFC 5869 §2.3: L <= 255*HashLen
  if (<usize>length > 255 * 32) return BytesOrCryptoError.err(CryptoError.OutputTooLong);
  hkdfExtract(HashAlg.SHA256, salt.ptr, salt.len, ikm.ptr, ikm.len, PRK);
  const out = Bytes.alloc(<usize>length);
  hkdfExpand(HashAlg.SHA256, PRK, 32, info.ptr, info.len, out.ptr, <usize>length);
  memory.fill(PRK, 0, 64);
  return BytesOrCryptoError.ok(out);
}

// ---- AEAD ----

/** Checks key and nonce lengths; -1 when fine, else the error. */
function checkAead(alg: AeadAlg, key: Bytes, nonce: Bytes): i32 {
  if (key.len != <usize>aeadKeyLen(alg)) return CryptoError.BadKeyLength;
  if (nonce.len != 12) return CryptoError.BadNonceLength;
  return -1;
}

export function aeadSeal(witAlg: WitAeadAlg, key: Bytes, nonce: Bytes, aad: Bytes, plaintext: Bytes): BytesOrCryptoError {
  const alg = algOf(witAlg);
  const err = checkAead(alg, key, nonce);
  if (err >= 0) return BytesOrCryptoError.err(<CryptoError>err);
  // Grow the plaintext's own block by the tag and seal in place.
  const ptLen = plaintext.len;
  const buf = ptLen == 0 ? heap.alloc(16) : heap.realloc(plaintext.take(), ptLen + 16);
  aeadFor(alg, key.ptr).seal(nonce.ptr, aad.ptr, aad.len, buf, ptLen, buf + ptLen);
  return BytesOrCryptoError.ok(Bytes.own(buf, ptLen + 16));
}

export function aeadOpen(witAlg: WitAeadAlg, key: Bytes, nonce: Bytes, aad: Bytes, ciphertextAndTag: Bytes): OptionBytesOrCryptoError {
  const alg = algOf(witAlg);
  const err = checkAead(alg, key, nonce);
  if (err >= 0) return OptionBytesOrCryptoError.err(<CryptoError>err);
  const ct = ciphertextAndTag.ptr, ctLen = ciphertextAndTag.len;
  if (ctLen < 16 || !aeadFor(alg, key.ptr).open(nonce.ptr, aad.ptr, aad.len, ct, ctLen - 16, ct + ctLen - 16)) {
    return OptionBytesOrCryptoError.ok(null);
  }
  // the argument block, now plaintext
  return OptionBytesOrCryptoError.ok(Bytes.own(ciphertextAndTag.take(), ctLen - 16));
}

// ---- QUIC packet protection ----

export function quicInitialSecrets(version: u32, dcid: Bytes): InitialSecretsOrCryptoError {
  const c = Bytes.alloc(32), s = Bytes.alloc(32);
  if (!initialSecrets(version, dcid.ptr, dcid.len, c.ptr, s.ptr)) {
    heap.free(c.ptr); heap.free(s.ptr);
    return InitialSecretsOrCryptoError.err(CryptoError.UnsupportedVersion);
  }
  return InitialSecretsOrCryptoError.ok(new InitialSecrets(c, s));
}

export function quicPacketKeys(witAlg: WitAeadAlg, version: u32, secret: Bytes): PacketKeysOrCryptoError {
  const alg = algOf(witAlg);
  const h = aeadHash(alg);
  const sl = <usize>hashLen(h);
  if (!isSupportedVersion(version)) return PacketKeysOrCryptoError.err(CryptoError.UnsupportedVersion);
  if (secret.len != sl) return PacketKeysOrCryptoError.err(CryptoError.BadKeyLength);
  const kl = <usize>aeadKeyLen(alg);
  const key = Bytes.alloc(kl), iv = Bytes.alloc(12), hp = Bytes.alloc(kl), next = Bytes.alloc(sl);
  // RFC 9001 §5.1, RFC 9369 §3.3.2: the labels
  hkdfExpandLabel(h, secret.ptr, sl, keyLabel(version), ZERO_KEY, 0, key.ptr, kl);
  hkdfExpandLabel(h, secret.ptr, sl, ivLabel(version), ZERO_KEY, 0, iv.ptr, 12);
  hkdfExpandLabel(h, secret.ptr, sl, hpLabel(version), ZERO_KEY, 0, hp.ptr, kl);
  hkdfExpandLabel(h, secret.ptr, sl, kuLabel(version), ZERO_KEY, 0, next.ptr, sl);
  return PacketKeysOrCryptoError.ok(new WitPacketKeys(key, iv, hp, next));
}

/** Common checks for quic-protect / quic-unprotect; -1 when fine. */
function checkQuic(alg: AeadAlg, version: u32, secret: Bytes, updates: u32): i32 {
  if (!isSupportedVersion(version)) return CryptoError.UnsupportedVersion;
  if (secret.len != <usize>hashLen(aeadHash(alg))) return CryptoError.BadKeyLength;
  if (updates > MAX_KEY_UPDATES) return CryptoError.BadInput;
  return -1;
}

export function quicProtect(witAlg: WitAeadAlg, version: u32, secret: Bytes, keyUpdates: u32, packet: Bytes, pnOffset: u32, packetNumber: u64): BytesOrCryptoError {
  const alg = algOf(witAlg);
  const err = checkQuic(alg, version, secret, keyUpdates);
  if (err >= 0) return BytesOrCryptoError.err(<CryptoError>err);
  const off = <usize>pnOffset, pktLen = packet.len;
  const pnLen: usize = pktLen > off ? <usize>(load<u8>(packet.ptr) & 3) + 1 : 0;
  // RFC 9001 §5.4.2: the sample starts 4 bytes after the packet number's start
  if (pnLen == 0 || off + pnLen > pktLen || pktLen - off < 4) return BytesOrCryptoError.err(CryptoError.BadInput);
  const buf = heap.realloc(packet.take(), pktLen + 16);
  const keys = packetKeysFor(alg, version, secret.ptr, keyUpdates);
  protectPacket(keys, buf, off, pnLen, pktLen - off - pnLen, packetNumber);
  return BytesOrCryptoError.ok(Bytes.own(buf, pktLen + 16));
}

export function quicUnprotect(witAlg: WitAeadAlg, version: u32, secret: Bytes, keyUpdates: u32, packet: Bytes, pnOffset: u32, largestPn: i64): OptionUnprotectedPacketOrCryptoError {
  const alg = algOf(witAlg);
  const err = checkQuic(alg, version, secret, keyUpdates);
  if (err >= 0) return OptionUnprotectedPacketOrCryptoError.err(<CryptoError>err);
  const keys = packetKeysFor(alg, version, secret.ptr, keyUpdates);
  const pkt = packet.ptr, pktLen = packet.len;
  const pn = unprotectPacket(keys, pkt, pktLen, <usize>pnOffset, largestPn < -1 ? -1 : largestPn);
  if (pn == UNPROTECT_TOO_SHORT) return OptionUnprotectedPacketOrCryptoError.err(CryptoError.BadInput);
  if (pn < 0) return OptionUnprotectedPacketOrCryptoError.ok(null);
  const hdrLen = <usize>pnOffset + <usize>(load<u8>(pkt) & 3) + 1;
  return OptionUnprotectedPacketOrCryptoError.ok(new UnprotectedPacket(<u64>pn, <u32>hdrLen, Bytes.own(packet.take(), pktLen - 16)));
}

export function quicRetryTag(version: u32, originalDcid: Bytes, retryWithoutTag: Bytes): BytesOrCryptoError {
  if (!isSupportedVersion(version)) return BytesOrCryptoError.err(CryptoError.UnsupportedVersion);
  // RFC 9000 §17.2.5: a connection ID is at most 20 bytes (the pseudo-packet's length is one byte)
  if (originalDcid.len > 255) return BytesOrCryptoError.err(CryptoError.BadInput);
  const out = Bytes.alloc(16);
  retryIntegrityTag(version, originalDcid.ptr, originalDcid.len, retryWithoutTag.ptr, retryWithoutTag.len, out.ptr);
  return BytesOrCryptoError.ok(out);
}

export function quicHeaderMask(witAlg: WitAeadAlg, hpKey: Bytes, sample: Bytes): BytesOrCryptoError {
  const alg = algOf(witAlg);
  if (hpKey.len != <usize>aeadKeyLen(alg)) return BytesOrCryptoError.err(CryptoError.BadKeyLength);
  if (sample.len != 16) return BytesOrCryptoError.err(CryptoError.BadInput);
  const out = Bytes.alloc(5);
  hpFor(alg, hpKey.ptr).mask(sample.ptr, out.ptr);
  return BytesOrCryptoError.ok(out);
}
