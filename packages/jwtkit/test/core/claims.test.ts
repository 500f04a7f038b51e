import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { createVerifier, decode, encode } from '../../src/index.js';
import { SECRET } from './_helpers.js';

const NOW = 1_700_000_000;
const opts = { algorithms: ['HS256' as const], now: NOW };
const tok = (claims: Record<string, unknown>) => encode(claims, SECRET);
/** For claim values encode() itself refuses (strings as exp, ...): a hand-made token. */
function raw(payloadJson: string): string {
  const input = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}
const code = (c: string) => ({ code: c });

describe('time claims', () => {
  test('exp: expired when exp <= now - leeway', () => {
    assert.throws(() => decode(tok({ exp: NOW }), SECRET, opts), code('ERR_JWT_EXPIRED'));
    assert.throws(() => decode(tok({ exp: NOW - 1 }), SECRET, opts), code('ERR_JWT_EXPIRED'));
    assert.ok(decode(tok({ exp: NOW + 1 }), SECRET, opts));
    assert.ok(decode(tok({ exp: NOW + 0.5 }), SECRET, opts), 'fractional NumericDate');
    assert.ok(decode(tok({ exp: NOW - 5 }), SECRET, { ...opts, leeway: 10 }));
    assert.ok(decode(tok({ exp: NOW - 5 }), SECRET, { ...opts, leeway: '10s' }));
    assert.throws(
      () => decode(tok({ exp: NOW - 10 }), SECRET, { ...opts, leeway: 10 }),
      code('ERR_JWT_EXPIRED'),
    );
  });
  test('exp/nbf/iat must be finite numbers: strings, null, bools, arrays, 1e400 are refused', () => {
    for (const claim of ['exp', 'nbf', 'iat']) {
      for (const v of [
        '"4102444800"',
        'null',
        'true',
        '[1]',
        '{}',
        '1e400',
        '-1e400',
        `1${'0'.repeat(5000)}`,
      ]) {
        assert.throws(
          () => decode(raw(`{"${claim}":${v}}`), SECRET, opts),
          (e: Error & { code?: string }) => typeof e.code === 'string',
          `${claim}=${v.slice(0, 12)}`,
        );
      }
    }
  });
  test('nbf: not yet valid when nbf > now + leeway', () => {
    assert.throws(() => decode(tok({ nbf: NOW + 1 }), SECRET, opts), code('ERR_JWT_NOT_YET_VALID'));
    assert.ok(decode(tok({ nbf: NOW }), SECRET, opts));
    assert.ok(decode(tok({ nbf: NOW + 5 }), SECRET, { ...opts, leeway: 5 }));
  });
  test('iat: a number, not in the future (beyond leeway); maxAge needs and checks it', () => {
    assert.throws(() => decode(tok({ iat: NOW + 60 }), SECRET, opts), code('ERR_JWT_NOT_YET_VALID'));
    assert.throws(() => decode(raw('{"iat":"x"}'), SECRET, opts), code('ERR_JWT_IAT_INVALID'));
    assert.ok(decode(tok({ iat: NOW - 100 }), SECRET, { ...opts, maxAge: 100 }));
    assert.throws(
      () => decode(tok({ iat: NOW - 101 }), SECRET, { ...opts, maxAge: '100s' }),
      code('ERR_JWT_EXPIRED'),
    );
    assert.throws(
      () => decode(tok({ sub: 'x' }), SECRET, { ...opts, maxAge: 100 }),
      code('ERR_JWT_CLAIM_MISSING'),
    );
  });
  test('now accepts a Date', () => {
    assert.ok(decode(tok({ exp: NOW + 10 }), SECRET, { algorithms: ['HS256'], now: new Date(NOW * 1000) }));
    assert.throws(
      () =>
        decode(tok({ exp: NOW + 10 }), SECRET, { algorithms: ['HS256'], now: new Date((NOW + 20) * 1000) }),
      code('ERR_JWT_EXPIRED'),
    );
  });
});

describe('iss, aud, sub, jti, required claims', () => {
  test('iss: exact match against one or several issuers; no prefix, suffix, case or type games', () => {
    const issuer = 'https://issuer.example/auth';
    assert.ok(decode(tok({ iss: issuer }), SECRET, { ...opts, issuer }));
    assert.ok(decode(tok({ iss: issuer }), SECRET, { ...opts, issuer: ['https://other', issuer] }));
    for (const iss of [
      'https://issuer.example',
      `${issuer}/`,
      'HTTPS://issuer.example/auth',
      `${issuer} `,
      '',
      'issuer',
      'https://issuer.example/auth\u200b',
    ]) {
      assert.throws(
        () => decode(tok({ iss }), SECRET, { ...opts, issuer }),
        code('ERR_JWT_ISSUER_INVALID'),
        iss,
      );
    }
    for (const v of [`["${issuer}"]`, '{}', 'null', '1']) {
      assert.throws(
        () => decode(raw(`{"iss":${v}}`), SECRET, { ...opts, issuer }),
        code('ERR_JWT_ISSUER_INVALID'),
        v,
      );
    }
    assert.throws(
      () => decode(tok({ sub: 'x' }), SECRET, { ...opts, issuer }),
      code('ERR_JWT_CLAIM_MISSING'),
    );
  });
  test('aud: string or non-empty array of strings; one member must equal an expected audience', () => {
    const audience = 'https://api.example';
    assert.ok(decode(tok({ aud: audience }), SECRET, { ...opts, audience }));
    assert.ok(decode(tok({ aud: ['x', audience] }), SECRET, { ...opts, audience }));
    assert.ok(decode(tok({ aud: 'b' }), SECRET, { ...opts, audience: ['a', 'b'] }));
    for (const v of [
      '[]',
      'null',
      '1',
      '{}',
      '[["https://api.example"]]',
      '["https://api.example",1]',
      '"https://api.exampl"',
      '"https://api.example/"',
      '"*"',
    ]) {
      assert.throws(
        () => decode(raw(`{"aud":${v}}`), SECRET, { ...opts, audience }),
        code('ERR_JWT_AUDIENCE_INVALID'),
        v,
      );
    }
    assert.throws(
      () => decode(tok({ sub: 'x' }), SECRET, { ...opts, audience }),
      code('ERR_JWT_CLAIM_MISSING'),
    );
    // A token meant for some audience is refused by a recipient that expects none (RFC 7519 §4.1.3, PyJWT).
    assert.throws(() => decode(tok({ aud: audience }), SECRET, opts), code('ERR_JWT_AUDIENCE_INVALID'));
  });
  test('sub and jti must be strings; subject is matched exactly', () => {
    assert.ok(decode(tok({ sub: 'u1' }), SECRET, { ...opts, subject: 'u1' }));
    assert.throws(
      () => decode(tok({ sub: 'u2' }), SECRET, { ...opts, subject: 'u1' }),
      code('ERR_JWT_SUBJECT_INVALID'),
    );
    assert.throws(() => decode(raw('{"sub":101}'), SECRET, opts), code('ERR_JWT_SUBJECT_INVALID'));
    assert.throws(() => decode(raw('{"jti":1}'), SECRET, opts), code('ERR_JWT_JTI_INVALID'));
    assert.throws(
      () => decode(tok({ a: 1 }), SECRET, { ...opts, subject: 'u1' }),
      code('ERR_JWT_CLAIM_MISSING'),
    );
  });
  test('requiredClaims reports the missing claim by name', () => {
    assert.throws(
      () => decode(tok({ a: 1 }), SECRET, { ...opts, requiredClaims: ['exp'] }),
      (e: Error & { claim?: string }) => e.claim === 'exp' && e.name === 'MissingRequiredClaimError',
    );
    assert.ok(decode(tok({ exp: NOW + 9 }), SECRET, { ...opts, requiredClaims: ['exp'] }));
  });
});

describe('createVerifier', () => {
  test('same checks as decode; the cache keeps re-checking time and never caches failures', () => {
    let now = NOW;
    const verify = createVerifier(SECRET, {
      algorithms: ['HS256'],
      cache: 10,
      get now() {
        return now;
      },
    } as never);
    const t = tok({ sub: 'u', exp: NOW + 10 });
    assert.equal(verify(t).sub, 'u');
    assert.equal(verify(t).sub, 'u');
    now = NOW + 10;
    const v2 = createVerifier(SECRET, { algorithms: ['HS256'], cache: true, now: NOW + 10 });
    assert.throws(() => v2(t), code('ERR_JWT_EXPIRED'));
    const bad = `${t.slice(0, -2)}AA`;
    const v3 = createVerifier(SECRET, { algorithms: ['HS256'], cache: true, now: NOW });
    assert.equal(v3(t).sub, 'u');
    assert.throws(() => v3(bad), code('ERR_JWS_SIGNATURE_INVALID'));
    assert.throws(() => v3(bad), code('ERR_JWS_SIGNATURE_INVALID'));
  });
  test('a cached token expires in the cache too', () => {
    let clock = NOW;
    const realNow = Date.now;
    Date.now = () => clock * 1000;
    try {
      const verify = createVerifier(SECRET, { algorithms: ['HS256'], cache: true });
      const t = tok({ exp: NOW + 5 });
      assert.ok(verify(t));
      clock = NOW + 6;
      assert.throws(() => verify(t), code('ERR_JWT_EXPIRED'));
    } finally {
      Date.now = realNow;
    }
  });
});
