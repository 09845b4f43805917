// Ed25519 signature verification (RFC 8032 §5.1.7), pure Ed25519 (no
// context, no prehash). Public data only: variable time.
//
// Points are in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, T = XY/Z,
// over field25519.ts; addition add-2008-hwcd-3 and doubling dbl-2008-hwcd
// (Hisil-Wong-Carter-Dawson, a = -1). The check is the one OpenSSL makes:
// encode([S]B - [k]A) must equal the R half of the signature, byte for byte.

import {
  FE_SIZE, feAdd, feSub, feMul, feSq, feSqN, feInvert, feFromBytes, feToBytes, feOne, feZero, feCopy,
} from "./field25519";
import { Sha512 } from "./sha512";
import { bnMontMul, bnModAdd, bnCmp, montInv32 } from "./bignum";

// RFC 8032 §5.1: constants (little-endian bytes)
const D_BYTES: usize = memory.data<u8>([0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00, 0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52]);
const D2_BYTES: usize = memory.data<u8>([0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83, 0x82, 0x9a, 0x14, 0xe0, 0x00, 0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80, 0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24]);
const SQRTM1_BYTES: usize = memory.data<u8>([0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f, 0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b]);
const BX_BYTES: usize = memory.data<u8>([0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25, 0x95, 0x60, 0xc7, 0x2c, 0x69, 0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21]);
const BY_BYTES: usize = memory.data<u8>([0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66]);
/** L = 2^252 + 27742317777372353535851937790883648493, the order of B */
const L_BYTES: usize = memory.data<u8>([0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10]);
/** 2^512 mod L (R^2 for Montgomery arithmetic mod L, R = 2^256) */
const R2L: usize = memory.data<u8>([0x01, 0x0f, 0x9c, 0x44, 0xe3, 0x11, 0x06, 0xa4, 0x47, 0x93, 0x85, 0x68, 0xa7, 0x1b, 0x0e, 0xd0, 0x65, 0xbe, 0xf5, 0x17, 0xd2, 0x73, 0xec, 0xce, 0x3d, 0x9a, 0x30, 0x7c, 0x1b, 0x41, 0x99, 0x03], 8);

const PT: usize = 4 * FE_SIZE; // X, Y, Z, T
const FD: usize = memory.data(<i32>FE_SIZE, 8);
const FD2: usize = memory.data(<i32>FE_SIZE, 8);
const FSQRTM1: usize = memory.data(<i32>FE_SIZE, 8);
let constantsReady = false;

function loadConstants(): void {
  if (constantsReady) return;
  feFromBytes(FD, D_BYTES);
  feFromBytes(FD2, D2_BYTES);
  feFromBytes(FSQRTM1, SQRTM1_BYTES);
  constantsReady = true;
}

const E0: usize = memory.data(<i32>FE_SIZE, 8);
const E1: usize = memory.data(<i32>FE_SIZE, 8);
const E2: usize = memory.data(<i32>FE_SIZE, 8);
const E3: usize = memory.data(<i32>FE_SIZE, 8);
const E4: usize = memory.data(<i32>FE_SIZE, 8);
const E5: usize = memory.data(<i32>FE_SIZE, 8);
const BYTES: usize = memory.data(32, 8);
const BYTES2: usize = memory.data(32, 8);

/** Normalizes the limbs of f (a multiplication by one). */
@inline function feCarry(f: usize): void {
  feMul(f, f, ONE_FE);
}
const ONE_FE: usize = memory.data(<i32>FE_SIZE, 8);

/** z^((p-5)/8) = z^(2^252 - 3) */
function fePow22523(out: usize, z: usize): void {
  const t0 = E3, t1 = E4, t2 = E5;
  feSq(t0, z);
  feSqN(t1, t0, 2);
  feMul(t1, z, t1);
  feMul(t0, t0, t1);
  feSq(t0, t0);
  feMul(t0, t1, t0);        // z^(2^5 - 1)
  feSqN(t1, t0, 5);
  feMul(t0, t1, t0);        // 2^10 - 1
  feSqN(t1, t0, 10);
  feMul(t1, t1, t0);        // 2^20 - 1
  feSqN(t2, t1, 20);
  feMul(t1, t2, t1);        // 2^40 - 1
  feSqN(t1, t1, 10);
  feMul(t0, t1, t0);        // 2^50 - 1
  feSqN(t1, t0, 50);
  feMul(t1, t1, t0);        // 2^100 - 1
  feSqN(t2, t1, 100);
  feMul(t1, t2, t1);        // 2^200 - 1
  feSqN(t1, t1, 50);
  feMul(t0, t1, t0);        // 2^250 - 1
  feSqN(t0, t0, 2);         // 2^252 - 4
  feMul(out, t0, z);        // 2^252 - 3
}

@inline function feIsZero(f: usize): bool {
  feToBytes(BYTES2, f);
  return (load<u64>(BYTES2) | load<u64>(BYTES2, 8) | load<u64>(BYTES2, 16) | load<u64>(BYTES2, 24)) == 0;
}

@inline function feEqual(f: usize, g: usize): bool {
  feSub(E5, f, g);
  return feIsZero(E5);
}

/** RFC 8032 §5.1.3: decodes a 32-byte point into extended coordinates; false when it is not a valid encoding. */
function decodePoint(p: usize, s: usize): bool {
  const X = p, Y = p + FE_SIZE, Z = p + 2 * FE_SIZE, T = p + 3 * FE_SIZE;
  const sign = <u32>load<u8>(s, 31) >> 7;
  // 1. y < p (the encoding must be canonical)
  feFromBytes(Y, s);
  feToBytes(BYTES, Y);
  if (load<u64>(BYTES) != load<u64>(s) || load<u64>(BYTES, 8) != load<u64>(s, 8) || load<u64>(BYTES, 16) != load<u64>(s, 16) ||
      load<u64>(BYTES, 24) != (load<u64>(s, 24) & 0x7fffffffffffffff)) return false;
  // 2. x^2 = u / v, u = y^2 - 1, v = d y^2 + 1; x = u v^3 (u v^7)^((p-5)/8)
  const u = E0, v = E1, x = E2;
  feOne(Z);
  feSq(u, Y);
  feMul(v, u, FD);
  feSub(u, u, Z);
  feAdd(v, v, Z);
  feSq(x, v);
  feMul(x, x, v);           // v^3
  feMul(T, x, u);           // u v^3
  feSq(x, x);
  feMul(x, x, v);
  feMul(x, x, u);           // u v^7
  fePow22523(x, x);
  feMul(x, x, T);           // candidate root
  // 3. v x^2 == u: x; v x^2 == -u: x sqrt(-1); else no square root
  feSq(T, x);
  feMul(T, T, v);
  if (!feEqual(T, u)) {
    feAdd(T, T, u);
    if (!feIsZero(T)) return false;
    feMul(x, x, FSQRTM1);
  }
  // 4. x = 0 with the sign bit set is invalid; choose the root with the right parity
  feToBytes(BYTES, x);
  const isZero = (load<u64>(BYTES) | load<u64>(BYTES, 8) | load<u64>(BYTES, 16) | load<u64>(BYTES, 24)) == 0;
  if (isZero && sign == 1) return false;
  if ((<u32>load<u8>(BYTES) & 1) != sign) {
    feZero(X);
    feSub(X, X, x);
    feCarry(X);
  } else {
    feCopy(X, x);
  }
  feMul(T, X, Y);
  return true;
}

const PA: usize = memory.data(<i32>FE_SIZE, 8);
const PB: usize = memory.data(<i32>FE_SIZE, 8);
const PC: usize = memory.data(<i32>FE_SIZE, 8);
const PDD: usize = memory.data(<i32>FE_SIZE, 8);

/** o = p + q (add-2008-hwcd-3, complete for a = -1); o may alias p or q. */
function pointAdd(o: usize, p: usize, q: usize): void {
  const X1 = p, Y1 = p + FE_SIZE, Z1 = p + 2 * FE_SIZE, T1 = p + 3 * FE_SIZE;
  const X2 = q, Y2 = q + FE_SIZE, Z2 = q + 2 * FE_SIZE, T2 = q + 3 * FE_SIZE;
  const A = PA, B = PB, C = PC, D = PDD, t = E0;
  feSub(A, Y1, X1); feSub(t, Y2, X2); feMul(A, A, t);   // A = (Y1 - X1)(Y2 - X2)
  feAdd(B, Y1, X1); feAdd(t, Y2, X2); feMul(B, B, t);   // B = (Y1 + X1)(Y2 + X2)
  feMul(C, T1, FD2); feMul(C, C, T2);                   // C = T1 2d T2
  feMul(D, Z1, Z2); feAdd(D, D, D);                     // D = 2 Z1 Z2
  const E = E1, F = E2, G = E3, H = E4;
  feSub(E, B, A); feSub(F, D, C); feAdd(G, D, C); feAdd(H, B, A);
  feMul(o, E, F);                   // X3 = E F
  feMul(o + FE_SIZE, G, H);         // Y3 = G H
  feMul(o + 3 * FE_SIZE, E, H);     // T3 = E H
  feMul(o + 2 * FE_SIZE, F, G);     // Z3 = F G
}

/** o = 2 p (dbl-2008-hwcd, a = -1); o may alias p. */
function pointDouble(o: usize, p: usize): void {
  const X1 = p, Y1 = p + FE_SIZE, Z1 = p + 2 * FE_SIZE;
  const A = PA, B = PB, C = PC, E = E1, F = E2, G = E3, H = E4;
  feSq(A, X1);                      // A = X1^2
  feSq(B, Y1);                      // B = Y1^2
  feSq(C, Z1); feAdd(C, C, C);      // C = 2 Z1^2
  feAdd(E, X1, Y1); feSq(E, E); feSub(E, E, A); feSub(E, E, B); // E = (X1 + Y1)^2 - A - B
  feSub(G, B, A);                   // G = D + B with D = -A
  feSub(F, G, C);                   // F = G - C
  feZero(H); feSub(H, H, A); feSub(H, H, B); // H = D - B = -A - B
  feMul(o, E, F);
  feMul(o + FE_SIZE, G, H);
  feMul(o + 3 * FE_SIZE, E, H);
  feMul(o + 2 * FE_SIZE, F, G);
}

function pointIdentity(o: usize): void {
  feZero(o); feOne(o + FE_SIZE); feOne(o + 2 * FE_SIZE); feZero(o + 3 * FE_SIZE);
}

// Window tables [0..15]B and [0..15](-A), and the accumulator
const TB: usize = memory.data(16 * 4 * <i32>FE_SIZE, 8);
const TA: usize = memory.data(16 * 4 * <i32>FE_SIZE, 8);
const ACC: usize = memory.data(4 * <i32>FE_SIZE, 8);
const PT_A: usize = memory.data(4 * <i32>FE_SIZE, 8);
let tbReady = false;

function buildTable(t: usize, p: usize): void {
  pointIdentity(t);
  memory.copy(t + PT, p, PT);
  for (let i: usize = 2; i < 16; i++) pointAdd(t + i * PT, t + (i - 1) * PT, p);
}

const SHA = new Sha512();
const HRAM: usize = memory.data(64, 8);
const KL: usize = memory.data(32, 8);
const KH: usize = memory.data(32, 8);
const L_LIMBS: usize = memory.data(32, 8);
const ONE_L: usize = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0], 8);
const SCALAR_S: usize = memory.data(32, 8);

// Digit w (4 bits) of a 32-byte little-endian scalar
@inline function nibble(k: usize, w: i32): u32 {
  return (<u32>load<u8>(k + <usize>(w >> 1)) >> (<u32>(w & 1) << 2)) & 15;
}

/**
 * RFC 8032 §5.1.7: verifies the 64-byte signature R ‖ S of msg under the
 * 32-byte public key A. False for a non-canonical S (S >= L), an A that does
 * not decode, or a mismatch.
 */
export function ed25519Verify(pub32: usize, msg: usize, msgLen: usize, sig64: usize): bool {
  loadConstants();
  feOne(ONE_FE);
  // 1. S < L (little-endian limbs compare as integers on a little-endian machine)
  memory.copy(L_LIMBS, L_BYTES, 32);
  memory.copy(SCALAR_S, sig64 + 32, 32);
  if (bnCmp(SCALAR_S, L_LIMBS, 8) >= 0) return false;
  if (!decodePoint(PT_A, pub32)) return false;
  // 2. k = SHA-512(R ‖ A ‖ M) mod L
  SHA.reset();
  SHA.update(sig64, 32);
  SHA.update(pub32, 32);
  SHA.update(msg, msgLen);
  SHA.finish(HRAM);
  const l0inv = montInv32(load<u32>(L_LIMBS));
  bnMontMul(KH, HRAM + 32, R2L, L_LIMBS, 8, l0inv);   // k_hi 2^256 mod L
  bnMontMul(KL, HRAM, R2L, L_LIMBS, 8, l0inv);        // k_lo R
  bnMontMul(KL, KL, ONE_L, L_LIMBS, 8, l0inv);        // k_lo mod L
  bnModAdd(KL, KL, KH, L_LIMBS, 8);                   // k
  // 3. R' = [S]B + [k](-A), 4-bit windows with a shared doubling chain
  if (!tbReady) {
    const b = ACC;
    feFromBytes(b, BX_BYTES); feFromBytes(b + FE_SIZE, BY_BYTES); feOne(b + 2 * FE_SIZE); feMul(b + 3 * FE_SIZE, b, b + FE_SIZE);
    buildTable(TB, b);
    tbReady = true;
  }
  // -A = (-X, Y, Z, -T)
  feZero(E0); feSub(PT_A, E0, PT_A); feCarry(PT_A);
  feSub(PT_A + 3 * FE_SIZE, E0, PT_A + 3 * FE_SIZE); feCarry(PT_A + 3 * FE_SIZE);
  buildTable(TA, PT_A);
  pointIdentity(ACC);
  for (let w = 63; w >= 0; w--) {
    if (w != 63) { pointDouble(ACC, ACC); pointDouble(ACC, ACC); pointDouble(ACC, ACC); pointDouble(ACC, ACC); }
    const ds = nibble(SCALAR_S, w), dk = nibble(KL, w);
    if (ds != 0) pointAdd(ACC, ACC, TB + <usize>ds * PT);
    if (dk != 0) pointAdd(ACC, ACC, TA + <usize>dk * PT);
  }
  // 4. encode R' and compare with R
  feInvert(E0, ACC + 2 * FE_SIZE);
  feMul(E1, ACC, E0);               // x
  feMul(E2, ACC + FE_SIZE, E0);     // y
  feToBytes(BYTES, E1);
  const xSign = <u32>load<u8>(BYTES) & 1;
  feToBytes(BYTES, E2);
  store<u8>(BYTES, load<u8>(BYTES, 31) | <u8>(xSign << 7), 31);
  let diff: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) diff |= load<u64>(BYTES + i) ^ load<u64>(sig64 + i);
  return diff == 0;
}
