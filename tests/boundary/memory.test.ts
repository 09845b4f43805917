// Issue 8 deliver 7: bounded memory per call. The core's linear memory never
// shrinks, so its size after a call is its high-water mark. The transpiled
// engine does not export its memory; it instantiates its core modules with
// `WebAssembly.instantiate` (captured when dist/engine/engine.js loads), so
// this file wraps that function BEFORE the engine is first imported and keeps
// the instance that exports `cabi_realloc` (the core) and its `memory`.
//
// Figures: growth of the core's linear memory for one call in a fresh
// instance (`npx vitest run tests/boundary/memory.test.ts -t <name>`),
// measured on the build before issue 8's fix and after it:
//   decodeQuicFrames('1rtt', 1 MiB of PING)       +351.75 MiB  ->  +2.50 MiB
//   new H3FrameParser('push').push(1 MiB zeros)   +175.75 MiB  ->  +2.50 MiB
//   decodeH3Frames(1 MiB of reserved frames)       +43.75 MiB  ->  +2.50 MiB
//   new QpackDecoder({ maxTableCapacity: 2^30 })  +272.06 MiB  ->  +0
// (+2.5 MiB = the 1 MiB input copied into the core, its remainders while
// batching, and one 256 KiB record batch.)
import { beforeAll, describe, expect, it } from 'vitest';

let memory: WebAssembly.Memory | null = null;
const original = WebAssembly.instantiate;
(WebAssembly as { instantiate: unknown }).instantiate = async function (...args: unknown[]) {
  const r = await (original as (...a: unknown[]) => Promise<WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource>)(...args);
  const inst = 'instance' in r ? r.instance : r;
  const ex = inst.exports as Record<string, unknown>;
  if (ex.cabi_realloc && ex.memory instanceof WebAssembly.Memory) memory = ex.memory;
  return r;
};

type Codec = typeof import('../../host/codec/index.js');
type Qpack = typeof import('../../host/qpack/index.js');
let C: Codec;
let Q: Qpack;

const MiB = 1 << 20;
const mem = () => memory!.buffer.byteLength;
const fmt = (n: number) => `${(n / MiB).toFixed(2)} MiB`;

/** Runs `f`, returns how much the core's memory grew. */
function growth(label: string, f: () => void): number {
  const before = mem();
  f();
  const after = mem();
  console.log(`core memory ${label}: ${fmt(before)} -> ${fmt(after)} (+${fmt(after - before)})`);
  return after - before;
}

describe('the core\'s memory per call is bounded', () => {
  beforeAll(async () => {
    C = await import('../../host/codec/index.js');
    Q = await import('../../host/qpack/index.js');
    // Warm up: the first calls size the allocator's pools.
    C.decodeQuicFrames('1rtt', Uint8Array.of(1));
    expect(memory).not.toBeNull();
  });

  it('1 MiB of PING frames: a million frames, core memory within a few MiB', () => {
    const input = new Uint8Array(MiB).fill(0x01);
    let frames = 0;
    const g = growth('decodeQuicFrames(1 MiB of PING)', () => { frames = C.decodeQuicFrames('1rtt', input).length; });
    expect(frames).toBe(MiB);
    expect(g).toBeLessThanOrEqual(4 * MiB);
  });

  it('1 MiB H3FrameParser("push").push: core memory within a few MiB', () => {
    const p = new C.H3FrameParser('push');
    const input = new Uint8Array(MiB); // empty DATA frames: start + end events each
    let events = 0;
    const g = growth('H3FrameParser(push).push(1 MiB)', () => { events = p.push(input).length; });
    expect(events).toBe(MiB); // 2 bytes per frame, 2 events per frame
    expect(g).toBeLessThanOrEqual(4 * MiB);
    p.close();
  });

  it('decodeH3Frames of 1 MiB of reserved frames: core memory within a few MiB', () => {
    // RFC 9114 §7.2.8: reserved type 0x21 (1 byte varint), length 0.
    const input = new Uint8Array(MiB);
    for (let i = 0; i < MiB; i += 2) input[i] = 0x21;
    let n = 0;
    const g = growth('decodeH3Frames(1 MiB reserved)', () => { n = C.decodeH3Frames(input).length; });
    expect(n).toBe(MiB / 2);
    expect(g).toBeLessThanOrEqual(4 * MiB);
  });

  it('QpackDecoder with maxTableCapacity 2^30 reserves nothing up front', () => {
    let d: InstanceType<Qpack['QpackDecoder']> | null = null;
    const g = growth('new QpackDecoder({ maxTableCapacity: 2^30 })', () => { d = new Q.QpackDecoder({ maxTableCapacity: 2 ** 30 }); });
    expect(g).toBe(0);
    d!.close();
    let e: InstanceType<Qpack['QpackEncoder']> | null = null;
    const ge = growth('new QpackEncoder({ peerMaxTableCapacity: 2^30 })', () => { e = new Q.QpackEncoder({ peerMaxTableCapacity: 2 ** 30 }); });
    expect(ge).toBe(0);
    e!.close();
  });

  it('an H3FrameParser with a 1 MiB control-frame limit reserves nothing up front', () => {
    const parsers: InstanceType<Codec['H3FrameParser']>[] = [];
    const g = growth('64 x new H3FrameParser(control, 1 MiB)', () => {
      for (let i = 0; i < 64; i++) parsers.push(new C.H3FrameParser('control', MiB));
    });
    expect(g).toBe(0);
    // A SETTINGS frame is still buffered whole (it grows the buffer to its size).
    const settings = Uint8Array.of(0x04, 0x04, 0x01, 0x00, 0x07, 0x00);
    expect(parsers[0].push(settings)).toEqual([{ kind: 'frame', frame: { type: 'settings', settings: [[1n, 0n], [7n, 0n]] } }]);
    for (const p of parsers) p.close();
  });

  it('the high-water mark does not creep over repeated calls', () => {
    const input = new Uint8Array(MiB).fill(0x01);
    const before = mem();
    for (let i = 0; i < 5; i++) C.decodeQuicFrames('1rtt', input);
    expect(mem() - before).toBeLessThanOrEqual(MiB);
  });
});

describe('batched decoding gives the same results as one pass', () => {
  it('QUIC: byte fields and error offsets across batches', () => {
    // 40,000 PINGs (several batches), then a STREAM frame whose data must be
    // a view at the right place, then a CRYPTO frame.
    const pings = new Uint8Array(40_000).fill(0x01);
    const stream = Uint8Array.of(0x0a, 0x04, 0x03, 0x61, 0x62, 0x63); // STREAM id 4, LEN, "abc"
    const crypto = Uint8Array.of(0x06, 0x00, 0x02, 0x7a, 0x7b);
    const input = new Uint8Array([...pings, ...stream, ...crypto]);
    const frames = C.decodeQuicFrames('1rtt', input);
    expect(frames.length).toBe(40_002);
    expect(frames[40_000]).toMatchObject({ type: 'stream', streamId: 4n, data: Uint8Array.of(0x61, 0x62, 0x63) });
    expect(frames[40_001]).toMatchObject({ type: 'crypto', offset: 0n, data: Uint8Array.of(0x7a, 0x7b) });
    // An unknown frame type after many batches: the offset is in the caller's input.
    const bad = new Uint8Array([...pings, 0x1f]);
    try {
      C.decodeQuicFrames('1rtt', bad);
      expect.unreachable();
    } catch (e) {
      expect((e as { offset: number }).offset).toBe(40_000);
    }
  });

  it('HTTP/3: frames and parser events across batches', () => {
    const n = 30_000;
    const parts: number[] = [];
    for (let i = 0; i < n; i++) parts.push(0x21, 0x00);
    parts.push(0x00, 0x03, 0x41, 0x42, 0x43); // DATA "ABC"
    const input = Uint8Array.from(parts);
    const frames = C.decodeH3Frames(input);
    expect(frames.length).toBe(n + 1);
    expect(frames[n]).toEqual({ type: 'data', data: Uint8Array.of(0x41, 0x42, 0x43) });

    const req: number[] = [];
    for (let i = 0; i < n; i++) req.push(0x00, 0x01, i & 0xff);
    const p = new C.H3FrameParser('request');
    const ev = p.push(Uint8Array.from(req), true);
    expect(ev.length).toBe(3 * n);
    const payloads = ev.filter((e) => e.kind === 'payload') as { data: Uint8Array }[];
    expect(payloads.length).toBe(n);
    expect(payloads.every((e, i) => e.data.length === 1 && e.data[0] === (i & 0xff))).toBe(true);
    p.close();

    // A truncated frame at fin after many batches: the error points at its start.
    const p2 = new C.H3FrameParser('request');
    const trunc = Uint8Array.from([...req, 0x00, 0x05, 0x01]);
    try {
      p2.push(trunc, true);
      expect.unreachable();
    } catch (e) {
      expect((e as { offset: number }).offset).toBe(req.length);
    }
    p2.close();
  });
});
