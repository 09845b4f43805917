// `h3-wasi <command> ...`. A command module (see usage.ts) describes itself
// cheaply and loads the engine only when it runs, so `--help` and
// `--version` stay fast.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as get from './get.js';
import * as qpack from './qpack.js';
import * as serve from './serve.js';
import * as wtGet from './wt-get.js';
import { isHelp, UsageError, type Command } from './usage.js';

const commands: Record<string, Command> = { get, serve, 'wt-get': wtGet, qpack };

/** The version in the package.json this file belongs to (host/cli/ or dist/host/cli/). */
export function version(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8'));
      if (pkg.name === 'h3-wasi') return String(pkg.version);
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

export function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const list = Object.entries(commands).map(([name, c]) =>
    [`  ${name.padEnd(width)}  ${c.description}`, ...c.synopsis.map((l) => `  ${' '.repeat(width)}    ${l}`)].join('\n'));
  return `usage: h3-wasi <command> [arguments]
       h3-wasi -h | --help
       h3-wasi -V | --version

commands:
${list.join('\n')}

options:
  -h, --help       this help; \`h3-wasi <command> [<subcommand>] --help\` shows a command's
  -V, --version    print the version of h3-wasi`;
}

const hint = 'run `h3-wasi --help` for the commands';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(`h3-wasi: missing command\n\n${help()}`);
    return 2;
  }
  if (isHelp(name) || name === 'help') {
    if (name === 'help' && rest.length) return main([...rest, '--help']);
    console.log(help());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    console.log(version());
    return 0;
  }
  if (name.startsWith('-')) {
    console.error(`h3-wasi: unknown option '${name}'\n${hint}`);
    return 2;
  }
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) {
    console.error(`h3-wasi: unknown command '${name}' (commands: ${Object.keys(commands).join(', ')})\n${hint}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`h3-wasi ${e.command}: ${e.message}\nusage:\n${e.synopsis.map((l) => `  ${l}`).join('\n')}\nrun \`h3-wasi ${e.command} --help\` for details`);
      return 2;
    }
    console.error(`h3-wasi ${name}: ${(e as Error)?.message ?? String(e)}`);
    return 1;
  }
}
