// QUIC transport parameters (RFC 9000 §18, RFC 9221 §3) for users of
// `h3-wasi/tls` in QUIC mode: `transportParams` in a TlsConfig is the body of
// the quic_transport_parameters extension (RFC 9001 §8.2), and the `complete`
// event carries the peer's. Both directions run the core's own codec
// (assembly/tls/transport_params.ts) through `codec.transport-params-*`, so
// the rules are the ones the engine enforces; a violation is a CodecError with
// TRANSPORT_PARAMETER_ERROR (0x08).
import { codec } from '../core/engine.js';
import { rethrowCodec } from './rethrow.js';
import { bigintArg, bytesArg, U64_MAX } from '../args.js';

/** RFC 9000 §18.2 preferred_address (server only). */
export interface PreferredAddress {
  ipv4: Uint8Array; // 4 bytes (0.0.0.0 when absent)
  ipv4Port: number;
  ipv6: Uint8Array; // 16 bytes (:: when absent)
  ipv6Port: number;
  connectionId: Uint8Array; // 1..20 bytes
  statelessResetToken: Uint8Array; // 16 bytes
}

/** Parameters to encode; absent ones take the RFC 9000 §18.2 defaults (and are not sent). */
export interface TransportParams {
  /** Server only: the Destination Connection ID of the client's first Initial (§7.3). */
  originalDestinationConnectionId?: Uint8Array;
  /** Milliseconds; 0 = no idle timeout (§10.1). */
  maxIdleTimeout?: bigint | number;
  /** Server only: 16 bytes (§10.3). */
  statelessResetToken?: Uint8Array;
  /** At least 1200; default 65527. */
  maxUdpPayloadSize?: bigint | number;
  initialMaxData?: bigint | number;
  initialMaxStreamDataBidiLocal?: bigint | number;
  initialMaxStreamDataBidiRemote?: bigint | number;
  initialMaxStreamDataUni?: bigint | number;
  /** At most 2^60 (§4.6). */
  initialMaxStreamsBidi?: bigint | number;
  initialMaxStreamsUni?: bigint | number;
  /** At most 20; default 3. */
  ackDelayExponent?: bigint | number;
  /** Milliseconds, below 2^14; default 25. */
  maxAckDelay?: bigint | number;
  disableActiveMigration?: boolean;
  /** Server only. */
  preferredAddress?: PreferredAddress;
  /** At least 2; default 2. */
  activeConnectionIdLimit?: bigint | number;
  /** Both sides, mandatory (§7.3): the Source Connection ID of the sender's first Initial. */
  initialSourceConnectionId?: Uint8Array;
  /** Server only, after a Retry (§7.3). */
  retrySourceConnectionId?: Uint8Array;
  /** RFC 9221 §3: present = DATAGRAM frames accepted up to this size. */
  maxDatagramFrameSize?: bigint | number;
}

/** Decoded parameters: integers as bigint with the §18.2 defaults filled in. */
export interface DecodedTransportParams {
  originalDestinationConnectionId?: Uint8Array;
  maxIdleTimeout: bigint;
  statelessResetToken?: Uint8Array;
  maxUdpPayloadSize: bigint;
  initialMaxData: bigint;
  initialMaxStreamDataBidiLocal: bigint;
  initialMaxStreamDataBidiRemote: bigint;
  initialMaxStreamDataUni: bigint;
  initialMaxStreamsBidi: bigint;
  initialMaxStreamsUni: bigint;
  ackDelayExponent: bigint;
  maxAckDelay: bigint;
  disableActiveMigration: boolean;
  preferredAddress?: PreferredAddress;
  activeConnectionIdLimit: bigint;
  initialSourceConnectionId: Uint8Array;
  retrySourceConnectionId?: Uint8Array;
  maxDatagramFrameSize?: bigint;
}

export interface TransportParamsOptions {
  /**
   * Who sends the parameters (the rules differ, RFC 9000 §18.2: server-only
   * parameters, original_destination_connection_id mandatory from a server).
   * Default: 'server' when a server-only parameter is present (encode) or
   * the bytes decode as a server's (decode), else 'client'.
   */
  sender?: 'client' | 'server';
}

// The packed form of wit/codec.wit (transport-params-decode).
const HDR = 8 + 18 * 8;
const DGRAM_SLOT = 17;
const INTS: [keyof TransportParams & keyof DecodedTransportParams, number][] = [
  ['maxIdleTimeout', 0x01], ['maxUdpPayloadSize', 0x03], ['initialMaxData', 0x04],
  ['initialMaxStreamDataBidiLocal', 0x05], ['initialMaxStreamDataBidiRemote', 0x06], ['initialMaxStreamDataUni', 0x07],
  ['initialMaxStreamsBidi', 0x08], ['initialMaxStreamsUni', 0x09], ['ackDelayExponent', 0x0a], ['maxAckDelay', 0x0b],
  ['activeConnectionIdLimit', 0x0e], ['maxDatagramFrameSize', DGRAM_SLOT],
];
const BYTES: [keyof TransportParams & keyof DecodedTransportParams, number][] = [
  ['originalDestinationConnectionId', 0x00], ['statelessResetToken', 0x02],
  ['initialSourceConnectionId', 0x0f], ['retrySourceConnectionId', 0x10],
];
const SERVER_ONLY = ['originalDestinationConnectionId', 'statelessResetToken', 'preferredAddress', 'retrySourceConnectionId'] as const;
/** An integer parameter: InvalidArgumentError unless an integer in 0..2^64-1 (the core refuses 2^62 and more with 0x08). */
const u64 = (name: string, x: bigint | number) => bigintArg(`params.${name}`, x, 0n, U64_MAX);

function preferredAddressBody(pa: PreferredAddress): Uint8Array {
  const cid = pa.connectionId;
  const out = new Uint8Array(4 + 2 + 16 + 2 + 1 + cid.length + 16);
  const v = new DataView(out.buffer);
  out.set(pa.ipv4.subarray(0, 4), 0);
  v.setUint16(4, pa.ipv4Port);
  out.set(pa.ipv6.subarray(0, 16), 6);
  v.setUint16(22, pa.ipv6Port);
  out[24] = cid.length;
  out.set(cid, 25);
  out.set(pa.statelessResetToken.subarray(0, 16), 25 + cid.length);
  return out;
}

function pack(p: TransportParams): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = HDR;
  const slots: [number, Uint8Array][] = [];
  for (const [k, slot] of BYTES) {
    const b = p[k];
    if (b !== undefined) slots.push([slot, bytesArg(`params.${k}`, b)]);
  }
  if (p.preferredAddress) slots.push([0x0d, preferredAddressBody(p.preferredAddress)]);
  for (const [, b] of slots) { parts.push(b); size += b.length; }
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let present = 0;
  let at = HDR;
  for (const [slot, b] of slots) {
    v.setUint32(8 + 8 * slot, at, true);
    v.setUint32(12 + 8 * slot, b.length, true);
    out.set(b, at);
    at += b.length;
    present |= 1 << slot;
  }
  for (const [k, slot] of INTS) {
    const x = p[k] as bigint | number | undefined;
    if (x === undefined) continue;
    v.setBigUint64(8 + 8 * slot, u64(k, x), true);
    present |= 1 << slot;
  }
  if (p.disableActiveMigration) present |= 1 << 0x0c;
  v.setUint32(0, present >>> 0, true);
  return out;
}

function unpack(b: Uint8Array): DecodedTransportParams {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const present = v.getUint32(0, true);
  const has = (slot: number) => (present & (1 << slot)) !== 0;
  const bytes = (slot: number) => {
    const o = v.getUint32(8 + 8 * slot, true);
    return b.slice(o, o + v.getUint32(12 + 8 * slot, true));
  };
  const out: Record<string, unknown> = {};
  for (const [k, slot] of BYTES) if (has(slot)) out[k] = bytes(slot);
  for (const [k, slot] of INTS) if (has(slot)) out[k] = v.getBigUint64(8 + 8 * slot, true);
  out.disableActiveMigration = has(0x0c);
  if (has(0x0d)) {
    const pa = bytes(0x0d);
    const pv = new DataView(pa.buffer, pa.byteOffset, pa.byteLength);
    const cl = pa[24];
    out.preferredAddress = {
      ipv4: pa.slice(0, 4), ipv4Port: pv.getUint16(4), ipv6: pa.slice(6, 22), ipv6Port: pv.getUint16(22),
      connectionId: pa.slice(25, 25 + cl), statelessResetToken: pa.slice(25 + cl, 41 + cl),
    } satisfies PreferredAddress;
  }
  return out as unknown as DecodedTransportParams;
}

/**
 * RFC 9000 §18: the quic_transport_parameters extension body for `params`
 * (shortest varints, defaults omitted). Throws CodecError 0x08 for what a
 * peer would refuse (e.g. no initialSourceConnectionId, a server-only
 * parameter from a client, ackDelayExponent above 20, values of 2^62 or more).
 */
export function encodeTransportParams(params: TransportParams, options: TransportParamsOptions = {}): Uint8Array {
  const server = options.sender ? options.sender === 'server' : SERVER_ONLY.some((k) => params[k] !== undefined);
  try {
    return codec.transportParamsEncode(pack(params), server);
  } catch (e) {
    rethrowCodec(e);
  }
}

/** RFC 9000 §18: decodes an extension body (e.g. a `complete` event's `transportParams`); throws CodecError 0x08. */
export function decodeTransportParams(bytes: Uint8Array, options: TransportParamsOptions = {}): DecodedTransportParams {
  const once = (server: boolean) => unpack(codec.transportParamsDecode(bytes, server));
  try {
    if (options.sender) return once(options.sender === 'server');
    try {
      return once(true);
    } catch (e) {
      // Not a server's: a client's parameters lack original_destination_connection_id.
      const reason = (e as { payload?: { reason?: string } }).payload?.reason;
      if (reason !== 'missing original_destination_connection_id') throw e;
      return once(false);
    }
  } catch (e) {
    rethrowCodec(e);
  }
}
