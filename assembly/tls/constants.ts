// TLS 1.3 code points (RFC 9846 §4, §B.3) and QUIC's extension (RFC 9001 §8.2).

// RFC 9846 §4: HandshakeType
export const HT_CLIENT_HELLO: u8 = 1;
export const HT_SERVER_HELLO: u8 = 2;
export const HT_NEW_SESSION_TICKET: u8 = 4;
export const HT_END_OF_EARLY_DATA: u8 = 5;
export const HT_ENCRYPTED_EXTENSIONS: u8 = 8;
export const HT_CERTIFICATE: u8 = 11;
export const HT_CERTIFICATE_REQUEST: u8 = 13;
export const HT_CERTIFICATE_VERIFY: u8 = 15;
export const HT_FINISHED: u8 = 20;
export const HT_KEY_UPDATE: u8 = 24;
export const HT_MESSAGE_HASH: u8 = 254;

// RFC 9846 §4.2: ExtensionType
export const EXT_SERVER_NAME: u16 = 0;
export const EXT_SUPPORTED_GROUPS: u16 = 10;
export const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
export const EXT_ALPN: u16 = 16;
export const EXT_PRE_SHARED_KEY: u16 = 41;
export const EXT_EARLY_DATA: u16 = 42;
export const EXT_SUPPORTED_VERSIONS: u16 = 43;
export const EXT_COOKIE: u16 = 44;
export const EXT_PSK_KEY_EXCHANGE_MODES: u16 = 45;
export const EXT_SIGNATURE_ALGORITHMS_CERT: u16 = 50;
export const EXT_KEY_SHARE: u16 = 51;
// RFC 9001 §8.2
export const EXT_QUIC_TRANSPORT_PARAMETERS: u16 = 0x39;

export const TLS13: u16 = 0x0304;
export const LEGACY_VERSION: u16 = 0x0303;

// RFC 9846 §B.4: cipher suites
export const TLS_AES_128_GCM_SHA256: u16 = 0x1301;
export const TLS_AES_256_GCM_SHA384: u16 = 0x1302;
export const TLS_CHACHA20_POLY1305_SHA256: u16 = 0x1303;

// RFC 9846 §4.2.7: NamedGroup
export const GROUP_SECP256R1: u16 = 0x0017;
export const GROUP_X25519: u16 = 0x001d;

// RFC 9846 §4.2.3: SignatureScheme
export const SIG_RSA_PKCS1_SHA256: u16 = 0x0401;
export const SIG_ECDSA_SECP256R1_SHA256: u16 = 0x0403;
export const SIG_RSA_PSS_RSAE_SHA256: u16 = 0x0804;
export const SIG_ED25519: u16 = 0x0807;

// RFC 9846 §4.2.9: PskKeyExchangeMode
export const PSK_DHE_KE: u8 = 1;

// RFC 9846 §4.1.3: HelloRetryRequest's special random: SHA-256("HelloRetryRequest")
export const HRR_RANDOM: StaticArray<u8> = [
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];
// RFC 9846 §4.1.3: downgrade sentinels in the last 8 bytes of ServerHello.random ("DOWNGRD" 01 / 00)
export const DOWNGRADE_TLS12: StaticArray<u8> = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01];
export const DOWNGRADE_TLS11: StaticArray<u8> = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00];

/** Encryption levels (RFC 9001 §4.1.4), used to index per-level state. */
export const LEVEL_INITIAL: i32 = 0;
export const LEVEL_EARLY: i32 = 1;
export const LEVEL_HANDSHAKE: i32 = 2;
export const LEVEL_APP: i32 = 3;

/** Largest handshake message accepted (certificate chains included). */
export const MAX_MESSAGE_LEN: u32 = 1 << 17;

/** RFC 9001 §4.6.1: max_early_data_size in QUIC tickets. */
export const QUIC_MAX_EARLY_DATA: u32 = 0xffffffff;
