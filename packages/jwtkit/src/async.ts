/**
 * `jwtkit/async` on Node: the promise-returning names of the WebCrypto build (`decode`, `decodeComplete`,
 * `encode`, `createVerifier`, `createSigner`), running on the node:crypto backend. No threadpool hop: the
 * sync functions run at once and their result (or error) is delivered as a settled Promise; only a key that
 * needs I/O (an async resolver, a `createRemoteJwks` set) goes through `decodeAsync`. On every other
 * runtime `jwtkit/async` is the WebCrypto build, so code written against these names runs everywhere.
 */

import {
  type DecodedJwt,
  type DecodeOptions,
  type EncodeOptions,
  type JwtPayload,
  type KeyInput,
  decode as syncDecode,
  decodeComplete as syncDecodeComplete,
  encode as syncEncode,
  createSigner as syncSigner,
  createVerifier as syncVerifier,
  type VerifierOptions,
} from './index.js';
import type { AsyncVerifyKey } from './jwk/decode-async.js';
import { decodeAsync, decodeCompleteAsync } from './jwk/decode-async.js';
import { isRemoteJwks } from './jwk/remote.js';

export * from './index.js';

/** Which backend this build runs on. */
export const backend = 'node' as const;

const needsIo = (key: unknown) => typeof key === 'function' || isRemoteJwks(key);

function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `decode`, as a Promise (see the module comment). */
export function decode<T = JwtPayload>(
  token: string,
  key: AsyncVerifyKey,
  options: DecodeOptions,
): Promise<T> {
  if (needsIo(key)) return decodeAsync<T>(token, key, options);
  return settle(() => syncDecode<T>(token, key as KeyInput, options));
}

/** `decodeComplete`, as a Promise. */
export function decodeComplete<T = JwtPayload>(
  token: string,
  key: AsyncVerifyKey,
  options: DecodeOptions,
): Promise<DecodedJwt<T>> {
  if (needsIo(key)) return decodeCompleteAsync<T>(token, key, options);
  return settle(() => syncDecodeComplete<T>(token, key as KeyInput, options));
}

/** `encode`, as a Promise. */
export function encode(payload: object, key: KeyInput, options?: EncodeOptions): Promise<string> {
  return settle(() => syncEncode(payload, key, options));
}

/** `createSigner`, whose signer returns a Promise. Options and key are checked now, as in the sync build. */
export function createSigner(key: KeyInput, options?: EncodeOptions): (payload: object) => Promise<string> {
  const sign = syncSigner(key, options);
  return (payload: object) => {
    try {
      return Promise.resolve(sign(payload));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** `createVerifier`, whose verifier returns a Promise (an async resolver or remote set goes through decodeAsync). */
export function createVerifier<T = JwtPayload>(
  key: AsyncVerifyKey,
  options: VerifierOptions,
): (token: string) => Promise<T> {
  if (needsIo(key)) return (token: string) => decodeAsync<T>(token, key, options);
  const verify = syncVerifier<T>(key as KeyInput, options);
  // No closure per call: this is the hot path of a request handler.
  return (token: string) => {
    try {
      return Promise.resolve(verify(token));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
