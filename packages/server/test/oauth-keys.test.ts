// RFC 7662 introspection, RFC 7009 revocation, discovery documents, the JWKS and key rotation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import {
  ALICE,
  assertProblem,
  BOB,
  bearer,
  jwtPart,
  login,
  refresh,
  startApp,
  type TestApp,
} from './helpers.js';
import { assertOAuthError } from './oauth-helpers.js';

describe('OAuth endpoints', () => {
  let t: TestApp;
  let admin: string;
  before(async () => {
    t = await startApp();
    admin = (await login(t.app, ALICE)).access_token;
  });
  after(async () => {
    await t.close();
  });

  const introspect = (token: string, form = false, hint?: string) =>
    form
      ? t.app.inject({
          method: 'POST',
          url: '/oauth/introspect',
          headers: { ...bearer(admin), 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ token, ...(hint ? { token_type_hint: hint } : {}) }).toString(),
        })
      : t.app.inject({
          method: 'POST',
          url: '/oauth/introspect',
          headers: bearer(admin),
          payload: { token, ...(hint ? { token_type_hint: hint } : {}) },
        });

  test('introspect an active access token (JSON and form bodies)', async () => {
    const tok = await login(t.app, BOB);
    for (const form of [false, true]) {
      const res = await introspect(tok.access_token, form);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.active, true);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.sub, '102');
      assert.equal(body.username, 'bob');
      assert.equal(body.client_id, t.config.clientId);
      assert.equal(typeof body.exp, 'number');
    }
  });

  test('introspect an active refresh token, then a spent one', async () => {
    const tok = await login(t.app, BOB);
    const r = await introspect(tok.refresh_token, true, 'refresh_token');
    assert.equal(r.json().active, true);
    assert.equal(r.json().token_type, 'refresh_token');
    assert.equal(r.json().username, 'bob');
    await refresh(t.app, tok.refresh_token);
    assert.deepEqual((await introspect(tok.refresh_token)).json(), { active: false });
  });

  test('introspect inactive: garbage, expired, revoked -> {"active": false} only', async () => {
    assert.deepEqual((await introspect('garbage')).json(), { active: false });
    const tok = await login(t.app, BOB);
    await t.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(tok.access_token) });
    assert.deepEqual((await introspect(tok.access_token)).json(), { active: false });
  });

  test('introspection needs an admin bearer token', async () => {
    const bob = await login(t.app, BOB);
    assertOAuthError(
      await t.app.inject({ method: 'POST', url: '/oauth/introspect', payload: { token: 'x' } }),
      401,
      'invalid_client',
    );
    assertOAuthError(
      await t.app.inject({
        method: 'POST',
        url: '/oauth/introspect',
        headers: bearer(bob.access_token),
        payload: { token: 'x' },
      }),
      403,
      'insufficient_scope',
    );
  });

  test('form body: repeated parameter is a 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...bearer(admin), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=a&token=b',
    });
    assertOAuthError(res, 400, 'invalid_request');
  });

  test('revoke a refresh token: its session ends (refresh and access tokens)', async () => {
    const tok = await login(t.app, BOB);
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${tok.refresh_token}&token_type_hint=refresh_token`,
    });
    assert.equal(res.statusCode, 200);
    assertProblem(await refresh(t.app, tok.refresh_token), 401, 'invalid_grant');
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) }),
      401,
      'invalid_token',
    );
  });

  test('revoke an access token: denylisted; its refresh token still works', async () => {
    const tok = await login(t.app, BOB);
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      payload: { token: tok.access_token, token_type_hint: 'access_token' },
    });
    assert.equal(res.statusCode, 200);
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) }),
      401,
      'invalid_token',
    );
    assert.equal((await refresh(t.app, tok.refresh_token)).statusCode, 200);
  });

  test('revoke an unknown token: 200; missing token: 400', async () => {
    assert.equal(
      (await t.app.inject({ method: 'POST', url: '/oauth/revoke', payload: { token: 'nope' } })).statusCode,
      200,
    );
    assertOAuthError(
      await t.app.inject({ method: 'POST', url: '/oauth/revoke', payload: {} }),
      400,
      'invalid_request',
    );
  });

  test('authorization server metadata (RFC 8414 subset)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    assert.equal(res.statusCode, 200);
    const m = res.json();
    assert.equal(m.issuer, t.config.issuer);
    assert.equal(m.jwks_uri, `${t.config.issuer}/.well-known/jwks.json`);
    assert.equal(m.introspection_endpoint, `${t.config.issuer}/oauth/introspect`);
    assert.equal(m.revocation_endpoint, `${t.config.issuer}/oauth/revoke`);
    assert.ok(Array.isArray(m.response_types_supported));
  });
});

describe('JWKS and key rotation (ES256)', () => {
  test('JWKS publishes the active and the next key; tokens verify with jose against it', async () => {
    const t = await startApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /application\/jwk-set\+json/);
      assert.match(String(res.headers['cache-control']), /max-age=/);
      const jwks = res.json();
      assert.equal(jwks.keys.length, 2);
      for (const k of jwks.keys) {
        assert.equal(k.kty, 'EC');
        assert.equal(k.crv, 'P-256');
        assert.equal(k.alg, 'ES256');
        assert.equal(k.use, 'sig');
        assert.equal(k.d, undefined, 'never a private member');
      }
      const tok = await login(t.app, BOB);
      const { payload, protectedHeader } = await jwtVerify(tok.access_token, createLocalJWKSet(jwks), {
        issuer: t.config.issuer,
        audience: t.config.audience,
        typ: 'at+jwt',
        currentDate: new Date(t.clock.now()),
      });
      assert.equal(payload.sub, '102');
      assert.equal(protectedHeader.alg, 'ES256');
    } finally {
      await t.close();
    }
  });

  test('rotation: the published next key signs, a new next key appears, old tokens keep verifying until they expire', async () => {
    const t = await startApp();
    try {
      const admin = (await login(t.app, ALICE)).access_token;
      const before = (
        await t.app.inject({ method: 'GET', url: '/admin/keys', headers: bearer(admin) })
      ).json();
      const active0 = before.keys.find((k: { status: string }) => k.status === 'active').kid;
      const next0 = before.keys.find((k: { status: string }) => k.status === 'next').kid;
      assert.equal(jwtPart(admin, 0).kid, active0);

      const rot = await t.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin) });
      assert.equal(rot.statusCode, 200, rot.body);
      assert.equal(rot.json().active, next0);
      assert.equal(rot.json().retired, active0);
      const after = await login(t.app, BOB);
      assert.equal(jwtPart(after.access_token, 0).kid, next0, 'the key that was published as next now signs');

      const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
      assert.equal(jwks.keys.length, 3, 'retired + active + new next');
      assert.ok(jwks.keys.some((k: { kid: string }) => k.kid === active0));
      // a token signed by the retired key still works
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/me', headers: bearer(admin) })).statusCode,
        200,
      );

      const events = await t.services.storage.listAuditEvents({ limit: 5, type: 'keys.rotated' });
      assert.equal(events.length, 1);
      assert.equal(events[0]!.actorId, ALICE.id);

      // once every token of the retired key has expired, it leaves the JWKS
      t.clock.advance(t.config.accessTokenTtl + t.config.leeway + 10);
      const later = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
      assert.equal(later.keys.length, 2);
      assert.ok(!later.keys.some((k: { kid: string }) => k.kid === active0));
    } finally {
      await t.close();
    }
  });

  test('keys survive a restart (same database): tokens issued before still verify', async () => {
    const first = await startApp();
    const tok = await login(first.app, BOB);
    const dir = first.dir;
    await first.app.close();
    const second = await startApp({}, { dir, clock: first.clock });
    try {
      assert.equal(
        (await second.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) }))
          .statusCode,
        200,
      );
      assert.equal((await refresh(second.app, tok.refresh_token)).statusCode, 200);
    } finally {
      await second.close();
      await first.close().catch(() => {});
    }
  });
});

describe('HS256 mode (JWT_SECRET)', () => {
  test('signs HS256, publishes no keys, refuses rotation', async () => {
    const t = await startApp({ JWT_SECRET: 'a-demo-secret-that-is-at-least-32-bytes-long' });
    try {
      const tok = await login(t.app, ALICE);
      assert.equal(jwtPart(tok.access_token, 0).alg, 'HS256');
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) })).statusCode,
        200,
      );
      assert.deepEqual((await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(), {
        keys: [],
      });
      assertProblem(
        await t.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(tok.access_token) }),
        409,
        'rotation_unsupported',
      );
    } finally {
      await t.close();
    }
  });
});

describe('rotation waits until the next key has been published long enough', () => {
  test('KEY_ROTATION_MIN_AGE: 409 with Retry-After while the next key is too new, then 200', async () => {
    const t = await startApp({ KEY_ROTATION_MIN_AGE: '60' });
    try {
      const admin = (await login(t.app, ALICE)).access_token;
      const early = await t.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin) });
      assertProblem(early, 409, 'next_key_too_new');
      assert.ok(Number(early.headers['retry-after']) > 0);
      t.clock.advance(61);
      const fresh = (await login(t.app, ALICE)).access_token;
      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(fresh) }))
          .statusCode,
        200,
      );
      // the brand-new next key is too new again
      assertProblem(
        await t.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(fresh) }),
        409,
        'next_key_too_new',
      );
    } finally {
      await t.close();
    }
  });
});

describe('introspection client credentials (INTROSPECTION_CLIENTS, HTTP Basic)', () => {
  test('a configured client introspects with Basic auth; wrong credentials get 401 invalid_client', async () => {
    const t = await startApp({
      INTROSPECTION_CLIENTS: 'api-gateway:gw-secret-value-123,other:other-secret-456',
    });
    try {
      const tok = await login(t.app, BOB);
      const basic = (id: string, secret: string) =>
        `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
      const call = (authorization: string) =>
        t.app.inject({
          method: 'POST',
          url: '/oauth/introspect',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          payload: `token=${tok.access_token}`,
        });
      const ok = await call(basic('api-gateway', 'gw-secret-value-123'));
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().active, true);
      assert.equal(ok.json().sub, '102');
      assert.equal((await call(basic('other', 'other-secret-456'))).json().active, true);
      for (const bad of [
        basic('api-gateway', 'wrong'),
        basic('nobody', 'gw-secret-value-123'),
        basic('other', 'gw-secret-value-123'),
      ]) {
        const res = await call(bad);
        assertOAuthError(res, 401, 'invalid_client');
        assert.equal(res.headers['www-authenticate'], 'Basic realm="jwtkit"');
      }
      // the admin bearer path still works; a user bearer token is still refused
      const admin = (await login(t.app, ALICE)).access_token;
      assert.equal((await call(`Bearer ${admin}`)).json().active, true);
      assertOAuthError(await call(`Bearer ${tok.access_token}`), 403, 'insufficient_scope');
    } finally {
      await t.close();
    }
  });

  test('without configured clients, Basic auth is just a missing bearer token', async () => {
    const t = await startApp();
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/oauth/introspect',
        headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        payload: { token: 'x' },
      });
      assertOAuthError(res, 401, 'invalid_client');
    } finally {
      await t.close();
    }
  });
});
