#!/usr/bin/env node
// Copies the conformance corpus (Wycheproof, RFC examples, the JWT attack corpus) into the repository,
// at packages/jwtkit/test/vectors/, and writes SHA256SUMS there. Tests read only that copy
// (packages/jwtkit/test/_vectors.ts), so a fresh clone needs nothing beside it.
//
//   node scripts/refresh-vectors.mjs [SOURCE_DIR]     default SOURCE_DIR: ../shared/conformance
//
// Our own files in the folder (PROVENANCE.md) are kept; everything else is replaced by the source's.
// Afterwards: `npm run test:only -- packages/jwtkit/test` and commit the folder with a message that
// names the source and its date.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const target = join(root, 'packages/jwtkit/test/vectors');
const source = resolve(process.argv[2] ?? join(root, '..', 'shared', 'conformance'));
const OURS = new Set(['PROVENANCE.md', 'SHA256SUMS']);

if (!existsSync(join(source, 'README.md')) || !existsSync(join(source, 'wycheproof'))) {
  console.error(
    `refresh-vectors: ${source} does not look like the conformance corpus (README.md, wycheproof/)`,
  );
  process.exit(2);
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

for (const name of existsSync(target) ? readdirSync(target) : []) {
  if (!OURS.has(name)) rmSync(join(target, name), { recursive: true, force: true });
}
cpSync(source, target, { recursive: true, filter: (p) => !OURS.has(relative(source, p)) });

const files = walk(target)
  .map((p) => relative(target, p).split(sep).join('/'))
  .filter((rel) => !OURS.has(rel));
const lines = files.map((rel) => {
  const hash = createHash('sha256')
    .update(readFileSync(join(target, rel)))
    .digest('hex');
  return `${hash}  ${rel}`;
});
writeFileSync(join(target, 'SHA256SUMS'), `${lines.join('\n')}\n`);
console.log(
  `refresh-vectors: ${files.length} files from ${source} -> ${relative(root, target)} (SHA256SUMS written)`,
);
