/**
 * Every claim check, in one function (PyJWT's order: required claims, iat, nbf, exp, iss, aud, sub, jti).
 * Time is in seconds; NumericDates must be finite JSON numbers (fractions allowed); `exp <= now - leeway`
 * is expired; matching of iss/aud/sub is exact and case-sensitive, never by prefix or substring.
 */
import {
  DecodeError,
  ExpiredSignatureError,
  ImmatureSignatureError,
  InvalidAudienceError,
  InvalidIssuedAtError,
  InvalidIssuerError,
  InvalidJtiError,
  InvalidSubjectError,
  MissingRequiredClaimError,
} from '../errors.js';
import type { JsonObject } from './json.js';

export interface ClaimRules {
  audience: readonly string[] | null;
  issuer: readonly string[] | null;
  subject: string | null;
  leeway: number;
  maxAge: number | null;
  requiredClaims: readonly string[];
}

const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * `timeOnly`: only the checks whose answer moves with the clock (iat, nbf, exp, maxAge), in the same order.
 * For a verification cache hit (verifier.ts): the other checks depend only on the claims, which the cache
 * keeps deeply frozen, and on the verifier's rules, which never change, so their answer is the one they
 * gave when the token was first verified. They are skipped only when all of them passed then.
 */
export function validateClaims(payload: JsonObject, rules: ClaimRules, now: number, timeOnly = false): void {
  // PyJWT's rule: a claim that is present with the value null is missing.
  if (!timeOnly) {
    for (const claim of rules.requiredClaims) {
      if (!Object.hasOwn(payload, claim) || payload[claim] === null)
        throw new MissingRequiredClaimError(claim);
    }
  }
  const { leeway } = rules;

  const hasIat = Object.hasOwn(payload, 'iat');
  const iat = payload.iat;
  if (hasIat) {
    if (!isNumericDate(iat))
      throw new InvalidIssuedAtError('Issued At claim (iat) must be a number', 'iat', 'invalid');
    if (iat > now + leeway)
      throw new ImmatureSignatureError('The token is not yet valid (iat)', 'iat', 'check_failed');
  }
  if (Object.hasOwn(payload, 'nbf')) {
    const nbf = payload.nbf;
    if (!isNumericDate(nbf)) throw new DecodeError('Not Before claim (nbf) must be a number');
    if (nbf > now + leeway)
      throw new ImmatureSignatureError('The token is not yet valid (nbf)', 'nbf', 'check_failed');
  }
  if (Object.hasOwn(payload, 'exp')) {
    const exp = payload.exp;
    if (!isNumericDate(exp)) throw new DecodeError('Expiration Time claim (exp) must be a number');
    if (exp <= now - leeway) throw new ExpiredSignatureError('Signature has expired', 'exp', 'check_failed');
  }
  if (rules.maxAge !== null) {
    if (!hasIat) throw new MissingRequiredClaimError('iat');
    if (now - (iat as number) > rules.maxAge + leeway) {
      throw new ExpiredSignatureError('The token is older than maxAge', 'iat', 'check_failed');
    }
  }

  if (timeOnly) return;

  if (rules.issuer !== null) {
    if (!Object.hasOwn(payload, 'iss')) throw new MissingRequiredClaimError('iss');
    const iss = payload.iss;
    if (typeof iss !== 'string')
      throw new InvalidIssuerError('Issuer (iss) must be a string', 'iss', 'invalid');
    if (!rules.issuer.includes(iss)) throw new InvalidIssuerError('Invalid issuer', 'iss', 'check_failed');
  }

  if (Object.hasOwn(payload, 'aud')) {
    const aud = payload.aud;
    // A string, or a non-empty array of strings; no array is built for the string (the usual case).
    if (typeof aud !== 'string' && !isAudienceList(aud)) {
      throw new InvalidAudienceError(
        'Audience (aud) must be a string or a non-empty array of strings',
        'aud',
        'invalid',
      );
    }
    if (rules.audience === null) {
      // RFC 7519 §4.1.3: a recipient that does not identify itself with the audience must reject.
      throw new InvalidAudienceError(
        'The token has an audience but no audience was expected',
        'aud',
        'check_failed',
      );
    }
    if (!audienceMatches(aud, rules.audience)) {
      throw new InvalidAudienceError('Audience does not match', 'aud', 'check_failed');
    }
  } else if (rules.audience !== null) {
    throw new MissingRequiredClaimError('aud');
  }

  if (Object.hasOwn(payload, 'sub')) {
    if (typeof payload.sub !== 'string')
      throw new InvalidSubjectError('Subject (sub) must be a string', 'sub', 'invalid');
    if (rules.subject !== null && payload.sub !== rules.subject) {
      throw new InvalidSubjectError('Invalid subject', 'sub', 'check_failed');
    }
  } else if (rules.subject !== null) {
    throw new MissingRequiredClaimError('sub');
  }

  if (Object.hasOwn(payload, 'jti') && typeof payload.jti !== 'string') {
    throw new InvalidJtiError('JWT ID (jti) must be a string', 'jti', 'invalid');
  }
}

function isAudienceList(aud: unknown): aud is readonly string[] {
  if (!Array.isArray(aud) || aud.length === 0) return false;
  for (let i = 0; i < aud.length; i++) if (typeof aud[i] !== 'string') return false;
  return true;
}

/** Exact match of one of the token's audiences against one of the expected ones (no closures: hot path). */
function audienceMatches(aud: string | readonly string[], expected: readonly string[]): boolean {
  if (typeof aud === 'string') return expected.includes(aud);
  for (let i = 0; i < aud.length; i++) if (expected.includes(aud[i]!)) return true;
  return false;
}
