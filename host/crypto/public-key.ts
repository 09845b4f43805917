// `h3-wasi/crypto` public-key functions: X25519, P-256 ECDH and ECDSA, RSA
// signature verification, run by the engine's own code (assembly/crypto/).
// Inputs are never modified; outputs are fresh Uint8Arrays.
import { crypto } from '../core/engine.js';
import { H3WasiError } from '../errors.js';

export type PkErrorKind = 'bad-length' | 'invalid-private-key' | 'invalid-public-key' | 'zero-shared-secret';

/** A public-key operation refused its input; `kind` is the engine's `pk-error`. */
export class PublicKeyError extends H3WasiError {
  readonly kind: PkErrorKind;
  constructor(kind: PkErrorKind, operation: string) {
    super(`H3W_ERR_CRYPTO_${kind.toUpperCase().replace(/-/g, '_')}`, `${operation}: ${kind.replace(/-/g, ' ')}`);
    this.kind = kind;
  }
}

function call<T>(operation: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const payload = (e as { payload?: unknown }).payload;
    if (typeof payload === 'string') throw new PublicKeyError(payload as PkErrorKind, operation);
    throw e;
  }
}

/** RFC 7748 §5: X25519(scalar, u) (clamps the scalar). Throws PublicKeyError `zero-shared-secret` for small-order u. */
export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  return call('x25519', () => crypto.x25519(scalar, u));
}

/** RFC 7748 §6.1: the X25519 public key of a 32-byte private scalar. */
export function x25519PublicKey(scalar: Uint8Array): Uint8Array {
  return call('x25519PublicKey', () => crypto.x25519PublicKey(scalar));
}

/** The uncompressed P-256 public key 0x04 ‖ x ‖ y of a 32-byte private key. */
export function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  return call('p256PublicKey', () => crypto.p256PublicKey(privateKey));
}

/** P-256 ECDH (SEC 1 §3.3.1): the 32-byte shared x-coordinate; the peer's key is validated. */
export function p256Ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return call('p256Ecdh', () => crypto.p256Ecdh(privateKey, publicKey));
}

/** ECDSA P-256 with SHA-256 over `message`: a DER signature. */
export function ecdsaP256Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  return call('ecdsaP256Sign', () => crypto.ecdsaP256Sign(privateKey, message));
}

/** ECDSA P-256 with SHA-256: true only for a valid strict-DER signature of `message` under the 65-byte key. */
export function ecdsaP256Verify(publicKey: Uint8Array, message: Uint8Array, derSignature: Uint8Array): boolean {
  return crypto.ecdsaP256Verify(publicKey, message, derSignature);
}

/** An RSA public key: modulus and exponent, big-endian. */
export interface RsaPublicKey {
  n: Uint8Array;
  e: Uint8Array;
}

/** Salt length value that accepts any salt (the TLS 1.3 rule is saltLength = 32 for SHA-256). */
export const PSS_SALT_AUTO = -1;

/** RSASSA-PSS (RFC 8017 §8.1.2) with SHA-256 and MGF1-SHA-256, 2048- to 4096-bit keys. */
export function rsaPssSha256Verify(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array, saltLength: number): boolean {
  return crypto.rsaPssSha256Verify(key.n, key.e, message, signature, saltLength | 0);
}

/** RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) with SHA-256, 2048- to 4096-bit keys. */
export function rsaPkcs1Sha256Verify(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  return crypto.rsaPkcs1Sha256Verify(key.n, key.e, message, signature);
}
