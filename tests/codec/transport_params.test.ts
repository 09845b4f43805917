// h3-wasi/codec transport parameters (issue 8 item 5): the core's RFC 9000 §18
// codec through the component, typed, and a QUIC-mode handshake through the
// public h3-wasi/tls API whose transport parameters are made with it.
import { describe, expect, it, beforeAll } from 'vitest';
import { encodeTransportParams, decodeTransportParams, type TransportParams } from '../../host/codec/index.js';
import { CodecError, InvalidArgumentError } from '../../host/errors.js';
import { TlsConfig, TlsConnection, type TlsEvent } from '../../host/tls/index.js';
import { makePki, requireOpenssl, type Pki } from '../tls/pki.js';
import { handshake } from '../helpers/tls-handshake.js';

const cid = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const TPE = 0x08n;

function expectTpError(f: () => unknown, reason: RegExp) {
  try {
    f();
    expect.unreachable('should throw');
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    expect((e as CodecError).wireCode).toBe(TPE);
    expect((e as Error).message).toMatch(reason);
  }
}

describe('transport parameters codec (RFC 9000 §18)', () => {
  it('round-trips every parameter of a server', () => {
    const p: TransportParams = {
      originalDestinationConnectionId: cid(8, 1), maxIdleTimeout: 30_000, statelessResetToken: cid(16, 2),
      maxUdpPayloadSize: 1452, initialMaxData: 1n << 40n, initialMaxStreamDataBidiLocal: 65536, initialMaxStreamDataBidiRemote: 65537,
      initialMaxStreamDataUni: 65538, initialMaxStreamsBidi: 100, initialMaxStreamsUni: 3, ackDelayExponent: 10, maxAckDelay: 100,
      disableActiveMigration: true, activeConnectionIdLimit: 8, initialSourceConnectionId: cid(20, 3), retrySourceConnectionId: cid(4, 4),
      maxDatagramFrameSize: 65535,
      preferredAddress: { ipv4: Uint8Array.of(192, 0, 2, 1), ipv4Port: 443, ipv6: cid(16, 0x20), ipv6Port: 4433, connectionId: cid(8, 5), statelessResetToken: cid(16, 6) },
    };
    const bytes = encodeTransportParams(p);
    const d = decodeTransportParams(bytes);
    expect(d).toEqual({
      ...p, maxIdleTimeout: 30_000n, maxUdpPayloadSize: 1452n, initialMaxStreamDataBidiLocal: 65536n, initialMaxStreamDataBidiRemote: 65537n,
      initialMaxStreamDataUni: 65538n, initialMaxStreamsBidi: 100n, initialMaxStreamsUni: 3n, ackDelayExponent: 10n, maxAckDelay: 100n,
      activeConnectionIdLimit: 8n, maxDatagramFrameSize: 65535n,
    });
    expect(encodeTransportParams(d)).toEqual(bytes);
  });

  it('fills in the §18.2 defaults and omits them on the wire', () => {
    const bytes = encodeTransportParams({ initialSourceConnectionId: cid(4, 9), maxUdpPayloadSize: 65527, ackDelayExponent: 3 });
    expect(bytes).toEqual(Uint8Array.of(0x0f, 4, 9, 9, 9, 9));
    expect(decodeTransportParams(bytes)).toEqual({
      initialSourceConnectionId: cid(4, 9), maxIdleTimeout: 0n, maxUdpPayloadSize: 65527n, initialMaxData: 0n,
      initialMaxStreamDataBidiLocal: 0n, initialMaxStreamDataBidiRemote: 0n, initialMaxStreamDataUni: 0n,
      initialMaxStreamsBidi: 0n, initialMaxStreamsUni: 0n, ackDelayExponent: 3n, maxAckDelay: 25n,
      disableActiveMigration: false, activeConnectionIdLimit: 2n,
    });
  });

  it('applies the RFC rules both ways with TRANSPORT_PARAMETER_ERROR', () => {
    const isc = cid(4, 1);
    expectTpError(() => encodeTransportParams({}), /missing initial_source_connection_id/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: isc }, { sender: 'server' }), /missing original_destination_connection_id/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: isc, statelessResetToken: cid(16, 0) }, { sender: 'client' }), /server-only/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: isc, ackDelayExponent: 21 }), /ack_delay_exponent above 20/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: isc, maxAckDelay: 1 << 14 }), /max_ack_delay/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: isc, maxUdpPayloadSize: 1199 }), /below 1200/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: isc, activeConnectionIdLimit: 1 }), /below 2/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: isc, initialMaxStreamsBidi: (1n << 60n) + 1n }), /2\^60/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: isc, initialMaxData: 1n << 62n }), /2\^62-1/);
    expectTpError(() => encodeTransportParams({ initialSourceConnectionId: cid(21, 0) }), /connection id too long/);
    expectTpError(() => encodeTransportParams({ originalDestinationConnectionId: isc, initialSourceConnectionId: isc, statelessResetToken: cid(15, 0) }), /16 bytes/);
    // decode: duplicates, truncation, a server-only parameter from a client
    expectTpError(() => decodeTransportParams(Uint8Array.of(0x0f, 1, 1, 0x0f, 1, 1)), /duplicate/);
    expectTpError(() => decodeTransportParams(Uint8Array.of(0x0f, 5, 1)), /truncated/);
    expectTpError(() => decodeTransportParams(Uint8Array.of(0x0f, 1, 1, 0x02, 16, ...cid(16, 0)), { sender: 'client' }), /server-only/);
    // unknown and reserved (31*N+27) parameters are ignored (§18.1)
    expect(decodeTransportParams(Uint8Array.of(0x0f, 1, 1, 0x40, 58, 2, 0xaa, 0xbb)).initialSourceConnectionId).toEqual(Uint8Array.of(1));
  });

  it('never traps on random and mutated bodies: decoded or TRANSPORT_PARAMETER_ERROR', () => {
    let seed = 0x9e3779b9;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 16; };
    const valid = encodeTransportParams({
      originalDestinationConnectionId: cid(8, 1), initialSourceConnectionId: cid(8, 2), statelessResetToken: cid(16, 3),
      initialMaxData: 1 << 20, maxDatagramFrameSize: 1200, disableActiveMigration: true,
      preferredAddress: { ipv4: cid(4, 1), ipv4Port: 1, ipv6: cid(16, 2), ipv6Port: 2, connectionId: cid(4, 3), statelessResetToken: cid(16, 4) },
    });
    let ok = 0, refused = 0;
    for (let i = 0; i < 5000; i++) {
      const b = i % 2 ? Uint8Array.from(valid) : Uint8Array.from({ length: rnd() % 64 }, () => rnd() & 255);
      for (let k = 0, n = 1 + (rnd() % 4); i % 2 && k < n; k++) b[rnd() % b.length] ^= 1 << (rnd() % 8);
      try {
        const d = decodeTransportParams(b);
        // Whatever decodes re-encodes to something that decodes to the same values.
        expect(decodeTransportParams(encodeTransportParams(d))).toEqual(d);
        ok++;
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
        expect((e as CodecError).wireCode).toBe(TPE);
        refused++;
      }
    }
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('refuses non-integers and negatives before they reach the core', () => {
    expect(() => encodeTransportParams({ initialSourceConnectionId: cid(1, 1), maxIdleTimeout: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => encodeTransportParams({ initialSourceConnectionId: cid(1, 1), maxIdleTimeout: -1 })).toThrow(/params\.maxIdleTimeout/);
    expect(() => encodeTransportParams({ initialSourceConnectionId: 'abc' as never })).toThrow(InvalidArgumentError);
  });
});

const hasOpenssl = requireOpenssl('QUIC-mode TLS handshake with encoded transport parameters');

describe.runIf(hasOpenssl)('a QUIC-mode handshake through h3-wasi/tls with these helpers', () => {
  let pki: Pki;
  beforeAll(() => { pki = makePki(); });

  it('completes and each side reads the other\'s parameters', () => {
    const clientScid = cid(8, 0xc1), serverScid = cid(8, 0x51), odcid = cid(8, 0xd0);
    const clientTp = encodeTransportParams({ initialSourceConnectionId: clientScid, initialMaxData: 1 << 20, initialMaxStreamsBidi: 100, maxIdleTimeout: 30_000 });
    const serverTp = encodeTransportParams({
      originalDestinationConnectionId: odcid, initialSourceConnectionId: serverScid, statelessResetToken: cid(16, 0x77),
      initialMaxData: 1 << 20, initialMaxStreamDataBidiRemote: 65536, initialMaxStreamsBidi: 100, maxDatagramFrameSize: 1200,
    });
    const sc = new TlsConfig({ server: true, certChainPem: pki.ecLeaf.certPem + pki.ecCa.certPem, privateKeyPem: pki.ecLeaf.keyPem, alpn: ['h3'], transportParams: serverTp });
    const cc = new TlsConfig({ serverName: 'localhost', trustAnchorsPem: pki.ecCa.certPem, alpn: ['h3'], transportParams: clientTp });
    const c = new TlsConnection(cc), s = new TlsConnection(sc);
    const { ce, se } = handshake(c, s);
    expect(ce.find((e) => e.kind === 'error')).toBeUndefined();
    expect(se.find((e) => e.kind === 'error')).toBeUndefined();
    const cDone = ce.find((e) => e.kind === 'complete') as Extract<TlsEvent, { kind: 'complete' }>;
    const sDone = se.find((e) => e.kind === 'complete') as Extract<TlsEvent, { kind: 'complete' }>;
    expect(cDone).toBeDefined();
    expect(sDone).toBeDefined();
    const fromServer = decodeTransportParams(cDone.transportParams, { sender: 'server' });
    expect(fromServer).toMatchObject({ originalDestinationConnectionId: odcid, initialSourceConnectionId: serverScid, maxDatagramFrameSize: 1200n, initialMaxStreamsBidi: 100n });
    const fromClient = decodeTransportParams(sDone.transportParams, { sender: 'client' });
    expect(fromClient).toMatchObject({ initialSourceConnectionId: clientScid, initialMaxData: 1n << 20n, maxIdleTimeout: 30_000n });
    c.close(); s.close(); cc.close(); sc.close();
  });
});
