import { describe, expect, it } from 'vitest';
import { loadTest, VARIANTS } from '../helpers/as.js';

for (const variant of VARIANTS) {
  describe(`QUIC error codes (${variant} build)`, async () => {
    const t = await loadTest<any>('quic', variant);

    it('tls/alert.ts keeps the QUIC codes of quic/errors.ts (RFC 9000 §20.1), never other values', () => {
      const pairs: bigint[] = [...t.tlsQuicCodes()];
      expect(pairs.length).toBe(10);
      for (let i = 0; i < pairs.length; i += 2) expect(pairs[i]).toBe(pairs[i + 1]);
      // CRYPTO_ERROR base, TRANSPORT_PARAMETER_ERROR, PROTOCOL_VIOLATION, CRYPTO_ERROR + no_application_protocol
      expect([pairs[0], pairs[2], pairs[4], pairs[8]]).toEqual([0x100n, 0x08n, 0x0an, 0x178n]);
    });
  });
}
