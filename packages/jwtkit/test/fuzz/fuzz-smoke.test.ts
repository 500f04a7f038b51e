/**
 * Keeps `npm run fuzz` from rotting: a short run must finish clean, and the forgery detector must fire
 * when the verifiers are replaced by ones that accept everything (so a clean result means something).
 * The million-input run itself is `npm run fuzz` (not part of npm test); its last result is last-run.json.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const runner = resolve(here, 'run.ts');
const repoRoot = resolve(here, '../../../..');
const fuzz = (...extra: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', runner, '--quiet', ...extra], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });

test('a short fuzz run reports 0 forgeries and 0 non-JwtError throws', () => {
  const r = fuzz('--count', '3000', '--seed', '7');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /3,000 mutated tokens/);
  assert.match(r.stdout, /ACCEPTED FORGERIES: 0\n/);
  assert.match(r.stdout, /NON-JwtError THROWS: 0\n/);
});

test('the fuzzer detects forgeries when the verifier accepts everything', () => {
  const r = fuzz('--count', '300', '--seed', '7', '--broken-verifier');
  assert.equal(r.status, 1, 'a broken verifier must make the fuzz run fail');
  const forgeries = Number(/ACCEPTED FORGERIES: (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(forgeries > 250, `only ${forgeries} forgeries reported out of 300 accepted mutants`);
});
