/** `encode` and `createSigner` on the node:crypto backend (sync). The neutral steps are in encode-core.ts. */
import {
  buildPayload,
  type EncodeOptions,
  planClaims,
  resolveEncode,
  serializePayload,
  signingInputOf,
} from './_lib/encode-core.js';
import { type KeyInput, keyFor } from './_lib/keys.js';
import { signatureBase64url } from './_lib/signature.js';

export type { EncodeOptions };

/**
 * Creates a signed JWT (compact JWS). Byte-compatible with PyJWT's `jwt.encode`: header keys sorted,
 * compact JSON, payload members in insertion order, non-ASCII as `\uXXXX`. No claim is added unless asked.
 *
 * ```ts
 * encode({ user_id: 101, username: 'alice', role: 'admin' }, 'mysecret123', { algorithm: 'HS256' })
 * ```
 */
export function encode(payload: object, key: KeyInput, input: EncodeOptions = {}): string {
  const plan = resolveEncode(input, 'encode()');
  const material = keyFor(key, plan.info, 'sign', { strict: plan.strict });
  const signingInput = signingInputOf(plan, payload);
  return `${signingInput}.${signatureBase64url(plan.info, material, signingInput)}`;
}

/** Internal, for createSigner: the same steps (`resolveEncode`) with the header, key and claim options prepared once. */
export function prepareEncode(key: KeyInput, input: EncodeOptions) {
  const plan = resolveEncode(input, 'createSigner()');
  const material = keyFor(key, plan.info, 'sign', { strict: plan.strict });
  return (payload: object): string => {
    const signingInput = signingInputOf(plan, payload);
    return `${signingInput}.${signatureBase64url(plan.info, material, signingInput)}`;
  };
}

/** Internal, for encodeEncrypted (src/jwe/jwt.ts): the claims set encode() would sign, as its JSON text. */
export function claimsText(payload: object, options: EncodeOptions): string {
  return serializePayload(buildPayload(payload, planClaims(options)));
}
