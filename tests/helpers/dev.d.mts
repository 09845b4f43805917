export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
export type FuzzTarget = 'varint' | 'quic' | 'h3' | 'h3-parser';
export const benchInCore: {
  protect(alg: AeadAlgorithm, count: number, size: number): number;
  unprotect(alg: AeadAlgorithm, count: number, size: number): number;
  headerMask(alg: AeadAlgorithm, count: number): number;
};
export function benchLoop(op: number, param: number, input: Uint8Array, iterations: number): bigint;
export function fuzzDecode(target: FuzzTarget, param: number, inputs: Uint8Array[]): BigUint64Array;
