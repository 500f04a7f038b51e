// `npm run lint` (part of `npm test`) sees only what git tracks: a stray untracked file, such as the
// login.json a walk-through used to write into the repo root, cannot fail the suite; a tracked file
// with the same problem does. Runs the real scripts/lint.mjs in a scratch git repository with the
// project's biome.json, so it never writes into the working tree.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jwtkit-lint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'pipe' });
const lint = () =>
  spawnSync(process.execPath, [join(root, 'scripts/lint.mjs')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('lint sees only tracked files', () => {
  git('init', '-q');
  copyFileSync(join(root, 'biome.json'), join(dir, 'biome.json'));
  writeFileSync(join(dir, 'ok.ts'), "export const a = 'x';\n");
  git('add', 'biome.json', 'ok.ts');
  git('commit', '-qm', 'init');

  test('the root lint script is this one', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.equal(pkg.scripts.lint, 'node scripts/lint.mjs');
  });

  test('an untracked file with errors (a walk-through login.json, a scratch .ts) is not linted', () => {
    writeFileSync(join(dir, 'login.json'), '{"access_token":"x",,}');
    writeFileSync(join(dir, 'scratch.ts'), 'var  x = 1;;\n');
    const r = lint();
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('an ignored file is not linted either', () => {
    writeFileSync(join(dir, '.gitignore'), 'ignored.json\n');
    writeFileSync(join(dir, 'ignored.json'), '{,}');
    git('add', '.gitignore');
    const r = lint();
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('the same problems in a tracked (staged) file fail the lint', () => {
    git('add', 'login.json');
    const r = lint();
    assert.notEqual(r.status, 0, 'a tracked broken JSON file must fail lint');
    assert.match(r.stdout + r.stderr, /login\.json/);
  });

  test('a tracked file deleted from the working tree does not break the lint', () => {
    git('rm', '-q', '--cached', 'login.json');
    rmSync(join(dir, 'login.json'));
    rmSync(join(dir, 'ok.ts'));
    const r = lint();
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
