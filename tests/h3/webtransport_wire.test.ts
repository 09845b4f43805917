// host/quic/wire.ts's WebTransport pieces (wit/http3.wit "WebTransport"):
// the event kinds and config keys against the core's sources, the draft
// generations mask, and the mapping of WebTransport application error codes
// into the HTTP/3 code space (draft-ietf-webtrans-http3 §4.4).
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import fc from 'fast-check';
import { QUIC_EVENT, H3_CONFIG_KEY, WT_DRAFTS, encodeH3Config, webtransportCodeToHttp3, http3CodeToWebtransport } from '../../host/quic/wire.js';
import { InvalidArgumentError } from '../../host/errors.js';

const src = (p: string) => fs.readFileSync(new URL(`../../assembly/${p}`, import.meta.url), 'utf8');

describe('WebTransport wire codecs', () => {
  it('event kinds 42..49 match assembly/quic/events.ts', () => {
    const kinds = new Map([...src('quic/events.ts').matchAll(/^\s+(Wt\w+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]));
    expect(kinds.size).toBe(8);
    for (const [name, n] of kinds) expect((QUIC_EVENT as Record<string, number>)[name[0].toLowerCase() + name.slice(1)], name).toBe(n);
  });

  it('config keys and the draft mask match assembly/quic/config.ts and h3/webtransport/settings.ts', () => {
    const cfg = src('quic/config.ts');
    const key = (name: string) => Number(new RegExp(`export const ${name}: u8 = (\\d+);`).exec(cfg)![1]);
    expect(H3_CONFIG_KEY.webtransport).toBe(key('QC_WT'));
    expect(H3_CONFIG_KEY.wtMaxSessions).toBe(key('QC_WT_MAX_SESSIONS'));
    expect(H3_CONFIG_KEY.wtMaxBufferedStreams).toBe(key('QC_WT_MAX_BUFFERED_STREAMS'));
    expect(H3_CONFIG_KEY.wtMaxStreamsPerSession).toBe(key('QC_WT_MAX_STREAMS_PER_SESSION'));
    const st = src('h3/webtransport/settings.ts');
    const bit = (name: string) => Number(new RegExp(`export const ${name}: u32 = (\\d+);`).exec(st)![1]);
    expect(WT_DRAFTS).toEqual({ draft02: bit('WT_DRAFT02'), draft07: bit('WT_DRAFT07'), draft08: bit('WT_DRAFT08'), latest: bit('WT_LATEST') });
    const b = encodeH3Config({ webtransport: WT_DRAFTS.draft02, wtMaxSessions: 4 });
    expect([b[9], b[18]]).toEqual([35, 36]);
    expect(new DataView(b.buffer).getBigUint64(19)).toBe(4n);
    expect(() => encodeH3Config({ wtMaxSessions: 0 })).toThrow(InvalidArgumentError);
    expect(() => encodeH3Config({ webtransport: 256 })).toThrow(InvalidArgumentError);
  });

  it('application codes map into WT_APPLICATION_ERROR and back, skipping the reserved 0x1f * N + 0x21 points (§4.4)', () => {
    expect(webtransportCodeToHttp3(0)).toBe(0x52e4a40fa8dbn);
    expect(webtransportCodeToHttp3(0xffffffff)).toBe(0x52e5ac983162n);
    expect(http3CodeToWebtransport(0x52e4a40fa8dbn)).toBe(0);
    expect(http3CodeToWebtransport(0x52e5ac983162n)).toBe(0xffffffff);
    expect(http3CodeToWebtransport(0x52e4a40fa8dbn - 1n)).toBeNull();
    expect(http3CodeToWebtransport(0x52e5ac983163n)).toBeNull();
    expect(http3CodeToWebtransport(0x100n)).toBeNull();
    expect(() => webtransportCodeToHttp3(-1)).toThrow(InvalidArgumentError);
    expect(() => webtransportCodeToHttp3(2 ** 32)).toThrow(InvalidArgumentError);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
      const h = webtransportCodeToHttp3(n);
      expect((h - 0x21n) % 0x1fn).not.toBe(0n);
      expect(http3CodeToWebtransport(h)).toBe(n);
    }));
    // every reserved point in the range maps to nothing
    let reserved = 0x1fn * ((0x52e4a40fa8dbn - 0x21n) / 0x1fn + 1n) + 0x21n;
    for (let i = 0; i < 1000; i++, reserved += 0x1fn) expect(http3CodeToWebtransport(reserved)).toBeNull();
  });
});
