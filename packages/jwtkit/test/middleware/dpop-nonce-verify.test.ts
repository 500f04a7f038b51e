// Two core options the service uses and every adapter gets: DPoP server nonces (`dpop.nonces`,
// RFC 9449 §9: `use_dpop_nonce` + `DPoP-Nonce`, then the retry with the nonce passes) and a `verify` hook
// (your own verification: failures it returns are answered as given, JwtErrors are invalid_token,
// anything else thrown fails closed with 503).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createDpopNonces,
  createDpopProof,
  decodeUnverified,
  ExpiredSignatureError,
  encode,
  exportPublicJwk,
  generateKeyPair,
  InvalidOptionsError,
  jwkThumbprint,
} from '../../src/index.js';
import { createAuthenticator, invalidToken } from '../../src/middleware/fetch.js';
import { ADAPTERS, bearer, claims, HS_OPTIONS, SECRET } from './_harness.js';

const ORIGIN = 'https://api.test';
const client = generateKeyPair('ES256');
const jkt = jwkThumbprint(exportPublicJwk(client.publicKey));
const token = encode(claims({ cnf: { jkt } }), SECRET, { algorithm: 'HS256', headers: { typ: 'at+jwt' } });
const proof = (nonce?: string) =>
  createDpopProof(client.privateKey, {
    algorithm: 'ES256',
    method: 'GET',
    url: `${ORIGIN}/me`,
    accessToken: token,
    ...(nonce ? { nonce } : {}),
  });

test('createDpopNonces: stateless, shared by a secret, valid for two windows', () => {
  let t = 1_000_000;
  const secret = 'n'.repeat(32);
  const a = createDpopNonces({ secret, window: 60, now: () => t });
  const b = createDpopNonces({ secret, window: 60, now: () => t });
  const other = createDpopNonces({ secret: 'o'.repeat(32), window: 60, now: () => t });
  const n = a.current();
  assert.match(n, /^[\x21\x23-\x5b\x5d-\x7e]+$/);
  assert.equal(b.isValid(n), true, 'another instance with the same secret accepts it');
  assert.equal(other.isValid(n), false);
  assert.equal(a.isValid(`${n}x`), false);
  assert.equal(a.isValid(''), false);
  t += 60;
  assert.equal(a.isValid(n), true, 'still valid in the next window');
  t += 60;
  assert.equal(a.isValid(n), false, 'expired after two windows');
  assert.throws(() => createDpopNonces({ secret: 'short' }), InvalidOptionsError);
  assert.throws(() => createDpopNonces({ window: 0 }), InvalidOptionsError);
});

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: dpop.nonces asks for a nonce (401 use_dpop_nonce + DPoP-Nonce), the retry passes`, async () => {
    const nonces = createDpopNonces();
    const app = await adapter.mount({
      ...HS_OPTIONS,
      dpop: { algorithms: ['ES256'], origin: ORIGIN, nonces },
    });
    try {
      const first = await app.get('/me', [
        ['authorization', `DPoP ${token}`],
        ['dpop', proof()],
      ]);
      assert.equal(first.status, 401, first.text);
      const h = first.headers['www-authenticate'] ?? '';
      assert.match(h, /^DPoP realm="api", error="use_dpop_nonce", error_description="[^"]+", algs="ES256"$/);
      const nonce = first.headers['dpop-nonce'];
      assert.equal(nonce, nonces.current());
      const wrong = await app.get('/me', [
        ['authorization', `DPoP ${token}`],
        ['dpop', proof('not-ours')],
      ]);
      assert.equal(wrong.status, 401);
      assert.ok(wrong.headers['dpop-nonce']);
      const ok = await app.get('/me', [
        ['authorization', `DPoP ${token}`],
        ['dpop', proof(nonce)],
      ]);
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await app.close();
    }
  });

  test(`${adapter.name}: a verify hook replaces the key source`, async () => {
    const seen: unknown[] = [];
    const app = await adapter.mount({
      realm: 'svc',
      verify: (t: string, request: unknown) => {
        seen.push(request);
        if (t === 'expired.aaa.bbb')
          throw new ExpiredSignatureError('Signature has expired', 'exp', 'check_failed');
        if (t === 'boom.aaa.bbb') throw new Error('database down');
        if (t === 'revoked.aaa.bbb')
          return invalidToken('svc', 'The session of this access token has ended.');
        return { ok: true, claims: decodeUnverified(t) };
      },
    });
    try {
      const good = encode({ sub: '7' }, SECRET, { algorithm: 'HS256' });
      const ok = await app.get('/me', [bearer(good)]);
      assert.equal(ok.status, 200, ok.text);
      assert.ok(seen[0] !== undefined, 'the hook gets the framework request');
      const revoked = await app.get('/me', [bearer('revoked.aaa.bbb')]);
      assert.equal(revoked.status, 401);
      assert.equal(
        revoked.headers['www-authenticate'],
        'Bearer realm="svc", error="invalid_token", error_description="The session of this access token has ended."',
      );
      const expired = await app.get('/me', [bearer('expired.aaa.bbb')]);
      assert.equal(expired.status, 401);
      assert.match(expired.headers['www-authenticate'] ?? '', /has expired/);
      const down = await app.get('/me', [bearer('boom.aaa.bbb')]);
      assert.equal(down.status, 503);
      assert.ok(!down.text.includes('database down'));
      // extraction stays the core's
      assert.equal((await app.get('/me', [])).status, 401);
      assert.equal((await app.get('/me', [['authorization', 'Bearer a b']])).status, 400);
    } finally {
      await app.close();
    }
  });
}

test('verify excludes the key sources and the built-in verifier options', () => {
  const verify = () => ({ ok: true as const, claims: {} });
  for (const extra of [{ key: SECRET }, { algorithms: ['HS256'] }, { issuer: 'x' }, { typ: 'at+jwt' }]) {
    assert.throws(
      () => createAuthenticator({ verify, ...extra } as never),
      InvalidOptionsError,
      JSON.stringify(extra),
    );
  }
  assert.throws(() => createAuthenticator({ verify: 1 } as never), InvalidOptionsError);
  assert.doesNotThrow(() => createAuthenticator({ verify }));
});

test('the verification cache (on by default): hits re-check the clock; cache: false and bad values', async () => {
  let clock = Math.floor(Date.now() / 1000);
  const t = encode(claims({ exp: clock + 10 }), SECRET, { algorithm: 'HS256', headers: { typ: 'at+jwt' } });
  const auth = createAuthenticator({ ...HS_OPTIONS, now: () => clock });
  const req = () => new Request('https://api.test/me', { headers: { authorization: `Bearer ${t}` } });
  assert.equal((await auth(req())).ok, true);
  const again = await auth(req());
  assert.equal(again.ok, true);
  assert.ok(again.ok && Object.isFrozen(again.claims), 'cached claims are frozen (shared)');
  clock += 20;
  const late = await auth(req());
  assert.equal(late.ok, false, 'a cached token past exp is refused');
  assert.ok(!late.ok && /expired/.test(late.description));
  const off = createAuthenticator({ ...HS_OPTIONS, cache: false });
  assert.equal(
    (await off(new Request('https://api.test/me', { headers: { authorization: `Bearer ${token}` } }))).ok,
    false,
  ); // bound token as Bearer
  assert.throws(() => createAuthenticator({ ...HS_OPTIONS, cache: -1 } as never), InvalidOptionsError);
});
