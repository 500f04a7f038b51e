import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as jwtkit from '../../src/index.js';
import { decode, encode, exportPem, generateKeyPair, JwtError } from '../../src/index.js';
import { SECRET } from './_helpers.js';

describe('errors', () => {
  test('PyJWT names, one base class, stable codes', () => {
    const names = [
      'InvalidTokenError',
      'DecodeError',
      'InvalidSignatureError',
      'ExpiredSignatureError',
      'ImmatureSignatureError',
      'InvalidIssuedAtError',
      'InvalidAudienceError',
      'InvalidIssuerError',
      'InvalidSubjectError',
      'MissingRequiredClaimError',
      'InvalidAlgorithmError',
      'InvalidKeyError',
    ];
    for (const n of names) {
      const C = (jwtkit as unknown as Record<string, new (...a: never[]) => Error>)[n];
      assert.ok(C, n);
      assert.ok(C.prototype instanceof JwtError, `${n} extends JwtError`);
      assert.equal(typeof (C as unknown as { code: string }).code, 'string');
    }
    assert.ok(jwtkit.InvalidSignatureError.prototype instanceof jwtkit.DecodeError, 'as in PyJWT');
    assert.ok(jwtkit.ExpiredSignatureError.prototype instanceof jwtkit.InvalidTokenError);
    const e = new jwtkit.ExpiredSignatureError('x', 'exp', 'check_failed');
    assert.equal(e.name, 'ExpiredSignatureError');
    assert.equal(e.code, 'ERR_JWT_EXPIRED');
  });
  test('every decode failure on arbitrary input is a JwtError whose message holds neither token nor key', () => {
    const pair = generateKeyPair('ES256');
    const keys = [SECRET, exportPem(pair.publicKey), pair.publicKey];
    const good = encode({ sub: 'user' }, SECRET);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constant(good),
          fc.string().map((s) => `${good.slice(0, 30)}${s}`),
          fc.string().map((s) => `${s}.${s}.${s}`),
        ),
        fc.integer({ min: 0, max: 2 }),
        (token, k) => {
          try {
            decode(token, keys[k] as string, { algorithms: ['HS256', 'ES256'] });
            return token === good && k === 0;
          } catch (err) {
            assert.ok(err instanceof JwtError, `not a JwtError: ${String(err)}`);
            if (token.length > 8) assert.ok(!err.message.includes(token), 'message leaks the token');
            assert.ok(!err.message.includes(SECRET), 'message leaks the secret');
            return true;
          }
        },
      ),
      { numRuns: 400 },
    );
  });
  test('non-string tokens and odd keys are JwtErrors too', () => {
    for (const t of [undefined, null, 1, {}, [], Buffer.from('x')]) {
      assert.throws(() => decode(t as never, SECRET, { algorithms: ['HS256'] }), JwtError);
    }
    const good = encode({ a: 1 }, SECRET);
    for (const k of [undefined, null, 1, {}, [], () => undefined, { keys: 'x' }]) {
      assert.throws(() => decode(good, k as never, { algorithms: ['HS256'] }), JwtError, String(k));
    }
  });
});
