// Docs are tests: every fenced code block in README.md and docs/*.md either
// runs here or says, in the Markdown, why it does not — so an example cannot
// drift from the code without this test failing.
//
// The rules (the marking is an HTML comment right before the block's fence;
// rendered Markdown does not show it):
//  * ```js / ```mjs / ```ts blocks run by default, each as its own ES module
//    (ts with its types stripped by TypeScript's transpileModule), in a fresh
//    directory where `h3-wasi/...` resolves to this checkout (through its
//    package.json `exports`, i.e. dist/, built by `pretest`).
//  * Every other block (```sh and the rest) must be marked:
//      <!-- docs-test: run -->            run it (sh: with bash -euo pipefail;
//                                         `npx h3-wasi` is this checkout)
//      <!-- docs-test: skip <reason> -->  do not run it; the reason is required
//  * A block that is an excerpt (it uses names it does not define) gets the
//    missing definitions from a prelude in its marking, and may be checked by
//    an epilogue after a `---` line:
//      <!-- docs-test: run setup=certs
//      import fs from 'node:fs';
//      ---
//      assert.ok(config);
//      -->
//    (`assert` is node:assert/strict, available to every js/ts prelude and
//    epilogue.)
//  * setup=NAME puts files in the block's directory: `certs` (openssl-made,
//    P-256, valid 10 days: ca.pem, cert.pem = the leaf, key.pem = its PKCS#8
//    key, fullchain.pem = leaf + CA; the leaf is for example.com), `qif`
//    (requests.qif and responses.qif from tests/fixtures/qpack).
//  * A marking that precedes no block, an unknown directive or setup, or a
//    skip without a reason fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseMarkdown, type Block } from './blocks.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const JS = new Set(['js', 'mjs', 'javascript', 'ts', 'typescript']);
const SH = new Set(['sh', 'bash', 'shell']);

const sources = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const parsed = sources.map((f) => parseMarkdown(f, fs.readFileSync(path.join(root, f), 'utf8')));
const blocks = parsed.flatMap((p) => p.blocks);
const problems = parsed.flatMap((p) => p.problems);

const have = (cmd: string) => !spawnSync(cmd, ['version'], { encoding: 'utf8' }).error;

const SETUPS: Record<string, { needs?: string; make: (dir: string) => void }> = {
  certs: {
    needs: 'openssl',
    make(dir) {
      const run = (...args: string[]) => {
        const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
      };
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
      run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '10', '-subj', '/CN=docs-test CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
      run('req', ...ec, '-keyout', 'key.pem', '-out', 'leaf.csr', '-subj', '/CN=example.com');
      fs.writeFileSync(path.join(dir, 'leaf.ext'),
        'subjectAltName=DNS:example.com\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
      run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '10', '-extfile', 'leaf.ext', '-out', 'cert.pem');
      fs.writeFileSync(path.join(dir, 'fullchain.pem'), fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') + fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'));
      for (const f of ['ca.key', 'leaf.csr', 'leaf.ext', 'ca.srl']) fs.rmSync(path.join(dir, f), { force: true });
    },
  },
  qif: {
    make(dir) {
      for (const f of ['requests.qif', 'responses.qif']) fs.copyFileSync(path.join(root, 'tests', 'fixtures', 'qpack', f), path.join(dir, f));
    },
  },
};

/** How a block is treated, or why it cannot be. */
function plan(b: Block): { run: boolean; error?: string } {
  if (b.marker?.kind === 'skip') return { run: false };
  for (const s of b.marker?.setup ?? []) if (!SETUPS[s]) return { run: false, error: `unknown setup '${s}' (known: ${Object.keys(SETUPS).join(', ')})` };
  if (JS.has(b.lang)) return { run: true };
  if (SH.has(b.lang)) {
    return b.marker?.kind === 'run' ? { run: true } : { run: false, error: `a \`\`\`${b.lang} block must be marked <!-- docs-test: run --> or <!-- docs-test: skip <reason> -->` };
  }
  return { run: false, error: `a \`\`\`${b.lang || '(no language)'} block cannot be run: mark it <!-- docs-test: skip <reason> -->` };
}

let work = '';
const setupCache = new Map<string, string>();

beforeAll(() => {
  // A project directory whose node_modules/h3-wasi is this checkout.
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-docs-'));
  fs.mkdirSync(path.join(work, 'node_modules', '.bin'), { recursive: true });
  fs.symlinkSync(root, path.join(work, 'node_modules', 'h3-wasi'), 'dir');
  fs.symlinkSync(path.join('..', 'h3-wasi', 'bin', 'h3-wasi.mjs'), path.join(work, 'node_modules', '.bin', 'h3-wasi'));
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'docs-test', private: true, type: 'module' }));
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function blockDir(b: Block, index: number): string {
  const dir = path.join(work, `${index}-${b.file.replace(/\W+/g, '_')}-${b.line}`);
  fs.mkdirSync(dir);
  for (const s of b.marker?.setup ?? []) {
    let made = setupCache.get(s);
    if (!made) {
      made = path.join(work, `setup-${s}`);
      fs.mkdirSync(made);
      SETUPS[s].make(made);
      setupCache.set(s, made);
    }
    for (const f of fs.readdirSync(made)) fs.copyFileSync(path.join(made, f), path.join(dir, f));
  }
  return dir;
}

function toJs(b: Block): string {
  const m = b.marker;
  const src = [
    "import assert from 'node:assert/strict';",
    m?.prelude ?? '',
    `// ---- ${b.file}:${b.line}`,
    b.code,
    '// ----',
    m?.epilogue ?? '',
  ].join('\n');
  if (b.lang !== 'ts' && b.lang !== 'typescript') return src;
  const out = ts.transpileModule(src, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
  });
  const errors = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (errors.length) throw new Error(`${b.file}:${b.line}: TypeScript: ${errors.join('; ')}`);
  return out.outputText;
}

function runBlock(b: Block, index: number) {
  const dir = blockDir(b, index);
  const env = { ...process.env, PATH: `${path.join(work, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` };
  let r;
  if (JS.has(b.lang)) {
    fs.writeFileSync(path.join(dir, 'block.mjs'), toJs(b));
    r = spawnSync(process.execPath, ['block.mjs'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  } else {
    const script = [b.marker?.prelude ?? '', b.code, b.marker?.epilogue ?? ''].join('\n');
    r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  }
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${b.file}:${b.line} (\`\`\`${b.lang}) exited ${r.status} in ${dir}\n` +
      `fix the example, or mark it <!-- docs-test: skip <reason> --> if it cannot run\n--- stderr\n${r.stderr}\n--- stdout\n${r.stdout}`);
  }
}

describe('docs: every code block runs or is marked', () => {
  it('finds the blocks', () => {
    expect(blocks.length).toBeGreaterThan(5);
    expect(new Set(blocks.map((b) => b.file))).toContain('README.md');
  });

  it('markings are well-formed and every block is runnable or marked skip with a reason', () => {
    const errors = [...problems];
    for (const b of blocks) {
      const p = plan(b);
      if (p.error) errors.push(`${b.file}:${b.line}: ${p.error}`);
    }
    expect(errors).toEqual([]);
  });

  blocks.forEach((b, index) => {
    const p = plan(b);
    const title = `${b.file}:${b.line} \`\`\`${b.lang}${b.marker?.kind === 'skip' ? ` — skipped: ${b.marker.reason}` : ''}`;
    if (!p.run) {
      it.skip(title, () => {});
      return;
    }
    const missing = (b.marker?.setup ?? []).map((s) => SETUPS[s]?.needs).filter((n): n is string => !!n && !have(n));
    if (missing.length) {
      if (process.env.CI) it(title, () => { throw new Error(`${missing.join(', ')} missing under CI (see build/setup.sh)`); });
      else {
        console.warn(`\n!!! SKIPPING ${b.file}:${b.line}: needs ${missing.join(', ')} (see build/setup.sh)\n`);
        it.skip(title, () => {});
      }
      return;
    }
    it(title, () => runBlock(b, index));
  });
});

describe('docs: the marking rules catch drift', () => {
  const errorsOf = (md: string) => {
    const p = parseMarkdown('x.md', md);
    return [...p.problems, ...p.blocks.map((b) => plan(b).error).filter(Boolean)];
  };

  it('an unmarked shell or unknown-language block is an error, a marked one is not', () => {
    expect(errorsOf('```sh\nrm -rf /\n```\n')).toEqual(['a ```sh block must be marked <!-- docs-test: run --> or <!-- docs-test: skip <reason> -->']);
    expect(errorsOf('```\nsome text\n```\n')[0]).toMatch(/no language.*skip/);
    expect(errorsOf('<!-- docs-test: skip (needs a certificate file) -->\n\n```sh\nx\n```\n')).toEqual([]);
    expect(errorsOf('<!-- docs-test: run -->\n```sh\necho hi\n```\n')).toEqual([]);
    expect(errorsOf('```js\nconsole.log(1)\n```\n')).toEqual([]);
  });

  it('a skip needs a reason; unknown directives, options and setups are errors', () => {
    expect(errorsOf('<!-- docs-test: skip -->\n```sh\nx\n```\n')).toEqual(["x.md:1: 'docs-test: skip' needs a reason"]);
    expect(errorsOf('<!-- docs-test: maybe -->\n```js\nx\n```\n')[0]).toMatch(/unknown docs-test directive 'maybe'/);
    expect(errorsOf('<!-- docs-test: run quickly -->\n```js\nx\n```\n')[0]).toMatch(/unknown docs-test option 'quickly'/);
    expect(errorsOf('<!-- docs-test: run setup=nope -->\n```js\nx\n```\n')[0]).toMatch(/unknown setup 'nope'/);
  });

  it('a marking that precedes no block is an error', () => {
    expect(errorsOf('<!-- docs-test: skip (why) -->\nSome prose.\n\n```js\nx\n```\n')).toEqual(['x.md:1: docs-test comment is not followed by a code block']);
    expect(errorsOf('text\n<!-- docs-test: skip (why) -->\n')).toEqual(['x.md:2: docs-test comment is not followed by a code block']);
  });

  it('reads indented blocks, preludes and epilogues', () => {
    const { blocks: [b] } = parseMarkdown('x.md', '1. item\n   <!-- docs-test: run setup=certs,qif\n   const a = 1;\n   ---\n   assert.equal(b, 2);\n   -->\n   ```ts\n   const b: number = a + 1;\n   ```\n');
    expect(b).toMatchObject({ line: 7, lang: 'ts', code: 'const b: number = a + 1;\n' });
    expect(b.marker).toMatchObject({ kind: 'run', setup: ['certs', 'qif'] });
    expect(b.marker!.prelude.trim()).toBe('const a = 1;');
    expect(b.marker!.epilogue.trim()).toBe('assert.equal(b, 2);');
  });
});
