// jwtkit/fetch: eager option validation, credential sources, the hooks (validate / Standard Schema,
// DPoP), resolvers, types, and the core staying free of node-only APIs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { encode, InvalidOptionsError, type JwtPayload } from '../../src/index.js';
import {
  type AuthResult,
  createAuthenticator,
  type DpopContext,
  requireClaims,
  requireScope,
  type StandardSchemaLike,
  toResponse,
} from '../../src/middleware/fetch.js';
import { repoRoot } from '../core/_helpers.js';
import { AUDIENCE, claims, ecKey, esToken, HS_OPTIONS, hsToken, ISSUER, SECRET } from './_harness.js';

const req = (headers: Record<string, string> = {}, url = 'https://api.test/me') =>
  new Request(url, { headers });
const auth = (token: string, scheme = 'Bearer') => ({ authorization: `${scheme} ${token}` });

describe('options are validated when the authenticator is created', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'no key source',
      { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE },
      /exactly one key source/,
    ],
    ['two key sources', { ...HS_OPTIONS, jwksUrl: 'https://x.test/jwks' }, /key and jwksUrl/],
    ['no algorithms', { key: SECRET, issuer: ISSUER, audience: AUDIENCE }, /algorithms is required/],
    [
      'no issuer',
      { key: SECRET, algorithms: ['HS256'], audience: AUDIENCE },
      /issuer is required.*unsafeSkipIssuer/,
    ],
    [
      'no audience',
      { key: SECRET, algorithms: ['HS256'], issuer: ISSUER },
      /audience is required.*unsafeSkipAudience/,
    ],
    ['an empty issuer', { ...HS_OPTIONS, issuer: '' }, /issuer must be/],
    ['issuer and its unsafe opt-out', { ...HS_OPTIONS, unsafeSkipIssuer: true }, /contradict/],
    ['unsafe flag not a boolean', { ...HS_OPTIONS, issuer: undefined, unsafeSkipIssuer: 'yes' }, /boolean/],
    ['a typo', { ...HS_OPTIONS, audiences: [AUDIENCE] }, /unknown option "audiences"/],
    ['a PyJWT spelling', { ...HS_OPTIONS, options: { verify_aud: false } }, /unknown option "options"/],
    ['jwksOptions without jwksUrl', { ...HS_OPTIONS, jwksOptions: {} }, /jwksOptions needs jwksUrl/],
    ['an http JWKS URL', { ...HS_OPTIONS, key: undefined, jwksUrl: 'http://idp.example/jwks' }, /https/],
    ['a hook that is not a function', { ...HS_OPTIONS, isRevoked: true }, /isRevoked must be a function/],
    ['a validator of the wrong kind', { ...HS_OPTIONS, validate: {} }, /Standard Schema/],
    ['a cookie name with a space', { ...HS_OPTIONS, cookie: 'a b' }, /cookie must be/],
    ['a realm with a quote', { ...HS_OPTIONS, realm: 'a"b' }, /realm must be/],
    ['an unknown algorithm', { ...HS_OPTIONS, algorithms: ['HS257'] }, /Unsupported algorithm/],
  ];
  for (const [what, options, message] of bad) {
    test(what, () => {
      assert.throws(
        () => createAuthenticator(options as never),
        (e: unknown) =>
          e instanceof Error && (e as { code?: string }).code !== undefined && message.test(e.message),
      );
    });
  }
  test('errors are InvalidOptionsError with a stable code', () => {
    assert.throws(
      () => createAuthenticator({ key: SECRET, algorithms: ['HS256'] } as never),
      InvalidOptionsError,
    );
  });
  test('requireScope / requireClaims validate their arguments', () => {
    assert.throws(() => requireScope(), InvalidOptionsError);
    assert.throws(() => requireScope('a b'), InvalidOptionsError);
    assert.throws(() => requireClaims({}), InvalidOptionsError);
    assert.throws(() => requireClaims({ role: [] }), InvalidOptionsError);
  });
});

describe('the named unsafe opt-outs', () => {
  test('unsafeSkipIssuer accepts any issuer; the audience is still checked', async () => {
    const a = createAuthenticator({
      key: SECRET,
      algorithms: ['HS256'],
      audience: AUDIENCE,
      unsafeSkipIssuer: true,
    });
    assert.equal((await a(req(auth(hsToken({ iss: 'https://anyone.test' }))))).ok, true);
    assert.equal((await a(req(auth(hsToken({ aud: 'https://x.test' }))))).ok, false);
  });
  test('unsafeSkipAudience: tokens without aud pass, a token with an aud is still refused (RFC 7519)', async () => {
    const a = createAuthenticator({
      key: SECRET,
      algorithms: ['HS256'],
      issuer: ISSUER,
      unsafeSkipAudience: true,
    });
    assert.equal((await a(req(auth(hsToken({ aud: undefined }))))).ok, true);
    assert.equal((await a(req(auth(hsToken())))).ok, false);
  });
});

describe('credential sources', () => {
  test('cookie and query are off unless named', async () => {
    const a = createAuthenticator(HS_OPTIONS);
    const token = hsToken();
    const r1 = await a(req({ cookie: `access_token=${token}` }));
    const r2 = await a(req({}, `https://api.test/me?access_token=${token}`));
    for (const r of [r1, r2]) {
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error, null);
    }
  });
  test('a named cookie is read; a cookie plus a header is two credentials (400)', async () => {
    const a = createAuthenticator({ ...HS_OPTIONS, cookie: 'at' });
    const token = hsToken();
    assert.equal((await a(req({ cookie: `theme=dark; at=${token}` }))).ok, true);
    const both = await a(req({ cookie: `at=${token}`, ...auth(token) }));
    assert.equal(both.ok, false);
    if (!both.ok) assert.equal(both.status, 400);
    const twice = await a(req({ cookie: `at=${token}; at=${token}` }));
    assert.equal(twice.ok ? 0 : twice.status, 400);
  });
  test('the scheme is case-insensitive; an over-long token is refused before verification', async () => {
    const a = createAuthenticator(HS_OPTIONS);
    assert.equal((await a(req(auth(hsToken(), 'bEaReR')))).ok, true);
    const long = await a(req(auth('a'.repeat(9000))));
    assert.equal(long.ok ? 0 : long.status, 401);
  });
  test('credentialsOptional: no credentials pass with null claims; bad credentials still fail', async () => {
    const a = createAuthenticator({ ...HS_OPTIONS, credentialsOptional: true });
    const anon = await a(req());
    assert.equal(anon.ok, true);
    assert.equal(anon.ok && anon.claims, null);
    assert.equal((await a(req(auth(hsToken({ exp: 1 }))))).ok, false);
  });
});

describe('toResponse', () => {
  test('status, WWW-Authenticate, no-store and the JSON body (or a replacement body)', async () => {
    const a = createAuthenticator(HS_OPTIONS);
    const r = await a(req(auth(hsToken({ exp: 1 }))));
    assert.equal(r.ok, false);
    if (r.ok) return;
    const res = toResponse(r);
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      'Bearer realm="api", error="invalid_token", error_description="The access token has expired."',
    );
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), {
      error: 'invalid_token',
      error_description: 'The access token has expired.',
    });
    assert.deepEqual(await toResponse(r, { problem: 1 }).json(), { problem: 1 });
  });
  test('a realm with spaces is quoted as given', async () => {
    const r = await createAuthenticator({ ...HS_OPTIONS, realm: 'My API' })(req());
    assert.equal(r.ok ? '' : r.wwwAuthenticate, 'Bearer realm="My API"');
    assert.throws(() => createAuthenticator({ ...HS_OPTIONS, realm: 'a\nb' }), InvalidOptionsError);
  });
  test('requirements given to the call: 403 with scope=', async () => {
    const a = createAuthenticator({ ...HS_OPTIONS, realm: 'my-api' });
    const r = await a(req(auth(hsToken({ scope: 'read' }))), requireScope('read', 'write'));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.status, 403);
      assert.equal(
        r.wwwAuthenticate,
        'Bearer realm="my-api", error="insufficient_scope", error_description="The access token lacks a required scope.", scope="read write"',
      );
    }
  });
});

describe('claims validation', () => {
  test('a predicate: false is 401 invalid_token, a throw too (never a 500)', async () => {
    const a = createAuthenticator({
      ...HS_OPTIONS,
      validate: (c: JwtPayload) => {
        if (c.sub === 'throw') throw new Error('bad');
        return typeof c.tenant === 'string';
      },
    });
    assert.equal((await a(req(auth(hsToken({ tenant: 't1' }))))).ok, true);
    for (const extra of [{}, { sub: 'throw' }]) {
      const r = await a(req(auth(hsToken(extra))));
      assert.equal(r.ok ? 0 : r.status, 401);
      if (!r.ok) assert.equal(r.description, 'The access token claims do not have the expected form.');
    }
  });

  // A Standard Schema v1 validator written by hand (what zod/valibot expose), so no dependency.
  interface Claims {
    sub: string;
    tenant: string;
  }
  const schema: StandardSchemaLike<Claims> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value) => {
        const v = value as Record<string, unknown>;
        if (typeof v.tenant !== 'string') return { issues: [{ message: 'tenant: expected string' }] };
        return { value: { sub: String(v.sub), tenant: v.tenant } };
      },
    },
  };
  test('a Standard Schema: its output becomes the claims, typed; issues are a 401', async () => {
    const a = createAuthenticator({ ...HS_OPTIONS, validate: schema });
    const r = await a(req(auth(hsToken({ tenant: 'acme' }))));
    assert.equal(r.ok, true);
    if (r.ok) {
      const t: string = r.claims.tenant; // typed from the schema's output
      assert.equal(t, 'acme');
      assert.deepEqual(Object.keys(r.claims).sort(), ['sub', 'tenant']);
    }
    const bad = await a(req(auth(hsToken())));
    assert.equal(bad.ok ? 0 : bad.status, 401);
    if (!bad.ok)
      assert.ok(!JSON.stringify(toResponse(bad).headers.get('www-authenticate')).includes('tenant'));
  });
  test('isRevoked sees the validated claims', async () => {
    const seen: unknown[] = [];
    const a = createAuthenticator({
      ...HS_OPTIONS,
      validate: schema,
      isRevoked: (c) => {
        seen.push(c.tenant);
        return false;
      },
    });
    await a(req(auth(hsToken({ tenant: 'acme' }))));
    assert.deepEqual(seen, ['acme']);
  });
});

describe('DPoP', () => {
  const bound = () => hsToken({ cnf: { jkt: 'thumbprint-value' } });
  test('a DPoP-bound token sent as Bearer is refused (RFC 9449 §7.2), with or without the hook', async () => {
    for (const options of [HS_OPTIONS, { ...HS_OPTIONS, dpop: () => true }]) {
      const r = await createAuthenticator(options)(req(auth(bound())));
      assert.equal(r.ok ? 0 : r.status, 401);
      if (!r.ok) assertNoThumbprint(r.description);
    }
  });
  test('without the hook the DPoP scheme is not accepted (no bearer credentials)', async () => {
    const r = await createAuthenticator(HS_OPTIONS)(req(auth(bound(), 'DPoP')));
    assert.equal(r.ok ? 0 : r.status, 401);
    if (!r.ok) assert.equal(r.error, null);
  });
  test('the hook sees scheme, token, claims, proofs, method and URL; false or a throw refuses', async () => {
    const calls: DpopContext[] = [];
    let verdict: boolean | 'throw' = true;
    const a = createAuthenticator({
      ...HS_OPTIONS,
      dpop: (ctx) => {
        calls.push(ctx);
        if (verdict === 'throw') throw new Error('bad proof');
        return verdict;
      },
    });
    const token = bound();
    const ok = await a(req({ ...auth(token, 'DPoP'), dpop: 'proof.jwt.value' }, 'https://api.test/res?x=1'));
    assert.equal(ok.ok, true);
    assert.equal(ok.ok && ok.scheme, 'DPoP');
    const c = calls[0]!;
    assert.equal(c.scheme, 'DPoP');
    assert.equal(c.token, token);
    assert.deepEqual(c.proofs, ['proof.jwt.value']);
    assert.equal(c.method, 'GET');
    assert.equal(c.url, 'https://api.test/res?x=1');
    assert.deepEqual(c.claims.cnf, { jkt: 'thumbprint-value' });
    for (const v of [false, 'throw'] as const) {
      verdict = v;
      const r = await a(req({ ...auth(token, 'DPoP'), dpop: 'p' }));
      assert.equal(r.ok ? 0 : r.status, 401);
      if (!r.ok) assert.equal(r.description, 'The DPoP proof is invalid.');
    }
  });
  function assertNoThumbprint(s: string) {
    assert.ok(!s.includes('thumbprint-value'));
  }
});

describe('key sources', () => {
  test('an async resolver runs after the algorithm check (a disallowed alg never reaches it)', async () => {
    const key = ecKey('k1');
    const asked: unknown[] = [];
    const a = createAuthenticator({
      resolver: async (h) => {
        asked.push(h.kid);
        return key.publicJwk;
      },
      algorithms: ['ES256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    assert.equal((await a(req(auth(esToken(key))))).ok, true);
    const hs = await a(req(auth(encode(claims(), SECRET, { algorithm: 'HS256', keyId: 'k1' }))));
    assert.equal(hs.ok ? '' : hs.description, 'The access token uses an algorithm this API does not accept.');
    assert.deepEqual(asked, ['k1']);
  });
  test('a static JWKS picks by kid', async () => {
    const k1 = ecKey('k1');
    const k2 = ecKey('k2');
    const a = createAuthenticator({
      jwks: { keys: [k1.publicJwk, k2.publicJwk] },
      algorithms: ['ES256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    assert.equal((await a(req(auth(esToken(k2))))).ok, true);
    assert.equal((await a(req(auth(esToken(ecKey('k3')))))).ok, false);
  });
  test('a resolver that throws a non-jwtkit error fails closed with 503', async () => {
    const a = createAuthenticator({
      resolver: () => {
        throw new Error('kms down');
      },
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const r: AuthResult<JwtPayload> = await a(req(auth(hsToken())));
    assert.equal(r.ok ? 0 : r.status, 503);
  });
});

test('the core and the fetch adapter use no node-only API (runtime-neutral)', () => {
  for (const f of ['core.ts', 'fetch.ts', 'hono.ts']) {
    const code = readFileSync(join(repoRoot, 'packages/jwtkit/src/middleware', f), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    const hit = /from ['"]node:|require\(|\bBuffer\b|\bprocess\./.exec(code);
    assert.equal(hit?.[0], undefined, `${f} uses a node-only API`);
  }
});
