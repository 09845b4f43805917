// Key pairs from node:crypto that are safe to export as JWK.
//
// Node 20 can deadlock when a KeyObject returned by generateKeyPairSync is
// exported (seen with export({ format: 'jwk' }) on X25519 keys): the export
// holds the key's mutex while it allocates, the allocation runs a GC, and the
// GC destroys the finished KeyGenJob, whose destructor takes the same mutex.
// A main thread parked in futex_wait, stack: ExportJWKEdKey -> GC ->
// ~KeyGenJob -> uv_mutex_lock. Generating the pair as DER and importing it
// again gives KeyObjects that share nothing with the job.
import crypto from 'node:crypto';

/** Like crypto.generateKeyPairSync(type, options), without the deadlock. */
export function generateKeyPair(type, options = {}) {
  const pair = crypto.generateKeyPairSync(type, {
    ...options,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return {
    privateKey: crypto.createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: crypto.createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
  };
}
