// Helpers shared by the bench scripts: machine description, README section rewriting, formatting.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const README = fileURLToPath(new URL('../README.md', import.meta.url));

export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const req = createRequire(import.meta.url);
export function versionOf(pkg: string): string {
  try {
    return (req(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** When packages/jwtkit/dist was last built: newest .js file (the bench measures dist, not src). */
export function distBuiltAt(): string {
  const dist = fileURLToPath(new URL('../../packages/jwtkit/dist/', import.meta.url));
  let newest = 0;
  for (const dir of [dist, `${dist}_lib/`]) {
    try {
      for (const f of readdirSync(dir)) {
        if (f.endsWith('.js')) newest = Math.max(newest, statSync(`${dir}${f}`).mtimeMs);
      }
    } catch {
      // missing directory
    }
  }
  return newest === 0 ? 'not built' : new Date(newest).toISOString().slice(0, 16);
}

/** Captured when the bench starts: the code that is measured is the code that was there then. */
const AT_START = { head: gitHead(), dist: distBuiltAt(), date: new Date().toISOString().slice(0, 16) };

export function machineLine(): string {
  return (
    `node ${process.version}, nproc ${cpus().length}, CPU "${cpuModel()}", ` +
    `${process.platform}/${process.arch}, repo @ ${AT_START.head} (jwtkit dist built ${AT_START.dist}Z), ` +
    `started ${AT_START.date}Z`
  );
}

/** Replaces the text between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in bench/README.md. */
export function writeReadmeSection(name: string, body: string, file: string = README): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '# jwtkit benchmarks\n';
  }
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
  biomeFormat(file);
}

/** Formats a written file the way `biome check .` (npm run lint) expects (Biome 2 formats JSON and Markdown). */
function biomeFormat(file: string): void {
  try {
    const biome = fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url));
    execFileSync(biome, ['format', '--write', file], { stdio: 'ignore' });
  } catch {
    // formatting is cosmetic
  }
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function fmtOps(ops: number): string {
  if (!Number.isFinite(ops)) return 'n/a';
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)}M`;
  if (ops >= 1e4) return `${(ops / 1e3).toFixed(0)}k`;
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)}k`;
  return ops.toFixed(0);
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a';
}

/** Writes bench/results/NAME.json, formatted the way `biome check .` (npm run lint) expects. */
export function writeResultsJson(name: string, value: unknown): void {
  const dir = `${BENCH_DIR}results`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}.json`;
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  biomeFormat(file);
}
