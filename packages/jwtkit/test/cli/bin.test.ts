// Spawn tests of the real `jwtkit` bin (packages/jwtkit/bin/jwtkit.js over dist/). Builds dist first
// when it is missing or older than src/cli/ (the root `prepare` normally has built it; rebuilding only
// for CLI changes keeps this test from rewriting dist/ under other test files that import it).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SEED_SECRET, SEED_TOKEN } from './_helpers.js';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(pkgDir, 'bin/jwtkit.js');
const distMain = join(pkgDir, 'dist/cli/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

before(
  () => {
    if (existsSync(distMain) && statSync(distMain).mtimeMs >= newestMtime(join(pkgDir, 'src/cli'))) return;
    try {
      // flock: several test files or engineers may build at once.
      execFileSync('flock', ['/tmp/jwtkit-build.lock', 'npx', 'tsc', '-p', 'tsconfig.build.json'], {
        cwd: pkgDir,
        stdio: 'pipe',
        timeout: 180_000,
      });
    } catch {
      // tsc still emits when another module has a type error; the existence check below decides.
    }
    assert.ok(existsSync(distMain), 'dist/cli/main.js must exist after the build');
  },
  { timeout: 200_000 },
);

function jwtkit(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    input: opts.input ?? '',
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the jwtkit bin (spawned)', () => {
  test('encode prints exactly the seed token (JSON and key=value forms)', () => {
    const a = jwtkit([
      'encode',
      '--secret',
      SEED_SECRET,
      '{"user_id":101,"username":"alice","role":"admin"}',
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, `${SEED_TOKEN}\n`);
    const b = jwtkit(['encode', '--secret', SEED_SECRET, 'user_id=101', 'username=alice', 'role=admin']);
    assert.equal(b.stdout, `${SEED_TOKEN}\n`);
    assert.match(b.stderr, /JWT_SECRET/);
    assert.doesNotMatch(b.stderr, /\(node:\d+\)/, 'the library process warning is not printed twice');
  });

  test('decode of the seed token shows the three parts; piped stdin works', () => {
    const [h, p, s] = SEED_TOKEN.split('.');
    const r = jwtkit(['decode'], { input: `${SEED_TOKEN}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`HEADER\\s+${h}`));
    assert.match(r.stdout, new RegExp(`PAYLOAD\\s+${p}`));
    assert.match(r.stdout, new RegExp(`SIGNATURE\\n\\s+${s}`));
    assert.match(r.stdout, /signature NOT verified/);
    assert.equal(r.stdout.includes('\u001b['), false, 'no colour on a pipe');
  });

  test('verify: right secret 0, wrong secret 1 (signature invalid), no --alg with a secret 2', () => {
    const ok = jwtkit(['verify', '--alg', 'HS256', SEED_TOKEN], { env: { JWT_SECRET: SEED_SECRET } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).username, 'alice');
    const bad = jwtkit(['verify', '--alg', 'HS256', SEED_TOKEN], { env: { JWT_SECRET: 'wrong-secret' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ERR_JWS_SIGNATURE_INVALID: Signature/);
    const noAlg = jwtkit(['verify', SEED_TOKEN], { env: { JWT_SECRET: SEED_SECRET } });
    assert.equal(noAlg.code, 2);
    assert.match(noAlg.stderr, /--alg HS256/);
  });

  test('--version, and an I/O error exits 3 without a stack trace', () => {
    assert.match(jwtkit(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
    const r = jwtkit(['jwk', '/nonexistent/key.pem']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});
