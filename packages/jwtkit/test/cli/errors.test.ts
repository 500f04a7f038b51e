// Input and key error paths shared by the commands: each must give its exit code and one clear line,
// never a stack trace, a hang or a crash.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { exportJwk, generateKeyPair } from '../../src/index.js';
import { run, SEED_TOKEN, STRONG_SECRET, tempDir } from './_helpers.js';

const tmp = tempDir();
after(() => tmp.cleanup());
const ec = generateKeyPair('ES256');
const env = { JWT_SECRET: STRONG_SECRET };

describe('input and key errors', () => {
  const cases: Array<{
    name: string;
    argv: string[];
    code: number;
    re: RegExp;
    stdin?: string;
    env?: Record<string, string>;
  }> = [
    {
      name: 'option value missing',
      argv: ['encode', 'a=1', '--secret'],
      code: 2,
      re: /--secret needs a value: --secret SECRET/,
    },
    {
      name: 'value given to a boolean flag',
      argv: ['decode', '--json=yes', SEED_TOKEN],
      code: 2,
      re: /--json is a flag and takes no value \(remove "=yes"\)/,
    },
    { name: 'a directory as payload file', argv: ['encode', `@${tmp.dir}`], code: 3, re: /is a directory/ },
    {
      name: 'a payload file over 1 MiB',
      argv: ['encode', '@__BIG__'],
      code: 3,
      re: /larger than 1048576 bytes/,
    },
    {
      name: 'stdin over 1 MiB (string)',
      argv: ['decode', '-'],
      code: 3,
      re: /standard input is larger/,
      stdin: 'x'.repeat(1024 * 1024 + 1),
    },
    {
      name: '--secret-encoding unknown',
      argv: ['encode', '--secret-encoding', 'rot13', 'a=1'],
      code: 2,
      re: /--secret-encoding must be/,
    },
    {
      name: '--secret-encoding base64 invalid',
      argv: ['encode', '--secret-encoding', 'base64', 'a=1'],
      code: 2,
      re: /not valid base64/,
      env: { JWT_SECRET: 'not base64!' },
    },
    {
      name: '--secret-encoding with --key',
      argv: ['encode', '--secret-encoding', 'hex', '--key', '__JWK__', 'a=1'],
      code: 2,
      re: /only applies to --secret/,
    },
    { name: 'empty --secret', argv: ['encode', '--secret', '', 'a=1'], code: 2, re: /--secret is empty/ },
    {
      name: 'empty secret file',
      argv: ['encode', '--secret-file', '__EMPTY__', 'a=1'],
      code: 2,
      re: /is empty/,
    },
    {
      name: 'key file with broken JSON',
      argv: ['verify', '--key', '__BADJSON__', SEED_TOKEN],
      code: 3,
      re: /not valid JSON/,
    },
    {
      name: 'key file JSON that is no key',
      argv: ['verify', '--key', '__NOKEY__', SEED_TOKEN],
      code: 3,
      re: /neither a JWK .* nor a JWKS/,
    },
    {
      name: 'JWKS with a non-JWK entry',
      argv: ['verify', '--jwks', '__BADSET__', SEED_TOKEN],
      code: 3,
      re: /every entry of "keys"/,
    },
    { name: 'oct JWK without k', argv: ['encode', '--key', '__OCTNOK__', 'a=1'], code: 3, re: /needs "k"/ },
    {
      name: 'JWK with a broken member',
      argv: ['verify', '--key', '__BADJWK__', SEED_TOKEN],
      code: 3,
      re: /not a usable key/,
    },
    {
      name: 'encode --key JWKS with an unknown --kid',
      argv: ['encode', '--key', '__SET__', '--kid', 'zz', 'a=1'],
      code: 2,
      re: /no keys with kid "zz"/,
    },
    {
      name: '--unsecured with --alg',
      argv: ['encode', '--unsecured', '--alg', 'HS256', 'a=1'],
      code: 2,
      re: /drop --alg/,
    },
    {
      name: 'jwk --kid and --kid-thumbprint',
      argv: ['jwk', '__JWK__', '--kid', 'a', '--kid-thumbprint'],
      code: 2,
      re: /not both/,
    },
    {
      name: 'jwk --use bad',
      argv: ['jwk', '__JWK__', '--use', 'sign'],
      code: 2,
      re: /--use must be sig or enc/,
    },
    {
      name: 'verify with a token over the library limit',
      argv: ['verify', '--alg', 'HS256', '-'],
      code: 1,
      re: /ERR_JWT_MALFORMED/,
      stdin: `${'a'.repeat(300_000)}.b.c`,
    },
  ];
  const files: Record<string, string> = {
    __BIG__: tmp.file('big.json', `{"a":"${'x'.repeat(1024 * 1024)}"}`),
    __JWK__: tmp.file('ec.json', JSON.stringify(exportJwk(ec.privateKey))),
    __EMPTY__: tmp.file('empty.txt', '\n'),
    __BADJSON__: tmp.file('bad.json', '{"kty": "EC",'),
    __NOKEY__: tmp.file('nokey.json', '{"hello": "world"}'),
    __BADSET__: tmp.file('badset.json', '{"keys": [1, 2]}'),
    __OCTNOK__: tmp.file('octnok.json', '{"kty": "oct"}'),
    __BADJWK__: tmp.file('badjwk.json', '{"kty": "EC", "crv": "P-256", "x": "!!", "y": "??"}'),
    __SET__: tmp.file('set.json', JSON.stringify({ keys: [{ ...exportJwk(ec.privateKey), kid: 'a' }] })),
  };
  test('stdin over 1 MiB (stream, in chunks)', async () => {
    const chunks = async function* () {
      for (let i = 0; i < 20; i++) yield 'x'.repeat(64 * 1024);
    };
    const r = await run(['decode', '-'], { stdin: chunks() });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /standard input is larger/);
  });

  for (const c of cases) {
    test(c.name, async () => {
      const argv = c.argv.map((a) => {
        for (const [k, v] of Object.entries(files)) if (a.includes(k)) return a.replace(k, v);
        return a;
      });
      const r = await run(argv, { env: c.env ?? env, ...(c.stdin !== undefined ? { stdin: c.stdin } : {}) });
      assert.equal(r.code, c.code, r.stderr);
      assert.match(r.stderr, c.re);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(r.stderr.length < 600, 'short message');
    });
  }
});
