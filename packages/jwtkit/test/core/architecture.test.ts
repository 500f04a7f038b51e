import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './_helpers.js';

const src = join(repoRoot, 'packages/jwtkit/src');
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('one node:crypto boundary per concern: only src/_lib/crypto.ts and the JWE backend src/_lib/jwe-crypto-node.ts import it', () => {
  const importers = files(src)
    .filter((f) =>
      /from\s+['"](node:)?crypto['"]|require\(['"](node:)?crypto['"]\)|import\(['"](node:)?crypto['"]\)/.test(
        readFileSync(f, 'utf8'),
      ),
    )
    .map((f) => relative(src, f));
  assert.deepEqual(importers, ['_lib/crypto.ts', '_lib/jwe-crypto-node.ts']);
});

test('the library has zero runtime dependencies', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'packages/jwtkit/package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.optionalDependencies, undefined);
  // The middleware subpaths name their frameworks as optional peers (for types only): never installed
  // by npm for a user who does not have them, and never imported at run time (next test).
  const peers = (pkg.peerDependencies ?? {}) as Record<string, string>;
  const meta = (pkg.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
  assert.deepEqual(Object.keys(peers).sort(), ['express', 'fastify', 'hono']);
  for (const name of Object.keys(peers))
    assert.equal(meta[name]?.optional, true, `${name} is an optional peer`);
});

test('the library never imports a framework at run time (middleware uses them for types only)', () => {
  const offenders = files(src).filter((f) =>
    /^\s*import\s+(?!type\b)[^;]*from\s+['"](express|fastify|hono|@hono\/[^'"]+|hono\/[^'"]+)['"]/m.test(
      readFileSync(f, 'utf8'),
    ),
  );
  assert.deepEqual(
    offenders.map((f) => relative(src, f)),
    [],
  );
});

test('the version export matches package.json', async () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'packages/jwtkit/package.json'), 'utf8')) as {
    version: string;
  };
  const { version } = await import('../../src/index.js');
  assert.equal(version, pkg.version);
});

test('no TypeScript enums and kebab-case file names in the library and the server', () => {
  const all = [...files(src), ...files(join(repoRoot, 'packages/server/src'))];
  for (const f of all) {
    const name = f.split('/').pop()!;
    assert.match(name, /^_?[a-z0-9]+(-[a-z0-9]+)*(\.d)?\.ts$/, `file name ${relative(repoRoot, f)}`);
    assert.doesNotMatch(
      readFileSync(f, 'utf8'),
      /^\s*(export\s+)?(const\s+)?enum\s+\w+/m,
      `enum in ${relative(repoRoot, f)}`,
    );
  }
});

test('no string-keyed table is read without an own-property check (or is a Map)', () => {
  // GUIDE.md: "No lookup of a caller's or a token's string in a plain object without an own-property
  // check". Every module-level `Record<string, ...>` table must be read as `Object.hasOwn(T, k) ? T[k]`
  // or through a helper that does it (`lookup` in claims-info.ts), or be a null-prototype object; the
  // rest use a Map.
  const problems: string[] = [];
  for (const f of files(src)) {
    if (f.includes('/cli/')) continue;
    const text = readFileSync(f, 'utf8');
    const tables = [...text.matchAll(/const (\w+)\s*:\s*(?:Readonly<)?Record<string,[^=]*=\s*(.*)/g)]
      .filter((m) => !m[2]!.startsWith('Object.create(null)')) // null-prototype: nothing inherited
      .map((m) => m[1]!);
    for (const name of tables) {
      for (const line of text.split('\n')) {
        // A computed key (not a string literal: `h['retry-after'] = ...` is a fixed name).
        const reads = new RegExp(`\\b${name}\\[(?!['"\`])`).test(line) && !/^\s*(\*|\/\/)/.test(line);
        if (reads && !line.includes('Object.hasOwn(')) problems.push(`${relative(src, f)}: ${line.trim()}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
