/**
 * Unsecured JWTs (`alg: none`, RFC 7519 §6): anyone can forge them. Only these separately named
 * functions produce or accept them; `decode` never does, whatever its options.
 */

import { encode as b64url } from './_lib/base64url.js';
import { validateClaims } from './_lib/claims.js';
import { DEFAULT_MAX_TOKEN_LENGTH, parseCompact, parsePayload } from './_lib/compact.js';
import { stringifyPython, stringifySortedHeader } from './_lib/json.js';
import { nowSeconds } from './_lib/time.js';
import { checkCrit, checkTyp, type DecodeOptions, normalizeOptions } from './_lib/verify.js';
import type { JwtPayload } from './decode.js';
import { DecodeError, InvalidAlgorithmError, InvalidPayloadError } from './errors.js';

export function encodeUnsecured(
  payload: object,
  options: { headers?: Record<string, unknown> } = {},
): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidPayloadError('The payload must be a plain object of claims');
  }
  const header = stringifySortedHeader({ typ: 'JWT', ...options.headers, alg: 'none' });
  return `${b64url(header)}.${b64url(stringifyPython(payload))}.`;
}

/** Accepts only `alg: "none"` with an empty signature, and validates claims like `decode`. */
export function decodeUnsecured<T = JwtPayload>(
  token: string,
  options: Omit<DecodeOptions, 'algorithms'> = {},
): T {
  const opts = normalizeOptions({ ...options, algorithms: ['HS256'] });
  const parts = parseCompact(token, options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH);
  if (parts.header.alg !== 'none')
    throw new InvalidAlgorithmError('decodeUnsecured() accepts only alg "none"');
  if (parts.signatureB64 !== '')
    throw new DecodeError('Invalid token: an unsecured JWT has an empty signature');
  checkCrit(parts.header, opts.crit);
  checkTyp(parts.header, opts.typ);
  const payload = parsePayload(parts.payloadBytes);
  validateClaims(payload, opts.rules, nowSeconds(opts.now));
  return payload as T;
}
