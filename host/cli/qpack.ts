// `h3-wasi qpack`: the QPACK Offline Interop tool (see host/qpack/interop.ts).
// The engine is loaded only when a subcommand runs, so help stays fast.
import fs from 'node:fs';
import { QpackError } from '../errors.js';
import { isHelp, UsageError } from './usage.js';

type Mode = 'encode' | 'decode';

const ENCODE = 'h3-wasi qpack encode INPUT OUTPUT [-t|--table-size N] [-s|--max-blocked N] [-a|--immediate-ack] [--no-huffman] [--stats]';
const DECODE = 'h3-wasi qpack decode INPUT OUTPUT [-t|--table-size N] [-s|--max-blocked N] [--stats]';
const DASH = "INPUT or OUTPUT '-' is stdin or stdout";

export const description = 'QPACK Offline Interop tool (ls-qpack/nghttp3 formats): QIF file <-> encoded file';
export const synopsis = [ENCODE, DECODE, DASH];

const FORMATS = `An encoded file is a sequence of records [stream id: u64 BE][length: u32 BE][bytes];
stream 0 carries encoder-stream bytes, every other stream one field section.
A QIF file has one name<TAB>value per line, sections separated by an empty
line, # comments.`;

const SHARED_OPTIONS = `  -t, --table-size N    SETTINGS_QPACK_MAX_TABLE_CAPACITY of the decoder (default 0)
  -s, --max-blocked N   SETTINGS_QPACK_BLOCKED_STREAMS of the decoder (default 0)`;

const HELP: Record<Mode | 'qpack', string> = {
  qpack: `usage:
  ${ENCODE}
  ${DECODE}
  ${DASH}

subcommands:
  encode   QIF file (INPUT) -> encoded file (OUTPUT)
  decode   encoded file (INPUT) -> QIF file (OUTPUT)

${FORMATS}

options:
${SHARED_OPTIONS}
  -a, --immediate-ack   encode: assume each section is acknowledged right after it is emitted
      --no-huffman      encode: never Huffman-code literals
      --stats           print sizes (encode: and the compression ratio) to stderr
  -h, --help            this help; \`h3-wasi qpack encode --help\`, \`h3-wasi qpack decode --help\``,
  encode: `usage: ${ENCODE}
  ${DASH}

Encodes the field sections of a QIF file as streams 1, 2, 3, ...; the
encoder-stream bytes a section needs go in a stream-0 record just before it.
The options are the settings of the decoder that will read the file.

${FORMATS}

options:
${SHARED_OPTIONS}
  -a, --immediate-ack   assume each section is acknowledged (and every insert) right
                        after it is emitted, as ls-qpack's \`interop-encode -a 1\` does
      --no-huffman      never Huffman-code literals
      --stats           print sizes and the compression ratio to stderr
  -h, --help            this help`,
  decode: `usage: ${DECODE}
  ${DASH}

Decodes an encoded file into QIF, sections in stream-id order. Sections may
arrive before the encoder-stream instructions they need (they block and are
resumed). Decode with the --table-size and --max-blocked the file was encoded
for: smaller limits than the encoder's make decoding fail.

${FORMATS}

options:
${SHARED_OPTIONS}
      --stats           print the number of sections to stderr
  -h, --help            this help`,
};

interface Options {
  tableSize: number;
  maxBlocked: number;
  immediateAck: boolean;
  huffman: boolean;
  stats: boolean;
}

function parseArgs(mode: Mode, args: string[]) {
  const command = `qpack ${mode}`;
  const syn = [mode === 'encode' ? ENCODE : DECODE, DASH];
  const wrong = (msg: string) => new UsageError(command, msg, syn);
  const pos: string[] = [];
  const opt: Options = { tableSize: 0, maxBlocked: 0, immediateAck: false, huffman: true, stats: false };
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    let inline: string | undefined;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) { inline = a.slice(eq + 1); a = a.slice(0, eq); }
    const num = () => {
      const v = inline ?? args[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) {
        throw wrong(`${a} needs a non-negative integer (at most 4294967295), got ${v === undefined ? 'nothing' : `'${v}'`}`);
      }
      return Number(v);
    };
    const flag = () => {
      if (inline !== undefined) throw wrong(`${a} takes no value, got '${inline}'`);
      return true;
    };
    if (a === '--table-size' || a === '-t') opt.tableSize = num();
    else if (a === '--max-blocked' || a === '-s') opt.maxBlocked = num();
    else if (a === '--stats') opt.stats = flag();
    else if (mode === 'encode' && (a === '--immediate-ack' || a === '-a')) opt.immediateAck = flag();
    else if (mode === 'encode' && a === '--no-huffman') opt.huffman = !flag();
    else if (a === '--immediate-ack' || a === '-a' || a === '--no-huffman') throw wrong(`${a} applies to encode only`);
    else if (a.startsWith('-') && a !== '-') throw wrong(`unknown option '${args[i]}'`);
    else pos.push(a);
  }
  if (pos.length !== 2) {
    throw wrong(`expected 2 arguments (INPUT OUTPUT), got ${pos.length}${pos.length ? ` (${pos.map((p) => `'${p}'`).join(' ')})` : ''}`);
  }
  return { input: pos[0], output: pos[1], opt };
}

/** Reading or writing a file failed: the message says which file. */
class IoError extends Error {}

function readInput(file: string): Buffer {
  try {
    return fs.readFileSync(file === '-' ? 0 : file);
  } catch (e) {
    throw new IoError(`cannot read ${file === '-' ? 'stdin' : `'${file}'`}: ${(e as Error).message}`);
  }
}

function writeOutput(file: string, data: Uint8Array) {
  if (file === '-') {
    process.stdout.write(data);
    return;
  }
  try {
    fs.writeFileSync(file, data);
  } catch (e) {
    throw new IoError(`cannot write '${file}': ${(e as Error).message}`);
  }
}

export async function run(args: string[]): Promise<number> {
  const [mode, ...rest] = args;
  if (mode === undefined) throw new UsageError('qpack', 'missing subcommand (encode or decode)', synopsis);
  if (isHelp(mode)) {
    console.log(HELP.qpack);
    return 0;
  }
  if (mode !== 'encode' && mode !== 'decode') {
    throw new UsageError('qpack', `unknown subcommand '${mode}' (expected encode or decode)`, synopsis);
  }
  if (rest.some(isHelp)) {
    console.log(HELP[mode]);
    return 0;
  }
  const { input, output, opt } = parseArgs(mode, rest);
  try {
    const data = readInput(input);
    const { decodeRecords, encodeSections, formatQif, parseEncoded, parseQif } = await import('../qpack/interop.js');
    if (mode === 'decode') {
      const { sections } = decodeRecords(parseEncoded(data), opt);
      writeOutput(output, Buffer.from(formatQif(sections.map((s) => s.fields)), 'latin1'));
      if (opt.stats) console.error(`decoded ${sections.length} field sections`);
      return 0;
    }
    const r = encodeSections(parseQif(data.toString('latin1')), opt);
    writeOutput(output, r.encoded);
    if (opt.stats) {
      const total = r.encoderStreamBytes + r.sectionBytes;
      console.error(`encoded ${r.sections} sections, ${r.fieldLines} field lines: ${r.rawBytes} bytes of names+values -> ${total} bytes (encoder stream ${r.encoderStreamBytes}, sections ${r.sectionBytes}); ratio ${(total / r.rawBytes).toFixed(3)}`);
    }
    return 0;
  } catch (e) {
    const where = e instanceof IoError ? '' : `${input === '-' ? 'stdin' : `'${input}'`}: `;
    let msg = `h3-wasi qpack ${mode}: ${where}${(e as Error)?.message ?? String(e)}`;
    if (mode === 'decode' && (e instanceof QpackError || /still blocked/.test(msg))) {
      msg += `\nhint: decode with the settings the file was encoded for (the encoder's --table-size and --max-blocked); this run used --table-size ${opt.tableSize} --max-blocked ${opt.maxBlocked}`;
    }
    console.error(msg);
    return 1;
  }
}
