/**
 * Every error jwtkit throws is a `JwtError` with a stable `code` (switch on it) and a `name` equal to
 * its class name. Class names follow PyJWT (`ExpiredSignatureError`, `InvalidSignatureError`, ...), so
 * code ported from Python reads the same. Messages never contain a token, a secret or key material.
 */

import { quote } from './_lib/text.js';

export type JwtErrorCode =
  | 'ERR_JWT'
  | 'ERR_JWT_INVALID'
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWS_SIGNATURE_INVALID'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_NOT_YET_VALID'
  | 'ERR_JWT_IAT_INVALID'
  | 'ERR_JWT_AUDIENCE_INVALID'
  | 'ERR_JWT_ISSUER_INVALID'
  | 'ERR_JWT_SUBJECT_INVALID'
  | 'ERR_JWT_JTI_INVALID'
  | 'ERR_JWT_CLAIM_MISSING'
  | 'ERR_JWT_TYP_INVALID'
  | 'ERR_JWS_ALG_NOT_ALLOWED'
  | 'ERR_JWK_INVALID'
  | 'ERR_JWKS_NO_MATCHING_KEY'
  | 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'
  | 'ERR_JWKS_FETCH'
  | 'ERR_JWT_PAYLOAD_INVALID'
  | 'ERR_JWT_OPTIONS_INVALID'
  | 'ERR_JWT_ALG_UNSUPPORTED'
  | 'ERR_DPOP_PROOF_INVALID'
  // JWE (docs/jwe.md)
  | 'ERR_JWE_DECRYPTION_FAILED'
  | 'ERR_JWE_ALG_NOT_ALLOWED';

/** Why a claim check failed: the claim is absent, has the wrong type, or has a valid type but fails the check. */
export type ClaimFailureReason = 'missing' | 'invalid' | 'check_failed';

export class JwtError extends Error {
  static readonly code: JwtErrorCode = 'ERR_JWT';
  readonly code: JwtErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = (this.constructor as typeof JwtError).code;
    this.name = this.constructor.name;
  }
}

/** Base class of every error that means "this token must not be accepted". */
export class InvalidTokenError extends JwtError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_INVALID';
}

/** The token is not well formed: structure, base64url, JSON, header members, size. */
export class DecodeError extends InvalidTokenError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_MALFORMED';
}

export class InvalidSignatureError extends DecodeError {
  static override readonly code: JwtErrorCode = 'ERR_JWS_SIGNATURE_INVALID';
}

/** Base of the claim errors: carries the claim name and the reason. */
export class ClaimValidationError extends InvalidTokenError {
  readonly claim: string;
  readonly reason: ClaimFailureReason;
  constructor(message: string, claim: string, reason: ClaimFailureReason) {
    super(message);
    this.claim = claim;
    this.reason = reason;
  }
}

export class ExpiredSignatureError extends ClaimValidationError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_EXPIRED';
}
export class ImmatureSignatureError extends ClaimValidationError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_NOT_YET_VALID';
}
export class InvalidIssuedAtError extends ClaimValidationError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_IAT_INVALID';
}
export class InvalidAudienceError extends ClaimValidationError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_AUDIENCE_INVALID';
}
export class InvalidIssuerError extends ClaimValidationError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_ISSUER_INVALID';
}
export class InvalidSubjectError extends ClaimValidationError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_SUBJECT_INVALID';
}
export class InvalidJtiError extends ClaimValidationError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_JTI_INVALID';
}
/** A claim that `requiredClaims` (or an `issuer`/`audience`/`subject` option) asks for is absent. */
export class MissingRequiredClaimError extends ClaimValidationError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_CLAIM_MISSING';
  constructor(claim: string) {
    super(`Token is missing the ${quote(claim, 64)} claim`, claim, 'missing');
  }
}

/** The `typ` header does not match the type the application expects (RFC 8725 §3.11). */
export class InvalidTokenTypeError extends InvalidTokenError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_TYP_INVALID';
}

/** The token's `alg` is not in the allowlist (or the allowlist itself is missing or unknown). */
export class InvalidAlgorithmError extends InvalidTokenError {
  static override readonly code: JwtErrorCode = 'ERR_JWS_ALG_NOT_ALLOWED';
}

/** The key cannot be used: wrong type for the algorithm, too short, unparseable, wrong `use`/`key_ops`. */
export class InvalidKeyError extends JwtError {
  static override readonly code: JwtErrorCode = 'ERR_JWK_INVALID';
}

/** A key set (JWKS) has no key for the token's `kid`/`alg`. */
export class JwksNoMatchingKeyError extends InvalidKeyError {
  static override readonly code: JwtErrorCode = 'ERR_JWKS_NO_MATCHING_KEY';
}
/** A key set has several keys that could verify the token and the token does not say which (`kid`). */
export class JwksMultipleMatchingKeysError extends InvalidKeyError {
  static override readonly code: JwtErrorCode = 'ERR_JWKS_MULTIPLE_MATCHING_KEYS';
}
/** A remote key set could not be fetched or parsed. */
export class JwksFetchError extends JwtError {
  static override readonly code: JwtErrorCode = 'ERR_JWKS_FETCH';
}

/** `encode` was given a payload or claim value that cannot become a JWT. */
export class InvalidPayloadError extends JwtError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_PAYLOAD_INVALID';
}

/** An option has the wrong type or value (a programming error, reported at the call). */
export class InvalidOptionsError extends JwtError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_OPTIONS_INVALID';
}

/**
 * A misconfiguration, not a bad token: an algorithm name jwtkit does not know, given in options (an
 * allowlist entry, `algorithm`, `generateSecret(...)`), or one this runtime's backend cannot run (ES256K
 * and Ed448 have no WebCrypto implementation). PyJWT raises `NotImplementedError` here.
 */
export class UnsupportedAlgorithmError extends InvalidOptionsError {
  static override readonly code: JwtErrorCode = 'ERR_JWT_ALG_UNSUPPORTED';
}

// ---------------------------------------------------------------- JWE (docs/jwe.md)
/**
 * A JWE could not be decrypted. Every cryptographic failure (authentication tag, CBC padding, key unwrap,
 * RSA-OAEP / RSA1_5 decryption, ECDH agreement, a CEK of the wrong length) throws this class with this one
 * message, after the same steps, so nothing tells them apart (no padding or Bleichenbacher/Manger oracle).
 */
export class JweDecryptionError extends InvalidTokenError {
  static override readonly code: JwtErrorCode = 'ERR_JWE_DECRYPTION_FAILED';
  constructor() {
    super('JWE decryption failed');
  }
}

/** The JWE's `alg` or `enc` is not in the application's allowlist (a token error; a missing or unknown allowlist is an `InvalidOptionsError`). */
export class JweAlgorithmNotAllowedError extends InvalidAlgorithmError {
  static override readonly code: JwtErrorCode = 'ERR_JWE_ALG_NOT_ALLOWED';
}

// ---------------------------------------------------------------- PyJWT spellings
/** Which RFC 9449 §4.3 check a DPoP proof failed (stable names, e.g. for `WWW-Authenticate` descriptions). */
export type DpopFailure =
  | 'malformed'
  | 'typ'
  | 'alg'
  | 'jwk'
  | 'signature'
  | 'htm'
  | 'htu'
  | 'iat'
  | 'nonce'
  | 'ath'
  | 'jti'
  | 'replay';

/** A DPoP proof (RFC 9449) that must not be accepted; `reason` names the check that failed. */
export class InvalidDpopProofError extends InvalidTokenError {
  static override readonly code: JwtErrorCode = 'ERR_DPOP_PROOF_INVALID';
  constructor(
    message: string,
    readonly reason: DpopFailure,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

// The same classes under the names PyJWT uses where ours differ (`instanceof` works with either name).
// PyJWT's PyJWK* errors map to InvalidKeyError / JwksFetchError / JwksNoMatchingKeyError: see docs/pyjwt.md.

/** PyJWT's base class `PyJWTError` is our `JwtError`. */
export const PyJWTError = JwtError;
export type PyJWTError = JwtError;
/** PyJWT spells it `InvalidJTIError`. */
export const InvalidJTIError = InvalidJtiError;
export type InvalidJTIError = InvalidJtiError;
