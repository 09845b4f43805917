// Writes the AssemblyScript side of every exported WIT interface:
//
//   assembly/api/gen/<iface>_types.ts  records, enums, variants and result
//                                      classes the implementations use
//   assembly/api/gen/<iface>.ts        the exports: canonical-ABI shims that
//                                      lift flat arguments into typed values,
//                                      call the hand-written implementation in
//                                      assembly/api/<iface>.ts, lower its
//                                      result into the return area, and free
//                                      it again in `cabi_post_*`
//   assembly/api/gen/ret.ts            the return area, sized for the largest result
//
// The implementation of `iface.func-name: func(a: T, ...) -> R` is
// `export function funcName(a: T', ...): R'` in assembly/api/<iface>.ts,
// with these types:
//
//   bool, u8..u64, s8..s64, char  bool, u8..u64, i8..i64, u32
//   string                        string
//   list<u8>                      Bytes (abi.ts): an argument is freed after
//                                 the call unless the implementation took it
//                                 (`take()`); a result is an owned heap block
//   list<T>                       StaticArray<T'>
//   option<T>                     T' | null (T must be a reference type)
//   enum e                        enum E (i32 values in case order)
//   record r                      class R with a constructor in field order
//   variant v                     class V: static constructor per case, `tag`
//   result<T, E> (as a function's result)
//                                 class TOrE, named by structure (BytesOrCryptoError,
//                                 VoidOrQpackError): `ok(v)`, `err(e)`, shared by
//                                 every function with that result type
import { resolve } from './wit.mjs';
import { size, align, flat, fields, fieldOffsets, cases, discSize, payloadOffset, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS } from './layout.mjs';

export const camel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
export const pascal = (s) => camel(s).replace(/^[a-z]/, (c) => c.toUpperCase());

const AS_PRIM = { bool: 'bool', u8: 'u8', u16: 'u16', u32: 'u32', u64: 'u64', s8: 'i8', s16: 'i16', s32: 'i32', s64: 'i64', char: 'u32', f32: 'f32', f64: 'f64', string: 'string' };
const STORE = { bool: 'u8', u8: 'u8', s8: 'i8', u16: 'u16', s16: 'i16', u32: 'u32', s32: 'i32', char: 'u32', u64: 'u64', s64: 'i64', f32: 'f32', f64: 'f64' };
const CORE_AS = { i32: 'u32', i64: 'u64', f32: 'f32', f64: 'f64' };
const DISC = { 1: 'u8', 2: 'u16', 4: 'u32' };

const isU8List = (iface, ty) => { ty = resolve(iface, ty); return ty.kind === 'list' && resolve(iface, ty.el).kind === 'prim' && resolve(iface, ty.el).name === 'u8'; };

class Emitter {
  constructor(iface) {
    this.iface = iface;
    this.resultClasses = new Map(); // key -> { name, ty }
    this.tmp = 0;
  }

  fail(what) { throw new Error(`build/abi: interface ${this.iface.name}: ${what}`); }

  isRef(ty) {
    const t = resolve(this.iface, ty);
    if (t.kind === 'prim') return t.name === 'string';
    if (t.kind === 'enum') return false;
    return true;
  }

  /** The AS type of a value of `ty`; `hint` names a result class. */
  asType(ty, hint) {
    if (ty && ty.kind === 'ref') {
      const def = this.iface.types.get(ty.name);
      if (def && def.kind !== 'alias') return pascal(ty.name);
    }
    const t = resolve(this.iface, ty);
    switch (t.kind) {
      case 'prim': return AS_PRIM[t.name];
      case 'list': return isU8List(this.iface, t) ? 'Bytes' : `StaticArray<${this.asType(t.el, hint)}>`;
      case 'option':
        if (!this.isRef(t.el)) this.fail(`option<${t.el.name ?? t.el.kind}> needs a reference payload (a list, string, record or variant)`);
        return `${this.asType(t.el, hint)} | null`;
      case 'result': return this.resultClass(t, hint);
      case 'tuple': this.fail('tuple is not supported yet');
      default: return pascal(t.name);
    }
  }

  /** A name for a type in a result class's name: `Bytes`, `OptionBytes`, `U64List`, `Void`, the record's name. */
  typeWord(ty) {
    if (!ty) return 'Void';
    if (ty.kind === 'ref') return pascal(ty.name);
    const t = resolve(this.iface, ty);
    if (t.kind === 'prim') return pascal(AS_PRIM[t.name]);
    if (t.kind === 'list') return isU8List(this.iface, t) ? 'Bytes' : `${this.typeWord(t.el)}List`;
    if (t.kind === 'option') return `Option${this.typeWord(t.el)}`;
    this.fail(`no name for a ${t.kind} inside a result`);
  }

  /**
   * The class of a `result<T, E>`, named by its structure (`BytesOrCryptoError`),
   * so that functions with the same result type share one class (each managed
   * class costs code in the component).
   */
  resultClass(ty, hint) {
    if (!hint) this.fail('result<...> is supported only as a function result');
    const name = `${this.typeWord(ty.ok)}Or${this.typeWord(ty.err)}`;
    this.resultClasses.set(name, ty);
    return name;
  }

  /** Default value of a non-reference type (for the unused side of a result). */
  zero(ty) {
    const t = resolve(this.iface, ty);
    if (t.kind === 'prim') return t.name === 'bool' ? 'false' : '0';
    if (t.kind === 'enum') return `<${this.asType(ty)}>0`;
    return 'null';
  }

  fieldType(ty, hint) { const a = this.asType(ty, hint); return this.isRef(ty) && !a.endsWith('| null') ? `${a} | null` : a; }

  // ---- types file ----

  typesFile() {
    const out = [];
    for (const def of this.iface.types.values()) {
      if (def.kind === 'enum') {
        out.push(`/** WIT enum ${def.name} */\nexport enum ${pascal(def.name)} {\n${def.cases.map((c, i) => `  ${pascal(c)} = ${i},`).join('\n')}\n}\n`);
      } else if (def.kind === 'record') {
        const fs = def.fields.map((f) => ({ n: camel(f.name), t: this.asType(f.type) }));
        out.push(`/** WIT record ${def.name} */\nexport class ${pascal(def.name)} {\n${fs.map((f) => `  ${f.n}: ${f.t};`).join('\n')}\n  constructor(${fs.map((f) => `${f.n}: ${f.t}`).join(', ')}) {\n${fs.map((f) => `    this.${f.n} = ${f.n};`).join('\n')}\n  }\n}\n`);
      } else if (def.kind === 'variant') {
        const cls = pascal(def.name);
        const lines = [`/** WIT variant ${def.name}: \`tag\` is one of the TAG_* constants. */`, `export class ${cls} {`];
        def.cases.forEach((c, i) => lines.push(`  static readonly TAG_${camel(c.name).replace(/[A-Z]/g, (m) => `_${m}`).toUpperCase()}: u8 = ${i};`));
        lines.push('  tag: u8 = 0;');
        for (const c of def.cases) if (c.type) lines.push(`  ${camel(c.name)}Value: ${this.fieldType(c.type)} = ${this.isRef(c.type) ? 'null' : this.zero(c.type)};`);
        def.cases.forEach((c, i) => {
          lines.push(`  static ${camel(c.name)}(${c.type ? `v: ${this.asType(c.type)}` : ''}): ${cls} {`);
          lines.push(`    const r = new ${cls}();\n    r.tag = ${i};${c.type ? `\n    r.${camel(c.name)}Value = v;` : ''}\n    return r;\n  }`);
        });
        lines.push('}\n');
        out.push(lines.join('\n'));
      }
    }
    for (const f of this.iface.funcs) if (f.result) this.asType(f.result, f.name); // registers result classes
    for (const [name, ty] of this.resultClasses) {
      const lines = [`/** result<${ty.ok ? '…' : '_'}, ${ty.err ? '…' : '_'}> of a function: build it with \`ok\` / \`err\`. */`, `export class ${name} {`, '  isErr: bool = false;'];
      if (ty.ok) lines.push(`  okValue: ${this.fieldType(ty.ok)} = ${this.isRef(ty.ok) ? 'null' : this.zero(ty.ok)};`);
      if (ty.err) lines.push(`  errValue: ${this.fieldType(ty.err)} = ${this.isRef(ty.err) ? 'null' : this.zero(ty.err)};`);
      lines.push(`  static ok(${ty.ok ? `v: ${this.asType(ty.ok)}` : ''}): ${name} {\n    const r = new ${name}();${ty.ok ? '\n    r.okValue = v;' : ''}\n    return r;\n  }`);
      lines.push(`  static err(${ty.err ? `e: ${this.asType(ty.err)}` : ''}): ${name} {\n    const r = new ${name}();\n    r.isErr = true;${ty.err ? '\n    r.errValue = e;' : ''}\n    return r;\n  }`);
      lines.push('}\n');
      out.push(lines.join('\n'));
    }
    return `// GENERATED by build/abi from wit/ (interface ${this.iface.name}) — do not edit.\n// The typed values of the interface, used by assembly/api/${this.iface.name}.ts.\n\nimport { Bytes } from "../abi";\n\n${out.join('\n')}`;
  }

  // ---- lowering (value -> memory) ----

  /** Statements storing `v` (an expression of the AS type of `ty`) at address expression `a`. */
  lower(ty, v, a, ind) {
    const t = resolve(this.iface, ty);
    const tmp = () => `t${this.tmp++}`;
    switch (t.kind) {
      case 'prim':
        if (t.name === 'string') return `${ind}storeString(${a}, ${v});`;
        if (t.name === 'bool') return `${ind}store<u8>(${a}, ${v} ? 1 : 0);`;
        return `${ind}store<${STORE[t.name]}>(${a}, ${v});`;
      case 'enum': return `${ind}store<${DISC[discSize(t.cases.length)]}>(${a}, <${DISC[discSize(t.cases.length)]}>${v});`;
      case 'list': {
        if (isU8List(this.iface, t)) return `${ind}storeBytes(${a}, ${v});`;
        const x = tmp(), p = tmp(), i = tmp(), es = size(this.iface, t.el);
        return [
          `${ind}const ${x} = ${v};`,
          `${ind}const ${p} = allocList(<usize>${x}.length * ${es});`,
          `${ind}for (let ${i} = 0; ${i} < ${x}.length; ${i}++) {`,
          this.lower(t.el, `unchecked(${x}[${i}])`, `${p} + <usize>${i} * ${es}`, ind + '  '),
          `${ind}}`,
          `${ind}store<u32>(${a}, <u32>${p});`,
          `${ind}store<u32>(${a}, <u32>${x}.length, 4);`,
        ].join('\n');
      }
      case 'record': case 'tuple': {
        const x = tmp();
        const offs = fieldOffsets(this.iface, t);
        return [`${ind}const ${x} = ${v};`, ...fields(this.iface, t).map((f, k) => this.lower(f.type, `${x}.${camel(f.name)}`, `${a} + ${offs[k]}`, ind))].join('\n');
      }
      case 'option': {
        const x = tmp(), po = payloadOffset(this.iface, t);
        return [`${ind}const ${x} = ${v};`, `${ind}if (${x} === null) {`, `${ind}  store<u8>(${a}, 0);`, `${ind}} else {`,
          `${ind}  store<u8>(${a}, 1);`, this.lower(t.el, `${x}`, `${a} + ${po}`, ind + '  '), `${ind}}`].join('\n');
      }
      case 'result': {
        const x = tmp(), po = payloadOffset(this.iface, t);
        const arm = (side, disc) => [`${ind}  store<u8>(${a}, ${disc});`,
          t[side] ? this.lower(t[side], this.isRef(t[side]) ? `${x}.${side}Value!` : `${x}.${side}Value`, `${a} + ${po}`, ind + '  ') : ''].filter(Boolean).join('\n');
        return [`${ind}const ${x} = ${v};`, `${ind}if (${x}.isErr) {`, arm('err', 1), `${ind}} else {`, arm('ok', 0), `${ind}}`].join('\n');
      }
      case 'variant': {
        const x = tmp(), po = payloadOffset(this.iface, t), d = DISC[discSize(t.cases.length)];
        const lines = [`${ind}const ${x} = ${v};`, `${ind}store<${d}>(${a}, <${d}>${x}.tag);`];
        t.cases.forEach((c, i) => {
          if (!c.type) return;
          lines.push(`${ind}if (${x}.tag == ${i}) {`, this.lower(c.type, this.isRef(c.type) ? `${x}.${camel(c.name)}Value!` : `${x}.${camel(c.name)}Value`, `${a} + ${po}`, ind + '  '), `${ind}}`);
        });
        return lines.join('\n');
      }
      default: this.fail(`cannot lower ${t.kind}`);
    }
  }

  hasMemory(ty) {
    const t = resolve(this.iface, ty);
    if (t.kind === 'prim') return t.name === 'string';
    if (t.kind === 'list') return true;
    if (t.kind === 'enum') return false;
    const fs = fields(this.iface, t);
    if (fs) return fs.some((f) => this.hasMemory(f.type));
    return cases(this.iface, t).some((c) => c.type && this.hasMemory(c.type));
  }

  /** Statements freeing the memory held by the value of `ty` stored at `a` (cabi_post). */
  free(ty, a, ind) {
    const t = resolve(this.iface, ty);
    if (!this.hasMemory(t)) return '';
    if (t.kind === 'prim' || isU8List(this.iface, t)) return `${ind}heap.free(<usize>load<u32>(${a}));`;
    if (t.kind === 'list') {
      const p = `p${this.tmp++}`, i = `i${this.tmp++}`, es = size(this.iface, t.el);
      return [`${ind}const ${p} = <usize>load<u32>(${a});`, `${ind}for (let ${i}: usize = 0; ${i} < <usize>load<u32>(${a}, 4); ${i}++) {`,
        this.free(t.el, `${p} + ${i} * ${es}`, ind + '  '), `${ind}}`, `${ind}heap.free(${p});`].join('\n');
    }
    const fs = fields(this.iface, t);
    if (fs) { const offs = fieldOffsets(this.iface, t); return fs.map((f, k) => this.free(f.type, `${a} + ${offs[k]}`, ind)).filter(Boolean).join('\n'); }
    const cs = cases(this.iface, t), po = payloadOffset(this.iface, t), d = DISC[discSize(cs.length)];
    return cs.map((c, i) => (c.type && this.hasMemory(c.type) ? `${ind}if (load<${d}>(${a}) == ${i}) {\n${this.free(c.type, `${a} + ${po}`, ind + '  ')}\n${ind}}` : '')).filter(Boolean).join('\n');
  }

  // ---- shims ----

  shim(f, ifaceAsName) {
    const asName = `${ifaceAsName}__${camel(f.name)}`;
    const params = [], lifts = [], frees = [], args = [];
    let k = 0;
    for (const p of f.params) {
      const t = resolve(this.iface, p.type);
      const n = camel(p.name);
      const fl = flat(this.iface, p.type);
      const names = fl.map((c) => { const pn = `p${k++}`; params.push(`${pn}: ${CORE_AS[c]}`); return pn; });
      if (t.kind === 'prim' && t.name === 'string') lifts.push(`  const ${n} = argString(${names[0]}, ${names[1]});`);
      else if (t.kind === 'prim') {
        const cast = { bool: `${names[0]} != 0`, u8: `<u8>${names[0]}`, s8: `<i8>${names[0]}`, u16: `<u16>${names[0]}`, s16: `<i16>${names[0]}`, s32: `<i32>${names[0]}`, s64: `<i64>${names[0]}` }[t.name] ?? names[0];
        lifts.push(`  const ${n} = ${cast};`);
      } else if (t.kind === 'enum') lifts.push(`  const ${n} = <${this.asType(p.type)}><i32>${names[0]};`);
      else if (isU8List(this.iface, t)) {
        lifts.push(`  const ${n} = new Bytes(<usize>${names[0]}, <usize>${names[1]});`);
        frees.push(`  ${n}.release();`);
      } else this.fail(`${f.name}: parameter ${p.name}: only bool, integers, enums, string and list<u8> parameters are supported`);
      args.push(n);
    }
    if (params.length > MAX_FLAT_PARAMS) this.fail(`${f.name}: more than ${MAX_FLAT_PARAMS} flat parameters`);
    const lists = f.params.filter((p) => isU8List(this.iface, p.type)).map((p) => `${camel(p.name)}.len`);
    if (lists.length) lifts.push(`  collectBeforeLarge(${lists.join(' + ')});`);
    const call = `${camel(f.name)}(${args.join(', ')})`;
    const lines = [];
    let post = null;
    if (!f.result) {
      lines.push(`export function ${asName}(${params.join(', ')}): void {`, ...lifts, `  ${call};`, ...frees, '}');
    } else {
      const fl = flat(this.iface, f.result);
      const t = resolve(this.iface, f.result);
      if (fl.length <= MAX_FLAT_RESULTS) {
        const retT = CORE_AS[fl[0]];
        const conv = t.kind === 'prim' && t.name === 'bool' ? 'r ? 1 : 0' : t.kind === 'enum' ? '<u32>r' : t.kind === 'prim' && ['s8', 's16', 's32'].includes(t.name) ? '<u32>r' : t.kind === 'prim' && t.name === 's64' ? '<u64>r' : 'r';
        lines.push(`export function ${asName}(${params.join(', ')}): ${retT} {`, ...lifts, `  const r = ${call};`, ...frees, `  return ${conv};`, '}');
      } else {
        this.tmp = 0;
        lines.push(`export function ${asName}(${params.join(', ')}): usize {`, ...lifts, `  const r = ${call};`, ...frees, this.lower(f.result, 'r', 'RET', '  '), '  return RET;', '}');
        if (this.hasMemory(f.result)) {
          this.tmp = 0;
          post = `export function ${asName}__post(ret: usize): void {\n${this.free(f.result, 'ret', '  ')}\n}`;
        }
      }
    }
    return { code: lines.join('\n') + (post ? `\n${post}` : ''), asName, hasPost: !!post, retSize: f.result && flat(this.iface, f.result).length > MAX_FLAT_RESULTS ? size(this.iface, f.result) : 0 };
  }
}

/**
 * Generates the AS glue for `iface`; `impl` is the module path of the
 * implementation relative to gen/ (e.g. "../crypto"). Returns the files,
 * the export names (AS name -> WIT function name) and the largest return area.
 */
export function generateInterface(iface, impl) {
  const e = new Emitter(iface);
  const types = e.typesFile();
  const ifaceAsName = camel(iface.name);
  const shims = iface.funcs.map((f) => ({ f, ...e.shim(f, ifaceAsName) }));
  const typeNames = [...iface.types.values()].filter((d) => d.kind !== 'alias').map((d) => pascal(d.name)).concat([...e.resultClasses.keys()]);
  const body = shims.map((s) => s.code).join('\n\n');
  const uses = (id) => new RegExp(`\\b${id}\\b`).test(body);
  const helpers = ['Bytes', 'argString', 'allocList', 'storeBytes', 'storeString', 'collectBeforeLarge'].filter(uses);
  const usedTypes = typeNames.filter(uses);
  const header = [
    `// GENERATED by build/abi from wit/ (interface ${iface.name}) — do not edit.`,
    `// Canonical-ABI exports of \`interface ${iface.name}\`: each lifts its flat arguments,`,
    `// calls the typed implementation in assembly/api/${iface.name}.ts, lowers the result`,
    `// into the return area and frees it in its \`__post\` export.`,
    '',
    helpers.length ? `import { ${helpers.join(', ')} } from "../abi";` : '',
    uses('RET') ? `import { RET } from "./ret";` : '',
    usedTypes.length ? `import { ${usedTypes.join(', ')} } from "./${iface.name}_types";` : '',
    `import { ${iface.funcs.map((f) => camel(f.name)).join(', ')} } from "${impl}";`,
  ].filter((l) => l !== '').join('\n');
  return {
    types,
    shims: `${header}\n\n${body}\n`,
    exports: shims.flatMap((s) => [[s.asName, s.f.name, false], ...(s.hasPost ? [[`${s.asName}__post`, s.f.name, true]] : [])]),
    retSize: Math.max(0, ...shims.map((s) => s.retSize)),
    retAlign: Math.max(1, ...iface.funcs.filter((f) => f.result && flat(iface, f.result).length > MAX_FLAT_RESULTS).map((f) => align(iface, f.result))),
  };
}
