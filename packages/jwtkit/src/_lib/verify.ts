/**
 * Verification of a compact JWT on the node:crypto backend (sync), in a fixed order:
 *   strict decode -> algorithm allowlist -> key type matches algorithm -> signature -> crit/typ -> claims.
 * The neutral steps are in verify-core.ts (shared with the WebCrypto pipeline, verify-web.ts).
 */
import { InvalidSignatureError } from '../errors.js';
import type { AlgorithmInfo } from './algorithms.js';
import { type CompactParts, type JwtHeader, parseCompact } from './compact.js';
import { resolveKey, type VerifyKey } from './key-selection.js';
import { type KeyObject, keyFor } from './keys.js';
import { checkSignature } from './signature.js';
import { afterSignature, allowedAlgorithm, type NormalizedOptions, type VerifiedJwt } from './verify-core.js';

export * from './verify-core.js';

/** Verifies the signature of parsed parts with the resolved key; throws InvalidSignatureError. */
/** Key material per algorithm, for a verifier whose key does not depend on the token (see createVerifier). */
export type KeyMaterialCache = Map<string, Buffer | KeyObject>;

/** Which key material verified a token (for a cache that must re-prove it later). */
export interface VerifiedBy {
  material?: Buffer | KeyObject;
  info?: AlgorithmInfo;
}

/** The key material for this header and algorithm: resolved (resolver, JWKS) and bound to the algorithm. */
export function keyMaterial(key: VerifyKey, header: JwtHeader, info: AlgorithmInfo, strict: boolean) {
  return keyFor(resolveKey(key, header, info), info, 'verify', { strict });
}

export function verifyParts(
  parts: CompactParts,
  key: VerifyKey,
  info: AlgorithmInfo,
  strict: boolean,
  keyCache?: KeyMaterialCache,
  out?: VerifiedBy,
): void {
  let material = keyCache?.get(info.name);
  if (material === undefined) {
    material = keyMaterial(key, parts.header, info, strict);
    keyCache?.set(info.name, material);
  }
  if (!checkSignature(info, material, parts.signingInput, parts.signatureBytes as Buffer)) {
    throw new InvalidSignatureError('Signature verification failed');
  }
  if (out) {
    out.material = material;
    out.info = info;
  }
}

/** The whole JWT verification. */
export function verifyJwt(
  token: unknown,
  key: VerifyKey,
  opts: NormalizedOptions,
  keyCache?: KeyMaterialCache,
  out?: VerifiedBy,
): VerifiedJwt {
  const parts = parseCompact(token, opts.maxTokenLength); // strict decode
  const info = allowedAlgorithm(parts.header, opts.algorithms); // allowlist
  verifyParts(parts, key, info, opts.strict, keyCache, out); // key type + signature
  return afterSignature(parts, opts); // b64, crit, typ, claims
}
