// QUIC core memory per idle connection (issue 10: "≤ 16 KiB of core memory
// per idle connection, so 10,000 connections fit in one process"). One server
// endpoint and one client endpoint, each in its own instance of the
// development component (tests/helpers/quic-memory.mjs), open N connections
// in virtual time and let them go idle (handshake confirmed, HANDSHAKE_DONE
// acknowledged, no streams). Per connection, after a full GC: the growth of
// the core's live heap (dev.heap-used) and of its linear memory (the
// allocator's high-water mark, which includes the handshakes' transient
// buffers of the 200 connections opened at a time). BENCH_QUIC_CONNS
// overrides the counts (comma-separated): BENCH_QUIC_CONNS=1000,10000 also
// runs 10,000, which takes minutes: setting up n connections still grows
// faster than n (4.8 s for 1,000, 48 s for 3,000 on 2 cores; it was 13 s and
// 14 min for 10,000 before the endpoint kept active lists), what remains is
// the endpoint's O(n) deadline scan per call and the collector.
import { table } from './lib.mjs';
import { bytesPerIdleConnection, makeMemoryPki } from '../tests/helpers/quic-memory.mjs';

const COUNTS = (process.env.BENCH_QUIC_CONNS ?? '1000').split(',').map(Number);
const pki = makeMemoryPki();
const kib = (b) => (b / 1024).toFixed(2);
const rows = [];
for (const n of COUNTS) {
  const t0 = performance.now();
  const r = await bytesPerIdleConnection(pki, n);
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  rows.push([`${n} idle connections (${s} s)`, kib(r.server), kib(r.client), kib(r.serverMemory), kib(r.clientMemory),
    (r.serverHeap / 2 ** 20).toFixed(1), (r.clientHeap / 2 ** 20).toFixed(1)]);
}
table('QUIC core memory per idle connection (KiB; heap after a full GC; linear memory = high-water growth)',
  ['connections', 'server heap', 'client heap', 'server memory', 'client memory', 'server MiB total', 'client MiB total'], rows);
