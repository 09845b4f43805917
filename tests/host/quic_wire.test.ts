// The quic interface's byte encodings as the host reads and writes them
// (host/quic/wire.ts, layouts in wit/quic.wit): hand-made vectors for each
// layout, round trips over random batches, the mirrored constants checked
// against the AssemblyScript sources they copy, and the QUIC options refused
// (never clamped) with an InvalidArgumentError naming the option.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  QC_QLOG, H3_CONFIG_KEY, CLOSE_KIND, CORE_DEFAULTS, EVENT_HEADER, QUIC_CONFIG_KEY, QUIC_DEFAULTS, QUIC_EVENT, checkQuicOptions, decodeEvents,
  encodeQuicConfig, packDatagrams, quicConfig, unpackDatagrams, type QuicOptions,
} from '../../host/quic/wire.js';
import { InvalidArgumentError } from '../../host/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function refused(f: () => unknown, argument: string, message?: RegExp): InvalidArgumentError {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err, argument).toBeInstanceOf(InvalidArgumentError);
  const e = err as InvalidArgumentError;
  expect(e.code).toBe('H3W_ERR_INVALID_ARGUMENT');
  expect(e.argument).toBe(argument);
  if (message) expect(e.message).toMatch(message);
  return e;
}

describe('poll-events: { connection u32, kind u8, flags u8, close-kind u8, stream u64, value u64, len u32, bytes }*', () => {
  it('decodes a hand-made batch of two events', () => {
    const batch = bytes(`
      00000007 0f 03 01 0000000000000000 000000000000001d 00000003 627965
      0000fffe 03 00 00 4000000000000004 0000000000000000 00000000`);
    const [closed, readable] = decodeEvents(batch);
    expect(closed).toMatchObject({ connection: 7, kind: QUIC_EVENT.closed, app: true, remote: true, closeKind: CLOSE_KIND.remote, stream: 0n, value: 0x1dn });
    expect(Buffer.from(closed.bytes).toString()).toBe('bye');
    expect(readable).toMatchObject({ connection: 0xfffe, kind: QUIC_EVENT.streamReadable, app: false, remote: false, stream: 0x4000000000000004n, value: 0n });
    expect(readable.bytes.length).toBe(0);
  });

  it('flags: bit 0 is app, bit 1 remote; u64 fields keep all 64 bits', () => {
    const rec = (flags: number) => bytes(`00000001 0f ${flags.toString(16).padStart(2, '0')} 00 ffffffffffffffff 8000000000000001 00000000`);
    expect(decodeEvents(rec(1))[0]).toMatchObject({ app: true, remote: false, stream: (1n << 64n) - 1n, value: (1n << 63n) + 1n });
    expect(decodeEvents(rec(2))[0]).toMatchObject({ app: false, remote: true });
  });

  it('an empty batch is no events; a truncated one throws', () => {
    expect(decodeEvents(new Uint8Array(0))).toEqual([]);
    const one = bytes('00000001 09 00 00 0000000000000000 0000000000000000 00000002 abcd');
    expect(() => decodeEvents(one.subarray(0, EVENT_HEADER - 1))).toThrow(RangeError);
    expect(() => decodeEvents(one.subarray(0, one.length - 1))).toThrow(/payload/);
  });

  it('round-trips random events written the way assembly/api/quic_events.ts writes them', () => {
    const ev = fc.record({
      connection: fc.integer({ min: 0, max: 0xffffffff }), kind: fc.integer({ min: 1, max: 49 }), app: fc.boolean(), remote: fc.boolean(), fin: fc.boolean(), early: fc.boolean(),
      closeKind: fc.integer({ min: 0, max: 5 }), stream: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      bytes: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(fc.property(fc.array(ev, { maxLength: 20 }), (list) => {
      const parts = list.map((e) => {
        const b = new Uint8Array(EVENT_HEADER + e.bytes.length);
        const v = new DataView(b.buffer);
        v.setUint32(0, e.connection); b[4] = e.kind; b[5] = (e.app ? 1 : 0) | (e.remote ? 2 : 0) | (e.fin ? 4 : 0) | (e.early ? 8 : 0); b[6] = e.closeKind;
        v.setBigUint64(7, e.stream); v.setBigUint64(15, e.value); v.setUint32(23, e.bytes.length); b.set(e.bytes, EVENT_HEADER);
        return b;
      });
      const got = decodeEvents(Buffer.concat(parts));
      expect(got.map((e) => ({ ...e, bytes: [...e.bytes] }))).toEqual(list.map((e) => ({ ...e, bytes: [...e.bytes] })));
    }));
  });

  it('event and close kinds mirror assembly/quic/events.ts', () => {
    const events = src('assembly/quic/events.ts');
    const enumBody = (name: string) => events.slice(events.indexOf(`enum ${name}`), events.indexOf('}', events.indexOf(`enum ${name}`)));
    const members = (body: string) => Object.fromEntries([...body.matchAll(/^\s*(\w+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]));
    const lower = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k[0].toLowerCase() + k.slice(1), v]));
    expect(lower(members(enumBody('QuicEventKind')))).toEqual(QUIC_EVENT);
    expect({ ...lower(members(enumBody('CloseKind'))) }).toEqual(CLOSE_KIND);
  });
});

describe('datagrams: { local-id u32, addr-len u8, addr, len u16, bytes }*', () => {
  const v4 = bytes('04 7f000001 1151'); // 127.0.0.1:4433
  const v6 = bytes('06 00000000000000000000000000000001 01bb'); // [::1]:443

  it('packs a hand-made batch for recv', () => {
    const out = packDatagrams([{ addr: v4, data: bytes('c0ffee') }, { localId: 2, addr: v6, data: new Uint8Array(0) }], 1);
    expect(hex(out)).toBe(
      '00000001' + '07' + '047f0000011151' + '0003' + 'c0ffee' +
      '00000002' + '13' + '0600000000000000000000000000000001' + '01bb' + '0000');
  });

  it('unpacks poll-transmit output into views of the batch', () => {
    const batch = bytes('00000000 07 047f0000011151 0002 abcd  00000001 13 0600000000000000000000000000000001 01bb 0001 ff');
    const [a, b] = unpackDatagrams(batch);
    expect({ localId: a.localId, addr: hex(a.addr), data: hex(a.data) }).toEqual({ localId: 0, addr: hex(v4), data: 'abcd' });
    expect({ localId: b.localId, addr: hex(b.addr), data: hex(b.data) }).toEqual({ localId: 1, addr: hex(v6), data: 'ff' });
    expect(a.data.buffer).toBe(batch.buffer);
  });

  it('a truncated batch throws; an empty one is no datagrams', () => {
    expect(unpackDatagrams(new Uint8Array(0))).toEqual([]);
    const one = bytes('00000000 07 047f0000011151 0002 abcd');
    for (const cut of [3, 9, 13, one.length - 1]) expect(() => unpackDatagrams(one.subarray(0, cut)), `cut ${cut}`).toThrow(RangeError);
    expect(() => packDatagrams([{ addr: v4, data: new Uint8Array(0x10000) }])).toThrow(RangeError);
  });

  it('round-trips random batches (local-ids up to 2^32-1, payloads up to the u16 limit)', () => {
    const d = fc.record({
      localId: fc.integer({ min: 0, max: 0xffffffff }),
      addr: fc.oneof(fc.uint8Array({ minLength: 7, maxLength: 7 }), fc.uint8Array({ minLength: 19, maxLength: 19 })),
      data: fc.oneof(fc.uint8Array({ maxLength: 1500 }), fc.constant(new Uint8Array(0xffff).fill(7))),
    });
    fc.assert(fc.property(fc.array(d, { maxLength: 12 }), (list) => {
      const back = unpackDatagrams(packDatagrams(list));
      expect(back.map((x) => [x.localId, hex(x.addr), hex(x.data)])).toEqual(list.map((x) => [x.localId, hex(x.addr), hex(x.data)]));
    }), { numRuns: 60 });
  });
});

describe('config: { key u8, value u64 BE }* from QuicOptions', () => {
  it('keys mirror assembly/quic/config.ts QC_* and the defaults mirror QuicConfig', () => {
    const cfg = src('assembly/quic/config.ts');
    const qc = Object.fromEntries([...cfg.matchAll(/export const QC_(\w+): u8 = (\d+);/g)].map((m) => [m[1], Number(m[2])]));
    const NAMES: Record<keyof typeof QUIC_CONFIG_KEY, string> = {
      maxIdleTimeout: 'MAX_IDLE_TIMEOUT_MS', initialMaxData: 'INITIAL_MAX_DATA', streamWindow: 'STREAM_WINDOW', maxStreamWindow: 'MAX_STREAM_WINDOW',
      maxConnectionWindow: 'MAX_CONN_WINDOW', maxStreamsBidi: 'MAX_STREAMS_BIDI', maxStreamsUni: 'MAX_STREAMS_UNI', maxAckDelay: 'MAX_ACK_DELAY_MS',
      ackDelayExponent: 'ACK_DELAY_EXPONENT', activeConnectionIdLimit: 'ACTIVE_CID_LIMIT', connectionIdLength: 'CID_LEN',
      maxDatagramFrameSize: 'MAX_DATAGRAM_FRAME_SIZE', maxUdpPayloadSize: 'MAX_UDP_PAYLOAD', congestionControl: 'CONGESTION',
      keepAlive: 'KEEP_ALIVE_MS', sendBufferSize: 'SEND_BUFFER', keyUpdateInterval: 'KEY_UPDATE_INTERVAL', disableActiveMigration: 'DISABLE_MIGRATION',
      datagramQueue: 'DATAGRAM_QUEUE', maxConnections: 'MAX_CONNECTIONS', retry: 'RETRY', pacing: 'PACING', maxCryptoBuffer: 'MAX_CRYPTO_BUFFER',
      maxRecvRanges: 'MAX_RECV_RANGES', handshakeTimeout: 'HANDSHAKE_TIMEOUT_MS', greaseQuicBit: 'GREASE_QUIC_BIT',
      resetStreamAt: 'RESET_STREAM_AT',
    };
    // QC_QLOG is the host's own switch (a qlog directory), not a QuicOptions key
    // QC_H3* are written by encodeH3Config (HTTP/3 endpoints, tests/h3/wire.test.ts)
    const H3_NAMES: Record<keyof typeof H3_CONFIG_KEY, string> = {
      h3: 'H3', maxFieldSectionSize: 'H3_MAX_FIELD_SECTION_SIZE', qpackMaxTableCapacity: 'H3_QPACK_MAX_TABLE_CAPACITY', qpackBlockedStreams: 'H3_QPACK_BLOCKED_STREAMS',
      enableConnectProtocol: 'H3_ENABLE_CONNECT_PROTOCOL', h3Datagram: 'H3_DATAGRAM', maxBodySize: 'H3_MAX_BODY_SIZE',
      webtransport: 'WT', wtMaxSessions: 'WT_MAX_SESSIONS', wtMaxBufferedStreams: 'WT_MAX_BUFFERED_STREAMS', wtMaxStreamsPerSession: 'WT_MAX_STREAMS_PER_SESSION',
    };
    const h3 = Object.fromEntries(Object.entries(H3_NAMES).map(([k, v]) => [v, H3_CONFIG_KEY[k as keyof typeof H3_NAMES]]));
    expect({ ...Object.fromEntries(Object.entries(NAMES).map(([k, v]) => [v, QUIC_CONFIG_KEY[k as keyof typeof NAMES]])), QLOG: QC_QLOG, ...h3 }).toEqual(qc);
    // the core's field defaults, evaluated from their AssemblyScript initialisers
    const body = cfg.slice(cfg.indexOf('export class QuicConfig'), cfg.indexOf('error: string'));
    const field = (f: string) => {
      const m = body.match(new RegExp(`\\b${f}: \\w+ = ([^;]+);`));
      if (!m) throw new Error(`QuicConfig.${f} not found`);
      const v = m[1].trim();
      if (v === 'true' || v === 'false') return v === 'true';
      if (v.startsWith('CongestionAlgorithm.')) return v.endsWith('Cubic') ? 'cubic' : 'newreno';
      return Number(new Function(`return ${v.replace(/_/g, '')}`)());
    };
    const FIELDS: Record<keyof typeof CORE_DEFAULTS, string> = {
      maxIdleTimeout: 'maxIdleTimeoutMs', initialMaxData: 'initialMaxData', streamWindow: 'streamWindow', maxStreamWindow: 'maxStreamWindow',
      maxConnectionWindow: 'maxConnWindow', maxStreamsBidi: 'maxStreamsBidi', maxStreamsUni: 'maxStreamsUni', maxAckDelay: 'maxAckDelayMs',
      activeConnectionIdLimit: 'activeCidLimit', connectionIdLength: 'cidLen', maxDatagramFrameSize: 'maxDatagramFrameSize',
      maxUdpPayloadSize: 'maxUdpPayload', congestionControl: 'congestion', keepAlive: 'keepAliveMs', sendBufferSize: 'sendBuffer',
      keyUpdateInterval: 'keyUpdateInterval', disableActiveMigration: 'disableActiveMigration', datagramQueue: 'datagramQueue',
      maxConnections: 'maxConnections', retry: 'retry', pacing: 'pacing', handshakeTimeout: 'handshakeTimeoutMs',
      resetStreamAt: 'resetStreamAt',
    };
    for (const [k, f] of Object.entries(FIELDS)) expect(CORE_DEFAULTS[k as keyof typeof FIELDS], k).toBe(field(f));
    // the host turns datagrams on
    expect(QUIC_DEFAULTS.maxDatagramFrameSize).toBe(65535);
  });

  it('encodes hand-made vectors: only the options given, in key order', () => {
    expect(hex(encodeQuicConfig(checkQuicOptions(undefined)))).toBe('');
    expect(hex(encodeQuicConfig(checkQuicOptions({ maxIdleTimeout: 5000 })))).toBe('01' + '0000000000001388');
    expect(hex(encodeQuicConfig(checkQuicOptions({ pacing: false, congestionControl: 'newreno', maxAckDelay: 10 })))).toBe(
      '08' + '000000000000000a' + '0e' + '0000000000000000' + '16' + '0000000000000000');
    expect(hex(encodeQuicConfig(checkQuicOptions({ congestionControl: 'cubic', retry: true, disableActiveMigration: true }, 'quic', 'server')))).toBe(
      '0e' + '0000000000000001' + '12' + '0000000000000001' + '15' + '0000000000000001');
    expect(hex(encodeQuicConfig(checkQuicOptions({ maxStreamsBidi: 1n << 60n, maxStreamsUni: 0 })))).toBe(
      '06' + '1000000000000000' + '07' + '0000000000000000');
    // with the host's defaults: datagrams on unless the caller says otherwise
    expect(hex(quicConfig({}))).toBe('0c' + '000000000000ffff');
    expect(hex(quicConfig({ maxDatagramFrameSize: 0 }))).toBe('0c' + '0000000000000000');
  });

  it('every option at its bounds is accepted and encodes to its value', () => {
    const edges: [keyof QuicOptions, unknown, bigint][] = [
      ['maxIdleTimeout', 0, 0n], ['maxIdleTimeout', 2 ** 40, 1n << 40n], ['initialMaxData', 0, 0n], ['streamWindow', 2 ** 30, 1n << 30n],
      ['maxAckDelay', 1, 1n], ['maxAckDelay', 16383, 16383n], ['activeConnectionIdLimit', 2, 2n], ['activeConnectionIdLimit', 16, 16n],
      ['connectionIdLength', 20, 20n], ['maxDatagramFrameSize', 65535, 65535n], ['maxUdpPayloadSize', 1200, 1200n],
      ['maxUdpPayloadSize', 65527, 65527n], ['keepAlive', 15000, 15000n], ['sendBufferSize', 1, 1n], ['keyUpdateInterval', 0, 0n],
      ['datagramQueue', 4096, 4096n], ['handshakeTimeout', 0, 0n],
    ];
    for (const [k, v, want] of edges) {
      const out = encodeQuicConfig(checkQuicOptions({ [k]: v }));
      expect(out[0], k).toBe(QUIC_CONFIG_KEY[k]);
      expect(new DataView(out.buffer).getBigUint64(1), `${k}=${String(v)}`).toBe(want);
    }
  });

  it('bad values throw InvalidArgumentError naming the option, never clamp', () => {
    const bad: [keyof QuicOptions, unknown, RegExp][] = [
      ['maxIdleTimeout', -1, /0\.\.1099511627776/], ['maxIdleTimeout', 1.5, /integer/], ['maxIdleTimeout', '30s', /integer/],
      ['initialMaxData', 2 ** 40 + 1, /0\.\./], ['streamWindow', 0, /1\.\./], ['streamWindow', 2 ** 30 + 1, /1\.\.1073741824/],
      ['maxStreamsBidi', (1n << 60n) + 1n, /0\.\./], ['maxStreamsUni', -1, /0\.\./], ['maxStreamsBidi', 2 ** 53, /integer/],
      ['maxAckDelay', 0, /1\.\.16383/], ['maxAckDelay', 16384, /1\.\.16383/], ['activeConnectionIdLimit', 1, /2\.\.16/],
      ['connectionIdLength', 21, /0\.\.20/], ['maxDatagramFrameSize', 65536, /0\.\.65535/], ['maxUdpPayloadSize', 1199, /1200\.\.65527/],
      ['maxUdpPayloadSize', 65528, /1200\.\./], ['congestionControl', 'bbr', /'cubic', 'newreno'/], ['congestionControl', 'CUBIC', /'cubic'/],
      ['keepAlive', -5, /0\.\./], ['sendBufferSize', 0, /1\.\./], ['keyUpdateInterval', -1, /0\.\./], ['disableActiveMigration', 1, /boolean/],
      ['datagramQueue', 0, /1\.\.4096/], ['maxConnections', 0, /1\.\./], ['retry', 'yes', /boolean/], ['pacing', null, /boolean/],
      ['handshakeTimeout', Infinity, /integer/],
    ];
    for (const [k, v, why] of bad) refused(() => checkQuicOptions({ [k]: v }), `quic.${k}`, why);
    refused(() => checkQuicOptions({ maxIdelTimeout: 5 }), 'quic', /unknown option 'maxIdelTimeout'/);
    refused(() => checkQuicOptions('fast'), 'quic', /options object/);
    refused(() => checkQuicOptions([]), 'quic');
    // a ceiling below its window, both given
    refused(() => checkQuicOptions({ streamWindow: 1 << 20, maxStreamWindow: 1 << 19 }), 'quic.maxStreamWindow', /at least streamWindow/);
    refused(() => checkQuicOptions({ initialMaxData: 1 << 20, maxConnectionWindow: 1000 }), 'quic.maxConnectionWindow', /at least initialMaxData/);
    checkQuicOptions({ streamWindow: 8 << 20 }); // the core raises the default ceiling with it
    // role rules
    refused(() => checkQuicOptions({ connectionIdLength: 0 }, 'quic', 'server'), 'quic.connectionIdLength', /route/);
    refused(() => checkQuicOptions({ retry: true }, 'quic', 'client'), 'quic.retry', /server option/);
    refused(() => checkQuicOptions({ maxConnections: 5 }, 'quic', 'client'), 'quic.maxConnections', /server option/);
    checkQuicOptions({ connectionIdLength: 0 }, 'quic', 'client');
  });
});
