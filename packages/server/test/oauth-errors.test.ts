// RFC 6749 §5.2 error responses on every /oauth/* endpoint (RFC 7009 §2.2.1, RFC 7662 §2.3), read by
// oauth4webapi (the oracle); every other endpoint keeps problem+json.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { ALICE, assertProblem, bearer, login, startApp, type TestApp } from './helpers.js';
import { assertOAuthError, form, ISSUER, requestOptions } from './oauth-helpers.js';

describe('OAuth error shape (RFC 6749 §5.2)', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: 'api-gateway' };
  before(async () => {
    t = await startApp({
      ISSUER,
      INTROSPECTION_CLIENTS: 'api-gateway:gw-secret-value-123',
      RATE_LIMIT_REVOKE_IP: '2/1m',
    });
    as = {
      issuer: ISSUER,
      introspection_endpoint: `${ISSUER}/oauth/introspect`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
    };
  });
  after(async () => {
    await t.close();
  });

  test('oauth4webapi reads the introspection error (400 invalid_request)', async () => {
    const res = await oauth.introspectionRequest(
      as,
      client,
      oauth.ClientSecretBasic('gw-secret-value-123'),
      'x'.repeat(9000),
      requestOptions(t.app),
    );
    await assert.rejects(oauth.processIntrospectionResponse(as, client, res), (err: unknown) => {
      assert.ok(err instanceof oauth.ResponseBodyError, String(err));
      assert.equal(err.error, 'invalid_request');
      assert.equal(err.status, 400);
      assert.equal(typeof err.error_description, 'string');
      return true;
    });
  });

  test('oauth4webapi: wrong client secret is a 401 invalid_client challenge with an error body', async () => {
    const res = await oauth.introspectionRequest(
      as,
      client,
      oauth.ClientSecretBasic('wrong-secret'),
      'some-token',
      requestOptions(t.app),
    );
    const copy = res.clone();
    await assert.rejects(oauth.processIntrospectionResponse(as, client, res), (err: unknown) => {
      assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, String(err));
      assert.equal(err.status, 401);
      assert.equal(err.cause[0]?.scheme, 'basic');
      return true;
    });
    assert.equal(((await copy.json()) as { error: string }).error, 'invalid_client');
  });

  test('oauth4webapi reads the revocation errors (400 invalid_request, 429)', async () => {
    const tooLong = await oauth.revocationRequest(
      as,
      client,
      oauth.None(),
      'x'.repeat(9000),
      requestOptions(t.app),
    );
    await assert.rejects(oauth.processRevocationResponse(tooLong), (err: unknown) => {
      assert.ok(err instanceof oauth.ResponseBodyError, String(err));
      assert.equal(err.error, 'invalid_request');
      return true;
    });
    // RATE_LIMIT_REVOKE_IP=2/1m: the third revocation is refused, as an OAuth error with Retry-After.
    let limited: Response | undefined;
    for (let i = 0; i < 4 && !limited; i++) {
      const res = await oauth.revocationRequest(as, client, oauth.None(), `t-${i}`, requestOptions(t.app));
      if (res.status === 429) limited = res;
      else await oauth.processRevocationResponse(res);
    }
    assert.ok(limited, 'the revocation limit answered 429');
    assert.ok(limited.headers.get('retry-after'));
    await assert.rejects(oauth.processRevocationResponse(limited), (err: unknown) => {
      assert.ok(err instanceof oauth.ResponseBodyError, String(err));
      assert.equal(err.error, 'temporarily_unavailable');
      assert.equal(err.status, 429);
      return true;
    });
  });

  test('every /oauth/* error is JSON with error, no-store; other endpoints keep problem+json', async () => {
    const user = await login(t.app, { username: 'bob', password: 'bob-demo-password' });
    // introspection without credentials, with a user's token, with a bad body, with JSON and a form
    assertOAuthError(
      await t.app.inject({ method: 'POST', url: '/oauth/introspect', payload: { token: 'x' } }),
      401,
      'invalid_client',
    );
    assertOAuthError(
      await t.app.inject({
        method: 'POST',
        url: '/oauth/introspect',
        headers: bearer(user.access_token),
        payload: { token: 'x' },
      }),
      403,
      'insufficient_scope',
    );
    assertOAuthError(
      await form(t.app, '/oauth/introspect', {}, bearer((await login(t.app, ALICE)).access_token)),
      400,
      'invalid_request',
    );
    const repeated = await t.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=a&token=b',
    });
    assertOAuthError(repeated, 400, 'invalid_request');
    assertOAuthError(
      await t.app.inject({
        method: 'POST',
        url: '/oauth/revoke',
        headers: { 'content-type': 'text/xml' },
        payload: '<token/>',
      }),
      415,
      'invalid_request',
    );
    assertOAuthError(
      await t.app.inject({
        method: 'POST',
        url: '/oauth/revoke',
        headers: { 'content-type': 'application/json' },
        payload: '{"token":',
      }),
      400,
      'invalid_request',
    );
    assertOAuthError(
      await t.app.inject({ method: 'GET', url: '/oauth/nothing-here' }),
      404,
      'invalid_request',
    );
    // outside /oauth/: problem+json, unchanged
    assertProblem(await t.app.inject({ method: 'GET', url: '/me' }), 401, 'missing_token');
    assertProblem(await t.app.inject({ method: 'GET', url: '/nothing-here' }), 404, 'not_found');
  });
});
