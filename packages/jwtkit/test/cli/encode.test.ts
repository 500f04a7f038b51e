import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode } from '../../src/index.js';
import { headerOf, payloadOf, run, SEED_SECRET, SEED_TOKEN, STRONG_SECRET, tempDir } from './_helpers.js';

const tmp = tempDir();
after(() => tmp.cleanup());

describe('jwtkit encode', () => {
  test('JSON payload with --secret prints exactly the seed token and a newline', async () => {
    const r = await run([
      'encode',
      '--secret',
      SEED_SECRET,
      '{"user_id":101,"username":"alice","role":"admin"}',
    ]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${SEED_TOKEN}\n`);
  });

  test('key=value pairs (JSON-typed, in the order given) give the same seed token', async () => {
    const r = await run(['encode', '--secret', SEED_SECRET, 'user_id=101', 'username=alice', 'role=admin']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${SEED_TOKEN}\n`);
  });

  test('--secret on the command line warns on stderr, pointing to JWT_SECRET and --secret-file', async () => {
    const r = await run(['encode', '--secret', SEED_SECRET, 'a=1']);
    assert.match(r.stderr, /visible.*ps/);
    assert.match(r.stderr, /JWT_SECRET/);
    assert.match(r.stderr, /--secret-file/);
    assert.match(r.stderr, /11 bytes/, 'short HMAC secret is reported');
  });

  test('JWT_SECRET from the environment: no command-line warning', async () => {
    const r = await run(['encode', 'user_id=101', 'username=alice', 'role=admin'], {
      env: { JWT_SECRET: SEED_SECRET },
    });
    assert.equal(r.stdout, `${SEED_TOKEN}\n`);
    assert.doesNotMatch(r.stderr, /visible/);
  });

  test('--secret-file drops one trailing newline', async () => {
    const f = tmp.file('secret.txt', `${SEED_SECRET}\n`);
    const r = await run(['encode', '--secret-file', f, 'user_id=101', 'username=alice', 'role=admin']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${SEED_TOKEN}\n`);
    assert.equal(r.stderr.includes('visible'), false);
  });

  test('--secret-encoding base64url and hex decode the secret', async () => {
    const b64 = Buffer.from(SEED_SECRET).toString('base64url');
    const hex = Buffer.from(SEED_SECRET).toString('hex');
    const a = await run(
      ['encode', '--secret-encoding', 'base64url', 'user_id=101', 'username=alice', 'role=admin'],
      { env: { JWT_SECRET: b64 } },
    );
    const b = await run(
      ['encode', '--secret-encoding', 'hex', 'user_id=101', 'username=alice', 'role=admin'],
      { env: { JWT_SECRET: hex } },
    );
    assert.equal(a.stdout, `${SEED_TOKEN}\n`);
    assert.equal(b.stdout, `${SEED_TOKEN}\n`);
    const bad = await run(['encode', '--secret-encoding', 'hex', 'a=1'], { env: { JWT_SECRET: 'xyz' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not valid hex/);
  });

  test('payload from stdin (piped) and from - ', async () => {
    const piped = await run(['encode'], {
      stdin: '{"user_id":101,"username":"alice","role":"admin"}\n',
      env: { JWT_SECRET: SEED_SECRET },
    });
    assert.equal(piped.stdout, `${SEED_TOKEN}\n`);
    const dash = await run(['encode', '-', 'role=admin'], {
      stdin: '{"user_id":101,"username":"alice","role":"user"}',
      env: { JWT_SECRET: SEED_SECRET },
    });
    assert.equal(dash.stdout, `${SEED_TOKEN}\n`, 'key=value after - overrides');
  });

  test('payload from @file, with key=value overrides', async () => {
    const f = tmp.file('claims.json', '{"user_id":101,"username":"bob","role":"admin"}');
    const r = await run(['encode', `@${f}`, 'username=alice'], { env: { JWT_SECRET: SEED_SECRET } });
    assert.equal(r.stdout, `${SEED_TOKEN}\n`);
  });

  test('key=value values are JSON-typed', async () => {
    const r = await run(
      ['encode', 'n=1.5', 'b=true', 'z=null', 's=alice', 'q="101"', 'arr=[1,2]', 'o={"a":1}', 'eq=a=b'],
      {
        env: { JWT_SECRET: STRONG_SECRET },
      },
    );
    assert.equal(r.code, 0);
    assert.deepEqual(payloadOf(r.stdout), {
      n: 1.5,
      b: true,
      z: null,
      s: 'alice',
      q: '101',
      arr: [1, 2],
      o: { a: 1 },
      eq: 'a=b',
    });
  });

  test('registered-claim flags: --exp/--nbf durations, --iat, --iss/--aud/--sub/--jti, fixed --now', async () => {
    const r = await run(
      [
        'encode',
        '--now',
        '1700000000',
        '--exp',
        '15m',
        '--nbf=-1m',
        '--iat',
        '--iss',
        'https://issuer',
        '--aud',
        'api',
        '--aud',
        'web',
        '--sub',
        '101',
        '--jti',
        'j1',
        'role=admin',
      ],
      { env: { JWT_SECRET: STRONG_SECRET } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(payloadOf(r.stdout), {
      role: 'admin',
      iss: 'https://issuer',
      sub: '101',
      aud: ['api', 'web'],
      jti: 'j1',
      iat: 1700000000,
      nbf: 1699999940,
      exp: 1700000900,
    });
    // And the library accepts it at that time.
    const p = decode(r.stdout.trim(), STRONG_SECRET, {
      algorithms: ['HS256'],
      now: 1700000100,
      audience: 'web',
    });
    assert.equal(p.sub, '101');
  });

  test('--exp absolute forms: @epoch and ISO date; single --aud is a string', async () => {
    const a = await run(['encode', '--exp', '@1800000000', '--aud', 'api', 'x=1'], {
      env: { JWT_SECRET: STRONG_SECRET },
    });
    assert.equal(payloadOf(a.stdout).exp, 1800000000);
    assert.equal(payloadOf(a.stdout).aud, 'api');
    const b = await run(['encode', '--exp', '2030-01-01T00:00:00Z', 'x=1'], {
      env: { JWT_SECRET: STRONG_SECRET },
    });
    assert.equal(payloadOf(b.stdout).exp, Date.UTC(2030, 0, 1) / 1000);
  });

  test('--header, --kid and --alg HS512 shape the header', async () => {
    const secret = 'x'.repeat(64);
    const r = await run(
      ['encode', '--alg', 'HS512', '--kid', 'k1', '--header', 'typ=at+jwt', '--header', 'ver=2', 'a=1'],
      {
        env: { JWT_SECRET: secret },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(headerOf(r.stdout), { alg: 'HS512', kid: 'k1', typ: 'at+jwt', ver: 2 });
    assert.equal(r.stderr, '');
  });

  test('--unsecured makes an alg none token with a warning, and refuses a key', async () => {
    const r = await run(['encode', '--unsecured', 'sub=1']);
    assert.equal(r.code, 0);
    assert.equal(headerOf(r.stdout).alg, 'none');
    assert.match(r.stderr, /unsigned/);
    const k = await run(['encode', '--unsecured', '--secret-file', '/nonexistent', 'sub=1']);
    assert.equal(k.code, 2);
  });

  describe('errors', () => {
    const env = { JWT_SECRET: STRONG_SECRET };
    const cases: Array<
      [string, string[], number, RegExp, { stdin?: string; env?: Record<string, string> }?]
    > = [
      ['no key at all', ['encode', 'a=1'], 2, /no key/, { env: {} }],
      ['no payload on a terminal', ['encode'], 2, /no payload/],
      ['invalid JSON', ['encode', '{"a":'], 2, /not valid JSON/],
      ['JSON that is not an object', ['encode', '-'], 2, /must be a JSON object/, { stdin: '[1,2]' }],
      ['bad pair', ['encode', 'novalue'], 2, /key=value/],
      ['JSON after pairs', ['encode', 'a=1', '{"b":2}'], 2, /must come first/],
      ['bad --exp', ['encode', '--exp', 'soon', 'a=1'], 2, /--exp must be a duration/],
      ['bad --now', ['encode', '--now', 'yesterday', 'a=1'], 2, /--now/],
      ['exp claim not a number', ['encode', 'exp="tomorrow"'], 2, /NumericDate/],
      ['unknown --alg', ['encode', '--alg', 'HS999', 'a=1'], 2, /unknown algorithm/],
      ['alg none via --alg', ['encode', '--alg', 'none', 'a=1'], 2, /not accepted/],
      ['secret with an asymmetric alg', ['encode', '--alg', 'RS256', 'a=1'], 2, /needs a private key/],
      ['two key sources', ['encode', '--secret', 'x', '--secret-file', 'y', 'a=1'], 2, /only one key source/],
      ['same flag twice', ['encode', '--iss', 'a', '--iss', 'b', 'x=1'], 2, /given 2 times/],
      ['unknown option', ['encode', '--bogus', 'a=1'], 2, /unknown option --bogus/],
      ['missing payload file', ['encode', '@/nonexistent/claims.json'], 3, /no such file/],
      ['missing secret file', ['encode', '--secret-file', '/nonexistent/s', 'a=1'], 3, /no such file/],
      ['missing key file', ['encode', '--key', '/nonexistent/k.pem', 'a=1'], 3, /no such file/],
      ['--header alg', ['encode', '--header', 'alg=none', 'a=1'], 2, /--alg/],
      [
        'secret too short for the library',
        ['encode', 'a=1'],
        3,
        /ERR_JWK_INVALID/,
        { env: { JWT_SECRET: 'short' } },
      ],
    ];
    for (const [name, argv, code, re, opts] of cases) {
      test(name, async () => {
        const r = await run(argv, {
          env: opts?.env ?? env,
          ...(opts?.stdin !== undefined ? { stdin: opts.stdin } : {}),
        });
        assert.equal(r.code, code, `${r.stderr}`);
        assert.match(r.stderr, re);
        assert.equal(r.stdout, '');
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      });
    }
  });
});

test('jwtkit encode: iss/sub/jti/aud from key=value stay strings (StringOrURI)', async () => {
  const r = await run(['encode', 'sub=101', 'iss=7', 'jti=true', 'aud=5', 'n=5'], {
    env: { JWT_SECRET: STRONG_SECRET },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(payloadOf(r.stdout), { sub: '101', iss: '7', jti: 'true', aud: '5', n: 5 });
});
