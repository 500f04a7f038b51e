/**
 * Choosing the key for a token: a fixed key, a key set (JWKS, picked by `kid` and algorithm), or the
 * application's own resolver function. A key set never means "try every key": no match or more than
 * one match is an error.
 */

import { InvalidKeyError, JwksMultipleMatchingKeysError, JwksNoMatchingKeyError } from '../errors.js';
import type { AlgorithmInfo } from './algorithms.js';
import type { JwtHeader } from './compact.js';
import { checkJwkMemberTypes, isJwks, type Jwk, type Jwks, jwkAlgAllows } from './jwk.js';
import type { KeyInput } from './keys.js';

/** Picks the key from the header (e.g. by `kid`). Must be synchronous; see `decodeAsync` for async. */
export type KeyResolver = (header: Readonly<JwtHeader>) => KeyInput | Jwks;

export type VerifyKey = KeyInput | Jwks | KeyResolver;

function ktyFits(jwk: Jwk, info: AlgorithmInfo): boolean {
  switch (info.family) {
    case 'hmac':
      return jwk.kty === 'oct';
    case 'rsa':
    case 'rsa-pss':
      return jwk.kty === 'RSA';
    case 'ecdsa':
      return (
        jwk.kty === 'EC' &&
        typeof jwk.crv === 'string' &&
        (info.curves as readonly string[]).includes(jwk.crv)
      );
    case 'eddsa':
      return (
        jwk.kty === 'OKP' &&
        typeof jwk.crv === 'string' &&
        (info.curves as readonly string[]).includes(jwk.crv)
      );
  }
}

/** The single JWK of `jwks` that may verify a token with this header. */
export function selectFromJwks(jwks: Jwks, header: JwtHeader, info: AlgorithmInfo): Jwk {
  const keys = jwks.keys.filter(
    (k): k is Jwk => typeof k === 'object' && k !== null && typeof k.kty === 'string',
  );
  if (keys.length !== jwks.keys.length)
    throw new InvalidKeyError('The key set holds an entry that is not a JWK');
  for (const k of keys) checkJwkMemberTypes(k);
  const symmetric = keys.filter((k) => k.kty === 'oct').length;
  if (symmetric > 0 && symmetric < keys.length) {
    throw new InvalidKeyError(
      'The key set mixes secret (oct) and asymmetric keys; keep them in separate sets',
    );
  }
  const kid = header.kid;
  const candidates = keys.filter(
    (k) =>
      (kid === undefined || k.kid === kid) &&
      ktyFits(k, info) &&
      jwkAlgAllows(k, info) &&
      (k.use === undefined || k.use === 'sig') &&
      (k.key_ops === undefined || (Array.isArray(k.key_ops) && k.key_ops.includes('verify'))),
  );
  if (candidates.length === 0) {
    throw new JwksNoMatchingKeyError(
      kid === undefined
        ? `No key in the set fits ${info.name}`
        : `No key in the set has this kid for ${info.name}`,
    );
  }
  if (candidates.length > 1) {
    throw new JwksMultipleMatchingKeysError(
      kid === undefined
        ? `Several keys in the set fit ${info.name} and the token has no kid`
        : 'Several keys in the set share this kid',
    );
  }
  return candidates[0]!;
}

/** Resolves whatever the caller passed into one key for this token. */
export function resolveKey(key: VerifyKey, header: JwtHeader, info: AlgorithmInfo): KeyInput {
  let k: unknown = key;
  if (typeof k === 'function') {
    k = (k as KeyResolver)(header);
    if (k instanceof Promise)
      throw new InvalidKeyError('The key resolver returned a Promise: use decodeAsync()');
  }
  if (isJwks(k)) return selectFromJwks(k, header, info);
  if (k === undefined || k === null) throw new InvalidKeyError('No key was given');
  return k as KeyInput;
}
