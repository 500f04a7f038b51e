// DPoP through the library's verifyDpopProof (`dpop: { algorithms, origin }`): a bound token with a good
// proof passes; every way of getting it wrong is a 401 with a DPoP challenge; the proof is single-use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createDpopProof,
  encode,
  exportPublicJwk,
  generateKeyPair,
  InvalidOptionsError,
  jwkThumbprint,
} from '../../src/index.js';
import { createAuthenticator } from '../../src/middleware/fetch.js';
import { ADAPTERS, bearer, claims, HS_OPTIONS, SECRET } from './_harness.js';

const ORIGIN = 'https://api.test';
const client = generateKeyPair('ES256');
const jkt = jwkThumbprint(exportPublicJwk(client.publicKey));
const boundToken = (thumb = jkt) =>
  encode(claims({ cnf: { jkt: thumb } }), SECRET, { algorithm: 'HS256', headers: { typ: 'at+jwt' } });
const proofFor = (token: string, path = '/me', method = 'GET', key = client.privateKey) =>
  createDpopProof(key, { algorithm: 'ES256', method, url: `${ORIGIN}${path}`, accessToken: token });
const OPTIONS = { ...HS_OPTIONS, dpop: { algorithms: ['ES256'], origin: ORIGIN } };

test('dpop options are validated', () => {
  for (const dpop of [
    { origin: ORIGIN },
    { algorithms: ['ES256'] },
    { algorithms: ['ES256'], origin: `${ORIGIN}/x` },
    { algorithms: ['ES256'], origin: ORIGIN, extra: 1 },
  ]) {
    assert.throws(() => createAuthenticator({ ...HS_OPTIONS, dpop } as never), InvalidOptionsError);
  }
});

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: DPoP-bound token with the library's proof verification`, async () => {
    const app = await adapter.mount(OPTIONS);
    try {
      const token = boundToken();
      const proof = proofFor(token);
      const ok = await app.get('/me', [
        ['authorization', `DPoP ${token}`],
        ['dpop', proof],
      ]);
      assert.equal(ok.status, 200, ok.text);

      const refusals: Array<[string, Array<[string, string]>, string]> = [
        [
          'the same proof again (replay)',
          [
            ['authorization', `DPoP ${token}`],
            ['dpop', proof],
          ],
          'invalid_dpop_proof',
        ],
        ['no proof', [['authorization', `DPoP ${token}`]], 'invalid_dpop_proof'],
        [
          'a proof for another path',
          [
            ['authorization', `DPoP ${token}`],
            ['dpop', proofFor(token, '/other')],
          ],
          'invalid_dpop_proof',
        ],
        [
          'a proof for another token',
          [
            ['authorization', `DPoP ${token}`],
            ['dpop', proofFor(boundToken('x'.repeat(43)))],
          ],
          'invalid_dpop_proof',
        ],
        [
          'a proof made with another key',
          [
            ['authorization', `DPoP ${token}`],
            ['dpop', proofFor(token, '/me', 'GET', generateKeyPair('ES256').privateKey)],
          ],
          'invalid_dpop_proof',
        ],
        ['the bound token as Bearer', [bearer(token), ['dpop', proofFor(token)]], 'invalid_token'],
        [
          'an unbound token with the DPoP scheme',
          [
            [
              'authorization',
              `DPoP ${encode(claims(), SECRET, { algorithm: 'HS256', headers: { typ: 'at+jwt' } })}`,
            ],
            ['dpop', proofFor(token)],
          ],
          'invalid_token',
        ],
      ];
      for (const [what, headers, error] of refusals) {
        const res = await app.get('/me', headers);
        assert.equal(res.status, 401, `${what}: ${res.text}`);
        const h = res.headers['www-authenticate'] ?? '';
        assert.ok(h.includes(`error="${error}"`), `${what}: ${h}`);
        if (error === 'invalid_dpop_proof') assert.match(h, /^DPoP realm="api", .*algs="ES256"$/, what);
        assert.ok(!h.includes(token) && !res.text.includes(token), `${what}: no token in the answer`);
      }
      if (adapter.rawHeaders) {
        const two = await app.get('/me', [
          ['authorization', `DPoP ${token}`],
          ['dpop', proofFor(token)],
          ['dpop', proofFor(token)],
        ]);
        assert.equal(two.status, 401);
        assert.match(two.headers['www-authenticate'] ?? '', /exactly one DPoP proof/);
      }
    } finally {
      await app.close();
    }
  });
}
