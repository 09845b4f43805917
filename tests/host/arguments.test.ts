// Every public function checks its arguments before the engine's glue sees
// them: strings are refused where bytes are expected (never coerced to empty
// bytes), numbers are integers in range (never wrapped), names are one of the
// allowed values. Each wrong call throws one typed error with a stable code,
// and afterwards the instance still works.
import { describe, expect, it } from 'vitest';
import * as C from '../../host/crypto/index.js';
import * as K from '../../host/codec/index.js';
import { QpackDecoder, QpackEncoder, packFields } from '../../host/qpack/index.js';
import { TlsConfig, TlsConnection } from '../../host/tls/index.js';
import * as E from '../../host/errors.js';
import * as top from '../../host/index.js';
import { callEngine } from '../../host/core/call.js';

const b = (n: number) => new Uint8Array(n);
const k32 = b(32).fill(7);
const n12 = b(12);

/** The sanity check run after every batch: the instance still answers correctly. */
function instanceWorks() {
  expect(Buffer.from(C.sha256(Buffer.from('abc'))).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const enc = new QpackEncoder({ peerMaxTableCapacity: 4096, tableCapacity: 4096 });
  const dec = new QpackDecoder({ maxTableCapacity: 4096 });
  const s = enc.encode(0, [['a', 'b']]);
  dec.feedEncoderStream(s.encoderStream);
  expect(dec.decode(0, s.section)).toEqual([['a', 'b']]);
  enc.close(); dec.close();
}

function throwsTyped(f: () => unknown, cls: new (...a: never[]) => E.H3WasiError, code?: string): E.H3WasiError {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err, `expected ${cls.name}`).toBeInstanceOf(cls);
  if (code) expect((err as E.H3WasiError).code).toBe(code);
  return err as E.H3WasiError;
}
const invalid = (f: () => unknown) => throwsTyped(f, E.InvalidArgumentError, 'H3W_ERR_INVALID_ARGUMENT') as E.InvalidArgumentError;

/** Values an integer option must refuse (undefined means "not given"). */
const BAD_INTS = [-1, 1.5, NaN, Infinity, 2 ** 53, '5', 5n * 10n ** 30n, null];

describe('argument checks on the public API', () => {
  it('crypto: strings and missing arguments are refused, never coerced to empty bytes', () => {
    expect(invalid(() => C.ecdsaP256Sign(k32, 'hello' as never)).argument).toBe('message');
    const d = b(32); d[31] = 1;
    const pub = C.p256PublicKey(d);
    const sig = C.ecdsaP256Sign(d, b(0));
    // the signature of the empty message must not verify a string message
    expect(invalid(() => C.ecdsaP256Verify(pub, 'hello' as never, sig)).argument).toBe('message');
    expect(invalid(() => (C.x25519 as (...a: unknown[]) => unknown)(k32)).argument).toBe('u');
    expect(invalid(() => C.p256PublicKey(5 as never)).argument).toBe('privateKey');
    expect(invalid(() => C.sha256(undefined as never)).argument).toBe('data');
    expect(invalid(() => C.hmacSha256('k' as never, b(1))).argument).toBe('key');
    expect(invalid(() => C.aeadSeal('chacha20-poly1305', k32, n12, 'aad' as never, b(1))).argument).toBe('aad');
    expect(invalid(() => C.ed25519Verify(b(32), 'm' as never, b(64))).argument).toBe('message');
    expect(invalid(() => C.rsaPssSha256Verify({ n: b(256), e: 'x' } as never, b(1), b(256), 32)).argument).toBe('key.e');
    expect(invalid(() => C.rsaPkcs1Sha256Verify(null as never, b(1), b(256))).argument).toBe('key');
    for (const salt of [1.5, NaN, -(2 ** 31) - 1, 2 ** 31, '32']) invalid(() => C.rsaPssSha256Verify({ n: b(256), e: Uint8Array.of(1, 0, 1) }, b(1), b(256), salt as never));
    for (const len of [1.5, NaN, '3', undefined]) invalid(() => C.hkdfSha256(b(1), b(1), b(1), len as never));
    instanceWorks();
  });

  it('crypto: one hierarchy — wrong key lengths are H3W_ERR_CRYPTO_KEY for AEADs and public keys alike', () => {
    expect(throwsTyped(() => C.aeadSeal('aes-128-gcm', b(15), n12, b(0), b(0)), E.CryptoError).code).toBe('H3W_ERR_CRYPTO_KEY');
    const e = throwsTyped(() => C.x25519(b(31), b(32)), E.PublicKeyError) as E.PublicKeyError;
    expect(e).toBeInstanceOf(E.CryptoError);
    expect(e.code).toBe('H3W_ERR_CRYPTO_KEY');
    expect(e.kind).toBe('bad-length');
    expect(throwsTyped(() => C.p256Ecdh(k32, b(64)), E.PublicKeyError).code).toBe('H3W_ERR_CRYPTO_KEY');
    expect(throwsTyped(() => C.x25519(k32, b(32)), E.PublicKeyError).code).toBe('H3W_ERR_CRYPTO_ZERO_SHARED_SECRET');
    instanceWorks();
  });

  it('crypto: packet numbers, offsets and key updates are integers in range, never wrapped', () => {
    const keys = C.quicInitialKeys(C.QUIC_V1, b(8));
    const p: C.QuicProtection = { alg: 'aes-128-gcm', version: C.QUIC_V1, secret: keys.client.secret };
    const pkt = Uint8Array.from([0x40, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    for (const pn of [-1n, 2n ** 62n, 2n ** 64n, 1.5, NaN, '1']) invalid(() => C.protectPacket(p, pkt, 1, pn as never));
    for (const off of [-1, 1.5, NaN, 2 ** 32]) invalid(() => C.protectPacket(p, pkt, off, 0n));
    for (const ku of [-1, 1.5, 1001, 2 ** 32]) invalid(() => C.protectPacket({ ...p, keyUpdates: ku }, pkt, 1, 0n));
    for (const largest of [-2n, 2n ** 62n, 0.5]) invalid(() => C.unprotectPacket(p, pkt, 1, largest as never));
    invalid(() => C.protectPacket(null as never, pkt, 1, 0n));
    for (const v of [-1, 1.5, NaN, 2 ** 32]) invalid(() => C.quicInitialSecrets(v, b(8)));
    // in range: works, and the largest packet number round-trips (its truncated form 0xff is in the header)
    const sealed = C.protectPacket(p, pkt, 1, 2n ** 62n - 1n);
    expect(C.unprotectPacket(p, sealed, 1, 2n ** 62n - 2n)?.packetNumber).toBe(2n ** 62n - 1n);
    instanceWorks();
  });

  it('codec: varints, packet types, stream kinds and frames are checked', () => {
    for (const v of [2n ** 62n, 2n ** 64n, -1n, -1, 1.5, NaN, '1', undefined]) invalid(() => K.encodeVarint(v as never));
    expect(K.encodeVarint(2n ** 62n - 1n)).toHaveLength(8);
    expect(invalid(() => (K.decodeQuicFrames as (...a: unknown[]) => unknown)('1rtt')).argument).toBe('payload');
    invalid(() => K.decodeQuicFrames('2rtt' as never, b(1)));
    invalid(() => K.decodeQuicFrames(7, b(1)));
    invalid(() => K.decodeH3Frames('x' as never));
    invalid(() => K.decodeVarint(null as never));
    expect(invalid(() => new K.H3FrameParser('bogus' as never)).argument).toBe('streamKind');
    for (const m of [0, -1, 1.5, 2 ** 31]) invalid(() => new K.H3FrameParser('control', m));
    const parser = new K.H3FrameParser('request');
    invalid(() => parser.push('abc' as never));
    invalid(() => parser.push(b(1), 'yes' as never));
    parser.close();
    parser.close();
    throwsTyped(() => parser.push(b(1)), E.ClosedError, 'H3W_ERR_CLOSED');
    invalid(() => K.h3FrameAllowed('bogus' as never, 0));
    invalid(() => K.quicFrameAllowed(1.5, '1rtt'));
    // frames: wrong field types name the field; out-of-range integers are CodecError naming the frame
    expect(invalid(() => K.encodeQuicFrames([{ type: 'maxData', maximumData: 1.5 } as never])).argument).toBe('frames[0].maximumData');
    expect(invalid(() => K.encodeQuicFrames([{ type: 'ping' }, { type: 'crypto', offset: 0n, data: 'x' } as never])).argument).toBe('frames[1].data');
    expect(invalid(() => K.encodeQuicFrames([{ type: 'bogus' } as never])).argument).toBe('frames[0].type');
    invalid(() => K.encodeQuicFrames('ping' as never));
    invalid(() => K.encodeQuicFrames([null as never]));
    invalid(() => K.encodeQuicFrames([{ type: 'newConnectionId', sequenceNumber: 1n, retirePriorTo: 0n, connectionId: b(8), statelessResetToken: b(15) }]));
    expect(throwsTyped(() => K.encodeQuicFrames([{ type: 'ping' }, { type: 'maxData', maximumData: -1n }]), E.CodecError)).toMatchObject({ offset: 1 });
    invalid(() => K.encodeH3Frames([{ type: 'settings', settings: [[1n]] } as never]));
    invalid(() => K.encodeH3Frames([{ type: 'goaway', id: 'x' } as never]));
    expect(K.decodeQuicFrames('1rtt', K.encodeQuicFrames([{ type: 'ping' }]))).toEqual([{ type: 'ping' }]);
    instanceWorks();
  });

  it('qpack: capacities, stream ids, fields and byte arguments are checked', () => {
    for (const bad of BAD_INTS) {
      invalid(() => new QpackEncoder({ peerMaxTableCapacity: bad as never }));
      invalid(() => new QpackDecoder({ maxTableCapacity: bad as never }));
    }
    invalid(() => new QpackEncoder({ peerMaxTableCapacity: 2 ** 32 }));
    invalid(() => new QpackEncoder({ peerMaxTableCapacity: 100, tableCapacity: 200 }));
    invalid(() => new QpackEncoder({ huffman: 1 as never }));
    invalid(() => new QpackEncoder({ encoding: 'utf16' as never }));
    invalid(() => new QpackEncoder({ peerMaxTableCapactiy: 4096 } as never));
    invalid(() => new QpackDecoder({ maxFieldSectionSize: 2n ** 62n }));
    const enc = new QpackEncoder({ peerMaxTableCapacity: 256, tableCapacity: 256 });
    const dec = new QpackDecoder({ maxTableCapacity: 256 });
    for (const id of [-1, 1.5, 2n ** 62n, 'x', undefined]) {
      invalid(() => enc.encode(id as never, [['a', 'b']]));
      invalid(() => dec.decode(id as never, b(2)));
    }
    expect(invalid(() => enc.encode(0, [['a', 5 as never]])).argument).toBe('fields[0][1]');
    invalid(() => enc.encode(0, [['a']] as never));
    invalid(() => enc.encode(0, 5 as never));
    invalid(() => packFields([['a', 'b']], 'ascii' as never));
    invalid(() => dec.decode(0, 'abc' as never));
    invalid(() => (dec.decode as (...a: unknown[]) => unknown)(0));
    invalid(() => dec.feedEncoderStream('x' as never));
    invalid(() => enc.feedDecoderStream('x' as never));
    enc.close(); enc.close();
    dec.close(); dec.close();
    throwsTyped(() => enc.encode(0, [['a', 'b']]), E.ClosedError);
    throwsTyped(() => dec.takeDecoderStream(), E.ClosedError);
    instanceWorks();
  });

  it('tls: connection arguments are checked and close() twice never frees another object', () => {
    expect(invalid(() => new TlsConnection({} as never)).argument).toBe('config');
    const cfg = new TlsConfig({ verify: 'insecure', alpn: ['h3'], transportParams: b(0), quic: false });
    const c = new TlsConnection(cfg);
    invalid(() => (c.handle as (...a: unknown[]) => unknown)(0));
    invalid(() => c.handle(0, 'hello' as never));
    invalid(() => c.handle(7 as never, b(1)));
    invalid(() => c.start(-1));
    invalid(() => c.start(1.5));
    invalid(() => new TlsConnection(cfg, 'ticket' as never));
    c.close();
    // a new connection may take the freed slot; closing the old object again must not free it
    const d = new TlsConnection(cfg);
    c.close();
    expect(d.start().some((e) => e.kind === 'data')).toBe(true);
    throwsTyped(() => c.start(), E.ClosedError);
    d.close(); cfg.close(); cfg.close();
    throwsTyped(() => new TlsConnection(cfg), E.ClosedError);
    instanceWorks();
  });

  it('h3-wasi exports every error class; engine failures are EngineError, not disguised', () => {
    for (const name of ['H3WasiError', 'InvalidArgumentError', 'ClosedError', 'EngineError', 'CryptoError', 'PublicKeyError',
      'CodecError', 'QpackError', 'InteropFormatError', 'TlsConfigError']) {
      expect(typeof (top as Record<string, unknown>)[name], name).toBe('function');
    }
    const trap = new WebAssembly.RuntimeError('unreachable');
    const e = throwsTyped(() => callEngine(() => { throw trap; }, () => new E.TlsConfigError('never')), E.EngineError, 'H3W_ERR_ENGINE');
    expect(e.cause).toBe(trap);
    throwsTyped(() => callEngine(() => { throw new TypeError('glue bug'); }), E.EngineError);
  });
});
