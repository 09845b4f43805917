// assembly/quic/packet.ts: header parsing (RFC 9000 §17, RFC 8999, RFC 9369
// §3.2), coalesced datagrams (§12.2), Version Negotiation (§6, §17.2.1) and
// Retry (§17.2.5, RFC 9001 §5.8). Parsing is checked against a reference
// parser written below from the RFC text, on RFC 9001 / 9369 Appendix A
// packets, packets from tests/helpers/packet.ts, and random / mutated bytes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { hex, toHex } from '../helpers/hex.js';
import { longHeaderPacket, shortHeaderPacket, retryPacket, versionNegotiation, clientInitial } from '../helpers/packet.js';
import * as A from './rfc9001_vectors.js';

const V1 = 0x00000001, V2 = 0x6b3343cf;
const DCID = hex('8394c8f03e515708');
const SCID = hex('f067a5502a4262b5');
const INITIAL = 0, ZERO_RTT = 1, HANDSHAKE = 2, ONE_RTT = 3, RETRY = 4, VN = 5, UNKNOWN = 6;
const TOO_SHORT = -1, FIXED_BIT_CLEAR = -2, CID_TOO_LONG = -3, LENGTH_BEYOND = -4, TOKEN_BEYOND = -5, UNKNOWN_VERSION = -6, VN_MALFORMED = -7;
const TYPE_NAMES = ['initial', '0rtt', 'handshake'] as const;

// RFC 9369 Appendix A (QUIC v2), as quoted in tests/quic/protection.test.ts.
const V2_SERVER_INITIAL = 'dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca84bed8521e2e140';
const V2_RETRY = 'cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6';
const V2_SHORT = '5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba';
const A5_SECRET = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');

interface Fields {
  rc: number; isLong: number; type: number; version: number; firstByte: number;
  dcid: number; dcidLen: number; scid: number; scidLen: number; token: number; tokenLen: number; pnOffset: number; packetLen: number;
}
const NAMES = ['rc', 'isLong', 'type', 'version', 'firstByte', 'dcid', 'dcidLen', 'scid', 'scidLen', 'token', 'tokenLen', 'pnOffset', 'packetLen'] as const;
const toFields = (a: bigint[]): Fields => Object.fromEntries(NAMES.map((n, i) => [n, Number(a[i])])) as unknown as Fields;

/** RFC 9000 §16. */
function varint(b: Uint8Array, o: number): [number, number] | null {
  if (o >= b.length) return null;
  const len = 1 << (b[o] >> 6);
  if (o + len > b.length) return null;
  let v = BigInt(b[o] & 0x3f);
  for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(b[o + i]);
  return [Number(v), len]; // exact below 2^53; larger values only ever compare as "too large"
}

/**
 * The reference: RFC 8999 §5 invariants, then RFC 9000 §17.2 / §17.3.1 for v1 and
 * RFC 9369 §3.2 for v2, with the PARSE_* codes and the order packet.ts documents.
 */
function refParse(b: Uint8Array, shortDcidLen: number, grease = false): Fields {
  const f: Fields = { rc: 0, isLong: 0, type: UNKNOWN, version: 0, firstByte: 0, dcid: -1, dcidLen: 0, scid: -1, scidLen: 0, token: -1, tokenLen: 0, pnOffset: 0, packetLen: 0 };
  const n = b.length;
  const fail = (rc: number): Fields => ({ ...f, rc, packetLen: 0, pnOffset: 0, token: -1, tokenLen: 0 });
  if (n < 1) return { ...f, rc: TOO_SHORT };
  const first = b[0];
  f.firstByte = first;
  const fixedClear = (first & 0x40) === 0 && !grease;
  if ((first & 0x80) === 0) {
    if (shortDcidLen < 0 || shortDcidLen > 255 || 1 + shortDcidLen > n) return { ...f, rc: TOO_SHORT };
    Object.assign(f, { dcid: 1, dcidLen: shortDcidLen, type: ONE_RTT, packetLen: n });
    if (fixedClear) return fail(FIXED_BIT_CLEAR);
    if (shortDcidLen > 20) return fail(CID_TOO_LONG);
    if (n - (1 + shortDcidLen) < 20) return fail(TOO_SHORT); // RFC 9001 §5.4.2 sample
    f.pnOffset = 1 + shortDcidLen;
    return f;
  }
  f.isLong = 1;
  if (n < 6) return { ...f, rc: TOO_SHORT };
  const version = ((b[1] << 24) | (b[2] << 16) | (b[3] << 8) | b[4]) >>> 0;
  const dl = b[5];
  if (6 + dl + 1 > n) return { ...f, rc: TOO_SHORT };
  const sl = b[6 + dl];
  let o = 7 + dl + sl;
  if (o > n) return { ...f, rc: TOO_SHORT };
  Object.assign(f, { version, dcid: 6, dcidLen: dl, scid: 7 + dl, scidLen: sl, type: version === 0 ? VN : UNKNOWN, packetLen: n });
  if (version === 0) {
    f.token = o; f.tokenLen = n - o;
    return { ...f, rc: f.tokenLen === 0 || f.tokenLen % 4 !== 0 ? VN_MALFORMED : 0 };
  }
  if (version !== V1 && version !== V2) return { ...f, rc: UNKNOWN_VERSION };
  if (fixedClear) return fail(FIXED_BIT_CLEAR);
  if (dl > 20 || sl > 20) return fail(CID_TOO_LONG);
  const bits = (first >> 4) & 3;
  const v1bits = version === V2 ? (bits + 3) & 3 : bits;
  f.type = v1bits === 3 ? RETRY : v1bits;
  if (f.type === RETRY) {
    if (n - o < 16) return fail(TOO_SHORT);
    f.token = o; f.tokenLen = n - o - 16;
    return f;
  }
  if (f.type === INITIAL) {
    const t = varint(b, o);
    if (!t) return fail(TOO_SHORT);
    o += t[1];
    if (t[0] > n - o) return fail(TOKEN_BEYOND);
    f.token = o; f.tokenLen = t[0];
    o += t[0];
  }
  const l = varint(b, o);
  if (!l) return fail(TOO_SHORT);
  o += l[1];
  if (l[0] > n - o || l[0] < 20) return fail(LENGTH_BEYOND);
  f.pnOffset = o;
  f.packetLen = o + l[0];
  return f;
}

/** A header that is nearly valid: each field drawn from values around the boundaries. */
const headerish = fc.record({
  form: fc.constantFrom(0x80, 0x00),
  bits: fc.integer({ min: 0, max: 0x7f }),
  version: fc.constantFrom(0, V1, V2, 0x1a2a3a4a, 0xff00001d),
  dcidLen: fc.oneof(fc.integer({ min: 0, max: 21 }), fc.integer({ min: 0, max: 255 })),
  scidLen: fc.oneof(fc.integer({ min: 0, max: 21 }), fc.integer({ min: 0, max: 255 })),
  tokenLen: fc.oneof(fc.integer({ min: 0, max: 70 }), fc.constant(16383), fc.constant(2 ** 30)),
  length: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 20000 }), fc.constant(2 ** 40)),
  rest: fc.integer({ min: 0, max: 120 }),
  cut: fc.nat(),
}).map((h) => {
  const vi = (v: number): number[] => v < 64 ? [v] : v < 16384 ? [0x40 | (v >> 8), v & 255]
    : v < 2 ** 30 ? [0x80 | (v >>> 24), (v >> 16) & 255, (v >> 8) & 255, v & 255]
    : [0xc0, 0, 0, 1, 0, 0, 0, 0]; // 2^32: beyond any datagram
  const bytes = [h.form | h.bits];
  if (h.form) bytes.push(h.version >>> 24, (h.version >> 16) & 255, (h.version >> 8) & 255, h.version & 255,
    h.dcidLen, ...new Array(h.dcidLen).fill(0xd1), h.scidLen, ...new Array(h.scidLen).fill(0x5c),
    ...vi(h.tokenLen), ...new Array(Math.min(h.tokenLen, 80)).fill(0x70), ...vi(h.length));
  bytes.push(...new Array(h.rest).fill(0xab));
  const out = Uint8Array.from(bytes);
  return out.subarray(0, h.cut % (out.length + 1) === 0 ? out.length : h.cut % (out.length + 1));
});

/** Protected packets from the helper, mutated: bytes flipped, cut, extended. */
function mutations(base: Uint8Array[]) {
  return fc.record({
    i: fc.nat(base.length - 1),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
    cut: fc.option(fc.nat()),
    extra: fc.uint8Array({ maxLength: 30 }),
  }).map(({ i, flips, cut, extra }) => {
    let p = Uint8Array.from([...base[i], ...extra]);
    for (const [at, x] of flips) p[at % p.length] ^= x;
    if (cut !== null) p = p.subarray(0, cut % (p.length + 1));
    return p;
  });
}

for (const variant of VARIANTS) {
  describe(`QUIC packet headers (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_packet', variant);
    const parse = (p: Uint8Array, shortDcidLen = 8, grease = false, offset = 0) => toFields(t.parse(p, offset, shortDcidLen, grease));
    const dcidOf = (p: Uint8Array, f: Fields) => toHex(p.subarray(f.dcid, f.dcid + f.dcidLen));
    const scidOf = (p: Uint8Array, f: Fields) => toHex(p.subarray(f.scid, f.scid + f.scidLen));
    const tokenOf = (p: Uint8Array, f: Fields) => p.subarray(f.token, f.token + f.tokenLen);

    it('maps the long-header type bits of v1 (RFC 9000 Table 5) and v2 (RFC 9369 §3.2) both ways', () => {
      expect([INITIAL, ZERO_RTT, HANDSHAKE, RETRY].map((ty) => t.longTypeBits(ty, V1))).toEqual([0, 1, 2, 3]);
      expect([INITIAL, ZERO_RTT, HANDSHAKE, RETRY].map((ty) => t.longTypeBits(ty, V2))).toEqual([1, 2, 3, 0]);
      for (const v of [V1, V2]) for (let bits = 0; bits < 4; bits++) expect(t.longTypeBits(t.longPacketType(bits, v), v)).toBe(bits);
    });

    it('parses the RFC 9001 A.2 client Initial and A.3 server Initial; the pn offset unprotects them', () => {
      const c = hex(A.A2_CLIENT_PACKET);
      const f = parse(c);
      expect(f).toMatchObject({ rc: 0, isLong: 1, type: INITIAL, version: V1, firstByte: 0xc0, dcidLen: 8, scidLen: 0, tokenLen: 0, pnOffset: 18, packetLen: 1200 });
      expect(dcidOf(c, f)).toBe(toHex(DCID));
      const keys = t.keysInitial(V1, DCID, true);
      const plain = t.unprotect(keys, c.subarray(0, f.packetLen), f.pnOffset, -1n);
      expect(t.lastPn.value).toBe(2n);
      expect(toHex(plain.subarray(0, 22))).toBe(A.A2_CLIENT_HEADER);
      expect(toHex(plain.subarray(22, 22 + A.A2_CLIENT_CRYPTO.length / 2))).toBe(A.A2_CLIENT_CRYPTO);

      const s = hex(A.A3_SERVER_PACKET);
      const g = parse(s);
      expect(g).toMatchObject({ rc: 0, type: INITIAL, version: V1, dcidLen: 0, scidLen: 8, tokenLen: 0, pnOffset: 18, packetLen: s.length });
      expect(scidOf(s, g)).toBe(toHex(SCID));
      const sp = t.unprotect(t.keysInitial(V1, DCID, false), s, g.pnOffset, 0n);
      expect(t.lastPn.value).toBe(1n);
      expect(toHex(sp)).toBe(A.A3_SERVER_HEADER + A.A3_SERVER_PAYLOAD);
    });

    it('parses the RFC 9001 A.5 ChaCha20 short header and A.4 Retry', () => {
      const p = hex(A.A5_PACKET);
      const f = parse(p, 0);
      expect(f).toMatchObject({ rc: 0, isLong: 0, type: ONE_RTT, dcidLen: 0, pnOffset: 1, packetLen: p.length, scid: -1, token: -1 });
      expect(toHex(t.unprotect(t.keysSecret(3, V1, A5_SECRET), p, f.pnOffset, 654360563n))).toBe('4200bff401');
      expect(t.lastPn.value).toBe(654360564n);

      const r = hex(A.A4_RETRY);
      const g = parse(r);
      expect(g).toMatchObject({ rc: 0, type: RETRY, version: V1, dcidLen: 0, scidLen: 8, tokenLen: 5, pnOffset: 0, packetLen: r.length });
      expect(Buffer.from(tokenOf(r, g)).toString()).toBe('token');
    });

    it('parses the RFC 9369 Appendix A (v2) server Initial, Retry and short header', () => {
      const s = hex(V2_SERVER_INITIAL);
      const f = parse(s);
      expect(f).toMatchObject({ rc: 0, type: INITIAL, version: V2, scidLen: 8, pnOffset: 18, packetLen: s.length });
      expect(t.unprotect(t.keysInitial(V2, DCID, false), s, f.pnOffset, 0n)).not.toBeNull();
      expect(t.lastPn.value).toBe(1n);
      // v1's Initial keys do not open it (the version is the v2 one).
      expect(t.unprotect(t.keysInitial(V1, DCID, false), s, f.pnOffset, 0n)).toBeNull();

      const r = hex(V2_RETRY);
      expect(parse(r)).toMatchObject({ rc: 0, type: RETRY, version: V2, tokenLen: 5 });
      expect(Buffer.from(t.retryCheck(r, DCID)).toString()).toBe('token');

      const p = hex(V2_SHORT);
      const g = parse(p, 0);
      expect(g).toMatchObject({ rc: 0, type: ONE_RTT, pnOffset: 1 });
      expect(toHex(t.unprotect(t.keysSecret(3, V2, A5_SECRET), p, 1, 654360563n))).toBe('4200bff401');
    });

    it('reads every long type in both versions from packets the helper crafts', () => {
      for (const version of [V1, V2]) {
        for (const [i, type] of TYPE_NAMES.entries()) {
          const p = longHeaderPacket({ type, version, dcid: DCID, scid: SCID, token: type === 'initial' ? hex('abcdef') : undefined, packetNumber: 9n, pnLength: 2, payload: new Uint8Array(30) });
          const f = parse(p);
          expect(f).toMatchObject({ rc: 0, type: i, version, dcidLen: 8, scidLen: 8, tokenLen: type === 'initial' ? 3 : 0, packetLen: p.length });
          expect(f).toEqual(refParse(p, 8));
          // the packet number field sits at pnOffset (this helper packet is unprotected)
          expect(toHex(p.subarray(f.pnOffset, f.pnOffset + 2))).toBe('0009');
        }
        const r = retryPacket({ version, dcid: SCID, scid: DCID, token: hex('0102'), originalDcid: hex('aabbccdd') });
        expect(parse(r).type).toBe(RETRY);
      }
    });

    it('splits a coalesced datagram (Initial + Handshake + 1-RTT, RFC 9000 §12.2) into packets that each unprotect', () => {
      const hsSecret = hex('11'.repeat(32)), appSecret = hex('22'.repeat(32));
      const ini = { alg: 'aes-128-gcm' as const, version: V1, secret: hex('33'.repeat(32)) };
      const parts = [
        longHeaderPacket({ type: 'initial', dcid: DCID, scid: SCID, packetNumber: 0n, pnLength: 1, payload: [{ type: 'ping' }], protection: ini }),
        longHeaderPacket({ type: 'handshake', dcid: DCID, scid: SCID, packetNumber: 300n, pnLength: 2, payload: [{ type: 'ping' }], protection: { alg: 'aes-128-gcm', version: V1, secret: hsSecret } }),
        shortHeaderPacket({ dcid: DCID, packetNumber: 70000n, pnLength: 3, payload: [{ type: 'ping' }], padTo: 600, protection: { alg: 'chacha20-poly1305', version: V1, secret: appSecret } }),
      ];
      const dg = Uint8Array.from(parts.flatMap((p) => [...p]));
      const keys = [t.keysSecret(1, V1, ini.secret), t.keysSecret(1, V1, hsSecret), t.keysSecret(3, V1, appSecret)];
      const pns = [0n, 300n, 70000n];
      let off = 0;
      for (let i = 0; i < parts.length; i++) {
        const f = parse(dg, 8, false, off);
        expect(f.rc).toBe(0);
        expect(f.type).toBe([INITIAL, HANDSHAKE, ONE_RTT][i]);
        expect(f.packetLen).toBe(parts[i].length);
        expect(toHex(dg.subarray(off + f.dcid, off + f.dcid + f.dcidLen))).toBe(toHex(DCID));
        const plain = t.unprotect(keys[i], dg.subarray(off, off + f.packetLen), f.pnOffset, pns[i] - 1n);
        expect(plain).not.toBeNull();
        expect(t.lastPn.value).toBe(pns[i]);
        expect(plain[f.pnOffset + i + 1]).toBe(0x01); // PING
        off += f.packetLen;
      }
      expect(off).toBe(dg.length);
      // A datagram cut inside the Handshake packet: the Initial still parses, the Handshake's Length runs past the end.
      const cut = dg.subarray(0, parts[0].length + parts[1].length - 1);
      expect(parse(cut).packetLen).toBe(parts[0].length);
      expect(parse(cut, 8, false, parts[0].length)).toMatchObject({ rc: LENGTH_BEYOND, type: HANDSHAKE, packetLen: 0 });
    });

    it('discards packets with the Fixed Bit clear unless grease_quic_bit was advertised (RFC 9000 §17.2, §17.3.1)', () => {
      const long = longHeaderPacket({ type: 'handshake', dcid: DCID, scid: SCID, payload: new Uint8Array(30) });
      long[0] &= ~0x40;
      expect(parse(long)).toMatchObject({ rc: FIXED_BIT_CLEAR, packetLen: 0 });
      expect(parse(long, 8, true)).toMatchObject({ rc: 0, type: HANDSHAKE, packetLen: long.length });
      const short = shortHeaderPacket({ dcid: DCID, payload: new Uint8Array(30) });
      short[0] &= ~0x40;
      expect(parse(short)).toMatchObject({ rc: FIXED_BIT_CLEAR, packetLen: 0 });
      expect(parse(short, 8, true)).toMatchObject({ rc: 0, type: ONE_RTT, pnOffset: 9 });
      // Version Negotiation's Unused bits include it: ignored (RFC 8999 §6).
      expect(parse(versionNegotiation(DCID, SCID, [V1], 0x00))).toMatchObject({ rc: 0, type: VN });
    });

    it('drops v1/v2 CIDs longer than 20 bytes but reads them for Version Negotiation (RFC 9000 §17.2, RFC 8999 §5.1)', () => {
      const cid21 = new Uint8Array(21).fill(7);
      for (const version of [V1, V2]) {
        expect(parse(longHeaderPacket({ type: 'handshake', version, dcid: cid21, scid: SCID, payload: new Uint8Array(30) })).rc).toBe(CID_TOO_LONG);
        expect(parse(longHeaderPacket({ type: 'handshake', version, dcid: DCID, scid: cid21, payload: new Uint8Array(30) })).rc).toBe(CID_TOO_LONG);
        expect(parse(longHeaderPacket({ type: 'handshake', version, dcid: cid21.subarray(0, 20), scid: cid21.subarray(1), payload: new Uint8Array(30) })).rc).toBe(0);
      }
      // An unknown version: the invariant fields, 255-byte CIDs included, for the Version Negotiation answer.
      const big = new Uint8Array(255).fill(9);
      const p = Uint8Array.from([0xc3, 0x0a, 0x1a, 0x2a, 0x3a, 255, ...big, 21, ...cid21, 1, 2, 3]);
      const f = parse(p);
      expect(f).toMatchObject({ rc: UNKNOWN_VERSION, isLong: 1, type: UNKNOWN, version: 0x0a1a2a3a, dcid: 6, dcidLen: 255, scid: 262, scidLen: 21, packetLen: p.length });
      expect(toFields(t.parseInvariant(p, 0, 0))).toMatchObject({ rc: 0, version: 0x0a1a2a3a, dcidLen: 255, scidLen: 21 });
      // a short header's DCID length is the receiver's: above 20 it cannot be v1/v2
      expect(parse(new Uint8Array(60).fill(0x41), 21).rc).toBe(CID_TOO_LONG);
      expect(parse(new Uint8Array(60).fill(0x41), -1).rc).toBe(TOO_SHORT);
      expect(toFields(t.parseInvariant(new Uint8Array(60).fill(0x41), 0, 40))).toMatchObject({ rc: 0, type: ONE_RTT, dcid: 1, dcidLen: 40 });
    });

    it('bounds Token Length and Length by the datagram, and Length below by the sample (RFC 9001 §5.4.2)', () => {
      const p = longHeaderPacket({ type: 'initial', dcid: DCID, scid: SCID, token: new Uint8Array(10), pnLength: 1, payload: new Uint8Array(40) });
      const tokenLenAt = 1 + 4 + 1 + 8 + 1 + 8;
      const q = p.slice(); q[tokenLenAt] = 63;
      expect(parse(q).rc).toBe(TOKEN_BEYOND);
      expect(parse(p.subarray(0, tokenLenAt + 5)).rc).toBe(TOKEN_BEYOND);
      expect(parse(p.subarray(0, tokenLenAt + 11)).rc).toBe(TOO_SHORT); // no Length field
      expect(parse(p.subarray(0, p.length - 1)).rc).toBe(LENGTH_BEYOND);
      expect(parse(p).packetLen).toBe(p.length);
      const lengthAt = tokenLenAt + 11;
      // Length = 19 (one byte less than a packet number, 3 payload bytes and the tag): too small
      const s = p.slice(0, lengthAt + 2 + 19); s[lengthAt] = 0x40; s[lengthAt + 1] = 19;
      expect(parse(s).rc).toBe(LENGTH_BEYOND);
      s[lengthAt + 1] = 20;
      expect(parse(s).rc).toBe(LENGTH_BEYOND);
      expect(parse(Uint8Array.from([...s, 0])).packetLen).toBe(s.length + 1);
      // a short header needs pn offset + 4 + 16 bytes
      expect(parse(new Uint8Array(1 + 8 + 19).fill(0x40)).rc).toBe(TOO_SHORT);
      expect(parse(new Uint8Array(1 + 8 + 20).fill(0x40)).rc).toBe(0);
      // the empty datagram, and a long header cut in each invariant field
      expect(parse(new Uint8Array(0)).rc).toBe(TOO_SHORT);
      const whole = Uint8Array.from([0xc0, 0, 0, 0, 1, 2, 0xaa, 0xbb, 1, 0xcc]);
      for (let n = 1; n < whole.length; n++) expect(parse(whole.subarray(0, n)).rc).toBe(TOO_SHORT);
    });

    it('parses Version Negotiation: version 0, the list; empty or truncated lists are ignored (RFC 8999 §6)', () => {
      const p = versionNegotiation(SCID, DCID, [V2, V1, 0x0a0a0a0a], 0x55);
      const f = parse(p);
      expect(f).toMatchObject({ rc: 0, isLong: 1, type: VN, version: 0, firstByte: 0xd5, dcidLen: 8, scidLen: 8, tokenLen: 12, packetLen: p.length, pnOffset: 0 });
      expect(t.vnVersions()).toEqual([V2, V1, 0x0a0a0a0a]);
      expect(t.vnLists(V1)).toBe(true);
      expect(t.vnLists(0x1)).toBe(true);
      expect(t.vnLists(0x2)).toBe(false);
      expect(t.vnAt(3)).toBe(0);
      expect(t.vnAt(-1)).toBe(0);
      expect(parse(versionNegotiation(SCID, DCID, [])).rc).toBe(VN_MALFORMED);
      expect(parse(p.subarray(0, p.length - 1))).toMatchObject({ rc: VN_MALFORMED, type: VN, dcidLen: 8 });
      // and no versions come out of anything that is not a VN
      parse(hex(A.A4_RETRY));
      expect(t.vnVersions()).toEqual([]);
    });

    it('encodes Version Negotiation (RFC 9000 §17.2.1): echoed CIDs, random unused bits with 0x80 and 0x40 set', async () => {
      // a fixed "random" byte makes the first byte predictable
      const d = await loadTest<any>('quic_packet', variant, { random: (o) => o.fill(0x2b) });
      const p = d.vnEncode(SCID, DCID, Uint32Array.of(V1, V2));
      expect(toHex(p)).toBe(toHex(versionNegotiation(SCID, DCID, [V1, V2], 0xc0 | 0x2b)));
      const seen = new Set<number>();
      for (let i = 0; i < 64; i++) {
        const q = t.vnEncode(new Uint8Array(0), DCID, Uint32Array.of(V1));
        expect(q[0] & 0xc0).toBe(0xc0);
        seen.add(q[0]);
      }
      expect(seen.size).toBeGreaterThan(8); // the unused bits do vary
      expect(t.vnEncode(SCID, DCID, new Uint32Array(0))).toBeNull();
      const cid255 = new Uint8Array(255).fill(1);
      expect(t.vnEncode(cid255, cid255, Uint32Array.of(V1)).length).toBe(1 + 4 + 1 + 255 + 1 + 255 + 4);
      // a fixed buffer: all or nothing
      const need = 1 + 4 + 1 + 8 + 1 + 8 + 8;
      expect(t.vnEncodeFixed(need + 3, 3, SCID, DCID, Uint32Array.of(V1, V2))).toBe(need);
      expect(t.vnEncodeFixed(need + 2, 3, SCID, DCID, Uint32Array.of(V1, V2))).toBe(0);
    });

    it('round-trips Version Negotiation and applies the client rules of RFC 9000 §6.2 (fast-check)', () => {
      fc.assert(fc.property(
        fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (ourDcid, ourScid, versions, ourVersion) => {
          // the server answers our packet: its dcid = our scid, its scid = our dcid
          const p = t.vnEncode(ourScid, ourDcid, Uint32Array.from(versions));
          expect(parse(p)).toEqual({ ...refParse(p, 0), rc: 0 });
          expect(t.vnVersions()).toEqual(versions);
          const lists = versions.includes(ourVersion);
          expect(t.vnCheck(p, ourDcid, ourScid, ourVersion)).toBe(!lists);
          expect(toFields(t.lastFields())).toMatchObject({ type: VN, dcidLen: ourScid.length, scidLen: ourDcid.length });
          expect(t.vnCheck(p, ourDcid, ourScid, versions[0])).toBe(false);
          // wrong or swapped CIDs
          if (toHex(ourDcid) !== toHex(ourScid)) expect(t.vnCheck(p, ourScid, ourDcid, ourVersion)).toBe(false);
          expect(t.vnCheck(p, Uint8Array.from([...ourDcid, 0]), ourScid, ourVersion)).toBe(false);
          expect(t.vnCheck(p, ourDcid, Uint8Array.from([...ourScid, 0]), ourVersion)).toBe(false);
          expect(t.vnCheck(p.subarray(0, p.length - 1), ourDcid, ourScid, ourVersion)).toBe(false);
        }), { numRuns: 200 });
      // not a VN at all
      expect(t.vnCheck(hex(A.A4_RETRY), new Uint8Array(0), SCID, 0x99)).toBe(false);
    });

    it('encodes the RFC 9001 A.4 and RFC 9369 A.4 Retry packets byte for byte', async () => {
      const d = await loadTest<any>('quic_packet', variant, { random: (o) => o.fill(0xff) });
      expect(toHex(d.retryEncode(V1, new Uint8Array(0), SCID, Buffer.from('token'), DCID, 0))).toBe(A.A4_RETRY);
      expect(toHex(d.retryEncode(V2, new Uint8Array(0), SCID, Buffer.from('token'), DCID, 7))).toBe(V2_RETRY);
    });

    it('checks Retry packets: tag, zero-length token, SCID equal to the original DCID (RFC 9000 §17.2.5.2)', () => {
      const r = hex(A.A4_RETRY);
      expect(Buffer.from(t.retryCheck(r, DCID)).toString()).toBe('token');
      expect(toFields(t.lastFields())).toMatchObject({ type: RETRY, version: V1, scid: 7, scidLen: 8, token: 15, tokenLen: 5 });
      expect(t.retryCheck(r, hex('8394c8f03e515709'))).toBeNull();
      expect(t.retryCheck(r, new Uint8Array(0))).toBeNull();
      for (let i = 0; i < r.length; i++) {
        const bad = r.slice(); bad[i] ^= 0x01;
        expect(t.retryCheck(bad, DCID)).toBeNull();
      }
      expect(t.retryCheck(r.subarray(0, r.length - 1), DCID)).toBeNull();
      // the tag needs 16 bytes after the SCID
      const headLen = 1 + 4 + 1 + 0 + 1 + 8;
      expect(parse(r.subarray(0, headLen + 15))).toMatchObject({ rc: TOO_SHORT, type: RETRY, token: -1, tokenLen: 0, packetLen: 0 });
      expect(parse(r.subarray(0, headLen + 16))).toMatchObject({ rc: 0, type: RETRY, token: headLen, tokenLen: 0, packetLen: headLen + 16 });
      // not a Retry
      expect(t.retryCheck(hex(A.A3_SERVER_PACKET), DCID)).toBeNull();
      // a valid tag over an empty token, and over an SCID equal to the original DCID
      expect(parse(retryPacket({ dcid: SCID, scid: SCID, token: new Uint8Array(0), originalDcid: DCID })).rc).toBe(0);
      expect(t.retryCheck(retryPacket({ dcid: SCID, scid: SCID, token: new Uint8Array(0), originalDcid: DCID }), DCID)).toBeNull();
      expect(t.retryCheck(retryPacket({ dcid: SCID, scid: DCID, token: hex('01'), originalDcid: DCID }), DCID)).toBeNull();
      expect(t.retryCheck(retryPacket({ dcid: SCID, scid: SCID, token: hex('01'), originalDcid: DCID }), DCID)).not.toBeNull();
    });

    it('round-trips Retry over versions, CIDs and tokens; any flipped bit is rejected (fast-check)', () => {
      fc.assert(fc.property(
        fc.constantFrom(V1, V2), fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ minLength: 1, maxLength: 20 }),
        fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.uint8Array({ minLength: 8, maxLength: 20 }), fc.nat(), fc.integer({ min: 0, max: 7 }),
        (version, dcid, scid, token, odcid, at, bit) => {
          fc.pre(toHex(scid) !== toHex(odcid));
          const p = t.retryEncode(version, dcid, scid, token, odcid, at % 5);
          expect(p).not.toBeNull();
          // the same bytes as the helper, given the Unused bits drawn
          expect(toHex(p)).toBe(toHex(retryPacket({ version, dcid, scid, token, originalDcid: odcid, unused: p[0] & 0x0f })));
          expect(toHex(t.retryCheck(p, odcid))).toBe(toHex(token));
          expect(toFields(t.lastFields())).toMatchObject({ type: RETRY, version, dcidLen: dcid.length, scidLen: scid.length, packetLen: p.length });
          expect(t.checkRetryAtMemoryEnd(p, odcid)).toBe(true);
          const bad = p.slice(); bad[at % bad.length] ^= 1 << bit;
          expect(t.retryCheck(bad, odcid)).toBeNull();
        }), { numRuns: 150 });
    });

    it('refuses to encode Retry packets a client must discard', () => {
      expect(t.retryEncode(V1, DCID, SCID, new Uint8Array(0), DCID, 0)).toBeNull();
      expect(t.retryEncode(V1, DCID, DCID, hex('01'), DCID, 0)).toBeNull();
      expect(t.retryEncode(0x0a0a0a0a, DCID, SCID, hex('01'), DCID, 0)).toBeNull();
      expect(t.retryEncode(V1, new Uint8Array(21), SCID, hex('01'), DCID, 0)).toBeNull();
      const need = 1 + 4 + 1 + 8 + 1 + 8 + 3 + 16;
      expect(t.retryEncodeFixed(need, V1, DCID, SCID, hex('010203'), DCID)).toBe(need);
      expect(t.retryEncodeFixed(need - 1, V1, DCID, SCID, hex('010203'), DCID)).toBe(0);
    });

    it('agrees with the reference parser on near-valid headers, random and mutated bytes, and never reads past the datagram (fast-check)', () => {
      const ini = { alg: 'aes-128-gcm' as const, version: V1, secret: hex('44'.repeat(32)) };
      const valid = [
        hex(A.A2_CLIENT_PACKET).subarray(0, 300), hex(A.A3_SERVER_PACKET), hex(A.A4_RETRY), hex(A.A5_PACKET), hex(V2_SERVER_INITIAL), hex(V2_RETRY),
        versionNegotiation(DCID, SCID, [V1, V2]),
        clientInitial({ dcid: DCID, scid: SCID, token: hex('aabb'), payload: [{ type: 'ping' }], protection: ini }).subarray(0, 120),
        longHeaderPacket({ type: '0rtt', version: V2, dcid: DCID, scid: new Uint8Array(0), payload: new Uint8Array(25) }),
        longHeaderPacket({ type: 'handshake', version: V1, dcid: DCID, scid: SCID, payload: new Uint8Array(200) }),
        longHeaderPacket({ type: 'handshake', version: V2, dcid: new Uint8Array(0), scid: SCID, payload: new Uint8Array(200) }),
        shortHeaderPacket({ dcid: DCID, payload: new Uint8Array(25) }),
      ];
      const input = fc.oneof(headerish, fc.uint8Array({ maxLength: 80 }), mutations(valid));
      const seen = new Map<string, number>();
      fc.assert(fc.property(input, fc.constantFrom(0, 8, 20, 21, 300), fc.boolean(), (p, sdl, grease) => {
        const ref = refParse(p, sdl, grease);
        const key = `${ref.rc}/${ref.type}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        const f = toFields(t.parse(p, 0, sdl, grease));
        expect(f).toEqual(ref);
        expect(f.packetLen).toBeLessThanOrEqual(p.length);
        for (const [at, len] of [[f.dcid, f.dcidLen], [f.scid, f.scidLen], [f.token, f.tokenLen]]) if (at >= 0) expect(at + len).toBeLessThanOrEqual(p.length);
        if (f.rc === 0 && f.pnOffset > 0) expect(f.packetLen - f.pnOffset).toBeGreaterThanOrEqual(20);
        // the same bytes placed where memory ends: any read past them would trap
        expect(toFields(t.parseAtMemoryEnd(p, sdl, grease))).toEqual(ref);
      }), { numRuns: variant === 'debug' ? 3000 : 6000 });
      if (process.env.PACKET_FUZZ_STATS) console.log(variant, [...seen].sort());
      // every outcome was reached, successes of every type included
      for (const key of ['0/0', '0/1', '0/2', '0/3', '0/4', '0/5', '-1/6', '-1/3', '-2/6', '-2/3', '-3/6', '-3/3', '-4/0', '-4/2', '-5/0', '-6/6', '-7/5']) {
        expect(seen.get(key) ?? 0, key).toBeGreaterThan(0);
      }
    });
  });
}
