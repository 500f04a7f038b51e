// Correctness gate: every contender is checked once before it is timed (a verify that silently fails
// would be fast). Sign output must verify with the raw baseline; verify must accept a valid token and
// reject a tampered signature, a wrong audience, a wrong issuer and an expired token.
import { isDeepStrictEqual } from 'node:util';
import type { Contender } from './contenders.js';
import { unwrapPayload } from './contenders.js';
import { type KeySet, LIFETIME, nowSeconds } from './fixtures.js';
import { rawSignClaims, rawVerifier, withClaims } from './raw.js';

function subsetMatches(expected: Record<string, unknown>, actual: Record<string, unknown>): string | null {
  for (const [k, v] of Object.entries(expected)) {
    if (!isDeepStrictEqual(actual[k], v))
      return `claim ${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(actual[k])}`;
  }
  return null;
}

export function validClaims(payload: Record<string, unknown>): Record<string, unknown> {
  const iat = nowSeconds();
  return withClaims(payload, iat);
}

function tamper(token: string): string {
  const d2 = token.lastIndexOf('.');
  const sig = Buffer.from(token.slice(d2 + 1), 'base64url');
  sig[sig.length >> 1] = (sig[sig.length >> 1] ?? 0) ^ 0x01;
  return token.slice(0, d2 + 1) + sig.toString('base64url');
}

/** Returns null when the contender is correct, else a reason. */
export async function checkContender(
  c: Contender,
  ks: KeySet,
  payload: Record<string, unknown>,
): Promise<string | null> {
  try {
    if (c.sign) {
      const token = await c.sign(payload);
      if (typeof token !== 'string') return `sign returned ${typeof token}`;
      const decoded = rawVerifier(ks)(token);
      const why = subsetMatches(payload, decoded);
      if (why) return `signed token: ${why}`;
      if (typeof decoded.iat !== 'number' || decoded.exp !== decoded.iat + LIFETIME)
        return 'signed token lacks iat/exp = iat + lifetime';
      return null;
    }
    if (c.verify) {
      const claims = validClaims(payload);
      const good = rawSignClaims(ks, claims);
      const out = unwrapPayload(c.lib, await c.verify(good));
      const why = subsetMatches(claims, out);
      if (why) return `verify result: ${why}`;
      const now = nowSeconds();
      const bad: Array<[string, string]> = [
        ['tampered signature', tamper(good)],
        ['wrong audience', rawSignClaims(ks, { ...claims, aud: 'other.example.com' })],
        ['wrong issuer', rawSignClaims(ks, { ...claims, iss: 'https://evil.example.com' })],
        ['expired 1h ago', rawSignClaims(ks, { ...claims, iat: now - 7200, exp: now - 3600 })],
      ];
      for (const [what, token] of bad) {
        let accepted = false;
        try {
          await c.verify(token);
          accepted = true;
        } catch {
          // expected
        }
        if (accepted) return `accepted a token with ${what}`;
      }
      return null;
    }
    return 'contender has neither sign nor verify';
  } catch (e) {
    return `threw: ${(e as Error).message}`;
  }
}
