/**
 * Strict compact JWS parsing: exactly three segments, each canonical base64url, a header that is a
 * JSON object without duplicate members whose registered parameters have the right types, a size
 * limit checked before any work. Parsed headers are cached by their exact base64url text (bounded).
 */

import { DecodeError } from '../errors.js';
import { decodeCanonicalAscii, decodeStrict, isAscii } from './base64url.js';
import { type JsonObject, type JsonProblem, parseJsonObject } from './json.js';
import { TextCache } from './text-cache.js';

export const DEFAULT_MAX_TOKEN_LENGTH = 256 * 1024;

export interface CompactParts {
  readonly headerB64: string;
  readonly payloadB64: string;
  readonly signatureB64: string;
  /** `header.payload`, the bytes the signature covers (ASCII). */
  readonly signingInput: string;
  /** The decoded payload and signature (canonical base64url, checked). */
  readonly payloadBytes: Uint8Array;
  readonly signatureBytes: Uint8Array;
  readonly header: JwtHeader;
}

/** A JOSE header as received (members other than the registered ones are kept as they are). */
export interface JwtHeader {
  alg: string;
  typ?: string;
  cty?: string;
  kid?: string;
  crit?: string[];
  jku?: string;
  x5u?: string;
  jwk?: Record<string, unknown>;
  x5c?: string[];
  x5t?: string;
  'x5t#S256'?: string;
  b64?: boolean;
  [member: string]: unknown;
}

const PROBLEM_TEXT: Record<JsonProblem, string> = {
  utf8: 'is not valid UTF-8',
  syntax: 'is not valid JSON',
  'not-object': 'is not a JSON object',
  duplicate: 'has a duplicate member name',
  depth: 'is nested too deeply',
};

export function jsonProblemMessage(segment: 'header' | 'payload', problem: JsonProblem): string {
  return `Invalid token: the ${segment} ${PROBLEM_TEXT[problem]}`;
}

/**
 * Parsed headers, by their exact base64url text. The cache is filled before the signature is checked, so
 * it must not let unauthenticated tokens pin memory: only headers of at most 512 characters are cached (a
 * JWT header is ~40-200), within a budget of 64 KiB of text in all, and the key is a copy (text-cache.ts).
 */
const headerCache = new TextCache<JwtHeader>(512, 64 * 1024);

/** For tests: what the parsed-header cache holds (characters of cached header text) and its budget. */
export function headerCacheStats(): { entries: number; chars: number; largestEntry: number; budget: number } {
  return headerCache.stats();
}

const STRING_PARAMS = ['typ', 'cty', 'kid', 'jku', 'x5u', 'x5t', 'x5t#S256'] as const;

/** Parses and shape-checks a header segment. Thrown errors never include the segment text. */
export function parseHeader(headerB64: string): JwtHeader {
  const cached = headerCache.get(headerB64);
  if (cached) return cached;
  const bytes = decodeStrict(headerB64);
  if (!bytes) throw new DecodeError('Invalid token: the header is not canonical base64url');
  const parsed = parseJsonObject(bytes);
  if (!parsed.ok) throw new DecodeError(jsonProblemMessage('header', parsed.problem));
  const header = parsed.value;
  checkHeaderShape(header);
  deepFreeze(header);
  headerCache.set(headerB64, header as JwtHeader);
  return header as JwtHeader;
}

/** Parameters that make a JOSE header a JWE header (RFC 7516 §4.1.2, §4.1.3; RFC 7516 §9 tells JWS from JWE by "enc"). */
const JWE_ONLY_PARAMS = ['enc', 'zip'] as const;

export function checkHeaderShape(header: JsonObject): void {
  if (!Object.hasOwn(header, 'alg') || typeof header.alg !== 'string')
    throw new DecodeError('Invalid token: the header has no "alg" string');
  for (const name of JWE_ONLY_PARAMS) {
    if (Object.hasOwn(header, name))
      throw new DecodeError(`Invalid token: "${name}" is a JWE header parameter; this is not a JWS`);
  }
  for (const name of STRING_PARAMS) {
    if (Object.hasOwn(header, name) && typeof header[name] !== 'string') {
      throw new DecodeError(`Invalid token: the "${name}" header parameter must be a string`);
    }
  }
  // RFC 7515 §4.1.3 / §4.1.6: the types an application reading the header (even unverified) may rely on.
  if (Object.hasOwn(header, 'jwk')) {
    const jwk = header.jwk;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      throw new DecodeError('Invalid token: the "jwk" header parameter must be a JSON object');
    }
  }
  if (Object.hasOwn(header, 'x5c')) {
    const x5c = header.x5c;
    if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string')) {
      throw new DecodeError('Invalid token: the "x5c" header parameter must be a non-empty array of strings');
    }
  }
}

/** Freezes a parsed JSON value and everything in it (iterative: deep values cannot blow the stack). */
export function deepFreeze(value: unknown): void {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
      Object.freeze(v);
      // Own keys only: `for...in` would also walk (and freeze) what another package put on Object.prototype.
      for (const k of Object.keys(v)) stack.push((v as JsonObject)[k]);
    }
  }
}

/** Splits a compact JWS into its three segments (size, structure, strict base64url) and parses the header. */
export function splitCompact(token: unknown, maxLength: number): CompactParts {
  if (typeof token !== 'string') throw new DecodeError('Invalid token: expected a string');
  if (token.length > maxLength)
    throw new DecodeError(`Invalid token: longer than the ${maxLength}-character limit`);
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw new DecodeError('Invalid token: a JWS in compact form has exactly three dot-separated segments');
  }
  const headerB64 = token.slice(0, first);
  const payloadB64 = token.slice(first + 1, second);
  const signatureB64 = token.slice(second + 1);
  if (headerB64.length === 0) throw new DecodeError('Invalid token: the header segment is empty');
  if (payloadB64.length === 0) throw new DecodeError('Invalid token: the payload segment is empty');
  // ASCII first: the base64url decoder below (and the latin1 MAC input) must never see other characters.
  if (!isAscii(token)) throw new DecodeError('Invalid token: only base64url characters and dots are allowed');
  const payloadBytes = decodeCanonicalAscii(payloadB64);
  if (!payloadBytes) throw new DecodeError('Invalid token: the payload is not canonical base64url');
  const signatureBytes = decodeCanonicalAscii(signatureB64);
  if (!signatureBytes) throw new DecodeError('Invalid token: the signature is not canonical base64url');
  // One object, built once (this is the verify hot path).
  return {
    headerB64,
    payloadB64,
    signatureB64,
    signingInput: token.slice(0, second),
    payloadBytes,
    signatureBytes,
    header: parseHeader(headerB64),
  };
}

/** Splits a compact JWS and parses its header (strict). */
export const parseCompact = splitCompact;

/** Parses the decoded payload (`CompactParts.payloadBytes`) as a JSON object. */
export function parsePayload(bytes: Uint8Array): JsonObject {
  // The same depth limit as headers: verified claims still reach loggers and JSON.stringify, which throw
  // on very deep values, so a 10,000-deep claim set is refused rather than handed to the application.
  const parsed = parseJsonObject(bytes);
  if (!parsed.ok) throw new DecodeError(jsonProblemMessage('payload', parsed.problem));
  return parsed.value;
}
