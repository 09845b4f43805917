import type { KeyObject } from 'node:crypto';
export function generateKeyPair(type: string, options?: Record<string, unknown>): { privateKey: KeyObject; publicKey: KeyObject };
