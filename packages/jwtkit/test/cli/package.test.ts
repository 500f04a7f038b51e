// The library as a user gets it: `npm pack` of packages/jwtkit, installed offline from the tarball into
// an empty folder outside the repo. There `import`, `require()` (Node >= 20.19), `npx jwtkit --help`
// and the TypeScript types (ESM and CommonJS resolution) must work, and the tarball must hold its
// README and nothing of the sources or tests. The library has no dependencies, so --offline works.
//
// dist/ is used when it is newer than every file in src/; otherwise the package is built into a
// private copy, so this test never rewrites the dist/ that other test files import.
import assert from 'node:assert/strict';
import { execFileSync, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SEED_SECRET, SEED_TOKEN } from './_helpers.js';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
const repoRoot = join(pkgDir, '../..');
const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'jwtkit-pack-'));
const consumer = join(work, 'consumer');
after(() => rmSync(work, { recursive: true, force: true }));

// A clean environment: nothing inherited from the `npm test` that runs us (npm_config_*, workspaces).
const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work };
env.npm_config_cache = join(work, 'npm-cache');
env.npm_config_update_notifier = 'false';
env.NO_COLOR = '1';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

function sh(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

let tarball = '';
let files: string[] = [];

before(
  () => {
    // The package to pack: the real directory when dist/ is current, else a copy with a fresh build.
    let packDir = pkgDir;
    const distFresh =
      existsSync(join(pkgDir, 'dist/index.js')) &&
      statSync(join(pkgDir, 'dist/index.js')).mtimeMs >= newestMtime(join(pkgDir, 'src'));
    if (!distFresh) {
      packDir = join(work, 'package');
      mkdirSync(packDir);
      for (const name of readdirSync(pkgDir)) {
        if (['node_modules', 'dist', 'test', 'src'].includes(name)) continue;
        cpSync(join(pkgDir, name), join(packDir, name), { recursive: true });
      }
      try {
        execFileSync(
          process.execPath,
          [tsc, '-p', join(pkgDir, 'tsconfig.build.json'), '--outDir', join(packDir, 'dist')],
          {
            stdio: 'pipe',
            timeout: 180_000,
          },
        );
      } catch {
        // tsc emits even with a type error elsewhere; the checks below decide.
      }
    }
    mkdirSync(join(work, 'tgz'));
    const pack = sh('npm', ['pack', '--json', '--pack-destination', join(work, 'tgz')], packDir);
    assert.equal(pack.status, 0, pack.stderr);
    const info = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, 'tgz', info[0]!.filename);
    files = info[0]!.files.map((f) => f.path).sort();

    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    const install = sh(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', tarball],
      consumer,
    );
    assert.equal(install.status, 0, `npm install of the tarball failed:\n${install.stdout}${install.stderr}`);
    assert.doesNotMatch(install.stderr, /EBADENGINE|npm warn/i, install.stderr);
  },
  { timeout: 240_000 },
);

describe('the packed library, installed from its tarball', () => {
  test('the tarball holds README, LICENSE, package.json, bin and dist, and no sources, tests or configs', () => {
    for (const f of [
      'README.md',
      'LICENSE',
      'package.json',
      'bin/jwtkit.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/explain.js',
      'dist/explain.d.ts',
      'dist/cli/main.js',
    ]) {
      assert.ok(files.includes(f), `${f} missing from the tarball: ${files.join(', ')}`);
    }
    const stray = files.filter((f) => /^(src|test)\/|tsconfig|\.test\.|\.tsbuildinfo$/.test(f));
    assert.deepEqual(stray, []);
  });

  test('import works (ESM)', () => {
    const r = sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { encode, version } from 'jwtkit'; import { explainToken } from 'jwtkit/explain';
         process.stdout.write(JSON.stringify([encode({ user_id: 101, username: 'alice', role: 'admin' }, '${SEED_SECRET}', { algorithm: 'HS256' }), typeof explainToken, version]));`,
      ],
      consumer,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [SEED_TOKEN, 'function', '0.1.0']);
  });

  test('require() works (CommonJS, Node >= 20.19)', () => {
    const r = sh(
      process.execPath,
      [
        '-e',
        `const { decode } = require('jwtkit'); const { explainToken } = require('jwtkit/explain');
         process.stdout.write(JSON.stringify([decode('${SEED_TOKEN}', '${SEED_SECRET}', { algorithms: ['HS256'] }), typeof explainToken]));`,
      ],
      consumer,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [{ user_id: 101, username: 'alice', role: 'admin' }, 'function']);
  });

  test('npx jwtkit --help and a real command work from the installed bin', () => {
    const help = sh('npx', ['--offline', 'jwtkit', '--help'], consumer);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^jwtkit 0\.1\.0 - JSON Web Tokens from the terminal/);
    const dec = sh('npx', ['--offline', 'jwtkit', 'decode', '--json', SEED_TOKEN], consumer);
    assert.equal(dec.status, 0, dec.stderr);
    assert.equal(JSON.parse(dec.stdout).payload.username, 'alice');
  });

  test('the types resolve for ESM and CommonJS consumers (tsc, strict, nodenext)', () => {
    writeFileSync(
      join(consumer, 'check.mts'),
      `import { decode, encode, JwtError, type JwtPayload } from 'jwtkit';
import { explainToken } from 'jwtkit/explain';
const token: string = encode({ sub: '1' }, 'k'.repeat(32), { algorithm: 'HS256' });
const claims: JwtPayload = decode(token, 'k'.repeat(32), { algorithms: ['HS256'] });
// @ts-expect-error the algorithm allowlist is required
decode(token, 'k'.repeat(32), {});
// @ts-expect-error not an algorithm
encode({}, 'k', { algorithm: 'HS999' });
const e: string = new JwtError('x').code;
console.log(claims, e, explainToken(token).header);
`,
    );
    writeFileSync(
      join(consumer, 'check.cts'),
      `import jwtkit = require('jwtkit');
const t: string = jwtkit.encode({ a: 1 }, 'k'.repeat(32), { algorithm: 'HS256' });
// @ts-expect-error the algorithm allowlist is required
jwtkit.decode(t, 'k'.repeat(32), {});
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(repoRoot, 'node_modules/@types')],
        },
        files: ['check.mts', 'check.cts'],
      }),
    );
    const r = sh(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer);
    assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);
  });
});
