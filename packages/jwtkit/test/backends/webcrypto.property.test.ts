/**
 * Property tests on the WebCrypto build (fast-check, async properties), for every algorithm it runs:
 * - round trip across backends: a random claim set signed on WebCrypto verifies on node:crypto and the
 *   reverse, equal to the claims as JSON sees them;
 * - any single-character mutation and any flipped bit of a valid token is rejected by the WebCrypto build
 *   with a JwtError, and node:crypto gives the same outcome (the same error class).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as node from '../../src/index.js';
import * as web from '../../src/webcrypto.js';

const SEED = Number(process.env.FC_SEED ?? 20261202);
const ALGS = node.ALGORITHMS.filter((a) => a !== 'ES256K' && a !== 'Ed448');
const NOW = 1_700_000_000;
const rsa = node.generateKeyPair('RS256');

function keys(alg: node.Algorithm): { sign: node.Jwk; verify: node.Jwk } {
  if (alg.startsWith('HS')) {
    const k = node.exportJwk(node.importKey(node.generateSecret(alg), { type: 'secret' }));
    return { sign: k, verify: k };
  }
  const kp = alg.startsWith('RS') || alg.startsWith('PS') ? rsa : node.generateKeyPair(alg);
  return { sign: node.exportJwk(kp.privateKey), verify: node.exportPublicJwk(kp.publicKey) };
}

const claimSet = fc.dictionary(
  fc
    .string({ maxLength: 12 })
    .filter((k) => !['exp', 'nbf', 'iat', 'iss', 'aud', 'sub', 'jti', '__proto__'].includes(k)),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
);

async function outcome(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'accepted';
  } catch (e) {
    if (!(e instanceof node.JwtError)) throw new Error(`non-JwtError thrown: ${(e as Error)?.name}`);
    return e.name;
  }
}

describe('properties on the WebCrypto build', () => {
  for (const alg of ALGS) {
    const k = keys(alg);
    const slow = alg.startsWith('RS') || alg.startsWith('PS') || alg === 'ES512';
    test(`${alg}: random claims cross the backends both ways`, async () => {
      await fc.assert(
        fc.asyncProperty(claimSet, async (claims) => {
          const want = JSON.parse(JSON.stringify(claims));
          const fromWeb = await web.encode(claims, k.sign, { algorithm: alg });
          assert.deepStrictEqual(node.decode(fromWeb, k.verify, { algorithms: [alg], now: NOW }), want);
          const fromNode = node.encode(claims, k.sign, { algorithm: alg });
          assert.deepStrictEqual(await web.decode(fromNode, k.verify, { algorithms: [alg], now: NOW }), want);
        }),
        { numRuns: slow ? 8 : 25, seed: SEED },
      );
    });

    test(`${alg}: mutations and bit flips are rejected, with the same error class as node:crypto`, async () => {
      const token = node.encode({ sub: 'user-1', n: 1, exp: NOW + 60 }, k.sign, { algorithm: alg });
      const segs = token.split('.').map((x) => Buffer.from(x, 'base64url'));
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
      const change = fc.oneof(
        fc
          .record({ at: fc.nat(token.length - 1), ch: fc.constantFrom(...ALPHABET) })
          .map(({ at, ch }) => token.slice(0, at) + ch + token.slice(at + 1)),
        fc.nat(token.length - 1).map((at) => token.slice(0, at) + token.slice(at + 1)),
        fc.tuple(fc.nat(2), fc.nat(10_000), fc.nat(7)).map(([which, pos, bit]) => {
          const parts = segs.map((b) => Buffer.from(b));
          const t = parts[which]!;
          if (t.length > 0) t[pos % t.length] = t[pos % t.length]! ^ (1 << bit);
          return parts.map((b) => b.toString('base64url')).join('.');
        }),
      );
      await fc.assert(
        fc.asyncProperty(change, async (m) => {
          if (m === token) return;
          const onWeb = await outcome(() => web.decode(m, k.verify, { algorithms: [alg], now: NOW }));
          const onNode = await outcome(() => node.decode(m, k.verify, { algorithms: [alg], now: NOW }));
          assert.notEqual(onWeb, 'accepted');
          assert.equal(onWeb, onNode);
        }),
        { numRuns: slow ? 60 : 150, seed: SEED },
      );
    });
  }
});
