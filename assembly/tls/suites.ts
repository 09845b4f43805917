// Cipher suite parameters (RFC 9846 §B.4): the hash of the key schedule and
// the AEAD of record (here: QUIC packet) protection.

import { HashAlg } from "../crypto/hash";
import { AeadAlg } from "../crypto/aead";
import { TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 } from "./constants";

@inline export function suiteKnown(s: u16): bool {
  return s == TLS_AES_128_GCM_SHA256 || s == TLS_AES_256_GCM_SHA384 || s == TLS_CHACHA20_POLY1305_SHA256;
}

@inline export function suiteHash(s: u16): HashAlg {
  return s == TLS_AES_256_GCM_SHA384 ? HashAlg.SHA384 : HashAlg.SHA256;
}

@inline export function suiteHashLen(s: u16): i32 {
  return s == TLS_AES_256_GCM_SHA384 ? 48 : 32;
}

@inline export function suiteAead(s: u16): AeadAlg {
  if (s == TLS_AES_256_GCM_SHA384) return AeadAlg.AES_256_GCM;
  if (s == TLS_CHACHA20_POLY1305_SHA256) return AeadAlg.CHACHA20_POLY1305;
  return AeadAlg.AES_128_GCM;
}
