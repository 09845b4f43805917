import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../helpers/as.js';

function varint(v: bigint): number[] {
  if (v < 64n) return [Number(v)];
  if (v < 16384n) return [0x40 | Number(v >> 8n), Number(v & 0xffn)];
  if (v < 1073741824n) { const b = Buffer.alloc(4); b.writeUInt32BE(Number(v)); b[0] |= 0x80; return [...b]; }
  const b = Buffer.alloc(8); b.writeBigUInt64BE(v); b[0] |= 0xc0; return [...b];
}
const param = (id: number | bigint, body: number[]) => [...varint(BigInt(id)), ...varint(BigInt(body.length)), ...body];
const int = (id: number, v: bigint | number) => param(id, varint(BigInt(v)));
const bytes = (...parts: number[][]) => Uint8Array.from(parts.flat());
const ISCID = param(0x0f, [1, 2, 3, 4]);
const ODCID = param(0x00, [9, 9, 9, 9, 9, 9, 9, 9]);
/** draft-ietf-quic-reliable-stream-reset §3: reset_stream_at. */
const RESET_STREAM_AT = 0x17f7586d2cb571n;

for (const variant of VARIANTS) {
  describe(`QUIC transport parameters (${variant} build)`, async () => {
    const t = await loadTest<any>('quic', variant);
    const dec = (b: Uint8Array, server = false) => JSON.parse(t.tpDecode(b, server));

    it('decodes every RFC 9000 §18.2 parameter and max_datagram_frame_size', () => {
      const pa = [192, 0, 2, 1, 0x11, 0x5c, ...Array(15).fill(0), 1, 0x11, 0x5d, 4, 0xa, 0xb, 0xc, 0xd, ...Array(16).fill(0xee)];
      const b = bytes(ODCID, int(0x01, 30000), param(0x02, Array(16).fill(0x77)), int(0x03, 1472), int(0x04, 1n << 40n),
        int(0x05, 1000), int(0x06, 2000), int(0x07, 3000), int(0x08, 100), int(0x09, 3), int(0x0a, 20), int(0x0b, 16383),
        param(0x0c, []), param(0x0d, pa), int(0x0e, 8), ISCID, param(0x10, [5, 5]), int(0x20, 65535),
        param(RESET_STREAM_AT, []), param(27 + 31 * 5, [1, 2, 3]), param(0x1234, []));
      const p = dec(b, true);
      expect(p.error).toBe(0);
      expect(p).toMatchObject({
        odcid: '0909090909090909', maxIdleTimeout: '30000', srt: '77'.repeat(16), maxUdpPayloadSize: '1472',
        initialMaxData: String(1n << 40n), bidiLocal: '1000', bidiRemote: '2000', uni: '3000', streamsBidi: '100', streamsUni: '3',
        ackDelayExponent: '20', maxAckDelay: '16383', disableActiveMigration: true, activeConnectionIdLimit: '8',
        iscid: '01020304', rscid: '0505', maxDatagramFrameSize: '65535', resetStreamAt: true,
      });
      expect(p.preferredAddress).toMatchObject({ ipv4: 'c0000201', ipv4Port: 0x115c, ipv6Port: 0x115d, cid: '0a0b0c0d', token: 'ee'.repeat(16) });
      // re-encoding is stable and decodes to the same values
      const re = t.tpReencode(b, true);
      expect(dec(re, true)).toEqual(p);
      expect(t.tpReencode(re, true)).toEqual(re);
    });

    it('applies defaults for absent parameters', () => {
      const p = dec(bytes(ISCID));
      expect(p).toMatchObject({ error: 0, maxUdpPayloadSize: '65527', ackDelayExponent: '3', maxAckDelay: '25', activeConnectionIdLimit: '2', maxDatagramFrameSize: null, resetStreamAt: false });
    });

    it('refuses invalid values, duplicates, server-only parameters from clients and missing CIDs', () => {
      const bad: [number[][], boolean][] = [
        [[ISCID, int(0x03, 1199)], false],
        [[ISCID, int(0x0a, 21)], false],
        [[ISCID, int(0x0b, 16384)], false],
        [[ISCID, int(0x0e, 1)], false],
        [[ISCID, int(0x08, (1n << 60n) + 1n)], false],
        [[ISCID, int(0x04, 1), int(0x04, 1)], false],
        [[ISCID, ISCID], false],
        [[ISCID, ODCID], false],
        [[ISCID, param(0x02, Array(16).fill(0))], false],
        [[ISCID, param(0x10, [1])], false],
        [[ODCID, ISCID, param(0x02, Array(15).fill(0))], true],
        [[ISCID, param(0x0c, [0])], false],
        [[ISCID, param(0x01, [0x40])], false],
        [[ISCID, param(0x01, [1, 2])], false],
        [[param(0x0f, Array(21).fill(1))], false],
        [[int(0x04, 5)], false],
        [[ISCID], true],
        [[ISCID, [0x04, 0x08, 0x01]], false],
        // draft-ietf-quic-reliable-stream-reset §3: the value is empty; no duplicates
        [[ISCID, param(RESET_STREAM_AT, [0])], false],
        [[ISCID, param(RESET_STREAM_AT, []), param(RESET_STREAM_AT, [])], false],
      ];
      for (const [parts, server] of bad) {
        const p = dec(bytes(...parts), server);
        expect(p.error, JSON.stringify(parts)).toBe(8);
        expect(p.reason.length).toBeGreaterThan(0);
      }
    });

    it('never traps on random input', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (b, s) => {
        const p = dec(b, s);
        expect([0, 8]).toContain(p.error);
      }), { numRuns: 500 });
    });
  });
}
