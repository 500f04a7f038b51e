/**
 * docs/pyjwt.md, checked: for every scenario where a porter from PyJWT trips, what PyJWT 2.15.1 does
 * (the oracle: fixtures/pyjwt-porting.json, written by fixtures/pyjwt-porting.py with the real PyJWT) and
 * what jwtkit does. A regenerated fixture with a different PyJWT answer fails here, so the porting guide
 * cannot silently go stale; the guide itself must name every PyJWT exception and option.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as jwtkit from '../../src/index.js';
import { decode, encode, getUnverifiedHeader, JwtError } from '../../src/index.js';
import { repoRoot } from './_helpers.js';

interface Outcome {
  ok?: unknown;
  error?: string;
  warnings?: string[];
  skipped?: string;
}
const oracle = JSON.parse(
  readFileSync(join(repoRoot, 'packages/jwtkit/test/core/fixtures/pyjwt-porting.json'), 'utf8'),
) as { pyjwt: string; scenarios: Record<string, Outcome>; exceptions: Record<string, string[]> };
const guide = readFileSync(join(repoRoot, 'docs/pyjwt.md'), 'utf8');

const KEY = 'pyjwt-porting-secret-0123456789ab';
const NOW = 1700000000;
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
function raw(payload: string | Buffer): string {
  const input = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}
const tok = (payload: object) => raw(JSON.stringify(payload));

function ours(fn: () => unknown): Outcome {
  try {
    return { ok: fn() };
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    return { error: error.name };
  }
}

const ecPub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const ecPem = ecPub.export({ format: 'pem', type: 'spki' }) as string;
const ecJwk = JSON.stringify(ecPub.export({ format: 'jwk' }));
const ecSsh = (() => {
  const jwk = ecPub.export({ format: 'jwk' }) as { x: string; y: string };
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ]);
  return Buffer.concat([
    str(Buffer.from('ecdsa-sha2-nistp256')),
    str(Buffer.from('nistp256')),
    str(point),
  ]).toString('base64');
})();
const secretSpellings: Record<string, string> = {
  pem: ecPem,
  'bare-base64-spki': (ecPub.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64'),
  'openssh-line': `ecdsa-sha2-nistp256 ${ecSsh}`,
  'rfc4716-block': `---- BEGIN SSH2 PUBLIC KEY ----\n${ecSsh}\n---- END SSH2 PUBLIC KEY ----\n`,
  'jwk-json': ecJwk,
  'jwk-json-escaped': ecJwk.replace('"kty"', '"\\u006bty"'),
};
const hmacScenarios = Object.fromEntries(
  Object.entries(secretSpellings).map(([label, secret]) => [
    `hmac-secret-${label}`,
    [
      label === 'bare-base64-spki' ? { ok: 2 } : { error: 'InvalidKeyError' },
      () => encode({}, secret),
      { error: 'InvalidKeyError' },
    ] as [Outcome, () => unknown, Outcome],
  ]),
);

/** Scenario -> [what PyJWT does (must equal the fixture), what jwtkit does]. */
const SCENARIOS: Record<string, [Outcome, () => unknown, Outcome]> = {
  ...hmacScenarios,
  'hmac-secret-short': [
    { ok: 2, warnings: ['InsecureKeyLengthWarning'] },
    () => encode({}, 'short'),
    { error: 'InvalidKeyError' },
  ],
  'enforce-minimum-key-length': [
    { error: 'InvalidKeyError', warnings: ['InsecureKeyLengthWarning'] },
    () => decode(encode({}, KEY), KEY.slice(0, 16), { algorithms: ['HS256'], strict: true }),
    { error: 'InvalidKeyError' },
  ],
  'alg-none-allowed': [
    { error: 'InvalidSignatureError' },
    () => decode(jwtkit.encodeUnsecured({}), KEY, { algorithms: ['none' as never] }),
    { error: 'InvalidAlgorithmError' },
  ],
  'iss-number-no-issuer': [
    { ok: { iss: 5 } },
    () => decode(raw('{"iss":5}'), KEY, { algorithms: ['HS256'] }),
    { ok: { iss: 5 } },
  ],
  'typ-none-header': [
    { ok: { alg: 'HS256' } },
    () => getUnverifiedHeader(encode({}, KEY, { headers: { typ: null } })),
    { ok: { alg: 'HS256' } },
  ],
  'alg-none-decode': [
    { error: 'InvalidAlgorithmError' },
    () => decode(jwtkit.encodeUnsecured({}), KEY, { algorithms: ['HS256'] }),
    { error: 'InvalidAlgorithmError' },
  ],
  'require-null-claim': [
    { error: 'MissingRequiredClaimError' },
    () => decode(tok({ role: null }), KEY, { algorithms: ['HS256'], requiredClaims: ['role'] }),
    { error: 'MissingRequiredClaimError' },
  ],
  'require-missing-claim': [
    { error: 'MissingRequiredClaimError' },
    () => decode(tok({}), KEY, { algorithms: ['HS256'], requiredClaims: ['role'] }),
    { error: 'MissingRequiredClaimError' },
  ],
  'audience-empty-string-vs-aud-empty': [
    { error: 'MissingRequiredClaimError' },
    () => decode(tok({ aud: '' }), KEY, { algorithms: ['HS256'], audience: '' }),
    { error: 'InvalidOptionsError' },
  ],
  'audience-empty-list': [
    { error: 'InvalidAudienceError' },
    () => decode(tok({ aud: 'a' }), KEY, { algorithms: ['HS256'], audience: [] }),
    { error: 'InvalidOptionsError' },
  ],
  'no-audience-expected-aud-empty-string': [
    { ok: { aud: '' } },
    () => decode(tok({ aud: '' }), KEY, { algorithms: ['HS256'] }),
    { error: 'InvalidAudienceError' },
  ],
  'no-audience-expected-aud-null': [
    { ok: { aud: null } },
    () => decode(tok({ aud: null }), KEY, { algorithms: ['HS256'] }),
    { error: 'InvalidAudienceError' },
  ],
  'no-audience-expected-aud-empty-list': [
    { ok: { aud: [] } },
    () => decode(tok({ aud: [] }), KEY, { algorithms: ['HS256'] }),
    { error: 'InvalidAudienceError' },
  ],
  'no-audience-expected-aud-set': [
    { error: 'InvalidAudienceError' },
    () => decode(tok({ aud: 'a' }), KEY, { algorithms: ['HS256'] }),
    { error: 'InvalidAudienceError' },
  ],
  'strict-aud-list-claim': [
    { error: 'InvalidAudienceError' },
    () => decode(tok({ aud: ['a'] }), KEY, { algorithms: ['HS256'], audience: 'a' }),
    { ok: { aud: ['a'] } },
  ],
  'strict-aud-string-claim': [
    { ok: { aud: 'a' } },
    () => decode(tok({ aud: 'a' }), KEY, { algorithms: ['HS256'], audience: 'a' }),
    { ok: { aud: 'a' } },
  ],
  'unknown-option-key': [
    { ok: {} },
    () => decode(tok({}), KEY, { algorithms: ['HS256'], requir: ['exp'] } as never),
    { error: 'InvalidOptionsError' },
  ],
  'unknown-kwarg': [
    { ok: {}, warnings: ['RemovedInPyjwt3Warning'] },
    () => decode(tok({}), KEY, { algorithms: ['HS256'], options: { require: ['exp'] } } as never),
    { error: 'InvalidOptionsError' },
  ],
  'verify-exp-false': [
    { ok: { exp: NOW - 86400 } },
    () =>
      decode(tok({ exp: NOW - 86400 }), KEY, { algorithms: ['HS256'], now: NOW, verify_exp: false } as never),
    { error: 'InvalidOptionsError' },
  ],
  'encode-nan': [
    { ok: b64('{"x":NaN}') },
    () => encode({ x: Number.NaN }, KEY),
    { error: 'InvalidPayloadError' },
  ],
  'encode-infinity': [
    { ok: b64('{"x":Infinity}') },
    () => encode({ x: Number.POSITIVE_INFINITY }, KEY),
    { error: 'InvalidPayloadError' },
  ],
  'encode-int-2^53+1': [
    { ok: b64('{"n":9007199254740993}') },
    // A JavaScript number cannot hold 2^53 + 1: the literal is already 2^53.
    () => encode({ n: 2 ** 53 + 1 }, KEY).split('.')[1],
    { ok: b64('{"n":9007199254740992}') },
  ],
  'decode-int-2^60+1': [
    { ok: '1152921504606846977' },
    () => String(decode<{ n: number }>(raw('{"n":1152921504606846977}'), KEY, { algorithms: ['HS256'] }).n),
    { ok: '1152921504606847000' },
  ],
  'encode-datetime-exp': [
    { ok: { exp: 1800000000 } },
    () => jwtkit.decodeUnverified(encode({ exp: new Date(1800000000 * 1000) }, KEY)),
    { ok: { exp: 1800000000 } },
  ],
  'encode-datetime-private-claim': [
    { error: 'TypeError' },
    () => jwtkit.decodeUnverified(encode({ at: new Date(NOW * 1000) }, KEY)),
    { ok: { at: '2023-11-14T22:13:20.000Z' } },
  ],
  'fractional-exp-half-second-ahead': [
    { error: 'ExpiredSignatureError', exp: 'now + 0.5' } as Outcome,
    () => decode(tok({ exp: NOW + 0.5 }), KEY, { algorithms: ['HS256'], now: NOW }),
    { ok: { exp: NOW + 0.5 } },
  ],
  'fractional-exp-decoded-type': [
    { ok: 'float' },
    () =>
      typeof decode<{ exp: number }>(tok({ exp: NOW + 10.5 }), KEY, { algorithms: ['HS256'], now: NOW }).exp,
    { ok: 'number' },
  ],
  'utf8-bom-payload': [
    { ok: { a: 1 } },
    () =>
      decode(raw(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": 1}')])), KEY, {
        algorithms: ['HS256'],
      }),
    { error: 'DecodeError' },
  ],
  'headers-alg-differs': [
    { ok: 'HS512', warnings: ['InsecureKeyLengthWarning'] },
    () => getUnverifiedHeader(encode({}, KEY, { algorithm: 'HS256', headers: { alg: 'HS512' } })).alg,
    { error: 'InvalidOptionsError' },
  ],
  'encode-exp-string': [{ ok: 2 }, () => encode({ exp: 'tomorrow' }, KEY), { error: 'InvalidPayloadError' }],
  'encode-sub-number': [{ ok: 2 }, () => encode({ sub: 123 }, KEY), { error: 'InvalidPayloadError' }],
  'encode-iss-number': [
    { error: 'TypeError' },
    () => encode({ iss: 123 }, KEY),
    { error: 'InvalidPayloadError' },
  ],
  'encode-aud-number': [{ ok: 2 }, () => encode({ aud: 5 }, KEY), { error: 'InvalidPayloadError' }],
  'encode-aud-empty-list': [{ ok: 2 }, () => encode({ aud: [] }, KEY), { error: 'InvalidPayloadError' }],
  'decode-exp-string': [
    { error: 'DecodeError' },
    () => decode(raw('{"exp":"tomorrow"}'), KEY, { algorithms: ['HS256'] }),
    { error: 'DecodeError' },
  ],
  'decode-sub-number': [
    { error: 'InvalidSubjectError' },
    () => decode(raw('{"sub":123}'), KEY, { algorithms: ['HS256'] }),
    { error: 'InvalidSubjectError' },
  ],
  'leeway-timedelta': [
    { ok: true },
    () => !!decode(tok({ exp: NOW - 5 }), KEY, { algorithms: ['HS256'], now: NOW, leeway: '60s' }),
    { ok: true },
  ],
  'issuer-list': [
    { ok: 'b' },
    () => decode<{ iss: string }>(tok({ iss: 'b' }), KEY, { algorithms: ['HS256'], issuer: ['a', 'b'] }).iss,
    { ok: 'b' },
  ],
  'issuer-substring': [
    { error: 'InvalidIssuerError' },
    () => decode(tok({ iss: 'ab' }), KEY, { algorithms: ['HS256'], issuer: 'abc' }),
    { error: 'InvalidIssuerError' },
  ],
  'duplicate-member': [
    { ok: 'admin' },
    () => decode(raw('{"role":"user","role":"admin"}'), KEY, { algorithms: ['HS256'] }),
    { error: 'DecodeError' },
  ],
  'verify-signature-false': [
    { ok: 1 },
    () => jwtkit.decodeUnverified<{ a: number }>(encode({ a: 1 }, KEY)).a,
    { ok: 1 },
  ],
};

describe(`porting from PyJWT ${oracle.pyjwt} (docs/pyjwt.md)`, () => {
  test('every oracle scenario is covered here, and PyJWT answered as the guide says', () => {
    assert.deepEqual(Object.keys(SCENARIOS).sort(), Object.keys(oracle.scenarios).sort());
    for (const [name, [pyjwt]] of Object.entries(SCENARIOS)) {
      assert.deepEqual(
        oracle.scenarios[name],
        pyjwt,
        `PyJWT's answer for ${name} changed: update docs/pyjwt.md`,
      );
    }
  });

  test('what jwtkit does in each scenario', () => {
    const problems: string[] = [];
    for (const [name, [, run, expected]] of Object.entries(SCENARIOS)) {
      const got = ours(run);
      try {
        assert.deepEqual(got, expected);
      } catch {
        problems.push(`${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('every PyJWT exception is exported under its name or mapped in the guide', () => {
    const exported = jwtkit as Record<string, unknown>;
    for (const [name, bases] of Object.entries(oracle.exceptions)) {
      assert.ok(guide.includes(`\`${name}\``), `docs/pyjwt.md does not map ${name}`);
      const ours = exported[name];
      if (typeof ours !== 'function') continue;
      // Exported under PyJWT's name: its base classes must be PyJWT's too.
      for (const base of bases) {
        const b = exported[base];
        if (typeof b === 'function')
          assert.ok(ours.prototype instanceof b || ours === b, `${name} should extend ${base}`);
      }
    }
  });

  test('the guide says how each PyJWT option is expressed', () => {
    for (const option of [
      'verify_signature',
      'verify_exp',
      'verify_nbf',
      'verify_iat',
      'verify_aud',
      'verify_iss',
      'verify_sub',
      'verify_jti',
      'require',
      'strict_aud',
      'leeway',
      'audience',
      'issuer',
      'subject',
      'PyJWKClient',
      'json_encoder',
      'sort_headers',
      'enforce_minimum_key_length',
      'detached_payload',
    ]) {
      const row = guide.split('\n').find((l) => l.startsWith('| ') && new RegExp(`\\b${option}\\b`).test(l));
      assert.ok(row, `docs/pyjwt.md has no table row for ${option}`);
    }
  });
});
