// The byte encodings that cross the tls interface (see assembly/tls/config.ts
// and assembly/api/tls_events.ts): the config blob we write and the event
// stream the engine returns. Pure functions, no engine import, so tests of
// the AssemblyScript internals use them too.

export const LEVEL = { initial: 0, early: 1, handshake: 2, app: 3 } as const;
export type Level = 0 | 1 | 2 | 3;

export const CIPHER_SUITES = { TLS_AES_128_GCM_SHA256: 0x1301, TLS_AES_256_GCM_SHA384: 0x1302, TLS_CHACHA20_POLY1305_SHA256: 0x1303 } as const;
export const GROUPS = { x25519: 0x001d, secp256r1: 0x0017 } as const;

export interface TlsOptions {
  /** true for a server (needs certChainPem and privateKeyPem). */
  server?: boolean;
  /** Client: the name to verify (DNS name or IP literal); DNS names are sent as SNI. */
  serverName?: string;
  alpn?: string[];
  /** Preference order (codes from CIPHER_SUITES). */
  cipherSuites?: number[];
  /** Preference order (codes from GROUPS). */
  groups?: number[];
  /** Client certificate verification: a chain to trustAnchorsPem (default), pinned SHA-256 hashes, or none. */
  verify?: 'chain' | 'pinned' | 'insecure';
  trustAnchorsPem?: string;
  pinnedSha256?: Uint8Array[];
  certChainPem?: string;
  privateKeyPem?: string;
  /** Our quic_transport_parameters extension body. */
  transportParams?: Uint8Array;
  /** RFC 9001 rules (default true); false for TLS over TCP (tests). */
  quic?: boolean;
  keyLog?: boolean;
  earlyData?: boolean;
  ticketKey?: Uint8Array;
  tickets?: number;
  keyShares?: number;
  ticketLifetime?: number;
}

const enc = new TextEncoder();

/**
 * The config blob (assembly/tls/config.ts): { tag u8, length u32 BE, value }*.
 * Built in one pass into one buffer, so options of any size (a whole CA
 * bundle) encode without recursion or argument spreading. Takes options that
 * were already validated (TlsConfig does that).
 */
export function encodeConfig(o: TlsOptions): Uint8Array {
  const fields: [number, Uint8Array][] = [];
  const put = (tag: number, v: Uint8Array) => { fields.push([tag, v]); };
  const u8 = (x: number) => Uint8Array.of(x);
  const u16s = (xs: number[]) => {
    const out = new Uint8Array(2 * xs.length);
    xs.forEach((x, i) => { out[2 * i] = x >> 8; out[2 * i + 1] = x & 255; });
    return out;
  };
  const u32 = (x: number) => Uint8Array.of(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
  if (o.server) put(0, u8(1));
  if (o.serverName !== undefined) put(1, enc.encode(o.serverName));
  for (const a of o.alpn ?? []) put(2, enc.encode(a));
  if (o.cipherSuites) put(3, u16s(o.cipherSuites));
  if (o.groups) put(4, u16s(o.groups));
  if (o.verify) put(5, u8(VERIFY_CODES[o.verify]));
  if (o.trustAnchorsPem) put(6, enc.encode(o.trustAnchorsPem));
  for (const h of o.pinnedSha256 ?? []) put(7, h);
  if (o.certChainPem) put(8, enc.encode(o.certChainPem));
  if (o.privateKeyPem) put(9, enc.encode(o.privateKeyPem));
  if (o.transportParams) put(10, o.transportParams);
  if (o.quic !== undefined) put(11, u8(o.quic ? 1 : 0));
  if (o.keyLog) put(12, u8(1));
  if (o.earlyData) put(15, u8(1));
  if (o.ticketKey) put(16, o.ticketKey);
  if (o.tickets !== undefined) put(17, u8(o.tickets));
  if (o.keyShares !== undefined) put(19, u8(o.keyShares));
  if (o.ticketLifetime !== undefined) put(20, u32(o.ticketLifetime));
  let size = 0;
  for (const [, v] of fields) size += 5 + v.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let off = 0;
  for (const [tag, v] of fields) {
    out[off] = tag;
    view.setUint32(off + 1, v.length);
    out.set(v, off + 5);
    off += 5 + v.length;
  }
  return out;
}

/** CFG_VERIFY_MODE values (assembly/tls/config.ts). */
export const VERIFY_CODES = { chain: 0, pinned: 1, insecure: 2 } as const;

export type TlsEvent =
  | { kind: 'data'; level: Level; data: Uint8Array }
  | { kind: 'readSecret' | 'writeSecret'; level: Level; suite: number; secret: Uint8Array }
  | { kind: 'error'; code: bigint; alert: number; reason: string }
  | { kind: 'keylog'; line: string }
  | { kind: 'complete'; alpn: string; earlyData: number; transportParams: Uint8Array }
  | { kind: 'confirmed' }
  | { kind: 'ticket'; session: Uint8Array }
  | { kind: 'earlyData'; accepted: boolean }
  | { kind: 'warning'; text: string };

const dec = new TextDecoder();

export function decodeEvents(b: Uint8Array): TlsEvent[] {
  const out: TlsEvent[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 0;
  while (i + 6 <= b.length) {
    const kind = b[i];
    const level = b[i + 1] as Level;
    const len = dv.getUint32(i + 2);
    const p = b.slice(i + 6, i + 6 + len);
    i += 6 + len;
    switch (kind) {
      case 1: out.push({ kind: 'data', level, data: p }); break;
      case 2: case 3:
        out.push({ kind: kind === 2 ? 'readSecret' : 'writeSecret', level, suite: (p[0] << 8) | p[1], secret: p.slice(2) });
        break;
      case 4: {
        const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
        out.push({ kind: 'error', code: v.getBigUint64(0), alert: p[8], reason: dec.decode(p.subarray(9)) });
        break;
      }
      case 5: out.push({ kind: 'keylog', line: dec.decode(p) }); break;
      case 6: {
        const n = p[0];
        out.push({ kind: 'complete', alpn: dec.decode(p.subarray(1, 1 + n)), earlyData: p[1 + n], transportParams: p.slice(2 + n) });
        break;
      }
      case 7: out.push({ kind: 'confirmed' }); break;
      case 8: out.push({ kind: 'ticket', session: p }); break;
      case 9: out.push({ kind: 'earlyData', accepted: p[0] === 1 }); break;
      case 10: out.push({ kind: 'warning', text: dec.decode(p) }); break;
    }
  }
  return out;
}
