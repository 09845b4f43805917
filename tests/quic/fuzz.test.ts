// Fuzzing the QUIC endpoints (tests/helpers/quic-fuzz.ts): the smoke that
// `npm test` runs — a few thousand random, mutated and correctly protected
// inputs into a client endpoint and a server endpoint, each with a live
// connection — and hand-written cases for the rules the 1-RTT fuzzer
// breaks, each of which must close the connection with the code the RFC
// names (and that code must be in the CONNECTION_CLOSE it sends). `npm run
// fuzz -- quic` runs a million inputs per role (bench/fuzz-quic.mjs).
//
// Seed: FUZZ_SEED (printed); inputs per role: FUZZ_INPUTS (default 4000).
// A run with the same seed repeats byte for byte (the core's randomness is
// seeded from it too), so a failure's seed and input index replay it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import {
  QuicFuzzer, FuzzFailure, formatStats, isDefinedTransportError, W, F, MAX_VARINT, INPUT_KINDS,
  packetKeys, nextPhaseKeys, initialKeys, protect, unprotect, retryTag, decodePacketNumber, splitPackets, shortPacket, longPacket,
  QUIC_V1, QUIC_V2, type Alg, type Role,
} from '../helpers/quic-fuzz.js';
import { coreMemoryBytes } from '../helpers/core-hooks.js';
import { protectPacket, quicPacketKeys, quicInitialKeys, retryIntegrityTag } from '../../host/crypto/index.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
console.log(`QUIC endpoint fuzz: FUZZ_SEED=${SEED}`);
const INPUTS = Number(process.env.FUZZ_INPUTS ?? 4000);
const MiB = 1 << 20;

const ALGS: Alg[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];
const secretLen = (a: Alg) => (a === 'aes-256-gcm' ? 48 : 32);
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('the fuzzer\'s packet protection is the engine\'s (RFC 9001 §5)', () => {
  it('packet keys, the next key phase and Initial keys', () => {
    fc.assert(fc.property(fc.constantFrom(...ALGS), fc.constantFrom(QUIC_V1, QUIC_V2), fc.uint8Array({ minLength: 48, maxLength: 48 }), (alg, v, s) => {
      const secret = s.subarray(0, secretLen(alg));
      const ours = packetKeys(alg, v, secret);
      const theirs = quicPacketKeys(alg, v, secret);
      expect(hexOf(ours.key)).toBe(hexOf(theirs.key));
      expect(hexOf(ours.iv)).toBe(hexOf(theirs.iv));
      expect(hexOf(ours.hp)).toBe(hexOf(theirs.hp));
      expect(hexOf(nextPhaseKeys(ours).secret)).toBe(hexOf(theirs.nextSecret));
    }), { numRuns: 60 });
    fc.assert(fc.property(fc.constantFrom(QUIC_V1, QUIC_V2), fc.uint8Array({ minLength: 0, maxLength: 20 }), (v, dcid) => {
      const ours = initialKeys(v, dcid);
      const theirs = quicInitialKeys(v, dcid);
      expect(hexOf(ours.client.key) + hexOf(ours.server.hp)).toBe(hexOf(theirs.client.key) + hexOf(theirs.server.hp));
    }), { numRuns: 40 });
  });

  it('protect equals the engine\'s protectPacket, and unprotect undoes it', () => {
    fc.assert(fc.property(
      fc.constantFrom(...ALGS), fc.uint8Array({ minLength: 48, maxLength: 48 }), fc.uint8Array({ maxLength: 20 }),
      fc.integer({ min: 1, max: 4 }), fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }), fc.uint8Array({ minLength: 3, maxLength: 200 }),
      (alg, s, dcid, pnLen, pn, payload) => {
        const secret = s.subarray(0, secretLen(alg));
        const keys = packetKeys(alg, QUIC_V1, secret);
        const header = new W().u8(0x40 | (pnLen - 1)).bytes(dcid);
        for (let i = pnLen - 1; i >= 0; i--) header.u8(Number((pn >> BigInt(8 * i)) & 0xffn));
        const h = header.take();
        const ours = protect(keys, h, pnLen, payload, pn);
        const theirs = protectPacket({ alg, version: QUIC_V1, secret }, Uint8Array.from([...h, ...payload]), h.length - pnLen, pn);
        expect(hexOf(ours)).toBe(hexOf(theirs));
        const u = unprotect(keys, ours, 1 + dcid.length, pn - 1n);
        expect(u?.pn).toBe(pn);
        expect(hexOf(u!.plain)).toBe(hexOf(payload));
      }), { numRuns: 150 });
  });

  it('long and short packets split back into what was built; Retry tags are the engine\'s', () => {
    const keys = initialKeys(QUIC_V1, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)).client;
    const a = longPacket({ type: 'initial', version: QUIC_V1, dcid: Uint8Array.of(9, 9), scid: Uint8Array.of(7), token: Uint8Array.of(5, 5, 5), pn: 7n, pnLen: 2, payload: Uint8Array.of(F.PING), keys, padTo: 1200 });
    const b = shortPacket({ dcid: Uint8Array.of(1, 2, 3), pn: 300n, pnLen: 2, payload: Uint8Array.of(F.PING, F.PING), keys, keyPhase: 1 });
    expect(a.length).toBe(1200);
    const ps = splitPackets(Uint8Array.from([...a, ...b]), 3);
    expect(ps.map((p) => p.type)).toEqual(['initial', '1rtt']);
    expect(unprotect(keys, ps[0].bytes, ps[0].pnOff, 5n)?.pn).toBe(7n);
    const sh = unprotect(keys, ps[1].bytes, ps[1].pnOff, 290n)!;
    expect(sh.pn).toBe(300n);
    expect(sh.first & 0x04).toBe(0x04);
    // RFC 9000 A.3's example
    expect(decodePacketNumber(0xa82f30ean, 0x9b32n, 16)).toBe(0xa82f9b32n);
    fc.assert(fc.property(fc.constantFrom(QUIC_V1, QUIC_V2), fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 60 }), (v, odcid, retry) => {
      expect(hexOf(retryTag(v, odcid, retry))).toBe(hexOf(retryIntegrityTag(v, odcid, retry)));
    }), { numRuns: 30 });
  });
});

describe('QUIC endpoints under fuzzing', () => {
  const fuzzers: QuicFuzzer[] = [];
  afterAll(() => { for (const f of fuzzers) f.close(); });

  it('one seed makes the same inputs in a fresh process (the core\'s randomness is seeded too)', () => {
    // in one process the core's random pool (assembly/crypto/random.ts) carries bytes over from
    // the run before, so replays are a property of a fresh process: bench/fuzz-quic.mjs's
    const digest = (seed: number) => {
      const r = spawnSync(process.execPath, ['bench/fuzz-quic.mjs', '--child', '--role', 'server', '--inputs', '150', '--seed', String(seed)], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const result = JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7));
      return `${result.digest} ${JSON.stringify(result.closes)}`;
    };
    expect(digest(SEED)).toBe(digest(SEED));
  });

  for (const role of ['server', 'client'] as Role[]) {
    it(`${role}: ${INPUTS} inputs, no trap, core memory bounded, every close with a defined code`, () => {
      const f = new QuicFuzzer({ role, seed: SEED, memoryLimit: 64 * MiB });
      fuzzers.push(f);
      try {
        f.run(INPUTS);
      } catch (e) {
        // the message carries the seed, the input's index and kind and its bytes
        if (e instanceof FuzzFailure) expect.fail(e.message);
        throw e;
      }
      const s = f.stats;
      console.log(formatStats(s));
      expect(s.inputs).toBe(INPUTS);
      for (const k of INPUT_KINDS) expect(s.byKind[k], `${k} inputs`).toBeGreaterThan(0);
      // the harness reached what it is for: closes read back off the wire, handshakes with logged keys
      expect(s.closesVerified).toBeGreaterThan(0);
      expect(s.handshakeKeyed).toBeGreaterThan(0);
      expect(Object.keys(s.closes).some((k) => k.startsWith('local 0x'))).toBe(true);
      expect(s.memoryMax).toBeLessThanOrEqual(64 * MiB);
      expect(coreMemoryBytes()).toBe(s.memoryMax);
    });
  }
});

/** Frames from a writer callback. */
const frames = (f: (w: W) => void) => { const w = new W(); f(w); return w.take(); };

// Stream IDs (RFC 9000 §2.1): client-initiated bidirectional 0, 4, 8, ...,
// unidirectional 2, 6, ...; server-initiated 1, 5, ... and 3, 7, .... The
// simulator's real client used 0 and 2 (the fuzzer's frames start at 4 and 6).
describe('the rules the 1-RTT fuzzer breaks close the connection with the RFC\'s code (and say so on the wire)', () => {
  let server: QuicFuzzer;
  let client: QuicFuzzer;
  beforeAll(() => {
    server = new QuicFuzzer({ role: 'server', seed: SEED ^ 0x5a5a });
    client = new QuicFuzzer({ role: 'client', seed: SEED ^ 0xa5a5 });
  });
  afterAll(() => { server.close(); client.close(); });

  /** Sends `payload` to a fresh live connection; the close it caused (its code checked against the CONNECTION_CLOSE by the harness). */
  function closeOf(f: QuicFuzzer, payload: Uint8Array, reserved = 0) {
    const e = f.probe(payload, 'hand-written case', reserved);
    expect(e, 'the connection should have closed').not.toBeNull();
    expect(e!.closeKind).toBe('local');
    expect(isDefinedTransportError(e!.value)).toBe(true);
    return Number(e!.value);
  }

  const FRAME_ENCODING_ERROR = 0x07, PROTOCOL_VIOLATION = 0x0a, STREAM_STATE_ERROR = 0x05, STREAM_LIMIT_ERROR = 0x04;
  const FLOW_CONTROL_ERROR = 0x03, FINAL_SIZE_ERROR = 0x06;

  it('every new live connection takes the fuzzer\'s 1-RTT packets (its keys and DCID were learned right)', () => {
    // closes in a row, each followed by a handshake on the same endpoints while the last connection's packets are
    // still in the simulator (a stateless reset for one of them once passed for the new connection's first packet)
    for (const role of ['server', 'client'] as Role[]) {
      for (let k = 0; k < 12; k++) {
        const f = new QuicFuzzer({ role, seed: (SEED + k * 7919) >>> 0 });
        try {
          for (let i = 0; i < 3; i++) expect(closeOf(f, frames((w) => w.varint(0x21)))).toBe(FRAME_ENCODING_ERROR);
        } finally { f.close(); }
      }
    }
  });

  it('well-formed frames keep it up; the peer\'s CONNECTION_CLOSE drains it with the peer\'s code', () => {
    expect(server.probe(frames((w) => w.varint(F.PING).zeros(20).varint(F.STREAM | 2).varint(8).varint(3).bytes(Uint8Array.of(1, 2, 3))))).toBeNull();
    const e = server.probe(frames((w) => w.varint(F.CONNECTION_CLOSE).varint(0x0b).varint(0).varint(2).bytes(Uint8Array.of(0x68, 0x69))));
    expect(e?.closeKind).toBe('remote');
    expect(e?.value).toBe(0x0bn);
  });

  it('RFC 9000 §12.4: a frame of unknown type is FRAME_ENCODING_ERROR', () => {
    expect(closeOf(server, frames((w) => w.varint(0x21).bytes(Uint8Array.of(1, 2, 3))))).toBe(FRAME_ENCODING_ERROR);
  });

  it('RFC 9000 §12.4: a packet without frames is PROTOCOL_VIOLATION', () => {
    expect(closeOf(server, new Uint8Array(0))).toBe(PROTOCOL_VIOLATION);
  });

  it('RFC 9000 §17.3.1: reserved bits set after removing protection are PROTOCOL_VIOLATION', () => {
    expect(closeOf(server, Uint8Array.of(F.PING), 0b10)).toBe(PROTOCOL_VIOLATION);
  });

  it('RFC 9000 §19.20, §19.7: a server receiving HANDSHAKE_DONE or NEW_TOKEN: PROTOCOL_VIOLATION', () => {
    expect(closeOf(server, Uint8Array.of(F.HANDSHAKE_DONE))).toBe(PROTOCOL_VIOLATION);
    expect(closeOf(server, frames((w) => w.varint(F.NEW_TOKEN).varint(4).bytes(Uint8Array.of(1, 2, 3, 4))))).toBe(PROTOCOL_VIOLATION);
  });

  it('RFC 9000 §19.7: a client receiving an empty NEW_TOKEN: FRAME_ENCODING_ERROR', () => {
    expect(closeOf(client, frames((w) => w.varint(F.NEW_TOKEN).varint(0)))).toBe(FRAME_ENCODING_ERROR);
  });

  it('RFC 9000 §19.8: STREAM for a send-only stream or a local stream not yet created: STREAM_STATE_ERROR', () => {
    // the server's unidirectional stream 3 is send-only for it; its bidirectional 201 and the client's 200 were never opened
    expect(closeOf(server, frames((w) => w.varint(F.STREAM | 2).varint(3).varint(1).u8(0)))).toBe(STREAM_STATE_ERROR);
    expect(closeOf(server, frames((w) => w.varint(F.STREAM | 2).varint(201).varint(1).u8(0)))).toBe(STREAM_STATE_ERROR);
    expect(closeOf(client, frames((w) => w.varint(F.STREAM | 2).varint(200).varint(1).u8(0)))).toBe(STREAM_STATE_ERROR);
  });

  it('RFC 9000 §4.6: a stream beyond the limit we sent: STREAM_LIMIT_ERROR; §19.11: MAX_STREAMS above 2^60: FRAME_ENCODING_ERROR', () => {
    // the fuzz endpoints allow 100 streams of each type (assembly/quic/config.ts): bidirectional 0..396
    expect(server.probe(frames((w) => w.varint(F.STREAM | 2).varint(396).varint(1).u8(0)))).toBeNull();
    expect(closeOf(server, frames((w) => w.varint(F.STREAM | 2).varint(400).varint(1).u8(0)))).toBe(STREAM_LIMIT_ERROR);
    expect(closeOf(server, frames((w) => w.varint(F.MAX_STREAMS_BIDI).varint((1n << 60n) + 1n)))).toBe(FRAME_ENCODING_ERROR);
  });

  it('RFC 9000 §19.8: offset + length above 2^62-1: FRAME_ENCODING_ERROR; §4.1: beyond flow control: FLOW_CONTROL_ERROR', () => {
    expect(closeOf(server, frames((w) => w.varint(F.STREAM | 6).varint(12).varint(MAX_VARINT - 1n).varint(4).bytes(Uint8Array.of(1, 2, 3, 4))))).toBe(FRAME_ENCODING_ERROR);
    expect(closeOf(server, frames((w) => w.varint(F.STREAM | 6).varint(12).varint(1 << 24).varint(4).bytes(Uint8Array.of(1, 2, 3, 4))))).toBe(FLOW_CONTROL_ERROR);
  });

  it('RFC 9000 §4.5: a final size below what was received, or data beyond it: FINAL_SIZE_ERROR', () => {
    expect(server.probe(frames((w) => w.varint(F.STREAM | 2).varint(16).varint(100).zeros(100)))).toBeNull();
    expect(closeOf(server, frames((w) => w.varint(F.RESET_STREAM).varint(16).varint(0).varint(50)))).toBe(FINAL_SIZE_ERROR);
    // bytes 5..10 and the FIN, 0..5 missing (so the stream cannot be read to its end and forgotten, after which
    // §4.5 only says SHOULD), then data beyond the final size
    expect(server.probe(frames((w) => w.varint(F.STREAM | 7).varint(18).varint(5).varint(5).zeros(5)))).toBeNull();
    expect(closeOf(server, frames((w) => w.varint(F.STREAM | 6).varint(18).varint(10).varint(10).zeros(10)))).toBe(FINAL_SIZE_ERROR);
  });

  it('RFC 9000 §19.15: a CID length of 0 or Retire Prior To above the sequence number: FRAME_ENCODING_ERROR; §19.16: retiring a CID never sent: PROTOCOL_VIOLATION', () => {
    const token = new Uint8Array(16);
    expect(closeOf(server, frames((w) => w.varint(F.NEW_CONNECTION_ID).varint(200).varint(0).u8(0).bytes(token)))).toBe(FRAME_ENCODING_ERROR);
    expect(closeOf(server, frames((w) => w.varint(F.NEW_CONNECTION_ID).varint(200).varint(201).u8(8).zeros(8).bytes(token)))).toBe(FRAME_ENCODING_ERROR);
    expect(closeOf(server, frames((w) => w.varint(F.RETIRE_CONNECTION_ID).varint(1000)))).toBe(PROTOCOL_VIOLATION);
  });

  it('RFC 9000 §19.3.1: an ACK range below zero: FRAME_ENCODING_ERROR; §12.4: a CONNECTION_CLOSE reason past the packet: FRAME_ENCODING_ERROR', () => {
    expect(closeOf(server, frames((w) => w.varint(F.ACK).varint(3).varint(0).varint(0).varint(4)))).toBe(FRAME_ENCODING_ERROR);
    expect(closeOf(server, frames((w) => w.varint(F.CONNECTION_CLOSE).varint(0).varint(0).varint(1000).zeros(10)))).toBe(FRAME_ENCODING_ERROR);
  });

  it('RFC 9221 §3: a DATAGRAM larger than max_datagram_frame_size (or not advertised): PROTOCOL_VIOLATION', () => {
    expect(closeOf(server, frames((w) => w.varint(F.DATAGRAM_LEN).varint(1300).zeros(1300)))).toBe(PROTOCOL_VIOLATION);
  });
});
