import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode, encodeUnsecured } from '../../src/index.js';
import { ESC, run, SEED_TOKEN, STRONG_SECRET } from './_helpers.js';

const NOW = 1_700_000_000;
const [H, P, S] = SEED_TOKEN.split('.') as [string, string, string];

describe('jwtkit decode', () => {
  test('shows the three parts, pretty header and payload, and says the signature is NOT verified', async () => {
    const r = await run(['decode', SEED_TOKEN]);
    assert.equal(r.code, 0);
    assert.ok(r.stdout.startsWith(`${SEED_TOKEN}\n`), 'token line first');
    assert.match(r.stdout, new RegExp(`HEADER\\s+${H}`));
    assert.match(r.stdout, new RegExp(`PAYLOAD\\s+${P}`));
    assert.match(r.stdout, new RegExp(`SIGNATURE\\n\\s+${S}`));
    assert.match(r.stdout, /\{\n {2}"alg": "HS256",\n {2}"typ": "JWT"\n\}/);
    assert.match(r.stdout, /"user_id": 101,\n {2}"username": "alice",\n {2}"role": "admin"/);
    assert.match(r.stdout, /signature NOT verified/);
    assert.match(r.stdout, /alg\s+[^\n]*HMAC[^\n]*SHA-256/);
    assert.match(r.stdout, /\(no-exp\)/, 'missing exp is a warning');
    assert.equal(r.stderr, '');
  });

  test('colours on a TTY as on jwt.io: header red, payload purple, signature cyan', async () => {
    const r = await run(['decode', SEED_TOKEN], { isTTY: true });
    const first = r.stdout.split('\n')[0]!;
    assert.equal(first, `${ESC}31m${H}${ESC}39m.${ESC}35m${P}${ESC}39m.${ESC}36m${S}${ESC}39m`);
  });

  test('no colour without a TTY, with NO_COLOR or with --no-color; FORCE_COLOR forces it', async () => {
    for (const [opts, argv] of [
      [{ isTTY: false }, []],
      [{ isTTY: true, env: { NO_COLOR: '1' } }, []],
      [{ isTTY: true }, ['--no-color']],
    ] as const) {
      const r = await run(['decode', SEED_TOKEN, ...argv], opts);
      assert.equal(r.stdout.includes(ESC), false, JSON.stringify(opts));
    }
    const forced = await run(['decode', SEED_TOKEN], { env: { FORCE_COLOR: '1' } });
    assert.ok(forced.stdout.includes(`${ESC}31m`));
  });

  test('time claims as ISO dates and relative times, against --now', async () => {
    const token = encode({ sub: '1', iat: NOW - 60, exp: NOW + 14 * 60 }, STRONG_SECRET);
    const r = await run(['decode', '--now', String(NOW), token]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /exp\s+[^\n]*2023-11-14T22:27:20\.000Z \(expires in 14 min\)/);
    assert.match(r.stdout, /iat\s+[^\n]*2023-11-14T22:12:20\.000Z \([^)]* ago\)/);
    assert.match(r.stdout, /RFC 7519 §4\.1\.4/);
    assert.doesNotMatch(r.stdout, /\(no-exp\)/);

    const expired = encode({ exp: NOW - 3 * 3600 }, STRONG_SECRET);
    const e = await run(['decode', '--now', String(NOW), expired]);
    assert.equal(e.code, 0, 'decode does not judge validity');
    assert.match(e.stdout, /expired 3 h ago/);
    assert.match(e.stdout, /\(expired\)/);
  });

  test('warnings: alg none, lifetime over a day, jku/x5u/jwk headers', async () => {
    const none = await run(['decode', encodeUnsecured({ sub: '1' })]);
    assert.match(none.stdout, /\(alg-none\)/);
    const long = encode({ iat: NOW, exp: NOW + 7 * 86400 }, STRONG_SECRET);
    assert.match((await run(['decode', '--now', String(NOW), long])).stdout, /\(long-lifetime\)/);
    const risky = encode({ exp: NOW + 60 }, STRONG_SECRET, {
      headers: {
        jku: 'https://evil.example/jwks',
        x5u: 'https://evil.example/cert',
        jwk: { kty: 'oct', k: 'AA' },
      },
    });
    const out = (await run(['decode', '--now', String(NOW), risky])).stdout;
    assert.match(out, /\(jku\)/);
    assert.match(out, /\(x5u\)/);
    assert.match(out, /\(jwk-header\)/);
  });

  test('--verbose adds the descriptions and links', async () => {
    const r = await run(['decode', '--verbose', SEED_TOKEN]);
    assert.match(r.stdout, /https:\/\/www\.rfc-editor\.org\/rfc\/rfc7515/);
  });

  test('--json: machine output with verified:false', async () => {
    const r = await run(['decode', '--json', SEED_TOKEN]);
    assert.equal(r.code, 0);
    const j = JSON.parse(r.stdout);
    assert.equal(j.verified, false);
    assert.deepEqual(j.segments, { header: H, payload: P, signature: S });
    assert.deepEqual(j.payload, { user_id: 101, username: 'alice', role: 'admin' });
    assert.equal(j.algorithm.name, 'HS256');
    assert.ok(j.warnings.some((w: { code: string }) => w.code === 'no-exp'));
  });

  test('reads stdin when piped or given -, and strips a Bearer prefix', async () => {
    const piped = await run(['decode', '--json'], { stdin: `${SEED_TOKEN}\n` });
    assert.equal(JSON.parse(piped.stdout).segments.header, H);
    const dash = await run(['decode', '--json', '-'], { stdin: `Bearer ${SEED_TOKEN}` });
    assert.equal(JSON.parse(dash.stdout).segments.signature, S);
    const arg = await run(['decode', '--json', `Authorization: Bearer ${SEED_TOKEN}`]);
    assert.equal(arg.code, 0);
  });

  describe('errors', () => {
    test('malformed token: exit 1, lists the problems, still shows what it can', async () => {
      const r = await run(['decode', `${H}.!!!.${S}`]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /ERRORS/);
      assert.match(r.stdout, /payload[^\n]*base64url/);
      assert.match(r.stdout, /"alg": "HS256"/);
    });
    test('wrong number of parts: exit 1', async () => {
      const r = await run(['decode', 'abc.def']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /3 [^\n]*parts/);
      const j = await run(['decode', '--json', 'abc.def']);
      assert.equal(j.code, 1);
      assert.ok(JSON.parse(j.stdout).errors.length > 0);
    });
    test('no token and stdin is a terminal: usage error, no hang', async () => {
      const r = await run(['decode']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no token given/);
    });
    test('empty stdin: usage error', async () => {
      const r = await run(['decode', '-'], { stdin: '   \n' });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /empty/);
    });
    test('too many arguments', async () => {
      const r = await run(['decode', SEED_TOKEN, 'extra']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /unexpected argument "extra"/);
    });
    test('bad --now', async () => {
      const r = await run(['decode', '--now', 'later', SEED_TOKEN]);
      assert.equal(r.code, 2);
    });
  });
});

test('jwtkit decode: a JWE shows its header and says it is not decrypted', async () => {
  const jwe = `${Buffer.from('{"alg":"RSA-OAEP","enc":"A256GCM"}').toString('base64url')}.a.b.c.d`;
  const r = await run(['decode', jwe]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /"enc": "A256GCM"/);
  assert.match(r.stdout, /NOT decrypted/);
  assert.match(r.stdout, /\(jwe\)/);
  assert.doesNotMatch(r.stdout, /^SIGNATURE$/m);
});
