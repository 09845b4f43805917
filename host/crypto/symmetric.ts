// Symmetric half of `h3-wasi/crypto`: thin typed wrappers over the component's
// `crypto` interface (wit/crypto.wit), validating arguments up front so that
// mistakes surface as CryptoError with a stable code.
import { crypto as core } from '../core/engine.js';
import { callEngine } from '../core/call.js';
import { CryptoError, InvalidArgumentError } from '../errors.js';
import { bytesArg, bigintArg, describe, intArg, u32Arg, VARINT_MAX } from '../args.js';

export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
type WitAeadAlg = 'aes128-gcm' | 'aes256-gcm' | 'chacha20-poly1305';

const ALGS: Record<AeadAlgorithm, { wit: WitAeadAlg; keyLen: number; secretLen: number }> = {
  'aes-128-gcm': { wit: 'aes128-gcm', keyLen: 16, secretLen: 32 },
  'aes-256-gcm': { wit: 'aes256-gcm', keyLen: 32, secretLen: 48 },
  'chacha20-poly1305': { wit: 'chacha20-poly1305', keyLen: 32, secretLen: 32 },
};

/** RFC 9000 §15 */
export const QUIC_V1 = 0x00000001;
/** RFC 9369 §3.1 */
export const QUIC_V2 = 0x6b3343cf;

const CORE_ERRORS: Record<string, [string, string]> = {
  'bad-key-length': ['H3W_ERR_CRYPTO_KEY', 'key or secret has the wrong length'],
  'bad-nonce-length': ['H3W_ERR_CRYPTO_NONCE', 'nonce must be 12 bytes'],
  'output-too-long': ['H3W_ERR_CRYPTO_LENGTH', 'requested output is too long'],
  'unsupported-version': ['H3W_ERR_CRYPTO_VERSION', 'QUIC version without packet protection (only v1 and v2)'],
  'bad-input': ['H3W_ERR_CRYPTO_INPUT', 'malformed input'],
};

/** Calls the engine; the WIT `crypto-error` enum becomes CryptoError. */
function call<T>(f: () => T): T {
  return callEngine(f, (payload) => {
    if (typeof payload !== 'string' || !(payload in CORE_ERRORS)) return undefined;
    const [code, message] = CORE_ERRORS[payload];
    return new CryptoError(code, message);
  });
}

const bytes = (name: string, v: unknown) => bytesArg(name, v);

/** The algorithm's entry; an unknown name (or a non-string) is H3W_ERR_CRYPTO_ALG. */
function algInfo(alg: AeadAlgorithm) {
  const a = typeof alg === 'string' && Object.prototype.hasOwnProperty.call(ALGS, alg) ? ALGS[alg] : undefined;
  if (!a) throw new CryptoError('H3W_ERR_CRYPTO_ALG', `unknown AEAD algorithm ${typeof alg === 'string' ? `'${alg}'` : describe(alg)} (known: ${Object.keys(ALGS).join(', ')})`);
  return a;
}

function checkVersion(version: number): void {
  u32Arg('version', version);
  if (version !== QUIC_V1 && version !== QUIC_V2) {
    throw new CryptoError('H3W_ERR_CRYPTO_VERSION', `QUIC version 0x${(version >>> 0).toString(16)} has no packet protection here (only v1 and v2)`);
  }
}

/** RFC 9000 §12.3: packet numbers are 0..2^62-1. */
const PN_MAX = VARINT_MAX;
/** wit/crypto.wit: at most 1000 key updates are derived on the fly. */
const MAX_KEY_UPDATES = 1000;

function protection(p: QuicProtection) {
  if (p === null || typeof p !== 'object') throw new InvalidArgumentError('protection', `must be a QuicProtection object, got ${describe(p)}`);
  const a = algInfo(p.alg);
  checkVersion(p.version);
  const secret = bytes('protection.secret', p.secret);
  const keyUpdates = p.keyUpdates === undefined ? 0 : intArg('protection.keyUpdates', p.keyUpdates, 0, MAX_KEY_UPDATES);
  return { a, secret, keyUpdates };
}

/** A packet-number offset: an integer; one past the header is the engine's H3W_ERR_CRYPTO_INPUT. */
const pnOffsetArg = (pnOffset: unknown) => u32Arg('pnOffset', pnOffset);

// ---- hashes, MAC, KDF ----

export function sha256(data: Uint8Array): Uint8Array {
  const d = bytes('data', data);
  return call(() => core.sha256(d));
}

export function sha384(data: Uint8Array): Uint8Array {
  const d = bytes('data', data);
  return call(() => core.sha384(d));
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = bytes('key', key), d = bytes('data', data);
  return call(() => core.hmacSha256(k, d));
}

/** RFC 5869 HKDF-SHA256 (extract, then expand to `length` bytes, at most 255 × 32). */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (typeof length !== 'number' || !Number.isInteger(length)) throw new InvalidArgumentError('length', `must be an integer, got ${describe(length)}`);
  if (length < 0 || length > 255 * 32) {
    throw new CryptoError('H3W_ERR_CRYPTO_LENGTH', `HKDF-SHA256 output length must be 0..${255 * 32}, got ${length}`);
  }
  return call(() => core.hkdfSha256(bytes('ikm', ikm), bytes('salt', salt), bytes('info', info), length));
}

// ---- AEAD ----

function checkAead(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array) {
  const a = algInfo(alg);
  if (bytes('key', key).length !== a.keyLen) throw new CryptoError('H3W_ERR_CRYPTO_KEY', `${alg} needs a ${a.keyLen}-byte key, got ${key.length}`);
  if (bytes('nonce', nonce).length !== 12) throw new CryptoError('H3W_ERR_CRYPTO_NONCE', `nonce must be 12 bytes, got ${nonce.length}`);
  return a;
}

/** Encrypts and authenticates: returns ciphertext ‖ 16-byte tag. */
export function aeadSeal(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const a = checkAead(alg, key, nonce);
  return call(() => core.aeadSeal(a.wit, key, nonce, bytes('aad', aad), bytes('plaintext', plaintext)));
}

/** Verifies and decrypts ciphertext ‖ tag: the plaintext, or null when authentication fails. */
export function aeadOpen(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
  const a = checkAead(alg, key, nonce);
  return call(() => core.aeadOpen(a.wit, key, nonce, bytes('aad', aad), bytes('ciphertextAndTag', ciphertextAndTag))) ?? null;
}

// ---- QUIC packet protection ----

export interface QuicPacketKeys {
  /** The traffic secret these keys came from. */
  secret: Uint8Array;
  key: Uint8Array;
  iv: Uint8Array;
  hp: Uint8Array;
  /** RFC 9001 §6.1: the secret of the next key phase. */
  nextSecret: Uint8Array;
}

/** RFC 9001 §5.2 / RFC 9369 §3.3.1: the Initial secrets for a client's Destination Connection ID. */
export function quicInitialSecrets(version: number, dcid: Uint8Array): { client: Uint8Array; server: Uint8Array } {
  checkVersion(version);
  return call(() => core.quicInitialSecrets(version, bytes('dcid', dcid)));
}

/** RFC 9001 §5.1: key, IV, header-protection key and next-phase secret from a traffic secret. */
export function quicPacketKeys(alg: AeadAlgorithm, version: number, secret: Uint8Array): QuicPacketKeys {
  const a = algInfo(alg);
  checkVersion(version);
  if (bytes('secret', secret).length !== a.secretLen) throw new CryptoError('H3W_ERR_CRYPTO_KEY', `${alg} secrets are ${a.secretLen} bytes, got ${secret.length}`);
  const k = call(() => core.quicPacketKeys(a.wit, version, secret));
  return { secret: secret.slice(), ...k };
}

/** Both directions' Initial keys (AES-128-GCM). */
export function quicInitialKeys(version: number, dcid: Uint8Array): { client: QuicPacketKeys; server: QuicPacketKeys } {
  const s = quicInitialSecrets(version, dcid);
  return { client: quicPacketKeys('aes-128-gcm', version, s.client), server: quicPacketKeys('aes-128-gcm', version, s.server) };
}

/** Which keys protect a packet: a traffic secret, its algorithm and version, and how many key updates since. */
export interface QuicProtection {
  alg: AeadAlgorithm;
  version: number;
  secret: Uint8Array;
  keyUpdates?: number;
}

/**
 * RFC 9001 §5.3-5.4: `packet` is the unprotected header (ending with the
 * truncated packet number, its length in the low two bits of the first byte)
 * followed by the payload; returns the protected packet (with the 16-byte tag).
 */
export function protectPacket(p: QuicProtection, packet: Uint8Array, pnOffset: number, packetNumber: bigint | number): Uint8Array {
  const { a, secret, keyUpdates } = protection(p);
  bytes('packet', packet);
  const off = pnOffsetArg(pnOffset);
  const pn = bigintArg('packetNumber', packetNumber, 0n, PN_MAX);
  return call(() => core.quicProtect(a.wit, p.version, secret, keyUpdates, packet, off, pn));
}

export interface UnprotectedPacket {
  packetNumber: bigint;
  /** Unprotected header including the packet number. */
  header: Uint8Array;
  payload: Uint8Array;
}

/**
 * Removes header protection, recovers the packet number (RFC 9000 A.3) given
 * the largest packet number received so far (-1n for none) and decrypts; null
 * when authentication fails.
 */
export function unprotectPacket(p: QuicProtection, packet: Uint8Array, pnOffset: number, largestPn: bigint | number = -1n): UnprotectedPacket | null {
  const { a, secret, keyUpdates } = protection(p);
  bytes('packet', packet);
  const off = pnOffsetArg(pnOffset);
  const largest = bigintArg('largestPn', largestPn, -1n, PN_MAX);
  const r = call(() => core.quicUnprotect(a.wit, p.version, secret, keyUpdates, packet, off, largest));
  if (!r) return null;
  return { packetNumber: r.packetNumber, header: r.packet.subarray(0, r.headerLength), payload: r.packet.subarray(r.headerLength) };
}

/** RFC 9001 §5.8: the 16-byte Retry Integrity Tag for a Retry packet given without its tag. */
export function retryIntegrityTag(version: number, originalDcid: Uint8Array, retryWithoutTag: Uint8Array): Uint8Array {
  checkVersion(version);
  return call(() => core.quicRetryTag(version, bytes('originalDcid', originalDcid), bytes('retryWithoutTag', retryWithoutTag)));
}

/** RFC 9001 §5.4: the 5-byte header protection mask for a 16-byte ciphertext sample. */
export function headerProtectionMask(alg: AeadAlgorithm, hpKey: Uint8Array, sample: Uint8Array): Uint8Array {
  const a = algInfo(alg);
  if (bytes('hpKey', hpKey).length !== a.keyLen) throw new CryptoError('H3W_ERR_CRYPTO_KEY', `${alg} header protection keys are ${a.keyLen} bytes`);
  if (bytes('sample', sample).length !== 16) throw new CryptoError('H3W_ERR_CRYPTO_INPUT', 'the header protection sample is 16 bytes');
  return call(() => core.quicHeaderMask(a.wit, hpKey, sample));
}
