// Packet captures of loopback QUIC, decrypted and dissected by tshark
// (Wireshark 4.0, Debian's `tshark`, build/setup.sh) with a TLS key log
// (NSS format: our `keylog` option, GnuTLS's SSLKEYLOGFILE for ngtcp2).
//
// Capturing: `tshark -i lo -f 'udp port N' -w FILE` as root is the usual way,
// but on this machine (a Firecracker VM) a live capture on `lo` or `any`
// records 0 packets, even as root. So the capture is taken by a tap instead:
// `UdpTap` is a UDP relay on 127.0.0.1 between a client and the real server
// that forwards every datagram both ways (one upstream socket per client
// address, so migration and rebinding pass through as new addresses) and
// writes each one to a pcap file (LINKTYPE_RAW: synthesized IPv4 + UDP
// headers, the client's real address and the server's, microsecond stamps).
// It needs no privileges and sees exactly what the endpoints sent.
//
// Dissecting: tshark 4.0 decrypts QUIC v1 with the key log and dissects
// HTTP/3 frames — stream types, frame types and lengths, SETTINGS — but not
// QPACK field sections (no header names or values; that came with 4.2), and
// only frames that one STREAM frame holds whole: it does not reassemble
// stream data, so a DATA frame spread over several packets does not show.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import type { Peer } from './peers.js';

export const TSHARK = '/usr/bin/tshark';

export function tsharkPeer(): Peer {
  try {
    fs.accessSync(TSHARK, fs.constants.X_OK);
    return { bin: TSHARK, reason: '' };
  } catch {
    return { bin: null, reason: `${TSHARK} not found (Debian package tshark; bash build/setup.sh installs it)` };
  }
}

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

  /** Stops relaying and closes the pcap file. */
  async close(): Promise<void> {
    const socks = [this.#front, ...this.#upstream.values()];
    await Promise.all(socks.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.#upstream.clear();
    fs.closeSync(this.#fd);
  }
}

/** One captured datagram as tshark decoded it (fields with several occurrences are listed in order). */
export interface QuicRow {
  frame: number;
  /** QUIC packets in the datagram: 'Initial', '0-RTT', 'Handshake', 'Retry', '1-RTT'. */
  packets: string[];
  /** QUIC STREAM frames' stream IDs (only when tshark could decrypt). */
  streamIds: number[];
  /** HTTP/3 unidirectional stream types declared (0 control, 2 QPACK encoder, 3 QPACK decoder). */
  streamTypes: number[];
  /** HTTP/3 frame types (0 DATA, 1 HEADERS, 4 SETTINGS, ...). */
  frameTypes: number[];
  frameLengths: number[];
  /** SETTINGS identifiers. */
  settings: number[];
}

const list = (s: string | undefined) => (s ? s.split(',').filter(Boolean).map((x) => Number(x)) : []);
const LONG_TYPES = ['Initial', '0-RTT', 'Handshake', 'Retry'];

/**
 * One tshark run over `pcap` (tshark takes seconds to start here: one run
 * per capture) with the key log, QUIC on `port` (`-d udp.port==PORT,quic`):
 * every QUIC datagram with its packet types and, where decrypted, its
 * streams and HTTP/3 frames. Throws with tshark's stderr when it fails.
 */
export function dissect(pcap: string, keylog: string, port: number): QuicRow[] {
  const fields = ['frame.number', 'quic.header_form', 'quic.long.packet_type', 'quic.stream.stream_id', 'http3.stream_type', 'http3.frame_type',
    'http3.frame_length', 'http3.settings.id'];
  const r = spawnSync(TSHARK, ['-n', '-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-d', `udp.port==${port},quic`, '-Y', 'quic',
    '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.error?.message ?? r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const [frame, forms, long, ids, st, ft, fl, set] = line.split('\t');
    // RFC 9000 §17: header form 1 = long (its type from quic.long.packet_type, in order), 0 = short (1-RTT)
    const types = list(long);
    const packets = list(forms).map((f) => (f === 0 ? '1-RTT' : LONG_TYPES[types.shift() ?? -1] ?? 'long ?'));
    return { frame: Number(frame), packets, streamIds: list(ids), streamTypes: list(st), frameTypes: list(ft), frameLengths: list(fl), settings: list(set) };
  });
}
