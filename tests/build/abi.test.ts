// build/abi: the WIT parser, the canonical-ABI layout rules and the glue
// generator's checks. The generated glue itself is proven by every test that
// goes through the shipped component.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM build script
import { parseWit } from '../../build/abi/wit.mjs';
// @ts-expect-error plain ESM build script
import { size, align, flat, payloadOffset, fieldOffsets } from '../../build/abi/layout.mjs';
// @ts-expect-error plain ESM build script
import { generate, checkExports } from '../../build/abi/index.mjs';

const SAMPLE = `
package t:demo@1.2.3;
interface demo {
  record pair { a: u8, b: u64, c: string }
  enum color { red, green, blue }
  variant shape { none, bytes(list<u8>), pair(pair) }
  type id = u32;
  /// Doc kept.
  f: func(x: id, data: list<u8>, c: color) -> result<option<list<u8>>, pair>;
  g: func() -> list<u64>;
  h: func(s: string) -> bool;
}
world w { import wasi:random/random@0.2.3; export demo; }
`;

function pkg() {
  return parseWit([{ file: 'sample.wit', text: SAMPLE }]);
}

describe('build/abi', () => {
  it('parses the subset: records, enums, variants, aliases, functions, worlds', () => {
    const p = pkg();
    expect(p.name).toBe('t:demo@1.2.3');
    const i = p.interfaces.get('demo');
    expect([...i.types.keys()]).toEqual(['pair', 'color', 'shape', 'id']);
    expect(i.funcs.map((f: { name: string }) => f.name)).toEqual(['f', 'g', 'h']);
    expect(i.funcs[0].doc).toEqual(['Doc kept.']);
    expect(p.worlds.get('w')).toEqual({ name: 'w', imports: ['wasi:random/random@0.2.3'], exports: ['demo'] });
    expect(() => parseWit([{ file: 'bad.wit', text: 'package a:b;\ninterface x {\n  flags f { a }\n}' }])).toThrow(/bad\.wit:3: 'flags' is not supported/);
  });

  it('lays values out as CanonicalABI.md says', () => {
    const i = pkg().interfaces.get('demo');
    const ref = (name: string) => ({ kind: 'ref', name });
    // record { u8, u64, string }: b aligned to 8, c (ptr, len) at 16, size 24
    expect(fieldOffsets(i, ref('pair'))).toEqual([0, 8, 16]);
    expect([size(i, ref('pair')), align(i, ref('pair'))]).toEqual([24, 8]);
    expect(flat(i, ref('pair'))).toEqual(['i32', 'i64', 'i32', 'i32']);
    // enum: one byte; variant: discriminant, payload at the widest alignment
    expect([size(i, ref('color')), flat(i, ref('color'))]).toEqual([1, ['i32']]);
    expect(payloadOffset(i, ref('shape'))).toBe(8);
    expect(size(i, ref('shape'))).toBe(32);
    // variant flattening joins the cases position by position: (ptr, len) with (a, b, c.ptr, c.len)
    expect(flat(i, ref('shape'))).toEqual(['i32', 'i32', 'i64', 'i32', 'i32']);
    const f = i.funcs[0];
    // result<option<list<u8>>, pair>: payload at 8, size 8 + 24
    expect([size(i, f.result), payloadOffset(i, f.result)]).toEqual([32, 8]);
  });

  it('fails the build naming a WIT function without an implementation, and an export the WIT does not ask for', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'abi-'));
    fs.mkdirSync(path.join(root, 'wit'));
    fs.mkdirSync(path.join(root, 'assembly', 'api'), { recursive: true });
    fs.writeFileSync(path.join(root, 'wit', 'demo.wit'), SAMPLE);
    fs.writeFileSync(path.join(root, 'assembly', 'api', 'demo.ts'), 'export function f(x: u32): void {}\nexport function h(s: string): bool { return true; }\n');
    expect(() => generate(root)).toThrow(/demo\.g \(export function g in assembly\/api\/demo\.ts\)/);
    fs.appendFileSync(path.join(root, 'assembly', 'api', 'demo.ts'), 'export function g(): StaticArray<u64> { return []; }\n');
    const r = generate(root).worlds.get('w');
    expect(r.exportNames.get('demo__f')).toBe('t:demo/demo@1.2.3#f');
    expect(r.exportNames.get('demo__f__post')).toBe('cabi_post_t:demo/demo@1.2.3#f');
    expect(fs.readFileSync(path.join(root, 'assembly', 'api', 'gen', 'demo.ts'), 'utf8')).toMatch(/export function demo__g\(\): usize/);
    const all = [...r.exportNames.keys()];
    expect(() => checkExports(all, r.exportNames)).not.toThrow();
    expect(() => checkExports([...all, 'demo__old'], r.exportNames)).toThrow(/'demo__old', which no WIT function asks for/);
    expect(() => checkExports(all.filter((n) => n !== 'demo__h'), r.exportNames)).toThrow(/does not export 'demo__h' \(t:demo\/demo@1\.2\.3#h\)/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
