// The encoder: decoder-stream error sites (QPACK_DECODER_STREAM_ERROR), the
// blocked-streams and eviction rules, and that it really uses the table.
import { describe, expect, it } from 'vitest';
import { loadTest, VARIANTS } from '../../helpers/as.js';
import { packFields } from '../../../host/qpack/index.js';
import { hex } from '../../helpers/hex.js';

const DECODER_STREAM_ERROR = 0x202;

const REQ: [string, string][] = [
  [':method', 'GET'], [':scheme', 'https'], [':authority', 'www.example.com'], [':path', '/index.html'],
  ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0'],
  ['accept-language', 'en-US,en;q=0.5'], ['x-custom', 'some value'],
];

/** Required Insert Count of a section (prefix byte < 255 in these tests), decoded with MaxEntries. */
function ric(section: Uint8Array, cap: number, insertCount: bigint): bigint {
  const enc = BigInt(section[0]);
  if (enc === 0n) return 0n;
  const maxEntries = BigInt(Math.floor(cap / 32));
  const full = 2n * maxEntries;
  const maxValue = insertCount + maxEntries;
  let r = (maxValue / full) * full + enc - 1n;
  if (r > maxValue) r -= full;
  return r;
}

for (const variant of VARIANTS) {
  describe(`QPACK encoder (${variant} build)`, async () => {
    const q = await loadTest<any>('qpack', variant);

    it('QPACK_DECODER_STREAM_ERROR: Section Acknowledgment with nothing outstanding (§4.4.1)', () => {
      q.encNew(4096, 10, 4096, true);
      expect(q.encFeed(hex('84'))).toBe(DECODER_STREAM_ERROR);
      expect(q.encFeed(hex('48'))).toBe(DECODER_STREAM_ERROR); // sticky
    });

    it('QPACK_DECODER_STREAM_ERROR: Insert Count Increment of 0 or beyond the inserts (§4.4.3)', () => {
      q.encNew(4096, 10, 4096, true);
      expect(q.encFeed(hex('00'))).toBe(DECODER_STREAM_ERROR);
      q.encNew(4096, 10, 4096, true);
      q.encEncode(4n, packFields(REQ));
      const inserted = q.encInsertCount();
      expect(inserted).toBeGreaterThan(0n);
      expect(q.encFeed(Uint8Array.of(Number(inserted) + 1))).toBe(DECODER_STREAM_ERROR);
      q.encNew(4096, 10, 4096, true);
      q.encEncode(4n, packFields(REQ));
      expect(q.encFeed(Uint8Array.of(Number(q.encInsertCount())))).toBe(0);
      expect(q.encKnownReceived()).toBe(q.encInsertCount());
    });

    it('QPACK_DECODER_STREAM_ERROR: integer overflow; a cut instruction is buffered', () => {
      q.encNew(4096, 10, 4096, true);
      expect(q.encFeed(hex('3f' + 'ff'.repeat(10) + '01'))).toBe(DECODER_STREAM_ERROR);
      q.encNew(4096, 10, 4096, true);
      q.encEncode(200n, packFields(REQ));
      expect(q.encFeed(hex('ff'))).toBe(0); // Section Acknowledgment, stream id continues
      expect(q.encOutstanding()).toBe(1);
      expect(q.encFeed(hex('49'))).toBe(0); // 127 + 73 = 200
      expect(q.encOutstanding()).toBe(0);
    });

    it('stream cancellation of an unknown stream is accepted (§4.4.2)', () => {
      q.encNew(4096, 10, 4096, true);
      expect(q.encFeed(hex('7f00'))).toBe(0);
    });

    it('indexes repeated fields: the second identical section is a few bytes', () => {
      q.encNew(4096, 100, 4096, true);
      const first = q.encEncode(4n, packFields(REQ));
      const es1 = q.encTakeStream();
      expect(es1.length).toBeGreaterThan(0);
      const second = q.encEncode(8n, packFields(REQ));
      const es2 = q.encTakeStream();
      expect(es2.length).toBeLessThanOrEqual(14); // at most :path, seen twice now
      expect(second.length + es2.length).toBeLessThan((first.length + es1.length) / 3);
      const third = q.encEncode(12n, packFields(REQ));
      expect(third.length).toBeLessThanOrEqual(2 + REQ.length);
    });

    it('never blocks a stream when the peer allows no blocked streams', () => {
      q.encNew(4096, 0, 4096, true);
      for (let i = 1; i <= 20; i++) {
        const s = q.encEncode(BigInt(4 * i), packFields([...REQ, ['x-seq', String(i % 3)]]));
        // every reference is to an acknowledged entry
        expect(ric(s, 4096, q.encInsertCount())).toBeLessThanOrEqual(q.encKnownReceived());
        if (i % 2 === 0 && q.encInsertCount() > q.encKnownReceived()) {
          q.encFeed(Uint8Array.of(Number(q.encInsertCount() - q.encKnownReceived()))); // Insert Count Increment
        }
      }
      // once acknowledged, the table is used
      const s = q.encEncode(400n, packFields(REQ));
      expect(s.length).toBeLessThan(2 + REQ.length * 2);
    });

    it('blocks at most SETTINGS_QPACK_BLOCKED_STREAMS streams', () => {
      q.encNew(4096, 2, 4096, true);
      const rics: bigint[] = [];
      for (let i = 1; i <= 6; i++) {
        const s = q.encEncode(BigInt(4 * i), packFields([...REQ, ['x-stream', `s${i}`], ['x-stream', `s${i}`]]));
        rics.push(ric(s, 4096, q.encInsertCount()));
      }
      const blocking = rics.filter((r) => r > q.encKnownReceived()).length;
      expect(blocking).toBe(2);
    });

    it('never evicts an unacknowledged or referenced entry; inserts stop until acknowledgments arrive', () => {
      q.encNew(256, 10, 256, false);
      const big: [string, string][] = [['x-a', 'a'.repeat(100)]]; // 135 bytes
      q.encEncode(4n, packFields(big));
      expect(q.encInsertCount()).toBe(1n);
      expect(q.encCanInsert(135)).toBe(false); // 121 free; abs 0 is unacknowledged and referenced
      q.encEncode(8n, packFields([['x-b', 'b'.repeat(100)]]));
      expect(q.encInsertCount()).toBe(1n); // not inserted: would evict abs 0
      expect(q.encFeed(hex('84'))).toBe(0); // stream 4 acknowledged: abs 0 now evictable
      expect(q.encCanInsert(135)).toBe(true);
      q.encEncode(12n, packFields([['x-b', 'b'.repeat(100)]]));
      expect(q.encInsertCount()).toBe(2n);
      expect(q.encDropped()).toBe(1n);
      expect(q.encTableSize()).toBe(135);
    });

    it('never exceeds the capacity it announced, including 0', () => {
      for (const cap of [0, 32, 100, 256]) {
        q.encNew(cap, 10, cap, true);
        for (let i = 0; i < 30; i++) {
          q.encEncode(BigInt(4 * i), packFields([...REQ, ['x-i', String(i)]]));
          q.encFeed(hex('')); // no acks at all
          expect(q.encTableSize()).toBeLessThanOrEqual(cap);
        }
        if (cap === 0) expect(q.encInsertCount()).toBe(0n);
      }
    });

    it('sensitive fields are never indexed and carry the N bit (RFC 9204 §7.1.3)', () => {
      q.encNew(4096, 100, 4096, false);
      const s = q.encEncode(4n, packFields([['authorization', 'Bearer abc'], ['authorization', 'Bearer abc']]));
      expect(q.encInsertCount()).toBe(0n);
      // Literal with static name ref (authorization = 84), N=1: 0x7f 0x45 (15 + 69)
      expect(Buffer.from(s.subarray(2, 4)).toString('hex')).toBe('7f45');
    });
  });
}
