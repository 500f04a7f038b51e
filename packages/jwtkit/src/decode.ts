import type { Algorithm } from './_lib/algorithms.js';
import { DEFAULT_MAX_TOKEN_LENGTH, type JwtHeader, parseCompact, parsePayload } from './_lib/compact.js';
import type { JsonObject } from './_lib/json.js';
import type { VerifyKey } from './_lib/key-selection.js';
import { ownOptions } from './_lib/options.js';
import { type DecodeOptions, normalizeOptions, type VerifiedJwt, verifyJwt } from './_lib/verify.js';
import { InvalidOptionsError } from './errors.js';

export type { DecodeOptions, JwtHeader };

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
 * Verifies a JWT and returns its claims. `options.algorithms` is required. Checks, in this order:
 * strict structure -> algorithm allowlist -> key type fits the algorithm -> signature -> crit/typ -> claims.
 * Throws a `JwtError` subclass on every failure.
 *
 * ```ts
 * const claims = decode(token, 'mysecret123', { algorithms: ['HS256'] })
 * ```
 */
export function decode<T = JwtPayload>(token: string, key: VerifyKey, options: DecodeOptions): T {
  return verifyJwt(token, key, normalizeOptions(options)).payload as T;
}

/** Like `decode`, but returns the header and signature too. */
export function decodeComplete<T = JwtPayload>(
  token: string,
  key: VerifyKey,
  options: DecodeOptions,
): DecodedJwt<T> {
  return verifyJwt(
    token,
    key,
    normalizeOptions(options, 'decodeComplete()'),
  ) as VerifiedJwt as unknown as DecodedJwt<T>;
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

export type { Algorithm, JsonObject };
