// Registered machine clients: the admin API, client_credentials with client_secret_basic through
// oauth4webapi (the oracle), RFC 9068 §2.2 tokens (client_id, scope, no user) validated by oauth4webapi's
// validateJwtAccessToken, and protected routes refusing them clearly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { runCommand } from '../src/cli.js';
import { ALICE, assertProblem, BOB, bearer, login, startApp, TEST_ENV, type TestApp } from './helpers.js';
import { assertOAuthError, discover, form, ISSUER, registerClient, requestOptions } from './oauth-helpers.js';

const API = 'https://api.jwtkit.test';

describe('machine clients: admin API and client_credentials (client_secret_basic)', () => {
  let t: TestApp;
  let admin: string;
  let as: oauth.AuthorizationServer;
  let reg: { client_id: string; client_secret?: string };
  before(async () => {
    t = await startApp({ ISSUER });
    admin = (await login(t.app, ALICE)).access_token;
    reg = await registerClient(t, {
      client_id: 'billing-svc',
      name: 'Billing',
      scope: 'invoices:read invoices:write',
      audiences: [API, 'https://other.jwtkit.test'],
    });
    as = await discover(t.app);
  });
  after(async () => {
    await t.close();
  });

  const client = (): oauth.Client => ({ client_id: reg.client_id });
  const ccGrant = (secret: string, params: Record<string, string> = {}, id = reg.client_id) =>
    oauth.clientCredentialsGrantRequest(
      as,
      { client_id: id },
      oauth.ClientSecretBasic(secret),
      params,
      requestOptions(t.app),
    );

  test('registration: the secret is shown once and stored as a digest; list never shows it', async () => {
    assert.equal(typeof reg.client_secret, 'string');
    assert.ok(reg.client_secret!.length >= 43);
    const stored = await t.services.storage.getOAuthClient('billing-svc');
    assert.ok(stored);
    assert.notEqual(stored.secretHash, reg.client_secret);
    assert.equal(stored.secretHash, createHash('sha256').update(reg.client_secret!).digest('hex'));
    const list = await t.app.inject({ method: 'GET', url: '/admin/oauth-clients', headers: bearer(admin) });
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(reg.client_secret!));
    assert.ok(!list.body.includes(stored.secretHash!));
    const entry = list.json().clients.find((c: { client_id: string }) => c.client_id === 'billing-svc');
    assert.equal(entry.scope, 'invoices:read invoices:write');
    assert.deepEqual(entry.audiences, [API, 'https://other.jwtkit.test']);
    const events = (
      await t.app.inject({
        method: 'GET',
        url: '/admin/audit-events?type=oauth_client.registered',
        headers: bearer(admin),
      })
    ).json();
    assert.ok(JSON.stringify(events).includes('billing-svc'));
  });

  test('registration is admin-only and validated', async () => {
    const bob = (await login(t.app, BOB)).access_token;
    assertProblem(
      await t.app.inject({ method: 'POST', url: '/admin/oauth-clients', headers: bearer(bob), payload: {} }),
      403,
      'insufficient_scope',
    );
    assertProblem(await t.app.inject({ method: 'GET', url: '/admin/oauth-clients' }), 401, 'missing_token');
    const post = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/admin/oauth-clients', headers: bearer(admin), payload });
    for (const bad of [
      { client_id: 'a b' },
      { client_id: 'x' },
      { scope: 'bad"scope' },
      { audiences: [] },
      { audiences: ['has space'] },
      { token_endpoint_auth_method: 'private_key_jwt' },
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'nope', y: 'nope' }] },
      },
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'not a url' },
      {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: {
          keys: [
            { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
            { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
          ],
        },
      },
      { jwks_uri: 'https://client.example/jwks' },
    ]) {
      const res = await post(bad);
      assert.equal(res.statusCode, 400, `${JSON.stringify(bad)}: ${res.body}`);
    }
    assertProblem(await post({ client_id: 'billing-svc' }), 409, 'client_id_taken');
  });

  test('oauth4webapi client_credentials: RFC 9068 token with client_id and scope, no user, no refresh token', async () => {
    const res = await ccGrant(reg.client_secret!, { scope: 'invoices:read', resource: API });
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const out = await oauth.processClientCredentialsResponse(as, client(), res);
    assert.equal(out.token_type, 'bearer');
    assert.equal(out.scope, 'invoices:read');
    assert.equal(out.refresh_token, undefined);
    assert.equal(out.expires_in, t.config.accessTokenTtl);
    // a resource server validates it with oauth4webapi (RFC 9068, JWKS from the metadata)
    const request = new Request(`${API}/invoices`, {
      headers: { authorization: `Bearer ${out.access_token}` },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, API, requestOptions(t.app));
    assert.equal(claims.sub, 'billing-svc');
    assert.equal(claims.client_id, 'billing-svc');
    assert.equal(claims.scope, 'invoices:read');
    assert.equal(claims.iss, ISSUER);
    assert.equal((claims as Record<string, unknown>).user_id, undefined);
    assert.equal((claims as Record<string, unknown>).username, undefined);
    // default: every allowed scope, the first audience
    const all = await oauth.processClientCredentialsResponse(as, client(), await ccGrant(reg.client_secret!));
    assert.equal(all.scope, 'invoices:read invoices:write');
    const c2 = await oauth.validateJwtAccessToken(
      as,
      new Request(`${API}/x`, { headers: { authorization: `Bearer ${all.access_token}` } }),
      API,
      requestOptions(t.app),
    );
    assert.equal(c2.aud, API);
  });

  test('§5.2 errors: wrong or missing client authentication, scope, resource', async () => {
    await assert.rejects(
      oauth.processClientCredentialsResponse(as, client(), await ccGrant('wrong-secret')),
      (err: unknown) => {
        assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, String(err));
        assert.equal(err.status, 401);
        assert.equal(err.cause[0]?.scheme, 'basic');
        return true;
      },
    );
    const basic = (id: string, secret: string) => ({
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
    });
    for (const headers of [
      basic('billing-svc', 'wrong'),
      basic('nobody', reg.client_secret!),
      basic('billing-svc', ''),
      { authorization: 'Basic !!!' },
      { authorization: `Bearer ${admin}` },
    ]) {
      const res = await form(t.app, '/oauth/token', { grant_type: 'client_credentials' }, headers);
      assertOAuthError(res, 401, 'invalid_client');
      assert.match(String(res.headers['www-authenticate']), /^Basic realm=/);
    }
    // no authentication at all; client_secret_post is not supported (refused, not ignored)
    assertOAuthError(
      await form(t.app, '/oauth/token', { grant_type: 'client_credentials' }),
      401,
      'invalid_client',
    );
    assertOAuthError(
      await form(t.app, '/oauth/token', {
        grant_type: 'client_credentials',
        client_id: 'billing-svc',
        client_secret: reg.client_secret!,
      }),
      401,
      'invalid_client',
    );
    // two methods at once
    assertOAuthError(
      await form(
        t.app,
        '/oauth/token',
        { grant_type: 'client_credentials', client_secret: reg.client_secret! },
        basic('billing-svc', reg.client_secret!),
      ),
      400,
      'invalid_request',
    );
    const ok = basic('billing-svc', reg.client_secret!);
    assertOAuthError(
      await form(
        t.app,
        '/oauth/token',
        { grant_type: 'client_credentials', scope: 'invoices:read admin' },
        ok,
      ),
      400,
      'invalid_scope',
    );
    assertOAuthError(
      await form(
        t.app,
        '/oauth/token',
        { grant_type: 'client_credentials', resource: 'https://evil.test' },
        ok,
      ),
      400,
      'invalid_target',
    );
    // a client cannot use a user's refresh token
    const user = await login(t.app, BOB);
    assertOAuthError(
      await form(
        t.app,
        '/oauth/token',
        { grant_type: 'refresh_token', refresh_token: user.refresh_token },
        ok,
      ),
      400,
      'invalid_grant',
    );
  });

  test('protected routes: a client token has no user (403, said clearly); introspection and revocation', async () => {
    const out = await oauth.processClientCredentialsResponse(as, client(), await ccGrant(reg.client_secret!));
    for (const url of ['/me', '/auth/sessions', '/admin/users']) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(out.access_token) });
      const body = assertProblem(res, 403, 'insufficient_scope');
      assert.match(String(body.detail), /carries no user/);
      assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/);
    }
    const intro = await form(t.app, '/oauth/introspect', { token: out.access_token }, bearer(admin));
    assert.equal(intro.statusCode, 200, intro.body);
    assert.equal(intro.json().active, true);
    assert.equal(intro.json().client_id, 'billing-svc');
    assert.equal(intro.json().scope, 'invoices:read invoices:write');
    assert.equal(intro.json().username, undefined);
    assert.equal((await form(t.app, '/oauth/revoke', { token: out.access_token })).statusCode, 200);
    assert.deepEqual(
      (await form(t.app, '/oauth/introspect', { token: out.access_token }, bearer(admin))).json(),
      {
        active: false,
      },
    );
    const me = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(out.access_token) });
    assertProblem(me, 401, 'invalid_token');
  });

  test('deleting a client: no new tokens, its tokens inactive; 404 the second time', async () => {
    const r = await registerClient(t, { client_id: 'short-lived', scope: 'x' });
    const tok = await oauth.processClientCredentialsResponse(
      as,
      { client_id: r.client_id },
      await ccGrant(r.client_secret!, {}, r.client_id),
    );
    const del = () =>
      t.app.inject({ method: 'DELETE', url: '/admin/oauth-clients/short-lived', headers: bearer(admin) });
    assert.equal((await del()).statusCode, 204);
    assertProblem(await del(), 404, 'not_found');
    assertOAuthError(
      await form(
        t.app,
        '/oauth/token',
        { grant_type: 'client_credentials' },
        {
          authorization: `Basic ${Buffer.from(`short-lived:${r.client_secret}`).toString('base64')}`,
        },
      ),
      401,
      'invalid_client',
    );
    assert.deepEqual(
      (await form(t.app, '/oauth/introspect', { token: tok.access_token }, bearer(admin))).json(),
      {
        active: false,
      },
    );
  });
});

describe('machine clients: the CLI path', () => {
  test('register-client prints the secret once; the client gets tokens; list-clients; delete-client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-clients-cli-'));
    const env = { ...TEST_ENV, DATABASE_URL: join(dir, 'test.sqlite'), ISSUER };
    try {
      const run = async (...args: string[]) => {
        const lines: string[] = [];
        const code = await runCommand(args, env, (l) => lines.push(l));
        return { code, out: lines.join('\n') };
      };
      const reg = await run('register-client', 'cli-svc', '--scope', 'jobs:run', '--audience', API);
      assert.equal(reg.code, 0, reg.out);
      const secret = /client_secret: (\S+)/.exec(reg.out)?.[1];
      assert.ok(secret, reg.out);
      assert.equal((await run('register-client', 'cli-svc')).code, 2, 'taken');
      assert.equal((await run('register-client')).code, 2, 'usage');
      assert.match((await run('list-clients')).out, /cli-svc\tclient_secret_basic\tscope="jobs:run"/);
      assert.ok(!(await run('list-clients')).out.includes(secret));
      const t = await startApp({ ISSUER }, { dir });
      try {
        const res = await form(
          t.app,
          '/oauth/token',
          { grant_type: 'client_credentials' },
          { authorization: `Basic ${Buffer.from(`cli-svc:${secret}`).toString('base64')}` },
        );
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().scope, 'jobs:run');
      } finally {
        await t.close();
      }
      assert.equal((await run('delete-client', 'cli-svc')).code, 0);
      assert.equal((await run('delete-client', 'cli-svc')).code, 1);
      assert.match((await run('list-clients')).out, /no clients registered/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
