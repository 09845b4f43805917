// `h3-wasi/crypto` public-key functions: X25519, P-256 ECDH and ECDSA, RSA
// and Ed25519 signature verification, run by the engine's own code
// (assembly/crypto/). Inputs are never modified; outputs are fresh
// Uint8Arrays. Arguments are checked here (type and length) before the
// engine sees them; a wrong length is PublicKeyError `bad-length`
// (H3W_ERR_CRYPTO_KEY, as for the AEADs), a wrong type InvalidArgumentError.
import { crypto } from '../core/engine.js';
import { callEngine } from '../core/call.js';
import { InvalidArgumentError, PublicKeyError, type PkErrorKind } from '../errors.js';
import { bytesArg, describe, intArg } from '../args.js';

export { PublicKeyError, type PkErrorKind } from '../errors.js';

const PK_KINDS: readonly string[] = ['bad-length', 'invalid-private-key', 'invalid-public-key', 'zero-shared-secret'];

function call<T>(operation: string, f: () => T): T {
  return callEngine(f, (payload) =>
    typeof payload === 'string' && PK_KINDS.includes(payload) ? new PublicKeyError(payload as PkErrorKind, operation) : undefined);
}

/** `name` must be a Uint8Array of one of `lengths` bytes. */
function keyBytes(operation: string, name: string, v: unknown, ...lengths: number[]): Uint8Array {
  const b = bytesArg(name, v);
  if (!lengths.includes(b.length)) {
    throw new PublicKeyError('bad-length', operation, `${name} must be ${lengths.join(' or ')} bytes, got ${b.length}`);
  }
  return b;
}

/** RFC 7748 §5: X25519(scalar, u) (clamps the scalar). Throws PublicKeyError `zero-shared-secret` for small-order u. */
export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  const s = keyBytes('x25519', 'scalar', scalar, 32), p = keyBytes('x25519', 'u', u, 32);
  return call('x25519', () => crypto.x25519(s, p));
}

/** RFC 7748 §6.1: the X25519 public key of a 32-byte private scalar. */
export function x25519PublicKey(scalar: Uint8Array): Uint8Array {
  const s = keyBytes('x25519PublicKey', 'scalar', scalar, 32);
  return call('x25519PublicKey', () => crypto.x25519PublicKey(s));
}

/** The uncompressed P-256 public key 0x04 ‖ x ‖ y of a 32-byte private key. */
export function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  const d = keyBytes('p256PublicKey', 'privateKey', privateKey, 32);
  return call('p256PublicKey', () => crypto.p256PublicKey(d));
}

/** P-256 ECDH (SEC 1 §3.3.1): the 32-byte shared x-coordinate; the peer's 65-byte key is validated. */
export function p256Ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const d = keyBytes('p256Ecdh', 'privateKey', privateKey, 32), q = keyBytes('p256Ecdh', 'publicKey', publicKey, 65);
  return call('p256Ecdh', () => crypto.p256Ecdh(d, q));
}

/** ECDSA P-256 with SHA-256 over `message`: a DER signature. */
export function ecdsaP256Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  const d = keyBytes('ecdsaP256Sign', 'privateKey', privateKey, 32), m = bytesArg('message', message);
  return call('ecdsaP256Sign', () => crypto.ecdsaP256Sign(d, m));
}

/**
 * ECDSA P-256 with SHA-256: true only for a valid strict-DER signature of
 * `message` under the 65-byte key. A key or signature of the wrong length is
 * simply not valid (false); arguments that are not bytes throw.
 */
export function ecdsaP256Verify(publicKey: Uint8Array, message: Uint8Array, derSignature: Uint8Array): boolean {
  const q = bytesArg('publicKey', publicKey), m = bytesArg('message', message), sig = bytesArg('derSignature', derSignature);
  return callEngine(() => crypto.ecdsaP256Verify(q, m, sig));
}

/** An RSA public key: modulus and exponent, big-endian. */
export interface RsaPublicKey {
  n: Uint8Array;
  e: Uint8Array;
}

/** Salt length value that accepts any salt (the TLS 1.3 rule is saltLength = 32 for SHA-256). */
export const PSS_SALT_AUTO = -1;

function rsaKey(key: unknown): RsaPublicKey {
  if (key === null || typeof key !== 'object') throw new InvalidArgumentError('key', `must be an RsaPublicKey { n, e }, got ${describe(key)}`);
  const k = key as Partial<RsaPublicKey>;
  return { n: bytesArg('key.n', k.n), e: bytesArg('key.e', k.e) };
}

/** RSASSA-PSS (RFC 8017 §8.1.2) with SHA-256 and MGF1-SHA-256, 2048- to 4096-bit keys. */
export function rsaPssSha256Verify(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array, saltLength: number): boolean {
  const k = rsaKey(key), m = bytesArg('message', message), sig = bytesArg('signature', signature);
  // an integer (s32); a length no signature can have (RFC 8017 §9.1.1: emLen ≥ hLen + sLen + 2) simply does not verify
  const salt = intArg('saltLength', saltLength, -(2 ** 31), 2 ** 31 - 1);
  return callEngine(() => crypto.rsaPssSha256Verify(k.n, k.e, m, sig, salt));
}

/** RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) with SHA-256, 2048- to 4096-bit keys. */
export function rsaPkcs1Sha256Verify(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  const k = rsaKey(key), m = bytesArg('message', message), sig = bytesArg('signature', signature);
  return callEngine(() => crypto.rsaPkcs1Sha256Verify(k.n, k.e, m, sig));
}

/** Ed25519 (RFC 8032 §5.1.7, pure): true only for a valid 64-byte signature of `message` under the 32-byte key. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const q = bytesArg('publicKey', publicKey), m = bytesArg('message', message), sig = bytesArg('signature', signature);
  return callEngine(() => crypto.ed25519Verify(q, m, sig));
}
