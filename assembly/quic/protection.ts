// QUIC packet protection (RFC 9001 §5, RFC 9369 §3.3 for QUIC v2): Initial
// secrets, packet key/IV/header-protection-key derivation, protecting and
// unprotecting whole packets in place, and key update (RFC 9001 §6).
// Packet-number coding is packet_number.ts, what differs per version
// version.ts, the Retry integrity tag retry.ts.
//
// Packet layout used by protect/unprotect (all in one buffer):
//   [0, pnOffset)                 header before the packet number
//   [pnOffset, pnOffset + pnLen)  packet number (truncated, big-endian)
//   [hdrLen, hdrLen + payloadLen) payload, hdrLen = pnOffset + pnLen
//   [.., + 16)                    AEAD tag
// For long headers the caller has already written the Length field (it covers
// the packet number, the payload and the tag).

import { Aead, AeadAlg, aeadKeyLen, AEAD_TAG_LEN } from "../crypto/aead";
import { HeaderProtection } from "../crypto/header_protection";
import { HashAlg, hashLen } from "../crypto/hash";
import { hkdfExtract, hkdfExpandLabel } from "../crypto/hkdf";
import { isSupportedVersion, initialSalt, INITIAL_SALT_LEN, keyLabel, ivLabel, hpLabel, kuLabel } from "./version";
import { PacketNumberField, decodePacketNumber } from "./packet_number";

/** RFC 9001 §5.4.2: the header-protection sample is 16 bytes, taken 4 bytes after the packet number starts. */
export const HP_SAMPLE_LEN: usize = 16;
export const HP_SAMPLE_OFFSET: usize = 4;

// Scratch (never reentrant): derived key material, nonce, mask.
const KEY: usize = memory.data(32, 16);
const NEXT: usize = memory.data(48, 16);
const NONCE: usize = memory.data(16, 16);
const MASK: usize = memory.data(8, 8);
const EMPTY: usize = memory.data(1, 1);

/**
 * The packet protection keys for one direction at one encryption level and
 * key phase: AEAD key + IV and header protection key, all derived from the
 * TLS traffic secret (RFC 9001 §5.1). The hash is the cipher suite's:
 * SHA-384 for AES-256-GCM, SHA-256 otherwise.
 */
/** RFC 9001 §5.1 / RFC 9846 §B.4: the suite's hash, SHA-384 for AES-256-GCM, SHA-256 otherwise. */
@inline
export function aeadHash(alg: AeadAlg): HashAlg {
  return alg == AeadAlg.AES_256_GCM ? HashAlg.SHA384 : HashAlg.SHA256;
}

@final
export class PacketKeys {
  readonly alg: AeadAlg;
  readonly hash: HashAlg;
  readonly version: u32;
  readonly aead: Aead;
  readonly hp: HeaderProtection;
  /** 12-byte AEAD IV (RFC 9001 §5.3). */
  readonly iv: StaticArray<u8> = new StaticArray<u8>(12);
  /** The header protection key (unchanged by key update). */
  private readonly hpKey: StaticArray<u8> = new StaticArray<u8>(32);
  /** The current traffic secret (kept for key update). */
  readonly secret: StaticArray<u8> = new StaticArray<u8>(48);
  /** Key phase generation: 0 for the secret TLS gave, +1 per update(). */
  generation: u32 = 0;

  /**
   * `sharedHp`: the header protection of another generation of the same
   * keys (RFC 9001 §6.1: "The header protection keys are not updated"), so
   * key phases share one expanded key instead of each holding a copy; then
   * `secret` only derives the AEAD key and IV.
   */
  constructor(alg: AeadAlg, version: u32, secret: usize, sharedHp: HeaderProtection | null = null) {
    this.alg = alg;
    this.hash = aeadHash(alg);
    this.version = version;
    // Placeholder keys (zeros) until setSecret derives the real ones.
    memory.fill(KEY, 0, 32);
    this.aead = new Aead(alg, KEY);
    this.hp = sharedHp != null ? sharedHp : new HeaderProtection(alg, KEY);
    if (sharedHp != null) {
      memory.copy(changetype<usize>(this.secret), secret, <usize>hashLen(this.hash));
      this.deriveAeadKeys();
    } else {
      this.setSecret(secret);
    }
  }

  @inline get secretLen(): usize {
    return <usize>hashLen(this.hash);
  }

  /** RFC 9001 §5.1: key = "quic key", iv = "quic iv", hp = "quic hp" (RFC 9369 §3.3.2: "quicv2 ..." for v2). */
  setSecret(secret: usize): void {
    const h = this.hash;
    const sl = this.secretLen;
    const kl = <usize>aeadKeyLen(this.alg);
    if (changetype<usize>(this.secret) != secret) memory.copy(changetype<usize>(this.secret), secret, sl);
    const s = changetype<usize>(this.secret);
    hkdfExpandLabel(h, s, sl, hpLabel(this.version), EMPTY, 0, changetype<usize>(this.hpKey), kl);
    this.hp.setKey(changetype<usize>(this.hpKey));
    this.deriveAeadKeys();
    this.generation = 0;
  }

  private deriveAeadKeys(): void {
    const h = this.hash;
    const sl = this.secretLen;
    const kl = <usize>aeadKeyLen(this.alg);
    const s = changetype<usize>(this.secret);
    hkdfExpandLabel(h, s, sl, keyLabel(this.version), EMPTY, 0, KEY, kl);
    this.aead.setKey(KEY);
    hkdfExpandLabel(h, s, sl, ivLabel(this.version), EMPTY, 0, changetype<usize>(this.iv), 12);
    memory.fill(KEY, 0, 32);
  }

  /**
   * RFC 9001 §6.1 key update: secret_<n+1> = HKDF-Expand-Label(secret_<n>,
   * "quic ku", "", Hash.length) ("quicv2 ku" for v2); key and IV are derived
   * again, the header protection key is not updated (§6.1, §5.4).
   */
  update(): void {
    const sl = this.secretLen;
    const s = changetype<usize>(this.secret);
    hkdfExpandLabel(this.hash, s, sl, kuLabel(this.version), EMPTY, 0, NEXT, sl);
    memory.copy(s, NEXT, sl);
    memory.fill(NEXT, 0, 48);
    this.deriveAeadKeys();
    this.generation++;
  }

  /**
   * A copy of this generation (e.g. to keep the previous key phase while the
   * next one is tried) with its own AEAD state; the header protection is
   * shared, not copied (RFC 9001 §6.1), so wiping either wipes it for both.
   */
  clone(): PacketKeys {
    const k = new PacketKeys(this.alg, this.version, changetype<usize>(this.secret), this.hp);
    k.generation = this.generation;
    return k;
  }

  /** Makes this object the next key phase of `cur` without allocating (same alg and version). */
  setNextOf(cur: PacketKeys): void {
    memory.copy(changetype<usize>(this.secret), changetype<usize>(cur.secret), 48);
    if (this.hp !== cur.hp) this.copyHeaderKey(cur);
    this.update();
    this.generation = cur.generation + 1;
  }

  /** The header protection key stays the one of the first generation (§6.1). */
  private copyHeaderKey(other: PacketKeys): void {
    memory.copy(changetype<usize>(this.hpKey), changetype<usize>(other.hpKey), 32);
    this.hp.setKey(changetype<usize>(this.hpKey));
  }

  wipe(): void {
    memory.fill(changetype<usize>(this.hpKey), 0, 32);
    memory.fill(changetype<usize>(this.secret), 0, 48);
    memory.fill(changetype<usize>(this.iv), 0, 12);
    this.aead.wipe();
    this.hp.wipe();
  }

  /** RFC 9001 §5.3: nonce = iv XOR the packet number left-padded to the IV length. */
  @inline nonceFor(pn: u64): usize {
    const iv = changetype<usize>(this.iv);
    store<u32>(NONCE, load<u32>(iv));
    store<u64>(NONCE + 4, load<u64>(iv, 4) ^ bswap<u64>(pn));
    return NONCE;
  }
}

/** RFC 9001 §5.2 / RFC 9369 §3.3.1: client_initial_secret and server_initial_secret (32 bytes each). */
export function initialSecrets(version: u32, dcid: usize, dcidLen: usize, clientOut: usize, serverOut: usize): bool {
  if (!isSupportedVersion(version)) return false;
  // initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
  hkdfExtract(HashAlg.SHA256, initialSalt(version), INITIAL_SALT_LEN, dcid, dcidLen, NEXT);
  hkdfExpandLabel(HashAlg.SHA256, NEXT, 32, "client in", EMPTY, 0, clientOut, 32);
  hkdfExpandLabel(HashAlg.SHA256, NEXT, 32, "server in", EMPTY, 0, serverOut, 32);
  memory.fill(NEXT, 0, 48);
  return true;
}

const INITIAL_C: usize = memory.data(32, 16);
const INITIAL_S: usize = memory.data(32, 16);

/**
 * Initial packet keys (AEAD_AES_128_GCM, RFC 9001 §5.2) for the client's
 * (`client` true) or the server's sending direction; null for an unknown version.
 */
export function newInitialKeys(version: u32, dcid: usize, dcidLen: usize, client: bool): PacketKeys | null {
  if (!initialSecrets(version, dcid, dcidLen, INITIAL_C, INITIAL_S)) return null;
  const k = new PacketKeys(AeadAlg.AES_128_GCM, version, client ? INITIAL_C : INITIAL_S);
  memory.fill(INITIAL_C, 0, 32);
  memory.fill(INITIAL_S, 0, 32);
  return k;
}

/**
 * RFC 9001 §5.3-5.4: protects a packet in place (layout in the header
 * comment). The first byte must already hold the packet-number length bits
 * (and key phase for short headers). Returns false when the packet is too
 * short to sample: RFC 9001 §5.4.2 needs pnLen + payloadLen >= 4.
 */
export function protectPacket(keys: PacketKeys, pkt: usize, pnOffset: usize, pnLen: usize, payloadLen: usize, pn: u64): bool {
  if (pnLen < 1 || pnLen > 4 || pnLen + payloadLen < HP_SAMPLE_OFFSET) return false;
  const hdrLen = pnOffset + pnLen;
  // §5.3: the header up to and including the packet number is the AAD.
  keys.aead.seal(keys.nonceFor(pn), pkt, hdrLen, pkt + hdrLen, payloadLen, pkt + hdrLen + payloadLen);
  applyHeaderProtection(keys.hp, pkt, pnOffset, pnLen);
  return true;
}

/**
 * §5.4.1: XORs the mask into the first byte (4 bits long / 5 bits short
 * header) and the pnLen packet-number bytes. RFC 9001 §9.5: no timing may
 * depend on the packet number or its length, so all 4 bytes after pnOffset
 * are rewritten, the mask selecting which ones change (the caller guarantees
 * 4 bytes there: the sample starts 4 bytes after pnOffset).
 */
@inline function applyHeaderProtection(hp: HeaderProtection, pkt: usize, pnOffset: usize, pnLen: usize): void {
  hp.mask(pkt + pnOffset + HP_SAMPLE_OFFSET, MASK);
  const first = load<u8>(pkt);
  store<u8>(pkt, first ^ (load<u8>(MASK) & firstByteBits(first)));
  const p = pkt + pnOffset;
  store<u32>(p, load<u32>(p) ^ (load<u32>(MASK + 1) & pnBytesMask(<u32>pnLen)));
}

/** The protected bits of the first byte: 0x0f for long headers (form bit set), 0x1f for short; branch-free. */
@inline function firstByteBits(first: u8): u8 {
  return <u8>(0x1f ^ (((<u32>first >> 7) & 1) << 4));
}

/** Little-endian mask covering the first pnLen (1..4) bytes. */
@inline function pnBytesMask(pnLen: u32): u32 {
  return <u32>((<u64>1 << (<u64>pnLen << 3)) - 1);
}

/**
 * RFC 9001 §5.4: removes header protection in place from the packet of
 * `pktLen` bytes at `pkt` whose packet number starts at `pnOffset`, and
 * reads the packet number field into `out` (RFC 9000 §17.1). Returns the
 * packet-number length (1..4); 0 (packet untouched, `out` unchanged) when
 * the packet is too short to sample.
 */
export function removeHeaderProtection(hp: HeaderProtection, pkt: usize, pktLen: usize, pnOffset: usize, out: PacketNumberField): i32 {
  if (pktLen < pnOffset || pktLen - pnOffset < HP_SAMPLE_OFFSET + HP_SAMPLE_LEN) return 0;
  hp.mask(pkt + pnOffset + HP_SAMPLE_OFFSET, MASK);
  const first = load<u8>(pkt);
  const unmasked = first ^ (load<u8>(MASK) & firstByteBits(first));
  store<u8>(pkt, unmasked);
  // RFC 9001 §9.5: the same work whatever the packet-number length (see applyHeaderProtection).
  const pnLen = <u32>(unmasked & 3) + 1;
  const p = pkt + pnOffset;
  const v = load<u32>(p) ^ (load<u32>(MASK + 1) & pnBytesMask(pnLen));
  store<u32>(p, v);
  out.length = pnLen;
  out.truncated = <u64>(bswap<u32>(v) >> ((4 - pnLen) << 3));
  return <i32>pnLen;
}

/** Decrypts the payload in place after removeHeaderProtection; false when authentication fails. */
export function decryptPayload(keys: PacketKeys, pkt: usize, pktLen: usize, hdrLen: usize, pn: u64): bool {
  if (pktLen < hdrLen + AEAD_TAG_LEN) return false;
  const ctLen = pktLen - hdrLen - AEAD_TAG_LEN;
  return keys.aead.open(keys.nonceFor(pn), pkt, hdrLen, pkt + hdrLen, ctLen, pkt + hdrLen + ctLen);
}

/** Scratch for unprotectPacket (never reentrant; callers get only the full packet number). */
const PN_FIELD = new PacketNumberField();

export const UNPROTECT_TOO_SHORT: i64 = -1;
export const UNPROTECT_AUTH_FAILED: i64 = -2;

/**
 * Header protection removal + packet-number recovery + AEAD open, in place.
 * Returns the full packet number (plaintext payload at pkt + pnOffset +
 * pnLen, pnLen = (pkt[0] & 3) + 1, length pktLen - that - 16), or
 * UNPROTECT_TOO_SHORT / UNPROTECT_AUTH_FAILED. On failure the packet must be
 * discarded (RFC 9001 §5.5); its header bytes are no longer protected.
 * Key update: short-header callers that want to try another key phase use
 * removeHeaderProtection + decryptPayload directly.
 */
export function unprotectPacket(keys: PacketKeys, pkt: usize, pktLen: usize, pnOffset: usize, largestPn: i64): i64 {
  const field = PN_FIELD;
  const pnLen = removeHeaderProtection(keys.hp, pkt, pktLen, pnOffset, field);
  if (pnLen == 0) return UNPROTECT_TOO_SHORT;
  const pn = decodePacketNumber(largestPn, field.truncated, <u32>pnLen << 3);
  if (!decryptPayload(keys, pkt, pktLen, pnOffset + <usize>pnLen, pn)) return UNPROTECT_AUTH_FAILED;
  return <i64>pn;
}
