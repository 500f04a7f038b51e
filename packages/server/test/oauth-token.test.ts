// POST /oauth/token (RFC 6749 §3.2): the refresh_token grant through oauth4webapi (the oracle), with the
// same rotation, grace window and reuse detection as /auth/refresh; §5.2 errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { BOB, bearer, login, refresh, startApp, type TestApp } from './helpers.js';
import { assertOAuthError, form, ISSUER, requestOptions } from './oauth-helpers.js';

describe('POST /oauth/token: refresh_token grant', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  before(async () => {
    t = await startApp({ ISSUER, REFRESH_REUSE_GRACE: '10s' });
    as = { issuer: ISSUER, token_endpoint: `${ISSUER}/oauth/token` };
    client = { client_id: t.config.clientId };
  });
  after(async () => {
    await t.close();
  });

  const grant = (refreshToken: string) =>
    oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, requestOptions(t.app));

  test('oauth4webapi: rotates; the new pair works; the response is §5.1 and no-store', async () => {
    const tok = await login(t.app, BOB);
    const res = await grant(tok.refresh_token);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('pragma'), 'no-cache');
    const out = await oauth.processRefreshTokenResponse(as, client, res);
    assert.equal(out.token_type, 'bearer');
    assert.equal(out.expires_in, t.config.accessTokenTtl);
    assert.equal(typeof out.refresh_token, 'string');
    assert.notEqual(out.refresh_token, tok.refresh_token);
    const me = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(out.access_token) });
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().username, 'bob');
    // the new refresh token rotates again
    await oauth.processRefreshTokenResponse(as, client, await grant(out.refresh_token!));
  });

  test('grace window: a retried refresh gets the same new token; later reuse revokes the family', async () => {
    const tok = await login(t.app, BOB);
    const a = await oauth.processRefreshTokenResponse(as, client, await grant(tok.refresh_token));
    const b = await oauth.processRefreshTokenResponse(as, client, await grant(tok.refresh_token));
    assert.equal(a.refresh_token, b.refresh_token);
    t.clock.advance(11);
    await assert.rejects(
      oauth.processRefreshTokenResponse(as, client, await grant(tok.refresh_token)),
      (err: unknown) => {
        assert.ok(err instanceof oauth.ResponseBodyError, String(err));
        assert.equal(err.error, 'invalid_grant');
        assert.equal(err.status, 400);
        return true;
      },
    );
    // reuse detection revoked the session: its live refresh token and access token are dead too
    assertOAuthError(
      await form(t.app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: a.refresh_token! }),
      400,
      'invalid_grant',
    );
    const me = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(a.access_token) });
    assert.equal(me.statusCode, 401);
  });

  test('one implementation: a token rotated by /oauth/token, replayed at /auth/refresh, is reuse', async () => {
    const tok = await login(t.app, BOB);
    const a = await oauth.processRefreshTokenResponse(as, client, await grant(tok.refresh_token));
    t.clock.advance(11);
    assert.equal((await refresh(t.app, tok.refresh_token)).statusCode, 401);
    assert.equal((await refresh(t.app, a.refresh_token!)).statusCode, 401, 'the family was revoked');
    // and the other way round
    const tok2 = await login(t.app, BOB);
    const r = (await refresh(t.app, tok2.refresh_token)).json();
    t.clock.advance(11);
    assertOAuthError(
      await form(t.app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tok2.refresh_token }),
      400,
      'invalid_grant',
    );
    assertOAuthError(
      await form(t.app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: r.refresh_token }),
      400,
      'invalid_grant',
    );
  });

  test('§5.2 errors: invalid_request, unsupported_grant_type, invalid_scope, invalid_grant', async () => {
    const tok = await login(t.app, BOB);
    assertOAuthError(await form(t.app, '/oauth/token', {}), 400, 'invalid_request');
    assertOAuthError(
      await form(t.app, '/oauth/token', { grant_type: 'refresh_token' }),
      400,
      'invalid_request',
    );
    for (const g of ['password', 'authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'x']) {
      assertOAuthError(
        await form(t.app, '/oauth/token', {
          grant_type: g,
          username: BOB.username,
          password: BOB.password,
        }),
        400,
        'unsupported_grant_type',
      );
    }
    assertOAuthError(
      await form(t.app, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: tok.refresh_token,
        scope: 'admin',
      }),
      400,
      'invalid_scope',
    );
    assertOAuthError(
      await form(t.app, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: tok.refresh_token,
        client_id: 'someone-else',
      }),
      400,
      'invalid_grant',
    );
    for (const bad of ['garbage', 'A'.repeat(43), 'x'.repeat(600)]) {
      const res = await form(t.app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: bad });
      assertOAuthError(res, 400, bad.length > 512 ? 'invalid_request' : 'invalid_grant');
    }
    // not form-encoded: JSON is refused (the JSON convenience is /auth/refresh)
    assertOAuthError(
      await t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'refresh_token', refresh_token: tok.refresh_token },
      }),
      415,
      'invalid_request',
    );
    // repeated parameters (RFC 6749 §3.2: MUST NOT be included more than once)
    const repeated = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=refresh_token&refresh_token=${tok.refresh_token}&refresh_token=x`,
    });
    assertOAuthError(repeated, 400, 'invalid_request');
    // the errors above spent nothing: the original refresh token still rotates
    const ok = await form(t.app, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tok.refresh_token,
      client_id: t.config.clientId,
      unknown_parameter: 'ignored',
    });
    assert.equal(ok.statusCode, 200, ok.body);
  });
});
