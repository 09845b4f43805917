// `h3-wasi <command> ...`: one module per command, loaded on demand.
// A command module exports `run(args: string[]): Promise<number>` (exit code)
// and `usage: string`.

interface Command {
  run(args: string[]): Promise<number>;
  usage: string;
}

const commands: Record<string, () => Promise<Command>> = {
  qpack: () => import('./qpack.js'),
};

function help(): string {
  const names = Object.keys(commands);
  return `usage: h3-wasi <command> [options]\n\ncommands:\n${names.map((n) => `  ${n}`).join('\n') || '  (none yet)'}\n\nh3-wasi <command> --help shows a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`h3-wasi: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    console.error(`h3-wasi ${name}: ${(e as Error).message}`);
    return 1;
  }
}
