// Issue 8 item 1: table capacities from SETTINGS never trap the core.
import { describe, expect, it } from 'vitest';
import { QpackEncoder, QpackDecoder } from '../../../host/qpack/index.js';
import { QpackError } from '../../../host/errors.js';
import { sha256 } from '../../../host/crypto/index.js';

describe('QPACK table capacities at the limits', () => {
  it('encodes with any peer maximum (the core uses at most 2^30 of it)', () => {
    for (const cap of [2 ** 29, 2 ** 30, 2 ** 31, 2 ** 32 - 1]) {
      const enc = new QpackEncoder({ peerMaxTableCapacity: cap, peerBlockedStreams: 10 });
      const dec = new QpackDecoder({ maxTableCapacity: Math.min(cap, 2 ** 30), maxBlockedStreams: 10 });
      const fields: [string, string][] = [['a', 'b'], ['x-custom', 'value']];
      const s = enc.encode(0, fields);
      // Required Insert Count is encoded against the peer's exact maximum (RFC 9204 §4.5.1.1).
      if (cap <= 2 ** 30) {
        dec.feedEncoderStream(s.encoderStream);
        expect(dec.decode(0, s.section)).toEqual(fields);
      }
      enc.close(); dec.close();
    }
    expect(sha256(new Uint8Array(0)).length).toBe(32);
  });

  it('refuses a decoder table the core cannot hold, with a typed error', () => {
    expect(() => new QpackDecoder({ maxTableCapacity: 2 ** 31 })).toThrow(QpackError);
    expect(() => new QpackDecoder({ maxTableCapacity: 2 ** 30 }).close()).not.toThrow();
  });
});
