// host/net/udp.ts on loopback: receive batching, IPv4 / IPv6 / dual-stack,
// send back-pressure under a burst of 10k datagrams, buffer sizes, close, and
// argument checks. No wall-clock assertions.
//
// Back-pressure needs datagrams that the kernel does not take at once. On
// loopback it always takes them (the skb leaves the sender's buffer inside
// sendmsg), so one test runs the socket in a child node with
// --test-udp-no-try-send, node's own test switch that skips the synchronous
// try and queues every datagram in libuv: the path a full SO_SNDBUF takes
// (EAGAIN, queue, POLLOUT). The child loads host/net/*.ts transpiled by
// TypeScript into a temporary directory.
import { afterAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { UdpSocket, type OutgoingDatagram, type ReceivedBatch } from '../../host/net/udp.js';
import { ClosedError, InvalidArgumentError } from '../../host/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sockets: UdpSocket[] = [];
afterAll(async () => { await Promise.all(sockets.map((s) => s.close())); });

async function bind(host: string, port = 0, options?: Parameters<typeof UdpSocket.bind>[2]): Promise<UdpSocket> {
  const s = await UdpSocket.bind(host, port, options);
  sockets.push(s);
  return s;
}

/** Collects batches until `n` datagrams arrived (fails after 10 s: loopback does not lose 100 small datagrams). */
function collect(s: UdpSocket, n: number): Promise<ReceivedBatch[]> {
  const batches: ReceivedBatch[] = [];
  let count = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${count} of ${n} datagrams arrived in 10 s`)), 10_000);
    s.onBatch = (b) => {
      expect(b.data.length).toBe(b.from.length);
      batches.push(b);
      count += b.data.length;
      if (count >= n) { clearTimeout(timer); resolve(batches); }
    };
  });
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const dg = (i: number, size: number, to: UdpSocket, address?: string): OutgoingDatagram => {
  const data = Buffer.alloc(size, i & 0xff);
  data.writeUInt32BE(i, 0);
  return { data, address: address ?? to.address.address, port: to.address.port };
};

async function haveIPv6Loopback(): Promise<boolean> {
  const s = dgram.createSocket('udp6');
  try {
    await new Promise<void>((res, rej) => { s.once('error', rej); s.bind(0, '::1', () => res()); });
    return true;
  } catch {
    return false;
  } finally {
    try { s.close(); } catch { /* bind failed */ }
  }
}
const ipv6 = await haveIPv6Loopback();
if (!ipv6) console.warn('\n!!! SKIPPING the IPv6 UDP tests: this machine has no ::1 loopback (bind to ::1 failed)\n');

function invalid(f: () => unknown, argument: string): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err, argument).toBeInstanceOf(InvalidArgumentError);
  expect((err as InvalidArgumentError).argument).toBe(argument);
}

async function rejectsInvalid(p: Promise<unknown>, argument: string): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err, argument).toBeInstanceOf(InvalidArgumentError);
  expect((err as InvalidArgumentError).argument).toBe(argument);
}

describe('receive batching', () => {
  it('datagrams read in one event-loop turn reach onBatch together, in order, with their senders', async () => {
    const rx = await bind('127.0.0.1');
    const tx = await bind('127.0.0.1');
    const N = 100;
    const done = collect(rx, N);
    // One synchronous loop: all 100 are in rx's kernel queue before rx polls.
    expect(tx.send(Array.from({ length: N }, (_, i) => dg(i, 100, rx)))).toBe(true);
    const batches = await done;
    const all = batches.flatMap((b) => b.data);
    expect(all.map((d) => d.readUInt32BE(0))).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(all.every((d) => d.length === 100)).toBe(true);
    for (const b of batches) for (const f of b.from) expect(f).toMatchObject({ address: '127.0.0.1', family: 'IPv4', port: tx.address.port });
    // libuv reads at most 32 datagrams per poll callback: 100 come in a handful of batches, not 100.
    expect(batches.length).toBeLessThanOrEqual(8);
    expect(Math.max(...batches.map((b) => b.data.length))).toBeGreaterThan(1);
    expect(rx.stats).toMatchObject({ datagramsReceived: N, bytesReceived: N * 100, batches: batches.length });
    expect(tx.stats).toMatchObject({ datagramsSent: N, bytesSent: N * 100, sendErrors: 0 });
  });

  it("a microtask flush cannot batch: node runs microtasks after every 'message' (why setImmediate is the default)", async () => {
    const rx = await bind('127.0.0.1', 0, { flush: 'microtask' });
    const tx = await bind('127.0.0.1');
    const done = collect(rx, 50);
    tx.send(Array.from({ length: 50 }, (_, i) => dg(i, 10, rx)));
    const batches = await done;
    expect(batches.length).toBe(50);
    expect(rx.stats.largestBatch).toBe(1);
  });

  it('with onBatch null, datagrams are dropped (counted), and a later onBatch gets the next ones', async () => {
    const rx = await bind('127.0.0.1');
    const tx = await bind('127.0.0.1');
    tx.send([dg(1, 10, rx)]);
    while (rx.stats.datagramsReceived < 1) await tick();
    const done = collect(rx, 1);
    tx.send([dg(2, 10, rx)]);
    const [b] = await done;
    expect(b.data[0].readUInt32BE(0)).toBe(2);
  });
});

describe('address families', () => {
  it('IPv4: udp4 from an IPv4 bind address, replies reach the sender', async () => {
    const a = await bind('127.0.0.1');
    expect(a.type).toBe('udp4');
    expect(a.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(a.address.port).toBeGreaterThan(0);
    const b = await bind('127.0.0.1');
    const atA = collect(a, 1);
    b.send([dg(7, 20, a)]);
    const [batch] = await atA;
    const from = batch.from[0];
    const atB = collect(b, 1);
    a.send([{ data: Buffer.from('pong'), address: from.address, port: from.port }]);
    expect((await atB)[0].data[0].toString()).toBe('pong');
  });

  it.skipIf(!ipv6)('IPv6 (::1): udp6, RemoteInfo in IPv6 form, IPv4 refused on an IPv6-only socket', async () => {
    const a = await bind('::1');
    const b = await bind('::1');
    expect(a.type).toBe('udp6');
    expect(a.dualStack).toBe(false);
    expect(a.address).toMatchObject({ address: '::1', family: 'IPv6' });
    const atA = collect(a, 1);
    b.send([dg(9, 30, a)]);
    const [batch] = await atA;
    expect(batch.from[0]).toMatchObject({ address: '::1', family: 'IPv6', port: b.address.port });
    invalid(() => b.send([{ data: Buffer.from('x'), address: '127.0.0.1', port: 9 }]), 'batch[0].address');
  });

  it.skipIf(!ipv6)('dual stack is off unless asked: IPV6_V6ONLY leaves the IPv4 port free', async () => {
    const v6 = await bind('::');
    const v4 = await bind('127.0.0.1', v6.address.port); // would be EADDRINUSE without IPV6_V6ONLY
    expect(v4.address.port).toBe(v6.address.port);
  });

  it.skipIf(!ipv6)('dualStack: IPv4 peers arrive as ::ffff:a.b.c.d, and a plain IPv4 address works for the reply', async () => {
    const ds = await bind('::', 0, { dualStack: true });
    expect(ds.dualStack).toBe(true);
    const err = await UdpSocket.bind('127.0.0.1', ds.address.port).then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(err?.code).toBe('EADDRINUSE');
    const v4 = await bind('127.0.0.1');
    const atDs = collect(ds, 1);
    v4.send([{ data: Buffer.from('hi'), address: '127.0.0.1', port: ds.address.port }]);
    const [batch] = await atDs;
    expect(batch.from[0]).toMatchObject({ address: '::ffff:127.0.0.1', family: 'IPv6', port: v4.address.port });
    const atV4 = collect(v4, 2);
    ds.send([
      { data: Buffer.from('a'), address: '127.0.0.1', port: v4.address.port },
      { data: Buffer.from('b'), address: '::ffff:127.0.0.1', port: v4.address.port },
    ]);
    const got = (await atV4).flatMap((b) => b.data.map((d) => d.toString()));
    expect(got).toEqual(['a', 'b']);
  });

  it('an IPv6 address on a udp4 socket is refused', async () => {
    const a = await bind('127.0.0.1');
    invalid(() => a.send([{ data: Buffer.from('x'), address: '::1', port: 9 }]), 'batch[0].address');
    invalid(() => a.send([dg(1, 10, a), { data: Buffer.from('x'), address: 'localhost', port: 9 }]), 'batch[1].address');
  });
});

describe('send and back-pressure', () => {
  it('a burst of 10k datagrams: every send completes or is counted, writable follows the queue, drain resolves', async () => {
    const rx = await bind('127.0.0.1');
    const tx = await bind('127.0.0.1', 0, { highWaterMark: 64 * 1024 });
    const N = 10_000, SIZE = 1200;
    const seen = new Set<number>();
    let intact = true;
    rx.onBatch = (b) => {
      for (const d of b.data) {
        const i = d.readUInt32BE(0);
        if (d.length !== SIZE || d[SIZE - 1] !== (i & 0xff) || i >= N) intact = false;
        seen.add(i);
      }
    };
    const writable = tx.send(Array.from({ length: N }, (_, i) => dg(i, SIZE, rx)));
    expect(writable).toBe(tx.sendQueueSize < tx.highWaterMark);
    await tx.drain();
    expect(tx.sendQueueCount).toBe(0);
    expect(tx.writable).toBe(true);
    while (tx.stats.datagramsSent + tx.stats.sendErrors < N) await tick();
    expect(tx.stats).toMatchObject({ datagramsSent: N, bytesSent: N * SIZE, sendErrors: 0 });
    for (let i = 0; i < 20 && seen.size < N; i++) await tick();
    // UDP: the receiver's buffer may overflow, but what arrives is whole and distinct.
    expect(seen.size).toBeGreaterThan(0);
    expect(seen.size).toBe(rx.stats.datagramsReceived);
    expect(intact).toBe(true);
  });

  it('when the kernel does not take them (child with --test-udp-no-try-send): writable turns false, drain waits for the queue, close lets it leave', () => {
    const dir = transpileNet();
    const script = `
      import { UdpSocket } from './host/net/udp.js';
      const rx = await UdpSocket.bind('127.0.0.1', 0);
      let received = 0;
      rx.onBatch = (b) => { received += b.data.length; };
      const tx = await UdpSocket.bind('127.0.0.1', 0, { highWaterMark: 64 * 1024 });
      const N = 10000, SIZE = 1000;
      const batch = Array.from({ length: N }, (_, i) => ({ data: Buffer.alloc(SIZE, i & 255), address: '127.0.0.1', port: rx.address.port }));
      const r = {};
      r.firstSmall = tx.send(batch.slice(0, 10));
      r.afterSmall = { count: tx.sendQueueCount, writable: tx.writable };
      await tx.drain();
      r.afterSmallDrain = { count: tx.sendQueueCount, sent: tx.stats.datagramsSent };
      r.returned = tx.send(batch);
      r.queued = { count: tx.sendQueueCount, size: tx.sendQueueSize, writable: tx.writable };
      await tx.drain();
      r.afterDrain = { count: tx.sendQueueCount, size: tx.sendQueueSize, writable: tx.writable, sent: tx.stats.datagramsSent, errors: tx.stats.sendErrors };
      tx.send(batch.slice(0, 1000));
      r.beforeClose = tx.sendQueueCount;
      const p = tx.close();
      r.sameClosePromise = p === tx.close();
      await p;
      r.afterClose = { sent: tx.stats.datagramsSent, closed: tx.closed, writable: tx.writable };
      await new Promise((res) => setTimeout(res, 50));
      r.received = received;
      await rx.close();
      console.log(JSON.stringify(r));
    `;
    fs.writeFileSync(path.join(dir, 'child.mjs'), script);
    const run = spawnSync(process.execPath, ['--test-udp-no-try-send', 'child.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(r.firstSmall).toBe(true);
    expect(r.afterSmall).toEqual({ count: 10, writable: true });
    expect(r.afterSmallDrain).toEqual({ count: 0, sent: 10 });
    expect(r.returned).toBe(false);
    expect(r.queued).toEqual({ count: 10_000, size: 10_000_000, writable: false });
    expect(r.afterDrain).toEqual({ count: 0, size: 0, writable: true, sent: 10_010, errors: 0 });
    expect(r.beforeClose).toBe(1000);
    expect(r.sameClosePromise).toBe(true);
    expect(r.afterClose).toEqual({ sent: 11_010, closed: true, writable: false });
    expect(r.received).toBeGreaterThan(0);
  });

  it('a send the kernel refuses (EMSGSIZE) is counted and reported to onError; the socket keeps working', async () => {
    const errors: Error[] = [];
    const rx = await bind('127.0.0.1');
    const tx = await bind('127.0.0.1', 0, { onError: (e) => errors.push(e) });
    const done = collect(rx, 1);
    tx.send([{ data: new Uint8Array(70_000), address: '127.0.0.1', port: rx.address.port }, dg(1, 10, rx)]);
    await done;
    while (tx.stats.sendErrors + tx.stats.datagramsSent < 2) await tick();
    expect(tx.stats.sendErrors).toBe(1);
    expect(tx.stats.datagramsSent).toBe(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('EMSGSIZE');
  });
});

describe('buffers', () => {
  it.runIf(process.platform === 'linux')('SO_RCVBUF / SO_SNDBUF: 4 MiB asked by default, capped by the kernel (Linux reports twice what it keeps)', async () => {
    const rmemMax = Number(fs.readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const wmemMax = Number(fs.readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));
    const s = await bind('127.0.0.1');
    expect(s.recvBufferSize).toBe(2 * Math.min(4 << 20, rmemMax));
    expect(s.sendBufferSize).toBe(2 * Math.min(4 << 20, wmemMax));
    const small = await bind('127.0.0.1', 0, { recvBufferSize: 256 * 1024, sendBufferSize: 256 * 1024 });
    expect(small.recvBufferSize).toBe(2 * Math.min(256 * 1024, rmemMax));
    expect(small.sendBufferSize).toBe(2 * Math.min(256 * 1024, wmemMax));
  });
});

describe('close', () => {
  it('is idempotent, stops delivery at once, and refuses use afterwards', async () => {
    const rx = await bind('127.0.0.1');
    const tx = await bind('127.0.0.1');
    let delivered = 0;
    rx.onBatch = (b) => { delivered += b.data.length; };
    tx.send([dg(1, 10, rx), dg(2, 10, rx)]); // in rx's kernel queue, not yet read
    const p = rx.close();
    expect(rx.close()).toBe(p);
    expect(rx.closed).toBe(true);
    expect(rx.writable).toBe(false);
    await p;
    await tick();
    expect(delivered).toBe(0);
    expect(() => rx.send([dg(3, 10, tx)])).toThrow(ClosedError);
    await expect(rx.drain()).rejects.toBeInstanceOf(ClosedError);
    expect(rx.sendQueueSize).toBe(0);
    expect(rx.recvBufferSize).toBe(0);
    await rx.close();
    // the port is free again
    const again = await bind('127.0.0.1', rx.address.port);
    expect(again.address.port).toBe(rx.address.port);
  });

  it('a failed bind rejects with the system error and leaves the port to its owner', async () => {
    const a = await bind('127.0.0.1');
    const err = await UdpSocket.bind('127.0.0.1', a.address.port).then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(err?.code).toBe('EADDRINUSE');
    const b = await bind('127.0.0.1');
    const at = collect(a, 1);
    b.send([dg(5, 10, a)]);
    expect((await at)[0].data[0].readUInt32BE(0)).toBe(5);
  });
});

describe('argument checks (InvalidArgumentError)', () => {
  it('bind', async () => {
    await rejectsInvalid(UdpSocket.bind('localhost', 0), 'host');
    await rejectsInvalid(UdpSocket.bind('', 0), 'host');
    await rejectsInvalid(UdpSocket.bind(1 as never, 0), 'host');
    for (const p of [-1, 65536, 1.5, '0']) await rejectsInvalid(UdpSocket.bind('127.0.0.1', p as never), 'port');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { bogus: 1 } as never), 'options');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { dualStack: true }), 'options.dualStack');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { dualStack: 'yes' as never }), 'options.dualStack');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { highWaterMark: 0 }), 'options.highWaterMark');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { recvBufferSize: -5 }), 'options.recvBufferSize');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { sendBufferSize: 1.5 }), 'options.sendBufferSize');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { flush: 'later' as never }), 'options.flush');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { closeTimeout: -1 }), 'options.closeTimeout');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { onBatch: 5 as never }), 'options.onBatch');
    await rejectsInvalid(UdpSocket.bind('127.0.0.1', 0, { onError: 'x' as never }), 'options.onError');
  });

  it('send', async () => {
    const s = await bind('127.0.0.1');
    const ok = { data: Buffer.from('x'), address: '127.0.0.1', port: 9 };
    invalid(() => s.send(ok as never), 'batch');
    invalid(() => s.send([null as never]), 'batch[0]');
    invalid(() => s.send([ok, { ...ok, data: 'x' as never }]), 'batch[1].data');
    for (const p of [0, 65536, -1, 1.5, '9']) invalid(() => s.send([{ ...ok, port: p as never }]), 'batch[0].port');
    invalid(() => s.send([{ ...ok, address: 127 as never }]), 'batch[0].address');
    // nothing was sent by the refused calls except the one valid datagram before batch[1]
    while (s.stats.datagramsSent + s.stats.sendErrors < 1) await tick();
    await tick();
    expect(s.stats.datagramsSent + s.stats.sendErrors).toBe(1);
  });
});

// ---------------------------------------------------------------------------

let transpiled: string | null = null;
afterAll(() => { if (transpiled) fs.rmSync(transpiled, { recursive: true, force: true }); });

/** host/errors.ts, host/args.ts and host/net/{address,udp}.ts as ES modules in a temporary directory. */
function transpileNet(): string {
  if (transpiled) return transpiled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-udp-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  for (const f of ['host/errors.ts', 'host/args.ts', 'host/net/address.ts', 'host/net/udp.ts']) {
    const out = ts.transpileModule(fs.readFileSync(path.join(root, f), 'utf8'), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    });
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.replace(/\.ts$/, '.js')), out.outputText);
  }
  transpiled = dir;
  return dir;
}
