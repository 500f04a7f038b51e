/**
 * Keeps both fuzzers from rotting (`npm run fuzz`: JWS/JWT tokens; `npm run fuzz:jwe`: JWEs, to the node:crypto
 * and the WebCrypto builds alike): a short run
 * must finish clean, and the forgery detector must fire when the verifiers (decryptors) are replaced by
 * ones that accept everything, so a clean result means something. The long runs are not part of npm test;
 * their last results are last-run.json and jwe-last-run.json.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');

/** Runs a fuzzer in a child process (asynchronously: a loaded machine slows it, the test runner's timeout bounds it). */
function fuzz(runner: string, ...extra: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    // The tests' keygen preload too (scripts/keygen-preload.mjs): a fuzzer's keys come from node:crypto
    // generation jobs, and node can deadlock exporting one (a JWS fuzzer child hung that way, idle, until
    // the file's timeout).
    const preload = resolve(repoRoot, 'scripts/keygen-preload.mjs');
    const args = ['--import', 'tsx', '--import', preload, resolve(here, runner), '--quiet', ...extra];
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout }));
  });
}

const FUZZERS = [
  { name: 'JWS/JWT', runner: 'run.ts', unit: 'tokens', broken: 'verifier' },
  { name: 'JWE', runner: 'jwe-run.ts', unit: 'JWEs', broken: 'decryptor' },
] as const;

for (const f of FUZZERS) {
  describe(`the ${f.name} fuzzer (${f.runner})`, () => {
    test('a short run reports 0 forgeries and 0 non-JwtError throws', async () => {
      const r = await fuzz(f.runner, '--count', '3000', '--seed', '7');
      assert.equal(r.status, 0, r.stdout);
      assert.match(r.stdout, new RegExp(`3,000 mutated ${f.unit}`));
      assert.match(r.stdout, /ACCEPTED FORGERIES: 0\n/);
      assert.match(r.stdout, /NON-JwtError THROWS: 0\n/);
      if (f.runner === 'jwe-run.ts') {
        // The same mutants went to the WebCrypto build too, each checked on its own.
        assert.match(r.stdout, /each to node and web/);
        assert.match(
          r.stdout,
          /WebCrypto \(jwtkit\/webcrypto\): rejected with a JwtError [\d,]+; accepted with authenticated parts unchanged \d+; forgeries 0; non-JwtError throws 0; hangs 0;/,
        );
        assert.match(r.stdout, /HANGS: 0\n/);
      }
    });

    test(`it detects forgeries when the ${f.broken} accepts everything`, async () => {
      const r = await fuzz(f.runner, '--count', '300', '--seed', '7', '--broken-verifier');
      assert.equal(r.status, 1, `a broken ${f.broken} must make the fuzz run fail`);
      const forgeries = Number(/ACCEPTED FORGERIES: (\d+)/.exec(r.stdout)?.[1]);
      assert.ok(forgeries > 250, `only ${forgeries} forgeries reported out of 300 accepted mutants`);
      if (f.runner === 'jwe-run.ts') {
        const webForgeries = Number(/WebCrypto[^\n]*; forgeries (\d+);/.exec(r.stdout)?.[1]);
        assert.ok(webForgeries > 250, `only ${webForgeries} WebCrypto forgeries out of 300 accepted mutants`);
      }
    });
  });
}
