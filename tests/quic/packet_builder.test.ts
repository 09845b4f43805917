// assembly/quic/packet_builder.ts: packets built into a datagram buffer and
// protected in place (RFC 9000 §17, §12.2, §14.1; RFC 9001 §5), checked byte
// for byte against RFC 9001 / RFC 9369 Appendix A and tests/helpers/packet.ts,
// and round-tripped through packet.ts's parser and protection.ts's
// unprotect over random types, versions, CIDs, packet numbers, payloads and
// buffer capacities against a size model written from the RFC text.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';
import { hex, toHex } from '../helpers/hex.js';
import { longHeaderPacket, shortHeaderPacket } from '../helpers/packet.js';
import * as A from './rfc9001_vectors.js';

const V1 = 0x00000001, V2 = 0x6b3343cf;
const DCID = hex('8394c8f03e515708');
const SCID = hex('f067a5502a4262b5');
const EMPTY = new Uint8Array(0);
const INITIAL = 0, ZERO_RTT = 1, HANDSHAKE = 2, ONE_RTT = 3;
const A5_SECRET = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');
const ALG_NAMES = ['', 'aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'] as const;
const TYPE_NAMES = ['initial', '0rtt', 'handshake'] as const;
const MAX_LENGTH = 16383; // the 2-byte Length field
const TAG = 16;

/** RFC 9000 §17.1: the fewest bytes whose range is more than twice the unacknowledged distance. */
function pnLengthModel(pn: bigint, largestAcked: bigint): number {
  const unacked = largestAcked < 0n ? pn + 1n : pn - largestAcked;
  for (let n = 1; n <= 4; n++) if (1n << BigInt(8 * n) > 2n * unacked) return n;
  return 4;
}
const varintLen = (v: number) => (v < 64 ? 1 : v < 16384 ? 2 : v < 2 ** 30 ? 4 : 8);
/** RFC 9001 §5.4.2 (pn + payload ≥ 4) and RFC 9000 §12.4 (at least one frame). */
const minPayload = (pnLen: number) => Math.max(1, 4 - pnLen);

interface Spec { type: number; version: number; dcid: Uint8Array; scid: Uint8Array; token: Uint8Array; pn: bigint; largestAcked: bigint; keyPhase: boolean; minPnLen: number }
/** RFC 9000 §17.2 / §17.3.1 field sizes. */
function headerModel(s: Spec) {
  const pnLen = Math.max(pnLengthModel(s.pn, s.largestAcked), Math.min(s.minPnLen, 4));
  const long = s.type !== ONE_RTT;
  const hdr = long
    ? 1 + 4 + 1 + s.dcid.length + 1 + s.scid.length + (s.type === INITIAL ? varintLen(s.token.length) + s.token.length : 0) + 2 + pnLen
    : 1 + s.dcid.length + pnLen;
  return { pnLen, long, hdr };
}

const specArb = fc.record({
  type: fc.constantFrom(INITIAL, ZERO_RTT, HANDSHAKE, ONE_RTT),
  version: fc.constantFrom(V1, V2),
  dcid: fc.uint8Array({ maxLength: 20 }),
  scid: fc.uint8Array({ maxLength: 20 }),
  token: fc.oneof(fc.constant(EMPTY), fc.uint8Array({ maxLength: 80 })),
  pnAndAcked: fc.oneof(
    // no acknowledgment yet: small packet numbers (the first of a space)
    fc.bigInt(0n, (1n << 30n) - 1n).map((pn) => [pn, -1n] as const),
    // an acknowledged packet not more than 2^31 - 1 behind
    fc.tuple(fc.bigInt(0n, (1n << 62n) - 2n), fc.oneof(fc.bigInt(1n, 400n), fc.bigInt(1n, (1n << 31n) - 1n)))
      .map(([acked, d]) => [acked + d > (1n << 62n) - 1n ? (1n << 62n) - 1n : acked + d, acked] as const),
  ),
  keyPhase: fc.boolean(),
  minPnLen: fc.integer({ min: 0, max: 5 }),
}).map(({ pnAndAcked, ...s }) => ({ ...s, pn: pnAndAcked[0], largestAcked: pnAndAcked[1] }) as Spec);

for (const variant of VARIANTS) {
  describe(`QUIC packet builder (${variant} build)`, async () => {
    const t = await loadTest<any>('quic_packet', variant);
    const info = () => {
      const [pnLen, packetStart, pnOffset, headerLen, packetLen, end, active] = (t.pbInfo() as bigint[]).map(Number);
      return { pnLen, packetStart, pnOffset, headerLen, packetLen, end, active };
    };
    const begin = (offset: number, s: Spec) => t.pbBegin(offset, s.type, s.version, s.dcid, s.scid, s.token, s.pn, s.largestAcked, s.keyPhase, s.minPnLen);
    const parse = (p: Uint8Array, shortDcidLen: number, offset = 0) => {
      const [rc, , type, version, , dcid, dcidLen, scid, scidLen, token, tokenLen, pnOffset, packetLen] = (t.parse(p, offset, shortDcidLen, false) as bigint[]).map(Number);
      return { rc, type, version, dcid, dcidLen, scid, scidLen, token, tokenLen, pnOffset, packetLen };
    };
    const spec = (o: Partial<Spec>): Spec => ({ type: INITIAL, version: V1, dcid: DCID, scid: EMPTY, token: EMPTY, pn: 0n, largestAcked: -1n, keyPhase: false, minPnLen: 1, ...o });

    it('builds the RFC 9001 A.2 client Initial byte for byte (4-byte pn, padded to 1200, RFC 9000 §14.1)', () => {
      t.dgNew(1500);
      expect(begin(0, spec({ pn: 2n, minPnLen: 4 }))).toBe(true);
      expect(info()).toMatchObject({ pnLen: 4, packetStart: 0, pnOffset: 18, headerLen: 22, active: 1 });
      expect(t.pbWrite(hex(A.A2_CLIENT_CRYPTO))).toBe(true);
      expect(t.pbPad(1200)).toBe(true);
      expect(info().end).toBe(1200);
      expect(t.pbFinish(t.keysInitial(V1, DCID, true))).toBe(1200);
      expect(toHex(t.dgBytes(0, 1200))).toBe(A.A2_CLIENT_PACKET);
      expect(info()).toMatchObject({ packetLen: 1200, active: 0 });
      expect(t.dgCanaryIntact()).toBe(true);
    });

    it('builds the RFC 9001 A.3 server Initial and the A.5 ChaCha20 short header byte for byte', () => {
      t.dgNew(1500);
      expect(begin(0, spec({ dcid: EMPTY, scid: SCID, pn: 1n, minPnLen: 2 }))).toBe(true);
      expect(t.pbWrite(hex(A.A3_SERVER_PAYLOAD))).toBe(true);
      const end = t.pbFinish(t.keysInitial(V1, DCID, false));
      expect(toHex(t.dgBytes(0, end))).toBe(A.A3_SERVER_PACKET);

      t.dgNew(100);
      // the largest acknowledged is one below: one byte would do, three are asked for
      const s = spec({ type: ONE_RTT, dcid: EMPTY, pn: 654360564n, largestAcked: 654360563n, minPnLen: 3 });
      expect(begin(0, s)).toBe(true);
      expect(t.pbWrite(hex('01'))).toBe(true); // PING
      expect(toHex(t.dgBytes(0, t.pbFinish(t.keysSecret(3, V1, A5_SECRET))))).toBe(A.A5_PACKET);
      expect(begin(0, { ...s, minPnLen: 1 })).toBe(true);
      expect(info().pnLen).toBe(1);
    });

    it('builds the RFC 9369 Appendix A (v2) server Initial and short header byte for byte', () => {
      t.dgNew(1500);
      expect(begin(0, spec({ version: V2, dcid: EMPTY, scid: SCID, pn: 1n, minPnLen: 2 }))).toBe(true);
      t.pbWrite(hex(A.A3_SERVER_PAYLOAD));
      const end = t.pbFinish(t.keysInitial(V2, DCID, false));
      expect(toHex(t.dgBytes(0, end))).toBe('dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca84bed8521e2e140');
      t.dgNew(100);
      // a short header is the same in v2; only the keys' labels differ
      expect(begin(0, spec({ type: ONE_RTT, version: 0, dcid: EMPTY, pn: 654360564n, largestAcked: 654360563n, minPnLen: 3 }))).toBe(true);
      t.pbWrite(hex('01'));
      expect(toHex(t.dgBytes(0, t.pbFinish(t.keysSecret(3, V2, A5_SECRET))))).toBe('5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba');
    });

    it('coalesces Initial + Handshake + 1-RTT in one datagram, the last padded to 1200; the parser splits them back (RFC 9000 §12.2)', () => {
      t.dgNew(1500);
      const keys = [t.keysInitial(V1, DCID, true), t.keysSecret(2, V1, hex('55'.repeat(48))), t.keysSecret(3, V1, hex('66'.repeat(32)))];
      const types = [INITIAL, HANDSHAKE, ONE_RTT];
      const pns = [0n, 7n, 1000n];
      const bodies = [hex('0600' + '05' + 'aabbccddee'), hex('0600' + '03' + '010203'), hex('01')];
      let off = 0;
      const starts: number[] = [];
      for (let i = 0; i < 3; i++) {
        expect(begin(off, spec({ type: types[i], scid: SCID, token: hex('7070'), pn: pns[i], largestAcked: pns[i] - 1n, keyPhase: true }))).toBe(true);
        expect(t.pbWrite(bodies[i])).toBe(true);
        if (i === 2) expect(t.pbPad(1200)).toBe(true);
        starts.push(off);
        const next = t.pbFinish(keys[i]);
        expect(next).toBeGreaterThan(off);
        off = next;
      }
      expect(off).toBe(1200);
      const dg = t.dgBytes(0, off);
      let at = 0;
      for (let i = 0; i < 3; i++) {
        expect(at).toBe(starts[i]);
        const f = parse(dg, 8, at);
        expect(f).toMatchObject({ rc: 0, type: types[i], tokenLen: i === 0 ? 2 : 0 });
        const plain = t.unprotect(keys[i], dg.subarray(at, at + f.packetLen), f.pnOffset, pns[i] - 1n);
        expect(t.lastPn.value).toBe(pns[i]);
        const pnLen = (plain[0] & 3) + 1;
        expect(toHex(plain.subarray(f.pnOffset + pnLen, f.pnOffset + pnLen + bodies[i].length))).toBe(toHex(bodies[i]));
        if (i === 2) expect(plain[0] & 0x04).toBe(0x04); // key phase
        at += f.packetLen;
      }
      expect(at).toBe(1200);
      // no room for another packet after the datagram's 1500 bytes are nearly used
      expect(begin(1500 - 20, spec({ type: ONE_RTT, pn: 1001n, largestAcked: 999n }))).toBe(false);
      expect(begin(1500 - 1 - 8 - 1 - 3 - 16, spec({ type: ONE_RTT, pn: 1001n, largestAcked: 999n }))).toBe(true);
      expect(info().pnLen).toBe(1);
      expect(t.pbRemaining()).toBe(3);
    });

    it('keeps long-header packets within the 2-byte Length field (RFC 9000 §16)', () => {
      t.dgNew(20000);
      expect(begin(0, spec({ type: HANDSHAKE, scid: SCID, pn: 5n, largestAcked: 4n }))).toBe(true);
      const cap = MAX_LENGTH - TAG - 1;
      expect(t.pbPayloadCap()).toBe(cap);
      expect(t.pbWrite(new Uint8Array(cap + 1))).toBe(false);
      expect(t.pbRemaining()).toBe(cap);
      expect(t.pbWrite(new Uint8Array(cap).fill(1))).toBe(true);
      expect(t.pbRemaining()).toBe(0);
      expect(t.pbPad(19000)).toBe(false); // cannot grow past the Length limit
      const end = t.pbFinish(t.keysSecret(1, V1, hex('77'.repeat(32))));
      const f = parse(t.dgBytes(0, end), 8);
      expect(f).toMatchObject({ rc: 0, type: HANDSHAKE, packetLen: end });
      expect(f.packetLen - f.pnOffset).toBe(MAX_LENGTH);
      // a short header has no Length: its payload takes the whole buffer
      expect(begin(0, spec({ type: ONE_RTT, pn: 5n, largestAcked: 4n }))).toBe(true);
      expect(t.pbPayloadCap()).toBe(20000 - 1 - 8 - 1 - TAG);
    });

    it('pads an empty payload for the header-protection sample (RFC 9001 §5.4.2) and to at least one frame (RFC 9000 §12.4)', () => {
      const k = t.keysSecret(1, V1, hex('88'.repeat(32)));
      for (const minPnLen of [1, 2, 3, 4]) {
        t.dgNew(200);
        expect(begin(0, spec({ type: ONE_RTT, pn: 3n, largestAcked: 2n, minPnLen }))).toBe(true);
        const end = t.pbFinish(k);
        const { pnOffset } = info();
        expect(end - pnOffset).toBe(Math.max(4, minPnLen + 1) + TAG);
        const plain = t.unprotect(k, t.dgBytes(0, end), pnOffset, 2n);
        expect(t.lastPn.value).toBe(3n);
        expect([...plain.subarray(pnOffset + minPnLen)].every((b) => b === 0)).toBe(true); // PADDING only
      }
    });

    it('pads only as far as the buffer goes: the packet then ends at the capacity', () => {
      t.dgNew(700);
      expect(begin(100, spec({ pn: 0n }))).toBe(true);
      expect(t.pbPad(1200)).toBe(false);
      expect(t.pbRemaining()).toBe(0);
      expect(t.pbFinish(t.keysInitial(V1, DCID, true))).toBe(700);
      expect(t.dgCanaryIntact()).toBe(true);
      expect([...t.dgBytes(0, 100)].every((b) => b === 0xee)).toBe(true);
      // a target already reached pads nothing
      expect(begin(0, spec({ pn: 1n, largestAcked: 0n }))).toBe(true);
      t.pbWrite(new Uint8Array(50));
      const end = info().end;
      expect(t.pbPad(end)).toBe(true);
      expect(t.pbPad(10)).toBe(true);
      expect(info().end).toBe(end);
    });

    it('refuses what no packet can carry, and finishes a packet once', () => {
      t.dgNew(1500);
      const k = t.keysInitial(V1, DCID, true);
      expect(t.pbFinish(k)).toBe(0); // nothing begun (after the dgNew, the last packet was finished)
      expect(begin(0, spec({ type: 4 }))).toBe(false); // Retry is not built here
      expect(begin(0, spec({ type: 5 }))).toBe(false);
      expect(begin(0, spec({ version: 0x0a0a0a0a }))).toBe(false);
      expect(begin(0, spec({ dcid: new Uint8Array(21) }))).toBe(false);
      expect(begin(0, spec({ scid: new Uint8Array(21) }))).toBe(false);
      expect(begin(0, spec({ type: ONE_RTT, scid: new Uint8Array(21), version: 0 }))).toBe(true); // ignored for short headers
      expect(begin(0, spec({ pn: 1n << 62n, largestAcked: (1n << 62n) - 2n }))).toBe(false);
      expect(begin(1500, spec({}))).toBe(false);
      expect(begin(1600, spec({}))).toBe(false);
      expect(begin(0, spec({ token: new Uint8Array(1490) }))).toBe(false);
      expect(begin(0, spec({ type: ZERO_RTT, token: new Uint8Array(1600) }))).toBe(true); // a token only goes in an Initial
      expect(info().headerLen).toBe(1 + 4 + 1 + 8 + 1 + 0 + 2 + 1);
      t.pbAbandon();
      expect(info().active).toBe(0);
      expect(t.pbFinish(k)).toBe(0);
      expect(begin(0, spec({}))).toBe(true);
      expect(t.pbFinish(k)).toBeGreaterThan(0);
      expect(t.pbFinish(k)).toBe(0);
      // a payload writer pointed elsewhere by its user is not trusted
      expect(begin(0, spec({}))).toBe(true);
      t.pbMisuse();
      expect(t.pbFinish(k)).toBe(0);
      expect(t.dgCanaryIntact()).toBe(true);
    });

    it('round-trips builder → protect → parse → unprotect against the size model (fast-check)', () => {
      const keyCache = new Map<string, number>();
      fc.assert(fc.property(
        specArb, fc.uint8Array({ maxLength: 1500 }), fc.integer({ min: 0, max: 1600 }), fc.nat(), fc.option(fc.integer({ min: 0, max: 1700 })),
        fc.constantFrom(1, 2, 3), fc.integer({ min: 0, max: 3 }),
        (s, payload, cap, offsetSeed, padTo, alg, secretSeed) => {
          const offset = offsetSeed % (cap + 8);
          const version = s.version;
          const secret = new Uint8Array(alg === 2 ? 48 : 32).fill(secretSeed * 17 + alg);
          const keyName = `${alg}/${version}/${secretSeed}`;
          if (!keyCache.has(keyName)) keyCache.set(keyName, t.keysSecret(alg, version, secret));
          const k = keyCache.get(keyName)!;
          const m = headerModel(s);
          const room = cap - offset;
          t.dgNew(cap);
          const fits = offset < cap && m.hdr + minPayload(m.pnLen) + TAG <= room;
          expect(begin(offset, s)).toBe(fits);
          if (!fits) {
            expect(info().active).toBe(0);
            expect(t.pbFinish(k)).toBe(0);
            return;
          }
          const payloadCap = Math.min(room - m.hdr - TAG, m.long ? MAX_LENGTH - TAG - m.pnLen : Infinity);
          expect(info()).toMatchObject({ pnLen: m.pnLen, packetStart: offset, pnOffset: m.hdr - m.pnLen, headerLen: m.hdr, active: 1 });
          expect(t.pbPayloadCap()).toBe(payloadCap);
          expect(t.pbRemaining()).toBe(payloadCap);
          // a write that does not fit is refused whole; then the part that fits
          let data = payload;
          if (payload.length > payloadCap) {
            expect(t.pbWrite(payload)).toBe(false);
            data = payload.subarray(0, payloadCap);
          }
          expect(t.pbWrite(data)).toBe(true);
          expect(t.pbRemaining()).toBe(payloadCap - data.length);
          let padded = data.length;
          if (padTo !== null) {
            const endNow = offset + m.hdr + data.length + TAG;
            const n = Math.max(0, Math.min(padTo - endNow, payloadCap - data.length));
            expect(t.pbPad(padTo)).toBe(endNow + n >= padTo);
            padded += n;
          }
          const bodyLen = Math.max(padded, minPayload(m.pnLen));
          const end = t.pbFinish(k);
          expect(end).toBe(offset + m.hdr + bodyLen + TAG);
          expect(end).toBeLessThanOrEqual(cap);
          expect(t.dgCanaryIntact()).toBe(true);
          expect([...t.dgBytes(0, offset)].every((b) => b === 0xee)).toBe(true);

          const pkt = t.dgBytes(offset, end);
          const f = parse(pkt, s.dcid.length);
          expect(f).toMatchObject({ rc: 0, type: s.type, version: m.long ? version : 0, dcidLen: s.dcid.length, scidLen: m.long ? s.scid.length : 0,
            tokenLen: s.type === INITIAL ? s.token.length : 0, pnOffset: m.hdr - m.pnLen, packetLen: pkt.length });
          expect(toHex(pkt.subarray(f.dcid, f.dcid + f.dcidLen))).toBe(toHex(s.dcid));
          if (m.long) expect(toHex(pkt.subarray(f.scid, f.scid + f.scidLen))).toBe(toHex(s.scid));
          if (s.type === INITIAL) expect(toHex(pkt.subarray(f.token, f.token + f.tokenLen))).toBe(toHex(s.token));
          // the datagram parsed from its start reaches this packet at `offset` too
          expect(parse(t.dgBytes(0, end), s.dcid.length, offset)).toEqual(f);

          const expected = new Uint8Array(bodyLen);
          expected.set(data);
          for (const largest of s.largestAcked < 0n ? [-1n] : [s.largestAcked, s.pn - 1n]) {
            const plain = t.unprotect(k, pkt, f.pnOffset, largest);
            expect(plain).not.toBeNull();
            expect(t.lastPn.value).toBe(s.pn);
            const first = m.long ? 0xc0 | (((s.type + (version === V2 ? 1 : 0)) & 3) << 4) | (m.pnLen - 1)
              : 0x40 | (s.keyPhase ? 0x04 : 0) | (m.pnLen - 1);
            expect(plain[0]).toBe(first); // reserved bits 0, spin 0
            expect(toHex(plain.subarray(m.hdr))).toBe(toHex(expected));
          }
        }), { numRuns: variant === 'debug' ? 300 : 600 });
    });

    it('builds the same bytes as tests/helpers/packet.ts (fast-check)', () => {
      fc.assert(fc.property(specArb, fc.uint8Array({ minLength: 60, maxLength: 300 }), fc.constantFrom(1, 2, 3), (s, payload, alg) => {
        const secret = new Uint8Array(alg === 2 ? 48 : 32).fill(alg);
        const m = headerModel(s);
        t.dgNew(1500);
        expect(begin(0, s)).toBe(true);
        expect(t.pbWrite(payload)).toBe(true);
        const ours = t.dgBytes(0, t.pbFinish(t.keysSecret(alg, s.version, secret)));
        const protection = { alg: ALG_NAMES[alg], version: s.version, secret };
        const pnLength = m.pnLen as 1 | 2 | 3 | 4;
        // payloads of 60+ bytes: the helper's shortest Length varint is two bytes too
        const theirs = s.type === ONE_RTT
          ? shortHeaderPacket({ dcid: s.dcid, keyPhase: s.keyPhase, packetNumber: s.pn, pnLength, payload, protection })
          : longHeaderPacket({ type: TYPE_NAMES[s.type], version: s.version, dcid: s.dcid, scid: s.scid, token: s.token, packetNumber: s.pn, pnLength, payload, protection });
        expect(toHex(ours)).toBe(toHex(theirs));
      }), { numRuns: variant === 'debug' ? 100 : 200 });
    });
  });
}
