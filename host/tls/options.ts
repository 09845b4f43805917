// Checks a TlsOptions object before it is encoded for the engine: every
// option's type and range, enum values against their allowed names, and the
// combinations a role needs. Configuration is refused, never guessed: a typo
// in `verify` must not turn certificate checks off. Every failure is a
// TlsConfigError naming the option.
import { rootCertificates } from 'node:tls';
import { TlsConfigError } from '../errors.js';
import { boolArg, bytesArg, enumArg, fixedBytesArg, intArg, optionsArg, stringArg, describe, type Fail } from '../args.js';
import { CIPHER_SUITES, GROUPS, VERIFY_CODES, type TlsOptions } from './wire.js';

const fail: Fail = (option, message) => new TlsConfigError(message, option);

const KNOWN: readonly (keyof TlsOptions)[] = [
  'server', 'serverName', 'alpn', 'cipherSuites', 'groups', 'verify', 'trustAnchorsPem', 'pinnedSha256',
  'certChainPem', 'privateKeyPem', 'transportParams', 'quic', 'keyLog', 'earlyData', 'ticketKey', 'tickets',
  'keyShares', 'ticketLifetime',
];
const VERIFY_MODES = Object.keys(VERIFY_CODES) as (keyof typeof VERIFY_CODES)[];
const SUITE_CODES = Object.values(CIPHER_SUITES) as number[];
const GROUP_CODES = Object.values(GROUPS) as number[];
const hex4 = (x: number) => `0x${x.toString(16).padStart(4, '0')}`;

/** RFC 9846 §4.6.1: a ticket lifetime MUST NOT exceed seven days. */
export const MAX_TICKET_LIFETIME = 604800;
/** Tickets per handshake: the engine's encoding carries a u8. */
export const MAX_TICKETS = 255;

/**
 * The trust anchors a chain-mode client uses when `trustAnchorsPem` is not
 * given: Node's bundled Mozilla CA store (`tls.rootCertificates`), the roots
 * node:https trusts by default.
 */
let defaultAnchors: string | undefined;
export function defaultTrustAnchorsPem(): string {
  defaultAnchors ??= rootCertificates.join('\n');
  return defaultAnchors;
}

function codeList(name: string, v: unknown, known: number[], what: string): number[] {
  if (!Array.isArray(v) || v.length === 0) throw fail(name, `must be a non-empty array of ${what} codes, got ${describe(v)}`);
  v.forEach((x, i) => {
    if (!known.includes(x)) {
      throw fail(name, `unknown ${what} ${typeof x === 'number' ? hex4(x) : describe(x)} at index ${i} (known: ${known.map(hex4).join(', ')})`);
    }
  });
  if (new Set(v).size !== v.length) throw fail(name, `lists a ${what} twice`);
  return v as number[];
}

function pemString(name: string, v: unknown, label: string): string {
  const s = stringArg(name, v, fail);
  if (!s.includes(`-----BEGIN ${label}`)) throw fail(name, `no "-----BEGIN ${label}" block in the PEM`);
  return s;
}

/**
 * Validates each option's type and range; returns the options to encode,
 * with the default trust anchors filled in for a chain-mode client.
 */
export function checkTlsOptions(options: unknown): TlsOptions {
  if (options === undefined) throw fail('options', 'a TlsConfig needs options: { server: true, certChainPem, privateKeyPem } or a client { serverName, ... }');
  const o = optionsArg<TlsOptions>('options', options, KNOWN, fail);
  const out: TlsOptions = {};
  if (o.server !== undefined) out.server = boolArg('server', o.server, fail);
  if (o.serverName !== undefined) {
    const n = stringArg('serverName', o.serverName, fail);
    // RFC 6066 §3: a HostName is 1..2^16-1 bytes; DNS names are at most 253 characters
    if (n.length === 0 || n.length > 253) throw fail('serverName', `must be a DNS name or IP literal of 1..253 characters, got ${n.length}`);
    out.serverName = n;
  }
  if (o.alpn !== undefined) {
    if (!Array.isArray(o.alpn)) throw fail('alpn', `must be an array of protocol names (e.g. ['h3']), got ${describe(o.alpn)}`);
    o.alpn.forEach((a, i) => {
      // RFC 7301 §3.1: protocol names are 1..255 bytes
      const len = Buffer.byteLength(stringArg(`alpn[${i}]`, a, fail));
      if (len === 0 || len > 255) throw fail(`alpn[${i}]`, `protocol names are 1..255 bytes, got ${len}`);
    });
    out.alpn = o.alpn;
  }
  if (o.cipherSuites !== undefined) out.cipherSuites = codeList('cipherSuites', o.cipherSuites, SUITE_CODES, 'cipher suite');
  if (o.groups !== undefined) out.groups = codeList('groups', o.groups, GROUP_CODES, 'group');
  if (o.verify !== undefined) out.verify = enumArg('verify', o.verify, VERIFY_MODES, fail);
  if (o.trustAnchorsPem !== undefined) out.trustAnchorsPem = pemString('trustAnchorsPem', o.trustAnchorsPem, 'CERTIFICATE');
  if (o.pinnedSha256 !== undefined) {
    if (!Array.isArray(o.pinnedSha256)) throw fail('pinnedSha256', `must be an array of 32-byte SHA-256 hashes, got ${describe(o.pinnedSha256)}`);
    o.pinnedSha256.forEach((h, i) => fixedBytesArg(`pinnedSha256[${i}]`, h, 32, fail));
    out.pinnedSha256 = o.pinnedSha256;
  }
  if (o.certChainPem !== undefined) out.certChainPem = pemString('certChainPem', o.certChainPem, 'CERTIFICATE');
  if (o.privateKeyPem !== undefined) out.privateKeyPem = pemString('privateKeyPem', o.privateKeyPem, '');
  if (o.transportParams !== undefined) out.transportParams = bytesArg('transportParams', o.transportParams, fail);
  if (o.quic !== undefined) out.quic = boolArg('quic', o.quic, fail);
  if (o.keyLog !== undefined) out.keyLog = boolArg('keyLog', o.keyLog, fail);
  if (o.earlyData !== undefined) out.earlyData = boolArg('earlyData', o.earlyData, fail);
  if (o.ticketKey !== undefined) out.ticketKey = fixedBytesArg('ticketKey', o.ticketKey, 16, fail);
  if (o.tickets !== undefined) out.tickets = intArg('tickets', o.tickets, 0, MAX_TICKETS, fail);
  if (o.ticketLifetime !== undefined) out.ticketLifetime = intArg('ticketLifetime', o.ticketLifetime, 0, MAX_TICKET_LIFETIME, fail);
  if (o.keyShares !== undefined) out.keyShares = intArg('keyShares', o.keyShares, 1, (out.groups ?? GROUP_CODES).length, fail);
  if (out.server && (!out.certChainPem || !out.privateKeyPem)) {
    throw fail(out.certChainPem ? 'privateKeyPem' : 'certChainPem', 'a server needs certChainPem and privateKeyPem');
  }
  if (!out.server && (out.verify ?? 'chain') === 'chain' && out.trustAnchorsPem === undefined) {
    out.trustAnchorsPem = defaultTrustAnchorsPem();
  }
  return out;
}

/**
 * What each role needs, checked once the engine accepted every option's
 * content (so a bad key or PEM is reported as such first).
 */
export function checkTlsRole(out: TlsOptions): void {
  const quic = out.quic ?? true;
  if (quic && !out.transportParams) {
    // RFC 9001 §8.2: the quic_transport_parameters extension is mandatory
    throw fail('transportParams', 'QUIC mode needs our transport parameters (encode them with encodeTransportParams from h3-wasi/codec), or set quic: false for TLS over TCP');
  }
  if (quic && !(out.alpn && out.alpn.length)) {
    // RFC 9001 §8.1: ALPN is mandatory with QUIC
    throw fail('alpn', "QUIC mode needs at least one ALPN protocol (e.g. ['h3'])");
  }
  if (out.server) {
    for (const k of ['serverName', 'verify', 'trustAnchorsPem', 'pinnedSha256', 'keyShares'] as const) {
      if (out[k] !== undefined) throw fail(k, 'is a client option; a server does not use it');
    }
    return;
  }
  for (const k of ['certChainPem', 'privateKeyPem', 'ticketKey', 'tickets', 'ticketLifetime'] as const) {
    if (out[k] !== undefined) throw fail(k, 'is a server option; set server: true or remove it');
  }
  const verify = out.verify ?? 'chain';
  if (verify === 'chain') {
    if (!out.serverName) throw fail('serverName', "verify 'chain' checks the certificate against serverName: give the DNS name or IP address of the server");
  } else if (out.trustAnchorsPem !== undefined) {
    throw fail('trustAnchorsPem', `is used only with verify 'chain', not '${verify}'`);
  }
  if (verify === 'pinned' && !(out.pinnedSha256 && out.pinnedSha256.length)) {
    throw fail('pinnedSha256', "verify 'pinned' needs at least one SHA-256 hash of the server's certificate");
  }
  if (verify !== 'pinned' && out.pinnedSha256 !== undefined) throw fail('pinnedSha256', `is used only with verify 'pinned', not '${verify}'`);
}
