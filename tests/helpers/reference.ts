// An independent, deliberately plain encoder for QUIC and HTTP/3 frames,
// written from RFC 9000 §19 / RFC 9221 §4 / RFC 9114 §7.2 field lists, used
// as a differential reference: if the core's encoder and decoder shared a
// mistake (a swapped field, a wrong type bit), round trips would not see it.
import type { QuicFrame, H3Frame } from '../../host/codec/index.js';

export function varint(v: bigint | number): number[] {
  const x = BigInt(v);
  if (x < 0x40n) return [Number(x)];
  if (x < 0x4000n) return [0x40 | Number(x >> 8n), Number(x & 0xffn)];
  const n = x < 0x40000000n ? 4 : 8;
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(Number((x >> BigInt(8 * i)) & 0xffn));
  out[0] |= n === 4 ? 0x80 : 0xc0;
  return out;
}

export function quicReference(frames: QuicFrame[]): Uint8Array {
  const out: number[] = [];
  const v = (x: bigint | number) => out.push(...varint(x));
  const bytes = (b: Uint8Array) => out.push(...b);
  for (const f of frames) {
    switch (f.type) {
      case 'padding': for (let i = 0; i < f.length; i++) out.push(0); break;
      case 'ping': out.push(0x01); break;
      case 'ack': // Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, ranges, [ECN]
        out.push(f.ecn ? 0x03 : 0x02); v(f.largestAcknowledged); v(f.ackDelay); v(f.ackRanges.length); v(f.firstAckRange);
        for (const r of f.ackRanges) { v(r.gap); v(r.ackRangeLength); }
        if (f.ecn) { v(f.ecn.ect0); v(f.ecn.ect1); v(f.ecn.ce); }
        break;
      case 'resetStream': out.push(0x04); v(f.streamId); v(f.errorCode); v(f.finalSize); break;
      case 'resetStreamAt': out.push(0x24); v(f.streamId); v(f.errorCode); v(f.finalSize); v(f.reliableSize); break;
      case 'stopSending': out.push(0x05); v(f.streamId); v(f.errorCode); break;
      case 'crypto': out.push(0x06); v(f.offset); v(f.data.length); bytes(f.data); break;
      case 'newToken': out.push(0x07); v(f.token.length); bytes(f.token); break;
      case 'stream': {
        const off = f.offset !== 0n, len = f.hasLength !== false;
        out.push(0x08 | (off ? 0x04 : 0) | (len ? 0x02 : 0) | (f.fin ? 0x01 : 0));
        v(f.streamId);
        if (off) v(f.offset);
        if (len) v(f.data.length);
        bytes(f.data);
        break;
      }
      case 'maxData': out.push(0x10); v(f.maximumData); break;
      case 'maxStreamData': out.push(0x11); v(f.streamId); v(f.maximumStreamData); break;
      case 'maxStreams': out.push(f.bidirectional ? 0x12 : 0x13); v(f.maximumStreams); break;
      case 'dataBlocked': out.push(0x14); v(f.maximumData); break;
      case 'streamDataBlocked': out.push(0x15); v(f.streamId); v(f.maximumStreamData); break;
      case 'streamsBlocked': out.push(f.bidirectional ? 0x16 : 0x17); v(f.maximumStreams); break;
      case 'newConnectionId':
        out.push(0x18); v(f.sequenceNumber); v(f.retirePriorTo); out.push(f.connectionId.length); bytes(f.connectionId); bytes(f.statelessResetToken);
        break;
      case 'retireConnectionId': out.push(0x19); v(f.sequenceNumber); break;
      case 'pathChallenge': out.push(0x1a); bytes(f.data); break;
      case 'pathResponse': out.push(0x1b); bytes(f.data); break;
      case 'connectionClose':
        out.push(f.application ? 0x1d : 0x1c); v(f.errorCode);
        if (!f.application) v(f.frameType ?? 0n);
        v(f.reasonPhrase.length); bytes(f.reasonPhrase);
        break;
      case 'handshakeDone': out.push(0x1e); break;
      case 'datagram':
        if (f.hasLength === false) { out.push(0x30); bytes(f.data); } else { out.push(0x31); v(f.data.length); bytes(f.data); }
        break;
    }
  }
  return Uint8Array.from(out);
}

export function h3Reference(frames: H3Frame[]): Uint8Array {
  const out: number[] = [];
  const frame = (type: bigint | number, payload: number[]) => out.push(...varint(type), ...varint(payload.length), ...payload);
  for (const f of frames) {
    switch (f.type) {
      case 'data': frame(0x00, [...f.data]); break;
      case 'headers': frame(0x01, [...f.fieldSection]); break;
      case 'cancelPush': frame(0x03, varint(f.pushId)); break;
      case 'settings': frame(0x04, f.settings.flatMap(([id, val]) => [...varint(id), ...varint(val)])); break;
      case 'pushPromise': frame(0x05, [...varint(f.pushId), ...f.fieldSection]); break;
      case 'goaway': frame(0x07, varint(f.id)); break;
      case 'maxPushId': frame(0x0d, varint(f.pushId)); break;
      case 'unknown': frame(f.frameType, [...f.payload]); break;
    }
  }
  return Uint8Array.from(out);
}
