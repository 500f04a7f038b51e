// oauth4webapi (a strict OAuth 2 client, the oracle) against the service listening on a real TCP port,
// with real fetch (no inject): discovery; client_credentials with client_secret_basic and private_key_jwt;
// the refresh grant; DPoP with its nonce retry (DPOP_NONCE) at the token endpoint and at /me;
// validateJwtAccessToken; introspection; revocation; and the error paths of each.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createDpopProof, importKey, type KeyInput } from 'jwtkit';
import * as oauth from 'oauth4webapi';
import { ALICE, BOB, startApp, type TestApp } from './helpers.js';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function ecPair(): Promise<{ pair: CryptoKeyPair; priv: KeyInput; pub: webcrypto.JsonWebKey }> {
  const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const priv = importKey((await webcrypto.subtle.exportKey('jwk', pair.privateKey)) as never);
  return { pair, priv, pub: await webcrypto.subtle.exportKey('jwk', pair.publicKey) };
}

/** oauth4webapi's rejection of a 401 invalid_client: the Basic challenge, and the §5.2 body. */
async function rejectsInvalidClient(promise: Promise<unknown>, body: Response): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, String(err));
    assert.equal(err.status, 401);
    assert.equal(err.cause[0]?.scheme, 'basic');
    return true;
  });
  assert.equal(((await body.json()) as { error: string }).error, 'invalid_client');
}

/** Runs `call`; when the server asks for a DPoP nonce, once more (the handle has it then). */
async function withNonceRetry<T>(call: () => Promise<T>): Promise<{ value: T; retried: boolean }> {
  try {
    return { value: await call(), retried: false };
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return { value: await call(), retried: true };
  }
}

describe('oauth4webapi against the running service (TCP, DPOP_NONCE on)', () => {
  let t: TestApp;
  let issuer: string;
  let as: oauth.AuthorizationServer;
  let secret: string;
  let admin: string;
  const pk = { id: 'live-pk', keys: null as unknown as Awaited<ReturnType<typeof ecPair>> };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await startApp({
      ISSUER: issuer,
      DPOP_NONCE: 'true',
      INTROSPECTION_CLIENTS: 'rs-live:rs-live-secret-0123456789',
    });
    await t.app.listen({ port, host: '127.0.0.1' });
    admin = (
      (await (await post('/auth/login', { username: ALICE.username, password: ALICE.password })).json()) as {
        access_token: string;
      }
    ).access_token;
    const register = async (body: Record<string, unknown>) => {
      const r = await post('/admin/oauth-clients', body, { authorization: `Bearer ${admin}` });
      assert.equal(r.status, 201, await r.clone().text());
      return (await r.json()) as { client_secret?: string };
    };
    secret = (await register({ client_id: 'live-basic', scope: 'reports:read', audiences: [issuer] }))
      .client_secret!;
    pk.keys = await ecPair();
    await register({
      client_id: pk.id,
      token_endpoint_auth_method: 'private_key_jwt',
      scope: 'jobs:run',
      audiences: [issuer],
      jwks: { keys: [{ ...pk.keys.pub, alg: 'ES256' }] },
    });
    const res = await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', ...insecure });
    as = await oauth.processDiscoveryResponse(new URL(issuer), res);
  });
  after(async () => {
    await t.close();
  });

  test('discovery: the endpoints and methods the service serves', () => {
    assert.equal(as.issuer, issuer);
    assert.equal(as.token_endpoint, `${issuer}/oauth/token`);
    assert.ok(as.token_endpoint_auth_methods_supported?.includes('private_key_jwt'));
    assert.ok(as.dpop_signing_alg_values_supported?.includes('ES256'));
  });

  test('client_credentials with client_secret_basic; wrong secret is invalid_client', async () => {
    const client: oauth.Client = { client_id: 'live-basic' };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(secret),
      { scope: 'reports:read' },
      insecure,
    );
    const out = await oauth.processClientCredentialsResponse(as, client, res);
    assert.equal(out.token_type, 'bearer');
    assert.equal(out.scope, 'reports:read');
    const claims = await oauth.validateJwtAccessToken(
      as,
      new Request(`${issuer}/api`, { headers: { authorization: `Bearer ${out.access_token}` } }),
      issuer,
      insecure,
    );
    assert.equal(claims.client_id, 'live-basic');
    const bad = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic('wrong'),
      {},
      insecure,
    );
    await rejectsInvalidClient(oauth.processClientCredentialsResponse(as, client, bad), bad.clone());
  });

  test('client_credentials with private_key_jwt and a DPoP handle (nonce retry): a DPoP-bound client token', async () => {
    const client: oauth.Client = { client_id: pk.id };
    const dpopKeys = await ecPair();
    const dpop = oauth.DPoP(client, dpopKeys.pair);
    const { value: out, retried } = await withNonceRetry(async () => {
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.PrivateKeyJwt(pk.keys.pair.privateKey),
        {},
        { DPoP: dpop, ...insecure },
      );
      return oauth.processClientCredentialsResponse(as, client, res);
    });
    assert.ok(retried, 'the server asked for a nonce');
    assert.equal(out.token_type, 'dpop');
    // a forged assertion: invalid_client
    const forged = await ecPair();
    const bad = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.PrivateKeyJwt(forged.pair.privateKey),
      {},
      insecure,
    );
    await rejectsInvalidClient(oauth.processClientCredentialsResponse(as, client, bad), bad.clone());
  });

  test('a DPoP user session: refreshTokenGrantRequest and /me with the DPoP handle, nonce retries; stolen token fails', async () => {
    const key = await ecPair();
    const proof = (method: string, url: string, o: { nonce?: string; accessToken?: string } = {}) =>
      createDpopProof(key.priv, { algorithm: 'ES256', method, url, ...o });
    const first = await post(
      '/auth/login',
      { username: BOB.username, password: BOB.password },
      { dpop: proof('POST', `${issuer}/auth/login`) },
    );
    assert.equal(first.status, 400);
    const nonce = String(first.headers.get('dpop-nonce'));
    const login = await post(
      '/auth/login',
      { username: BOB.username, password: BOB.password },
      { dpop: proof('POST', `${issuer}/auth/login`, { nonce }) },
    );
    assert.equal(login.status, 200);
    const session = (await login.json()) as { refresh_token: string; token_type: string };
    assert.equal(session.token_type, 'DPoP');

    const client: oauth.Client = { client_id: t.config.clientId };
    const dpop = oauth.DPoP(client, key.pair);
    const refreshed = await withNonceRetry(async () => {
      const res = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), session.refresh_token, {
        DPoP: dpop,
        ...insecure,
      });
      return oauth.processRefreshTokenResponse(as, client, res);
    });
    assert.ok(refreshed.retried);
    const tokens = refreshed.value;
    assert.equal(tokens.token_type, 'dpop');
    // the bound refresh token with another key's handle, and an unknown one: invalid_grant
    const thief = oauth.DPoP(client, (await ecPair()).pair);
    for (const [rt, handle] of [
      [String(tokens.refresh_token), thief],
      ['x'.repeat(43), dpop],
    ] as const) {
      const res = await withNonceRetry(async () => {
        const r = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), rt, {
          DPoP: handle,
          ...insecure,
        });
        return oauth.processRefreshTokenResponse(as, client, r);
      }).catch((err: unknown) => err);
      assert.ok(res instanceof oauth.ResponseBodyError, String(res));
      assert.equal(res.error, 'invalid_grant');
      assert.equal(res.status, 400);
    }

    const fresh = oauth.DPoP(client, key.pair); // a handle without the nonce: /me asks for it
    const me = await withNonceRetry(() =>
      oauth.protectedResourceRequest(
        tokens.access_token,
        'GET',
        new URL(`${issuer}/me`),
        new Headers(),
        null,
        {
          DPoP: fresh,
          ...insecure,
        } as oauth.ProtectedResourceRequestOptions,
      ),
    );
    assert.ok(me.retried, '/me asked for a nonce');
    assert.equal(me.value.status, 200);
    // the same token without the key: as Bearer, refused
    const stolen = await fetch(`${issuer}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(stolen.status, 401);
    // oauth4webapi as the resource server: needs the proof
    await assert.rejects(
      oauth.validateJwtAccessToken(
        as,
        new Request(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
        issuer,
        insecure,
      ),
    );
  });

  test('introspection (HTTP Basic resource server) and revocation, with their error paths', async () => {
    const client: oauth.Client = { client_id: 'live-basic' };
    const issued = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(secret), {}, insecure),
    );
    const rs: oauth.Client = { client_id: 'rs-live' };
    const introspect = async (token: string, auth = oauth.ClientSecretBasic('rs-live-secret-0123456789')) =>
      oauth.processIntrospectionResponse(
        as,
        rs,
        await oauth.introspectionRequest(as, rs, auth, token, insecure),
      );
    const active = await introspect(issued.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, 'live-basic');
    const wrong = await oauth.introspectionRequest(
      as,
      rs,
      oauth.ClientSecretBasic('wrong'),
      issued.access_token,
      insecure,
    );
    await rejectsInvalidClient(oauth.processIntrospectionResponse(as, rs, wrong), wrong.clone());
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(
        as,
        client,
        oauth.ClientSecretBasic(secret),
        issued.access_token,
        insecure,
      ),
    );
    assert.equal((await introspect(issued.access_token)).active, false);
    // revoking an unknown token is fine (RFC 7009 §2.2)
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, oauth.None(), 'not-a-token', insecure),
    );
    assert.equal((await introspect('not-a-token')).active, false);
  });
});
