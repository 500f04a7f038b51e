/** The runtime-neutral parts of `decode`: the result types and the unverified readers (no key, no crypto). */

import { InvalidOptionsError } from '../errors.js';
import { DEFAULT_MAX_TOKEN_LENGTH, type JwtHeader, parseCompact, parsePayload } from './compact.js';
import { ownOptions } from './options.js';

/** The registered claims, plus whatever else the token carries. */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

export interface DecodedJwt<T = JwtPayload> {
  header: JwtHeader;
  payload: T;
  signature: string;
}

/**
 * UNSAFE: the claims without verifying the signature or any claim. For looking at a token (debugging,
 * picking a tenant before verification), never for trusting it. Parsing is still strict.
 */
export function decodeUnverified<T = JwtPayload>(
  token: string,
  options: { maxTokenLength?: number } = {},
): T {
  const parts = parseCompact(token, maxLength(options, 'decodeUnverified()'));
  return parsePayload(parts.payloadBytes) as T;
}

/** UNSAFE: the header without any verification (e.g. to read `kid`). Parsing is strict. */
export function getUnverifiedHeader(token: string, options: { maxTokenLength?: number } = {}): JwtHeader {
  return parseCompact(token, maxLength(options, 'getUnverifiedHeader()')).header;
}

const UNVERIFIED_OPTIONS: ReadonlySet<string> = new Set(['maxTokenLength']);

function maxLength(input: unknown, where: string): number {
  const { maxTokenLength } = ownOptions(input, UNVERIFIED_OPTIONS, where);
  if (maxTokenLength === undefined) return DEFAULT_MAX_TOKEN_LENGTH;
  if (!Number.isInteger(maxTokenLength) || (maxTokenLength as number) <= 0)
    throw new InvalidOptionsError('maxTokenLength must be a positive integer');
  return maxTokenLength as number;
}
