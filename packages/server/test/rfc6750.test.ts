// RFC 6750 bearer-token behaviour and the role matrix: every protected route x
// {no token, expired token, wrong role, right role}.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encode, encodeUnsecured, generateKeyPair } from 'jwtkit';
import { ALICE, assertProblem, BOB, bearer, jwtPart, login, startApp, type TestApp } from './helpers.js';
import { assertOAuthError } from './oauth-helpers.js';

let t: TestApp;
before(async () => {
  t = await startApp();
});
after(async () => {
  await t.close();
});

const realm = 'realm="jwtkit"';

describe('RFC 6750 on GET /me', () => {
  test('no Authorization header: 401, Bearer challenge without error', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/me' });
    assertProblem(res, 401, 'missing_token');
    assert.equal(res.headers['www-authenticate'], `Bearer ${realm}`);
  });

  test('another scheme (Basic) counts as no bearer token', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: 'Basic YWxpY2U6cHc=' },
    });
    assertProblem(res, 401, 'missing_token');
    assert.equal(res.headers['www-authenticate'], `Bearer ${realm}`);
  });

  test('"Bearer" without a token, or with illegal characters: 400 invalid_request', async () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer {json}', 'Bearer ä.b.c']) {
      const res = await t.app.inject({ method: 'GET', url: '/me', headers: { authorization } });
      assertProblem(res, 400, 'invalid_request');
      assert.match(
        String(res.headers['www-authenticate']),
        /^Bearer realm="jwtkit", error="invalid_request"/,
      );
    }
  });

  test('the scheme name is case-insensitive', async () => {
    const tok = await login(t.app, BOB);
    const res = await t.app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: `bearer ${tok.access_token}` },
    });
    assert.equal(res.statusCode, 200);
  });

  const invalid = async (token: string, pattern?: RegExp) => {
    const res = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    const body = assertProblem(res, 401, 'invalid_token');
    const h = String(res.headers['www-authenticate']);
    assert.match(h, /^Bearer realm="jwtkit", error="invalid_token", error_description="[^"]+"$/);
    if (pattern) assert.match(String(body.detail), pattern);
    assert.ok(!res.body.includes(token), 'the token is never echoed');
  };

  test('garbage, truncated and over-long tokens: 401 invalid_token', async () => {
    const tok = await login(t.app, BOB);
    await invalid('abc');
    await invalid('a.b.c');
    await invalid(tok.access_token.slice(0, -5));
    await invalid(`${tok.access_token}.x`);
    await invalid('x'.repeat(5000), /too long/);
  });

  test('tampered payload or signature: 401 invalid_token', async () => {
    const tok = await login(t.app, BOB);
    const [h, p, s] = tok.access_token.split('.') as [string, string, string];
    const claims = jwtPart(tok.access_token, 1);
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    await invalid(`${h}.${forged}.${s}`);
    await invalid(`${h}.${p}.${s.slice(0, -4)}AAAA`);
  });

  test('expired: 401 invalid_token "expired"', async () => {
    const tok = await login(t.app, BOB);
    t.clock.advance(t.config.accessTokenTtl + t.config.leeway + 1);
    await invalid(tok.access_token, /expired/);
  });

  test('signed by a foreign key, with alg none, or with HS256: 401 invalid_token', async () => {
    const tok = await login(t.app, BOB);
    const claims = jwtPart(tok.access_token, 1);
    const header = jwtPart(tok.access_token, 0);
    const { privateKey } = generateKeyPair('ES256');
    await invalid(
      encode(claims, privateKey, {
        algorithm: 'ES256',
        keyId: String(header.kid),
        headers: { typ: 'at+jwt' },
      }),
      /signature/,
    );
    await invalid(
      encode(claims, privateKey, { algorithm: 'ES256', keyId: 'unknown-kid', headers: { typ: 'at+jwt' } }),
      /unknown/,
    );
    await invalid(encodeUnsecured(claims, { headers: { typ: 'at+jwt' } }));
    await invalid(
      encode(claims, 'a-shared-secret-that-is-long-enough!!', {
        algorithm: 'HS256',
        keyId: String(header.kid),
        headers: { typ: 'at+jwt' },
      }),
    );
  });

  test('right key but wrong typ, aud, iss or missing claims: 401 invalid_token', async () => {
    const tok = await login(t.app, BOB);
    const claims = jwtPart(tok.access_token, 1);
    const { kid, key } = t.services.keys.signingKey();
    const sign = (payload: Record<string, unknown>, typ = 'at+jwt') =>
      encode(payload, key, { algorithm: 'ES256', keyId: kid, headers: { typ } });
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/me', headers: bearer(sign(claims)) })).statusCode,
      200,
    );
    await invalid(sign(claims, 'JWT'), /typ/);
    await invalid(sign({ ...claims, aud: 'someone-else' }), /aud/);
    await invalid(sign({ ...claims, iss: 'https://evil.example' }), /iss/);
    const { jti: _jti, ...noJti } = claims;
    await invalid(sign(noJti));
    await invalid(sign({ ...claims, role: 'root' }));
    await invalid(sign({ ...claims, user_id: 999, sub: '101' }));
  });
});

// ---- role matrix -----------------------------------------------------------------------------

type Who = 'user' | 'admin';
interface RouteCase {
  name: string;
  role: Who;
  /** Builds the request for a given access token (fresh state per call). */
  request: (
    token: string,
  ) => Promise<{ method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: unknown }>;
  okStatus: number;
}

let counter = 0;
const routes: RouteCase[] = [
  { name: 'GET /me', role: 'user', okStatus: 200, request: async () => ({ method: 'GET', url: '/me' }) },
  {
    name: 'GET /auth/sessions',
    role: 'user',
    okStatus: 200,
    request: async () => ({ method: 'GET', url: '/auth/sessions' }),
  },
  {
    name: 'POST /auth/logout',
    role: 'user',
    okStatus: 204,
    request: async () => ({ method: 'POST', url: '/auth/logout' }),
  },
  {
    name: 'POST /auth/logout-all',
    role: 'user',
    okStatus: 200,
    request: async () => ({ method: 'POST', url: '/auth/logout-all' }),
  },
  {
    name: 'DELETE /auth/sessions/:id',
    role: 'user',
    okStatus: 204,
    request: async (token) => ({ method: 'DELETE', url: `/auth/sessions/${jwtPart(token, 1).sid}` }),
  },
  {
    name: 'POST /auth/password',
    role: 'user',
    okStatus: 204,
    request: async () => ({
      method: 'POST',
      url: '/auth/password',
      payload: { current_password: 'matrix-password-0001', new_password: `matrix-password-new-${counter}` },
    }),
  },
  {
    name: 'GET /admin/users',
    role: 'admin',
    okStatus: 200,
    request: async () => ({ method: 'GET', url: '/admin/users' }),
  },
  {
    name: 'PATCH /admin/users/:id',
    role: 'admin',
    okStatus: 200,
    request: async () => ({ method: 'PATCH', url: '/admin/users/102', payload: { disabled: false } }),
  },
  {
    name: 'POST /admin/users/:id/revoke-sessions',
    role: 'admin',
    okStatus: 200,
    request: async () => ({ method: 'POST', url: '/admin/users/102/revoke-sessions' }),
  },
  {
    name: 'GET /admin/audit-events',
    role: 'admin',
    okStatus: 200,
    request: async () => ({ method: 'GET', url: '/admin/audit-events' }),
  },
  {
    name: 'GET /admin/keys',
    role: 'admin',
    okStatus: 200,
    request: async () => ({ method: 'GET', url: '/admin/keys' }),
  },
  {
    name: 'POST /admin/keys/rotate',
    role: 'admin',
    okStatus: 200,
    request: async () => ({ method: 'POST', url: '/admin/keys/rotate' }),
  },
  {
    name: 'POST /oauth/introspect',
    role: 'admin',
    okStatus: 200,
    request: async (token) => ({ method: 'POST', url: '/oauth/introspect', payload: { token } }),
  },
];

/** A fresh token for a fresh user of the given role (user routes may mutate the user). */
async function freshToken(role: Who): Promise<string> {
  if (role === 'admin') return (await login(t.app, ALICE)).access_token;
  counter++;
  const username = `matrix${counter}`;
  const reg = await t.app.inject({
    method: 'POST',
    url: '/auth/register',
    payload: { username, password: 'matrix-password-0001' },
  });
  assert.equal(reg.statusCode, 201, reg.body);
  return (await login(t.app, { username, password: 'matrix-password-0001' })).access_token;
}

/** problem+json, or on /oauth/* the RFC 6749 §5.2 shape (a missing token is invalid_client there). */
function assertRouteError(
  url: string,
  res: Parameters<typeof assertProblem>[0],
  status: number,
  code: string,
) {
  if (!url.startsWith('/oauth/')) return assertProblem(res, status, code);
  return assertOAuthError(res as never, status, code === 'missing_token' ? 'invalid_client' : code);
}

describe('role matrix: route x {no token, expired, wrong role, right role}', () => {
  for (const r of routes) {
    test(`${r.name}: no token -> 401 Bearer challenge`, async () => {
      const req = await r.request((await login(t.app, ALICE)).access_token);
      const res = await t.app.inject({ ...req, payload: req.payload as never });
      assertRouteError(req.url, res, 401, 'missing_token');
      assert.equal(res.headers['www-authenticate'], `Bearer ${realm}`);
    });

    test(`${r.name}: expired token -> 401 invalid_token`, async () => {
      const token = await freshToken(r.role);
      t.clock.advance(t.config.accessTokenTtl + t.config.leeway + 1);
      const req = await r.request(token);
      const res = await t.app.inject({ ...req, payload: req.payload as never, headers: bearer(token) });
      assertRouteError(req.url, res, 401, 'invalid_token');
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    });

    if (r.role === 'admin') {
      test(`${r.name}: user role -> 403 insufficient_scope`, async () => {
        const token = (await login(t.app, BOB)).access_token;
        const req = await r.request(token);
        const res = await t.app.inject({ ...req, payload: req.payload as never, headers: bearer(token) });
        assertRouteError(req.url, res, 403, 'insufficient_scope');
        assert.match(
          String(res.headers['www-authenticate']),
          /^Bearer realm="jwtkit", error="insufficient_scope"/,
        );
      });
    } else {
      test(`${r.name}: admin role is also allowed (no role restriction)`, async () => {
        const token = (await login(t.app, ALICE)).access_token;
        const req =
          r.name === 'POST /auth/password' ? { method: 'GET' as const, url: '/me' } : await r.request(token);
        const res = await t.app.inject({
          ...req,
          payload: (req as { payload?: unknown }).payload as never,
          headers: bearer(token),
        });
        assert.ok(res.statusCode < 300, `${res.statusCode} ${res.body}`);
      });
    }

    test(`${r.name}: right role -> ${r.okStatus}`, async () => {
      const token = await freshToken(r.role);
      const req = await r.request(token);
      const res = await t.app.inject({ ...req, payload: req.payload as never, headers: bearer(token) });
      assert.equal(res.statusCode, r.okStatus, res.body);
    });
  }
});
