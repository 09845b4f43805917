// `interface dev` (wit/dev.wit): fuzz and benchmark loops that run inside
// the core, exported only by the development world `engine-dev`. The
// canonical-ABI shims are generated (gen/dev.ts).

import { BenchAlg } from "./gen/dev_types";
import { AeadAlg } from "../crypto/aead";
import { PacketKeys, protectPacket, unprotectPacket } from "../quic/protection";
import { packetKeysFor } from "./crypto";

export { fuzzDecode, benchLoop } from "./codec";

/** dev.bench-alg (0, 1, 2) -> AeadAlg (1, 2, 3), as crypto.aead-alg. */
@inline function aeadOf(alg: BenchAlg): AeadAlg {
  return <AeadAlg>(min<u32>(<u32>alg, 2) + 1);
}

// ---- packet protection loops (bench/crypto.bench.mjs) ----


const BENCH_HDR: usize = 13; // short header: first byte, 8-byte DCID, 4-byte packet number
let benchBuf: usize = 0;
let benchOrig: usize = 0;
let benchCap: usize = 0;
const BENCH_SECRET: usize = memory.data(48, 16);

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
  const keys = benchKeys(aeadOf(alg));
  const sz = max<usize>(<usize>size, 4);
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
  const keys = benchKeys(aeadOf(alg));
  const sz = max<usize>(<usize>size, 4);
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
  const keys = benchKeys(aeadOf(alg));
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
