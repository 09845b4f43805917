// The driver's view of a UDP socket: host/net/udp.ts underneath (it owns
// node:dgram, batching, the synchronous lookup and back-pressure), with the
// peer addresses in the packed form of wit/quic.wit and host/net/address.ts
// (`family u8 (4|6) | ip (4|16) | port u16 BE`), and `ref`/`unref` so the
// driver decides whether an endpoint keeps the process alive.
//
// Address conversions are cached both ways (a bounded map per socket, and
// the last address used, which on a busy connection is every datagram's),
// so a datagram costs no text parsing or formatting.

import { UdpSocket } from '../net/udp.js';
import { decodeAddress as decodeNet, encodeAddress as encodeNet, type AddressLike } from '../net/address.js';

export interface SocketAddress {
  address: string;
  family: 4 | 6;
  port: number;
}

/** A datagram with its packed peer address. */
export interface AddressedDatagram {
  addr: Uint8Array;
  data: Uint8Array;
}

export interface DatagramSocket {
  /** The bound local address. */
  readonly address: SocketAddress;
  /** Datagrams that arrived, in arrival order, several at once when they came together. */
  onBatch: ((batch: AddressedDatagram[]) => void) | null;
  /** The socket can take datagrams again after `send` returned false. */
  onDrain: (() => void) | null;
  /** Sends datagrams; false when the kernel's queue is full (they are still sent; wait for `onDrain` before more). */
  send(batch: readonly AddressedDatagram[]): boolean;
  /** Whether the socket keeps the process alive. */
  ref(): void;
  unref(): void;
  close(): Promise<void>;
}

/** `{address, port}` (an IP literal) → the packed address; an IPv4-mapped IPv6 address packs as IPv4. Throws InvalidArgumentError otherwise. */
export function encodeAddress(a: AddressLike): Uint8Array {
  return encodeNet(a);
}

/** The packed address → `{address, family, port}`; null when malformed. */
export function decodeAddress(b: Uint8Array): SocketAddress | null {
  try {
    const a = decodeNet(b);
    return { address: a.address, family: a.family === 'IPv4' ? 4 : 6, port: a.port };
  } catch {
    return null;
  }
}

interface Destination { address: string; port: number }

/** Conversions kept per socket before the cache starts over. */
const CACHE_LIMIT = 4096;

class QuicUdpSocket implements DatagramSocket {
  onBatch: ((batch: AddressedDatagram[]) => void) | null = null;
  onDrain: (() => void) | null = null;
  readonly address: SocketAddress;
  readonly #udp: UdpSocket;
  #waiting = false;
  /** "ip|port" as node reports a sender → packed address. */
  readonly #in = new Map<string, Uint8Array>();
  /** Packed address (as latin1) → where to send. */
  readonly #out = new Map<string, Destination>();
  /** The last destination, packed, and its node form. */
  #lastAddr: Uint8Array | null = null;
  #lastTo: Destination | null = null;

  constructor(udp: UdpSocket) {
    this.#udp = udp;
    const a = udp.address;
    this.address = { address: a.address, family: a.family === 'IPv4' ? 4 : 6, port: a.port };
    udp.onBatch = ({ data, from }) => {
      const batch: AddressedDatagram[] = new Array(data.length);
      let n = 0;
      for (let i = 0; i < data.length; i++) {
        const addr = this.#packed(from[i]);
        if (addr) batch[n++] = { addr, data: data[i] };
      }
      batch.length = n;
      if (n > 0) this.onBatch?.(batch);
    };
  }

  #packed(r: { address: string; port: number }): Uint8Array | null {
    const key = `${r.address}|${r.port}`;
    let addr = this.#in.get(key);
    if (!addr) {
      try { addr = encodeNet(r); } catch { return null; }
      if (this.#in.size >= CACHE_LIMIT) this.#in.clear();
      this.#in.set(key, addr);
    }
    return addr;
  }

  #destination(addr: Uint8Array): Destination | null {
    const last = this.#lastAddr;
    if (last && sameBytes(last, addr)) return this.#lastTo;
    let key = '';
    for (let i = 0; i < addr.length; i++) key += String.fromCharCode(addr[i]);
    let to = this.#out.get(key);
    if (!to) {
      const a = decodeAddress(addr);
      // port 0, or an IPv6 peer on a udp4 socket: nowhere to send
      if (!a || a.port === 0 || (a.family === 6 && this.#udp.type === 'udp4')) return null;
      to = { address: a.address, port: a.port };
      if (this.#out.size >= CACHE_LIMIT) this.#out.clear();
      this.#out.set(key, to);
    }
    this.#lastAddr = addr.slice();
    this.#lastTo = to;
    return to;
  }

  send(batch: readonly AddressedDatagram[]): boolean {
    const udp = this.#udp;
    if (udp.closed) return true;
    const out: { data: Uint8Array; address: string; port: number }[] = [];
    for (const d of batch) {
      const to = this.#destination(d.addr);
      // nowhere to send: the datagram is lost, as on a dead path
      if (to) out.push({ data: d.data, address: to.address, port: to.port });
    }
    const writable = udp.send(out);
    if (!writable && !this.#waiting) {
      this.#waiting = true;
      udp.drain().then(() => {
        this.#waiting = false;
        this.onDrain?.();
      }, () => { this.#waiting = false; });
    }
    return writable;
  }

  ref(): void { this.#udp.ref(); }
  unref(): void { this.#udp.unref(); }
  close(): Promise<void> { return this.#udp.close(); }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Binds a UDP socket. `host` is an IP literal; an IPv6 one gets a dual-stack
 * socket (IPv4 peers too, where the system allows), as node's udp6 default.
 */
export async function bindUdp(host: string, port: number): Promise<DatagramSocket> {
  const v6 = host.includes(':');
  const udp = await UdpSocket.bind(host, port, { dualStack: v6, onError: () => { /* a lost datagram: loss recovery handles it */ } });
  return new QuicUdpSocket(udp);
}
