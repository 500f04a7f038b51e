import type { AlgorithmInfo } from './_lib/algorithms.js';
import { validateClaims } from './_lib/claims.js';
import { deepFreeze } from './_lib/compact.js';
import { constantTimeEqual, isKeyObject, type KeyObject } from './_lib/crypto.js';
import type { JsonObject } from './_lib/json.js';
import type { VerifyKey } from './_lib/key-selection.js';
import type { KeyInput } from './_lib/keys.js';
import { isJwks } from './_lib/keys.js';
import { nowSeconds } from './_lib/time.js';
import {
  DECODE_OPTION_NAMES,
  type DecodeOptions,
  type KeyMaterialCache,
  keyMaterial,
  normalizeOptions,
  type VerifiedBy,
  verifyJwt,
} from './_lib/verify.js';
import type { DecodedJwt, JwtPayload } from './decode.js';
import { type EncodeOptions, prepareEncode } from './encode.js';
import { InvalidOptionsError } from './errors.js';

export interface VerifierOptions extends DecodeOptions {
  /**
   * Cache successful verifications, keyed by the whole token text, for at most `cache` tokens
   * (`true` = 1000). What a cache hit still guarantees:
   * - every claim check whose answer moves with the clock runs again (exp, nbf, iat, maxAge, with the
   *   leeway); the others (iss, aud, sub, jti, required claims, typ) depend only on the token's claims and
   *   header, which the cache keeps deeply frozen, and on this verifier's options, which never change: they
   *   passed when the token was verified and cannot answer otherwise now;
   * - with a resolver function or a key set, the key is resolved again for the token's header and must be
   *   the key that verified the token (the same object, or equal key material): a key removed from the
   *   resolver's map or from the JWKS, or replaced under the same `kid`, stops the token at once (the
   *   entry is dropped and the token verified from scratch, or refused);
   * - the claims returned are deeply frozen (shared by every caller of this verifier), so one caller
   *   cannot change what the next one sees;
   * - only tokens that verified are cached; errors never are.
   */
  cache?: boolean | number;
  /**
   * Return `{ header, payload, signature }` (as `decodeComplete` does) instead of the payload alone, so a
   * caller that needs the header (`kid`, `typ`) does not parse the token a second time. The object is frozen
   * when `cache` is on (it is shared like the payload). See `CompleteVerifierOptions`.
   */
  complete?: false;
}

/** `createVerifier` options that make it answer `{ header, payload, signature }`. */
export interface CompleteVerifierOptions extends Omit<VerifierOptions, 'complete'> {
  complete: true;
}

const VERIFIER_OPTION_NAMES: ReadonlySet<string> = new Set([...DECODE_OPTION_NAMES, 'cache', 'complete']);

interface CacheEntry {
  /** Header, claims and signature, frozen (what a `complete` verifier answers; the plain one, its payload). */
  readonly result: DecodedJwt<JsonObject>;
  readonly info: AlgorithmInfo;
  readonly material: Buffer | KeyObject;
}

/** Whether two verification keys are the same key (identity first, then the key material). */
function sameKey(a: Buffer | KeyObject, b: Buffer | KeyObject): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return constantTimeEqual(a, b);
  return isKeyObject(a) && isKeyObject(b) && a.type === b.type && a.equals(b);
}

/** What the verification cache did so far (all zero without `cache`). */
export interface VerifierCacheStats {
  /** The most tokens kept (0: no cache). */
  capacity: number;
  /** Tokens kept now. */
  size: number;
  /** Calls answered from the cache (every claim and the key still checked). */
  hits: number;
  /** Calls that verified the signature (not cached yet, evicted, or the key changed). */
  misses: number;
}

/** `verify(token)`, plus `verify.cacheStats()` for monitoring. */
export type Verifier<T> = ((token: string) => T) & { cacheStats(): VerifierCacheStats };

/**
 * A verifier bound to one key and one set of options, validated once (fast-jwt style).
 * `const verify = createVerifier(key, { algorithms: ['ES256'], issuer, audience }); verify(token)`
 */
export function createVerifier<T = JwtPayload>(key: VerifyKey, options: VerifierOptions): Verifier<T>;
export function createVerifier<T = JwtPayload>(
  key: VerifyKey,
  options: CompleteVerifierOptions,
): Verifier<DecodedJwt<T>>;
export function createVerifier<T = JwtPayload>(
  key: VerifyKey,
  options: VerifierOptions | CompleteVerifierOptions,
): Verifier<T> | Verifier<DecodedJwt<T>> {
  const opts = normalizeOptions(options, 'createVerifier()', VERIFIER_OPTION_NAMES);
  const cacheOption = Object.hasOwn(options, 'cache') ? options.cache : undefined;
  const completeOption = Object.hasOwn(options, 'complete') ? options.complete : undefined;
  if (completeOption !== undefined && typeof completeOption !== 'boolean')
    throw new InvalidOptionsError('complete must be true or false');
  const complete = completeOption === true;
  // A key that does not depend on the token (not a resolver function, not a key set) is bound to each
  // allowed algorithm once, on first use, instead of on every call.
  const dynamic = typeof key === 'function' || isJwks(key);
  const keyCache: KeyMaterialCache | undefined = dynamic ? undefined : new Map();
  const size =
    cacheOption === true ? 1000 : cacheOption === false || cacheOption === undefined ? 0 : cacheOption;
  if (!Number.isInteger(size) || size < 0)
    throw new InvalidOptionsError('cache must be true, false or a non-negative integer');
  if (size === 0) {
    const noStats = { cacheStats: () => ({ capacity: 0, size: 0, hits: 0, misses: 0 }) };
    if (complete) {
      const full = (token: string) => verifyJwt(token, key, opts, keyCache) as unknown as DecodedJwt<T>;
      return Object.assign(full, noStats);
    }
    const plain = (token: string) => verifyJwt(token, key, opts, keyCache).payload as T;
    return Object.assign(plain, noStats);
  }

  const cache = new Map<string, CacheEntry>();
  let hits = 0;
  let misses = 0;
  const answer = (entry: CacheEntry) => (complete ? entry.result : entry.result.payload);
  const verifyAndCache = (token: string): unknown => {
    misses++;
    const by: VerifiedBy = {};
    const { header, payload, signature } = verifyJwt(token, key, opts, keyCache, by);
    deepFreeze(payload);
    if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    const entry: CacheEntry = {
      result: Object.freeze({ header, payload, signature }),
      info: by.info!,
      material: by.material!,
    };
    cache.set(token, entry);
    return answer(entry);
  };
  const verify = (token: string): unknown => {
    const hit = typeof token === 'string' ? cache.get(token) : undefined;
    if (!hit) return verifyAndCache(token);
    try {
      if (dynamic) {
        // The resolver or key set may have dropped or replaced the key since: ask again.
        const now = keyMaterial(key, hit.result.header, hit.info, opts.strict);
        if (!sameKey(now, hit.material)) {
          cache.delete(token);
          return verifyAndCache(token);
        }
      }
      validateClaims(hit.result.payload, opts.rules, nowSeconds(opts.now), true);
      hits++;
      return answer(hit);
    } catch (error) {
      cache.delete(token);
      throw error;
    }
  };
  return Object.assign(verify as (token: string) => T, {
    cacheStats: (): VerifierCacheStats => ({ capacity: size, size: cache.size, hits, misses }),
  });
}

/** A signer bound to one key and one set of options: the header is encoded and the key parsed once. */
export function createSigner(key: KeyInput, options: EncodeOptions = {}): (payload: object) => string {
  return prepareEncode(key, options);
}
