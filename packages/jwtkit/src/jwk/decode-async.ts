/**
 * `decodeAsync`: `decode` for keys that need I/O (a remote JWKS, or an async resolver that looks a key up
 * in a database or KMS). The token is parsed strictly and its algorithm checked against the allowlist
 * BEFORE any key lookup, so a bad token never causes a fetch; then the resolved key goes through the
 * same synchronous `decode` pipeline.
 */
import { parseCompact } from '../_lib/compact.js';
import type { KeyResolver, VerifyKey } from '../_lib/key-selection.js';
import type { Jwks, KeyInput } from '../_lib/keys.js';
import { allowedAlgorithm, type DecodeOptions, normalizeOptions } from '../_lib/verify.js';
import { type DecodedJwt, decodeComplete, type JwtHeader, type JwtPayload } from '../decode.js';
import { InvalidKeyError } from '../errors.js';
import { isRemoteJwks, type RemoteJwks } from './remote.js';

/** Picks the key for a header, possibly asynchronously. */
export type AsyncKeyResolver = (header: Readonly<JwtHeader>) => Promise<KeyInput | Jwks> | KeyInput | Jwks;

export type AsyncVerifyKey = VerifyKey | AsyncKeyResolver | RemoteJwks;

async function resolve(
  token: string,
  key: AsyncVerifyKey,
  options: DecodeOptions,
): Promise<KeyInput | Jwks | KeyResolver> {
  const opts = normalizeOptions(options);
  const { header } = parseCompact(token, opts.maxTokenLength); // strict decode
  allowedAlgorithm(header, opts.algorithms); // allowlist, before any I/O
  if (isRemoteJwks(key)) return key.getSigningKey(header, { algorithms: opts.algorithms });
  if (typeof key === 'function') {
    const resolved = await (key as AsyncKeyResolver)(header);
    if (resolved === undefined || resolved === null)
      throw new InvalidKeyError('The key resolver returned no key');
    return resolved;
  }
  return key as KeyInput | Jwks;
}

/**
 * Verifies a JWT like `decode`, with a key source that may be asynchronous: a `createRemoteJwks` set, an
 * async resolver `(header) => Promise<key | jwks>`, or anything `decode` accepts.
 *
 * ```ts
 * const jwks = createRemoteJwks('https://issuer.example/.well-known/jwks.json')
 * const claims = await decodeAsync(token, jwks, { algorithms: ['RS256'], issuer: 'https://issuer.example' })
 * ```
 */
export async function decodeAsync<T = JwtPayload>(
  token: string,
  key: AsyncVerifyKey,
  options: DecodeOptions,
): Promise<T> {
  return (await decodeCompleteAsync<T>(token, key, options)).payload;
}

/** Like `decodeAsync`, returning the header and signature too. */
export async function decodeCompleteAsync<T = JwtPayload>(
  token: string,
  key: AsyncVerifyKey,
  options: DecodeOptions,
): Promise<DecodedJwt<T>> {
  const resolved = await resolve(token, key, options);
  return decodeComplete<T>(token, resolved as VerifyKey, options);
}
