/**
 * Keeps `npm run fuzz:jwe` from rotting: a short run must finish clean, and the forgery detector must fire
 * when the decryptors are replaced by ones that accept everything. The long run is `npm run fuzz:jwe`; its
 * last result is jwe-last-run.json.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const runner = resolve(here, 'jwe-run.ts');
const repoRoot = resolve(here, '../../../..');
const fuzz = (...extra: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', runner, '--quiet', ...extra], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });

test('a short JWE fuzz run reports 0 forgeries and 0 non-JwtError throws', () => {
  const r = fuzz('--count', '3000', '--seed', '7');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /3,000 mutated JWEs/);
  assert.match(r.stdout, /ACCEPTED FORGERIES: 0\n/);
  assert.match(r.stdout, /NON-JwtError THROWS: 0\n/);
});

test('the JWE fuzzer detects forgeries when the decryptor accepts everything', () => {
  const r = fuzz('--count', '300', '--seed', '7', '--broken-verifier');
  assert.equal(r.status, 1, 'a broken decryptor must make the fuzz run fail');
  const forgeries = Number(/ACCEPTED FORGERIES: (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(forgeries > 250, `only ${forgeries} forgeries reported out of 300 accepted mutants`);
});
