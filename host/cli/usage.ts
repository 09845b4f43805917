// What every `h3-wasi` command shares: the description of a command for the
// top-level help, and the error for wrong arguments (exit status 2).

export interface Command {
  /** One line for the top-level help. */
  description: string;
  /** The command's usage lines (all options, short aliases, `-`), shown in the top-level help too. */
  synopsis: string[];
  /** Runs the command; returns the exit status. Throws UsageError for wrong arguments. */
  run(args: string[]): Promise<number>;
}

/**
 * Wrong arguments (count, unknown option, bad option value): main prints
 * `h3-wasi <command>: <message>`, then the command's synopsis and where its
 * help is, and exits with status 2.
 */
export class UsageError extends Error {
  constructor(
    /** `qpack encode`, `qpack`, ... */
    readonly command: string,
    message: string,
    /** The usage lines of `command`. */
    readonly synopsis: string[],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** True for the arguments that ask for help. */
export const isHelp = (a: string) => a === '--help' || a === '-h';

/** Walks a command's arguments; `value()` takes the one after the current option (a UsageError when there is none). */
export class ArgCursor {
  #i = -1;
  constructor(readonly args: string[], readonly usage: (message: string) => UsageError) {}
  /** The next argument, undefined at the end. */
  next(): string | undefined { return this.args[++this.#i]; }
  /** The value of the option just read. */
  value(): string {
    if (this.#i + 1 >= this.args.length) throw this.usage(`${this.args[this.#i]} needs a value`);
    return this.args[++this.#i];
  }
}
