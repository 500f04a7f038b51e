/**
 * jwtkit on WebCrypto: the build for browsers, Deno, Bun, Cloudflare Workers (workerd) and any runtime with
 * `globalThis.crypto.subtle` (Node too: `jwtkit/webcrypto`). No `node:*` import anywhere in its module graph.
 *
 * The async naming, one for the whole library: the SAME names as the Node build, returning Promises.
 * `decode`, `decodeComplete`, `encode`, `createVerifier(...)(token)` and `createSigner(...)(payload)` resolve
 * to what the sync Node functions return, and reject with the same error classes. `await decode(...)` is
 * portable: on Node's sync build `await` of a plain value is that value. `jwtkit/async` gives these
 * promise-returning names on every runtime (on Node over node:crypto, without a threadpool hop).
 *
 * The rules are the library's own, implemented once (src/_lib): strict parsing and size limits, the
 * algorithm allowlist, key type / curve / RSA >= 2048 / HMAC length binding, exact signature lengths,
 * `crit`, `typ`, claims. What WebCrypto cannot do (ES256K, Ed448; for JWE RSA1_5, and X448 where the
 * runtime lacks it) fails with UnsupportedAlgorithmError. JWE runs the same pipeline as the Node build
 * (_lib/jwe-core.ts), driven asynchronously.
 */
import { unknownAlgorithm } from './_lib/algorithm-errors.js';
import { type Algorithm, algorithmInfo } from './_lib/algorithms.js';
import { webParams, webRandomBytes } from './_lib/crypto-web.js';
import type { DecodedJwt, JwtPayload } from './_lib/decode-unverified.js';
import { type EncodeOptions, resolveEncode } from './_lib/encode-core.js';
import { type DecodeOptions, normalizeOptions } from './_lib/verify-core.js';
import {
  signingKeyWeb,
  signJwtWeb,
  verifyJwtWeb,
  type WebKeyInput,
  type WebVerifyKey,
} from './_lib/verify-web.js';
import { InvalidOptionsError } from './errors.js';

export type { Algorithm, AlgorithmFamily, AlgorithmInfo } from './_lib/algorithms.js';
export { ALGORITHMS, algorithmInfo, algorithmTable, isAlgorithm } from './_lib/algorithms.js';
export type { JwtHeader } from './_lib/compact.js';
export type { DecodedJwt, JwtPayload } from './_lib/decode-unverified.js';
export { decodeUnverified, getUnverifiedHeader } from './_lib/decode-unverified.js';
// JWE (RFC 7516): the Node build's `jwtkit/jwe` names, returning Promises (_lib/jwe-web.ts). See docs/jwe.md.
export type { ContentEncryptionAlgorithm, KeyManagementAlgorithm } from './_lib/jwe-algorithms.js';
export { CONTENT_ENCRYPTION_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS } from './_lib/jwe-algorithms.js';
export type {
  DecryptJweOptions,
  EncryptJweOptions,
  FlattenedJwe,
  GeneralJwe,
  JweHeader,
} from './_lib/jwe-core.js';
export type { DecodedEncryptedJwt } from './_lib/jwe-jwt-core.js';
export type {
  WebDecodeEncryptedOptions as DecodeEncryptedOptions,
  WebDecryptedJwe as DecryptedJwe,
  WebDecryptKey as DecryptKey,
  WebEncodeEncryptedOptions as EncodeEncryptedOptions,
  WebEncryptRecipient as EncryptRecipient,
  WebJweKeyResolver as JweKeyResolver,
  WebNestedSignOptions as NestedSignOptions,
  WebNestedVerifyOptions as NestedVerifyOptions,
} from './_lib/jwe-web.js';
export {
  createDecrypter,
  createEncrypter,
  decodeEncrypted,
  decodeEncryptedComplete,
  decryptJwe,
  encodeEncrypted,
  encryptJwe,
} from './_lib/jwe-web.js';
export type { Jwk, Jwks } from './_lib/jwk.js';
export { parseDuration } from './_lib/time.js';
export * from './errors.js';
export type { RemoteJwks, RemoteJwksOptions, RemoteJwksStats } from './jwk/remote.js';
export { createRemoteJwks } from './jwk/remote.js';
export type { DecodeOptions, EncodeOptions, WebKeyInput, WebVerifyKey };

/** Which backend this build runs on. */
export const backend = 'webcrypto' as const;
/** The library version (kept equal to package.json by a test). */
export const version = '0.1.0';

/** The normalized options, with every allowlisted algorithm checked against this backend up front. */
function webOptions(options: DecodeOptions, where: string) {
  const opts = normalizeOptions(options, where);
  for (const alg of opts.algorithms) webParams(algorithmInfo(alg)!);
  return opts;
}

/**
 * Verifies a JWT and resolves to its claims (the Node build's `decode`, async). `options.algorithms` is
 * required. The key may be anything `decode` takes, an async resolver, or a `createRemoteJwks` set.
 */
export async function decode<T = JwtPayload>(
  token: string,
  key: WebVerifyKey,
  options: DecodeOptions,
): Promise<T> {
  return (await verifyJwtWeb(token, key, webOptions(options, 'decode()'))).payload as T;
}

/** Like `decode`, with the header and signature. */
export async function decodeComplete<T = JwtPayload>(
  token: string,
  key: WebVerifyKey,
  options: DecodeOptions,
): Promise<DecodedJwt<T>> {
  return (await verifyJwtWeb(
    token,
    key,
    webOptions(options, 'decodeComplete()'),
  )) as unknown as DecodedJwt<T>;
}

/** The Node build's `decodeAsync` (remote key sets, async resolvers): on WebCrypto, `decode` does it all. */
export const decodeAsync = decode;
/** The Node build's `decodeCompleteAsync`. */
export const decodeCompleteAsync = decodeComplete;

/** Creates a signed JWT (PyJWT byte-compatible, like the Node build's `encode`). */
export async function encode(
  payload: object,
  key: WebKeyInput,
  options: EncodeOptions = {},
): Promise<string> {
  const plan = resolveEncode(options, 'encode()');
  webParams(plan.info);
  return signJwtWeb(plan, await signingKeyWeb(key, plan), payload);
}

/** A signer bound to one key and one set of options (validated now; the key is imported once). */
export function createSigner(
  key: WebKeyInput,
  options: EncodeOptions = {},
): (payload: object) => Promise<string> {
  const plan = resolveEncode(options, 'createSigner()');
  webParams(plan.info);
  const material = signingKeyWeb(key, plan);
  material.catch(() => {}); // reported by each call, not as an unhandled rejection
  return async (payload: object) => signJwtWeb(plan, await material, payload);
}

/** A verifier bound to one key and one set of options (validated now). */
export function createVerifier<T = JwtPayload>(
  key: WebVerifyKey,
  options: DecodeOptions,
): (token: string) => Promise<T> {
  const opts = webOptions(options, 'createVerifier()');
  return async (token: string) => (await verifyJwtWeb(token, key, opts)).payload as T;
}

/** A new random HMAC secret of the hash's size (32, 48 or 64 bytes). */
export function generateSecret(alg: Algorithm = 'HS256'): Uint8Array {
  const info = algorithmInfo(alg);
  if (!info) throw unknownAlgorithm(alg);
  if (info.family !== 'hmac') throw new InvalidOptionsError(`${alg} uses a key pair, not a secret`);
  return webRandomBytes(info.hashBytes);
}
