// RFC 9204 Appendix B, byte for byte: the encoder side (instructions and field
// lines written with the same writers the encoder uses, and its acknowledgment
// bookkeeping) and the decoder side (decoded fields and decoder-stream bytes),
// on the AS internals (both builds) and through the shipped component.
import { describe, expect, it } from 'vitest';
import { loadTest, VARIANTS } from '../../helpers/as.js';
import { QpackDecoder, unpackFields } from '../../../host/qpack/index.js';
import { hex, toHex } from '../../helpers/hex.js';
import { B } from './rfc9204_vectors.js';

const clean = (s: string) => s.replace(/\s/g, '');


for (const variant of VARIANTS) {
  describe(`RFC 9204 Appendix B, encoder side (${variant} build)`, async () => {
    const q = await loadTest<any>('qpack', variant);

    it('B.1–B.5: instructions and field lines byte for byte, acknowledgments tracked', () => {
      q.encNew(220, 100, 0, false); // peer allows 220 bytes; table still at capacity 0
      // B.1: literal with static name reference, no dynamic table.
      q.secBegin(0n, 0n, 220);
      q.secLiteralNameRef(true, 1n, '/index.html', false);
      expect(toHex(q.secEnd())).toBe(clean(B.s1_stream0));
      // The full encoder produces the same section for the same field (nothing to index yet).
      const packed = (fields: [string, string][]) => {
        const parts: number[] = [];
        for (const [n, v] of fields) {
          const nb = Buffer.from(n), vb = Buffer.from(v);
          const hdr = Buffer.alloc(8);
          hdr.writeUInt32LE(nb.length, 0);
          hdr.writeUInt32LE(vb.length, 4);
          parts.push(...hdr, ...nb, ...vb);
        }
        return Uint8Array.from(parts);
      };
      expect(toHex(q.encEncode(0n, packed([[':path', '/index.html']])))).toBe(clean(B.s1_stream0));

      // B.2: capacity, two inserts with static name references, then a section with post-base indexes.
      let es = toHex(q.encSetCapacity(220));
      es += toHex(q.encInsertNameRef(true, 0n, 'www.example.com'));
      es += toHex(q.encInsertNameRef(true, 1n, '/sample/path'));
      expect(es).toBe(clean(B.s2_encoder));
      expect(q.encTableSize()).toBe(106);
      q.secBegin(2n, 0n, 220);
      q.secIndexedPostBase(0n);
      q.secIndexedPostBase(1n);
      expect(toHex(q.secEnd())).toBe(clean(B.s2_stream4));
      // Entries are not acknowledged yet: inserting must not evict them.
      expect(q.encKnownReceived()).toBe(0n);
      expect(q.encCanInsert(220 - 106)).toBe(true);
      expect(q.encCanInsert(220 - 106 + 1)).toBe(false);

      // B.3: speculative insert with a literal name; Insert Count Increment acknowledges it.
      expect(toHex(q.encInsertLiteral('custom-key', 'custom-value'))).toBe(clean(B.s3_encoder));
      expect(q.encTableSize()).toBe(160);
      expect(q.encFeed(hex('01'))).toBe(0); // Insert Count Increment (1): Known Received Count 0 -> 1
      expect(q.encKnownReceived()).toBe(1n);
      expect(q.encFeed(hex('02'))).toBe(0); // (2): -> 3
      expect(q.encKnownReceived()).toBe(3n);

      // B.4: Duplicate of absolute index 0, then a section referencing it and entry 2.
      expect(toHex(q.encDuplicate(0n))).toBe(clean(B.s4_encoder));
      expect(q.encTableSize()).toBe(217);
      q.secBegin(4n, 4n, 220);
      q.secIndexed(false, 0n); // abs 3
      q.secIndexed(true, 1n);
      q.secIndexed(false, 1n); // abs 2
      expect(toHex(q.secEnd())).toBe(clean(B.s4_stream8));
      // Stream Cancellation of an unknown stream is not an error.
      expect(q.encFeed(hex(B.s4_decoder))).toBe(0);

      // B.5: insert with a dynamic name reference (relative 1 = abs 2), evicting abs 0.
      expect(q.encCanInsert(32 + 10 + 13)).toBe(true); // abs 0 is acknowledged and unreferenced
      expect(toHex(q.encInsertNameRef(false, 2n, 'custom-value2'))).toBe(clean(B.s5_encoder));
      expect(q.encTableSize()).toBe(215);
      expect(q.encDropped()).toBe(1n);
    });

    it('tracks references of encoded sections until Section Acknowledgment / Stream Cancellation', () => {
      q.encNew(220, 100, 220, false);
      const packed = Uint8Array.from(Buffer.concat([
        Buffer.from([10, 0, 0, 0, 15, 0, 0, 0]), Buffer.from(':authoritywww.example.com'),
      ]));
      q.encEncode(4n, packed); // inserts and references (stream may block)
      expect(q.encOutstanding()).toBe(1);
      q.encEncode(8n, packed);
      expect(q.encOutstanding()).toBe(2);
      expect(q.encFeed(hex('84'))).toBe(0); // Section Acknowledgment stream 4
      expect(q.encKnownReceived()).toBe(1n);
      expect(q.encOutstanding()).toBe(1);
      expect(q.encFeed(hex('48'))).toBe(0); // Stream Cancellation stream 8
      expect(q.encOutstanding()).toBe(0);
      expect(q.encFeed(hex('84'))).toBe(0x202); // nothing outstanding on stream 4 any more
    });
  });

  describe(`RFC 9204 Appendix B, decoder side (${variant} build)`, async () => {
    const q = await loadTest<any>('qpack', variant);
    it('decodes B.1–B.5 and emits the decoder-stream bytes of the example', () => {
      q.decNew(220, 100, 0n);
      const fields = () => unpackFields(q.decFields());
      expect(q.decDecode(0n, hex(B.s1_stream0))).toBe(0);
      expect(fields()).toEqual([[':path', '/index.html']]);
      expect(q.decFeed(hex(B.s2_encoder))).toBe(0);
      expect(q.decTableSize()).toBe(106);
      expect(q.decDecode(4n, hex(B.s2_stream4))).toBe(0);
      expect(fields()).toEqual([[':authority', 'www.example.com'], [':path', '/sample/path']]);
      expect(toHex(q.decTakeStream())).toBe(B.s2_decoder);
      expect(q.decFeed(hex(B.s3_encoder))).toBe(0);
      expect(q.decTableSize()).toBe(160);
      expect(toHex(q.decTakeStream())).toBe(B.s3_decoder);
      // B.4: the encoder-stream packet is delayed; the section blocks, then the stream is cancelled.
      expect(q.decDecode(8n, hex(B.s4_stream8))).toBe(-1);
      q.decCancel(8n);
      expect(toHex(q.decTakeStream())).toBe(B.s4_decoder);
      expect(q.decFeed(hex(B.s4_encoder))).toBe(0);
      expect(q.decTableSize()).toBe(217);
      expect([...q.decUnblocked()]).toEqual([]); // stream 8 was cancelled
      // Had it not been cancelled, the section decodes once the Duplicate arrives:
      expect(q.decDecode(8n, hex(B.s4_stream8))).toBe(0);
      expect(fields()).toEqual([[':authority', 'www.example.com'], [':path', '/'], ['custom-key', 'custom-value']]);
      expect(q.decFeed(hex(B.s5_encoder))).toBe(0);
      expect(q.decTableSize()).toBe(215);
      expect(q.decInsertCount()).toBe(5n);
      expect(toHex(q.decTakeStream())).toBe('88' + '01'); // Section Ack (8), then Insert Count Increment (1)
    });
  });
}

describe('RFC 9204 Appendix B through the component (h3-wasi/qpack)', () => {
  it('decodes B.1–B.5, blocks and resumes stream 8, and emits 84 / 01 / 48', () => {
    const d = new QpackDecoder({ maxTableCapacity: 220, maxBlockedStreams: 100 });
    try {
      expect(d.decode(0, hex(B.s1_stream0))).toEqual([[':path', '/index.html']]);
      expect(d.feedEncoderStream(hex(B.s2_encoder))).toEqual([]);
      expect(d.decode(4, hex(B.s2_stream4))).toEqual([[':authority', 'www.example.com'], [':path', '/sample/path']]);
      expect(toHex(d.takeDecoderStream())).toBe(B.s2_decoder);
      d.feedEncoderStream(hex(B.s3_encoder));
      expect(toHex(d.takeDecoderStream())).toBe(B.s3_decoder);
      expect(d.decode(8, hex(B.s4_stream8))).toBeNull(); // blocked on the Duplicate
      expect(d.feedEncoderStream(hex(B.s4_encoder))).toEqual([8n]);
      expect(d.resume(8)).toEqual([[':authority', 'www.example.com'], [':path', '/'], ['custom-key', 'custom-value']]);
      expect(toHex(d.takeDecoderStream())).toBe('88');
      d.feedEncoderStream(hex(B.s5_encoder));
      expect(toHex(d.takeDecoderStream())).toBe('01');
      // The cancellation variant of B.4:
      d.cancelStream(12);
      expect(toHex(d.takeDecoderStream())).toBe('4c');
    } finally {
      d.close();
    }
  });
});
