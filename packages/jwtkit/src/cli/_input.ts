/** Reading user input: stdin, files, `key=value` pairs, durations and dates. No key handling here. */
import { readFile, stat } from 'node:fs/promises';
import { parseDuration as durationSeconds } from '../_lib/time.js';
import { type CliIo, ioError, usageError } from './_command.js';

/** Largest stdin or input file the CLI reads (a token, a payload, a key or a key set). */
export const MAX_INPUT_BYTES = 1024 * 1024;

export function stdinIsTTY(io: CliIo): boolean {
  return typeof io.stdin === 'object' && io.stdin !== null && io.stdin.isTTY === true;
}

/** Reads all of stdin as UTF-8, capped at MAX_INPUT_BYTES. */
export async function readStdin(io: CliIo, what: string): Promise<string> {
  const input = io.stdin;
  if (input === undefined) throw usageError(`no ${what} given and no standard input`);
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > MAX_INPUT_BYTES) {
      throw ioError(`standard input is larger than ${MAX_INPUT_BYTES} bytes`);
    }
    return input;
  }
  if (input.isTTY === true) throw usageError(`no ${what} given (pass it as an argument or pipe it on stdin)`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += buf.length;
    if (size > MAX_INPUT_BYTES) throw ioError(`standard input is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a file (or stdin for `-`) as bytes, with a clear I/O error (exit 3) and a size cap. */
export async function readInputBytes(path: string, io: CliIo, what: string): Promise<Buffer> {
  if (path === '-') return Buffer.from(await readStdin(io, what), 'utf8');
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw ioError(`cannot read ${what} ${JSON.stringify(path)}: it is a directory`);
    if (info.size > MAX_INPUT_BYTES) {
      throw ioError(`cannot read ${what} ${JSON.stringify(path)}: larger than ${MAX_INPUT_BYTES} bytes`);
    }
    return await readFile(path);
  } catch (err) {
    if (err instanceof Error && err.name === 'CliError') throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'read failed');
    throw ioError(`cannot read ${what} ${JSON.stringify(path)}: ${reason}`);
  }
}

export async function readInputText(path: string, io: CliIo, what: string): Promise<string> {
  return (await readInputBytes(path, io, what)).toString('utf8');
}

/**
 * A token from the argument, or from stdin when the argument is `-` or absent. Surrounding whitespace
 * and an `Authorization`-style `Bearer ` prefix are removed, so a copied header value works.
 */
export async function readToken(arg: string | undefined, io: CliIo): Promise<string> {
  let raw: string;
  if (arg === undefined || arg === '-') {
    if (arg === undefined && (io.stdin === undefined || stdinIsTTY(io))) {
      throw usageError('no token given (pass it as an argument, or `-` / a pipe to read stdin)');
    }
    raw = await readStdin(io, 'token');
  } else {
    raw = arg;
  }
  let token = raw.trim();
  const bearer = /^(?:authorization:\s*)?bearer\s+/i.exec(token);
  if (bearer) token = token.slice(bearer[0].length).trim();
  if (token === '') throw usageError('the token is empty');
  return token;
}

/** A JSON value if the text parses as JSON, else the text itself (`user_id=101` -> 101, `name=alice` -> "alice"). */
export function jsonTyped(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Splits `key=value` (the first `=`); the value is JSON-typed. */
export function parsePair(arg: string, what: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw usageError(`${what} must look like key=value, got ${JSON.stringify(truncate(arg))}`);
  return [arg.slice(0, eq), jsonTyped(arg.slice(eq + 1))];
}

export function truncate(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** `900`, `15m`, `1h`, `7d`, `90 s` -> whole seconds (the library's duration rules). Undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  try {
    return Math.floor(durationSeconds(text, 'duration'));
  } catch {
    return undefined;
  }
}

/** `@1700000000` (epoch seconds) or an ISO 8601 date -> epoch seconds; undefined when neither. */
export function parseAbsoluteTime(text: string): number | undefined {
  const epoch = /^@(\d+)$/.exec(text.trim());
  if (epoch) return Number(epoch[1]);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const ms = Date.parse(text.trim());
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * A claim time given on the command line: a duration relative to `now` (`15m`, `3600`, `-5m`) or an
 * absolute time (`@1700000000`, `2026-01-01T00:00:00Z`).
 */
export function parseClaimTime(text: string, now: number, flag: string): number {
  const abs = parseAbsoluteTime(text);
  if (abs !== undefined) return abs;
  const rel = parseDuration(text);
  if (rel !== undefined) return now + rel;
  throw usageError(
    `${flag} must be a duration (900, 15m, 1h, 7d) or an absolute time (@1700000000, 2026-01-01T00:00:00Z), got ${JSON.stringify(truncate(text))}`,
  );
}

/** `--now`: epoch seconds (`1700000000` or `@1700000000`) or an ISO date. Defaults to the clock. */
export function parseNow(value: string | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000);
  const t = value.trim();
  if (/^@?\d+$/.test(t)) return Number(t.replace('@', ''));
  const abs = parseAbsoluteTime(t);
  if (abs === undefined) {
    throw usageError(`--now must be epoch seconds or an ISO date, got ${JSON.stringify(truncate(value))}`);
  }
  return abs;
}

/** A non-negative number of seconds (`--leeway 30`, `--leeway 1m`). */
export function parseSeconds(value: string, flag: string): number {
  const n = parseDuration(value);
  if (n === undefined || n < 0) {
    throw usageError(
      `${flag} must be a non-negative number of seconds or a duration like 5m, got ${JSON.stringify(truncate(value))}`,
    );
  }
  return n;
}
