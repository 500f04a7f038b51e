#!/usr/bin/env node
// Runs every `*.test.ts` under packages/*/test and bench/test with node:test (TypeScript through tsx).
// Usage: npm run test:only [-- <path-prefix> ...]   e.g. `npm run test:only -- packages/jwtkit/test/core`
// (`npm test` runs typecheck and lint first, then this.)
// Prints the spec reporter's output, then one closing line: `tests: N passed, N failed, N skipped`.
// Every skipped test is listed by name and reason; with CI set, any skip fails the run. A file gets
// RUN_TESTS_FILE_TIMEOUT_MS (default 6 min); one still running at the end is killed and counted failed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, sep } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['packages/jwtkit/test', 'packages/server/test', 'bench/test'];

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2).map((f) => f.replace(/\\/g, '/').replace(/\/$/, ''));
const files = roots
  .flatMap((r) => walk(join(root, r), []))
  .filter((f) => {
    const rel = relative(root, f).split(sep).join('/');
    return filters.length === 0 || filters.some((x) => rel.startsWith(x));
  })
  .sort();

if (files.length === 0) {
  console.error('run-tests: no test files matched', filters);
  process.exit(1);
}

// tsx must be loaded in every child test process; node:test children inherit process.execArgv.
if (!process.execArgv.some((a) => a.includes('assert-preload'))) {
  console.error('run-tests: start me with `--import ./scripts/assert-preload.mjs` too (npm test does).');
  process.exit(1);
}
if (!process.execArgv.some((a) => a.includes('tsx'))) {
  console.error('run-tests: start me with `node --import tsx scripts/run-tests.mjs` (npm test does).');
  process.exit(1);
}

/** SIGKILLs this process's remaining child processes (Linux /proc); returns their command lines. */
function killLeftoverChildren() {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out; // not Linux: nothing to look at
  }
  for (const pid of entries) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== process.pid) continue;
    let cmd = pid;
    try {
      cmd = `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`;
    } catch {
      // keep the pid
    }
    try {
      process.kill(Number(pid), 'SIGKILL');
      out.push(cmd);
    } catch {
      // already gone
    }
  }
  return out;
}

const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
/** Every skip, named: a skip is never silent, and under CI it fails the run (CI must run everything). */
const skipped = [];
const stream = run({
  files,
  concurrency: Math.max(2, availableParallelism()),
  // Per file. The slowest file takes about 2 min on a loaded 2-core machine; a hung one fails after this.
  timeout: Number(process.env.RUN_TESTS_FILE_TIMEOUT_MS) || 6 * 60 * 1000,
});
stream.on('test:pass', (e) => {
  if (e.details?.type === 'suite') return;
  if (e.skip) {
    counts.skip++;
    skipped.push(
      `${relative(root, e.file ?? '?')}: ${e.name} (${typeof e.skip === 'string' ? e.skip : 'skipped'})`,
    );
  } else if (e.todo) counts.todo++;
  else counts.pass++;
});
stream.on('test:fail', (e) => {
  if (
    e.details?.type === 'suite' &&
    e.details?.error?.failureType !== 'testCodeFailure' &&
    e.details?.error?.failureType !== 'hookFailed'
  )
    return;
  counts.fail++;
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  // Let the reporter flush first.
  setImmediate(() => {
    if (skipped.length > 0) {
      process.stdout.write(`\nSKIPPED (${skipped.length}):\n${skipped.map((s) => `  - ${s}`).join('\n')}\n`);
      if (process.env.CI) process.stdout.write('run-tests: CI is set and tests were skipped: failing.\n');
    }
    const skipFails = skipped.length > 0 && Boolean(process.env.CI);
    // A test file that timed out may still be running (node:test reports it failed but does not kill it),
    // and its open pipes would keep this process, and CI, waiting forever: kill what is left, then exit.
    const leftovers = killLeftoverChildren();
    if (leftovers.length > 0) {
      counts.fail += leftovers.length;
      process.stdout.write(
        `\nrun-tests: killed ${leftovers.length} test process(es) still running after the run:\n${leftovers.map((c) => `  - ${c}`).join('\n')}\n`,
      );
    }
    const code = counts.fail > 0 || skipFails || process.exitCode ? 1 : 0;
    const final =
      `tests: ${counts.pass} passed, ${counts.fail} failed` + (counts.skip ? `, ${counts.skip} skipped` : '');
    process.stdout.write(`\n${final}\n`, () => process.exit(code));
  });
});
