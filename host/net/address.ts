// Socket addresses between node and the core. The core carries a UDP
// address as bytes:
//
//   family u8 (4 | 6) | ip (4 | 16 bytes, network order) | port u16 big-endian
//
// (7 bytes for IPv4, 19 for IPv6). Node hands the host `{address, family,
// port}` objects (dgram's RemoteInfo, net's AddressInfo) with the IP as text.
// This file converts between the two, gives each address a compact string key
// for Maps, and handles IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2,
// ::ffff:a.b.c.d): a dual-stack udp6 socket reports an IPv4 peer that way, and
// by default the encoding unmaps it to family 4 so that one peer has one
// identity whichever socket saw it; decoding can map it back for sending on
// such a socket. A zone index (fe80::1%eth0) is not part of the encoding and
// is dropped, as node's net.SocketAddress does.
//
// Text output follows the form node itself prints (libc's inet_ntop, RFC 5952
// §4): lower-case hex, no leading zeros, the longest run of two or more zero
// groups (the first on a tie) written as "::", and a trailing dotted quad for
// ::ffff:0:0/96 and for the deprecated IPv4-compatible ::/96 form (::1.2.3.4),
// but not for :: and ::1 through ::ffff (a run of seven zero groups).
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import { bytesArg, describe, intArg } from '../args.js';

export type AddressFamily = 'IPv4' | 'IPv6';

/** An address as node reports it (dgram RemoteInfo, net AddressInfo), canonical text. */
export interface SocketAddress {
  address: string;
  family: AddressFamily;
  port: number;
}

/**
 * What the functions here accept: node's objects as they come (extra fields
 * such as RemoteInfo's `size` are ignored). `family` may be 'IPv4' / 'IPv6',
 * the numbers 4 / 6 (Node 18.0–18.3 reported those), or absent (taken from
 * the address).
 */
export interface AddressLike {
  address: string;
  family?: string | number;
  port: number;
}

/** The family byte of the encoding. */
export const FAMILY_IPV4 = 4;
export const FAMILY_IPV6 = 6;
/** Encoded lengths: family + ip + port. */
export const ENCODED_IPV4_LENGTH = 7;
export const ENCODED_IPV6_LENGTH = 19;
export const MAX_ENCODED_ADDRESS_LENGTH = ENCODED_IPV6_LENGTH;

export interface EncodeOptions {
  /** Encode ::ffff:a.b.c.d as the IPv4 address a.b.c.d (family 4). Default true. */
  unmapIPv4?: boolean;
}

export interface DecodeOptions {
  /**
   * Give an IPv4 address as its IPv4-mapped IPv6 form ('::ffff:a.b.c.d',
   * family 'IPv6'), the form a dual-stack udp6 socket sends to. Default false.
   */
  mapIPv4?: boolean;
}

// ---------------------------------------------------------------------------
// IP text <-> bytes

/**
 * Parses an IPv4 or IPv6 literal into 4 or 16 bytes, or returns null when
 * `text` is not one (node:net's isIP decides what is an address; a zone index
 * is dropped). No hostnames: resolving names is not this layer's job.
 */
export function parseIp(text: string): Uint8Array | null {
  if (typeof text !== 'string') return null;
  if (isIPv4(text)) return parseIPv4(text);
  if (!isIPv6(text)) return null;
  const zone = text.indexOf('%');
  return parseIPv6(zone >= 0 ? text.slice(0, zone) : text);
}

function parseIPv4(text: string): Uint8Array {
  const out = new Uint8Array(4);
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) out[i] = Number(parts[i]);
  return out;
}

/** `text` already passed isIPv6 (and has no zone): at most one "::", an optional trailing dotted quad. */
function parseIPv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const words: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const v4 = parseIPv4(g);
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else words.push(parseInt(g, 16));
    }
    return words;
  };
  const gap = text.indexOf('::');
  let words: number[];
  if (gap < 0) words = groups(text);
  else {
    const head = groups(text.slice(0, gap));
    const tail = groups(text.slice(gap + 2));
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
}

/** The text form of a 4- or 16-byte IP (see the header for the IPv6 rules). */
export function formatIp(ip: Uint8Array): string {
  if (ip.length === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  if (ip.length !== 16) throw new InvalidArgumentError('ip', `must be 4 or 16 bytes, got ${ip.length}`);
  const w = new Array<number>(8);
  for (let i = 0; i < 8; i++) w[i] = (ip[2 * i] << 8) | ip[2 * i + 1];
  // RFC 5952 §4.2: the longest run of >= 2 zero groups, the first one on a tie.
  let bestBase = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { bestBase = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  // inet_ntop: a dotted quad for ::ffff:0:0/96 and for ::/96 (but not :: or ::x).
  const dotted = bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
  const end = dotted ? 6 : 8;
  let s = '';
  for (let i = 0; i < end; i++) {
    if (i === bestBase) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += w[i].toString(16);
  }
  if (dotted) s += `${s.endsWith(':') ? '' : ':'}${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  return s;
}

/** True for the 16 bytes of an IPv4-mapped IPv6 address (::ffff:0:0/96, RFC 4291 §2.5.5.2). */
export function isIPv4Mapped(ip: Uint8Array): boolean {
  if (ip.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

// ---------------------------------------------------------------------------
// Checking node's objects

function familyOf(v: unknown, name: string): 4 | 6 | 0 {
  if (v === undefined) return 0;
  if (v === 'IPv4' || v === 4) return 4;
  if (v === 'IPv6' || v === 6) return 6;
  throw new InvalidArgumentError(name, `must be 'IPv4', 'IPv6', 4 or 6, got ${typeof v === 'string' ? `'${v}'` : describe(v)}`);
}

/** Checks an AddressLike and returns its IP bytes (4 or 16, as written) and port. */
function checkAddress(addr: unknown, name: string): { ip: Uint8Array; port: number } {
  if (addr === null || typeof addr !== 'object') throw new InvalidArgumentError(name, `must be an {address, family, port} object, got ${describe(addr)}`);
  const a = addr as Record<string, unknown>;
  if (typeof a.address !== 'string') throw new InvalidArgumentError(`${name}.address`, `must be a string, got ${describe(a.address)}`);
  const ip = parseIp(a.address);
  if (!ip) throw new InvalidArgumentError(`${name}.address`, `'${a.address.slice(0, 64)}' is not an IPv4 or IPv6 address`);
  const family = familyOf(a.family, `${name}.family`);
  if (family !== 0 && family !== (ip.length === 4 ? 4 : 6)) {
    throw new InvalidArgumentError(`${name}.family`, `is IPv${family} but '${a.address}' is an IPv${ip.length === 4 ? 4 : 6} address`);
  }
  const port = intArg(`${name}.port`, a.port, 0, 0xffff);
  return { ip, port };
}

// ---------------------------------------------------------------------------
// The core's encoding

/** Writes `addr` at `out[offset]`; returns the bytes written (7 or 19). */
export function encodeAddressInto(addr: AddressLike, out: Uint8Array, offset: number, options: EncodeOptions = {}): number {
  let { ip, port } = checkAddress(addr, 'addr');
  bytesArg('out', out);
  if (options.unmapIPv4 !== false && isIPv4Mapped(ip)) ip = ip.subarray(12);
  const len = ip.length === 4 ? ENCODED_IPV4_LENGTH : ENCODED_IPV6_LENGTH;
  intArg('offset', offset, 0, Math.max(0, out.length - len));
  if (offset + len > out.length) throw new InvalidArgumentError('out', `needs ${len} bytes at offset ${offset}, has ${out.length - offset}`);
  out[offset] = ip.length === 4 ? FAMILY_IPV4 : FAMILY_IPV6;
  out.set(ip, offset + 1);
  out[offset + 1 + ip.length] = port >> 8;
  out[offset + 2 + ip.length] = port & 0xff;
  return len;
}

/** The encoding of `addr` as a new array of 7 or 19 bytes. */
export function encodeAddress(addr: AddressLike, options: EncodeOptions = {}): Uint8Array {
  const scratch = new Uint8Array(MAX_ENCODED_ADDRESS_LENGTH);
  return scratch.slice(0, encodeAddressInto(addr, scratch, 0, options));
}

/** The length (7 or 19) of the encoded address at `bytes[offset]`; throws if it is malformed or truncated. */
export function encodedAddressLength(bytes: Uint8Array, offset = 0): number {
  bytesArg('bytes', bytes);
  intArg('offset', offset, 0, Number.MAX_SAFE_INTEGER);
  if (offset >= bytes.length) throw new InvalidArgumentError('bytes', `no address at offset ${offset} (${bytes.length} bytes)`);
  const family = bytes[offset];
  const len = family === FAMILY_IPV4 ? ENCODED_IPV4_LENGTH : family === FAMILY_IPV6 ? ENCODED_IPV6_LENGTH : 0;
  if (len === 0) throw new InvalidArgumentError('bytes', `family byte ${family} at offset ${offset} is neither 4 nor 6`);
  if (offset + len > bytes.length) throw new InvalidArgumentError('bytes', `an IPv${family} address needs ${len} bytes at offset ${offset}, has ${bytes.length - offset}`);
  return len;
}

/** Decodes the address at `bytes[offset]` into node's form. */
export function decodeAddress(bytes: Uint8Array, offset = 0, options: DecodeOptions = {}): SocketAddress {
  const len = encodedAddressLength(bytes, offset);
  const ip = bytes.subarray(offset + 1, offset + len - 2);
  const port = (bytes[offset + len - 2] << 8) | bytes[offset + len - 1];
  if (ip.length === 4 && options.mapIPv4) return { address: `::ffff:${formatIp(ip)}`, family: 'IPv6', port };
  return { address: formatIp(ip), family: ip.length === 4 ? 'IPv4' : 'IPv6', port };
}

// ---------------------------------------------------------------------------
// Keys and display

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * A compact key for Maps: the encoding (IPv4-mapped unmapped) as a 7- or
 * 19-character latin1 string. Equal for every spelling of one address
 * ('::1', '0:0:0:0:0:0:0:1', '::ffff:10.0.0.1' and '10.0.0.1').
 */
export function addressKey(addr: AddressLike): string {
  const scratch = new Uint8Array(MAX_ENCODED_ADDRESS_LENGTH);
  return latin1(scratch, 0, encodeAddressInto(addr, scratch, 0));
}

/** The key of an encoded address (same as addressKey of its decoding, IPv4-mapped IPv6 included). */
export function addressKeyFromBytes(bytes: Uint8Array, offset = 0): string {
  const len = encodedAddressLength(bytes, offset);
  if (len === ENCODED_IPV6_LENGTH && isIPv4Mapped(bytes.subarray(offset + 1, offset + 17))) {
    return String.fromCharCode(FAMILY_IPV4) + latin1(bytes, offset + 13, offset + 19);
  }
  return latin1(bytes, offset, offset + len);
}

/** "1.2.3.4:443" or "[2001:db8::1]:443", canonical text. */
export function formatAddress(addr: AddressLike): string {
  const { ip, port } = checkAddress(addr, 'addr');
  return ip.length === 4 ? `${formatIp(ip)}:${port}` : `[${formatIp(ip)}]:${port}`;
}

/** `addr` in canonical text with its family spelled as node does ('IPv4' / 'IPv6'). */
export function toSocketAddress(addr: AddressLike): SocketAddress {
  const { ip, port } = checkAddress(addr, 'addr');
  return { address: formatIp(ip), family: ip.length === 4 ? 'IPv4' : 'IPv6', port };
}
