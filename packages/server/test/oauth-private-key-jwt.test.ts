// private_key_jwt (RFC 7523 §2.2): oauth4webapi's PrivateKeyJwt (the oracle) against a client registered
// with a JWK Set and one registered with a JWKS URL; aud, exp, jti replay, key and algorithm checks.
import assert from 'node:assert/strict';
import { randomUUID, webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { encode, exportPublicJwk, generateKeyPair, generateSecret, type KeyInput } from 'jwtkit';
import * as oauth from 'oauth4webapi';
import { startApp, type TestApp } from './helpers.js';
import { assertOAuthError, discover, form, ISSUER, injectFetch, registerClient } from './oauth-helpers.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('private_key_jwt client authentication', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  let keys: CryptoKeyPair;
  let jwksServer: Server;
  let remoteKeys: CryptoKeyPair;
  const es = generateKeyPair('ES256');
  before(async () => {
    t = await startApp({ ISSUER });
    keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const jwk = await webcrypto.subtle.exportKey('jwk', keys.publicKey);
    await registerClient(t, {
      client_id: 'reports-svc',
      token_endpoint_auth_method: 'private_key_jwt',
      scope: 'reports:read',
      jwks: {
        keys: [
          { ...jwk, kid: 'webcrypto-1' },
          { ...exportPublicJwk(es.publicKey), kid: 'es-1' },
        ],
      },
    });
    remoteKeys = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const remoteJwk = await webcrypto.subtle.exportKey('jwk', remoteKeys.publicKey);
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [remoteJwk] }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    const port = (jwksServer.address() as AddressInfo).port;
    await registerClient(t, {
      client_id: 'remote-svc',
      token_endpoint_auth_method: 'private_key_jwt',
      scope: 'jobs:run',
      jwks_uri: `http://127.0.0.1:${port}/jwks.json`,
    });
    as = await discover(t.app);
  });
  after(async () => {
    await t.close();
    jwksServer.close();
  });

  /** oauth4webapi's request; `sent` receives the body it posted. */
  const grant = (clientId: string, key: CryptoKey, sent?: (body: string) => void, kid?: string) =>
    oauth.clientCredentialsGrantRequest(
      as,
      { client_id: clientId },
      oauth.PrivateKeyJwt(kid ? { key, kid } : key),
      {},
      {
        [oauth.customFetch]: async (url: string | URL | Request, init?: RequestInit) => {
          sent?.(String(init?.body ?? ''));
          return injectFetch(t.app)(url, init);
        },
      },
    );

  test('oauth4webapi PrivateKeyJwt: a JWK Set client and a jwks_uri client get tokens', async () => {
    const a = await oauth.processClientCredentialsResponse(
      as,
      { client_id: 'reports-svc' },
      await grant('reports-svc', keys.privateKey, undefined, 'webcrypto-1'),
    );
    assert.equal(a.scope, 'reports:read');
    const b = await oauth.processClientCredentialsResponse(
      as,
      { client_id: 'remote-svc' },
      await grant('remote-svc', remoteKeys.privateKey),
    );
    assert.equal(b.scope, 'jobs:run');
  });

  test('a replayed assertion is refused (jti single use)', async () => {
    let body = '';
    const first = await grant(
      'reports-svc',
      keys.privateKey,
      (b) => {
        body = b;
      },
      'webcrypto-1',
    );
    assert.equal(first.status, 200);
    const replay = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });
    assertOAuthError(replay, 401, 'invalid_client');
  });

  test('aud, exp, jti, iss/sub, key and algorithm are enforced', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    const base = () => ({
      iss: 'reports-svc',
      sub: 'reports-svc',
      aud: `${ISSUER}/oauth/token`,
      iat: now,
      exp: now + 60,
      jti: randomUUID(),
    });
    const send = (assertion: string, extra: Record<string, string> = {}) =>
      form(t.app, '/oauth/token', {
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
        ...extra,
      });
    const sign = (
      claims: Record<string, unknown>,
      key: KeyInput = es.privateKey,
      algorithm: 'ES256' | 'HS256' = 'ES256',
    ) => encode(claims, key, { algorithm, keyId: 'es-1' });
    // good: aud = the token endpoint, or the issuer
    assert.equal((await send(sign(base()))).statusCode, 200);
    assert.equal((await send(sign({ ...base(), aud: ISSUER }))).statusCode, 200);
    assert.equal((await send(sign(base()), { client_id: 'reports-svc' })).statusCode, 200);
    const refused: Array<[string, string, Record<string, string>?]> = [
      ['wrong aud', sign({ ...base(), aud: 'https://elsewhere.test/token' })],
      ['exp too far ahead', sign({ ...base(), iat: undefined, exp: now + 3600 })],
      ['lifetime too long', sign({ ...base(), iat: now - 3000, exp: now + 60 })],
      ['expired', sign({ ...base(), iat: now - 200, exp: now - 100 })],
      ['no exp', sign({ ...base(), exp: undefined })],
      ['no jti', sign({ ...base(), jti: undefined })],
      ['iss differs', sign({ ...base(), iss: 'someone' })],
      ['unknown client', sign({ ...base(), iss: 'nobody', sub: 'nobody' })],
      ['signed for another client', sign({ ...base(), iss: 'remote-svc', sub: 'remote-svc' })],
      ['key not registered', sign(base(), generateKeyPair('ES256').privateKey)],
      ['HS256', sign(base(), generateSecret('HS256'), 'HS256')],
      ['garbage', 'e30.e30.x'],
      ['client_id differs', sign(base()), { client_id: 'remote-svc' }],
    ];
    for (const [name, assertion, extra] of refused) {
      const res = await send(assertion, extra);
      assert.equal(res.statusCode, 401, `${name}: ${res.body}`);
      assert.equal(res.json().error, 'invalid_client', name);
    }
    assertOAuthError(
      await form(t.app, '/oauth/token', {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:other',
        client_assertion: sign(base()),
      }),
      400,
      'invalid_request',
    );
  });
});
