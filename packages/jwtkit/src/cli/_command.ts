/**
 * The shape of a CLI command, declared as data (citty style): `meta` for help, `options` and
 * `positionals` for parsing and help, `run` for the work. `main.ts` parses argv against the
 * declaration, so every command gets `--help`, `--no-color` and usage errors for free.
 */

/** Where the CLI reads and writes. `main()` takes it as an argument so tests can call it in-process. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Standard input: a stream (process.stdin), an async iterable of chunks, or a plain string (tests). */
  stdin?: (AsyncIterable<string | Uint8Array> & { isTTY?: boolean }) | string | undefined;
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal: colour is only ever used on a TTY. */
  isTTY: boolean;
}

/** Exit codes, documented in docs/cli.md and in every `--help`. */
export const EXIT = {
  ok: 0,
  /** The token is invalid (verify) or not a well-formed JWT (decode). */
  invalidToken: 1,
  /** Bad arguments or options. */
  usage: 2,
  /** A file, network or key problem. */
  io: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A user-facing error: printed as one line on stderr (no stack trace), exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** Print the command's usage line after the message (usage errors). */
  readonly showUsage: boolean;
  /** Error code shown before the message, e.g. `ERR_JWT_EXPIRED`. */
  readonly code: string | undefined;
  constructor(message: string, exitCode: ExitCode, opts: { showUsage?: boolean; code?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.showUsage = opts.showUsage ?? exitCode === EXIT.usage;
    this.code = opts.code;
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT.usage);
export const ioError = (message: string, code?: string): CliError =>
  new CliError(message, EXIT.io, code === undefined ? {} : { code });

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `FILE`. */
  valueName?: string;
  description: string;
}

export interface PositionalDef {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Painter {
  enabled: boolean;
  red(s: string): string;
  purple(s: string): string;
  cyan(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

export interface RunContext {
  values: OptionValues;
  positionals: string[];
  io: CliIo;
  color: Painter;
  /** Write a line to stdout. */
  out(line?: string): void;
  /** Write `warning: ...` to stderr. */
  warn(message: string): void;
}

export interface CommandDef {
  meta: {
    name: string;
    /** One line, shown in the command list. */
    summary: string;
    /** Longer text for `--help` (optional). */
    description?: string;
    examples: string[];
  };
  options: Record<string, OptionDef>;
  positionals: PositionalDef[];
  run(ctx: RunContext): Promise<number> | number;
}
