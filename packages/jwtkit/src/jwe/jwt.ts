/**
 * Encrypted JWTs (RFC 7519 §5.2, §11.2) on the Node build: a claims set encrypted as a compact JWE, and
 * nested JWTs (signed with `encode`, then encrypted, `cty: "JWT"`), each in one call. The pipeline is
 * _lib/jwe-jwt-core.ts (shared with the WebCrypto build), driven synchronously over node:crypto. Decoding
 * checks, in order: the JWE (strict parse -> alg/enc allowlists -> key type -> decryption -> crit -> zip),
 * then for a nested JWT the inner JWS exactly as `decode` does (its own allowlist and key), then the claims
 * with the same options and the same function as `decode`.
 */
import { runSync } from '../_lib/jwe-core.js';
import {
  type DecodedEncryptedJwt,
  type DecodeEncryptedOptionsOf,
  decodeEncryptedSteps,
  type EncodeEncryptedOptionsOf,
  encodeEncryptedSteps,
  type NestedSignOptionsOf,
  type NestedVerifyOptionsOf,
} from '../_lib/jwe-jwt-core.js';
import { type DecryptKey, nodeJweBackend } from '../_lib/jwe-node.js';
import type { VerifyKey } from '../_lib/key-selection.js';
import type { KeyInput } from '../_lib/keys.js';
import { verifyJwt } from '../_lib/verify.js';
import type { JwtPayload } from '../decode.js';
import { encode } from '../encode.js';

export type { DecodedEncryptedJwt };
/** The signing half of a nested JWT: `encode`'s key and options (algorithm, headers, keyId). */
export type NestedSignOptions = NestedSignOptionsOf<KeyInput>;
export type EncodeEncryptedOptions = EncodeEncryptedOptionsOf<KeyInput>;
/** The verification half of a nested JWT: `decode`'s key and algorithm allowlist for the inner JWS. */
export type NestedVerifyOptions = NestedVerifyOptionsOf<VerifyKey>;
export type DecodeEncryptedOptions = DecodeEncryptedOptionsOf<VerifyKey>;

/**
 * A JWT whose claims are encrypted (compact JWE). With `sign`, a nested JWT: signed with `encode`, then
 * encrypted with `cty: "JWT"`.
 *
 * ```ts
 * const token = encodeEncrypted({ sub: 'u1' }, recipientPublicJwk, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', expiresIn: '15m' })
 * ```
 */
export function encodeEncrypted(payload: object, key: KeyInput, input: EncodeEncryptedOptions): string {
  return runSync(
    encodeEncryptedSteps(nodeJweBackend, payload, key, input, (p, k, o) => encode(p, k as KeyInput, o)),
  );
}

export function decodeEncryptedComplete<T = JwtPayload>(
  token: string,
  key: DecryptKey,
  input: DecodeEncryptedOptions,
): DecodedEncryptedJwt<T> {
  return runSync(
    decodeEncryptedSteps<KeyObjectLike, T>(nodeJweBackend, token, key, input, (jws, k, o) =>
      verifyJwt(jws, k as VerifyKey, o),
    ),
  );
}
type KeyObjectLike = Parameters<typeof nodeJweBackend.ecdh>[0];

/**
 * Decrypts an encrypted JWT (compact JWE) and returns its claims, checked like `decode` does. Both
 * allowlists are required. For a nested JWT, `signature: { key, algorithms }` verifies the inner JWS.
 *
 * ```ts
 * const claims = decodeEncrypted(token, privateJwk, {
 *   keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'], audience: 'api',
 * })
 * ```
 */
export function decodeEncrypted<T = JwtPayload>(
  token: string,
  key: DecryptKey,
  options: DecodeEncryptedOptions,
): T {
  return decodeEncryptedComplete<T>(token, key, options).payload;
}
