// DPoP (RFC 9449) for user sessions and protected routes: login/refresh with a DPoP header bind the
// access token (cnf.jkt) and the refresh token to the key; /me then needs `Authorization: DPoP` plus a
// proof (htm, htu, iat, ath, single use); errors are `WWW-Authenticate: DPoP ... algs=`; with DPOP_NONCE
// the server nonces (use_dpop_nonce + DPoP-Nonce) work with oauth4webapi's retry (the oracle).
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  createDpopProof,
  decodeUnverified,
  generateKeyPair,
  importKey,
  jwkThumbprint,
  type KeyInput,
} from 'jwtkit';
import * as oauth from 'oauth4webapi';
import { BOB, startApp, type TestApp } from './helpers.js';
import { assertOAuthError, discover, form, ISSUER, requestOptions } from './oauth-helpers.js';

const ME = `${ISSUER}/me`;

async function newKey(): Promise<{ pair: CryptoKeyPair; priv: KeyInput; jkt: string }> {
  const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const pub = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
  const priv = importKey((await webcrypto.subtle.exportKey('jwk', pair.privateKey)) as never);
  return { pair, priv, jkt: jwkThumbprint(pub as never) };
}

const proofOf =
  (priv: KeyInput) =>
  (method: string, url: string, opts: { accessToken?: string; nonce?: string; now?: number } = {}) =>
    createDpopProof(priv, { algorithm: 'ES256', method, url, ...opts });

describe('DPoP-bound user sessions and protected routes', () => {
  let t: TestApp;
  let key: Awaited<ReturnType<typeof newKey>>;
  let proof: ReturnType<typeof proofOf>;
  before(async () => {
    t = await startApp({ ISSUER });
    key = await newKey();
    proof = proofOf(key.priv);
  });
  after(async () => {
    await t.close();
  });

  const dpopLogin = async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: proof('POST', `${ISSUER}/auth/login`) },
      payload: { username: BOB.username, password: BOB.password },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { access_token: string; refresh_token: string; token_type: string };
  };
  const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/me', headers });

  test('login with a DPoP header: token_type DPoP, cnf.jkt of the key, a bound refresh token', async () => {
    const tok = await dpopLogin();
    assert.equal(tok.token_type, 'DPoP');
    assert.equal((decodeUnverified(tok.access_token) as { cnf?: { jkt?: string } }).cnf?.jkt, key.jkt);
    assert.ok(tok.refresh_token.endsWith(`.${key.jkt}`));
    const ok = await me({
      authorization: `DPoP ${tok.access_token}`,
      dpop: proof('GET', ME, { accessToken: tok.access_token }),
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().username, BOB.username);
  });

  test('introspection reports the binding (token_type DPoP, cnf.jkt) of access and refresh tokens', async () => {
    const tok = await dpopLogin();
    const admin = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'alice', password: 'alice-demo-password' },
    });
    const introspect = async (token: string) =>
      (
        await form(
          t.app,
          '/oauth/introspect',
          { token },
          { authorization: `Bearer ${admin.json().access_token}` },
        )
      ).json();
    const access = await introspect(tok.access_token);
    assert.equal(access.active, true);
    assert.equal(access.token_type, 'DPoP');
    assert.deepEqual(access.cnf, { jkt: key.jkt });
    const refresh = await introspect(tok.refresh_token);
    assert.equal(refresh.active, true);
    assert.deepEqual(refresh.cnf, { jkt: key.jkt });
  });

  test('a stolen bound token: as Bearer, without a proof, or with a proof of another key: refused', async () => {
    const tok = await dpopLogin();
    const bearer = await me({ authorization: `Bearer ${tok.access_token}` });
    assert.equal(bearer.statusCode, 401);
    assert.equal(bearer.json().code, 'invalid_token');
    assert.match(String(bearer.headers['www-authenticate']), /DPoP/);
    const noProof = await me({ authorization: `DPoP ${tok.access_token}` });
    assert.equal(noProof.statusCode, 401);
    assert.equal(noProof.json().code, 'invalid_dpop_proof');
    assert.match(
      String(noProof.headers['www-authenticate']),
      /^DPoP realm="jwtkit", error="invalid_dpop_proof", error_description="[^"]+", algs="ES256 [^"]*"$/,
    );
    const thief = proofOf(generateKeyPair('ES256').privateKey);
    const other = await me({
      authorization: `DPoP ${tok.access_token}`,
      dpop: thief('GET', ME, { accessToken: tok.access_token }),
    });
    assert.equal(other.statusCode, 401);
    assert.equal(other.json().code, 'invalid_dpop_proof');
  });

  test('proofs at a protected route: single use, method, URL and ath bound; too old refused', async () => {
    const tok = await dpopLogin();
    const auth = { authorization: `DPoP ${tok.access_token}` };
    const good = proof('GET', ME, { accessToken: tok.access_token });
    assert.equal((await me({ ...auth, dpop: good })).statusCode, 200);
    const bad = async (dpop: string) => {
      const res = await me({ ...auth, dpop });
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().code, 'invalid_dpop_proof');
      assert.ok(!res.body.includes(tok.access_token));
    };
    await bad(good); // replay
    await bad(proof('POST', ME, { accessToken: tok.access_token }));
    await bad(proof('GET', `${ISSUER}/admin/users`, { accessToken: tok.access_token }));
    await bad(proof('GET', 'https://evil.example/me', { accessToken: tok.access_token }));
    await bad(proof('GET', ME)); // no ath
    await bad(proof('GET', ME, { accessToken: `${tok.access_token}x` }));
    await bad(proof('GET', ME, { accessToken: tok.access_token, now: Math.floor(Date.now() / 1000) - 3600 }));
    // two proofs
    const two = await t.app.inject({
      method: 'GET',
      url: '/me',
      headers: {
        ...auth,
        dpop: [
          proof('GET', ME, { accessToken: tok.access_token }),
          proof('GET', ME, { accessToken: tok.access_token }),
        ],
      },
    });
    assert.equal(two.statusCode, 401);
  });

  test('an unbound token with the DPoP scheme is refused; Bearer tokens work as before', async () => {
    const plain = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: BOB.username, password: BOB.password },
    });
    const token = plain.json().access_token as string;
    assert.equal(plain.json().token_type, 'Bearer');
    const res = await me({ authorization: `DPoP ${token}`, dpop: proof('GET', ME, { accessToken: token }) });
    assert.equal(res.statusCode, 401);
    assert.equal((await me({ authorization: `Bearer ${token}` })).statusCode, 200);
  });

  test('a bound refresh token needs a proof of its key; a thief does not spend it', async () => {
    const tok = await dpopLogin();
    const refresh = (headers: Record<string, string>, rt = tok.refresh_token) =>
      form(t.app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: rt }, headers);
    assertOAuthError(await refresh({}), 400, 'invalid_grant');
    const thief = proofOf(generateKeyPair('ES256').privateKey);
    assertOAuthError(await refresh({ dpop: thief('POST', `${ISSUER}/oauth/token`) }), 400, 'invalid_grant');
    // stripping or changing the binding suffix does not help
    const stripped = tok.refresh_token.split('.')[0]!;
    assertOAuthError(await refresh({}, stripped), 400, 'invalid_grant');
    const ok = await refresh({ dpop: proof('POST', `${ISSUER}/oauth/token`) });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().token_type, 'DPoP');
    assert.equal((decodeUnverified(ok.json().access_token) as { cnf?: { jkt?: string } }).cnf?.jkt, key.jkt);
    assert.ok(String(ok.json().refresh_token).endsWith(`.${key.jkt}`));
    // /auth/refresh (JSON) too
    const json = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { dpop: proof('POST', `${ISSUER}/auth/refresh`) },
      payload: { refresh_token: ok.json().refresh_token },
    });
    assert.equal(json.statusCode, 200, json.body);
    assert.equal(json.json().token_type, 'DPoP');
  });
});

describe('DPOP_NONCE: server nonces at the token endpoint and protected routes (oauth4webapi retries)', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: 'jwtkit-demo' };
  before(async () => {
    t = await startApp({ ISSUER, DPOP_NONCE: 'true' });
    as = await discover(t.app);
  });
  after(async () => {
    await t.close();
  });

  test('login without a nonce: 400 use_dpop_nonce + DPoP-Nonce; with it: bound tokens', async () => {
    const key = await newKey();
    const proof = proofOf(key.priv);
    const login = (dpop: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { dpop },
        payload: { username: BOB.username, password: BOB.password },
      });
    const first = await login(proof('POST', `${ISSUER}/auth/login`));
    assert.equal(first.statusCode, 400, first.body);
    assert.equal(first.json().code, 'use_dpop_nonce');
    const nonce = String(first.headers['dpop-nonce']);
    assert.match(nonce, /^[\x21\x23-\x5b\x5d-\x7e]+$/); // RFC 9449 §8.1 NQCHAR
    assert.equal((await login(proof('POST', `${ISSUER}/auth/login`, { nonce: 'made-up' }))).statusCode, 400);
    const ok = await login(proof('POST', `${ISSUER}/auth/login`, { nonce }));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().token_type, 'DPoP');
  });

  test('oauth4webapi: refreshTokenGrantRequest and protectedResourceRequest with a DPoP handle, nonce retry', async () => {
    const key = await newKey();
    const proof = proofOf(key.priv);
    // A bound session: log in with the nonce the server hands out.
    const probe = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: proof('POST', `${ISSUER}/auth/login`) },
      payload: { username: BOB.username, password: BOB.password },
    });
    const nonce = String(probe.headers['dpop-nonce']);
    const login = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: proof('POST', `${ISSUER}/auth/login`, { nonce }) },
      payload: { username: BOB.username, password: BOB.password },
    });
    assert.equal(login.statusCode, 200, login.body);

    const dpop = oauth.DPoP(client, key.pair);
    const refresh = () =>
      oauth
        .refreshTokenGrantRequest(as, client, oauth.None(), login.json().refresh_token, {
          DPoP: dpop,
          ...requestOptions(t.app),
        })
        .then((res) => oauth.processRefreshTokenResponse(as, client, res));
    let retried = false;
    let tokens: oauth.TokenEndpointResponse;
    try {
      tokens = await refresh();
    } catch (err) {
      assert.ok(oauth.isDPoPNonceError(err), String(err));
      retried = true;
      tokens = await refresh(); // the handle has the server's nonce now
    }
    assert.ok(retried, 'the first token request was asked for a nonce');
    assert.equal(tokens.token_type, 'dpop');

    // A fresh handle of the same key knows no nonce: the protected route asks for one, the retry passes.
    const fresh = oauth.DPoP(client, key.pair);
    const call = () =>
      oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(ME), new Headers(), null, {
        DPoP: fresh,
        ...requestOptions(t.app),
      } as oauth.ProtectedResourceRequestOptions);
    let res: Response;
    let challenged = false;
    try {
      res = await call();
    } catch (err) {
      assert.ok(oauth.isDPoPNonceError(err), String(err));
      challenged = true;
      res = await call();
    }
    assert.ok(challenged, 'the protected route asked for a nonce');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { username: string }).username, BOB.username);

    // oauth4webapi as a resource server accepts the token with a proof of the key (its own checks).
    const url = `${ISSUER}/me`;
    const req = new Request(url, {
      headers: {
        authorization: `DPoP ${tokens.access_token}`,
        dpop: proof('GET', url, { accessToken: tokens.access_token }),
      },
    });
    const claims = await oauth.validateJwtAccessToken(as, req, ISSUER, {
      requireDPoP: true,
      ...requestOptions(t.app),
    });
    assert.equal(claims.sub, String(BOB.id));
  });
});

describe('DPoP at a protected route under /oauth/ (introspection with a bound admin token)', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ ISSUER });
  });
  after(async () => {
    await t.close();
  });

  test('a bad proof is 401 with the DPoP challenge (not the token endpoint 400), a good one passes', async () => {
    const key = await newKey();
    const proof = proofOf(key.priv);
    const login = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: proof('POST', `${ISSUER}/auth/login`) },
      payload: { username: 'alice', password: 'alice-demo-password' },
    });
    const access = login.json().access_token as string;
    const url = `${ISSUER}/oauth/introspect`;
    const bad = await form(t.app, '/oauth/introspect', { token: 'x' }, { authorization: `DPoP ${access}` });
    assert.equal(bad.statusCode, 401, bad.body);
    assert.equal(bad.json().error, 'invalid_dpop_proof');
    assert.match(String(bad.headers['www-authenticate']), /^DPoP realm="jwtkit", error="invalid_dpop_proof"/);
    const ok = await form(
      t.app,
      '/oauth/introspect',
      { token: 'x' },
      { authorization: `DPoP ${access}`, dpop: proof('POST', url, { accessToken: access }) },
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().active, false);
  });
});

test('token-request proofs are dated by the wall clock, as at protected routes (a frozen service clock does not refuse them)', async () => {
  const t = await startApp({ ISSUER });
  try {
    t.clock.advance(-120); // the service's injectable clock two minutes behind the real time
    const key = await newKey();
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: proofOf(key.priv)('POST', `${ISSUER}/auth/login`) },
      payload: { username: BOB.username, password: BOB.password },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().token_type, 'DPoP');
  } finally {
    await t.close();
  }
});
