/**
 * jwtkit: JSON Web Tokens for Node.js. Sync, fast, secure by default, byte-compatible with PyJWT.
 * Zero dependencies: all cryptography is node:crypto (OpenSSL).
 */

export type { Algorithm, AlgorithmFamily } from './_lib/algorithms.js';
export { ALGORITHMS, isAlgorithm } from './_lib/algorithms.js';
export type { KeyResolver, VerifyKey } from './_lib/key-selection.js';
export type { Jwk, Jwks, KeyInput } from './_lib/keys.js';
/** Seconds from `90`, `'15m'`, `'1h'`, `'7 days'`... (the one duration parser; the server's settings use it too). */
export { parseDuration } from './_lib/time.js';
export type { DecodedJwt, DecodeOptions, JwtHeader, JwtPayload } from './decode.js';
export { decode, decodeComplete, decodeUnverified, getUnverifiedHeader } from './decode.js';
export type {
  CreateDpopProofOptions,
  DpopNonces,
  DpopNoncesOptions,
  DpopReplayStore,
  VerifiedDpopProof,
  VerifyDpopProofOptions,
} from './dpop.js';
export {
  createDpopNonces,
  createDpopProof,
  createDpopReplayStore,
  dpopAccessTokenHash,
  dpopHtu,
  verifyDpopProof,
} from './dpop.js';
export type { EncodeOptions } from './encode.js';
export { encode } from './encode.js';
export * from './errors.js';
export type { AsyncKeyResolver, AsyncVerifyKey } from './jwk/decode-async.js';
export { decodeAsync, decodeCompleteAsync } from './jwk/decode-async.js';
export type { RemoteJwks, RemoteJwksOptions, RemoteJwksStats } from './jwk/remote.js';
export { createRemoteJwks } from './jwk/remote.js';
export { signJws } from './jws/sign.js';
export type {
  FlattenedJws,
  GeneralJws,
  JwsSerialization,
  JwsSignatureJson,
  JwsSigner,
  SignJwsOptions,
} from './jws/types.js';
export type { VerifiedJws, VerifyJwsOptions } from './jws/verify.js';
export { verifyJws } from './jws/verify.js';
export type { ExportJwkOptions, ImportKeyOptions, KeyObject } from './keys.js';
export {
  exportJwk,
  exportPem,
  exportPublicJwk,
  generateKeyPair,
  generateSecret,
  importKey,
  jwkThumbprint,
  jwkThumbprintUri,
} from './keys.js';
export { signBytes, verifyBytes } from './signature.js';
export { decodeUnsecured, encodeUnsecured } from './unsecured.js';
export type { Verifier, VerifierCacheStats, VerifierOptions } from './verifier.js';
export { createSigner, createVerifier } from './verifier.js';

/** The library version (kept equal to package.json by a test). */
export const version = '0.1.0';

// ---------------------------------------------------------------- JWE (docs/jwe.md; also `jwtkit/jwe`)
export * from './jwe/index.js';
