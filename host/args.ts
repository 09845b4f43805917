// Argument checks for every public function: the type, the length and the
// integer range, checked before anything reaches the engine's glue (which
// would coerce a string to empty bytes or wrap a number silently). A failed
// check throws InvalidArgumentError naming the argument, unless the caller
// passes its own `fail` (TlsConfig turns them into TlsConfigError).
import { InvalidArgumentError } from './errors.js';

export type Fail = (argument: string, message: string) => Error;
const invalid: Fail = (argument, message) => new InvalidArgumentError(argument, message);

/** A short description of a value for error messages ("a string", "the number 1.5", ...). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'bigint') return `the bigint ${v}n`;
  if (typeof v === 'string') return `a string`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return `a ${typeof v}`;
}

/** A Uint8Array (a Buffer is one); strings are refused, never coerced. */
export function bytesArg(name: string, v: unknown, fail: Fail = invalid): Uint8Array {
  if (!(v instanceof Uint8Array)) throw fail(name, `must be a Uint8Array, got ${describe(v)}`);
  return v;
}

/** A Uint8Array of exactly `len` bytes. */
export function fixedBytesArg(name: string, v: unknown, len: number, fail: Fail = invalid): Uint8Array {
  const b = bytesArg(name, v, fail);
  if (b.length !== len) throw fail(name, `must be ${len} bytes, got ${b.length}`);
  return b;
}

/** An integer `number` in [min, max] (both safe integers). */
export function intArg(name: string, v: unknown, min: number, max: number, fail: Fail = invalid): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw fail(name, `must be an integer, got ${describe(v)}`);
  if (v < min || v > max) throw fail(name, `must be in ${min}..${max}, got ${v}`);
  return v;
}

/** A u32 (0..2^32-1) as a number. */
export function u32Arg(name: string, v: unknown, fail: Fail = invalid): number {
  return intArg(name, v, 0, 0xffffffff, fail);
}

/** RFC 9000 §16: the largest value a QUIC varint carries (stream IDs, packet numbers, settings). */
export const VARINT_MAX = (1n << 62n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;

/** An integer given as a bigint or a safe-integer number, in [min, max]; returned as a bigint. */
export function bigintArg(name: string, v: unknown, min: bigint, max: bigint, fail: Fail = invalid): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw fail(name, `must be a bigint or a safe integer, got ${describe(v)}`);
  if (b < min || b > max) throw fail(name, `must be in ${min}..${max}, got ${b}`);
  return b;
}

/** A QUIC stream ID (RFC 9000 §2.1: 0..2^62-1). */
export function streamIdArg(name: string, v: unknown, fail: Fail = invalid): bigint {
  return bigintArg(name, v, 0n, VARINT_MAX, fail);
}

/** One of `allowed`; the message lists them. */
export function enumArg<T extends string | number>(name: string, v: unknown, allowed: readonly T[], fail: Fail = invalid): T {
  if (!allowed.includes(v as T)) {
    const list = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ');
    throw fail(name, `must be one of ${list}, got ${typeof v === 'string' ? `'${v}'` : describe(v)}`);
  }
  return v as T;
}

export function boolArg(name: string, v: unknown, fail: Fail = invalid): boolean {
  if (typeof v !== 'boolean') throw fail(name, `must be a boolean, got ${describe(v)}`);
  return v;
}

export function stringArg(name: string, v: unknown, fail: Fail = invalid): string {
  if (typeof v !== 'string') throw fail(name, `must be a string, got ${describe(v)}`);
  return v;
}

/** A plain options object (or undefined → {}); unknown keys are refused so that a typo never passes silently. */
export function optionsArg<T extends object>(name: string, v: unknown, known: readonly string[], fail: Fail = invalid): Partial<T> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail(name, `must be an options object, got ${describe(v)}`);
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) throw fail(name, `unknown option '${k}' (known: ${known.join(', ')})`);
  }
  return v as Partial<T>;
}
