// A recording UDP relay for loopback tests: `UdpTap` sits on 127.0.0.1
// between a client and the real server, forwards every datagram both ways
// (one upstream socket per client address, so a client's migration passes
// through as a new address) and writes each one to a pcap file
// (LINKTYPE_RAW: synthesized IPv4 + UDP headers with the client's real
// address and the server's, microsecond stamps) for tshark
// (tests/helpers/tshark.ts). It needs no privileges and sees exactly what the
// endpoints sent. `rebind()` plays a NAT that gives the client a new port:
// the server sees the client's datagrams come from elsewhere, and what it
// still sends to the old port is lost (RFC 9000 §9.3).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';

const LINKTYPE_RAW = 101;

function ipv4(a: string): number[] {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`UdpTap: IPv4 only, got ${a}`);
  return p;
}

/** One captured datagram as an IPv4/UDP packet (RFC 791, RFC 768; UDP checksum 0 = none). */
function ipPacket(src: dgram.RemoteInfo | { address: string; port: number }, dst: { address: string; port: number }, payload: Buffer): Buffer {
  const b = Buffer.alloc(28 + payload.length);
  b[0] = 0x45; // version 4, IHL 5
  b.writeUInt16BE(b.length, 2);
  b[8] = 64; // TTL
  b[9] = 17; // UDP
  Buffer.from(ipv4(src.address)).copy(b, 12);
  Buffer.from(ipv4(dst.address)).copy(b, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += b.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  b.writeUInt16BE(~sum & 0xffff, 10);
  b.writeUInt16BE(src.port, 20);
  b.writeUInt16BE(dst.port, 22);
  b.writeUInt16BE(8 + payload.length, 24);
  payload.copy(b, 28);
  return b;
}

/** A recording UDP relay: point the client at `port`, it reaches `target`. */
export class UdpTap {
  readonly pcapFile: string;
  readonly #fd: number;
  readonly #front: dgram.Socket;
  readonly #target: { address: string; port: number };
  readonly #upstream = new Map<string, dgram.Socket>();
  #datagrams = 0;
  port = 0;
  rebinds = 0;

  private constructor(target: { address: string; port: number }, pcapFile: string) {
    this.#target = target;
    this.pcapFile = pcapFile;
    this.#fd = fs.openSync(pcapFile, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(65535, 16);
    h.writeUInt32LE(LINKTYPE_RAW, 20);
    fs.writeSync(this.#fd, h);
    this.#front = dgram.createSocket('udp4');
  }

  /** Starts a tap on 127.0.0.1 in front of `target` (an IPv4 literal), writing `pcapFile` (default: a temp file). */
  static async start(target: { address: string; port: number }, pcapFile?: string): Promise<UdpTap> {
    const file = pcapFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-tap-')), 'capture.pcap');
    const tap = new UdpTap(target, file);
    await new Promise<void>((resolve, reject) => { tap.#front.once('error', reject); tap.#front.bind(0, '127.0.0.1', resolve); });
    tap.port = tap.#front.address().port;
    tap.#front.on('message', (msg, from) => tap.#fromClient(msg, from));
    return tap;
  }

  /** Datagrams recorded so far. */
  get datagrams(): number { return this.#datagrams; }

  #record(src: { address: string; port: number }, dst: { address: string; port: number }, payload: Buffer): void {
    const pkt = ipPacket(src, dst, payload);
    const rec = Buffer.alloc(16);
    const us = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
    rec.writeUInt32LE(Number(us / 1_000_000n), 0);
    rec.writeUInt32LE(Number(us % 1_000_000n), 4);
    rec.writeUInt32LE(pkt.length, 8);
    rec.writeUInt32LE(pkt.length, 12);
    fs.writeSync(this.#fd, Buffer.concat([rec, pkt]));
    this.#datagrams++;
  }

  #fromClient(msg: Buffer, from: dgram.RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    let up = this.#upstream.get(key);
    if (!up) {
      const sock = dgram.createSocket('udp4');
      up = sock;
      sock.bind(0, '127.0.0.1');
      sock.on('message', (reply, r) => {
        if (r.port !== this.#target.port || r.address !== this.#target.address) return;
        this.#record(this.#target, from, reply);
        this.#front.send(reply, from.port, from.address);
      });
      this.#upstream.set(key, sock);
    }
    this.#record(from, this.#target, msg);
    up.send(msg, this.#target.port, this.#target.address);
  }

  /**
   * NAT rebinding: the client's next datagrams leave from new upstream
   * sockets, and the old ones close, so what the server still sends to the
   * old port is lost. (The pcap keeps the client's own address: the
   * rebinding does not show in it.)
   */
  async rebind(): Promise<void> {
    const old = [...this.#upstream.values()];
    this.#upstream.clear();
    this.rebinds++;
    await Promise.all(old.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** Stops relaying and closes the pcap file. */
  async close(): Promise<void> {
    const socks = [this.#front, ...this.#upstream.values()];
    await Promise.all(socks.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.#upstream.clear();
    fs.closeSync(this.#fd);
  }
}
