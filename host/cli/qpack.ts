// `h3-wasi qpack`: the QPACK Offline Interop tool (see host/qpack/interop.ts).
import fs from 'node:fs';
import { decodeRecords, encodeSections, formatQif, parseEncoded, parseQif } from '../qpack/interop.js';

export const usage = `usage:
  h3-wasi qpack decode <encoded-file> <out.qif> [--table-size N] [--max-blocked N]
  h3-wasi qpack encode <in.qif> <encoded-file> [--table-size N] [--max-blocked N] [--immediate-ack] [--no-huffman]

QPACK Offline Interop format: an encoded file is a sequence of records
[stream id: u64 BE][length: u32 BE][bytes]; stream 0 carries encoder-stream
bytes, every other stream one field section. A QIF file has one
name<TAB>value per line, sections separated by an empty line, # comments.
  --table-size N     SETTINGS_QPACK_MAX_TABLE_CAPACITY of the decoder (default 0)
  --max-blocked N    SETTINGS_QPACK_BLOCKED_STREAMS of the decoder (default 0)
  --immediate-ack    encode: assume each section is acknowledged right after it is emitted
  --no-huffman       encode: never Huffman-code literals
  --stats            print sizes and the compression ratio to stderr`;

function parseArgs(args: string[]) {
  const pos: string[] = [];
  const opt = { tableSize: 0, maxBlocked: 0, immediateAck: false, huffman: true, stats: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = (name: string) => {
      const v = args[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new Error(`${name} needs a non-negative integer, got ${v ?? 'nothing'}`);
      return Number(v);
    };
    if (a === '--table-size' || a === '-t') opt.tableSize = num(a);
    else if (a === '--max-blocked' || a === '-s') opt.maxBlocked = num(a);
    else if (a === '--immediate-ack' || a === '-a') opt.immediateAck = true;
    else if (a === '--no-huffman') opt.huffman = false;
    else if (a === '--stats') opt.stats = true;
    else if (a.startsWith('-') && a !== '-') throw new Error(`unknown option ${a}\n\n${usage}`);
    else pos.push(a);
  }
  return { pos, opt };
}

export async function run(args: string[]): Promise<number> {
  const [mode, ...rest] = args;
  const { pos, opt } = parseArgs(rest);
  if ((mode !== 'decode' && mode !== 'encode') || pos.length !== 2) {
    console.error(usage);
    return 2;
  }
  const [input, output] = pos;
  const data = fs.readFileSync(input === '-' ? 0 : input);
  if (mode === 'decode') {
    const { sections } = decodeRecords(parseEncoded(data), opt);
    const text = formatQif(sections.map((s) => s.fields));
    if (output === '-') process.stdout.write(Buffer.from(text, 'latin1'));
    else fs.writeFileSync(output, Buffer.from(text, 'latin1'));
    if (opt.stats) console.error(`decoded ${sections.length} field sections`);
    return 0;
  }
  const r = encodeSections(parseQif(data.toString('latin1')), opt);
  if (output === '-') process.stdout.write(r.encoded);
  else fs.writeFileSync(output, r.encoded);
  if (opt.stats) {
    const total = r.encoderStreamBytes + r.sectionBytes;
    console.error(`encoded ${r.sections} sections, ${r.fieldLines} field lines: ${r.rawBytes} bytes of names+values -> ${total} bytes (encoder stream ${r.encoderStreamBytes}, sections ${r.sectionBytes}); ratio ${(total / r.rawBytes).toFixed(3)}`);
  }
  return 0;
}
