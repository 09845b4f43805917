// `h3-wasi/crypto`: the engine's cryptography on Uint8Array values. Inputs are
// never modified; every result is a fresh array.
//
// symmetric.ts: hashes, HMAC, HKDF, AEADs, QUIC packet protection.
// public-key.ts: X25519, ECDSA P-256, RSA verification.
export * from './symmetric.js';
export * from './public-key.js';
