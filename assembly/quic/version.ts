// QUIC versions (RFC 9000 §15, RFC 9369): the version numbers this core
// speaks and everything that differs between them — the Initial salt
// (RFC 9001 §5.2, RFC 9369 §3.3.1), the HKDF labels of packet protection and
// key update (RFC 9001 §5.1, §6.1; RFC 9369 §3.3.2) and the Retry integrity
// key and nonce (RFC 9001 §5.8, RFC 9369 §3.3.3).

export const QUIC_VERSION_1: u32 = 0x00000001;
/** RFC 9369 §3.1 */
export const QUIC_VERSION_2: u32 = 0x6b3343cf;

/** True for the versions whose packet protection this core implements. */
export function isSupportedVersion(version: u32): bool {
  return version == QUIC_VERSION_1 || version == QUIC_VERSION_2;
}

// RFC 9001 §5.2: initial_salt = 0x38762cf7f55934b34d179ae6a4c80cadccbb7f0a
const SALT_V1: StaticArray<u8> = [
  0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
];
// RFC 9369 §3.3.1: initial_salt = 0x0dede3def700a6db819381be6e269dcbf9bd2ed9
const SALT_V2: StaticArray<u8> = [
  0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
];
/** Both salts are 20 bytes. */
export const INITIAL_SALT_LEN: usize = 20;

/** The Initial salt of a supported `version` (20 bytes). */
export function initialSalt(version: u32): usize {
  return changetype<usize>(version == QUIC_VERSION_2 ? SALT_V2 : SALT_V1);
}

// RFC 9001 §5.8: Retry integrity key and nonce for v1.
const RETRY_KEY_V1: StaticArray<u8> = [0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e];
const RETRY_NONCE_V1: StaticArray<u8> = [0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb];
// RFC 9369 §3.3.3: Retry integrity key and nonce for v2.
const RETRY_KEY_V2: StaticArray<u8> = [0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92];
const RETRY_NONCE_V2: StaticArray<u8> = [0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a];

/** The 16-byte AES-128-GCM key of the Retry integrity tag. */
export function retryKey(version: u32): usize {
  return changetype<usize>(version == QUIC_VERSION_2 ? RETRY_KEY_V2 : RETRY_KEY_V1);
}

/** The 12-byte nonce of the Retry integrity tag. */
export function retryNonce(version: u32): usize {
  return changetype<usize>(version == QUIC_VERSION_2 ? RETRY_NONCE_V2 : RETRY_NONCE_V1);
}

// RFC 9001 §5.1 / §6.1 labels; RFC 9369 §3.3.2: v2 prefixes them with "quicv2 ".
export function keyLabel(version: u32): string { return version == QUIC_VERSION_2 ? "quicv2 key" : "quic key"; }
export function ivLabel(version: u32): string { return version == QUIC_VERSION_2 ? "quicv2 iv" : "quic iv"; }
export function hpLabel(version: u32): string { return version == QUIC_VERSION_2 ? "quicv2 hp" : "quic hp"; }
export function kuLabel(version: u32): string { return version == QUIC_VERSION_2 ? "quicv2 ku" : "quic ku"; }
