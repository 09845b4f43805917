// `interface dev` (wit/dev.wit): fuzz and benchmark loops that run inside
// the core, exported only by the development world `engine-dev`. The
// canonical-ABI shims are generated (gen/dev.ts).

import { Bytes } from "./abi";
import { BenchAlg } from "./gen/dev_types";
import { AeadAlg } from "../crypto/aead";
import { PacketKeys, protectPacket, unprotectPacket } from "../quic/protection";
import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { QuicFrame, decodeFrame } from "../quic/frame";
import { FRAME_ENCODING_ERROR, INTERNAL_ERROR } from "../quic/errors";
import { encodeFrame } from "../quic/frame_encode";
import { H3Frame, decodeH3Frame, encodeH3Frame, DEFAULT_MAX_CONTROL_FRAME } from "../h3/frame";
import { H3FrameParser, H3_NEED_MORE, H3_EV_ERROR, H3_EV_FRAME_START, H3_EV_FRAME } from "../h3/frame_parser";
import { packetKeysFor, algOf } from "./crypto";
import { reader, scratch, qframe, hframe, decodePayload, feedParser, Progress } from "./codec";
import { ROOT } from "~lib/rt/tlsf";
import { QuicConfig } from "../quic/config";
import { TlsConfig } from "../tls/config";
import { TlsClient } from "../tls/client";
import { TlsServer } from "../tls/server";
import { Connection } from "../quic/connection";
import { PacketSpace } from "../quic/space";
import { OneRttKeys } from "../quic/key_update";
import { AckTracker } from "../quic/ack_tracker";
import { LossDetection } from "../quic/loss";
import { RttEstimator } from "../quic/rtt";
import { Cubic } from "../quic/cc_cubic";
import { Streams } from "../quic/streams";
import { QuicEventQueue } from "../quic/events";
import { Datagrams, DropPolicy } from "../quic/datagrams";
import { LocalCids } from "../quic/cid_local";
import { RemoteCids } from "../quic/cid_remote";
import { Path } from "../quic/path";
import { Pmtud } from "../quic/pmtud";


// ---- packet protection loops (bench/crypto.bench.mjs) ----


const BENCH_HDR: usize = 13; // short header: first byte, 8-byte DCID, 4-byte packet number
let benchBuf: usize = 0;
let benchOrig: usize = 0;
let benchCap: usize = 0;
const BENCH_SECRET: usize = memory.data(48, 16);

/**
 * Bench loops: a count above BENCH_MAX_COUNT is clamped (a boundary value
 * must not hold the instance for hours), a size above BENCH_MAX_SIZE too
 * (RFC 9000 §14: no QUIC packet is larger; and BENCH_HDR + size + 16 must
 * not wrap in wasm32 arithmetic, which made a 2^32-1 size write out of bounds).
 */
const BENCH_MAX_COUNT: u32 = 1 << 16;
const BENCH_MAX_SIZE: usize = 65536;
@inline function benchCount(n: u32): u32 { return n > BENCH_MAX_COUNT ? BENCH_MAX_COUNT : n; }
@inline function benchSize(n: u32): usize { return <usize>min<u32>(max<u32>(n, 4), <u32>BENCH_MAX_SIZE); }

function benchKeys(alg: AeadAlg): PacketKeys {
  memory.fill(BENCH_SECRET, 0x42, 48);
  return packetKeysFor(alg, 1, BENCH_SECRET, 0);
}

function benchPacket(size: usize): usize {
  const need = BENCH_HDR + size + 16;
  if (need > benchCap) {
    if (benchBuf != 0) { heap.free(benchBuf); heap.free(benchOrig); }
    benchBuf = heap.alloc(need);
    benchOrig = heap.alloc(need);
    benchCap = need;
  }
  const p = benchBuf;
  store<u8>(p, 0x43);
  memory.fill(p + 1, 0xab, 8);
  memory.fill(p + BENCH_HDR, 0x5a, size);
  return p;
}

export function benchProtect(alg: BenchAlg, count: u32, size: u32): u32 {
  const keys = benchKeys(algOf(alg));
  const sz = benchSize(size);
  count = benchCount(count);
  const p = benchPacket(sz);
  let sum: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    store<u8>(p, 0x43);
    store<u32>(p + 9, bswap<u32>(i));
    protectPacket(keys, p, 9, 4, sz, <u64>i);
    sum += <u32>load<u8>(p + BENCH_HDR + sz + 15);
  }
  return sum;
}

export function benchUnprotect(alg: BenchAlg, count: u32, size: u32): u32 {
  const keys = benchKeys(algOf(alg));
  const sz = benchSize(size);
  count = benchCount(count);
  const p = benchPacket(sz);
  const total = BENCH_HDR + sz + 16;
  store<u32>(p + 9, bswap<u32>(7));
  protectPacket(keys, p, 9, 4, sz, 7);
  memory.copy(benchOrig, p, total);
  let ok: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    memory.copy(p, benchOrig, total);
    if (unprotectPacket(keys, p, total, 9, 6) == 7) ok++;
  }
  return ok;
}

export function benchHeaderMask(alg: BenchAlg, count: u32): u32 {
  const keys = benchKeys(algOf(alg));
  count = benchCount(count);
  const sample = benchPacket(16) + BENCH_HDR;
  const out = sample + 16;
  let sum: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(sample, i);
    keys.hp.mask(sample, out);
    sum += <u32>load<u8>(out);
  }
  return sum;
}

// ---- codec fuzzing and benchmark loops (tests/codec/fuzz.test.ts, bench/codec.bench.mjs) ----

/** Outcome for an input whose decoded frames did not re-encode (a codec bug). */
const ROUNDTRIP_BUG: u64 = 0xffffffff;
const fuzzParser = new H3FrameParser(0, DEFAULT_MAX_CONTROL_FRAME);
/** One parser per stream kind (0 any, 1 control, 2 request, 3 push). */
const fuzzParsers: StaticArray<H3FrameParser> = [
  new H3FrameParser(0), new H3FrameParser(1), new H3FrameParser(2), new H3FrameParser(3),
];
const fuzzWriter = new Writer();
const fuzzProgress = new Progress();

function fuzzOne(target: u8, param: u8, p: usize, n: usize, index: u32): u64 {
  switch (target) {
    case 0: { // varints until the end
      const r = reader.reset(p, n);
      while (!r.atEnd) r.varint();
      return r.failed ? FRAME_ENCODING_ERROR : 0;
    }
    case 1: { // QUIC frames in packet type `param`, each re-encoded
      const err = decodePayload(p, n, param, qframe, null, fuzzWriter, fuzzProgress);
      return err == 0xffffffff ? ROUNDTRIP_BUG : err;
    }
    case 2: { // H3 frames in a buffer, each re-encoded
      const r = reader.reset(p, n);
      while (!r.atEnd) {
        const err = decodeH3Frame(r, hframe, scratch);
        if (err != 0) return err;
        fuzzWriter.clear();
        if (encodeH3Frame(fuzzWriter, hframe, scratch) != 0) return ROUNDTRIP_BUG;
      }
      return 0;
    }
    case 3: { // the incremental parser for stream kind `param`, input split pseudo-randomly
      const parser = unchecked(fuzzParsers[<i32>(param & 3)]);
      parser.reset();
      let seed: u32 = index * 2654435761 ^ <u32>n ^ 0x9e3779b9;
      let at: usize = 0;
      while (at < n) {
        seed = seed * 1103515245 + 12345;
        let chunk = <usize>((seed >> 16) % 9);
        if (chunk > n - at) chunk = n - at;
        const err = feedParser(parser, p + at, chunk, false, hframe, null, fuzzProgress);
        if (err != 0) return err;
        at += chunk;
      }
      return feedParser(parser, p + n, 0, true, hframe, null, fuzzProgress);
    }
  }
  return INTERNAL_ERROR;
}

/**
 * fuzz-decode: `inputs` is a sequence of (u32 LE length, bytes); returns one
 * outcome per input (0 = accepted, else the wire error code).
 */
export function fuzzDecode(target: u8, param: u8, inputs: Bytes): StaticArray<u64> {
  const outcomes = new Array<u64>();
  let index: u32 = 0;
  let q = inputs.ptr;
  const end = q + inputs.len;
  while (end - q >= 4) {
    const n = <usize>load<u32>(q);
    q += 4;
    if (n > end - q) break;
    outcomes.push(fuzzOne(target, param, q, n, index));
    q += n;
    index++;
  }
  return StaticArray.fromArray(outcomes);
}

// Bench-only: run an operation `iterations` times inside the core.
let benchFrames: Array<QuicFrame> | null = null;
let benchH3: Array<H3Frame> | null = null;

/** Encode benches keep at most this many decoded frames (memory bounded by it, not by the input). */
const BENCH_MAX_FRAMES = 4096;

export function benchLoop(op: u8, param: u8, input: Bytes, iterations: u32): u64 {
  let total: u64 = 0;
  // A boundary value must not hold the instance for hours: at most 2^20 iterations.
  if (iterations > 1 << 20) iterations = 1 << 20;
  const pt: u32 = param;
  const ptr = input.ptr, len = input.len;
  switch (op) {
    case 0: { // decode QUIC payload
      const r = new Reader();
      for (let i: u32 = 0; i < iterations; i++) {
        r.reset(ptr, len);
        while (!r.atEnd) {
          if (decodeFrame(r, qframe, pt) != 0) break;
          total++;
        }
      }
      break;
    }
    case 1: { // encode QUIC frames decoded once from the payload
      if (benchFrames === null) benchFrames = new Array<QuicFrame>();
      const frames = benchFrames!;
      const r = new Reader(ptr, len);
      let n = 0;
      while (!r.atEnd && n < BENCH_MAX_FRAMES) {
        if (n >= frames.length) frames.push(new QuicFrame(64));
        if (decodeFrame(r, unchecked(frames[n]), pt) != 0) break;
        n++;
      }
      const buf = heap.alloc(len + 64);
      const w = new Writer();
      for (let i: u32 = 0; i < iterations; i++) {
        w.fixed(buf, len + 64);
        for (let j = 0; j < n; j++) encodeFrame(w, unchecked(frames[j]));
        total += <u64>n;
      }
      heap.free(buf);
      break;
    }
    case 2: { // decode H3 frames in a buffer
      const r = new Reader();
      for (let i: u32 = 0; i < iterations; i++) {
        r.reset(ptr, len);
        while (!r.atEnd) {
          if (decodeH3Frame(r, hframe, scratch) != 0) break;
          total++;
        }
      }
      break;
    }
    case 3: { // encode H3 frames decoded once
      if (benchH3 === null) benchH3 = new Array<H3Frame>();
      const frames = benchH3!;
      const r = new Reader(ptr, len);
      let n = 0;
      while (!r.atEnd && n < BENCH_MAX_FRAMES) {
        if (n >= frames.length) frames.push(new H3Frame());
        if (decodeH3Frame(r, unchecked(frames[n]), scratch) != 0) break;
        n++;
      }
      const buf = heap.alloc(len + 64);
      const w = new Writer();
      for (let i: u32 = 0; i < iterations; i++) {
        w.fixed(buf, len + 64);
        for (let j = 0; j < n; j++) encodeH3Frame(w, unchecked(frames[j]), scratch);
        total += <u64>n;
      }
      heap.free(buf);
      break;
    }
    case 4: { // incremental parser over the whole buffer, counting events
      const r = new Reader();
      for (let i: u32 = 0; i < iterations; i++) {
        fuzzParser.reset();
        r.reset(ptr, len);
        for (;;) {
          const k = fuzzParser.next(r, hframe);
          if (k == H3_NEED_MORE || k == H3_EV_ERROR) break;
          if (k == H3_EV_FRAME || k == H3_EV_FRAME_START) total++;
        }
      }
      break;
    }
  }
  return total;
}


// ---- memory probe (bench/quic-memory.mjs, tests/quic/memory.test.ts) ----

// The TLSF allocator's root (std/assembly/rt/tlsf.ts): a first-level bitmap,
// FL_BITS second-level bitmaps, then FL_BITS × SL_SIZE free-list heads.
// Every page of linear memory past the root belongs to the allocator, so
// used = memory end − (root + its size) − Σ free block sizes.
const TLSF_FL_BITS: usize = 23;   // 31 − (SL_BITS 4 + AL_BITS 4)
const TLSF_SL_SIZE: usize = 16;
const TLSF_HL_START: usize = 96;  // after flMap and the 23 second-level maps, 16-aligned
const TLSF_ROOT_SIZE: usize = TLSF_HL_START + TLSF_FL_BITS * TLSF_SL_SIZE * sizeof<usize>() + sizeof<usize>();
const TLSF_TAGS: usize = 3;       // FREE | LEFTFREE in mmInfo
const TLSF_NEXT: usize = 8;       // Block.next after mmInfo and prev

/** Keeps what memProbe built alive until its figure is read. */
let probeKeep: Array<Object> = [];
const PROBE_KEY: usize = memory.data(32);

/** Builds the `i`-th part of memProbe's list (null past the end). */
function probeBuild(i: i32, cfg: QuicConfig, tls: TlsConfig): Object | null {
  const secret = memory.data(48);
  switch (i) {
    case 0: return new Connection(false, cfg, tls, 1, PROBE_KEY, null);
    case 1: return new Connection(true, cfg, tls, 1, PROBE_KEY, null);
    case 2: return new PacketSpace(0, cfg);
    case 3: return new AckTracker(2, 32, 25_000);
    case 4: { const rtt = new RttEstimator(25_000); return new LossDetection(rtt, new Cubic(1200), false); }
    case 5: return new Streams(false, cfg, new QuicEventQueue());
    case 6: return new Datagrams(cfg.datagramQueue, 1 << 20, DropPolicy.DropOldest, cfg.datagramQueue, 1 << 20, DropPolicy.DropOldest);
    case 7: return new LocalCids(cfg.cidLen, PROBE_KEY, 32);
    case 8: return new RemoteCids(cfg.activeCidLimit);
    case 9: return new Path(false);
    case 10: return new Pmtud(cfg.maxUdpPayload);
    case 11: return new PacketKeys(AeadAlg.AES_128_GCM, 1, secret);
    case 12: return new OneRttKeys(new PacketKeys(AeadAlg.AES_128_GCM, 1, secret), new PacketKeys(AeadAlg.AES_128_GCM, 1, secret));
    case 13: return new TlsClient(tls, null);
    case 14: return new TlsServer(tls);
  }
  return null;
}

/**
 * What building each part of a connection costs on the heap, with the
 * default QuicConfig (bytes, after a full GC): client Connection, server
 * Connection, PacketSpace, AckTracker, LossDetection (with RTT and CUBIC),
 * Streams, Datagrams, LocalCids, RemoteCids, Path, Pmtud, PacketKeys
 * (AES-128-GCM), OneRttKeys, TlsClient, TlsServer. What a handshake leaves
 * behind comes on top (bench/quic-memory.bench.mjs measures the whole).
 */
export function memProbe(): StaticArray<u64> {
  const cfg = new QuicConfig();
  const tls = new TlsConfig();
  const out = new StaticArray<u64>(15);
  for (let i = 0; i < 15; i++) unchecked(out[i] = probeOne(i, cfg, tls));
  return out;
}

function probeOne(i: i32, cfg: QuicConfig, tls: TlsConfig): u64 {
  const before = heapUsed();
  probeKeepBuilt(i, cfg, tls);
  const after = heapUsed();
  probeKeep = [];
  return after - before;
}

function probeKeepBuilt(i: i32, cfg: QuicConfig, tls: TlsConfig): void {
  const o = probeBuild(i, cfg, tls);
  if (o != null) probeKeep.push(o);
}

export function heapUsed(): u64 {
  // twice: what the first collection's sweep found garbage only now, and objects
  // the allocator moved into the heap between the two, settle
  __collect();
  __collect();
  const root = changetype<usize>(ROOT);
  if (root == 0) return 0;
  let free: usize = 0;
  for (let i: usize = 0; i < TLSF_FL_BITS * TLSF_SL_SIZE; i++) {
    let b = load<usize>(root + TLSF_HL_START + i * sizeof<usize>());
    while (b != 0) {
      free += (load<usize>(b) & ~TLSF_TAGS) + 4; // the block's size and its header
      b = load<usize>(b + TLSF_NEXT);
    }
  }
  return <u64>((<usize>memory.size() << 16) - root - TLSF_ROOT_SIZE - free);
}
