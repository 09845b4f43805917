// tests/helpers/packet.ts crafts the packets of RFC 9001 Appendix A byte for
// byte, so targeted state-machine tests can trust what it builds.
import { describe, expect, it } from 'vitest';
import { clientInitial, longHeaderPacket, retryPacket, shortHeaderPacket, versionNegotiation, longTypeBits } from '../helpers/packet.js';
import { quicInitialSecrets, unprotectPacket, QUIC_V1, QUIC_V2 } from '../../host/crypto/index.js';
import * as A from './rfc9001_vectors.js';
import { hex, toHex } from '../helpers/hex.js';

const DCID = hex('8394c8f03e515708');
const SCID = hex('f067a5502a4262b5');

describe('packet crafting helper', () => {
  const secrets = quicInitialSecrets(QUIC_V1, DCID);
  const client = { alg: 'aes-128-gcm' as const, version: QUIC_V1, secret: secrets.client };
  const server = { alg: 'aes-128-gcm' as const, version: QUIC_V1, secret: secrets.server };

  it('builds the RFC 9001 A.2 client Initial (padded to 1200 bytes)', () => {
    const p = clientInitial({ dcid: DCID, scid: new Uint8Array(0), packetNumber: 2n, payload: hex(A.A2_CLIENT_CRYPTO), protection: client });
    expect(p.length).toBe(1200);
    expect(toHex(p)).toBe(A.A2_CLIENT_PACKET);
  });

  it('builds the RFC 9001 A.3 server Initial and the A.4 Retry', () => {
    const p = longHeaderPacket({ type: 'initial', dcid: new Uint8Array(0), scid: SCID, packetNumber: 1n, pnLength: 2, payload: hex(A.A3_SERVER_PAYLOAD), protection: server });
    expect(toHex(p)).toBe(A.A3_SERVER_PACKET);
    const r = retryPacket({ dcid: new Uint8Array(0), scid: SCID, token: Buffer.from('token'), originalDcid: DCID, unused: 0xf });
    expect(toHex(r)).toBe(A.A4_RETRY);
  });

  it('builds frames into short-header packets that the engine unprotects', () => {
    const p = shortHeaderPacket({ dcid: DCID, packetNumber: 7n, pnLength: 2, keyPhase: false, payload: [{ type: 'ping' }, { type: 'maxData', maximumData: 1000n }], protection: client });
    const u = unprotectPacket(client, p, 1 + DCID.length, 6n);
    expect(u?.packetNumber).toBe(7n);
    expect(u?.header[0] & 0xe0).toBe(0x40);
    expect(toHex(u!.payload)).toBe('0110' + '43e8');
  });

  it('knows the v2 long-header type bits and Version Negotiation layout', () => {
    expect([longTypeBits('initial', QUIC_V2), longTypeBits('0rtt', QUIC_V2), longTypeBits('handshake', QUIC_V2), longTypeBits('retry', QUIC_V2)]).toEqual([1, 2, 3, 0]);
    const vn = versionNegotiation(SCID, DCID, [QUIC_V1, QUIC_V2]);
    expect(toHex(vn)).toBe('8000000000' + '08' + toHex(SCID) + '08' + toHex(DCID) + '00000001' + '6b3343cf');
  });
});
