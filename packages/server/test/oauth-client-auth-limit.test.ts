// Client authentication at /oauth/token is rate limited like login: every attempt is counted BEFORE the
// secret or the assertion is checked (so a guesser gets no expensive work past the budget), per
// client_id + address (a success resets it) and per address.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { encode, exportPublicJwk, generateKeyPair } from 'jwtkit';
import { startApp, type TestApp } from './helpers.js';
import { assertOAuthError, form, ISSUER, registerClient } from './oauth-helpers.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('rate limit on client authentication at /oauth/token', () => {
  let t: TestApp;
  let secret: string;
  const pair = generateKeyPair('ES256');
  before(async () => {
    t = await startApp({ ISSUER, RATE_LIMIT_CLIENT_AUTH: '3/1m', RATE_LIMIT_CLIENT_AUTH_IP: '20/1m' });
    secret = (await registerClient(t, { client_id: 'limited-svc', scope: 'a' })).client_secret!;
    await registerClient(t, {
      client_id: 'limited-pk',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [exportPublicJwk(pair.publicKey)] },
    });
  });
  after(async () => {
    await t.close();
  });

  const basic = (id: string, s: string) => ({
    authorization: `Basic ${Buffer.from(`${id}:${s}`).toString('base64')}`,
  });
  const cc = (headers: Record<string, string>, ip = '203.0.113.7') =>
    t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress: ip,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: 'grant_type=client_credentials',
    });

  test('client_secret_basic: over the budget even the right secret is refused (429), other addresses are not', async () => {
    // a success resets the per-client count
    for (let i = 0; i < 2; i++)
      assertOAuthError(await cc(basic('limited-svc', 'wrong')), 401, 'invalid_client');
    assert.equal((await cc(basic('limited-svc', secret))).statusCode, 200);
    for (let i = 0; i < 3; i++)
      assertOAuthError(await cc(basic('limited-svc', 'wrong')), 401, 'invalid_client');
    const limited = await cc(basic('limited-svc', secret));
    assert.equal(limited.statusCode, 429, limited.body);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal(limited.json().error, 'temporarily_unavailable');
    assert.equal((await cc(basic('limited-svc', secret), '198.51.100.9')).statusCode, 200);
  });

  test('private_key_jwt: counted before the assertion is verified', async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = (key = pair.privateKey) =>
      encode(
        {
          iss: 'limited-pk',
          sub: 'limited-pk',
          aud: `${ISSUER}/oauth/token`,
          exp: now + 60,
          jti: randomUUID(),
        },
        key,
        { algorithm: 'ES256' },
      );
    const send = (jwt: string) =>
      t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: '203.0.113.50',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: jwt,
        }).toString(),
      });
    const forged = generateKeyPair('ES256').privateKey;
    for (let i = 0; i < 3; i++) assertOAuthError(await send(assertion(forged)), 401, 'invalid_client');
    assert.equal(
      (await send(assertion())).statusCode,
      429,
      'a valid assertion past the budget is not verified',
    );
  });

  test('per address, across client_ids', async () => {
    let last = 0;
    for (let i = 0; i < 21; i++) last = (await cc(basic(`nobody-${i}`, 'x'), '192.0.2.77')).statusCode;
    assert.equal(last, 429);
  });

  test('form helper sanity: no credentials is not counted as an attempt', async () => {
    for (let i = 0; i < 5; i++)
      assertOAuthError(
        await form(t.app, '/oauth/token', { grant_type: 'client_credentials' }),
        401,
        'invalid_client',
      );
  });
});
