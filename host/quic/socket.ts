// The UDP side of the driver: a socket that hands over datagrams in batches
// and says when it cannot take more, and the packed address encoding of
// wit/quic.wit (`family u8 (4|6) | ip (4|16) | port u16 BE`).
//
// Interim: host/net/address.ts and host/net/udp.ts (branch q-peer) are the
// shared versions of both; until they land this file is a small node:dgram
// implementation of the same contract, and the driver only sees the
// `DatagramSocket` interface below.

import dgram from 'node:dgram';
import net from 'node:net';

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
  /** Queues datagrams; false when the socket's queue is full (they are still sent; wait for `onDrain` before more). */
  send(batch: readonly AddressedDatagram[]): boolean;
  /** Whether the socket keeps the process alive. */
  ref(): void;
  unref(): void;
  close(): Promise<void>;
}

// ---- addresses ------------------------------------------------------------------------

function parseIpv6(s: string): Uint8Array | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  let tail4: number[] | null = null;
  const last = s.lastIndexOf(':');
  if (s.includes('.', last)) {
    const v4 = parseIpv4(s.slice(last + 1));
    if (!v4) return null;
    tail4 = [...v4];
    s = s.slice(0, last + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (halves.length === 1 && head.length !== 8) return null;
  if (head.length + rest.length > (halves.length === 2 ? 7 : 8)) return null;
  const groups = [...head, ...new Array(8 - head.length - rest.length).fill('0'), ...rest];
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) return null;
    const g = parseInt(groups[i], 16);
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 255;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** `{address, family, port}` → the packed address; throws RangeError on something that is not an IP literal. */
export function encodeAddress(a: { address: string; port: number; family?: 4 | 6 | string | number }): Uint8Array {
  const v4 = net.isIPv4(a.address) ? parseIpv4(a.address) : null;
  const ip = v4 ?? (net.isIPv6(a.address) ? parseIpv6(a.address) : null);
  if (!ip) throw new RangeError(`not an IP address: ${a.address}`);
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new RangeError(`not a port: ${a.port}`);
  const out = new Uint8Array(3 + ip.length);
  out[0] = ip.length === 4 ? 4 : 6;
  out.set(ip, 1);
  out[1 + ip.length] = a.port >> 8;
  out[2 + ip.length] = a.port & 255;
  return out;
}

/** The packed address → `{address, family, port}` (IPv6 in RFC 5952 form); null when malformed. */
export function decodeAddress(b: Uint8Array): SocketAddress | null {
  if (b.length === 7 && b[0] === 4) {
    return { address: `${b[1]}.${b[2]}.${b[3]}.${b[4]}`, family: 4, port: (b[5] << 8) | b[6] };
  }
  if (b.length !== 19 || b[0] !== 6) return null;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[1 + 2 * i] << 8) | b[2 + 2 * i]);
  // RFC 5952 §4.2: the longest run of two or more zero groups becomes "::"
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  let address: string;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    address = `::ffff:${b[13]}.${b[14]}.${b[15]}.${b[16]}`;
  } else if (best < 0) {
    address = g.map((x) => x.toString(16)).join(':');
  } else {
    const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
    address = `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
  }
  return { address, family: 6, port: (b[17] << 8) | b[18] };
}

// ---- the socket -----------------------------------------------------------------------

/** Datagrams handed to the kernel whose callback has not run yet: above HIGH `send` says stop, below LOW `onDrain`. */
const HIGH = 1024;
const LOW = 256;
/** A batch is handed over at the latest after this many datagrams (then the next one starts). */
const MAX_BATCH = 128;
/** Socket buffers asked for (the kernel may cap them): a 1 Gbit/s burst of a few milliseconds. */
const BUFFER_SIZE = 4 << 20;

class NodeUdpSocket implements DatagramSocket {
  onBatch: ((batch: AddressedDatagram[]) => void) | null = null;
  onDrain: (() => void) | null = null;
  readonly address: SocketAddress;
  readonly #s: dgram.Socket;
  #pending: AddressedDatagram[] = [];
  #flushScheduled = false;
  #inFlight = 0;
  #blocked = false;
  #closed = false;
  /** Packed address → where to send, and arriving "address|port" → packed address (both bounded). */
  readonly #out = new Map<string, SocketAddress>();
  readonly #in = new Map<string, Uint8Array>();
  readonly #sent = (err: Error | null) => {
    this.#inFlight--;
    void err; // UDP: a failed send is a lost datagram; loss recovery handles it
    if (this.#blocked && this.#inFlight <= LOW) {
      this.#blocked = false;
      this.onDrain?.();
    }
  };

  constructor(s: dgram.Socket) {
    this.#s = s;
    const a = s.address();
    this.address = { address: a.address, family: a.family === 'IPv6' || (a.family as unknown) === 6 ? 6 : 4, port: a.port };
    s.on('message', (msg, rinfo) => this.#message(msg, rinfo));
    // ICMP errors and the like: the datagram is lost, QUIC recovers
    s.on('error', () => {});
  }

  #message(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}|${rinfo.port}`;
    let addr = this.#in.get(key);
    if (!addr) {
      try { addr = encodeAddress(rinfo); } catch { return; }
      if (this.#in.size >= 4096) this.#in.clear();
      this.#in.set(key, addr);
    }
    this.#pending.push({ addr, data: msg });
    if (this.#pending.length >= MAX_BATCH) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // datagrams read in one poll of the event loop arrive before the check phase: one batch
      setImmediate(() => { this.#flushScheduled = false; this.#flush(); });
    }
  }

  #flush(): void {
    if (this.#pending.length === 0 || this.#closed) return;
    const batch = this.#pending;
    this.#pending = [];
    this.onBatch?.(batch);
  }

  send(batch: readonly AddressedDatagram[]): boolean {
    if (this.#closed) return true;
    for (const d of batch) {
      const key = String.fromCharCode(...d.addr);
      let to = this.#out.get(key);
      if (!to) {
        const a = decodeAddress(d.addr);
        if (!a) continue;
        to = a;
        if (this.#out.size >= 4096) this.#out.clear();
        this.#out.set(key, to);
      }
      this.#inFlight++;
      this.#s.send(d.data, to.port, to.address, this.#sent);
    }
    if (this.#inFlight >= HIGH) this.#blocked = true;
    return !this.#blocked;
  }

  ref(): void { if (!this.#closed) this.#s.ref(); }
  unref(): void { if (!this.#closed) this.#s.unref(); }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      try { this.#s.close(() => resolve()); } catch { resolve(); }
    });
  }
}

/**
 * Binds a UDP socket. `host` is an IP literal ('::' listens on IPv6 and,
 * where the system allows, IPv4 too).
 */
export function bindUdp(host: string, port: number): Promise<DatagramSocket> {
  const type = net.isIPv6(host) ? 'udp6' : 'udp4';
  const s = dgram.createSocket({ type, reuseAddr: false });
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => { s.close(); reject(e); };
    s.once('error', onError);
    s.bind(port, host, () => {
      s.off('error', onError);
      try { s.setRecvBufferSize(BUFFER_SIZE); s.setSendBufferSize(BUFFER_SIZE); } catch { /* capped by the system */ }
      resolve(new NodeUdpSocket(s));
    });
  });
}
