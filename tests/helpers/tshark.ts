// Packet captures of loopback QUIC, decrypted and dissected by tshark
// (Wireshark 4.0, Debian's `tshark`, build/setup.sh) with a TLS key log
// (NSS format: our `keylog` option, GnuTLS's SSLKEYLOGFILE for ngtcp2).
//
// Capturing: `tshark -i lo -f 'udp port N' -w FILE` as root is the usual way,
// but on this machine (a Firecracker VM) a live capture on `lo` or `any`
// records 0 packets, even as root. So the capture is taken by a tap instead:
// `UdpTap` (tests/helpers/udp-tap.ts), a recording UDP relay.
//
// Dissecting: tshark 4.0 decrypts QUIC v1 with the key log and dissects
// HTTP/3 frames — stream types, frame types and lengths, SETTINGS — but not
// QPACK field sections (no header names or values; that came with 4.2), and
// only frames that one STREAM frame holds whole: it does not reassemble
// stream data, so a DATA frame spread over several packets does not show.
import fs from 'node:fs';
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

/** One captured datagram as tshark decoded it (fields with several occurrences are listed in order). */
export interface QuicRow {
  frame: number;
  /** QUIC packets in the datagram: 'Initial', '0-RTT', 'Handshake', 'Retry', '1-RTT'. */
  packets: string[];
  /** QUIC STREAM frames' stream IDs (only when tshark could decrypt). */
  streamIds: number[];
  /** HTTP/3 unidirectional stream types declared (0 control, 2 QPACK encoder, 3 QPACK decoder). */
  streamTypes: number[];
  /** QUIC frame types in the decrypted packets (RFC 9000 §19: 0x02 ACK, 0x06 CRYPTO, 0x08-0x0f STREAM, ...). */
  quicFrames: number[];
  /** HTTP/3 frame types (0 DATA, 1 HEADERS, 4 SETTINGS, ...). */
  frameTypes: number[];
  frameLengths: number[];
  /**
   * The HTTP/3 frames' payloads (hex), index for index with `frameTypes`
   * (tshark leaves out the payload of an empty frame: then the lists differ
   * in length and this one is empty).
   */
  framePayloads: string[];
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
    'http3.frame_length', 'http3.settings.id', 'quic.frame_type', 'http3.frame_payload'];
  const r = spawnSync(TSHARK, ['-n', '-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-d', `udp.port==${port},quic`, '-Y', 'quic',
    '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.error?.message ?? r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const [frame, forms, long, ids, st, ft, fl, set, qf, fp] = line.split('\t');
    // RFC 9000 §17: header form 1 = long (its type from quic.long.packet_type, in order), 0 = short (1-RTT)
    const types = list(long);
    const packets = list(forms).map((f) => (f === 0 ? '1-RTT' : LONG_TYPES[types.shift() ?? -1] ?? 'long ?'));
    const frameTypes = list(ft);
    const payloads = fp ? fp.split(',') : [];
    return {
      frame: Number(frame), packets, streamIds: list(ids), streamTypes: list(st), quicFrames: list(qf), frameTypes, frameLengths: list(fl), settings: list(set),
      framePayloads: payloads.length === frameTypes.length ? payloads : [],
    };
  });
}
