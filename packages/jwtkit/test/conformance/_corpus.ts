/**
 * Shared plumbing of the conformance harness: loading the corpus (through ../_vectors.ts, the repository's
 * checked copy in test/vectors/) and the per-corpus tallies printed as one summary line each
 * (`wycheproof-jws: 401 cases, 0 failed`). A missing or damaged vector file fails loudly; nothing skips.
 */
import { appendFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JwtError } from '../../src/index.js';
import { loadVector, vectorsDir } from '../_vectors.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The corpus copy inside the repository (test/vectors). */
export const conformanceDir = vectorsDir;

export function loadJson<T = unknown>(relative: string): T {
  return loadVector<T>(relative);
}

/** Tally of one corpus: cases run, failed, pending (features not implemented, listed as todo), per group too. */
export class Tally {
  cases = 0;
  failed = 0;
  pending = 0;
  readonly failures: string[] = [];
  readonly groups = new Map<string, { cases: number; failed: number; pending: number }>();
  constructor(readonly name: string) {}
  private group(g: string | undefined) {
    if (g === undefined) return null;
    let e = this.groups.get(g);
    if (!e) {
      e = { cases: 0, failed: 0, pending: 0 };
      this.groups.set(g, e);
    }
    return e;
  }
  pass(group?: string): void {
    this.cases++;
    const g = this.group(group);
    if (g) g.cases++;
  }
  fail(id: string, why: string, group?: string): void {
    this.cases++;
    this.failed++;
    this.failures.push(`${id}: ${why}`);
    const g = this.group(group);
    if (g) {
      g.cases++;
      g.failed++;
    }
  }
  todo(group?: string): void {
    this.pending++;
    const g = this.group(group);
    if (g) g.pending++;
  }
  line(): string {
    return `${this.name}: ${this.cases} cases, ${this.failed} failed${this.pending ? `, ${this.pending} pending` : ''}`;
  }
}

/** Prints the summary lines (stdout) and, for the docs generator, writes them to $CONFORMANCE_SUMMARY_FILE. */
export function printSummary(tallies: Tally[]): void {
  for (const t of tallies) {
    console.log(t.line());
    for (const f of t.failures.slice(0, 20)) console.log(`  FAILED ${f}`);
  }
  const out = process.env.CONFORMANCE_SUMMARY_FILE;
  if (out) {
    for (const t of tallies) {
      const groups = Object.fromEntries(t.groups);
      appendFileSync(
        out,
        `${JSON.stringify({ name: t.name, cases: t.cases, failed: t.failed, pending: t.pending, groups })}\n`,
      );
    }
  }
}

/**
 * Runs `fn` and classifies the outcome. A `JwtError` is a rejection; anything else thrown (TypeError,
 * RangeError, ...) is a crash and is reported as such.
 */
export type Outcome =
  | { kind: 'accept'; value: unknown; ms: number }
  | { kind: 'reject'; error: JwtError; ms: number }
  | { kind: 'crash'; error: unknown; ms: number };

export function outcome(fn: () => unknown): Outcome {
  const start = performance.now();
  try {
    const value = fn();
    return { kind: 'accept', value, ms: performance.now() - start };
  } catch (error) {
    const ms = performance.now() - start;
    if (error instanceof JwtError) return { kind: 'reject', error, ms };
    return { kind: 'crash', error, ms };
  }
}

export function describeOutcome(o: Outcome): string {
  if (o.kind === 'accept') return 'accepted';
  if (o.kind === 'reject') return `rejected (${o.error.name} ${o.error.code}: ${o.error.message})`;
  const e = o.error as Error;
  return `CRASHED with a non-JwtError (${e?.name}: ${e?.message})`;
}

export const b64urlJson = (seg: string): unknown =>
  JSON.parse(Buffer.from(seg, 'base64url').toString('utf8'));
