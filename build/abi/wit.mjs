// A parser for the subset of WIT this project uses (component-model
// "WIT.md"): one package; interfaces holding records, enums, variants, type
// aliases and functions; worlds that import and export interfaces. Types:
// bool, u8..u64, s8..s64, char, string, list<T>, option<T>, result<T, E>
// (either side may be `_` or absent), tuple<...>, and names. Doc comments
// (`///`) are kept on functions. Anything else is a parse error naming the
// file and line, so a WIT construct the generator does not know never passes
// silently.

const PRIMS = new Set(['bool', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'char', 'string', 'f32', 'f64']);

function tokenize(src, file) {
  const toks = [];
  let line = 1;
  let doc = [];
  for (let i = 0; i < src.length;) {
    const c = src[i];
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith('///', i)) {
      const end = src.indexOf('\n', i);
      doc.push(src.slice(i + 3, end < 0 ? src.length : end).trim());
      i = end < 0 ? src.length : end;
      continue;
    }
    if (src.startsWith('//', i)) { const end = src.indexOf('\n', i); i = end < 0 ? src.length : end; continue; }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i);
      if (end < 0) throw new Error(`${file}:${line}: unterminated comment`);
      line += src.slice(i, end).split('\n').length - 1;
      i = end + 2;
      continue;
    }
    if (src.startsWith('->', i)) { toks.push({ t: '->', line, doc }); doc = []; i += 2; continue; }
    if ('{}()<>,:;=@_/'.includes(c) && !(c === '_' && /[a-z0-9-]/i.test(src[i + 1] ?? ''))) {
      toks.push({ t: c, line, doc }); doc = []; i++; continue;
    }
    const m = /^%?[a-zA-Z_][a-zA-Z0-9_-]*|^[0-9]+(\.[0-9]+)*(-[a-zA-Z0-9.]+)?/.exec(src.slice(i));
    if (!m) throw new Error(`${file}:${line}: unexpected character '${c}'`);
    toks.push({ t: m[0].replace(/^%/, ''), line, doc, word: true });
    doc = [];
    i += m[0].length;
  }
  return toks;
}

class Parser {
  constructor(src, file) { this.toks = tokenize(src, file); this.i = 0; this.file = file; }
  peek(k = 0) { return this.toks[this.i + k]; }
  next() { const t = this.toks[this.i++]; if (!t) throw new Error(`${this.file}: unexpected end of input`); return t; }
  fail(t, msg) { throw new Error(`${this.file}:${t?.line ?? '?'}: ${msg}`); }
  expect(s) { const t = this.next(); if (t.t !== s) this.fail(t, `expected '${s}', got '${t.t}'`); return t; }
  word() { const t = this.next(); if (!t.word) this.fail(t, `expected a name, got '${t.t}'`); return t.t; }
  accept(s) { if (this.peek()?.t === s) { this.i++; return true; } return false; }

  type() {
    const t = this.next();
    if (t.t === '_') return null;
    if (!t.word) this.fail(t, `expected a type, got '${t.t}'`);
    const name = t.t;
    if (PRIMS.has(name)) return { kind: 'prim', name };
    if (name === 'list' || name === 'option') {
      this.expect('<'); const el = this.type(); this.expect('>');
      return { kind: name, el };
    }
    if (name === 'result') {
      if (!this.accept('<')) return { kind: 'result', ok: null, err: null };
      const ok = this.type();
      let err = null;
      if (this.accept(',')) err = this.type();
      this.expect('>');
      return { kind: 'result', ok, err };
    }
    if (name === 'tuple') {
      this.expect('<');
      const items = [];
      do items.push(this.type()); while (this.accept(','));
      this.expect('>');
      return { kind: 'tuple', items };
    }
    if (['flags', 'resource', 'borrow', 'own', 'future', 'stream'].includes(name)) this.fail(t, `'${name}' is not supported by build/abi`);
    return { kind: 'ref', name };
  }

  /** `{ a, b: T, c(T) }` bodies; `withType`: 'field' (name: T), 'case' (name or name(T)), 'name'. */
  list(withType) {
    this.expect('{');
    const out = [];
    while (!this.accept('}')) {
      const name = this.word();
      let type = null;
      if (withType === 'field') { this.expect(':'); type = this.type(); }
      if (withType === 'case' && this.accept('(')) { type = this.type(); this.expect(')'); }
      out.push({ name, type });
      if (!this.accept(',')) { this.expect('}'); break; }
    }
    return out;
  }

  func(name, doc) {
    this.expect('func');
    this.expect('(');
    const params = [];
    while (!this.accept(')')) {
      const p = this.word(); this.expect(':');
      params.push({ name: p, type: this.type() });
      if (!this.accept(',')) { this.expect(')'); break; }
    }
    let result = null;
    if (this.accept('->')) result = this.type();
    this.expect(';');
    return { name, params, result, doc };
  }

  interfaceBody(iface) {
    this.expect('{');
    while (!this.accept('}')) {
      const t = this.peek();
      const kw = this.word();
      if (kw === 'record') { const n = this.word(); iface.types.set(n, { kind: 'record', name: n, fields: this.list('field') }); continue; }
      if (kw === 'enum') { const n = this.word(); iface.types.set(n, { kind: 'enum', name: n, cases: this.list('name').map((c) => c.name) }); continue; }
      if (kw === 'variant') { const n = this.word(); iface.types.set(n, { kind: 'variant', name: n, cases: this.list('case') }); continue; }
      if (kw === 'type') { const n = this.word(); this.expect('='); const ty = this.type(); this.expect(';'); iface.types.set(n, { kind: 'alias', name: n, type: ty }); continue; }
      if (kw === 'use' || kw === 'flags' || kw === 'resource') this.fail(t, `'${kw}' is not supported by build/abi`);
      this.expect(':');
      iface.funcs.push(this.func(kw, t.doc));
    }
  }

  parseFile(pkg) {
    while (this.peek()) {
      const t = this.peek();
      const kw = this.word();
      if (kw === 'package') {
        let name = '';
        while (this.peek().t !== ';') name += this.next().t;
        this.expect(';');
        if (pkg.name && pkg.name !== name) this.fail(t, `package ${name} differs from ${pkg.name}`);
        pkg.name = name;
      } else if (kw === 'interface') {
        const n = this.word();
        const iface = { name: n, types: new Map(), funcs: [] };
        this.interfaceBody(iface);
        pkg.interfaces.set(n, iface);
      } else if (kw === 'world') {
        const n = this.word();
        const world = { name: n, imports: [], exports: [] };
        this.expect('{');
        while (!this.accept('}')) {
          const dir = this.word();
          let target = '';
          while (this.peek().t !== ';') target += this.next().t;
          this.expect(';');
          if (dir === 'import') world.imports.push(target);
          else if (dir === 'export') world.exports.push(target);
          else this.fail(t, `unexpected '${dir}' in world ${n}`);
        }
        pkg.worlds.set(n, world);
      } else this.fail(t, `unexpected '${kw}' at top level`);
    }
  }
}

/** Parses WIT sources ([{ file, text }]) of one package. */
export function parseWit(sources) {
  const pkg = { name: null, interfaces: new Map(), worlds: new Map() };
  for (const { file, text } of sources) new Parser(text, file).parseFile(pkg);
  if (!pkg.name) throw new Error('WIT: no package declaration');
  return pkg;
}

/** Follows aliases: the type a name stands for in `iface`. */
export function resolve(iface, ty) {
  while (ty && ty.kind === 'ref') {
    const def = iface.types.get(ty.name);
    if (!def) throw new Error(`WIT: interface ${iface.name}: unknown type '${ty.name}'`);
    ty = def.kind === 'alias' ? def.type : def;
  }
  return ty;
}
