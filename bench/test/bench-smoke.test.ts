// Fast correctness test of the bench contenders (no timing): every contender passes the correctness gate
// the bench uses, and every contender's token is accepted by every other contender's verifier.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkContender, validClaims } from '../src/check.js';
import { buildContenders, jwtkitUnavailableReason, loadJwtkit, unwrapPayload } from '../src/contenders.js';
import { ALGS, AUDIENCE, ISSUER, keysFor, PAYLOADS } from '../src/fixtures.js';
import { rawSignClaims, rawVerifier } from '../src/raw.js';

describe('bench fixtures', () => {
  test('the access-token payload is ~600 bytes once registered claims are added', () => {
    const n = Buffer.byteLength(JSON.stringify(validClaims(PAYLOADS['access-600B'])));
    assert.ok(n >= 560 && n <= 640, `access payload is ${n} bytes`);
  });

  test('raw baseline rejects tampered, foreign-algorithm and expired tokens', () => {
    const ks = keysFor('HS256');
    const verify = rawVerifier(ks);
    const good = rawSignClaims(ks, validClaims(PAYLOADS.seed));
    assert.equal(verify(good).username, 'alice');
    assert.throws(() => verify(`${good.slice(0, -2)}${good.endsWith('A') ? 'BB' : 'AA'}`));
    assert.throws(() => verify(rawSignClaims(keysFor('ES256'), validClaims(PAYLOADS.seed))));
    assert.throws(() => verify(rawSignClaims(ks, { ...validClaims(PAYLOADS.seed), exp: 1 })));
  });
});

describe('jwtkit is part of the bench', () => {
  test('jwtkit dist exports encode/decode/createSigner/createVerifier', async (t) => {
    const jk = await loadJwtkit();
    if (!jk) {
      if (process.env.CI) assert.fail(`jwtkit not benchable: ${jwtkitUnavailableReason()}`);
      t.skip(
        `jwtkit not benchable (build it: npm run build -w packages/jwtkit): ${jwtkitUnavailableReason()}`,
      );
      return;
    }
    const c = await buildContenders('HS256', 'verify');
    assert.ok(
      c.some((x) => x.lib === 'jwtkit' && x.primary),
      'primary jwtkit verifier present',
    );
  });
});

for (const alg of ALGS) {
  describe(`contenders ${alg}`, () => {
    test('every signer and verifier passes the correctness gate', async () => {
      const ks = keysFor(alg);
      for (const op of ['sign', 'verify'] as const) {
        for (const c of await buildContenders(alg, op)) {
          for (const payload of Object.values(PAYLOADS)) {
            assert.equal(await checkContender(c, ks, payload), null, `${alg} ${op} ${c.id}`);
          }
        }
      }
    });

    test('every signer produces tokens every verifier accepts', async () => {
      const signers = await buildContenders(alg, 'sign');
      const verifiers = await buildContenders(alg, 'verify');
      assert.ok(signers.length >= 4 && verifiers.length >= 4, 'peers are installed');
      for (const s of signers) {
        const token = (await s.sign!(PAYLOADS.seed)) as string;
        for (const v of verifiers) {
          let out: Record<string, unknown>;
          try {
            out = unwrapPayload(v.lib, await v.verify!(token));
          } catch (e) {
            assert.fail(`${alg}: ${v.id} rejected a token from ${s.id}: ${(e as Error).message}`);
          }
          assert.equal(out.username, 'alice', `${v.id} <- ${s.id}`);
          assert.equal(out.user_id, 101, `${v.id} <- ${s.id}`);
        }
      }
    });
  });
}

describe('verification caches measured by the bench are safe', () => {
  test('jwtkit createVerifier cache is keyed by the whole token and still checks claims on a hit', async (t) => {
    const jk = await loadJwtkit();
    if (!jk) {
      if (process.env.CI) assert.fail(`jwtkit not benchable: ${jwtkitUnavailableReason()}`);
      t.skip(`jwtkit not built: ${jwtkitUnavailableReason()}`);
      return;
    }
    const ks = keysFor('HS256');
    const now = Math.floor(Date.now() / 1000);
    const good = rawSignClaims(ks, { ...validClaims(PAYLOADS.seed), exp: now + 100 });
    const opts = { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE };
    const cached = jk.createVerifier(ks.verifyKey, { ...opts, cache: true });
    assert.equal(cached(good).username, 'alice');
    assert.equal(cached(good).username, 'alice'); // hit
    // Same header and payload, another signature: must not be served from the cache.
    const forged = `${good.slice(0, good.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    assert.throws(() => cached(forged));
    // A hit is re-checked against the clock: once expired, the cached token is refused.
    const realNow = Date.now();
    t.mock.method(Date, 'now', () => realNow + 1000 * 1000);
    assert.throws(() => cached(good), /expired/i);
  });
});
