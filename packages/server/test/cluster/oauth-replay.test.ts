// Two app instances sharing a database and Redis: a private_key_jwt client assertion used on A is
// refused on B (jti replay store in Redis, SET NX PX).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encode, exportPublicJwk, generateKeyPair } from 'jwtkit';
import { startApp } from '../helpers.js';
import { assertOAuthError, form, registerClient } from '../oauth-helpers.js';
import { dropPrefix, REDIS_URL, redisUnavailable, skipUnless, uniquePrefix } from './_redis.js';

test('a client assertion replayed on another instance is refused', async (t) => {
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
  } finally {
    await a.close();
    await b.close();
    await dropPrefix(REDIS_URL, prefix).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
