// Public-key crypto: the engine's X25519, P-256 (ECDSA, ECDH) and RSA
// verification through the shipped component (dist/host/crypto), side by side
// with node:crypto (OpenSSL) on the same inputs. Messages are 64 bytes, so
// hashing is noise; the figures are operations per second.
import crypto from 'node:crypto';
import { generateKeyPair } from '../tests/helpers/node-keys.mjs';
import { rate, table, ratio, si } from './lib.mjs';
import {
  x25519, p256Ecdh, ecdsaP256Sign, ecdsaP256Verify, rsaPssSha256Verify, rsaPkcs1Sha256Verify, ed25519Verify,
} from '../dist/host/crypto/index.js';

const rows = [];
const row = (name, ours, peer) => rows.push([name, `${si(ours)}/s`, `${si(peer)}/s`, ratio(ours, peer)]);
const msg = crypto.randomBytes(64);

// X25519
{
  const a = generateKeyPair('x25519'), b = generateKeyPair('x25519');
  const d = Buffer.from(a.privateKey.export({ format: 'jwk' }).d, 'base64url');
  const u = Buffer.from(b.publicKey.export({ format: 'jwk' }).x, 'base64url');
  if (Buffer.compare(x25519(d, u), crypto.diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey })) !== 0) throw new Error('x25519 mismatch');
  row('X25519 shared secret', rate(() => x25519(d, u)), rate(() => crypto.diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey })));
}

// P-256
{
  const ecdh = crypto.createECDH('prime256v1'); ecdh.generateKeys();
  const peer = crypto.createECDH('prime256v1'); peer.generateKeys();
  const d = ecdh.getPrivateKey(), pub = ecdh.getPublicKey(), peerPub = peer.getPublicKey();
  const b64 = (x) => Buffer.from(x).toString('base64url');
  const privateKey = crypto.createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64(d), x: b64(pub.subarray(1, 33)), y: b64(pub.subarray(33)) }, format: 'jwk' });
  const publicKey = crypto.createPublicKey(privateKey);
  const sig = crypto.sign('sha256', msg, privateKey);
  if (!ecdsaP256Verify(pub, msg, sig) || !crypto.verify('sha256', msg, publicKey, ecdsaP256Sign(d, msg))) throw new Error('ecdsa mismatch');
  row('ECDSA P-256 sign', rate(() => ecdsaP256Sign(d, msg)), rate(() => crypto.sign('sha256', msg, privateKey)));
  row('ECDSA P-256 verify', rate(() => ecdsaP256Verify(pub, msg, sig)), rate(() => crypto.verify('sha256', msg, publicKey, sig)));
  row('P-256 ECDH', rate(() => p256Ecdh(d, peerPub)), rate(() => ecdh.computeSecret(peerPub)));
}

// RSA-2048 verification
{
  const { privateKey, publicKey } = generateKeyPair('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const key = { n: Buffer.from(jwk.n, 'base64url'), e: Buffer.from(jwk.e, 'base64url') };
  const pssOpts = { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  const s1 = crypto.sign('sha256', msg, { ...pssOpts, key: privateKey });
  const s2 = crypto.sign('sha256', msg, privateKey);
  if (!rsaPssSha256Verify(key, msg, s1, 32) || !rsaPkcs1Sha256Verify(key, msg, s2)) throw new Error('rsa mismatch');
  row('RSA-2048 PSS verify', rate(() => rsaPssSha256Verify(key, msg, s1, 32)), rate(() => crypto.verify('sha256', msg, pssOpts, s1)));
  row('RSA-2048 PKCS#1 v1.5 verify', rate(() => rsaPkcs1Sha256Verify(key, msg, s2)), rate(() => crypto.verify('sha256', msg, publicKey, s2)));
}

// Ed25519 verification
{
  const { privateKey, publicKey } = generateKeyPair('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const sig = crypto.sign(null, msg, privateKey);
  if (!ed25519Verify(pub, msg, sig)) throw new Error('ed25519 mismatch');
  row('Ed25519 verify', rate(() => ed25519Verify(pub, msg, sig)), rate(() => crypto.verify(null, msg, publicKey, sig)));
}

table('crypto (public key): h3-wasi core vs node:crypto (OpenSSL)', ['operation', 'h3-wasi', 'node:crypto', 'ratio'], rows);
