// Two app instances sharing a database and Redis: a private_key_jwt client assertion, and a DPoP proof,
// used on A are refused on B (jti replay stores in Redis, SET NX PX).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDpopProof, encode, exportPublicJwk, generateKeyPair } from 'jwtkit';
import { startApp } from '../helpers.js';
import { assertOAuthError, form, registerClient } from '../oauth-helpers.js';
import { dropPrefix, REDIS_URL, redisUnavailable, skipUnless, uniquePrefix } from './_redis.js';

test('a client assertion and a DPoP proof replayed on another instance are refused', async (t) => {
  if (skipUnless(t, await redisUnavailable())) return;
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-cluster-oauth-'));
  const prefix = uniquePrefix('oauth');
  const env = { REDIS_URL, REDIS_PREFIX: prefix, ISSUER: 'http://cluster.test' };
  const a = await startApp(env, { dir });
  const b = await startApp(env, { dir });
  try {
    assert.ok(a.services.cluster && b.services.cluster, 'cluster wiring');
    const pair = generateKeyPair('ES256');
    await registerClient(a, {
      client_id: 'cluster-svc',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [exportPublicJwk(pair.publicKey)] },
    });
    const now = Math.floor(Date.now() / 1000);
    const assertion = () =>
      encode(
        {
          iss: 'cluster-svc',
          sub: 'cluster-svc',
          aud: 'http://cluster.test/oauth/token',
          exp: now + 60,
          jti: randomUUID(),
        },
        pair.privateKey,
        { algorithm: 'ES256' },
      );
    const send = (app: typeof a, jwt: string) =>
      form(app.app, '/oauth/token', {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
      });
    const once = assertion();
    assert.equal((await send(a, once)).statusCode, 200);
    assertOAuthError(await send(b, once), 401, 'invalid_client');
    assertOAuthError(await send(a, once), 401, 'invalid_client');
    // a fresh assertion works on B
    assert.equal((await send(b, assertion())).statusCode, 200);

    // DPoP: a proof used at A's token endpoint is refused at B's (jti in Redis)
    const secretClient = await registerClient(a, { client_id: 'cluster-basic' });
    const basic = {
      authorization: `Basic ${Buffer.from(`cluster-basic:${secretClient.client_secret}`).toString('base64')}`,
    };
    const dpopKey = generateKeyPair('ES256').privateKey;
    const proof = createDpopProof(dpopKey, {
      algorithm: 'ES256',
      method: 'POST',
      url: 'http://cluster.test/oauth/token',
    });
    const withProof = (app: typeof a, p: string) =>
      form(app.app, '/oauth/token', { grant_type: 'client_credentials' }, { ...basic, dpop: p });
    const bound = await withProof(a, proof);
    assert.equal(bound.statusCode, 200, bound.body);
    assert.equal(bound.json().token_type, 'DPoP');
    assertOAuthError(await withProof(b, proof), 400, 'invalid_dpop_proof');

    // DPoP at a protected route: a proof used for GET /me on A is refused on B (same Redis jti store).
    const userKey = generateKeyPair('ES256').privateKey;
    const userProof = (method: string, path: string, accessToken?: string) =>
      createDpopProof(userKey, {
        algorithm: 'ES256',
        method,
        url: `http://cluster.test${path}`,
        ...(accessToken ? { accessToken } : {}),
      });
    const login = await a.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: userProof('POST', '/auth/login') },
      payload: { username: 'bob', password: 'bob-demo-password' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const access = login.json().access_token as string;
    const meHeaders = { authorization: `DPoP ${access}`, dpop: userProof('GET', '/me', access) };
    assert.equal((await a.app.inject({ method: 'GET', url: '/me', headers: meHeaders })).statusCode, 200);
    const replayed = await b.app.inject({ method: 'GET', url: '/me', headers: meHeaders });
    assert.equal(replayed.statusCode, 401, replayed.body);
    assert.equal(replayed.json().code, 'invalid_dpop_proof');
    const fresh = { authorization: `DPoP ${access}`, dpop: userProof('GET', '/me', access) };
    assert.equal((await b.app.inject({ method: 'GET', url: '/me', headers: fresh })).statusCode, 200);
  } finally {
    await a.close();
    await b.close();
    await dropPrefix(REDIS_URL, prefix).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
