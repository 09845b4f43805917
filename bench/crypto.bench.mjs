// Symmetric crypto: ours (through the package API and in place inside the
// core) against node:crypto (OpenSSL) on the same inputs in the same run.
//
//   npm run bench -- crypto            (BENCH_RUNS / BENCH_MS to change the sampling)
//
// "in core" rows call a bench-only export that protects/unprotects N QUIC
// packets (short header, 4-byte PN, AEAD + header protection) in a loop
// inside the component: what the engine pays per packet, without the JS
// boundary. "API" rows cross the boundary once per packet, like node:crypto.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { rate, table, ratio, si, median } from './lib.mjs';
import * as C from '../dist/host/crypto/index.js';
import { benchInCore } from '../tests/helpers/dev.mjs';

const SIZE = 1200;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/**
 * Rates of several functions measured in alternation (one short run of each,
 * RUNS times) so that load changes on a shared machine hit all of them alike;
 * returns the median rate of each.
 */
function rates(fns, opts = {}) {
  const samples = fns.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    fns.forEach((f, i) => samples[i].push(rate(f, { ...(opts[i] ?? {}), runs: 1, warmupMs: r === 0 ? 100 : 20 })));
  }
  return samples.map(median);
}
const ALGS = [['aes-128-gcm', 16], ['aes-256-gcm', 32], ['chacha20-poly1305', 32]];
const mbs = (opsPerSec, bytes) => (opsPerSec * bytes) / 1e6;
const f1 = (x) => x.toFixed(1);

const pt = randomBytes(SIZE);
const aad = randomBytes(13);
const nonce = randomBytes(12);

function nodeSeal(alg, key) {
  const c = createCipheriv(alg, key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: SIZE });
  const out = c.update(pt);
  c.final();
  return [out, c.getAuthTag()];
}

const rows = [];
for (const [alg, keyLen] of ALGS) {
  const key = randomBytes(keyLen);
  const [ct, tag] = nodeSeal(alg, key);
  const sealed = C.aeadSeal(alg, key, nonce, aad, pt);
  const IN_CORE_N = 200;

  const [peerSeal, apiSeal, coreSeal] = rates([
    () => nodeSeal(alg, key),
    () => C.aeadSeal(alg, key, nonce, aad, pt),
    () => benchInCore.protect(alg, IN_CORE_N, SIZE),
  ], { 2: { opsPerCall: IN_CORE_N } });
  const [peerOpen, apiOpen, coreOpen] = rates([
    () => {
      const d = createDecipheriv(alg, key, nonce, { authTagLength: 16 });
      d.setAAD(aad, { plaintextLength: SIZE });
      d.setAuthTag(tag);
      d.update(ct);
      d.final();
    },
    () => C.aeadOpen(alg, key, nonce, aad, sealed),
    () => benchInCore.unprotect(alg, IN_CORE_N, SIZE),
  ], { 2: { opsPerCall: IN_CORE_N } });

  rows.push([`${alg} seal`, f1(mbs(apiSeal, SIZE)), f1(mbs(coreSeal, SIZE)), f1(mbs(peerSeal, SIZE)), ratio(apiSeal, peerSeal), ratio(coreSeal, peerSeal)]);
  rows.push([`${alg} open`, f1(mbs(apiOpen, SIZE)), f1(mbs(coreOpen, SIZE)), f1(mbs(peerOpen, SIZE)), ratio(apiOpen, peerOpen), ratio(coreOpen, peerOpen)]);
}
table(`AEAD on ${SIZE}-byte packets, MB/s (in core = whole QUIC packet protection incl. header protection)`,
  ['operation', 'ours API', 'ours in core', 'node:crypto', 'API/node', 'core/node'], rows);

// Header protection: one 16-byte sample -> 5-byte mask.
const hpRows = [];
for (const [alg, keyLen] of ALGS) {
  const key = randomBytes(keyLen);
  const sample = randomBytes(16);
  const N = 1000;
  const zeros = Buffer.alloc(5);
  const peerFn = alg === 'chacha20-poly1305'
    ? () => createCipheriv('chacha20', key, sample).update(zeros)
    : () => createCipheriv(keyLen === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null).setAutoPadding(false).update(sample);
  const [peer, api, core] = rates([peerFn, () => C.headerProtectionMask(alg, key, sample), () => benchInCore.headerMask(alg, N)],
    { 2: { opsPerCall: N } });
  hpRows.push([alg, si(api), si(core), si(peer), ratio(api, peer), ratio(core, peer)]);
}
table('Header protection masks/s', ['algorithm', 'ours API', 'ours in core', 'node:crypto', 'API/node', 'core/node'], hpRows);

// SHA-256 on 16 KiB.
const big = randomBytes(16384);
const [shaOurs, shaPeer] = rates([() => C.sha256(big), () => createHash('sha256').update(big).digest()]);
table('SHA-256 on 16 KiB, MB/s', ['', 'ours API', 'node:crypto', 'ours/node'],
  [['sha256', f1(mbs(shaOurs, 16384)), f1(mbs(shaPeer, 16384)), ratio(shaOurs, shaPeer)]]);

// ---- public-key primitives ----
// X25519, P-256 ECDH/ECDSA, RSA and Ed25519 rows are in bench/crypto_pk.bench.mjs
// (`npm run bench -- crypto` runs both files). Rows that belong beside the
// symmetric ones can be pushed here and printed as a second table.
const pkRows = [];
if (pkRows.length) table('Public key, ops/s', ['operation', 'ours', 'node:crypto', 'ours/node'], pkRows);
