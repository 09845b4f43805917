// Multi-precision arithmetic on little-endian arrays of u32 limbs in linear
// memory, for P-256 (8 limbs) and RSA (64..128 limbs).
//
// Products of two limbs are taken in u64: a*b + c + d < 2^64 for 32-bit
// a, b, c, d, so the multiply-accumulate steps never overflow.
//
// Constant time: the functions marked CT run the same instructions and touch
// the same addresses whatever the limb values (carries and borrows become
// masks, never branches); they are the ones secret data goes through. The
// ones marked VT branch on values and are for public data only (RSA
// verification, public constants).

/** Largest operand: 4096-bit RSA moduli, plus slack. */
export const BN_MAX_LIMBS: i32 = 130;

const T: usize = memory.data((BN_MAX_LIMBS + 2) * 4, 8);

/** CT: -m^-1 mod 2^32 for odd m0 (Newton iteration). */
export function montInv32(m0: u32): u32 {
  let x: u32 = m0; // correct to 3 bits for odd m0 (m0 * m0 = 1 mod 8)
  x *= 2 - m0 * x;
  x *= 2 - m0 * x;
  x *= 2 - m0 * x;
  x *= 2 - m0 * x;
  return 0 - x;
}

/** VT: little-endian limbs (n) from a big-endian byte string of any length; false when the value does not fit. */
export function bnFromBytesBE(out: usize, n: i32, src: usize, len: i32): bool {
  let i = len - 1; // byte index into src, least significant first
  for (let l = 0; l < n; l++) {
    let w: u32 = 0;
    for (let b = 0; b < 4; b++) {
      if (i >= 0) { w |= <u32>load<u8>(src + <usize>i) << (<u32>b * 8); i--; }
    }
    store<u32>(out + (<usize>l << 2), w);
  }
  // bytes left over must be zero
  let rest: u32 = 0;
  for (; i >= 0; i--) rest |= load<u8>(src + <usize>i);
  return rest == 0;
}

/** CT: big-endian byte string of exactly `len` bytes from n limbs (len <= 4n; higher limbs' bytes dropped). */
export function bnToBytesBE(dst: usize, len: i32, a: usize, n: i32): void {
  for (let i = 0; i < len; i++) {
    const byteIdx = len - 1 - i; // significance of dst[i]
    const l = byteIdx >> 2;
    let v: u32 = 0;
    if (l < n) v = load<u32>(a + (<usize>l << 2)) >> (<u32>(byteIdx & 3) * 8);
    store<u8>(dst + <usize>i, <u8>v);
  }
}

/** CT: out = a + b, returns the carry (0/1). out may alias. */
export function bnAdd(out: usize, a: usize, b: usize, n: i32): u32 {
  let c: u64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    c += <u64>load<u32>(a + o) + <u64>load<u32>(b + o);
    store<u32>(out + o, <u32>c);
    c >>= 32;
  }
  return <u32>c;
}

/** CT: out = a - b, returns the borrow (0/1). out may alias. */
export function bnSub(out: usize, a: usize, b: usize, n: i32): u32 {
  let c: i64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    c += <i64>load<u32>(a + o) - <i64>load<u32>(b + o);
    store<u32>(out + o, <u32>c);
    c >>= 32; // arithmetic: 0 or -1
  }
  return <u32>(-c);
}

/** CT: out = mask ? a : b, mask all ones or zero. */
export function bnSelect(out: usize, mask: u32, a: usize, b: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<u32>(a + o), y = load<u32>(b + o);
    store<u32>(out + o, y ^ (mask & (x ^ y)));
  }
}

/** CT: all ones when a == 0, else zero. */
export function bnIsZeroMask(a: usize, n: i32): u32 {
  let acc: u32 = 0;
  for (let i = 0; i < n; i++) acc |= load<u32>(a + (<usize>i << 2));
  return <u32>((<u64>acc - 1) >> 32); // 0 - 1 borrows into the high word only for acc == 0
}

/** CT: all ones when a < b, else zero. */
export function bnLtMask(a: usize, b: usize, n: i32): u32 {
  let c: i64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    c += <i64>load<u32>(a + o) - <i64>load<u32>(b + o);
    c >>= 32;
  }
  return <u32>c; // -1 (all ones) on a final borrow
}

/** VT: -1, 0, 1 as a <, ==, > b. */
export function bnCmp(a: usize, b: usize, n: i32): i32 {
  for (let i = n - 1; i >= 0; i--) {
    const o = <usize>i << 2;
    const x = load<u32>(a + o), y = load<u32>(b + o);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/** CT: out = a + b mod m, for a, b < m. out may alias. */
export function bnModAdd(out: usize, a: usize, b: usize, m: usize, n: i32): void {
  const c = bnAdd(out, a, b, n);
  const d = T;
  const borrow = bnSub(d, out, m, n);
  // subtract m when the sum carried out or is >= m (no borrow)
  const useD = (0 - c) | (borrow - 1);
  bnSelect(out, useD, d, out, n);
}

/** CT: out = a - b mod m, for a, b < m. out may alias. */
export function bnModSub(out: usize, a: usize, b: usize, m: usize, n: i32): void {
  const borrow = bnSub(out, a, b, n);
  // add m back, masked by the borrow
  const mask: u32 = 0 - borrow;
  let c: u64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    c += <u64>load<u32>(out + o) + <u64>(load<u32>(m + o) & mask);
    store<u32>(out + o, <u32>c);
    c >>= 32;
  }
}

/**
 * CT: out = a * b * 2^(-32n) mod m (Montgomery multiplication, CIOS), for
 * a, b < m, m odd, m0inv = montInv32(m[0]). out may alias a or b.
 */
export function bnMontMul(out: usize, a: usize, b: usize, m: usize, n: i32, m0inv: u32): void {
  const t = T;
  memory.fill(t, 0, (<usize>n + 2) << 2);
  const tn = t + (<usize>n << 2);
  for (let i = 0; i < n; i++) {
    const bi = <u64>load<u32>(b + (<usize>i << 2));
    // t += a * b[i]
    let c: u64 = 0;
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      c += <u64>load<u32>(t + o) + <u64>load<u32>(a + o) * bi;
      store<u32>(t + o, <u32>c);
      c >>= 32;
    }
    c += <u64>load<u32>(tn);
    store<u32>(tn, <u32>c);
    store<u32>(tn, <u32>(c >> 32), 4);
    // t = (t + q m) / 2^32 with q chosen so that the low limb vanishes
    const q32: u32 = load<u32>(t) * m0inv; // mod 2^32 (a u64 context would widen the product)
    const q = <u64>q32;
    c = (<u64>load<u32>(t) + q * <u64>load<u32>(m)) >> 32;
    for (let j = 1; j < n; j++) {
      const o = <usize>j << 2;
      c += <u64>load<u32>(t + o) + q * <u64>load<u32>(m + o);
      store<u32>(t + o - 4, <u32>c);
      c >>= 32;
    }
    c += <u64>load<u32>(tn);
    store<u32>(tn - 4, <u32>c);
    store<u32>(tn, load<u32>(tn, 4) + <u32>(c >> 32));
  }
  // t < 2m: subtract m unless that borrows past the top limb
  const borrow = bnSub(out, t, m, n);
  const keepT: u32 = 0 - (<u32>(load<u32>(tn) < borrow));
  bnSelect(out, keepT, t, out, n);
}

/** VT: bit length of a (0 for zero). */
export function bnBitLen(a: usize, n: i32): i32 {
  for (let i = n - 1; i >= 0; i--) {
    const w = load<u32>(a + (<usize>i << 2));
    if (w != 0) return i * 32 + 32 - <i32>clz(w);
  }
  return 0;
}

/** VT: out = 2 out mod m, for out < m. */
function bnModDouble(out: usize, m: usize, n: i32): void {
  const carry = bnAdd(out, out, out, n);
  if (carry != 0 || bnCmp(out, m, n) >= 0) bnSub(out, out, m, n);
}

/** VT (public m only): out = 2^(64n) mod m (the Montgomery constant R^2), m odd and > 1. */
export function bnMontR2(out: usize, m: usize, n: i32, m0inv: u32): void {
  // R mod m: start from 2^(bits-1) < m and double up to 2^(32n).
  const bits = bnBitLen(m, n);
  memory.fill(out, 0, <usize>n << 2);
  const top = bits - 1;
  store<u32>(out + (<usize>(top >> 5) << 2), <u32>1 << <u32>(top & 31));
  for (let i = top; i < 32 * n; i++) bnModDouble(out, m, n);
  // 32n = c 2^k with c odd: double c times (-> 2^c R), then square k times in Montgomery form (-> 2^(32n) R).
  let k = 0;
  let c = 32 * n;
  while ((c & 1) == 0) { c >>= 1; k++; }
  for (let i = 0; i < c; i++) bnModDouble(out, m, n);
  for (let i = 0; i < k; i++) bnMontMul(out, out, out, m, n, m0inv);
}
