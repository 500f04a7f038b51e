// Every adapter against its real framework (Express 4 and 5, Fastify, Hono on Node, and fetch): the RFC
// 6750 answers, per-route requirements, remote JWKS rotation and the revocation hook.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJwks } from '../../src/index.js';
import {
  ADAPTERS,
  AUDIENCE,
  assertNoLeak,
  bearer,
  challengeOf,
  ecKey,
  esToken,
  HS_OPTIONS,
  hsToken,
  ISSUER,
  jwksServer,
  type Mounted,
  now,
  SECRET,
} from './_harness.js';

for (const adapter of ADAPTERS) {
  describe(`${adapter.name}: bearer tokens (HS256 key)`, () => {
    let app: Mounted;
    const revoked = new Set<string>(['j-revoked']);
    before(async () => {
      app = await adapter.mount({
        ...HS_OPTIONS,
        query: 'access_token',
        isRevoked: async (c: { jti?: string }) => revoked.has(String(c.jti)),
      });
    });
    after(() => app.close());

    test('a valid token: 200 and the verified claims', async () => {
      const token = hsToken({ scope: 'read write' });
      const res = await app.get('/me', [bearer(token)]);
      assert.equal(res.status, 200, res.text);
      const claims = res.body?.claims as Record<string, unknown>;
      assert.equal(claims.sub, 'user-1');
      assert.equal(claims.iss, ISSUER);
      assert.equal(claims.scope, 'read write');
    });

    const refusals: Array<[string, () => string, string]> = [
      ['expired', () => hsToken({ exp: now() - 60, iat: now() - 600 }), 'The access token has expired.'],
      [
        'wrong audience',
        () => hsToken({ aud: 'https://other-api.test' }),
        'The access token is not meant for this API (aud).',
      ],
      [
        'wrong issuer',
        () => hsToken({ iss: 'https://evil.test' }),
        'The access token was not issued by a trusted issuer (iss).',
      ],
      ['wrong typ', () => hsToken({}, 'JWT'), 'The token has the wrong type (typ).'],
      [
        'tampered payload',
        () => {
          const [h, p, s] = hsToken({ role: 'user' }).split('.');
          const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString('utf8'));
          payload.role = 'admin';
          return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
        },
        'The access token signature is invalid.',
      ],
      [
        'signed with another secret',
        () => hsToken().replace(/\.[^.]+$/, `.${'A'.repeat(43)}`),
        'The access token signature is invalid.',
      ],
      ['no exp', () => hsToken({ exp: undefined }), 'The access token lacks a required claim.'],
      ['revoked (async hook)', () => hsToken({ jti: 'j-revoked' }), 'The access token has been revoked.'],
    ];
    for (const [what, make, description] of refusals) {
      test(`${what}: 401 invalid_token, nothing of the token repeated`, async () => {
        const token = make();
        const res = await app.get('/me', [bearer(token)]);
        assert.equal(res.status, 401, res.text);
        const ch = challengeOf(res);
        assert.equal(ch.realm, 'api');
        assert.equal(ch.error, 'invalid_token');
        assert.equal(ch.error_description, description);
        assert.equal(res.headers['cache-control'], 'no-store');
        assertNoLeak(res, [
          token,
          ...token.split('.').filter((s) => s.length > 8),
          'evil.test',
          'other-api',
          'j-revoked',
        ]);
      });
    }

    test('no Authorization header: 401 with a bare challenge (RFC 6750 §3.1: no error code)', async () => {
      const res = await app.get('/me');
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="api"');
    });

    test('Basic credentials are not bearer credentials: 401 with a bare challenge', async () => {
      const basic = `Basic ${Buffer.from('alice:secret-password').toString('base64')}`;
      const res = await app.get('/me', [['authorization', basic]]);
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="api"');
      assertNoLeak(res, ['alice', 'secret-password', basic]);
    });

    const malformed: Array<[string, Array<[string, string]>, string]> = [
      [
        '"Bearer" without a token',
        [['authorization', 'Bearer']],
        'The Authorization header carries no token.',
      ],
      ['a token without the scheme', [['authorization', hsToken()]], 'without the "Bearer " scheme'],
      ['a token with forbidden characters', [['authorization', 'Bearer abc$def']], 'syntactically malformed'],
      [
        'two tokens in one header',
        [['authorization', `Bearer ${hsToken()}, Bearer ${hsToken()}`]],
        'more than one',
      ],
      ['a header token and a query token', [bearer(hsToken())], 'more than one credential'],
    ];
    for (const [what, headers, description] of malformed) {
      test(`${what}: 400 invalid_request`, async () => {
        const path = what.includes('query') ? `/me?access_token=${hsToken()}` : '/me';
        const res = await app.get(path, headers);
        assert.equal(res.status, 400, res.text);
        const ch = challengeOf(res);
        assert.equal(ch.error, 'invalid_request');
        assert.ok(ch.error_description?.includes(description), ch.error_description);
        assertNoLeak(
          res,
          headers.map(([, v]) => v.slice(7)).filter((v) => v.length > 8),
        );
      });
    }

    test('two Authorization header lines: 400 invalid_request (never "the first one wins")', async () => {
      const res = await app.get('/me', [bearer(hsToken()), bearer(hsToken({ sub: 'user-2' }))]);
      assert.equal(res.status, 400, res.text);
      assert.equal(challengeOf(res).error, 'invalid_request');
    });

    test('the named query parameter alone is accepted; a repeated one is refused', async () => {
      const token = hsToken();
      assert.equal((await app.get(`/me?access_token=${token}`)).status, 200);
      const twice = await app.get(`/me?access_token=${token}&access_token=${token}`);
      assert.equal(twice.status, 400);
    });

    test('requireScope: 403 insufficient_scope with scope=, 200 with the scope', async () => {
      const res = await app.get('/admin', [bearer(hsToken({ scope: 'read write' }))]);
      assert.equal(res.status, 403, res.text);
      const ch = challengeOf(res);
      assert.equal(ch.error, 'insufficient_scope');
      assert.equal(ch.scope, 'admin');
      assertNoLeak(res, ['read write']);
      assert.equal((await app.get('/admin', [bearer(hsToken({ scope: 'read admin' }))])).status, 200);
      assert.equal((await app.get('/admin', [bearer(hsToken({ scp: ['admin'] }))])).status, 200);
      // "administrator" is not "admin": scopes are whole tokens, never substrings.
      assert.equal((await app.get('/admin', [bearer(hsToken({ scope: 'administrator' }))])).status, 403);
    });

    test('requireClaims: 403 unless the claim matches, the value never repeated', async () => {
      const res = await app.get('/role', [bearer(hsToken({ role: 'editor-xyz' }))]);
      assert.equal(res.status, 403);
      assert.equal(challengeOf(res).error, 'insufficient_scope');
      assertNoLeak(res, ['editor-xyz']);
      assert.equal((await app.get('/role', [bearer(hsToken({ role: 'admin' }))])).status, 200);
      assert.equal((await app.get('/role', [bearer(hsToken({ role: ['user', 'admin'] }))])).status, 200);
      // a requirement without a token in front: no credentials, fail closed
      assert.equal((await app.get('/role')).status, 401);
    });
  });

  describe(`${adapter.name}: remote JWKS (ES256) with key rotation`, () => {
    test('a new kid is fetched once; an unknown-kid storm does not refetch', async () => {
      const k1 = ecKey('k1');
      const k2 = ecKey('k2');
      const jwks = await jwksServer([k1.publicJwk]);
      let clock = Date.now();
      const app = await adapter.mount({
        jwksUrl: jwks.url,
        jwksOptions: { allowHttp: 'loopback', clock: () => clock },
        algorithms: ['ES256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      try {
        assert.equal((await app.get('/me', [bearer(esToken(k1))])).status, 200);
        assert.equal((await app.get('/me', [bearer(esToken(k1))])).status, 200);
        assert.equal(jwks.hits(), 1, 'one fetch for the first key, then the cache');

        // The issuer rotates to k2; a while later the first k2 token arrives.
        jwks.set([k2.publicJwk, k1.publicJwk]);
        clock += 60_000;
        const rotated = await Promise.all([1, 2, 3].map(() => app.get('/me', [bearer(esToken(k2))])));
        assert.deepEqual(
          rotated.map((r) => r.status),
          [200, 200, 200],
        );
        assert.equal(jwks.hits(), 2, 'the new kid is fetched once, concurrent callers share it');

        // A storm of tokens with random kids (signed by an unknown key): refused, no refetch.
        const storm = await Promise.all(
          Array.from({ length: 25 }, (_, i) => app.get('/me', [bearer(esToken(ecKey(`rnd-${i}`)))])),
        );
        for (const r of storm) {
          assert.equal(r.status, 401);
          assert.equal(challengeOf(r).error_description, 'The access token was signed by an unknown key.');
        }
        assert.equal(jwks.hits(), 2, 'unknown kids within the cooldown never refetch');
        assert.equal((await app.get('/me', [bearer(esToken(k1))])).status, 200);
      } finally {
        await app.close();
        await jwks.close();
      }
    });

    test('a JWKS that cannot be fetched: 503, not a 401 and not a 500', async () => {
      const jwks = await jwksServer([]);
      await jwks.close();
      const app = await adapter.mount({
        jwks: createRemoteJwks(jwks.url, { allowHttp: 'loopback', timeout: 2 }),
        algorithms: ['ES256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      try {
        const res = await app.get('/me', [bearer(esToken(ecKey('k1')))]);
        assert.equal(res.status, 503, res.text);
        assert.equal(res.headers['www-authenticate'], undefined);
      } finally {
        await app.close();
      }
    });
  });

  describe(`${adapter.name}: hooks`, () => {
    test('isRevoked (sync): refused; a hook that throws fails closed with 503', async () => {
      const app = await adapter.mount({
        ...HS_OPTIONS,
        isRevoked: (c: { jti?: string }) => {
          if (c.jti === 'boom') throw new Error('denylist down');
          return c.jti === 'gone';
        },
      });
      try {
        assert.equal((await app.get('/me', [bearer(hsToken({ jti: 'ok' }))])).status, 200);
        const gone = await app.get('/me', [bearer(hsToken({ jti: 'gone' }))]);
        assert.equal(gone.status, 401);
        assert.equal(challengeOf(gone).error_description, 'The access token has been revoked.');
        const boom = await app.get('/me', [bearer(hsToken({ jti: 'boom' }))]);
        assert.equal(boom.status, 503);
        assert.ok(!boom.text.includes('denylist down'), 'the hook error is not sent');
      } finally {
        await app.close();
      }
    });

    test('onError replaces the body; status and challenge stay available to it', async () => {
      const onError =
        adapter.name === 'fetch'
          ? undefined
          : adapter.name === 'hono'
            ? (
                f: { status: 401; description: string; wwwAuthenticate: string },
                c: { json: (...a: unknown[]) => Response },
              ) => c.json({ custom: f.description }, f.status, { 'www-authenticate': f.wwwAuthenticate })
            : adapter.name === 'fastify'
              ? (
                  f: { status: number; description: string },
                  _req: unknown,
                  reply: { code(n: number): { send(b: unknown): unknown } },
                ) => reply.code(f.status).send({ custom: f.description })
              : (
                  f: { status: number; description: string },
                  _req: unknown,
                  res: { status(n: number): { json(b: unknown): unknown } },
                ) => res.status(f.status).json({ custom: f.description });
      if (onError === undefined) return; // fetch: the caller builds the response (toResponse(failure, body))
      const app = await adapter.mount({ ...HS_OPTIONS, onError });
      try {
        const res = await app.get('/me', [bearer(hsToken({ exp: now() - 5 }))]);
        assert.equal(res.status, 401);
        assert.deepEqual(res.body, { custom: 'The access token has expired.' });
      } finally {
        await app.close();
      }
    });
  });
}

test('the secret never appears in any refusal', async () => {
  const app = await ADAPTERS[0]!.mount(HS_OPTIONS);
  try {
    const res = await app.get('/me', [bearer(hsToken({ exp: 1 }))]);
    assertNoLeak(res, [SECRET]);
  } finally {
    await app.close();
  }
});
