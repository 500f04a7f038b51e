import type { Algorithm } from './_lib/algorithms.js';
import type { JwtHeader } from './_lib/compact.js';
import type { JsonObject } from './_lib/json.js';
import type { VerifyKey } from './_lib/key-selection.js';
import { type DecodeOptions, normalizeOptions, type VerifiedJwt, verifyJwt } from './_lib/verify.js';

export type { DecodedJwt, JwtPayload } from './_lib/decode-unverified.js';
export { decodeUnverified, getUnverifiedHeader } from './_lib/decode-unverified.js';
export type { DecodeOptions, JwtHeader };

import type { DecodedJwt, JwtPayload } from './_lib/decode-unverified.js';

/**
 * Verifies a JWT and returns its claims. `options.algorithms` is required. Checks, in this order:
 * strict structure -> algorithm allowlist -> key type fits the algorithm -> signature -> crit/typ -> claims.
 * Throws a `JwtError` subclass on every failure.
 *
 * ```ts
 * const claims = decode(token, 'mysecret123', { algorithms: ['HS256'] })
 * ```
 */
export function decode<T = JwtPayload>(token: string, key: VerifyKey, options: DecodeOptions): T {
  return verifyJwt(token, key, normalizeOptions(options)).payload as T;
}

/** Like `decode`, but returns the header and signature too. */
export function decodeComplete<T = JwtPayload>(
  token: string,
  key: VerifyKey,
  options: DecodeOptions,
): DecodedJwt<T> {
  return verifyJwt(
    token,
    key,
    normalizeOptions(options, 'decodeComplete()'),
  ) as VerifiedJwt as unknown as DecodedJwt<T>;
}

export type { Algorithm, JsonObject };
