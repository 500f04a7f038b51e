import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { encode, exportJwk, exportPem, generateKeyPair } from '../../src/index.js';
import { run, SEED_SECRET, SEED_TOKEN, STRONG_SECRET, tempDir } from './_helpers.js';

const NOW = 1_700_000_000;
const tmp = tempDir();
after(() => tmp.cleanup());

const es = generateKeyPair('ES256');
const ed = generateKeyPair('EdDSA');
const rsa = generateKeyPair('RS256');
const esPub = tmp.file('es.pub.pem', exportPem(es.publicKey));
const esPrivJwk = tmp.file('es.json', JSON.stringify({ ...exportJwk(es.privateKey), kid: 'es1' }));
const edPub = tmp.file('ed.pub.pem', exportPem(ed.publicKey));
const rsaPub = tmp.file('rsa.pub.pem', exportPem(rsa.publicKey));
const rsaJwkWithAlg = tmp.file('rsa.pub.json', JSON.stringify({ ...exportJwk(rsa.publicKey), alg: 'PS256' }));
const jwksFile = tmp.file(
  'jwks.json',
  JSON.stringify({
    keys: [
      { ...exportJwk(es.publicKey), kid: 'es1' },
      { ...exportJwk(ed.publicKey), kid: 'ed1' },
    ],
  }),
);

const good = encode({ sub: '42', iss: 'https://issuer', iat: NOW, exp: NOW + 900 }, STRONG_SECRET);
const withAud = encode({ sub: '42', aud: ['api', 'admin'], exp: NOW + 900 }, STRONG_SECRET);

describe('jwtkit verify', () => {
  test('the seed token with the right secret: exit 0 and the payload', async () => {
    const r = await run(['verify', '--alg', 'HS256', SEED_TOKEN], { env: { JWT_SECRET: SEED_SECRET } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { user_id: 101, username: 'alice', role: 'admin' });
    assert.match(r.stderr, /only 11 bytes/, 'short HMAC key warning when verifying');
    assert.match(r.stderr, /\(no-exp\)/);
  });

  test('the seed token with a wrong secret: exit 1, the code, and "signature" in one line', async () => {
    const r = await run(['verify', '--alg', 'HS256', SEED_TOKEN], { env: { JWT_SECRET: 'not-the-secret' } });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const line = r.stderr.split('\n').find((l) => l.includes('invalid token'));
    assert.ok(line, r.stderr);
    assert.match(line, /ERR_JWS_SIGNATURE_INVALID/);
    assert.match(line, /[Ss]ignature/);
  });

  test('an HMAC secret without --alg: exit 2 with a usage message explaining why', async () => {
    const r = await run(['verify', SEED_TOKEN], { env: { JWT_SECRET: SEED_SECRET } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pass --alg HS256/);
    assert.match(r.stderr, /algorithm-confusion/);
    assert.match(r.stderr, /Usage: jwtkit verify/);
  });

  test('claims checks: --iss/--aud/--sub pass, and each mismatch fails with its code', async () => {
    const base = ['verify', '--alg', 'HS256', '--now', String(NOW + 10)];
    const env = { JWT_SECRET: STRONG_SECRET };
    const ok = await run([...base, '--iss', 'https://issuer', '--sub', '42', good], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).sub, '42');
    const checks: Array<[string[], string]> = [
      [['--iss', 'https://other'], 'ERR_JWT_ISSUER_INVALID'],
      [['--sub', '43'], 'ERR_JWT_SUBJECT_INVALID'],
      [['--require', 'jti'], 'ERR_JWT_CLAIM_MISSING'],
      [['--typ', 'at+jwt'], 'ERR_JWT_TYP_INVALID'],
      [['--alg', 'HS512'], 'ERR_JWS_ALG_NOT_ALLOWED'],
    ];
    for (const [extra, code] of checks) {
      const argv =
        extra[0] === '--alg'
          ? ['verify', ...extra, '--now', String(NOW + 10), good]
          : [...base, ...extra, good];
      const r = await run(argv, { env });
      assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(code), extra.join(' '));
    }
  });

  test('audience: any of the --aud values must be in the token; a token aud with no --aud is refused, with a hint', async () => {
    const env = { JWT_SECRET: STRONG_SECRET };
    const base = ['verify', '--alg', 'HS256', '--now', String(NOW)];
    assert.equal((await run([...base, '--aud', 'admin', withAud], { env })).code, 0);
    assert.equal((await run([...base, '--aud', 'web', '--aud', 'api', withAud], { env })).code, 0);
    const wrong = await run([...base, '--aud', 'web', withAud], { env });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /ERR_JWT_AUDIENCE_INVALID/);
    const none = await run([...base, withAud], { env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /ERR_JWT_AUDIENCE_INVALID.*pass --aud/);
  });

  test('time: expired, --leeway, --max-age, not yet valid', async () => {
    const env = { JWT_SECRET: STRONG_SECRET };
    const at = (t: number, ...extra: string[]) =>
      run(['verify', '--alg', 'HS256', '--now', String(t), ...extra, good], { env });
    const expired = await at(NOW + 1000);
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /ERR_JWT_EXPIRED/);
    assert.equal((await at(NOW + 1000, '--leeway', '2m')).code, 0);
    const old = await at(NOW + 600, '--max-age', '5m');
    assert.equal(old.code, 1);
    assert.match(old.stderr, /ERR_JWT_/);
    const nbf = encode({ nbf: NOW + 100, exp: NOW + 900 }, STRONG_SECRET);
    const early = await run(['verify', '--alg', 'HS256', '--now', String(NOW), nbf], { env });
    assert.equal(early.code, 1);
    assert.match(early.stderr, /ERR_JWT_NOT_YET_VALID/);
    const iso = await run(
      ['verify', '--alg', 'HS256', '--now', new Date((NOW + 10) * 1000).toISOString(), good],
      { env },
    );
    assert.equal(iso.code, 0);
  });

  test('--json: {valid:true, header, payload} / {valid:false, code, error}', async () => {
    const env = { JWT_SECRET: STRONG_SECRET };
    const ok = await run(['verify', '--json', '--alg', 'HS256', '--now', String(NOW), good], { env });
    const j = JSON.parse(ok.stdout);
    assert.equal(j.valid, true);
    assert.equal(j.header.alg, 'HS256');
    assert.equal(j.payload.sub, '42');
    const bad = await run(['verify', '--json', '--alg', 'HS256', '--now', String(NOW + 5000), good], { env });
    assert.equal(bad.code, 1);
    assert.deepEqual(Object.keys(JSON.parse(bad.stdout)).sort(), ['code', 'error', 'valid']);
    assert.equal(JSON.parse(bad.stdout).code, 'ERR_JWT_EXPIRED');
  });

  test('token from stdin', async () => {
    const r = await run(['verify', '--alg', 'HS256', '--now', String(NOW)], {
      stdin: `${good}\n`,
      env: { JWT_SECRET: STRONG_SECRET },
    });
    assert.equal(r.code, 0);
  });

  test('an EC P-256 key implies ES256; Ed25519 implies EdDSA (no --alg needed)', async () => {
    const t = encode({ sub: 'e', exp: NOW + 60 }, es.privateKey, { algorithm: 'ES256' });
    const r = await run(['verify', '--key', esPub, '--now', String(NOW), t]);
    assert.equal(r.code, 0, r.stderr);
    const d = encode({ sub: 'd', exp: NOW + 60 }, ed.privateKey, { algorithm: 'EdDSA' });
    const r2 = await run(['verify', '--key', edPub, '--now', String(NOW), d]);
    assert.equal(r2.code, 0, r2.stderr);
    // A private JWK works for verifying too.
    const r3 = await run(['verify', '--key', esPrivJwk, '--now', String(NOW), t]);
    assert.equal(r3.code, 0, r3.stderr);
    // The wrong key of the right type: signature invalid.
    const other = encode({ exp: NOW + 60 }, generateKeyPair('ES256').privateKey, { algorithm: 'ES256' });
    const bad = await run(['verify', '--key', esPub, '--now', String(NOW), other]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ERR_JWS_SIGNATURE_INVALID/);
  });

  test('an HS256 token against an EC key (alg confusion) is rejected, not verified', async () => {
    // Forged by hand: encode() itself refuses public-key text (here bare base64 SPKI) as an HMAC secret.
    const secret = exportPem(es.publicKey).replace(/-----[^-]+-----|\s/g, '');
    const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}`;
    const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    const r = await run(['verify', '--key', esPub, forged]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERR_JWS_ALG_NOT_ALLOWED/);
  });

  test('an RSA key without --alg is a usage error; a JWK with "alg" fixes it', async () => {
    const noAlg = await run(['verify', '--key', rsaPub, SEED_TOKEN]);
    assert.equal(noAlg.code, 2);
    assert.match(noAlg.stderr, /RSA key/);
    const t = encode({ exp: NOW + 60 }, rsa.privateKey, { algorithm: 'PS256' });
    const r = await run(['verify', '--key', rsaJwkWithAlg, '--now', String(NOW), t]);
    assert.equal(r.code, 0, r.stderr);
    const r2 = await run([
      'verify',
      '--key',
      rsaPub,
      '--alg',
      'PS256',
      '--alg',
      'RS256',
      '--now',
      String(NOW),
      t,
    ]);
    assert.equal(r2.code, 0, r2.stderr);
  });

  test('--jwks FILE picks the key by kid; unknown kid is an invalid token', async () => {
    const t = encode({ exp: NOW + 60 }, ed.privateKey, { algorithm: 'EdDSA', keyId: 'ed1' });
    const r = await run(['verify', '--jwks', jwksFile, '--now', String(NOW), t]);
    assert.equal(r.code, 0, r.stderr);
    const u = encode({ exp: NOW + 60 }, ed.privateKey, { algorithm: 'EdDSA', keyId: 'nope' });
    const r2 = await run(['verify', '--jwks', jwksFile, '--now', String(NOW), u]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /ERR_JWKS_NO_MATCHING_KEY/);
  });

  describe('errors', () => {
    const cases: Array<[string, string[], number, RegExp, Record<string, string>?]> = [
      ['no key', ['verify', '--alg', 'HS256', SEED_TOKEN], 2, /no key/, {}],
      ['no token on a terminal', ['verify', '--alg', 'HS256'], 2, /no token/],
      ['bad --leeway', ['verify', '--alg', 'HS256', '--leeway', 'lots', SEED_TOKEN], 2, /--leeway/],
      ['bad --max-age', ['verify', '--alg', 'HS256', '--max-age', '-5', SEED_TOKEN], 2, /--max-age/],
      ['unknown --alg', ['verify', '--alg', 'XS256', SEED_TOKEN], 2, /unknown algorithm/],
      ['secret with RS256', ['verify', '--alg', 'RS256', SEED_TOKEN], 2, /only verifies HS256/],
      ['missing key file', ['verify', '--key', '/nonexistent.pem', SEED_TOKEN], 3, /no such file/, {}],
      ['missing JWKS file', ['verify', '--jwks', '/nonexistent.json', SEED_TOKEN], 3, /no such file/, {}],
      [
        'key file that is not a key',
        ['verify', '--key', '__SELF__', SEED_TOKEN],
        3,
        /neither PEM nor JWK/,
        {},
      ],
      ['JWKS file that is a single JWK', ['verify', '--jwks', '__JWK__', SEED_TOKEN], 3, /not a JWKS/, {}],
      ['malformed token', ['verify', '--alg', 'HS256', 'abc.def'], 1, /ERR_JWT_MALFORMED/],
      [
        'bad --jwks-timeout',
        ['verify', '--jwks', 'http://127.0.0.1:1/x', '--jwks-timeout', '0', SEED_TOKEN],
        2,
        /--jwks-timeout/,
        {},
      ],
    ];
    const notKey = tmp.file('not-a-key.txt', 'hello world');
    for (const [name, argv, code, re, env] of cases) {
      test(name, async () => {
        const a = argv.map((x) => (x === '__SELF__' ? notKey : x === '__JWK__' ? esPrivJwk : x));
        const r = await run(a, { env: env ?? { JWT_SECRET: STRONG_SECRET } });
        assert.equal(r.code, code, r.stderr);
        assert.match(r.stderr, re);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      });
    }
  });
});
