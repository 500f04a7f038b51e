/**
 * Unsecured JWTs (`alg: none`, RFC 7519 §6): anyone can forge them. Only these separately named
 * functions produce or accept them; `decode` never does, whatever its options.
 */

import { encode as b64url } from './_lib/base64url.js';
import { validateClaims } from './_lib/claims.js';
import { parseCompact, parsePayload } from './_lib/compact.js';
import { stringifyPython, stringifySortedHeader } from './_lib/json.js';
import { ownOptions } from './_lib/options.js';
import { nowSeconds } from './_lib/time.js';
import {
  checkCrit,
  checkTyp,
  DECODE_OPTION_NAMES,
  type DecodeOptions,
  normalizeOptions,
} from './_lib/verify.js';
import type { JwtPayload } from './decode.js';
import { DecodeError, InvalidAlgorithmError, InvalidOptionsError, InvalidPayloadError } from './errors.js';

export function encodeUnsecured(payload: object, input: { headers?: Record<string, unknown> } = {}): string {
  const options = ownOptions(input, ENCODE_UNSECURED_OPTIONS, 'encodeUnsecured()') as {
    headers?: Record<string, unknown>;
  };
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidPayloadError('The payload must be a plain object of claims');
  }
  let header: string;
  try {
    header = stringifySortedHeader({ typ: 'JWT', ...options.headers, alg: 'none' });
  } catch (cause) {
    throw new InvalidOptionsError('headers cannot be serialized as JSON', { cause });
  }
  let body: string;
  try {
    body = stringifyPython(payload);
  } catch (cause) {
    throw new InvalidPayloadError(
      'The payload cannot be serialized as JSON (NaN, Infinity, BigInt or a cycle?)',
      {
        cause,
      },
    );
  }
  return `${b64url(header)}.${b64url(body)}.`;
}

const ENCODE_UNSECURED_OPTIONS: ReadonlySet<string> = new Set(['headers']);
const DECODE_UNSECURED_OPTIONS: ReadonlySet<string> = new Set(
  [...DECODE_OPTION_NAMES].filter((n) => n !== 'algorithms'),
);

/** Accepts only `alg: "none"` with an empty signature, and validates claims like `decode`. */
export function decodeUnsecured<T = JwtPayload>(
  token: string,
  options: Omit<DecodeOptions, 'algorithms'> = {},
): T {
  const own = ownOptions(options, DECODE_UNSECURED_OPTIONS, 'decodeUnsecured()');
  const opts = normalizeOptions({ ...own, algorithms: ['HS256'] } as DecodeOptions, 'decodeUnsecured()');
  const parts = parseCompact(token, opts.maxTokenLength);
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
