import { validateClaims } from './_lib/claims.js';
import type { JsonObject } from './_lib/json.js';
import type { VerifyKey } from './_lib/key-selection.js';
import type { KeyInput } from './_lib/keys.js';
import { isJwks } from './_lib/keys.js';
import { nowSeconds } from './_lib/time.js';
import { type DecodeOptions, type KeyMaterialCache, normalizeOptions, verifyJwt } from './_lib/verify.js';
import type { JwtPayload } from './decode.js';
import { type EncodeOptions, prepareEncode } from './encode.js';
import { InvalidOptionsError } from './errors.js';

export interface VerifierOptions extends DecodeOptions {
  /**
   * Cache successful verifications, keyed by the whole token text, for at most `cache` tokens
   * (`true` = 1000). A cached token still has every time-based claim checked on each call, and
   * entries are dropped once the token has expired. Errors are never cached.
   */
  cache?: boolean | number;
}

/**
 * A verifier bound to one key and one set of options, validated once (fast-jwt style).
 * `const verify = createVerifier(key, { algorithms: ['ES256'], issuer, audience }); verify(token)`
 */
export function createVerifier<T = JwtPayload>(
  key: VerifyKey,
  options: VerifierOptions,
): (token: string) => T {
  const opts = normalizeOptions(options);
  // A key that does not depend on the token (not a resolver function, not a key set) is bound to each
  // allowed algorithm once, on first use, instead of on every call.
  const keyCache: KeyMaterialCache | undefined =
    typeof key === 'function' || isJwks(key) ? undefined : new Map();
  const size = options.cache === true ? 1000 : typeof options.cache === 'number' ? options.cache : 0;
  if (!Number.isInteger(size) || size < 0)
    throw new InvalidOptionsError('cache must be true or a positive integer');
  if (size === 0) return (token: string) => verifyJwt(token, key, opts, keyCache).payload as T;

  const cache = new Map<string, JsonObject>();
  return (token: string): T => {
    const hit = typeof token === 'string' ? cache.get(token) : undefined;
    if (hit) {
      try {
        validateClaims(hit, opts.rules, nowSeconds(opts.now));
        return hit as T;
      } catch (error) {
        cache.delete(token);
        throw error;
      }
    }
    const { payload } = verifyJwt(token, key, opts, keyCache);
    if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    cache.set(token, Object.freeze(payload));
    return payload as T;
  };
}

/** A signer bound to one key and one set of options: the header is encoded and the key parsed once. */
export function createSigner(key: KeyInput, options: EncodeOptions = {}): (payload: object) => string {
  return prepareEncode(key, options);
}
