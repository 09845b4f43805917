// One UDP socket for one QUIC endpoint: node:dgram underneath, batched both
// ways so that the driver makes one call into the core per batch of
// datagrams, not one per datagram (ARCHITECTURE.md, "the host boundary").
//
// Receive: node emits 'message' once per datagram; libuv reads up to 32
// datagrams from a socket per poll callback. The datagrams that arrive in one
// event-loop turn are collected here and handed to `onBatch` once, from a
// setImmediate callback: it runs in the check phase right after the poll
// phase that read them, so it adds no timer delay, and a batch is every
// datagram of that turn. A microtask (or process.nextTick) flush would not
// batch at all: node runs microtasks after each 'message' callback it makes
// from C++, so every batch would hold one datagram (tests/host/net_udp.test.ts
// shows both).
//
// Send: `send(batch)` hands each datagram to dgram, whose lookup is replaced by
// a synchronous one for IP literals (the default dns.lookup defers every send
// to the next tick), so node tries the sendmsg(2) at once (uv_udp_try_send).
// When the kernel's send buffer is full the datagram waits in libuv's queue
// (getSendQueueSize / getSendQueueCount) until the socket is writable again;
// `writable` turns false once that queue holds `highWaterMark` bytes and
// `drain()` resolves once it is empty, so the driver stops polling the core
// for datagrams while the kernel cannot take them.
//
// Buffers: SO_RCVBUF and SO_SNDBUF default to 4 MiB, since one RTT of a fast
// QUIC flow or a burst from many peers overflows Linux's 208 KiB default.
// Linux silently caps a request at net.core.rmem_max / wmem_max (and reports
// twice the value it keeps); where the OS refuses one instead, the request is
// halved until it is accepted or no larger than the default.
import dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { ClosedError, InvalidArgumentError } from '../errors.js';
import { boolArg, describe, enumArg, intArg, optionsArg, stringArg } from '../args.js';
import { parseIp, toSocketAddress, type SocketAddress } from './address.js';

/** Datagrams read in one event-loop turn: `data[i]` came from `from[i]`. Both arrays belong to the receiver. */
export interface ReceivedBatch {
  readonly data: Buffer[];
  readonly from: dgram.RemoteInfo[];
}

/** One datagram to send. On a dual-stack udp6 socket an IPv4 `address` is sent as ::ffff:a.b.c.d. */
export interface OutgoingDatagram {
  data: Uint8Array;
  address: string;
  port: number;
}

export interface UdpSocketOptions {
  /** Receives each batch; may also be set later through the `onBatch` property. */
  onBatch?: (batch: ReceivedBatch) => void;
  /** Socket errors and failed sends (they are also counted in `stats`). */
  onError?: (error: Error) => void;
  /** With an IPv6 bind address, also receive IPv4 (as ::ffff:a.b.c.d). Default false (IPV6_V6ONLY). */
  dualStack?: boolean;
  /** SO_RCVBUF to ask for, bytes. Default 4 MiB. */
  recvBufferSize?: number;
  /** SO_SNDBUF to ask for, bytes. Default 4 MiB. */
  sendBufferSize?: number;
  /** Bytes waiting in node's send queue at which `writable` turns false. Default 1 MiB. */
  highWaterMark?: number;
  /** How a batch is closed: 'immediate' (setImmediate, the default) or 'microtask' (queueMicrotask: one datagram per batch; for measurements). */
  flush?: 'immediate' | 'microtask';
  /** How long close() waits for queued datagrams to leave, ms. Default 1000. */
  closeTimeout?: number;
}

const OPTIONS = ['onBatch', 'onError', 'dualStack', 'recvBufferSize', 'sendBufferSize', 'highWaterMark', 'flush', 'closeTimeout'] as const;
const MIB = 1 << 20;

export interface UdpStats {
  datagramsReceived: number;
  bytesReceived: number;
  /** onBatch calls. */
  batches: number;
  /** The largest batch so far, in datagrams. */
  largestBatch: number;
  /** Datagrams the kernel took (their send completed without error). */
  datagramsSent: number;
  bytesSent: number;
  /** Sends that failed (each also went to onError). */
  sendErrors: number;
  /** 'error' events of the socket. */
  socketErrors: number;
}

export class UdpSocket {
  /** Receives each batch (see ReceivedBatch); null drops what arrives. An exception it throws is not caught here. */
  onBatch: ((batch: ReceivedBatch) => void) | null;
  /** 'udp4' or 'udp6', from the bind address. */
  readonly type: 'udp4' | 'udp6';
  readonly dualStack: boolean;
  readonly highWaterMark: number;

  readonly #socket: dgram.Socket;
  readonly #onError: ((error: Error) => void) | null;
  readonly #flushMode: 'immediate' | 'microtask';
  readonly #closeTimeout: number;
  #local: SocketAddress | null = null;
  #data: Buffer[] = [];
  #from: dgram.RemoteInfo[] = [];
  #flushScheduled = false;
  #drainWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #closing = false;
  #closed = false;
  #closePromise: Promise<void> | null = null;
  readonly #stats: UdpStats = {
    datagramsReceived: 0, bytesReceived: 0, batches: 0, largestBatch: 0,
    datagramsSent: 0, bytesSent: 0, sendErrors: 0, socketErrors: 0,
  };

  /**
   * A socket bound to `host` (an IPv4 or IPv6 literal: it picks udp4 or udp6)
   * and `port` (0: the OS picks one; see `address`). Rejects with node's
   * system error (EADDRINUSE, EADDRNOTAVAIL, ...) when binding fails.
   */
  static async bind(host: string, port: number, options?: UdpSocketOptions): Promise<UdpSocket> {
    stringArg('host', host);
    const ip = parseIp(host);
    if (!ip) throw new InvalidArgumentError('host', `'${host.slice(0, 64)}' is not an IPv4 or IPv6 address`);
    intArg('port', port, 0, 0xffff);
    const sock = new UdpSocket(ip.length === 4 ? 'udp4' : 'udp6', optionsArg<UdpSocketOptions>('options', options, OPTIONS));
    await sock.#bind(host, port);
    return sock;
  }

  private constructor(type: 'udp4' | 'udp6', o: Partial<UdpSocketOptions>) {
    this.type = type;
    this.dualStack = o.dualStack === undefined ? false : boolArg('options.dualStack', o.dualStack);
    if (this.dualStack && type === 'udp4') throw new InvalidArgumentError('options.dualStack', 'needs an IPv6 bind address (:: or an IPv6 literal)');
    this.highWaterMark = o.highWaterMark === undefined ? MIB : intArg('options.highWaterMark', o.highWaterMark, 1, 2 ** 31);
    this.#flushMode = o.flush === undefined ? 'immediate' : enumArg('options.flush', o.flush, ['immediate', 'microtask'] as const);
    this.#closeTimeout = o.closeTimeout === undefined ? 1000 : intArg('options.closeTimeout', o.closeTimeout, 0, 2 ** 31 - 1);
    if (o.onBatch !== undefined && typeof o.onBatch !== 'function') throw new InvalidArgumentError('options.onBatch', `must be a function, got ${describe(o.onBatch)}`);
    if (o.onError !== undefined && typeof o.onError !== 'function') throw new InvalidArgumentError('options.onError', `must be a function, got ${describe(o.onError)}`);
    this.onBatch = o.onBatch ?? null;
    this.#onError = o.onError ?? null;
    this.#requestedRecv = o.recvBufferSize === undefined ? 4 * MIB : intArg('options.recvBufferSize', o.recvBufferSize, 1, 2 ** 31 - 1);
    this.#requestedSend = o.sendBufferSize === undefined ? 4 * MIB : intArg('options.sendBufferSize', o.sendBufferSize, 1, 2 ** 31 - 1);
    this.#socket = dgram.createSocket({ type, ipv6Only: type === 'udp6' && !this.dualStack, lookup: this.#lookup });
    this.#socket.on('message', this.#onMessage);
    this.#socket.on('error', this.#onSocketError);
  }

  readonly #requestedRecv: number;
  readonly #requestedSend: number;

  async #bind(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => {
        this.#closing = this.#closed = true;
        try { this.#socket.close(); } catch { /* already closed */ }
        reject(e);
      };
      this.#socket.once('error', fail);
      this.#socket.bind(port, host, () => { this.#socket.off('error', fail); resolve(); });
    });
    const a = this.#socket.address();
    this.#local = toSocketAddress({ address: a.address, family: a.family, port: a.port });
    setBufferSize((n) => this.#socket.setRecvBufferSize(n), () => this.#socket.getRecvBufferSize(), this.#requestedRecv);
    setBufferSize((n) => this.#socket.setSendBufferSize(n), () => this.#socket.getSendBufferSize(), this.#requestedSend);
  }

  /** The bound local address (the port the OS chose when bound to port 0). */
  get address(): SocketAddress {
    return { ...(this.#local as SocketAddress) };
  }

  /** SO_RCVBUF / SO_SNDBUF as the OS reports them (Linux: twice what it keeps for data). 0 after close. */
  get recvBufferSize(): number {
    return this.#closed ? 0 : this.#socket.getRecvBufferSize();
  }
  get sendBufferSize(): number {
    return this.#closed ? 0 : this.#socket.getSendBufferSize();
  }

  /** Bytes and datagrams waiting in node's (libuv's) send queue: the kernel has not taken them yet. */
  get sendQueueSize(): number {
    return this.#closed ? 0 : this.#socket.getSendQueueSize();
  }
  get sendQueueCount(): number {
    return this.#closed ? 0 : this.#socket.getSendQueueCount();
  }

  /** False once the send queue holds `highWaterMark` bytes, or once closing. */
  get writable(): boolean {
    return !this.#closing && this.#socket.getSendQueueSize() < this.highWaterMark;
  }

  get closed(): boolean {
    return this.#closing;
  }

  get stats(): UdpStats {
    return { ...this.#stats };
  }

  /**
   * Sends every datagram of `batch`, in order, and returns `writable`: when
   * it is false, stop producing datagrams until `drain()` resolves. Throws
   * InvalidArgumentError for a malformed datagram (those before it are sent)
   * and ClosedError after close(). A send the kernel refuses later (e.g.
   * EMSGSIZE) is counted in `stats.sendErrors` and passed to onError.
   */
  send(batch: readonly OutgoingDatagram[]): boolean {
    if (this.#closing) throw new ClosedError('UdpSocket');
    if (!Array.isArray(batch)) throw new InvalidArgumentError('batch', `must be an array of {data, address, port}, got ${describe(batch)}`);
    const s = this.#socket;
    for (let i = 0; i < batch.length; i++) {
      const d = batch[i];
      if (d === null || typeof d !== 'object') throw new InvalidArgumentError(`batch[${i}]`, `must be {data, address, port}, got ${describe(d)}`);
      const { data, address, port } = d;
      if (!(data instanceof Uint8Array)) throw new InvalidArgumentError(`batch[${i}].data`, `must be a Uint8Array, got ${describe(data)}`);
      if (typeof port !== 'number' || (port & 0xffff) !== port || port === 0) throw new InvalidArgumentError(`batch[${i}].port`, `must be an integer in 1..65535, got ${describe(port)}`);
      if (typeof address !== 'string') throw new InvalidArgumentError(`batch[${i}].address`, `must be a string, got ${describe(address)}`);
      try {
        s.send(data, port, address, this.#onSent); // #lookup throws for an address of the wrong family
      } catch (e) {
        if (e instanceof InvalidArgumentError && e.argument === 'address') throw new InvalidArgumentError(`batch[${i}].address`, e.message.slice('address: '.length));
        throw e;
      }
    }
    return this.writable;
  }

  /** Whether the socket keeps the process alive (node's default: it does). */
  ref(): void {
    if (!this.#closed) this.#socket.ref();
  }
  unref(): void {
    if (!this.#closed) this.#socket.unref();
  }

  /**
   * Resolves once node's send queue is empty (at once if it is); rejects with
   * ClosedError if the socket closes first.
   */
  drain(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('UdpSocket'));
    if (this.#socket.getSendQueueCount() === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  /**
   * Stops receiving at once (a batch not yet delivered is dropped), lets the
   * datagrams already queued leave (up to `closeTimeout` ms), then closes the
   * socket. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    this.#closing = true;
    this.#data = [];
    this.#from = [];
    this.#closePromise = (async () => {
      if (!this.#closed && this.#socket.getSendQueueCount() > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve, reject) => this.#drainWaiters.push({ resolve, reject })),
          new Promise<void>((resolve) => { timer = setTimeout(resolve, this.#closeTimeout); }),
        ]).catch(() => {});
        clearTimeout(timer);
      }
      if (!this.#closed) {
        this.#closed = true;
        await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
      }
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w.reject(new ClosedError('UdpSocket'));
    })();
    return this.#closePromise;
  }

  // -------------------------------------------------------------------------

  /** dgram's lookup for every send (and the bind): IP literals only, answered synchronously. */
  readonly #lookup = (host: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void => {
    if (this.type === 'udp4') {
      if (isIPv4(host)) return callback(null, host, 4);
    } else if (isIPv6(host)) {
      return callback(null, host, 6);
    } else if (isIPv4(host) && this.dualStack) {
      return callback(null, `::ffff:${host}`, 6);
    }
    const why = this.type === 'udp6' && isIPv4(host) ? 'an IPv4 address on an IPv6-only socket (bind with dualStack: true)'
      : this.type === 'udp4' && isIPv6(host) ? 'an IPv6 address on an IPv4 socket'
      : 'not an IP address';
    throw new InvalidArgumentError('address', `'${String(host).slice(0, 64)}' is ${why}`);
  };

  readonly #onSent = (err: Error | null, bytes?: number): void => {
    if (err) {
      this.#stats.sendErrors++;
      this.#onError?.(err);
    } else {
      this.#stats.datagramsSent++;
      this.#stats.bytesSent += bytes ?? 0;
    }
    if (this.#drainWaiters.length > 0 && !this.#closed && this.#socket.getSendQueueCount() === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w.resolve();
    }
  };

  readonly #onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.#closing) return;
    this.#data.push(msg);
    this.#from.push(rinfo);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    if (this.#flushMode === 'immediate') setImmediate(this.#flush);
    else queueMicrotask(this.#flush);
  };

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const data = this.#data, from = this.#from;
    if (data.length === 0 || this.#closing) return;
    this.#data = [];
    this.#from = [];
    const st = this.#stats;
    st.batches++;
    st.datagramsReceived += data.length;
    for (let i = 0; i < data.length; i++) st.bytesReceived += data[i].length;
    if (data.length > st.largestBatch) st.largestBatch = data.length;
    this.onBatch?.({ data, from });
  };

  readonly #onSocketError = (err: Error): void => {
    this.#stats.socketErrors++;
    this.#onError?.(err);
  };
}

/** Asks for `want` bytes; where the OS refuses, halves the request until accepted or no larger than the current size. */
function setBufferSize(set: (n: number) => void, get: () => number, want: number): void {
  const start = get();
  for (let n = want; n > start; n = Math.floor(n / 2)) {
    try {
      set(n);
      return;
    } catch {
      // ERR_SOCKET_BUFFER_SIZE: try a smaller one
    }
  }
}
