// X25519 (RFC 7748 §5): Diffie-Hellman on Curve25519 with the Montgomery ladder.
//
// Constant time: the ladder runs the same 255 steps for every scalar; the
// scalar bit only feeds the mask of feCswap (no branch, no secret index); the
// final inversion is a fixed exponentiation (Fermat). The only branch on data
// is the all-zero check of the result, which the protocol makes public anyway.

import {
  FE_SIZE, feAdd, feSub, feAddSub, feMul, feSq, feMulSmallAdd, feCswap, feInvert, feFromBytes, feToBytes, feOne, feZero, feCopy,
} from "./field25519";

const X1: usize = memory.data(<i32>FE_SIZE, 8);
const X2: usize = memory.data(<i32>FE_SIZE, 8);
const Z2: usize = memory.data(<i32>FE_SIZE, 8);
const X3: usize = memory.data(<i32>FE_SIZE, 8);
const Z3: usize = memory.data(<i32>FE_SIZE, 8);
const A: usize = memory.data(<i32>FE_SIZE, 8);
const AA: usize = memory.data(<i32>FE_SIZE, 8);
const B: usize = memory.data(<i32>FE_SIZE, 8);
const BB: usize = memory.data(<i32>FE_SIZE, 8);
const E: usize = memory.data(<i32>FE_SIZE, 8);
const C: usize = memory.data(<i32>FE_SIZE, 8);
const D: usize = memory.data(<i32>FE_SIZE, 8);
const K: usize = memory.data(32, 8);
const BASE: usize = memory.data(32, 8);

/**
 * out = X25519(scalar, u) (32 bytes each). The scalar is clamped here
 * (RFC 7748 §5 decodeScalar25519) and the top bit of u is masked
 * (decodeUCoordinate). Returns false when the result is all zero (u of small
 * order; RFC 7748 §6.1: the caller MUST abort then). out may alias the inputs.
 */
export function x25519(out: usize, scalar: usize, u: usize): bool {
  // RFC 7748 §5: decodeScalar25519
  memory.copy(K, scalar, 32);
  store<u8>(K, load<u8>(K) & 248);
  store<u8>(K, (load<u8>(K, 31) & 127) | 64, 31);
  feFromBytes(X1, u);

  // RFC 7748 §5: the Montgomery ladder
  feOne(X2); feZero(Z2); feCopy(X3, X1); feOne(Z3);
  let swap: u32 = 0;
  for (let t = 254; t >= 0; t--) {
    const kt = (<u32>load<u8>(K + <usize>(t >> 3)) >> <u32>(t & 7)) & 1; // t is public
    swap ^= kt;
    feCswap(X2, X3, swap);
    feCswap(Z2, Z3, swap);
    swap = kt;
    feAddSub(A, B, X2, Z2); // A = x_2 + z_2, B = x_2 - z_2
    feSq(AA, A);           // AA = A^2
    feSq(BB, B);           // BB = B^2
    feSub(E, AA, BB);      // E = AA - BB
    feAddSub(C, D, X3, Z3); // C = x_3 + z_3, D = x_3 - z_3
    feMul(D, D, A);        // DA = D * A
    feMul(C, C, B);        // CB = C * B
    feAddSub(X3, Z3, D, C); // DA + CB, DA - CB
    feSq(X3, X3);          // x_3 = (DA + CB)^2
    feSq(Z3, Z3);
    feMul(Z3, X1, Z3);     // z_3 = x_1 * (DA - CB)^2
    feMul(X2, AA, BB);     // x_2 = AA * BB
    feMulSmallAdd(Z2, E, 121665, AA); // AA + a24 * E
    feMul(Z2, E, Z2);      // z_2 = E * (AA + a24 * E)
  }
  feCswap(X2, X3, swap);
  feCswap(Z2, Z3, swap);

  // Return x_2 * (z_2^(p - 2))
  feInvert(Z2, Z2);
  feMul(X2, X2, Z2);
  feToBytes(out, X2);

  // RFC 7748 §6.1: check for the all-zero value (OR of all bytes, no early exit).
  let acc: u64 = load<u64>(out) | load<u64>(out, 8) | load<u64>(out, 16) | load<u64>(out, 24);
  memory.fill(K, 0, 32);
  return acc != 0;
}

/** out = X25519(scalar, 9): the public key for a private scalar (RFC 7748 §6.1). */
export function x25519Base(out: usize, scalar: usize): void {
  memory.fill(BASE, 0, 32);
  store<u8>(BASE, 9);
  x25519(out, scalar, BASE);
}
