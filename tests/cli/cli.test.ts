// The `h3-wasi` command as a user runs it (node bin/h3-wasi.mjs, which runs
// dist/ — built by `pretest`): --version, --help on every command and
// subcommand, one-line errors with exit status 2 for wrong arguments, runtime
// errors that name the failing record, and `-` for stdin/stdout.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'h3-wasi.mjs');
const fixtures = path.join(root, 'tests', 'fixtures', 'qpack');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], input?: Buffer | string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, cwd: tmp, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, out: r.stdout.toString('latin1'), err: r.stderr.toString('utf8') };
}

/** The corpus as a decoder writes it: without comments. */
const expectedQif = (corpus: string) =>
  fs.readFileSync(path.join(fixtures, `${corpus}.qif`), 'latin1').split('\n').filter((l) => !l.startsWith('#')).join('\n');

describe('h3-wasi --version', () => {
  for (const flag of ['--version', '-V']) {
    it(flag, () => {
      const r = cli([flag]);
      expect(r.status).toBe(0);
      expect(r.out).toBe(`${pkg.version}\n`);
      expect(r.err).toBe('');
    });
  }
});

describe('h3-wasi --help', () => {
  it('describes every command in one line and shows every option', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = cli(args);
      expect(r.status).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(/^ {2}qpack {2,}\S.*$/m); // the command with a description on its line
      expect(r.out).toMatch(/^ {2}wt-get {2,}\S.*$/m);
      expect(r.out).toContain('h3-wasi wt-get [--stream uni|bidi|datagram]');
      expect(r.out).toContain('--wt-request ENDPOINT/FILE');
      for (const opt of ['--version', '-V', '--help', '--stats', '--no-huffman', '-t|--table-size N', '-s|--max-blocked N', '-a|--immediate-ack', "'-' is stdin or stdout"]) {
        expect(r.out).toContain(opt);
      }
    }
  });

  const cases: Array<[string[], RegExp]> = [
    [['qpack', '--help'], /subcommands:[\s\S]*encode[\s\S]*decode/],
    [['qpack', '-h'], /subcommands:/],
    [['help', 'qpack'], /subcommands:/],
    [['qpack', 'encode', '--help'], /^usage: h3-wasi qpack encode INPUT OUTPUT .*--immediate-ack.*--stats/],
    [['qpack', 'decode', '--help'], /^usage: h3-wasi qpack decode INPUT OUTPUT .*--table-size.*--stats/],
    [['qpack', 'decode', 'a', 'b', '-h'], /^usage: h3-wasi qpack decode/],
    [['wt-get', '--help'], /^usage: h3-wasi wt-get [\s\S]*--stream KIND[\s\S]*--output-dir DIR[\s\S]*--www DIR[\s\S]*--pin SHA256[\s\S]*PROTOCOLS/],
    [['help', 'wt-get'], /^usage: h3-wasi wt-get /],
    [['serve', '--help'], /WebTransport: each top-level folder of DIR[\s\S]*--wt-request ENDPOINT\/FILE[\s\S]*--wt-stream KIND[\s\S]*--output-dir DIR/],
  ];
  for (const [args, re] of cases) {
    it(args.join(' '), () => {
      const r = cli(args);
      expect(r.status).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(re);
    });
  }
});

describe('wrong arguments: one line saying what is wrong, exit 2, then the usage', () => {
  const cases: Array<[string[], string]> = [
    [[], 'h3-wasi: missing command'],
    [['frobnicate'], "h3-wasi: unknown command 'frobnicate' (commands: get, serve, wt-get, qpack)"],
    [['--frob'], "h3-wasi: unknown option '--frob'"],
    [['qpack'], 'h3-wasi qpack: missing subcommand (encode or decode)'],
    [['qpack', 'transcode', 'a', 'b'], "h3-wasi qpack: unknown subcommand 'transcode' (expected encode or decode)"],
    [['qpack', 'encode', 'in.qif'], "h3-wasi qpack encode: expected 2 arguments (INPUT OUTPUT), got 1 ('in.qif')"],
    [['qpack', 'decode'], 'h3-wasi qpack decode: expected 2 arguments (INPUT OUTPUT), got 0'],
    [['qpack', 'decode', 'a', 'b', 'c'], "h3-wasi qpack decode: expected 2 arguments (INPUT OUTPUT), got 3 ('a' 'b' 'c')"],
    [['qpack', 'encode', 'a', 'b', '--frob'], "h3-wasi qpack encode: unknown option '--frob'"],
    [['qpack', 'encode', 'a', 'b', '--table-size'], 'h3-wasi qpack encode: --table-size needs a non-negative integer (at most 4294967295), got nothing'],
    [['qpack', 'encode', 'a', 'b', '-t', 'lots'], "h3-wasi qpack encode: -t needs a non-negative integer (at most 4294967295), got 'lots'"],
    [['qpack', 'decode', 'a', 'b', '--max-blocked=-1'], "h3-wasi qpack decode: --max-blocked needs a non-negative integer (at most 4294967295), got '-1'"],
    [['qpack', 'decode', 'a', 'b', '--stats=yes'], "h3-wasi qpack decode: --stats takes no value, got 'yes'"],
    [['qpack', 'decode', 'a', 'b', '--immediate-ack'], 'h3-wasi qpack decode: --immediate-ack applies to encode only'],
    [['wt-get'], 'h3-wasi wt-get: no URL given'],
    [['wt-get', '--stream', 'x', 'https://h/e/f'], "h3-wasi wt-get: --stream wants uni, bidi or datagram, got 'x'"],
    [['serve', '--wt-request', 'nofile'], "h3-wasi serve: --wt-request wants ENDPOINT/FILE, got 'nofile'"],
    [['serve', '--wt-request', 'e/f'], 'h3-wasi serve: --wt-request needs --output-dir (where the files go)'],
  ];
  for (const [args, line] of cases) {
    it(`h3-wasi ${args.join(' ')}`, () => {
      const r = cli(args);
      expect(r.status).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.split('\n');
      expect(lines[0]).toBe(line);
      expect(r.err).toMatch(/usage|--help/); // then how to use it
    });
  }
});

describe('h3-wasi qpack: runtime errors (exit 1)', () => {
  it('names a file it cannot read', () => {
    const r = cli(['qpack', 'decode', 'missing.enc', 'out.qif']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^h3-wasi qpack decode: cannot read 'missing\.enc': ENOENT/);
  });

  it('names the failing record and hints at the encoder settings', () => {
    const enc = path.join(tmp, 'req.enc');
    expect(cli(['qpack', 'encode', path.join(fixtures, 'requests.qif'), enc, '-t', '4096', '-s', '100']).status).toBe(0);
    const r = cli(['qpack', 'decode', enc, 'out.qif', '-t', '256', '-s', '100']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^h3-wasi qpack decode: '.*req\.enc': record 1 at offset 0 \(encoder stream, \d+ bytes\): .*\(code 0x201\)$/m);
    expect(r.err).toMatch(/^hint: .*--table-size and --max-blocked.*this run used --table-size 256 --max-blocked 100$/m);
    expect(fs.existsSync(path.join(tmp, 'out.qif'))).toBe(false);
  });

  it('names the stream of a bad field section', () => {
    const bad = path.join(tmp, 'bad.enc');
    // record 1: stream 4, a section with an invalid static table index
    fs.writeFileSync(bad, Buffer.from('0000000000000004000000040000ff24', 'hex'));
    const r = cli(['qpack', 'decode', bad, '-']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/record 1 at offset 0 \(stream 4, 4 bytes\): .*invalid static table index \(code 0x200\)/);
    expect(r.out).toBe('');
  });

  it('says which streams are still blocked at the end, with the hint', () => {
    const bad = path.join(tmp, 'blocked.enc');
    // stream 4: a section that needs an insert the file never carries
    fs.writeFileSync(bad, Buffer.from('00000000000000040000000202' + '00', 'hex'));
    const r = cli(['qpack', 'decode', bad, '-', '--table-size', '256', '--max-blocked', '10']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/1 field section\(s\) still blocked at end of input \(streams 4\)/);
    expect(r.err).toMatch(/^hint: .*this run used --table-size 256 --max-blocked 10$/m);
  });

  it('names the record of a truncated file', () => {
    const bad = path.join(tmp, 'short.enc');
    fs.writeFileSync(bad, Buffer.from('000000000000000100000001aa0000', 'hex'));
    const r = cli(['qpack', 'decode', bad, '-']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/record 2 at offset 13: truncated header \(2 of 12 bytes\)/);
  });
});

describe("h3-wasi qpack: '-' is stdin and stdout", () => {
  const qif = fs.readFileSync(path.join(fixtures, 'requests.qif'));

  it('encode - - then decode - - round-trips through pipes', () => {
    const enc = cli(['qpack', 'encode', '-', '-', '--table-size', '4096', '--max-blocked', '100', '--immediate-ack'], qif);
    expect(enc.err).toBe('');
    expect(enc.status).toBe(0);
    expect(enc.stdout.length).toBeGreaterThan(0);
    const dec = cli(['qpack', 'decode', '-', '-', '--table-size', '4096', '--max-blocked', '100'], enc.stdout);
    expect(dec.err).toBe('');
    expect(dec.status).toBe(0);
    expect(dec.out).toBe(expectedQif('requests'));
  });

  it('mixes files and - both ways, with --stats on stderr only', () => {
    const fileEnc = path.join(tmp, 'dash.enc');
    const a = cli(['qpack', 'encode', '-', fileEnc, '-t', '4096', '-s', '100', '--stats'], qif);
    expect(a.status).toBe(0);
    expect(a.out).toBe('');
    expect(a.err).toMatch(/^encoded \d+ sections/);
    const b = cli(['qpack', 'encode', path.join(fixtures, 'requests.qif'), '-', '-t', '4096', '-s', '100']);
    expect(Buffer.compare(b.stdout, fs.readFileSync(fileEnc))).toBe(0);
    const c = cli(['qpack', 'decode', fileEnc, '-', '-t', '4096', '-s', '100', '--stats']);
    expect(c.status).toBe(0);
    expect(c.out).toBe(expectedQif('requests'));
    expect(c.err).toMatch(/^decoded \d+ field sections\n$/);
  });
});
