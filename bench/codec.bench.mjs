// Wire codec throughput: QUIC frames (mixed STREAM + ACK + MAX_DATA packets,
// ~1200 B payloads, and a packet of many small frames) and HTTP/3 frames,
// decode and encode. Three ways of running ours:
//   host API  — decodeQuicFrames()/encodeQuicFrames()/... from dist/host/codec,
//               one call per packet, objects out (how host code uses it)
//   raw call  — the transpiled component's codec.* per packet, records out
//   in-core   — dev.bench-loop: the AS codec looped N times inside the core
// The peer column is a straightforward pure-JS codec producing the same objects
// (there is no native peer for this table).
import { rate, table, ratio, si } from './lib.mjs';
import { codec } from '../dist/engine/engine.js';
import { benchLoop } from '../tests/helpers/dev.mjs';
import {
  decodeQuicFrames, encodeQuicFrames, decodeH3Frames, encodeH3Frames, H3FrameParser,
} from '../dist/host/codec/index.js';

// ---- workloads -----------------------------------------------------------------
const fill = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const MIXED = [
  { type: 'ack', largestAcknowledged: 123456n, ackDelay: 1200n, firstAckRange: 10n,
    ackRanges: [{ gap: 2n, ackRangeLength: 5n }, { gap: 0n, ackRangeLength: 20n }, { gap: 7n, ackRangeLength: 3n }] },
  { type: 'maxData', maximumData: 16_777_216n },
  { type: 'maxStreamData', streamId: 4n, maximumStreamData: 1_048_576n },
  { type: 'stream', streamId: 4n, offset: 987_654n, fin: false, data: fill(1130, 1) },
];
const SMALL = [
  { type: 'ack', largestAcknowledged: 99n, ackDelay: 10n, firstAckRange: 3n, ackRanges: [] },
  ...Array.from({ length: 20 }, (_, i) => ({ type: 'stream', streamId: BigInt(4 * i), offset: BigInt(i * 1000), fin: i % 5 === 0, data: fill(50, i) })),
  { type: 'maxData', maximumData: 1n << 24n },
];
const H3 = [
  { type: 'headers', fieldSection: fill(120, 3) },
  { type: 'data', data: fill(1000, 4) },
  { type: 'data', data: fill(1000, 5) },
  { type: 'data', data: fill(16, 6) },
];

// ---- the pure-JS peer --------------------------------------------------------------
function readVarint(b, p) {
  const first = b[p];
  const n = 1 << (first >> 6);
  if (p + n > b.length) throw new Error('truncated');
  let v = first & 0x3f;
  if (n <= 4) { for (let i = 1; i < n; i++) v = v * 256 + b[p + i]; return [BigInt(v), p + n]; }
  let big = BigInt(v);
  for (let i = 1; i < 8; i++) big = (big << 8n) | BigInt(b[p + i]);
  return [big, p + 8];
}
function jsDecodeQuic(b) {
  const out = [];
  let p = 0, v;
  const vi = () => { [v, p] = readVarint(b, p); return v; };
  while (p < b.length) {
    const t = b[p++];
    if (t === 0x00) { let n = 1; while (p < b.length && b[p] === 0) { p++; n++; } out.push({ type: 'padding', length: n }); }
    else if (t === 0x02 || t === 0x03) {
      const largestAcknowledged = vi(), ackDelay = vi(), count = Number(vi()), firstAckRange = vi();
      if (firstAckRange > largestAcknowledged) throw new Error('FRAME_ENCODING_ERROR');
      let smallest = largestAcknowledged - firstAckRange;
      const ackRanges = [];
      for (let i = 0; i < count; i++) {
        const gap = vi(), ackRangeLength = vi();
        if (smallest < 2n || gap > smallest - 2n || ackRangeLength > smallest - gap - 2n) throw new Error('FRAME_ENCODING_ERROR');
        smallest = smallest - gap - 2n - ackRangeLength;
        ackRanges.push({ gap, ackRangeLength });
      }
      const f = { type: 'ack', largestAcknowledged, ackDelay, firstAckRange, ackRanges };
      if (t === 0x03) f.ecn = { ect0: vi(), ect1: vi(), ce: vi() };
      out.push(f);
    } else if (t >= 0x08 && t <= 0x0f) {
      const streamId = vi();
      const offset = t & 4 ? vi() : 0n;
      const len = t & 2 ? Number(vi()) : b.length - p;
      if (p + len > b.length || offset + BigInt(len) > (1n << 62n) - 1n) throw new Error('FRAME_ENCODING_ERROR');
      out.push({ type: 'stream', streamId, offset, fin: (t & 1) !== 0, data: b.subarray(p, p + len), hasLength: (t & 2) !== 0 });
      p += len;
    } else if (t === 0x10) out.push({ type: 'maxData', maximumData: vi() });
    else if (t === 0x11) out.push({ type: 'maxStreamData', streamId: vi(), maximumStreamData: vi() });
    else throw new Error(`peer: frame type ${t} not in this benchmark`);
  }
  return out;
}
class JsWriter {
  constructor() { this.buf = new Uint8Array(2048); this.len = 0; }
  ensure(n) { if (this.len + n > this.buf.length) { const b = new Uint8Array((this.len + n) * 2); b.set(this.buf); this.buf = b; } }
  u8(x) { this.ensure(1); this.buf[this.len++] = x; }
  varint(x) {
    const v = BigInt(x);
    if (v < 64n) this.u8(Number(v));
    else if (v < 16384n) { this.ensure(2); const n = Number(v); this.buf[this.len++] = 0x40 | (n >> 8); this.buf[this.len++] = n & 0xff; }
    else if (v < 1073741824n) { this.ensure(4); const n = Number(v); this.buf[this.len++] = 0x80 | (n >>> 24); this.buf[this.len++] = (n >>> 16) & 0xff; this.buf[this.len++] = (n >>> 8) & 0xff; this.buf[this.len++] = n & 0xff; }
    else { this.ensure(8); for (let i = 7; i >= 0; i--) this.buf[this.len++] = Number((v >> BigInt(8 * i)) & 0xffn) | (i === 7 ? 0xc0 : 0); }
  }
  bytes(b) { this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }
  take() { return this.buf.slice(0, this.len); }
}
function jsEncodeQuic(frames) {
  const w = new JsWriter();
  for (const f of frames) {
    switch (f.type) {
      case 'ack':
        w.u8(f.ecn ? 3 : 2); w.varint(f.largestAcknowledged); w.varint(f.ackDelay); w.varint(f.ackRanges.length); w.varint(f.firstAckRange);
        for (const r of f.ackRanges) { w.varint(r.gap); w.varint(r.ackRangeLength); }
        break;
      case 'stream':
        w.u8(0x08 | (f.offset ? 4 : 0) | (f.hasLength === false ? 0 : 2) | (f.fin ? 1 : 0)); w.varint(f.streamId);
        if (f.offset) w.varint(f.offset);
        if (f.hasLength !== false) w.varint(f.data.length);
        w.bytes(f.data);
        break;
      case 'maxData': w.u8(0x10); w.varint(f.maximumData); break;
      case 'maxStreamData': w.u8(0x11); w.varint(f.streamId); w.varint(f.maximumStreamData); break;
      default: throw new Error(`peer: ${f.type} not in this benchmark`);
    }
  }
  return w.take();
}
function jsDecodeH3(b) {
  const out = [];
  let p = 0, t, len;
  while (p < b.length) {
    [t, p] = readVarint(b, p);
    [len, p] = readVarint(b, p);
    const n = Number(len);
    if (p + n > b.length) throw new Error('H3_FRAME_ERROR');
    const payload = b.subarray(p, p + n);
    p += n;
    if (t === 0n) out.push({ type: 'data', data: payload });
    else if (t === 1n) out.push({ type: 'headers', fieldSection: payload });
    else out.push({ type: 'unknown', frameType: t, payload });
  }
  return out;
}
function jsEncodeH3(frames) {
  const w = new JsWriter();
  for (const f of frames) {
    const payload = f.type === 'data' ? f.data : f.fieldSection;
    w.varint(f.type === 'data' ? 0 : 1); w.varint(payload.length); w.bytes(payload);
  }
  return w.take();
}

// ---- cross-checks: every path agrees before anything is timed --------------------
const mixed = encodeQuicFrames(MIXED), small = encodeQuicFrames(SMALL), h3 = encodeH3Frames(H3);
const same = (a, b) => Buffer.from(a).equals(Buffer.from(b));
if (!same(jsEncodeQuic(MIXED), mixed) || !same(jsEncodeQuic(SMALL), small) || !same(jsEncodeH3(H3), h3)) throw new Error('peer encoder disagrees');
if (!same(encodeQuicFrames(jsDecodeQuic(mixed)), mixed) || !same(encodeQuicFrames(decodeQuicFrames('1rtt', small)), small)) throw new Error('decoders disagree');

// ---- measurements ------------------------------------------------------------------
const N = 2000; // iterations per in-core call
const rows = [];
function row(label, bytesPerOp, framesPerOp, ours, peer) {
  rows.push([label, si(ours * framesPerOp), `${(ours * bytesPerOp / 1e6).toFixed(1)}`, peer ? si(peer * framesPerOp) : '—', peer ? ratio(ours, peer) : '—']);
}
for (const [name, frames, bytes] of [['QUIC mixed 1200 B', MIXED, mixed], ['QUIC 22 small frames', SMALL, small]]) {
  const nf = frames.length;
  const peerDec = rate(() => jsDecodeQuic(bytes));
  const peerEnc = rate(() => jsEncodeQuic(frames));
  console.error(`${name}: payload ${bytes.length} B, ${nf} frames`);
  row(`${name} decode, host API`, bytes.length, nf, rate(() => decodeQuicFrames('1rtt', bytes)), peerDec);
  row(`${name} decode, raw call`, bytes.length, nf, rate(() => codec.decodeQuicFrames(3, bytes)), peerDec);
  row(`${name} decode, in-core`, bytes.length, nf, rate(() => benchLoop(0, 3, bytes, N), { opsPerCall: N }), peerDec);
  row(`${name} encode, host API`, bytes.length, nf, rate(() => encodeQuicFrames(frames)), peerEnc);
  row(`${name} encode, in-core`, bytes.length, nf, rate(() => benchLoop(1, 3, bytes, N), { opsPerCall: N }), peerEnc);
}
{
  const nf = H3.length;
  const peerDec = rate(() => jsDecodeH3(h3));
  const peerEnc = rate(() => jsEncodeH3(H3));
  const parser = new H3FrameParser('request');
  const half = h3.length >> 1;
  row('H3 HEADERS+3 DATA decode, host API', h3.length, nf, rate(() => decodeH3Frames(h3)), peerDec);
  row('H3 HEADERS+3 DATA decode, in-core', h3.length, nf, rate(() => benchLoop(2, 0, h3, N), { opsPerCall: N }), peerDec);
  row('H3 incremental parser (2 chunks), host API', h3.length, nf, rate(() => { parser.push(h3.subarray(0, half)); parser.push(h3.subarray(half)); }), peerDec);
  row('H3 incremental parser, in-core', h3.length, nf, rate(() => benchLoop(4, 0, h3, N), { opsPerCall: N }), peerDec);
  row('H3 HEADERS+3 DATA encode, host API', h3.length, nf, rate(() => encodeH3Frames(H3)), peerEnc);
  row('H3 HEADERS+3 DATA encode, in-core', h3.length, nf, rate(() => benchLoop(3, 0, h3, N), { opsPerCall: N }), peerEnc);
  parser.close();
}
table('codec: frames/s and MB/s (ours) vs a pure-JS codec producing the same objects (peer)',
  ['operation', 'frames/s', 'MB/s', 'peer frames/s', 'ours/peer'], rows);

// What one crossing of the component boundary costs by itself (jco glue):
// a call that does no work and moves no memory, next to the in-core decode of
// a whole packet. Batching matters because of this figure.
const bare = rate(() => codec.quicFrameAllowed(1n, 3));
const inCorePacket = rate(() => benchLoop(0, 3, mixed, N), { opsPerCall: N });
table('codec: boundary cost', ['operation', 'calls/s', 'µs/call'], [
  ['empty call (quic-frame-allowed) through jco', si(bare), (1e6 / bare).toFixed(2)],
  ['decode one 1164 B packet, in-core', si(inCorePacket), (1e6 / inCorePacket).toFixed(3)],
]);
