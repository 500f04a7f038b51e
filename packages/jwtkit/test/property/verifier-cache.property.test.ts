/**
 * A verification cache hit answers exactly what a verifier without a cache answers at the same moment:
 * random claim sets (iat, nbf, exp, iss, aud, sub, required claims present or not), random verifier options
 * (issuer, audience, subject, leeway, maxAge, required claims) and random pairs of moments. The cached
 * verifier is primed at the first moment; at the second, its answer (the claims, or the error's code) must
 * equal the uncached verifier's (the oracle: it runs every check from scratch).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createVerifier, JwtError } from '../../src/index.js';

const SEED = Number(process.env.FC_SEED ?? 20261203);
const SECRET = 'k'.repeat(32);
const T0 = 1_800_000_000;

function token(claims: object): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const input = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

function answer(f: () => unknown): string {
  try {
    return `ok ${JSON.stringify(f())}`;
  } catch (e) {
    if (!(e instanceof JwtError)) throw e;
    return `error ${e.code}`;
  }
}

const offset = fc.integer({ min: -400, max: 400 });
// Mostly tokens that pass at some moment (so that they reach the cache), some that never do.
const claims = fc.record(
  {
    iat: fc.integer({ min: -300, max: 40 }).map((d) => T0 + d),
    nbf: fc.integer({ min: -300, max: 60 }).map((d) => T0 + d),
    exp: fc.integer({ min: -60, max: 400 }).map((d) => T0 + d),
    iss: fc.constantFrom('https://a.example', 'https://a.example', 'https://b.example'),
    aud: fc.constantFrom<string | string[]>('api', ['api', 'web'], ['api', 'web'], 'web'),
    sub: fc.constantFrom('u1', 'u1', 'u2'),
    role: fc.constant('admin'),
  },
  { requiredKeys: [] },
);
const options = fc.record(
  {
    issuer: fc.constantFrom<string | string[]>('https://a.example', [
      'https://a.example',
      'https://b.example',
    ]),
    audience: fc.constantFrom<string | string[]>('api', ['web', 'api']),
    subject: fc.constant('u1'),
    leeway: fc.integer({ min: 0, max: 60 }),
    maxAge: fc.integer({ min: 30, max: 600 }),
    requiredClaims: fc.subarray(['exp', 'iat', 'sub', 'role']),
  },
  { requiredKeys: ['audience'] },
);

describe('verification cache: a hit answers what a fresh verification answers', () => {
  test('random claims, options and moments', () => {
    let primed = 0;
    let changed = 0;
    fc.assert(
      fc.property(claims, options, offset, offset, (c, o, d0, d1) => {
        const t = token(c);
        let clock = T0 + d0;
        const base = { algorithms: ['HS256' as const], ...o };
        const cached = createVerifier(SECRET, { ...base, cache: 4, now: () => clock });
        const first = answer(() => cached(t));
        assert.equal(
          first,
          answer(() => createVerifier(SECRET, { ...base, now: T0 + d0 })(t)),
        );
        if (first.startsWith('ok')) primed++;
        clock = T0 + d1;
        const hit = answer(() => cached(t));
        const fresh = answer(() => createVerifier(SECRET, { ...base, now: T0 + d1 })(t));
        if (first.startsWith('ok') && hit !== first) changed++;
        assert.equal(hit, fresh);
      }),
      { seed: SEED, numRuns: 5000 },
    );
    // Enough tokens must reach the cache, and enough of them must change answer with the clock.
    assert.ok(primed > 250, `only ${primed} tokens were cached`);
    assert.ok(changed > 120, `only ${changed} cached tokens changed answer with the clock`);
  });
});
