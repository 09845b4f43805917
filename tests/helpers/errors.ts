// Assertion helpers for the host API's typed errors.
import { expect } from 'vitest';
import { CodecError } from '../../host/errors.js';

/** Runs `fn`, which must throw a CodecError, and returns that error. */
export function codecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return e as CodecError;
  }
  throw new Error('expected a CodecError');
}
