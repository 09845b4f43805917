// RFC 7468 PEM: "-----BEGIN <label>-----" base64 "-----END <label>-----".
// `pemDecodeAll` returns the DER of every block with the given label, in order.

@inline function b64val(c: u32): i32 {
  if (c >= 0x41 && c <= 0x5a) return <i32>c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return <i32>c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30 + 52;
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/** Base64 (RFC 4648 §4) ignoring whitespace; null on any other bad character or length. */
export function base64Decode(ptr: usize, len: usize): Uint8Array | null {
  const out = new Uint8Array(<i32>(len / 4 * 3 + 3));
  let acc: u32 = 0, bits: u32 = 0, n: i32 = 0, pad: i32 = 0, count: i32 = 0;
  for (let i: usize = 0; i < len; i++) {
    const c = <u32>load<u8>(ptr + i);
    if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) continue;
    if (c == 0x3d) { pad++; count++; continue; }
    if (pad > 0) return null; // data after padding
    const v = b64val(c);
    if (v < 0) return null;
    count++;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n >= out.length) return null;
      unchecked(out[n++] = <u8>(acc >> bits));
    }
  }
  if ((count & 3) != 0 || pad > 2) return null;
  return out.slice(0, n);
}

function indexOf(hay: usize, hayLen: usize, from: usize, needle: string): isize {
  const nl = <usize>needle.length;
  if (nl == 0 || hayLen < nl) return -1;
  for (let i = from; i + nl <= hayLen; i++) {
    let ok = true;
    for (let j: usize = 0; j < nl; j++) {
      if (<u32>load<u8>(hay + i + j) != <u32>needle.charCodeAt(<i32>j)) { ok = false; break; }
    }
    if (ok) return <isize>i;
  }
  return -1;
}

/** Every PEM block labelled `label` in the text at (ptr, len), decoded; malformed blocks are skipped. */
export function pemDecodeAll(ptr: usize, len: usize, label: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const begin = "-----BEGIN " + label + "-----";
  const end = "-----END " + label + "-----";
  let pos: usize = 0;
  while (pos < len) {
    const b = indexOf(ptr, len, pos, begin);
    if (b < 0) break;
    const bodyStart = <usize>b + <usize>begin.length;
    const e = indexOf(ptr, len, bodyStart, end);
    if (e < 0) break;
    const der = base64Decode(ptr + bodyStart, <usize>e - bodyStart);
    if (der != null && der.length > 0) out.push(der);
    pos = <usize>e + <usize>end.length;
  }
  return out;
}
