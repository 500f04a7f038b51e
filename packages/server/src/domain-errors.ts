/**
 * The errors services, stores and cluster modules throw: one base class with a stable `kind` and `code`,
 * one subclass per kind. They speak no HTTP (no status, no header): the one error mapper at the HTTP edge
 * (error-mapper.ts) turns them into problem+json (RFC 9457) or, under /oauth/, RFC 6749 §5.2 JSON.
 */

export type DomainErrorKind =
  | 'invalid_input'
  | 'invalid_credentials'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'invalid_grant'
  | 'invalid_client'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'user_token_required'
  | 'oauth_request'
  | 'dpop_proof';

/** OAuth error codes a service may raise on the token endpoint (RFC 6749 §5.2, RFC 8707 §2). */
export type OAuthRequestCode =
  | 'invalid_request'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_grant_type';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  override name: string;
  constructor(
    /** Stable machine-readable code (the problem's `code`, the OAuth `error`). */
    readonly code: string,
    /** Human-readable explanation; never holds a secret or raw attacker text. */
    readonly detail: string,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

/** The input is malformed or breaks a rule (a weak password, bad client metadata). */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid_input';
  constructor(
    code: string,
    detail: string,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(code, detail);
  }
}

export class InvalidCredentialsError extends DomainError {
  readonly kind = 'invalid_credentials';
  constructor() {
    super('invalid_credentials', 'The username or password is incorrect.');
  }
}

/** Authenticated, but not allowed (e.g. a wrong current password). */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  constructor(what: string) {
    super('not_found', `${what} was not found.`);
  }
}

/** The state does not allow it now; `retryAfterSeconds` when waiting helps. */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
  constructor(
    code: string,
    detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, detail);
  }
}

export class RateLimitedError extends DomainError {
  readonly kind = 'rate_limited';
  /** Whole seconds, at least 1. */
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('rate_limited', 'Too many attempts; retry later.');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** A backend (database, Redis) cannot answer, or the instance is draining: retry later. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  constructor(
    code: string,
    detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, detail);
  }
}

/** A refresh token (or grant) that is invalid, expired, revoked or not the caller's. */
export class InvalidGrantError extends DomainError {
  readonly kind = 'invalid_grant';
  constructor(detail = 'The refresh token is invalid, expired or revoked.') {
    super('invalid_grant', detail);
  }
}

/** Client authentication failed (RFC 6749 §5.2); `realm` names the protection space of the challenge. */
export class InvalidClientError extends DomainError {
  readonly kind = 'invalid_client';
  constructor(
    readonly realm: string,
    detail = 'Client authentication failed.',
  ) {
    super('invalid_client', detail);
  }
}

/** An access token that is expired, revoked, malformed or otherwise unacceptable (RFC 6750 §3.1). */
export class InvalidAccessTokenError extends DomainError {
  readonly kind = 'invalid_token';
  constructor(
    readonly realm: string,
    detail: string,
  ) {
    super('invalid_token', detail);
  }
}

/** Authenticated, but the role does not allow this (RFC 6750 §3.1). */
export class InsufficientScopeError extends DomainError {
  readonly kind = 'insufficient_scope';
  constructor(
    readonly realm: string,
    readonly required: string,
  ) {
    super('insufficient_scope', `This requires the ${required} role.`);
  }
}

/** A client_credentials token on a route that needs a user (RFC 6750 §3.1 insufficient_scope). */
export class UserTokenRequiredError extends DomainError {
  readonly kind = 'user_token_required';
  constructor(readonly realm: string) {
    super(
      'insufficient_scope',
      'This endpoint needs a user access token; this token was issued to a client (client_credentials) and carries no user.',
    );
  }
}

/** A token request the OAuth endpoint refuses (RFC 6749 §5.2). */
export class OAuthRequestError extends DomainError {
  readonly kind = 'oauth_request';
  declare readonly code: OAuthRequestCode;
  constructor(code: OAuthRequestCode, detail: string) {
    super(code, detail);
  }
}

/** A DPoP proof that is refused (RFC 9449 §12.2), or a nonce the client must use. */
export class DpopProofError extends DomainError {
  readonly kind = 'dpop_proof';
  declare readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce';
  constructor(
    code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    detail: string,
    readonly nonce?: string,
  ) {
    super(code, detail);
  }
}
