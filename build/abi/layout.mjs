// The canonical ABI's layout rules (component-model "CanonicalABI.md"):
// size and alignment of a value in linear memory, the discriminant of a
// variant, field offsets, and the flattening of a type into core wasm values.
import { resolve } from './wit.mjs';

const PRIM = {
  bool: [1, 1, 'i32'], u8: [1, 1, 'i32'], s8: [1, 1, 'i32'], u16: [2, 2, 'i32'], s16: [2, 2, 'i32'],
  u32: [4, 4, 'i32'], s32: [4, 4, 'i32'], char: [4, 4, 'i32'], f32: [4, 4, 'f32'],
  u64: [8, 8, 'i64'], s64: [8, 8, 'i64'], f64: [8, 8, 'f64'],
};

export const alignTo = (n, a) => Math.ceil(n / a) * a;

/** The cases of a variant-like type (variant, enum, option, result) as [{ name, type }]. */
export function cases(iface, ty) {
  ty = resolve(iface, ty);
  switch (ty.kind) {
    case 'variant': return ty.cases;
    case 'enum': return ty.cases.map((name) => ({ name, type: null }));
    case 'option': return [{ name: 'none', type: null }, { name: 'some', type: ty.el }];
    case 'result': return [{ name: 'ok', type: ty.ok }, { name: 'err', type: ty.err }];
    default: return null;
  }
}

/** CanonicalABI.md discriminant_type: u8 up to 256 cases, u16 up to 65536, else u32. */
export function discSize(n) { return n <= 256 ? 1 : n <= 65536 ? 2 : 4; }

/** The fields of a record-like type as [{ name, type }]. */
export function fields(iface, ty) {
  ty = resolve(iface, ty);
  if (ty.kind === 'record') return ty.fields;
  if (ty.kind === 'tuple') return ty.items.map((type, i) => ({ name: `f${i}`, type }));
  return null;
}

export function align(iface, ty) {
  ty = resolve(iface, ty);
  if (ty.kind === 'prim') return ty.name === 'string' ? 4 : PRIM[ty.name][1];
  if (ty.kind === 'list') return 4;
  const fs = fields(iface, ty);
  if (fs) return Math.max(1, ...fs.map((f) => align(iface, f.type)));
  const cs = cases(iface, ty);
  return Math.max(discSize(cs.length), ...cs.filter((c) => c.type).map((c) => align(iface, c.type)));
}

export function size(iface, ty) {
  ty = resolve(iface, ty);
  if (ty.kind === 'prim') return ty.name === 'string' ? 8 : PRIM[ty.name][0];
  if (ty.kind === 'list') return 8;
  const fs = fields(iface, ty);
  if (fs) {
    let s = 0;
    for (const f of fs) s = alignTo(s, align(iface, f.type)) + size(iface, f.type);
    return alignTo(s, align(iface, ty));
  }
  return alignTo(payloadOffset(iface, ty) + Math.max(0, ...cases(iface, ty).filter((c) => c.type).map((c) => size(iface, c.type))), align(iface, ty));
}

/** Offsets of a record's fields. */
export function fieldOffsets(iface, ty) {
  let s = 0;
  return fields(iface, ty).map((f) => {
    s = alignTo(s, align(iface, f.type));
    const off = s;
    s += size(iface, f.type);
    return off;
  });
}

/** Where a variant's payload starts: after the discriminant, aligned to the widest case. */
export function payloadOffset(iface, ty) {
  const cs = cases(iface, ty);
  const maxCaseAlign = Math.max(1, ...cs.filter((c) => c.type).map((c) => align(iface, c.type)));
  return alignTo(discSize(cs.length), maxCaseAlign);
}

function join(a, b) {
  if (a === b) return a;
  if ((a === 'i32' && b === 'f32') || (a === 'f32' && b === 'i32')) return 'i32';
  return 'i64';
}

/** CanonicalABI.md flatten_type: the core wasm values a type is passed as. */
export function flat(iface, ty) {
  ty = resolve(iface, ty);
  if (ty.kind === 'prim') return ty.name === 'string' ? ['i32', 'i32'] : [PRIM[ty.name][2]];
  if (ty.kind === 'list') return ['i32', 'i32'];
  const fs = fields(iface, ty);
  if (fs) return fs.flatMap((f) => flat(iface, f.type));
  const out = [];
  for (const c of cases(iface, ty)) {
    if (!c.type) continue;
    flat(iface, c.type).forEach((t, i) => { out[i] = i < out.length ? join(out[i], t) : t; });
  }
  return ['i32', ...out];
}

/** CanonicalABI.md: at most 16 flat parameters and 1 flat result before memory is used. */
export const MAX_FLAT_PARAMS = 16;
export const MAX_FLAT_RESULTS = 1;
