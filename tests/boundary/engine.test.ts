// Issue 8 deliver 1: no value from a peer or a caller can trap the core.
//
// Every function of wit/*.wit is called on the RAW transpiled component
// (host/core/engine.js, no host-side validation) with each numeric parameter
// set in turn to 0, -1, 2^29, 2^31, 2^32-1, 2^53, NaN and a non-integer (and,
// for u64/s64 parameters, the bigint edges as well). jco's glue may refuse a
// value itself (a TypeError/RangeError, e.g. BigInt(1.5)) or wrap it (u32:
// `v >>> 0`, u8: `v % 256`): both are recorded. What must never happen is a
// trap: jco's `RuntimeError: unreachable` / out-of-bounds, after which every
// call fails with `cannot enter component instance`. After each function's
// batch the instance is proven alive: SHA-256 of "abc" and a fresh QPACK
// encoder → decoder round trip.
import { describe, expect, it } from 'vitest';
import { codec, crypto, qpack, tls } from '../../host/core/engine.js';
import { packFields, unpackFields } from '../../host/qpack/index.js';

const NUMS: number[] = [0, -1, 2 ** 29, 2 ** 31, 2 ** 32 - 1, 2 ** 53, NaN, 1.5];
const BIGS: bigint[] = [0n, -1n, 2n ** 29n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 53n, 2n ** 62n, 2n ** 64n - 1n];
/** For u64/s64 parameters: the number edges (glue may refuse them) and the bigint edges. */
const WIDE: (number | bigint)[] = [...NUMS, ...BIGS];
/** 8-bit enum-like parameters: every byte value the glue can hand over, plus the edges. */
const BYTES: number[] = [...Array.from({ length: 256 }, (_, i) => i), ...NUMS];

const B = (n: number) => new Uint8Array(n);
const SECRET = (alg: string) => B(alg === 'aes256-gcm' ? 48 : 32).fill(7);
const ALGS = ['aes128-gcm', 'aes256-gcm', 'chacha20-poly1305'] as const;

function isTrap(e: unknown): boolean {
  const msg = String((e as Error)?.message ?? e);
  return e instanceof WebAssembly.RuntimeError || /wasm trap|unreachable|cannot enter component|out of bounds memory/i.test(msg);
}

type Outcome = 'ok' | 'error' | 'glue';

/** Runs one call; returns how it ended, throws if it trapped. */
function attempt(label: string, f: () => unknown): Outcome {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (isTrap(e)) throw new Error(`${label} trapped the core: ${(e as Error).message}`);
    if ((e as { payload?: unknown }).payload !== undefined) return 'error';
    if (e instanceof TypeError || e instanceof RangeError) return 'glue';
    throw e;
  }
}

/** Calls `f(v)` for every value; returns the outcome per value (for the record). */
function batch<T>(name: string, values: T[], f: (v: T) => unknown): Record<string, Outcome> {
  const out: Record<string, Outcome> = {};
  for (const v of values) out[String(v) + (typeof v === 'bigint' ? 'n' : '')] = attempt(`${name}(${String(v)})`, () => f(v));
  return out;
}

const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

/** The instance still works: a known SHA-256 and a fresh QPACK round trip with the dynamic table. */
function expectAlive(): void {
  expect(Buffer.from(crypto.sha256(new TextEncoder().encode('abc'))).toString('hex')).toBe(ABC_SHA256);
  const fields: [string, string][] = [['x-boundary', 'alive'], [':method', 'GET']];
  const e = qpack.encoderNew(4096, 10, 4096, true);
  const d = qpack.decoderNew(4096, 10, 0n);
  const enc = qpack.encoderEncode(e, 0n, packFields(fields));
  qpack.decoderFeedEncoderStream(d, enc.encoderStream);
  const r = qpack.decoderDecode(d, 0n, enc.section);
  expect(r.tag).toBe('fields');
  expect(unpackFields((r as { tag: 'fields'; val: Uint8Array }).val)).toEqual(fields);
  qpack.encoderFree(e);
  qpack.decoderFree(d);
}

/** Defines one test per boundary function: run its batches, then prove the instance alive. */
function boundary(name: string, run: () => unknown): void {
  it(name, () => {
    const record = run();
    expect(record).toBeDefined();
    expectAlive();
  });
}

const swallow = (f: () => unknown) => () => { try { f(); } catch (e) { if (isTrap(e)) throw e; } };

describe('raw engine: boundary values never trap the core', () => {
  it('starts alive', () => expectAlive());

  // ---- qpack ----
  boundary('qpack.encoder-new (every u32 parameter) + encode', () => {
    const out = [];
    for (const pos of [0, 1, 2]) {
      out.push(batch(`encoderNew[${pos}]`, NUMS, (v) => {
        const args: [number, number, number] = [4096, 16, 4096];
        args[pos] = v;
        const h = qpack.encoderNew(args[0], args[1], args[2], true);
        // The repro: encode with the dynamic table in use.
        swallow(() => qpack.encoderEncode(h, 0n, packFields([['a', 'b'], ['x-long', 'v'.repeat(100)]])))();
        qpack.encoderStats(h);
        qpack.encoderFree(h);
      }));
    }
    // The peer's maximum exactly as SETTINGS would give it, with tableCapacity defaulting to it.
    for (const v of NUMS) {
      const h = qpack.encoderNew(v, 0, v, true);
      const r = qpack.encoderEncode(h, 0n, packFields([['a', 'b']]));
      expect(r.section.length).toBeGreaterThan(0);
      qpack.encoderFree(h);
    }
    return out;
  });

  boundary('qpack.decoder-new (every parameter)', () => {
    const caps = batch('decoderNew[cap]', NUMS, (v) => qpack.decoderFree(qpack.decoderNew(v, 16, 0n)));
    // Capacities the core cannot hold (> 2^30) are refused with a defined error, not clamped.
    expect(caps['2147483648']).toBe('error');
    expect(caps['4294967295']).toBe('error');
    expect(caps['536870912']).toBe('ok');
    batch('decoderNew[blocked]', NUMS, (v) => qpack.decoderFree(qpack.decoderNew(4096, v, 0n)));
    return batch('decoderNew[mfss]', WIDE, (v) => qpack.decoderFree(qpack.decoderNew(4096, 16, v as bigint)));
  });

  boundary('qpack: unknown, zero, huge and freed handles', () => {
    const freedE = qpack.encoderNew(0, 0, 0, false);
    qpack.encoderFree(freedE);
    const freedD = qpack.decoderNew(0, 0, 0n);
    qpack.decoderFree(freedD);
    const handles = [...NUMS, freedE, freedD];
    const res = [
      batch('encoderEncode', handles, (h) => qpack.encoderEncode(h, 0n, packFields([['a', 'b']]))),
      batch('encoderFeedDecoderStream', handles, (h) => qpack.encoderFeedDecoderStream(h, Uint8Array.of(0x01))),
      batch('encoderAckSection', handles, (h) => qpack.encoderAckSection(h, 0n)),
      batch('encoderStats', handles, (h) => qpack.encoderStats(h)),
      batch('encoderFree', handles, (h) => qpack.encoderFree(h)),
      batch('decoderFeedEncoderStream', handles, (h) => qpack.decoderFeedEncoderStream(h, Uint8Array.of(0x3f, 0xe1, 0x1f))),
      batch('decoderDecode', handles, (h) => qpack.decoderDecode(h, 0n, Uint8Array.of(0, 0))),
      batch('decoderResume', handles, (h) => qpack.decoderResume(h, 0n)),
      batch('decoderCancelStream', handles, (h) => qpack.decoderCancelStream(h, 0n)),
      batch('decoderTakeDecoderStream', handles, (h) => qpack.decoderTakeDecoderStream(h)),
      batch('decoderFree', handles, (h) => qpack.decoderFree(h)),
    ];
    for (const r of res.slice(0, 2)) expect(r['0']).toBe('error');
    return res;
  });

  boundary('qpack: stream ids (u64) on every stream-id function', () => {
    const e = qpack.encoderNew(4096, 16, 4096, true);
    const d = qpack.decoderNew(4096, 16, 0n);
    const res = [
      batch('encoderEncode', WIDE, (s) => qpack.encoderEncode(e, s as bigint, packFields([['x-a', 'b']]))),
      batch('encoderAckSection', WIDE, (s) => qpack.encoderAckSection(e, s as bigint)),
      batch('decoderDecode', WIDE, (s) => qpack.decoderDecode(d, s as bigint, Uint8Array.of(0x02, 0x00, 0x80))),
      batch('decoderResume', WIDE, (s) => qpack.decoderResume(d, s as bigint)),
      batch('decoderCancelStream', WIDE, (s) => qpack.decoderCancelStream(d, s as bigint)),
    ];
    qpack.encoderFree(e);
    qpack.decoderFree(d);
    return res;
  });

  // ---- codec ----
  boundary('codec.varint-encode / varint-decode', () => [
    batch('varintEncode', WIDE, (v) => codec.varintEncode(v as bigint)),
    batch('varintDecode', [0, 1, 2, 4, 8], (n) => codec.varintDecode(B(n).fill(0xff))),
  ]);

  boundary('codec.decode-quic-frames (packet type u8)', () =>
    batch('decodeQuicFrames', BYTES, (t) => codec.decodeQuicFrames(t, Uint8Array.of(0x01, 0x00, 0x00))));

  boundary('codec decode budgets (max-bytes u32): always progress, never more than asked plus one record', () => {
    const pings = new Uint8Array(1000).fill(0x01);
    const res = [
      batch('decodeQuicFrames[maxBytes]', NUMS, (m) => codec.decodeQuicFrames(3, pings, m)),
      batch('decodeH3Frames[maxBytes]', NUMS, (m) => codec.decodeH3Frames(new Uint8Array(1000), m)),
      batch('h3ParserFeed[maxBytes]', NUMS, (m) => {
        const h = codec.h3ParserNew(2, 0);
        codec.h3ParserFeed(h, new Uint8Array(1000), false, m);
        codec.h3ParserFree(h);
      }),
    ];
    // max-bytes 1: one 88-byte record per call, `consumed` one frame.
    const one = codec.decodeQuicFrames(3, pings, 1);
    expect(one.records.length).toBe(88);
    expect(one.consumed).toBe(1);
    const all = codec.decodeQuicFrames(3, pings, 0);
    expect(all.consumed).toBe(1000);
    return res;
  });

  boundary('codec.quic-frame-allowed / h3-frame-allowed', () => [
    batch('quicFrameAllowed[type]', WIDE, (t) => codec.quicFrameAllowed(t as bigint, 3)),
    batch('quicFrameAllowed[packet]', BYTES, (p) => codec.quicFrameAllowed(1n, p)),
    batch('h3FrameAllowed[kind]', BYTES, (k) => codec.h3FrameAllowed(k, 0n)),
    batch('h3FrameAllowed[type]', WIDE, (t) => codec.h3FrameAllowed(1, t as bigint)),
  ]);

  boundary('codec.encode-quic-frames / encode-h3-frames (counts, offsets, lengths in records)', () => {
    const rec = (fill: number) => {
      const r = B(88);
      const v = new DataView(r.buffer);
      v.setBigUint64(0, 0x02n, true); // ACK
      for (let i = 0; i < 8; i++) v.setBigUint64(8 + 8 * i, BigInt.asUintN(64, BigInt(Math.trunc(fill))), true);
      v.setUint32(72, fill >>> 0, true);
      v.setUint32(76, fill >>> 0, true);
      v.setUint32(80, fill >>> 0, true);
      return r;
    };
    const h3rec = (fill: number) => {
      const r = B(32);
      const v = new DataView(r.buffer);
      v.setBigUint64(0, 0x04n, true); // SETTINGS
      v.setUint32(16, fill >>> 0, true);
      v.setUint32(20, fill >>> 0, true);
      v.setUint32(24, fill >>> 0, true);
      return r;
    };
    const finite = NUMS.map((n) => (Number.isFinite(n) ? n : 0));
    return [
      batch('encodeQuicFrames', finite, (n) => codec.encodeQuicFrames(rec(n), B(4))),
      batch('encodeH3Frames', finite, (n) => codec.encodeH3Frames(h3rec(n), B(4))),
    ];
  });

  boundary('codec.h3-parser-new / feed / free (kinds, limits, handles)', () => {
    const res = [
      batch('h3ParserNew[kind]', BYTES, (k) => codec.h3ParserFree(codec.h3ParserNew(k, 0))),
      batch('h3ParserNew[max]', NUMS, (m) => {
        const h = codec.h3ParserNew(1, m);
        codec.h3ParserFeed(h, Uint8Array.of(0x04, 0x00), false);
        codec.h3ParserFree(h);
      }),
    ];
    // Unknown stream kinds are refused with handle 0, known ones get a handle.
    for (const k of BYTES) {
      const h = codec.h3ParserNew(k, 0);
      expect(h === 0).toBe((k >>> 0) % 256 > 3);
      codec.h3ParserFree(h);
    }
    const freed = codec.h3ParserNew(0, 0);
    codec.h3ParserFree(freed);
    const handles = [...NUMS, freed];
    res.push(batch('h3ParserFeed[handle]', handles, (h) => codec.h3ParserFeed(h, Uint8Array.of(0x00, 0x01, 0x61), true)));
    res.push(batch('h3ParserFree[handle]', handles, (h) => codec.h3ParserFree(h)));
    expect(res[2]['0']).toBe('error');
    return res;
  });

  boundary('codec.transport-params-decode / -encode (packed header: mask, offsets, lengths, values)', () => {
    const packed = (fill: number) => {
      const b = B(152 + 8);
      const v = new DataView(b.buffer);
      v.setUint32(0, fill >>> 0, true); // presence mask
      for (let slot = 0; slot < 18; slot++) {
        v.setUint32(8 + 8 * slot, fill >>> 0, true);
        v.setUint32(12 + 8 * slot, fill >>> 0, true);
      }
      return b;
    };
    const finite = NUMS.map((n) => (Number.isFinite(n) ? n : 0));
    return [
      batch('transportParamsEncode[packed]', finite, (n) => codec.transportParamsEncode(packed(n), true)),
      batch('transportParamsEncode[packed, client]', finite, (n) => codec.transportParamsEncode(packed(n), false)),
      batch('transportParamsDecode[length]', [0, 1, 2, 8, 64], (n) => codec.transportParamsDecode(Uint8Array.of(0x0f, 0x80 | n, 0, 0, 0), true)),
    ];
  });

  boundary('codec.fuzz-decode (target, param u8)', () => {
    const input = Uint8Array.of(3, 0, 0, 0, 0x04, 0x00, 0x01);
    return [
      batch('fuzzDecode[target]', BYTES, (t) => codec.fuzzDecode(t, 0, input)),
      batch('fuzzDecode[param]', BYTES, (p) => codec.fuzzDecode(1, p, input)),
    ];
  });

  boundary('codec.bench-loop (op, param u8; iterations u32)', () => [
    batch('benchLoop[op]', BYTES, (op) => codec.benchLoop(op, 3, Uint8Array.of(0x01), 1)),
    batch('benchLoop[param]', BYTES, (p) => codec.benchLoop(0, p, Uint8Array.of(0x01), 1)),
    batch('benchLoop[iterations]', NUMS, (n) => codec.benchLoop(0, 3, Uint8Array.of(0x01), n)),
  ]);

  // ---- crypto ----
  boundary('crypto.hkdf-sha256 (length u32)', () => {
    const r = batch('hkdfSha256', NUMS, (n) => crypto.hkdfSha256(B(1), B(1), B(1), n));
    expect(r['4294967295']).toBe('error');
    return r;
  });

  boundary('crypto.quic-initial-secrets / quic-packet-keys / quic-retry-tag (version u32)', () => [
    batch('quicInitialSecrets', NUMS, (v) => crypto.quicInitialSecrets(v, B(8))),
    ...ALGS.map((a) => batch(`quicPacketKeys ${a}`, NUMS, (v) => crypto.quicPacketKeys(a, v, SECRET(a)))),
    batch('quicRetryTag', NUMS, (v) => crypto.quicRetryTag(v, B(8), B(30))),
  ]);

  const packet = () => Uint8Array.of(0x43, 1, 2, 3, 4, 0, 0, 0, 0, ...B(40));
  boundary('crypto.quic-protect (version, key-updates, pn-offset u32; packet-number u64)', () =>
    ALGS.flatMap((a) => [
      batch(`quicProtect ${a} version`, NUMS, (v) => crypto.quicProtect(a, v, SECRET(a), 0, packet(), 1, 0n)),
      batch(`quicProtect ${a} keyUpdates`, NUMS, (v) => crypto.quicProtect(a, 1, SECRET(a), v, packet(), 1, 0n)),
      batch(`quicProtect ${a} pnOffset`, NUMS, (v) => crypto.quicProtect(a, 1, SECRET(a), 0, packet(), v, 0n)),
      batch(`quicProtect ${a} packetNumber`, WIDE, (v) => crypto.quicProtect(a, 1, SECRET(a), 0, packet(), 1, v as bigint)),
    ]));

  boundary('crypto.quic-unprotect (version, key-updates, pn-offset u32; largest-pn s64)', () =>
    ALGS.flatMap((a) => [
      batch(`quicUnprotect ${a} version`, NUMS, (v) => crypto.quicUnprotect(a, v, SECRET(a), 0, packet(), 1, 0n)),
      batch(`quicUnprotect ${a} keyUpdates`, NUMS, (v) => crypto.quicUnprotect(a, 1, SECRET(a), v, packet(), 1, 0n)),
      batch(`quicUnprotect ${a} pnOffset`, NUMS, (v) => crypto.quicUnprotect(a, 1, SECRET(a), 0, packet(), v, 0n)),
      batch(`quicUnprotect ${a} largestPn`, WIDE, (v) => crypto.quicUnprotect(a, 1, SECRET(a), 0, packet(), 1, v as bigint)),
    ]));

  boundary('crypto.bench-protect / bench-unprotect / bench-header-mask (count, size u32)', () =>
    ALGS.flatMap((a) => [
      batch(`benchProtect ${a} count`, NUMS, (n) => crypto.benchProtect(a, n, 16)),
      batch(`benchProtect ${a} size`, NUMS, (n) => crypto.benchProtect(a, 1, n)),
      batch(`benchUnprotect ${a} count`, NUMS, (n) => crypto.benchUnprotect(a, n, 16)),
      batch(`benchUnprotect ${a} size`, NUMS, (n) => crypto.benchUnprotect(a, 1, n)),
      batch(`benchHeaderMask ${a} count`, NUMS, (n) => crypto.benchHeaderMask(a, n)),
    ]));

  boundary('crypto.rsa-pss-sha256-verify (salt-length s32)', () =>
    batch('rsaPssSha256Verify', NUMS, (s) => crypto.rsaPssSha256Verify(B(256).fill(0xc3), Uint8Array.of(1, 0, 1), B(3), B(256).fill(1), s)));

  // ---- tls ----
  boundary('tls.config-new / connection-new: numeric config fields and blobs of any shape', () => {
    const tlv = (tag: number, v: Uint8Array, len = v.length) =>
      Uint8Array.from([tag, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, ...v]);
    const u32be = (x: number) => Uint8Array.of(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
    const res: Record<string, Outcome>[] = [];
    // Every tag 0..31 with 0-, 1-, 2-, 4-byte values of each edge, and lengths that lie.
    for (let tag = 0; tag < 32; tag++) {
      res.push(batch(`configNew[tag ${tag}]`, NUMS, (n) => {
        for (const v of [B(0), Uint8Array.of(n & 255), Uint8Array.of((n >>> 8) & 255, n & 255), u32be(n >>> 0)]) {
          for (const cfg of [tlv(tag, v), tlv(tag, v, n >>> 0), tlv(tag, v).subarray(0, 3)]) {
            try { const h = tls.configNew(cfg); tls.connectionFree(tls.connectionNew(h, B(0))); tls.configFree(h); } catch (e) { if (isTrap(e)) throw e; }
          }
        }
      }));
    }
    // Random blobs and random sessions.
    let seed = 0x12345678;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 16; };
    const blob = (n: number) => Uint8Array.from({ length: n }, () => rnd() & 255);
    const cfg = tls.configNew(tlv(1, new TextEncoder().encode('localhost')));
    res.push(batch('configNew[random]', Array.from({ length: 300 }, (_, i) => i), (i) => tls.configFree(tls.configNew(blob(i)))));
    res.push(batch('connectionNew[random session]', Array.from({ length: 300 }, (_, i) => i), (i) => {
      const c = tls.connectionNew(cfg, blob(i));
      tls.start(c, 1n);
      tls.connectionFree(c);
    }));
    tls.configFree(cfg);
    return res;
  });

  boundary('tls: unknown, zero, huge and freed handles; levels; clocks', () => {
    const cfg = tls.configNew(B(0));
    const conn = tls.connectionNew(cfg, B(0));
    tls.connectionFree(conn);
    const handles = [...NUMS, conn, cfg + 1000];
    const res = [
      batch('connectionNew[config]', handles, (h) => tls.connectionNew(h, B(0))),
      batch('start[handle]', handles, (h) => tls.start(h, 0n)),
      batch('handle[handle]', handles, (h) => tls.handle(h, 0, Uint8Array.of(1, 0, 0, 0), 0n)),
      batch('confirm[handle]', handles, (h) => tls.confirm(h)),
      batch('connectionFree[handle]', handles, (h) => tls.connectionFree(h)),
    ];
    const live = tls.connectionNew(cfg, B(0));
    res.push(batch('start[now]', WIDE, (n) => tls.start(tls.connectionNew(cfg, B(0)), n as bigint)));
    res.push(batch('handle[level]', BYTES, (l) => tls.handle(live, l, Uint8Array.of(2, 0, 0, 0), 0n)));
    res.push(batch('handle[now]', WIDE, (n) => tls.handle(live, 0, B(1), n as bigint)));
    res.push(batch('configFree[handle]', [...NUMS, cfg, cfg], (h) => tls.configFree(h)));
    tls.connectionFree(live);
    return res;
  });
});
