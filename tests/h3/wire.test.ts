// host/quic/wire.ts's HTTP/3 codecs (wit/http3.wit): the packed field list,
// the settings event, the QC_H3* config entries, and the event kind numbers
// against assembly/quic/events.ts.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import fc from 'fast-check';
import { encodeFields, decodeFields, decodeSettings, encodeH3Config, QUIC_EVENT } from '../../host/quic/wire.js';
import { InvalidArgumentError } from '../../host/errors.js';

describe('HTTP/3 wire codecs', () => {
  it('fields: { name-len u16 BE, name, value-len u32 BE, value }* round trips', () => {
    const b = encodeFields([[':status', '200'], ['x', '']]);
    expect([...b.subarray(0, 2)]).toEqual([0, 7]);
    expect([...b.subarray(9, 13)]).toEqual([0, 0, 0, 3]);
    fc.assert(fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'a')), fc.string({ maxLength: 50 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'b')))), (fields) => {
      expect(decodeFields(encodeFields(fields))).toEqual(fields);
    }));
  });

  it('a truncated field list throws', () => {
    const b = encodeFields([['name', 'value']]);
    for (let n = 1; n < b.length; n++) expect(() => decodeFields(b.subarray(0, n))).toThrow(RangeError);
  });

  it('settings event bytes: { id u64 BE, value u64 BE }*', () => {
    const b = new Uint8Array(32);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, 6n); v.setBigUint64(8, 16384n); v.setBigUint64(16, 0x21n); v.setBigUint64(24, 7n);
    expect(decodeSettings(b)).toEqual(new Map([[6n, 16384n], [0x21n, 7n]]));
  });

  it('config: QC_H3 first, then the settings given, each { key u8, value u64 BE }; bad values refused', () => {
    expect([...encodeH3Config()]).toEqual([28, 0, 0, 0, 0, 0, 0, 0, 1]);
    const b = encodeH3Config({ maxFieldSectionSize: 1000, enableConnectProtocol: true });
    expect(b.length).toBe(27);
    expect([b[9], b[18]]).toEqual([29, 32]);
    expect(new DataView(b.buffer).getBigUint64(10)).toBe(1000n);
    expect(() => encodeH3Config({ maxFieldSectionSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => encodeH3Config({ h3Datagram: 1 as never })).toThrow(InvalidArgumentError);
    expect(() => encodeH3Config({ nope: 1 } as never)).toThrow(InvalidArgumentError);
  });

  it('event kinds match assembly/quic/events.ts', () => {
    const src = fs.readFileSync(new URL('../../assembly/quic/events.ts', import.meta.url), 'utf8');
    const kinds = new Map([...src.matchAll(/^\s+(H3\w+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]));
    expect(kinds.size).toBe(10);
    for (const [name, n] of kinds) expect((QUIC_EVENT as Record<string, number>)[name[0].toLowerCase() + name.slice(1)], name).toBe(n);
  });
});
