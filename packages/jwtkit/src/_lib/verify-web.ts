/**
 * JWT verification and signing on the WebCrypto backend (async). The same order and the same shared steps
 * as the node:crypto pipeline (verify.ts), only the key binding and the signature check are awaited:
 *   strict decode -> algorithm allowlist -> key (resolved, then bound: type, curve, size) -> signature
 *   -> b64/crit/typ -> claims.
 */
import { InvalidKeyError, InvalidSignatureError } from '../errors.js';
import type { Algorithm, AlgorithmInfo } from './algorithms.js';
import { encode as b64url } from './base64url.js';
import { latin1Bytes } from './bytes.js';
import { type CompactParts, type JwtHeader, parseCompact } from './compact.js';
import { webParams, webSign, webVerify } from './crypto-web.js';
import { type EncodePlan, signingInputOf } from './encode-core.js';
import { isJwks, type Jwk, type Jwks } from './jwk.js';
import { expectedSignatureLength } from './key-rules.js';
import { selectFromJwks } from './key-selection.js';
import { type WebKey, webKeyFor } from './keys-web.js';
import { afterSignature, allowedAlgorithm, type NormalizedOptions, type VerifiedJwt } from './verify-core.js';

/** What the WebCrypto build accepts as a key (a KeyObject too, on Node). */
export type WebKeyInput = string | Uint8Array | Jwk | CryptoKey | { readonly type: string };

/** A key, a key set, a resolver (may be async), or a remote key set (`createRemoteJwks`). */
export type WebVerifyKey =
  | WebKeyInput
  | Jwks
  | ((header: Readonly<JwtHeader>) => WebKeyInput | Jwks | Promise<WebKeyInput | Jwks>)
  | { getSigningKey(header: JwtHeader, options?: { algorithms?: readonly Algorithm[] }): Promise<Jwk> };

function isRemote(
  key: unknown,
): key is { getSigningKey(h: JwtHeader, o: { algorithms: readonly string[] }): Promise<Jwk> } {
  return (
    typeof key === 'object' &&
    key !== null &&
    typeof (key as { getSigningKey?: unknown }).getSigningKey === 'function' &&
    typeof (key as { getKeySet?: unknown }).getKeySet === 'function'
  );
}

/** The key for this token: a remote set is asked only after strict decode and the allowlist passed. */
async function resolveWebKey(
  key: WebVerifyKey,
  header: JwtHeader,
  info: AlgorithmInfo,
  opts: NormalizedOptions,
): Promise<unknown> {
  let k: unknown = key;
  if (isRemote(k)) return k.getSigningKey(header, { algorithms: opts.algorithms });
  if (typeof k === 'function') {
    k = await (k as (h: JwtHeader) => unknown)(header);
    if (k === undefined || k === null) throw new InvalidKeyError('The key resolver returned no key');
  }
  if (isJwks(k)) return selectFromJwks(k, header, info);
  if (k === undefined || k === null) throw new InvalidKeyError('No key was given');
  return k;
}

async function checkSignatureWeb(info: AlgorithmInfo, key: WebKey, parts: CompactParts): Promise<boolean> {
  const sig = parts.signatureBytes;
  if (sig.length !== expectedSignatureLength(info, key.facts)) return false;
  return webVerify(info, key.key, latin1Bytes(parts.signingInput), sig);
}

/** The whole JWT verification on WebCrypto. */
export async function verifyJwtWeb(
  token: unknown,
  key: WebVerifyKey,
  opts: NormalizedOptions,
): Promise<VerifiedJwt> {
  const parts = parseCompact(token, opts.maxTokenLength); // strict decode
  const info = allowedAlgorithm(parts.header, opts.algorithms); // allowlist
  webParams(info); // this backend can run it (else UnsupportedAlgorithmError)
  const material = await webKeyFor(await resolveWebKey(key, parts.header, info, opts), info, 'verify', {
    strict: opts.strict,
  }); // key type, curve, size
  if (!(await checkSignatureWeb(info, material, parts)))
    throw new InvalidSignatureError('Signature verification failed');
  return afterSignature(parts, opts); // b64, crit, typ, claims
}

/** Signs a planned JWT with a bound key. */
export async function signJwtWeb(plan: EncodePlan, material: WebKey, payload: object): Promise<string> {
  const signingInput = signingInputOf(plan, payload);
  const sig = await webSign(plan.info, material.key, latin1Bytes(signingInput));
  return `${signingInput}.${b64url(sig)}`;
}

export async function signingKeyWeb(key: unknown, plan: EncodePlan): Promise<WebKey> {
  return webKeyFor(key, plan.info, 'sign', { strict: plan.strict });
}
