import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createSigner,
  decode,
  decodeUnverified,
  encode,
  getUnverifiedHeader,
  InvalidAlgorithmError,
  InvalidOptionsError,
  InvalidPayloadError,
} from '../../src/index.js';
import { SECRET } from './_helpers.js';

const NOW = 1_700_000_000;

describe('encode', () => {
  test('adds no claim unless asked (no automatic iat)', () => {
    assert.deepEqual(decodeUnverified(encode({ a: 1 }, SECRET)), { a: 1 });
  });
  test('registered-claim options, durations in seconds or strings', () => {
    const t = encode({ role: 'admin' }, SECRET, {
      now: NOW,
      expiresIn: '15m',
      notBefore: 0,
      issuedAt: true,
      issuer: 'iss',
      subject: 'sub',
      audience: ['a', 'b'],
      jwtId: 'j1',
    });
    assert.deepEqual(decodeUnverified(t), {
      role: 'admin',
      iss: 'iss',
      sub: 'sub',
      aud: ['a', 'b'],
      iat: NOW,
      nbf: NOW,
      exp: NOW + 900,
      jti: 'j1',
    });
    for (const [d, s] of [
      ['30s', 30],
      ['2h', 7200],
      ['7d', 604800],
      ['1 week', 604800],
      [90, 90],
      ['90', 90],
    ] as const) {
      assert.equal(decodeUnverified(encode({}, SECRET, { now: NOW, expiresIn: d })).exp, NOW + s, String(d));
    }
    assert.throws(() => encode({}, SECRET, { expiresIn: 'soon' }), InvalidOptionsError);
    assert.throws(() => encode({}, SECRET, { expiresIn: Number.NaN }), InvalidOptionsError);
  });
  test('Dates in time claims become integer seconds (as PyJWT does with datetimes)', () => {
    const t = encode({ exp: new Date((NOW + 60.7) * 1000) }, SECRET);
    assert.equal(decodeUnverified(t).exp, NOW + 60);
  });
  test('an own "__proto__" member is kept as a claim, never turned into a prototype', () => {
    const payload = JSON.parse('{"__proto__":{"admin":true},"sub":"u"}') as object;
    const t = encode(payload, SECRET, { expiresIn: 60, now: NOW });
    const text = Buffer.from(t.split('.')[1]!, 'base64url').toString();
    assert.equal(text, `{"__proto__":{"admin":true},"sub":"u","exp":${NOW + 60}}`);
    assert.equal(({} as { admin?: boolean }).admin, undefined);
  });
  test('a claim set twice (payload and option) is an error, not a silent override', () => {
    assert.throws(() => encode({ exp: 1 }, SECRET, { expiresIn: 60 }), InvalidPayloadError);
  });
  test('bad payloads are typed errors', () => {
    for (const p of [null, [], 'x', 1, new Uint8Array(2)])
      assert.throws(() => encode(p as object, SECRET), InvalidPayloadError, String(p));
    assert.throws(() => encode({ n: 1n } as object, SECRET), InvalidPayloadError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => encode(cyclic, SECRET), InvalidPayloadError);
    assert.throws(() => encode({ exp: 'tomorrow' }, SECRET), InvalidPayloadError);
    assert.throws(() => encode({ exp: Number.POSITIVE_INFINITY }, SECRET), InvalidPayloadError);
    assert.throws(() => encode({ iss: 1 }, SECRET), InvalidPayloadError);
    assert.throws(() => encode({ aud: [] }, SECRET), InvalidPayloadError);
  });
  test('headers: sorted keys, typ override/removal, kid; alg comes from the algorithm', () => {
    const t = encode({}, SECRET, { headers: { kid: 'k1', typ: 'at+jwt', zz: 1 } });
    assert.equal(
      Buffer.from(t.split('.')[0]!, 'base64url').toString(),
      '{"alg":"HS256","kid":"k1","typ":"at+jwt","zz":1}',
    );
    assert.deepEqual(getUnverifiedHeader(encode({}, SECRET, { keyId: 'k2' })), {
      alg: 'HS256',
      kid: 'k2',
      typ: 'JWT',
    });
    assert.deepEqual(getUnverifiedHeader(encode({}, SECRET, { headers: { typ: null } })), { alg: 'HS256' });
    assert.throws(
      () => encode({}, SECRET, { algorithm: 'HS256', headers: { alg: 'HS512' } }),
      InvalidOptionsError,
    );
    assert.throws(() => encode({}, SECRET, { headers: { kid: 5 } }), InvalidOptionsError);
    // Never a token that decode refuses: JWE-only parameters, a non-object jwk, a bad x5c.
    for (const headers of [
      { enc: 'A128GCM' },
      { zip: 'DEF' },
      { jwk: 'x' },
      { x5c: [] },
      { x5c: [1] },
      { cty: 1 },
    ]) {
      assert.throws(() => encode({}, SECRET, { headers }), InvalidOptionsError, JSON.stringify(headers));
    }
    assert.deepEqual(getUnverifiedHeader(encode({}, SECRET, { headers: { kid: undefined } })), {
      alg: 'HS256',
      typ: 'JWT',
    });
    assert.throws(() => encode({}, SECRET, { algorithm: 'none' as never }), InvalidAlgorithmError);
  });
  test('createSigner produces the same tokens as encode', () => {
    const sign = createSigner(SECRET, { algorithm: 'HS384' });
    assert.equal(sign({ a: 1 }), encode({ a: 1 }, SECRET, { algorithm: 'HS384' }));
    const withExp = createSigner(SECRET, { expiresIn: 60, now: NOW });
    assert.equal(decodeUnverified(withExp({ a: 1 })).exp, NOW + 60);
    assert.deepEqual(decode(withExp({ a: 1 }), SECRET, { algorithms: ['HS256'], now: NOW }), {
      a: 1,
      exp: NOW + 60,
    });
    assert.throws(() => sign([] as never), InvalidPayloadError);
  });
});
