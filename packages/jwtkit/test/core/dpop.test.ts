// DPoP (RFC 9449) proofs. Oracles: oauth4webapi makes proofs that verifyDpopProof must accept, and jose
// verifies the proofs createDpopProof makes (embedded key, claims, thumbprint). Then every check of
// RFC 9449 §4.3 refuses its violation, with its own reason, and never fills the replay store.
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, test } from 'node:test';
import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import {
  createDpopProof,
  createDpopReplayStore,
  dpopAccessTokenHash,
  encode,
  exportJwk,
  exportPublicJwk,
  generateKeyPair,
  InvalidDpopProofError,
  InvalidOptionsError,
  jwkThumbprint,
  signBytes,
  type VerifyDpopProofOptions,
  verifyDpopProof,
} from '../../src/index.js';

const URL_ = 'https://api.example.com/resource';
const AT = 'an-access-token.value.signature';
const base = (extra: Partial<VerifyDpopProofOptions> = {}): VerifyDpopProofOptions => ({
  algorithms: ['ES256', 'EdDSA', 'PS256', 'RS256'],
  method: 'GET',
  url: URL_,
  replayStore: createDpopReplayStore(),
  ...extra,
});

async function rejects(p: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof InvalidDpopProofError, `expected InvalidDpopProofError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_DPOP_PROOF_INVALID');
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

describe('DPoP against oauth4webapi and jose', () => {
  test('a proof made by oauth4webapi (with ath, as for a protected resource) verifies', async () => {
    const keyPair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const handle = oauth.DPoP({}, keyPair);
    let proof: string | null = null;
    await oauth.protectedResourceRequest(AT, 'GET', new URL(`${URL_}?q=1#frag`), new Headers(), null, {
      DPoP: handle,
      [oauth.customFetch]: async (
        _url: string,
        init: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>,
      ) => {
        proof = new Headers(init.headers).get('dpop');
        return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    assert.ok(proof);
    const r = await verifyDpopProof(proof, base({ accessToken: AT }));
    assert.equal(r.claims.htm, 'GET');
    assert.equal(r.claims.htu, URL_);
    assert.equal(r.jkt, await handle.calculateThumbprint());
    assert.equal(r.algorithm, 'ES256');
  });

  for (const alg of ['ES256', 'EdDSA', 'PS256'] as const) {
    test(`${alg}: jose verifies our proof with its embedded key; claims and thumbprint agree`, async () => {
      const { privateKey } = generateKeyPair(alg);
      const proof = createDpopProof(privateKey, {
        algorithm: alg,
        method: 'POST',
        url: `${URL_}?x=1`,
        accessToken: AT,
        nonce: 'n-1',
      });
      const { payload, protectedHeader } = await jose.jwtVerify(proof, jose.EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [alg],
      });
      assert.equal(payload.htm, 'POST');
      assert.equal(payload.htu, URL_, 'query left out of htu');
      assert.equal(payload.nonce, 'n-1');
      assert.equal(typeof payload.jti, 'string');
      assert.equal(payload.ath, dpopAccessTokenHash(AT));
      assert.ok(Math.abs((payload.iat as number) - Date.now() / 1000) < 5);
      const jwk = protectedHeader.jwk as jose.JWK;
      assert.ok(!('d' in jwk), 'no private member embedded');
      assert.equal(await jose.calculateJwkThumbprint(jwk), jwkThumbprint(exportPublicJwk(privateKey)));
      const r = await verifyDpopProof(proof, base({ method: 'POST', accessToken: AT, nonce: 'n-1' }));
      assert.equal(r.jkt, await jose.calculateJwkThumbprint(jwk));
    });
  }

  test('ath is base64url(SHA-256(token)) as jose computes it', async () => {
    const expected = jose.base64url.encode(
      new Uint8Array(await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(AT))),
    );
    assert.equal(dpopAccessTokenHash(AT), expected);
  });
});

describe('verifyDpopProof refuses every violation of RFC 9449 §4.3', () => {
  const { privateKey } = generateKeyPair('ES256');
  const pub = exportPublicJwk(privateKey);
  const now = Math.floor(Date.now() / 1000);
  const sign = (
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
    key = privateKey,
    alg = 'ES256',
  ) => encode(payload, key, { algorithm: alg as 'ES256', headers: { typ: 'dpop+jwt', jwk: pub, ...header } });
  const good = { jti: 'j-1', htm: 'GET', htu: URL_, iat: now };
  /** Signed by hand: claims encode() itself refuses to write (a string iat, a numeric jti). */
  const raw = (payload: Record<string, unknown>) => {
    const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${b({ typ: 'dpop+jwt', alg: 'ES256', jwk: pub })}.${b(payload)}`;
    return `${input}.${signBytes('ES256', privateKey, input).toString('base64url')}`;
  };

  test('the baseline verifies (htu compared after normalization, query and fragment ignored)', async () => {
    const r = await verifyDpopProof(
      sign({ ...good, htu: 'HTTPS://API.Example.com:443/resource' }),
      base({ url: `${URL_}?a=b#c` }),
    );
    assert.equal(r.claims.jti, 'j-1');
  });

  const cases: Array<[string, () => string, Partial<VerifyDpopProofOptions>, string]> = [
    ['typ JWT', () => sign(good, { typ: 'JWT' }), {}, 'typ'],
    ['no typ', () => sign(good, { typ: null }), {}, 'typ'],
    [
      'HS256 (symmetric)',
      () => encode(good, 'k'.repeat(32), { algorithm: 'HS256', headers: { typ: 'dpop+jwt', jwk: pub } }),
      {},
      'alg',
    ],
    ['alg not in the allowlist', () => sign(good), { algorithms: ['EdDSA'] }, 'alg'],
    ['no jwk header', () => sign(good, { jwk: undefined }), {}, 'jwk'],
    ['jwk with private members', () => sign(good, { jwk: exportJwk(privateKey) }), {}, 'jwk'],
    [
      'jwk of another key (signature by this one)',
      () => sign(good, { jwk: exportPublicJwk(generateKeyPair('ES256').publicKey) }),
      {},
      'signature',
    ],
    [
      'jwk of the wrong type for alg',
      () => sign(good, { jwk: exportPublicJwk(generateKeyPair('EdDSA').publicKey) }),
      {},
      'jwk',
    ],
    ['htm differs', () => sign({ ...good, htm: 'POST' }), {}, 'htm'],
    ['htm case differs', () => sign({ ...good, htm: 'get' }), {}, 'htm'],
    ['htu other path', () => sign({ ...good, htu: 'https://api.example.com/other' }), {}, 'htu'],
    ['htu other host', () => sign({ ...good, htu: 'https://evil.example.com/resource' }), {}, 'htu'],
    ['htu not a URL', () => sign({ ...good, htu: 'not a url' }), {}, 'htu'],
    ['htu missing', () => sign({ jti: 'j', htm: 'GET', iat: now }), {}, 'htu'],
    ['iat too old', () => sign({ ...good, iat: now - 3600 }), {}, 'iat'],
    ['iat in the future', () => sign({ ...good, iat: now + 3600 }), {}, 'iat'],
    ['iat not a number', () => raw({ ...good, iat: 'now' }), {}, 'iat'],
    ['nonce required, absent', () => sign(good), { nonce: 'server-nonce' }, 'nonce'],
    ['nonce differs', () => sign({ ...good, nonce: 'old' }), { nonce: 'server-nonce' }, 'nonce'],
    ['ath required, absent', () => sign(good), { accessToken: AT }, 'ath'],
    [
      'ath of another token',
      () => sign({ ...good, ath: dpopAccessTokenHash('other') }),
      { accessToken: AT },
      'ath',
    ],
    ['jti missing', () => sign({ htm: 'GET', htu: URL_, iat: now }), {}, 'jti'],
    ['jti not a string', () => raw({ ...good, jti: 7 }), {}, 'jti'],
    ['expired exp', () => sign({ ...good, exp: now - 60 }), {}, 'iat'],
    [
      'tampered payload',
      () => {
        const [h, , s] = sign(good).split('.');
        return `${h}.${Buffer.from(JSON.stringify({ ...good, htm: 'DELETE' })).toString('base64url')}.${s}`;
      },
      { method: 'DELETE' },
      'signature',
    ],
    ['not a JWT', () => 'garbage', {}, 'malformed'],
    ['too long', () => sign({ ...good, pad: 'x'.repeat(10_000) }), {}, 'malformed'],
  ];
  for (const [name, make, extra, reason] of cases) {
    test(`${name} -> ${reason}; the replay store is untouched`, async () => {
      const seen: string[] = [];
      const replayStore = { seen: (jti: string) => (seen.push(jti), false) };
      await rejects(verifyDpopProof(make(), base({ ...extra, replayStore })), reason);
      assert.deepEqual(seen, [], 'a refused proof never takes a place in the replay store');
    });
  }

  test('a proof is single-use: the second presentation is a replay (sync and async stores)', async () => {
    const opts = base();
    await verifyDpopProof(sign(good), opts);
    await rejects(verifyDpopProof(sign(good), opts), 'replay');
    const asyncStore = { seen: async () => true }; // e.g. Redis SET NX said "already there"
    await rejects(verifyDpopProof(sign(good), base({ replayStore: asyncStore })), 'replay');
  });

  test('a missing or non-string proof, and bad options, are typed errors', async () => {
    await rejects(verifyDpopProof(undefined, base()), 'malformed');
    await rejects(verifyDpopProof(['a', 'b'], base()), 'malformed');
    await assert.rejects(
      verifyDpopProof(sign(good), { ...base(), algorithms: ['HS256'] }),
      InvalidOptionsError,
    );
    await assert.rejects(verifyDpopProof(sign(good), { ...base(), algorithms: [] }), InvalidOptionsError);
    await assert.rejects(verifyDpopProof(sign(good), { ...base(), maxAge: Number.NaN }), InvalidOptionsError);
    await assert.rejects(
      verifyDpopProof(sign(good), { ...base(), replayStore: undefined as never }),
      InvalidOptionsError,
    );
    await assert.rejects(
      verifyDpopProof(sign(good), { ...base(), jtiStore: {} } as never),
      InvalidOptionsError,
    );
    assert.throws(
      () => createDpopProof(privateKey, { algorithm: 'HS256', method: 'GET', url: URL_ }),
      InvalidOptionsError,
    );
    assert.throws(
      () => createDpopProof(privateKey, { algorithm: 'ES256', method: 'get', url: URL_ }),
      InvalidOptionsError,
    );
    assert.throws(
      () => createDpopProof(privateKey, { algorithm: 'ES256', method: 'GET', url: 'ftp://x/y' }),
      InvalidOptionsError,
    );
    const { privateKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.throws(
      () => createDpopProof(rsa, { algorithm: 'PS256', method: 'GET', url: URL_, publicJwk: exportJwk(rsa) }),
      InvalidOptionsError,
    );
  });

  test('messages carry no token, key or attacker text', async () => {
    const evil = 'https://evil.example.com/\n<script>';
    try {
      await verifyDpopProof(sign({ ...good, htu: evil }), base());
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof InvalidDpopProofError);
      assert.ok(!err.message.includes('evil') && !err.message.includes('\n'));
    }
  });
});
