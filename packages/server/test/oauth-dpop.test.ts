// DPoP (RFC 9449) at the token endpoint, client_credentials: oauth4webapi's DPoP handle (the oracle) gets
// a DPoP-bound token (cnf.jkt, token_type DPoP) that oauth4webapi's validateJwtAccessToken accepts only
// with a proof of the same key; proofs are single use, bound to the method and URL.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createDpopProof, decodeUnverified, importKey, jwkThumbprint } from 'jwtkit';
import * as oauth from 'oauth4webapi';
import { BOB, login, startApp, type TestApp } from './helpers.js';
import { assertOAuthError, discover, form, ISSUER, registerClient, requestOptions } from './oauth-helpers.js';

const API = 'https://api.jwtkit.test';

describe('DPoP-bound client_credentials tokens', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  let secret: string;
  let pair: CryptoKeyPair;
  let publicJwk: webcrypto.JsonWebKey;
  let privateJwk: webcrypto.JsonWebKey;
  const client: oauth.Client = { client_id: 'dpop-svc' };
  const basic = () => ({
    authorization: `Basic ${Buffer.from(`dpop-svc:${secret}`).toString('base64')}`,
  });
  before(async () => {
    t = await startApp({ ISSUER });
    secret = (await registerClient(t, { client_id: 'dpop-svc', scope: 'jobs:run', audiences: [API] }))
      .client_secret!;
    pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    publicJwk = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
    privateJwk = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
    as = await discover(t.app);
  });
  after(async () => {
    await t.close();
  });

  const proof = (method: string, url: string, accessToken?: string) =>
    createDpopProof(importKey(privateJwk as never), {
      algorithm: 'ES256',
      method,
      url,
      ...(accessToken ? { accessToken } : {}),
    });

  test('oauth4webapi DPoP handle: token_type DPoP, cnf.jkt = the key thumbprint; a resource server needs the proof', async () => {
    assert.ok(as.dpop_signing_alg_values_supported?.includes('ES256'));
    const dpop = oauth.DPoP(client, pair);
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(secret),
      {},
      {
        DPoP: dpop,
        ...requestOptions(t.app),
      },
    );
    const out = await oauth.processClientCredentialsResponse(as, client, res);
    assert.equal(out.token_type, 'dpop');
    const claims = decodeUnverified(out.access_token) as { cnf?: { jkt?: string } };
    assert.equal(claims.cnf?.jkt, jwkThumbprint(publicJwk as never));
    // a resource server (oauth4webapi) accepts it with a proof of the key...
    const url = `${API}/jobs`;
    const withProof = new Request(url, {
      headers: { authorization: `DPoP ${out.access_token}`, dpop: proof('GET', url, out.access_token) },
    });
    const v = await oauth.validateJwtAccessToken(as, withProof, API, {
      requireDPoP: true,
      ...requestOptions(t.app),
    });
    assert.equal(v.client_id, 'dpop-svc');
    // ...and refuses it as a plain bearer token (stolen without the key)
    const stolen = new Request(url, { headers: { authorization: `Bearer ${out.access_token}` } });
    await assert.rejects(oauth.validateJwtAccessToken(as, stolen, API, requestOptions(t.app)));
    // introspection reports the binding
    const admin = (await login(t.app, { username: 'alice', password: 'alice-demo-password' })).access_token;
    const intro = await form(
      t.app,
      '/oauth/introspect',
      { token: out.access_token },
      { authorization: `Bearer ${admin}` },
    );
    assert.equal(intro.json().token_type, 'DPoP');
    assert.deepEqual(intro.json().cnf, claims.cnf);
  });

  test('proofs: single use, bound to POST and the token endpoint URL; bad proofs are invalid_dpop_proof', async () => {
    const tokenUrl = `${ISSUER}/oauth/token`;
    const good = proof('POST', tokenUrl);
    const send = (p: string) =>
      form(t.app, '/oauth/token', { grant_type: 'client_credentials' }, { ...basic(), dpop: p });
    const first = await send(good);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().token_type, 'DPoP');
    assertOAuthError(await send(good), 400, 'invalid_dpop_proof');
    assertOAuthError(await send(proof('GET', tokenUrl)), 400, 'invalid_dpop_proof');
    assertOAuthError(await send(proof('POST', `${ISSUER}/oauth/other`)), 400, 'invalid_dpop_proof');
    assertOAuthError(await send('not-a-proof'), 400, 'invalid_dpop_proof');
    // without a DPoP header: a plain bearer token, no cnf
    const plain = await form(t.app, '/oauth/token', { grant_type: 'client_credentials' }, basic());
    assert.equal(plain.json().token_type, 'Bearer');
    assert.equal((decodeUnverified(plain.json().access_token) as { cnf?: unknown }).cnf, undefined);
  });

  test('an unbound session refreshed with a DPoP proof: the new access token is bound, the refresh token is not', async () => {
    const tok = await login(t.app, BOB);
    const res = await form(
      t.app,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tok.refresh_token },
      { dpop: proof('POST', `${ISSUER}/oauth/token`) },
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().token_type, 'DPoP');
    const claims = decodeUnverified(res.json().access_token) as { cnf?: { jkt?: string } };
    assert.equal(claims.cnf?.jkt, jwkThumbprint(publicJwk as never));
    assert.ok(!String(res.json().refresh_token).includes('.'), 'the session stays unbound');
    const again = await form(t.app, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: res.json().refresh_token,
    });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().token_type, 'Bearer');
  });
});
