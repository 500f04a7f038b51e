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

// The node:crypto backend's boundary files. The JWE helper adds its own primitives file here.
const NODE_CRYPTO_FILES = ['_lib/crypto.ts', '_lib/jwe-crypto-node.ts'];

test('one node:crypto boundary: only the node backend boundary files import it', () => {
  const importers = files(src)
    .filter((f) =>
      /from\s+['"](node:)?crypto['"]|require\(['"](node:)?crypto['"]\)|import\(['"](node:)?crypto['"]\)/.test(
        readFileSync(f, 'utf8'),
      ),
    )
    .map((f) => relative(src, f));
  assert.ok(importers.includes('_lib/crypto.ts'));
  assert.deepEqual(
    importers.filter((f) => !NODE_CRYPTO_FILES.includes(f)),
    [],
  );
});

/** Source without comments (so a comment may name what the code must not use). */
const code = (f: string) =>
  readFileSync(f, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

test("one WebCrypto boundary: only src/_lib/crypto-web.ts (and the JWE helper's web file) touches crypto.subtle", () => {
  const users = files(src)
    .filter((f) => /\.subtle\b|\bsubtle\(\)|getRandomValues/.test(code(f)))
    .map((f) => relative(src, f));
  assert.deepEqual(
    users.filter((f) => f !== '_lib/crypto-web.ts' && f !== '_lib/jwe-crypto-web.ts'),
    [],
  );
});

/** The modules `entry` loads at run time (relative imports and re-exports, `import type` left out). */
function runtimeGraph(entry: string): { modules: string[]; external: string[] } {
  const seen = new Set<string>();
  const external: string[] = [];
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s)?([^;]*?)\s*from\s+['"]([^'"]+)['"]/gm)) {
      if (m[2]) continue; // import type / export type: erased
      const spec = m[4]!;
      if (
        /^\{[^}]*\}$/.test(m[3]!.trim()) &&
        m[3]!
          .replace(/[{}\s]/g, '')
          .split(',')
          .every((n) => n.startsWith('type'))
      )
        continue; // { type A, type B }: erased
      if (!spec.startsWith('.')) {
        external.push(`${relative(src, file)} -> ${spec}`);
        continue;
      }
      walk(join(file, '..', spec.replace(/\.js$/, '.ts')));
    }
  };
  walk(join(src, entry));
  return { modules: [...seen].map((f) => relative(src, f)).sort(), external };
}

test('the WebCrypto build loads no node: module and none of the node:crypto backend', () => {
  const { modules, external } = runtimeGraph('webcrypto.ts');
  assert.deepEqual(external, []);
  for (const nodeOnly of [
    '_lib/crypto.ts',
    '_lib/keys.ts',
    '_lib/signature.ts',
    '_lib/verify.ts',
    'index.ts',
    '_lib/jwe-crypto-node.ts',
    '_lib/jwe-keys.ts',
    '_lib/jwe-node.ts',
  ])
    assert.ok(!modules.includes(nodeOnly), `${nodeOnly} is in the WebCrypto build`);
  assert.ok(modules.includes('_lib/crypto-web.ts'));
  // The shared core is shared: the rules both backends run are in the WebCrypto graph too.
  for (const shared of [
    '_lib/key-rules.ts',
    '_lib/jwk.ts',
    '_lib/verify-core.ts',
    '_lib/encode-core.ts',
    '_lib/compact.ts',
    '_lib/claims.ts',
    // JWE: one pipeline and one set of key rules for both builds.
    '_lib/jwe-core.ts',
    '_lib/jwe-jwt-core.ts',
    '_lib/jwe-key-rules.ts',
    '_lib/jwe-algorithms.ts',
    '_lib/jwe-crypto-web.ts',
  ])
    assert.ok(modules.includes(shared), `${shared} is not in the WebCrypto build`);
  const nodeGraph = runtimeGraph('index.ts').modules;
  for (const shared of [
    '_lib/key-rules.ts',
    '_lib/jwk.ts',
    '_lib/verify-core.ts',
    '_lib/encode-core.ts',
    '_lib/jwe-core.ts',
    '_lib/jwe-jwt-core.ts',
    '_lib/jwe-key-rules.ts',
  ])
    assert.ok(nodeGraph.includes(shared), `${shared} is not in the Node build`);
  // The node JWE entry (jwtkit/jwe) loads no WebCrypto JWE file.
  const jweGraph = runtimeGraph('jwe/index.ts').modules;
  for (const webOnly of ['_lib/jwe-crypto-web.ts', '_lib/jwe-keys-web.ts', '_lib/jwe-web.ts'])
    assert.ok(!jweGraph.includes(webOnly), `${webOnly} is in the Node JWE build`);
  assert.ok(jweGraph.includes('_lib/jwe-core.ts') && jweGraph.includes('_lib/jwe-crypto-node.ts'));
});

test('the algorithm table imports nothing (the web page loads the compiled file as it is)', () => {
  assert.doesNotMatch(code(join(src, '_lib/algorithms.ts')), /^\s*(import|export)\s[^;]*from\s/m);
});

test('no file under _lib/ imports a public module (errors.ts, the shared vocabulary, aside)', () => {
  const offenders: string[] = [];
  for (const f of files(join(src, '_lib'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/from\s+['"](\.\.\/[^'"]+)['"]/g))
      if (m[1] !== '../errors.js') offenders.push(`${relative(src, f)} -> ${m[1]}`);
  }
  assert.deepEqual(offenders, []);
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
  assert.equal((await import('../../src/webcrypto.js')).version, pkg.version);
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
