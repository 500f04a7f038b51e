#!/usr/bin/env node
// `npm run lint`: biome over the files git tracks (plus staged new ones), never over untracked files, so a
// stray file (a walk-through's login.json, an editor's scratch file) cannot fail `npm test`.
// Run in any git checkout: it lints the repository of the current directory with that repository's
// biome.json. Extra arguments go to biome (e.g. `npm run lint -- --write`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const biome = join(fileURLToPath(new URL('..', import.meta.url)), 'node_modules/@biomejs/biome/bin/biome');
const git = spawnSync('git', ['ls-files', '-z', '--cached'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (git.status !== 0) {
  console.error(`lint: git ls-files failed (is this a git checkout?)\n${git.stderr}`);
  process.exit(2);
}
// Tracked files deleted in the working tree are not linted (they are gone).
const files = git.stdout.split('\0').filter((f) => f !== '' && existsSync(f));
const extra = process.argv.slice(2);
let status = 0;
// Chunks keep the command line far below any OS limit however large the corpus grows.
for (let i = 0; i < files.length; i += 400) {
  const r = spawnSync(
    process.execPath,
    [
      biome,
      'check',
      '--no-errors-on-unmatched',
      '--files-ignore-unknown=true',
      ...extra,
      ...files.slice(i, i + 400),
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
