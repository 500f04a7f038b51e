/**
 * Node deadlocks its main thread when a key fresh from a generation job is exported while the garbage
 * collector frees that job (the job's destructor locks the key's mutex; the export holds it while it
 * allocates). Plain node:crypto, `generateKeyPairSync('ec', ...).publicKey.export({ format: 'jwk' })` in a
 * loop, run by runLoop below, hung 3 times in 3 on Node 20.20 when run alone (and sometimes finished when the
 * machine was loaded, so it is not a test here); both tests below hung the same way before the fix
 * (library at db41f5a). jwtkit's generateKeyPair and its ECDH-ES ephemeral keys never hand out such a key. Each loop runs in its own plain node process (tsx only, none of the test preloads), killed
 * after a deadline; a hang is a deadlock, never a slow machine (the loops take seconds).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const DEADLINE_MS = 120_000;

/** Runs `body` (an ES module body, `jwt` = the library) in a fresh process; 'done', 'hung' or 'failed'. */
function runLoop(
  body: string,
  deadlineMs = DEADLINE_MS,
): Promise<{ outcome: 'done' | 'hung' | 'failed'; output: string }> {
  const code = `import * as jwt from ${JSON.stringify(SRC)};\n${body}\nprocess.stdout.write('done');`;
  // --gc-global makes every collection a full one, and the child writes to files, not pipes: both make a
  // collection inside an export (what the hang needs) likely. Seen here: with pipes and without the flag
  // the control loop ran 55,000 turns in 5 s without a hang; with files and the flag it hangs every time.
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-keygen-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  const args = [
    '--gc-global',
    '--max-semi-space-size=1',
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    code,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', out, err] });
  return new Promise((resolve) => {
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      closeSync(out);
      closeSync(err);
      const output = readFileSync(join(dir, 'out'), 'utf8');
      const errors = readFileSync(join(dir, 'err'), 'utf8');
      rmSync(dir, { recursive: true, force: true });
      const outcome = hung ? 'hung' : status === 0 && output === 'done' ? 'done' : 'failed';
      resolve({ outcome, output: `${output}\n${errors}` });
    });
  });
}

describe('key generation never deadlocks node when the key is exported', () => {
  test('generateKeyPair (EC, EdDSA, RSA) then exportJwk / exportPem, thousands of times', async () => {
    const r = await runLoop(`
      for (let i = 0; i < 6000; i++) {
        const { privateKey, publicKey } = jwt.generateKeyPair(i % 3 === 0 ? 'EdDSA' : 'ES256');
        jwt.exportJwk(publicKey);
        jwt.exportJwk(privateKey);
      }
      for (let i = 0; i < 3; i++) {
        const { privateKey, publicKey } = jwt.generateKeyPair('RS256');
        jwt.exportJwk(privateKey);
        jwt.exportPem(publicKey);
      }
    `);
    assert.equal(r.outcome, 'done', r.output);
  });

  test('ECDH-ES encryption (a new ephemeral key each time, its public JWK in the header), P-256 and X25519', async () => {
    const r = await runLoop(`
      const p256 = jwt.generateKeyPair('ES256').publicKey;
      const { createPublicKey, generateKeyPairSync } = await import('node:crypto');
      const x25519 = createPublicKey({ key: generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'jwk' } }).publicKey, format: 'jwk' });
      for (let i = 0; i < 6000; i++)
        jwt.encodeEncrypted({ i }, i % 2 ? p256 : x25519, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
    `);
    assert.equal(r.outcome, 'done', r.output);
  });
});
