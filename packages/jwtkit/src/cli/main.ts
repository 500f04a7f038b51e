/**
 * The `jwtkit` command line. `main(argv, io)` parses the arguments, runs one command and returns the
 * exit code; it never calls process.exit and never throws, so tests call it directly.
 *
 * Exit codes: 0 ok, 1 invalid token, 2 usage error, 3 I/O or key error.
 */
import { parseArgs } from 'node:util';
import { ALGORITHMS, algorithmInfo } from '../_lib/algorithms.js';
import { InvalidKeyError, InvalidTokenError, JwksFetchError, JwtError } from '../errors.js';
import { version } from '../index.js';
import { colorEnabled, painter } from './_color.js';
import { CliError, type CliIo, type CommandDef, EXIT, type OptionDef, type Painter } from './_command.js';

export type { CliIo } from './_command.js';
export { EXIT } from './_command.js';

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandDef>;
}

/** The commands, as data; each module is loaded only when its command runs. */
export const COMMANDS: Record<string, CommandEntry> = {
  encode: {
    summary: 'create a signed JWT from JSON or key=value claims',
    load: async () => (await import('./encode.js')).command,
  },
  decode: {
    summary: "show a token's parts, claims and warnings (no verification)",
    load: async () => (await import('./decode.js')).command,
  },
  verify: {
    summary: "verify a token's signature and claims; print the payload",
    load: async () => (await import('./verify.js')).command,
  },
  keygen: {
    summary: 'generate a key pair or an HMAC secret (JWK or PEM)',
    load: async () => (await import('./keygen.js')).command,
  },
  jwk: {
    summary: 'convert a PEM key to a JWK, or print its thumbprint',
    load: async () => (await import('./jwk.js')).command,
  },
  jwks: {
    summary: 'build a public JWKS from key files (private parts stripped)',
    load: async () => (await import('./jwks.js')).command,
  },
  // JWE (docs/jwe.md)
  encrypt: {
    summary: 'encrypt data (or JWT claims) as a JWE for a recipient key',
    load: async () => (await import('./encrypt.js')).command,
  },
  decrypt: {
    summary: 'decrypt a JWE with your key; print the plaintext',
    load: async () => (await import('./decrypt.js')).command,
  },
  learn: {
    summary: 'the four steps of a first JWT, in TypeScript and Python side by side',
    load: async () => (await import('./learn.js')).command,
  },
};

export const EXIT_CODES_HELP = 'Exit codes: 0 ok, 1 invalid token, 2 usage error, 3 I/O or key error.';

const COMMON_OPTIONS: Record<string, OptionDef> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  'no-color': {
    type: 'boolean',
    description: 'no colours (also: NO_COLOR=1; colours are only used on a TTY)',
  },
};

function topHelp(c: Painter): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    `${c.bold('jwtkit')} ${version} - JSON Web Tokens from the terminal`,
    '',
    'Usage: jwtkit <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also: jwtkit <command> --help)',
    '  -V, --version  print the version',
    '      --no-color no colours (also: NO_COLOR=1)',
    '',
    'Examples:',
    '  $ jwtkit encode --secret-file secret.txt user_id=101 role=admin --exp 15m',
    '  $ TOKEN=$(jwtkit encode --secret mysecret123 user_id=101 role=admin)',
    '  $ jwtkit decode "$TOKEN"',
    `  $ JWT_SECRET=mysecret123 jwtkit verify --alg ${ALGORITHMS.find((a) => algorithmInfo(a)?.family === 'hmac')} "$TOKEN"`,
    '  $ jwtkit keygen ES256 --out es256.json',
    '',
    EXIT_CODES_HELP,
    'Docs: docs/cli.md',
    '',
  ].join('\n');
}

function optionLabel(name: string, def: OptionDef): string {
  const short = def.short ? `-${def.short}, ` : '    ';
  const value = def.type === 'string' ? ` ${def.valueName ?? 'VALUE'}` : '';
  return `${short}--${name}${value}`;
}

export function commandHelp(cmd: CommandDef, c: Painter): string {
  const all = { ...cmd.options, ...COMMON_OPTIONS };
  const labels = Object.entries(all).map(([n, d]) => [optionLabel(n, d), d] as const);
  const width = Math.max(...labels.map(([l]) => l.length), ...cmd.positionals.map((p) => p.name.length + 2));
  const pos = cmd.positionals
    .map((p) => {
      const n = p.variadic ? `${p.name}...` : p.name;
      return p.required ? n : `[${n}]`;
    })
    .join(' ');
  const lines = [
    `${c.bold(`jwtkit ${cmd.meta.name}`)} - ${cmd.meta.summary}`,
    '',
    `Usage: ${usageLine(cmd)}`,
  ];
  if (cmd.meta.description) lines.push('', cmd.meta.description);
  if (pos) {
    lines.push('', 'Arguments:');
    for (const p of cmd.positionals) lines.push(`  ${p.name.padEnd(width)}  ${p.description}`);
  }
  lines.push('', 'Options:');
  for (const [label, d] of labels) {
    const suffix = d.multiple ? ' (repeatable)' : '';
    lines.push(`  ${label.padEnd(width)}  ${d.description}${suffix}`);
  }
  lines.push('', 'Examples:', ...cmd.meta.examples.map((e) => `  $ ${e}`), '', EXIT_CODES_HELP, '');
  return lines.join('\n');
}

function usageLine(cmd: CommandDef): string {
  const pos = cmd.positionals
    .map((p) => {
      const n = p.variadic ? `${p.name}...` : p.name;
      return p.required ? n : `[${n}]`;
    })
    .join(' ');
  return `jwtkit ${cmd.meta.name} [options]${pos ? ` ${pos}` : ''}`;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const sub = dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let d = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, sub);
      // A swap of two neighbours (`--secert`) counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, dp[i - 2]![j - 2]! + 1);
      dp[i]![j] = d;
    }
  }
  return dp[a.length]![b.length]!;
}

/**
 * What the user probably meant: the candidates that the name is a prefix of (`--sec` -> `--secret`,
 * `--secret-file`, ...), else the one nearest by edit distance, within 1 edit for short names and a
 * third of the length for longer ones (`--secrt` -> `--secret`, `--thumbprnt` -> `--thumbprint`).
 */
export function suggestions(name: string, candidates: string[]): string[] {
  const bare = (s: string) => s.replace(/^-+/, '');
  const n = bare(name);
  if (n.length === 0) return [];
  const prefixed = candidates.filter((c) => n.length >= 2 && bare(c).startsWith(n) && bare(c) !== n);
  if (prefixed.length > 0) return prefixed.slice(0, 3);
  let best: string | undefined;
  let bestD = (n.length <= 4 ? 1 : Math.max(2, Math.floor(n.length / 3))) + 1;
  for (const c of candidates) {
    const d = editDistance(n, bare(c));
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best === undefined ? [] : [best];
}

/** "did you mean X?" / "did you mean one of X, Y?" or nothing. */
function didYouMean(name: string, candidates: string[], quote = (s: string) => s): string {
  const s = suggestions(name, candidates);
  if (s.length === 0) return '';
  return s.length === 1
    ? ` (did you mean ${quote(s[0]!)}?)`
    : ` (did you mean one of ${s.map(quote).join(', ')}?)`;
}

type ParsedToken =
  | { kind: 'option'; name: string; rawName: string; index: number; value?: string; inlineValue?: boolean }
  | { kind: 'positional'; index: number; value: string }
  | { kind: 'option-terminator'; index: number };

/**
 * Parses argv against a command's options with our own error messages (never Node's parseArgs text):
 * an unknown option names itself and the nearest known one, a missing value shows the expected form.
 */
function parseCommandArgs(
  cmd: CommandDef,
  args: string[],
): {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  tokens: ParsedToken[];
} {
  const options = { ...cmd.options, ...COMMON_OPTIONS };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, d] of Object.entries(options)) {
    config[name] = {
      type: d.type,
      ...(d.short ? { short: d.short } : {}),
      ...(d.multiple ? { multiple: true } : {}),
    };
  }
  // Non-strict: parseArgs reports what it saw as tokens and we judge them here.
  const parsed = parseArgs({ args, options: config, allowPositionals: true, strict: false, tokens: true });
  const tokens = (parsed.tokens ?? []) as ParsedToken[];
  const longNames = Object.keys(options).map((n) => `--${n}`);
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const def = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (!def) {
      const raw = t.rawName;
      const guess = raw.startsWith('--') ? didYouMean(raw, longNames) : '';
      const shorts = Object.entries(options)
        .filter(([, d]) => d.short)
        .map(([n, d]) => `-${d.short} (--${n})`);
      const hint = guess
        ? guess
        : raw.startsWith('--')
          ? ''
          : shorts.length > 0
            ? ` (short options: ${shorts.join(', ')})`
            : '';
      throw new CliError(`unknown option ${raw}${hint}`, EXIT.usage);
    }
    const label = `--${t.name}${def.short && t.rawName === `-${def.short}` ? ` (-${def.short})` : ''}`;
    if (def.type === 'string') {
      const form = `--${t.name} ${def.valueName ?? 'VALUE'}`;
      if (t.value === undefined) throw new CliError(`${label} needs a value: ${form}`, EXIT.usage);
      if (!t.inlineValue && t.value.length > 1 && t.value.startsWith('-')) {
        // `--secret --exp 15m`: the next option is not the value; a real value starting with '-' uses '='.
        throw new CliError(
          `${label} needs a value but is followed by ${JSON.stringify(t.value.length > 40 ? `${t.value.slice(0, 40)}...` : t.value)}: ` +
            `${form}${t.value.startsWith('--') ? '' : ` (a value that starts with '-' is written --${t.name}=${t.value})`}`,
          EXIT.usage,
        );
      }
    } else if (t.value !== undefined) {
      throw new CliError(`${label} is a flag and takes no value (remove "=${t.value}")`, EXIT.usage);
    }
  }
  return {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
    tokens,
  };
}

/** Turns any error into a one-line message and an exit code. Stack traces only with JWTKIT_DEBUG=1. */
function report(err: unknown, io: CliIo, prefix: string, cmd: CommandDef | undefined, c: Painter): number {
  let exitCode: number = EXIT.io;
  let code: string | undefined;
  let message: string;
  let showUsage = false;
  if (err instanceof CliError) {
    exitCode = err.exitCode;
    code = err.code;
    message = err.message;
    showUsage = err.showUsage;
  } else if (err instanceof JwtError) {
    code = err.code;
    message = err.message;
    if (err.code === 'ERR_JWKS_NO_MATCHING_KEY' || err.code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
      exitCode = EXIT.invalidToken;
    } else if (err instanceof InvalidTokenError) exitCode = EXIT.invalidToken;
    else if (err instanceof InvalidKeyError || err instanceof JwksFetchError) exitCode = EXIT.io;
    else exitCode = EXIT.usage;
  } else {
    message = `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
  }
  const head = exitCode === EXIT.invalidToken ? 'invalid token' : 'error';
  io.stderr.write(`${prefix}: ${c.red(head)}: ${code ? `${code}: ` : ''}${message}\n`);
  if (showUsage && cmd) {
    io.stderr.write(`Usage: ${usageLine(cmd)}\nRun 'jwtkit ${cmd.meta.name} --help' for details.\n`);
  } else if (showUsage) {
    io.stderr.write("Run 'jwtkit --help' for the list of commands.\n");
  }
  if (io.env.JWTKIT_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return exitCode;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const noColorFlag = argv.includes('--no-color');
  const c = painter(colorEnabled(io, noColorFlag));
  const first = argv[0];
  try {
    if (first === undefined) {
      io.stderr.write(topHelp(c));
      return EXIT.usage;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      const target = first === 'help' ? argv[1] : undefined;
      if (target !== undefined) return main([target, '--help', ...argv.slice(2)], io);
      io.stdout.write(topHelp(c));
      return EXIT.ok;
    }
    if (first === '--version' || first === '-V' || first === 'version') {
      io.stdout.write(`${version}\n`);
      return EXIT.ok;
    }
    if (first === '--no-color') return main(argv.slice(1).concat('--no-color'), io);
    const entry = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (!entry) {
      if (first.startsWith('-')) {
        const guess = first.startsWith('--') ? didYouMean(first, ['--help', '--version', '--no-color']) : '';
        throw new CliError(
          `unknown option ${first}${guess}; a command comes first: jwtkit <command> [options]`,
          EXIT.usage,
        );
      }
      throw new CliError(
        `unknown command ${JSON.stringify(first)}${didYouMean(first, Object.keys(COMMANDS), (s) => `'${s}'`)}`,
        EXIT.usage,
      );
    }
    const cmd = await entry.load();
    return await runCommand(cmd, argv.slice(1), io, c);
  } catch (err) {
    return report(err, io, 'jwtkit', undefined, c);
  }
}

async function runCommand(cmd: CommandDef, args: string[], io: CliIo, c: Painter): Promise<number> {
  const prefix = `jwtkit ${cmd.meta.name}`;
  try {
    const parsed = parseCommandArgs(cmd, args);
    const values = parsed.values;
    if (values.help) {
      io.stdout.write(commandHelp(cmd, c));
      return EXIT.ok;
    }
    // Single-valued string options given twice are an error, not "last one wins" (e.g. two --secret).
    for (const [name, d] of Object.entries(cmd.options)) {
      if (d.type !== 'string' || d.multiple) continue;
      const count = parsed.tokens.filter((t) => t.kind === 'option' && t.name === name).length;
      if (count > 1) throw new CliError(`--${name} was given ${count} times; give it once`, EXIT.usage);
    }
    const positionals = parsed.positionals;
    const required = cmd.positionals.filter((p) => p.required);
    if (positionals.length < required.length) {
      throw new CliError(`missing argument ${required[positionals.length]!.name}`, EXIT.usage);
    }
    const variadic = cmd.positionals.some((p) => p.variadic);
    if (!variadic && positionals.length > cmd.positionals.length) {
      const extra = positionals[cmd.positionals.length]!;
      throw new CliError(
        `unexpected argument ${JSON.stringify(extra.length > 40 ? `${extra.slice(0, 40)}...` : extra)}`,
        EXIT.usage,
      );
    }
    return await cmd.run({
      values,
      positionals,
      io,
      color: c,
      out: (line = '') => {
        io.stdout.write(`${line}\n`);
      },
      warn: (m) => {
        io.stderr.write(`${prefix}: ${c.yellow('warning')}: ${m}\n`);
      },
    });
  } catch (err) {
    return report(err, io, prefix, cmd, c);
  }
}
