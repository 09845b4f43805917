// Cross-checks with a real peer (libnghttp3 through tests/peers/qpack/nghttp3_qpack.c)
// and the `h3-wasi qpack` offline interop tool, in both directions, on the
// realistic corpus, for table sizes 0, 256, 4096 and blocked limits 0, 100.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../../../host/cli/qpack.js';
import { describeWithPeer, nghttp3Qpack } from '../../helpers/peers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const fixtures = path.join(root, 'tests', 'fixtures', 'qpack');
const CORPORA = ['requests', 'responses'];
const TABLES = [0, 256, 4096];
const BLOCKED = [0, 100];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h3w-qpack-'));
/** The QIF a decoder must produce: the fixture without comments. */
const expected = (corpus: string) => fs.readFileSync(path.join(fixtures, `${corpus}.qif`), 'latin1').split('\n').filter((l) => !l.startsWith('#')).join('\n');
const read = (f: string) => fs.readFileSync(f, 'latin1');

async function tool(...args: string[]) {
  const code = await run(args);
  expect(code).toBe(0);
}

describe('qpack tool: own round trips', () => {
  for (const corpus of CORPORA) for (const t of TABLES) for (const b of BLOCKED) for (const ack of [false, true]) {
    it(`${corpus}: table ${t}, blocked ${b}${ack ? ', immediate ack' : ''}`, async () => {
      const enc = path.join(tmp, `own-${corpus}-${t}-${b}-${ack}.enc`), out = `${enc}.qif`;
      await tool('encode', path.join(fixtures, `${corpus}.qif`), enc, '--table-size', String(t), '--max-blocked', String(b), ...(ack ? ['--immediate-ack'] : []));
      await tool('decode', enc, out, '--table-size', String(t), '--max-blocked', String(b));
      expect(read(out)).toBe(expected(corpus));
    });
  }
});

const peer = nghttp3Qpack();
describeWithPeer(peer, 'libnghttp3 + gcc (QPACK cross-checks)', 'QPACK cross-checks with libnghttp3', () => {
  const ng = (...args: string[]) => {
    const r = spawnSync(peer.bin!, args, { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  };
  for (const corpus of CORPORA) for (const t of TABLES) for (const b of BLOCKED) {
    it(`nghttp3 encodes, h3-wasi decodes: ${corpus}, table ${t}, blocked ${b}`, async () => {
      for (const ack of ['0', '1']) {
        const enc = path.join(tmp, `ng-${corpus}-${t}-${b}-${ack}.enc`), out = `${enc}.qif`;
        ng('encode', path.join(fixtures, `${corpus}.qif`), enc, String(t), String(b), ack);
        await tool('decode', enc, out, '--table-size', String(t), '--max-blocked', String(b));
        expect(read(out)).toBe(expected(corpus));
      }
    });
    it(`h3-wasi encodes, nghttp3 decodes: ${corpus}, table ${t}, blocked ${b}`, async () => {
      for (const ack of [false, true]) {
        const enc = path.join(tmp, `ours-${corpus}-${t}-${b}-${ack}.enc`), out = `${enc}.ng.qif`;
        await tool('encode', path.join(fixtures, `${corpus}.qif`), enc, '--table-size', String(t), '--max-blocked', String(b), ...(ack ? ['--immediate-ack'] : []));
        ng('decode', enc, out, String(t), String(b));
        expect(read(out)).toBe(expected(corpus));
      }
    });
  }
});

describe('h3-wasi qpack command line', () => {
  const bin = path.join(root, 'bin', 'h3-wasi.mjs');
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'qpack', ...args], { encoding: 'utf8' });

  it('encodes and decodes through bin/h3-wasi.mjs', () => {
    const enc = path.join(tmp, 'cli.enc'), out = path.join(tmp, 'cli.qif');
    expect(cli('encode', path.join(fixtures, 'responses.qif'), enc, '--table-size', '4096', '--max-blocked', '100', '--stats').status).toBe(0);
    const r = cli('decode', enc, out, '--table-size', '4096', '--max-blocked', '100');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(read(out)).toBe(expected('responses'));
  });

  it('exits non-zero with a clear message on malformed input', () => {
    const bad = path.join(tmp, 'bad.enc');
    fs.writeFileSync(bad, Buffer.from('00000000000000040000000a0000', 'hex'));
    let r = cli('decode', bad, path.join(tmp, 'x.qif'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/claims 10 bytes/);
    fs.writeFileSync(bad, Buffer.from('0000000000000004000000040000ff24', 'hex'));
    r = cli('decode', bad, path.join(tmp, 'x.qif'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/invalid static table index \(code 0x200\)/);
    // a section that never gets its encoder instructions
    fs.writeFileSync(bad, Buffer.from('00000000000000040000000202' + '00', 'hex'));
    r = cli('decode', bad, path.join(tmp, 'x.qif'), '--table-size', '256', '--max-blocked', '10');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/still blocked/);
    const qif = path.join(tmp, 'bad.qif');
    fs.writeFileSync(qif, ':method GET\n\n');
    r = cli('encode', qif, path.join(tmp, 'x.enc'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no TAB/);
    r = cli('encode', qif, path.join(tmp, 'x.enc'), '--table-size', 'lots');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--table-size needs a non-negative integer/);
  });
});
