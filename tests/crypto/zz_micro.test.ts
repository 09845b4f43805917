import { it } from 'vitest';
import { loadTest } from '../helpers/as.js';
import { randomBytes, createCipheriv } from 'node:crypto';
it('micro', async () => {
  const c = await loadTest<any>('crypto_sym', 'release');
  const big = Uint8Array.from(randomBytes(1 << 18));
  const t = (name: string, f: () => void) => { f(); let best = 1e9; for (let i = 0; i < 15; i++) { const t0 = performance.now(); f(); best = Math.min(best, performance.now() - t0); } console.log(name, (big.length / best / 1000).toFixed(1), 'MB/s'); };
  t('node gcm', () => { const e = createCipheriv('aes-128-gcm', big.subarray(0, 16), big.subarray(0, 12)); e.update(big); e.final(); });
  t('ghash', () => c.testGhash(big.subarray(0, 16), big));
  t('gcm128', () => c.testSeal(1, big.subarray(0, 16), big.subarray(0, 12), big.subarray(0, 0), big));
  t('chacha xor', () => c.testChachaXor(big.subarray(0, 32), 0, big.subarray(0, 12), big));
  t('poly', () => c.testPoly1305(big.subarray(0, 32), big, 1 << 20));
  t('sha256', () => c.testSha256(big));
});
