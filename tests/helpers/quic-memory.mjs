// Core memory per idle QUIC connection, for bench/quic-memory.bench.mjs and
// tests/quic/memory.test.ts. The server and the client endpoint each run in
// their own instance of the development component (build/.dev/, world
// `engine-dev`: the product's `quic` interface plus `dev.heap-used`), so each
// side's heap is read on its own. Both sides are driven in virtual time,
// every datagram delivered at once, through the same `quic` calls the Node
// driver makes.
//
// An idle connection: handshake confirmed, HANDSHAKE_DONE acknowledged, the
// pending ACKs and the key-discard timer run, no stream open. Figures are
// after a full GC (`heap-used`): the heap's growth between one warm-up
// connection and `1 + n`, divided by n, so endpoint-wide state (scratch
// buffers, tables sized once) is not charged to the connections. The linear
// memory's growth (`memory.grow`, never given back) is reported beside it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as wire from '../../dist/host/quic/wire.js';
import { encodeConfig } from '../../dist/host/tls/wire.js';

const ENGINE = new URL('../../build/.dev/engine/engine-dev.js', import.meta.url).href;
const NO_TIMEOUT = 2n ** 64n - 1n;
const SERVER_ADDR = Uint8Array.of(4, 10, 0, 0, 2, 0x11, 0x51);
/** Timers due within this are run before a figure is taken (ACK delay, 3×PTO key discard); the idle timeout is not. */
const SETTLE_US = 5_000_000n;

const CLIENT_ADDR = Uint8Array.of(4, 10, 0, 0, 1, 0xc3, 0x50);

// The core module's memory is not exported by the transpiled glue: keep the
// one of the instance that exports `cabi_realloc` (the core) as it is made
// (tests/helpers/core-hooks.ts does the same for the product engine).
let lastCoreMemory = null;
const originalInstantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const r = await originalInstantiate.apply(this, args);
  const ex = ('instance' in r ? r.instance : r).exports;
  if (ex.cabi_realloc && ex.memory instanceof WebAssembly.Memory) lastCoreMemory = ex.memory;
  return r;
};

/** A fresh instance of the development component (a distinct module URL gets its own instance) and its linear memory. */
async function instance(tag) {
  lastCoreMemory = null;
  const m = await import(`${ENGINE}?instance=${tag}`);
  const memory = lastCoreMemory;
  if (memory === null) throw new Error('the development component was not instantiated afresh');
  return { quic: m.quic, tls: m.tls, dev: m.dev, memory };
}

/**
 * A server endpoint and a client endpoint, each in its own instance, and the
 * calls that open connections between them and let them go idle.
 * pki: { caPem, chainPem, keyPem }; quic: options of both sides
 * (host/quic/wire.ts names), serverQuic: the server's on top.
 */
export async function idleConnections(pki, { quic = {}, serverQuic = {}, tag = String(Math.random()).slice(2), h3 = false } = {}) {
  const S = await instance(`s${tag}`);
  const C = await instance(`c${tag}`);
  const wall = BigInt(Date.now());
  // h3: HTTP/3 endpoints (QC_H3), so each idle connection also holds its H3 connection (control and QPACK streams, settings exchanged)
  const alpn = [h3 ? 'h3' : 'mem'];
  const withH3 = (cfg) => (h3 ? new Uint8Array(Buffer.concat([cfg, wire.encodeH3Config()])) : cfg);
  const scfg = S.tls.configNew(encodeConfig({ server: true, alpn, certChainPem: pki.chainPem, privateKeyPem: pki.keyPem, quic: true, transportParams: new Uint8Array(0) }));
  const ccfg = C.tls.configNew(encodeConfig({ serverName: 'localhost', alpn, trustAnchorsPem: pki.caPem, quic: true, transportParams: new Uint8Array(0) }));
  const server = S.quic.endpointNew(withH3(wire.quicConfig({ maxConnections: 1 << 20, ...quic, ...serverQuic }, 'quic', 'server')), scfg);
  const client = C.quic.endpointNew(withH3(wire.quicConfig({ ...quic }, 'quic', 'client')), ccfg);
  let now = 1_000_000n;
  let connected = 0, closed = 0;
  const conns = [];

  const drain = (side, ep) => {
    for (;;) {
      const evs = wire.decodeEvents(side.quic.pollEvents(ep, 256));
      if (evs.length === 0) return;
      for (const e of evs) {
        if (e.kind === wire.QUIC_EVENT.connected) connected++;
        else if (e.kind === wire.QUIC_EVENT.closed) closed++;
      }
    }
  };
  /** Everything `from` has to send, into `to`; returns the datagrams moved. */
  const pump = (from, fromEp, to, toEp, addrOf) => {
    let n = 0;
    for (;;) {
      const out = from.quic.pollTransmit(fromEp, now, 64);
      if (out.length === 0) return n;
      const ds = wire.unpackDatagrams(out);
      n += ds.length;
      to.quic.recv(toEp, now, wall, wire.packDatagrams(ds.map((d) => ({ addr: addrOf(d), data: d.data }))));
      drain(to, toEp);
    }
  };
  const fromClient = () => CLIENT_ADDR;
  const fromServer = () => SERVER_ADDR;
  /** Moves datagrams until both sides are quiet, then runs the timers due within SETTLE_US. */
  const settle = () => {
    const until = now + SETTLE_US;
    for (;;) {
      const moved = pump(C, client, S, server, fromClient) + pump(S, server, C, client, fromServer);
      if (moved > 0) { now += 100n; continue; } // 0.1 ms per exchange: RTT samples are not zero
      const a = C.quic.nextTimeout(client), b = S.quic.nextTimeout(server);
      const t = a < b ? a : b;
      if (t === NO_TIMEOUT || t > until) return;
      if (t > now) now = t;
      C.quic.onTimeout(client, now, wall); drain(C, client);
      S.quic.onTimeout(server, now, wall); drain(S, server);
    }
  };
  /** Opens `n` more connections, `batch` at a time, each settled to idle. */
  const open = (n, batch = 200) => {
    for (let done = 0; done < n;) {
      const k = Math.min(batch, n - done);
      for (let i = 0; i < k; i++) {
        conns.push(C.quic.connect(client, now, wall, SERVER_ADDR, 0, new Uint8Array(0), new Uint8Array(0)));
      }
      done += k;
      settle();
    }
    if (connected !== 2 * conns.length || closed !== 0) {
      throw new Error(`${conns.length} connections: ${connected / 2} connected, ${closed} closed`);
    }
  };
  const heap = () => ({
    server: Number(S.dev.heapUsed()), client: Number(C.dev.heapUsed()),
    serverMemory: S.memory.buffer.byteLength, clientMemory: C.memory.buffer.byteLength,
  });
  const free = () => {
    S.quic.endpointFree(server); C.quic.endpointFree(client);
    S.tls.configFree(scfg); C.tls.configFree(ccfg);
  };
  return { open, heap, free, stats: () => ({ connections: conns.length, connected: connected / 2, closed }) };
}

/**
 * Opens one warm-up connection, then `n` more; returns the heap growth per
 * connection on each side, in bytes, after a full GC.
 */
export async function bytesPerIdleConnection(pki, n, opts = {}) {
  const run = await idleConnections(pki, opts);
  try {
    run.open(1);
    const h0 = run.heap();
    run.open(n);
    const h1 = run.heap();
    return {
      n,
      server: (h1.server - h0.server) / n,
      client: (h1.client - h0.client) / n,
      serverHeap: h1.server,
      clientHeap: h1.client,
      /** Linear memory growth per connection (the allocator's high-water mark; pages are never given back). */
      serverMemory: (h1.serverMemory - h0.serverMemory) / n,
      clientMemory: (h1.clientMemory - h0.clientMemory) / n,
    };
  } finally {
    run.free();
  }
}

/** A P-256 CA and a leaf for `localhost` made with openssl, as { caPem, chainPem, keyPem }. */
export function makeMemoryPki() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-mem-'));
  const o = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=mem ca', '-days', '1']);
  o(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  o(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'ext']);
  const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
  const pki = { caPem: read('ca.pem'), chainPem: read('leaf.pem') + read('ca.pem'), keyPem: read('leaf.key') };
  fs.rmSync(dir, { recursive: true, force: true });
  return pki;
}
