import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { COMMANDS } from '../../src/cli/main.js';
import { run } from './_helpers.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('jwtkit (global)', () => {
  test('--version, -V and version print the package version', async () => {
    for (const flag of ['--version', '-V', 'version']) {
      const r = await run([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${pkg.version}\n`);
    }
  });

  test('--help lists every command and the exit codes', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    for (const name of Object.keys(COMMANDS)) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
    assert.match(r.stdout, /Exit codes: 0 ok, 1 invalid token, 2 usage error, 3 I\/O or key error/);
  });

  test('no arguments: help on stderr, exit 2', async () => {
    const r = await run([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Usage: jwtkit <command>/);
  });

  test('unknown command: exit 2 with a suggestion', async () => {
    const r = await run(['decod', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "decod" \(did you mean 'decode'\?\)/);
    const o = await run(['--frobnicate']);
    assert.equal(o.code, 2);
    assert.match(o.stderr, /unknown option --frobnicate/);
  });

  for (const name of Object.keys(COMMANDS)) {
    test(`${name} --help: usage, options, examples and exit codes on stdout`, async () => {
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
      ]) {
        const r = await run(argv);
        assert.equal(r.code, 0, argv.join(' '));
        assert.match(r.stdout, new RegExp(`Usage: jwtkit ${name} \\[options\\]`));
        assert.match(r.stdout, /Options:\n/);
        assert.match(r.stdout, /Examples:\n {2}\$ ([A-Z_]+=\S+ )?jwtkit /);
        assert.match(r.stdout, /Exit codes:/);
        assert.match(r.stdout, /--no-color/);
      }
    });
    test(`${name}: an unknown option is a usage error (exit 2) with the usage line`, async () => {
      const r = await run([name, '--definitely-not-an-option']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /error: unknown option --definitely-not-an-option\n/);
      assert.match(r.stderr, new RegExp(`Usage: jwtkit ${name}`));
    });
  }

  test('help text has no colour escapes when not on a TTY, colours on a TTY', async () => {
    assert.equal((await run(['encode', '--help'])).stdout.includes('\u001b['), false);
    assert.equal((await run(['encode', '--help'], { isTTY: true })).stdout.includes('\u001b['), true);
    assert.equal(
      (await run(['--no-color', 'encode', '--help'], { isTTY: true })).stdout.includes('\u001b['),
      false,
    );
  });

  test('verify --help documents why an HMAC secret needs --alg', async () => {
    const r = await run(['verify', '--help']);
    assert.match(r.stdout, /HMAC secret and no --alg the command\s+exits 2/);
  });

  test('JWTKIT_DEBUG shows a stack trace; otherwise there is none', async () => {
    const plain = await run(['verify', '--key', '/nonexistent.pem', 'a.b.c']);
    assert.doesNotMatch(plain.stderr, /\n\s+at /);
    const debug = await run(['verify', '--key', '/nonexistent.pem', 'a.b.c'], { env: { JWTKIT_DEBUG: '1' } });
    assert.match(debug.stderr, /\n\s+at /);
  });
});
