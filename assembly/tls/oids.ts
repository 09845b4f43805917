// DER contents of the OIDs the X.509 and PKCS#8 parsers recognise.

// RFC 5758 §3.2: ecdsa-with-SHA256 1.2.840.10045.4.3.2, -SHA384 .3
export const OID_ECDSA_SHA256: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
export const OID_ECDSA_SHA384: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
// RFC 8017 Appendix C: sha256WithRSAEncryption 1.2.840.113549.1.1.11, sha384 .12, rsaEncryption .1, RSASSA-PSS .10
export const OID_RSA_SHA256: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
export const OID_RSA_SHA384: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
export const OID_RSA_PSS: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
export const OID_RSA_ENCRYPTION: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
// RFC 8410 §3: id-Ed25519 1.3.101.112
export const OID_ED25519: StaticArray<u8> = [0x2b, 0x65, 0x70];
// RFC 5480 §2.1.1: id-ecPublicKey 1.2.840.10045.2.1, secp256r1 1.2.840.10045.3.1.7
export const OID_EC_PUBLIC_KEY: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
export const OID_SECP256R1: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
// RFC 5280 §4.2.1: id-ce-*
export const OID_SUBJECT_ALT_NAME: StaticArray<u8> = [0x55, 0x1d, 0x11];
export const OID_BASIC_CONSTRAINTS: StaticArray<u8> = [0x55, 0x1d, 0x13];
export const OID_KEY_USAGE: StaticArray<u8> = [0x55, 0x1d, 0x0f];
export const OID_EXT_KEY_USAGE: StaticArray<u8> = [0x55, 0x1d, 0x25];
export const OID_ANY_EKU: StaticArray<u8> = [0x55, 0x1d, 0x25, 0x00];
// Non-critical extensions we know but do not need: SKI, AKI, name constraints are critical-checked below.
export const OID_SUBJECT_KEY_ID: StaticArray<u8> = [0x55, 0x1d, 0x0e];
export const OID_AUTHORITY_KEY_ID: StaticArray<u8> = [0x55, 0x1d, 0x23];
// RFC 5280 §4.2.1.12: id-kp-serverAuth 1.3.6.1.5.5.7.3.1, id-kp-clientAuth .2
export const OID_KP_SERVER_AUTH: StaticArray<u8> = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
export const OID_KP_CLIENT_AUTH: StaticArray<u8> = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
// X.520 id-at-commonName 2.5.4.3
export const OID_COMMON_NAME: StaticArray<u8> = [0x55, 0x04, 0x03];
