// The decoder's error sites (RFC 9204 §2.2, §4.3, §4.5), the field-section
// size limit (RFC 9114 §4.2.2) and the memory bound under a hostile encoder stream.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTest, VARIANTS } from '../../helpers/as.js';
import { QpackDecoder } from '../../../host/qpack/index.js';
import { QpackError } from '../../../host/errors.js';
import { hex } from '../../helpers/hex.js';
import { B, B2_SET_CAPACITY_220, B2_INSERT_AUTHORITY, B2_INSERT_PATH } from './rfc9204_vectors.js';

const DECOMPRESSION_FAILED = 0x200;
const ENCODER_STREAM_ERROR = 0x201;
const EXCESSIVE_LOAD = 0x107;

// Encoder-stream instructions used below (RFC 9204 Appendix B), without the RFC's spaces.
const clean = (s: string) => s.replace(/\s/g, '');
const SET_CAP_220 = B2_SET_CAPACITY_220;
const INSERT_AUTHORITY = clean(B2_INSERT_AUTHORITY); // :authority=www.example.com (size 57)
const INSERT_PATH = clean(B2_INSERT_PATH); // :path=/sample/path (size 49)

/** [decoder settings, encoder-stream bytes, section bytes, expected code] */
const SECTION_ERRORS: [string, number, number, string, string, number][] = [
  // name, capacity, blocked, encoder stream, section, code
  ['Required Insert Count beyond 2*MaxEntries (§4.5.1.1)', 100, 10, '', '0700', DECOMPRESSION_FAILED],
  ['Required Insert Count that decodes to 0', 100, 10, '', '0100', DECOMPRESSION_FAILED],
  ['Required Insert Count with no dynamic table', 0, 10, '', '0100', DECOMPRESSION_FAILED],
  ['negative Base (Sign 1, Delta Base >= Required Insert Count) (§4.5.1.2)', 220, 10, SET_CAP_220 + INSERT_AUTHORITY, '0281', DECOMPRESSION_FAILED],
  ['static index 99 (§4.5.2)', 0, 0, '', '0000ff24', DECOMPRESSION_FAILED],
  ['literal with static name index 99 (§4.5.4)', 0, 0, '', '00005f5401', DECOMPRESSION_FAILED],
  ['relative index beyond Base', 220, 10, SET_CAP_220 + INSERT_AUTHORITY, '020081', DECOMPRESSION_FAILED],
  ['post-base index >= Required Insert Count (§2.2.3)', 220, 10, SET_CAP_220 + INSERT_AUTHORITY + INSERT_PATH, '020011', DECOMPRESSION_FAILED],
  ['dynamic reference with no dynamic section (ric 0)', 220, 10, SET_CAP_220 + INSERT_AUTHORITY, '000080', DECOMPRESSION_FAILED],
  ['reference to an evicted entry (§2.2.3)', 100, 10, '3f45' + INSERT_AUTHORITY + INSERT_AUTHORITY, '030081', DECOMPRESSION_FAILED],
  ['truncated field line', 0, 0, '', '0000510b2f69', DECOMPRESSION_FAILED],
  ['truncated prefix', 0, 0, '', '00', DECOMPRESSION_FAILED],
  ['integer overflow in an index', 0, 0, '', '0000ff' + 'ff'.repeat(10) + '01', DECOMPRESSION_FAILED],
  ['invalid Huffman value (EOS)', 0, 0, '', '00005184ffffffff', DECOMPRESSION_FAILED],
  ['invalid Huffman literal name (padding)', 0, 0, '', '00002918016100', DECOMPRESSION_FAILED],
  ['blocked stream with SETTINGS_QPACK_BLOCKED_STREAMS = 0 (§2.1.2)', 220, 0, SET_CAP_220, '0200', DECOMPRESSION_FAILED],
];

const ENCODER_STREAM_ERRORS: [string, number, string][] = [
  ['capacity above SETTINGS_QPACK_MAX_TABLE_CAPACITY (§4.3.1)', 220, '3fbe01'],
  ['insert with static name index 99 (§4.3.2)', 220, SET_CAP_220 + 'ff2401' + '61'],
  ['insert with a dynamic name reference to a missing entry (§4.3.2)', 220, SET_CAP_220 + '800161'],
  ['insert of an entry larger than the capacity (§3.2.2)', 220, '3f05' + INSERT_AUTHORITY],
  ['duplicate of a missing entry (§4.3.4)', 220, SET_CAP_220 + '00'],
  ['duplicate beyond the entries (relative index too large)', 220, SET_CAP_220 + INSERT_AUTHORITY + '01'],
  ['Huffman error in an inserted value', 220, SET_CAP_220 + 'c084ffffffff'],
  ['integer overflow in an instruction', 220, '3f' + 'ff'.repeat(10) + '01'],
  ['string length that cannot fit the table, refused before buffering', 4096, '3fe11f' + '5f' + 'ffffffff0f'],
];

for (const variant of VARIANTS) {
  describe(`QPACK decoder errors (${variant} build)`, async () => {
    const q = await loadTest<any>('qpack', variant);

    for (const [name, cap, blocked, es, section, code] of SECTION_ERRORS) {
      it(`QPACK_DECOMPRESSION_FAILED: ${name}`, () => {
        q.decNew(cap, blocked, 0n);
        if (es) expect(q.decFeed(hex(es))).toBe(0);
        expect(q.decDecode(4n, hex(section))).toBe(code);
        // connection error: the decoder stays failed
        expect(q.decDecode(8n, hex('0000d1'))).toBe(code);
      });
    }

    it('QPACK_DECOMPRESSION_FAILED: more blocked streams than SETTINGS_QPACK_BLOCKED_STREAMS', () => {
      q.decNew(220, 1, 0n);
      q.decFeed(hex(SET_CAP_220));
      expect(q.decDecode(4n, hex('0200'))).toBe(-1);
      expect(q.decDecode(4n, hex('0200'))).toBe(-1); // same stream: still one blocked stream
      expect(q.decDecode(8n, hex('0200'))).toBe(DECOMPRESSION_FAILED);
      // one stream cannot pile up blocked sections without bound either
      q.decNew(220, 1, 0n);
      q.decFeed(hex(SET_CAP_220));
      for (let i = 0; i < 4; i++) expect(q.decDecode(4n, hex('0200'))).toBe(-1);
      expect(q.decDecode(4n, hex('0200'))).toBe(DECOMPRESSION_FAILED);
    });

    for (const [name, cap, es] of ENCODER_STREAM_ERRORS) {
      it(`QPACK_ENCODER_STREAM_ERROR: ${name}`, () => {
        q.decNew(cap, 10, 0n);
        expect(q.decFeed(hex(es))).toBe(ENCODER_STREAM_ERROR);
        expect(q.decFeed(hex('3f01'))).toBe(ENCODER_STREAM_ERROR); // sticky
      });
    }

    it('instructions cut at every byte boundary give the same table', () => {
      const es = hex(SET_CAP_220 + INSERT_AUTHORITY + INSERT_PATH + clean(B.s3_encoder) + '02');
      for (let cut = 0; cut <= es.length; cut++) {
        q.decNew(220, 0, 0n);
        expect(q.decFeed(es.subarray(0, cut))).toBe(0);
        expect(q.decFeed(es.subarray(cut))).toBe(0);
        expect(q.decInsertCount()).toBe(4n);
        expect(q.decTableSize()).toBe(217);
        expect(q.decBuffered()).toBe(0);
      }
      q.decNew(220, 0, 0n);
      for (const b of es) expect(q.decFeed(Uint8Array.of(b))).toBe(0);
      expect(q.decTableSize()).toBe(217);
    });

    it('enforces SETTINGS_MAX_FIELD_SECTION_SIZE (name + value + 32 per line) while decoding', () => {
      // :path=/index.html is 5 + 11 + 32 = 48 bytes.
      const section = hex('0000510b2f696e6465782e68746d6c');
      q.decNew(0, 0, 48n);
      expect(q.decDecode(4n, section)).toBe(0);
      q.decNew(0, 0, 47n);
      expect(q.decDecode(4n, section)).toBe(EXCESSIVE_LOAD);
      // not a connection error: the next section decodes
      expect(q.decDecode(8n, hex('0000d1'))).toBe(0); // :method GET = 7+3+32 = 42
      // two lines: 48 + 42 = 90
      q.decNew(0, 0, 89n);
      expect(q.decDecode(4n, hex('0000510b2f696e6465782e68746d6cd1'))).toBe(EXCESSIVE_LOAD);
      q.decNew(0, 0, 90n);
      expect(q.decDecode(4n, hex('0000510b2f696e6465782e68746d6cd1'))).toBe(0);
      // a literal value longer than the limit is refused before it is copied
      q.decNew(0, 0, 1000n);
      expect(q.decDecode(4n, hex('0000517f' + 'ffff03') )).toBe(EXCESSIVE_LOAD);
    });

    it('a hostile encoder stream cannot grow memory beyond the table capacity plus a bounded buffer', () => {
      const cap = 4096;
      q.decNew(cap, 0, 0n);
      expect(q.decFeed(hex('3fe11f'))).toBe(0); // capacity 4096
      const before = q.memoryBytes();
      // 1. An endless stream of valid inserts: the table evicts, never exceeds its capacity.
      const insert = hex('4a' + Buffer.from('x-hostile-').toString('hex') + '7f' + 'e906' + '61'.repeat(1000)); // 10 + 1000 + 32 bytes
      const chunk = Buffer.concat(Array(64).fill(Buffer.from(insert)));
      for (let i = 0; i < 40; i++) {
        expect(q.decFeed(chunk)).toBe(0);
        expect(q.decTableSize()).toBeLessThanOrEqual(cap);
      }
      expect(q.decInsertCount()).toBe(40n * 64n);
      // 2. A partial instruction trickled byte by byte is held up to the bound, then refused.
      const limit = q.decBufferLimit();
      expect(limit).toBeLessThanOrEqual(4 * cap + 64);
      // Insert With Literal Name, Huffman name of the largest length the capacity allows,
      // then bytes that never complete it.
      const head = hex('7f' + 'c07f'); // H=1, name length 31 + 16320 = 16351 > 4 * 4064 + 4 -> refused at once
      expect(q.decFeed(head)).toBe(ENCODER_STREAM_ERROR);
      q.decNew(cap, 0, 0n);
      q.decFeed(hex('3fe11f'));
      const ok = hex('7f' + 'e17e'); // H=1, name length 31 + 16225 = 16256 = 4 * 4064: allowed so far
      expect(q.decFeed(ok)).toBe(0);
      let code = 0;
      const filler = new Uint8Array(1024).fill(0xa5);
      for (let i = 0; i < 64 && code === 0; i++) {
        code = q.decFeed(filler);
        expect(q.decBuffered()).toBeLessThanOrEqual(limit);
      }
      // the name (16256 Huffman bytes) fits the bound; once complete it cannot
      // decode to an entry that fits the capacity: an error, not more buffering
      expect(code).toBe(ENCODER_STREAM_ERROR);
      // memory stayed bounded: table + buffers + allocator slack, far below what was sent (~2.6 MB)
      expect(q.memoryBytes() - before).toBeLessThan(512 * 1024);
    });

    it('never traps on random encoder streams and sections', () => {
      fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 512 }), (es, section, cap) => {
        q.decNew(cap, 2, 4096n);
        for (const chunk of es) q.decFeed(chunk);
        const rc = q.decDecode(4n, section);
        expect([0, -1, DECOMPRESSION_FAILED, ENCODER_STREAM_ERROR, EXCESSIVE_LOAD]).toContain(rc);
      }), { numRuns: 300 });
    });
  });
}

describe('QPACK decoder errors through the component', () => {
  it('throws QpackError with the wire code and keeps the instance usable for other decoders', () => {
    const d = new QpackDecoder({ maxTableCapacity: 220, maxBlockedStreams: 0 });
    try {
      expect(() => d.decode(4, hex('0000ff24'))).toThrow(QpackError);
      try { d.decode(4, hex('0000ff24')); } catch (e) {
        expect((e as QpackError).wireCode).toBe(0x200n);
        expect((e as QpackError).code).toBe('H3W_ERR_QPACK_DECOMPRESSION_FAILED');
      }
    } finally {
      d.close();
    }
    const d2 = new QpackDecoder({ maxTableCapacity: 220 });
    try {
      try { d2.feedEncoderStream(hex('3fbe01')); expect.unreachable(); } catch (e) {
        expect((e as QpackError).wireCode).toBe(0x201n);
      }
    } finally {
      d2.close();
    }
    const d3 = new QpackDecoder({ maxFieldSectionSize: 42 });
    try {
      try { d3.decode(4, hex('0000510b2f696e6465782e68746d6c')); expect.unreachable(); } catch (e) {
        expect((e as QpackError).wireCode).toBe(0x107n);
        expect((e as QpackError).code).toBe('H3W_ERR_FIELD_SECTION_TOO_LARGE');
      }
      expect(d3.decode(8, hex('0000d1'))).toEqual([[':method', 'GET']]);
    } finally {
      d3.close();
    }
  });
});
