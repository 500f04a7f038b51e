/**
 * The one error mapper of the HTTP edge: any thrown error (a service's `DomainError`, a Fastify 4xx, a
 * backend outage, a bug) becomes a `Problem`, written as problem+json (RFC 9457) or, under /oauth/*, as
 * RFC 6749 §5.2 JSON (oauth-errors.ts). Services, stores and cluster modules never see HTTP.
 */
import type { FastifyReply } from 'fastify';
import { unavailableError } from './cluster/failure.js';
import {
  ConflictError,
  DomainError,
  DpopProofError,
  ForbiddenError,
  InsufficientScopeError,
  InvalidAccessTokenError,
  InvalidClientError,
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidInputError,
  NotFoundError,
  RateLimitedError,
  UnavailableError,
  UserTokenRequiredError,
} from './domain-errors.js';
import { insufficientScope, invalidClient, invalidToken, Problem } from './errors.js';
import { isOAuthPath, sendOAuthError } from './oauth-errors.js';
import { isCorruptionError } from './storage/types.js';

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;
const retryAfter = (seconds: number) => ({
  headers: { 'retry-after': String(seconds) },
  extensions: { retry_after: seconds },
});

/** The problem a domain error is answered with (status, title, headers per kind). */
export function domainProblem(err: DomainError): Problem {
  if (err instanceof InvalidInputError)
    return new Problem(
      400,
      err.code,
      'Bad Request',
      err.detail,
      err.extensions ? { extensions: err.extensions } : {},
    );
  if (err instanceof InvalidCredentialsError)
    return new Problem(401, err.code, 'Invalid credentials', err.detail);
  if (err instanceof ForbiddenError) return new Problem(403, err.code, 'Forbidden', err.detail);
  if (err instanceof NotFoundError) return new Problem(404, err.code, 'Not Found', err.detail);
  if (err instanceof ConflictError) {
    const wait = err.retryAfterSeconds;
    return new Problem(
      409,
      err.code,
      'Conflict',
      err.detail,
      wait === undefined ? {} : { headers: { 'retry-after': String(wait) } },
    );
  }
  if (err instanceof RateLimitedError)
    return new Problem(429, err.code, 'Too Many Requests', err.detail, retryAfter(err.retryAfterSeconds));
  if (err instanceof UnavailableError) {
    const wait = err.retryAfterSeconds;
    return new Problem(
      503,
      err.code,
      'Service Unavailable',
      err.detail,
      wait === undefined ? {} : retryAfter(wait),
    );
  }
  if (err instanceof InvalidGrantError)
    return new Problem(401, err.code, 'Invalid refresh token', err.detail);
  if (err instanceof InvalidClientError) {
    const p = invalidClient(err.realm);
    return new Problem(401, err.code, p.title, err.detail, { headers: p.headers });
  }
  if (err instanceof InvalidAccessTokenError) return invalidToken(err.realm, err.detail);
  if (err instanceof InsufficientScopeError) return insufficientScope(err.realm, err.required);
  if (err instanceof UserTokenRequiredError) {
    return new Problem(403, err.code, 'Forbidden', err.detail, {
      headers: {
        'www-authenticate': `Bearer realm=${quote(err.realm)}, error="insufficient_scope", error_description="a user access token is required"`,
      },
    });
  }
  if (err instanceof DpopProofError)
    return new Problem(
      400,
      err.code,
      'Bad Request',
      err.detail,
      err.nonce ? { headers: { 'dpop-nonce': err.nonce } } : {},
    );
  // OAuthRequestError, and any kind added later without a row here: a plain 400.
  return new Problem(400, err.code, 'Bad Request', err.detail);
}

export const PROBLEM_TYPE = 'application/problem+json';

export function sendProblem(reply: FastifyReply, problem: Problem, instance?: string): FastifyReply {
  reply.code(problem.status);
  for (const [k, v] of Object.entries(problem.headers)) reply.header(k, v);
  reply.header('cache-control', 'no-store');
  reply.type(PROBLEM_TYPE);
  return reply.send(problem.body(instance));
}

const FASTIFY_CODES: Record<string, [string, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Unsupported Media Type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_content_length', 'Bad Request'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'Payload Too Large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['empty_body', 'Bad Request'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'Bad Request'],
  FST_ERR_BAD_URL: ['bad_url', 'Bad Request'],
};

/** Maps any thrown error to a problem; unknown errors become an opaque 500 (and are logged). */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof DomainError) return domainProblem(err);
  const e = err as {
    statusCode?: unknown;
    code?: unknown;
    validation?: unknown;
    message?: unknown;
    validationContext?: unknown;
  };
  if (e && Array.isArray(e.validation)) {
    const errors = (e.validation as Array<{ instancePath?: string; message?: string; params?: unknown }>).map(
      (v) => ({
        pointer: `${String(e.validationContext ?? 'body')}${v.instancePath ?? ''}`,
        detail: v.message ?? 'is invalid',
      }),
    );
    return new Problem(
      400,
      'validation_failed',
      'Bad Request',
      `The request is invalid: ${errors.map((x) => `${x.pointer} ${x.detail}`).join('; ')}`,
      {
        extensions: { errors },
      },
    );
  }
  if (err instanceof SyntaxError)
    return new Problem(400, 'invalid_json', 'Bad Request', 'The body is not valid JSON.');
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const [code, title] = FASTIFY_CODES[String(e.code)] ?? [
      'bad_request',
      status === 413 ? 'Payload Too Large' : status === 415 ? 'Unsupported Media Type' : 'Bad Request',
    ];
    const detail = typeof e.message === 'string' && e.message.length < 300 ? e.message : undefined;
    return new Problem(status, code, title, detail);
  }
  // A damaged SQLite file: 503 (the log says what to do), and /readyz reports not ready.
  if (isCorruptionError(err)) {
    return new Problem(
      503,
      'storage_corrupt',
      'Service Unavailable',
      'The database is damaged; the operator must restore it (see the server log).',
    );
  }
  // Postgres/Redis unreachable: 503 + Retry-After (cluster/failure.ts), never a 500.
  const unavailable = unavailableError(err);
  if (unavailable) return domainProblem(unavailable);
  return new Problem(500, 'internal_error', 'Internal Server Error', 'An unexpected error occurred.');
}

/** Writes any error as the endpoint's error format: RFC 6749 §5.2 JSON under /oauth/, problem+json elsewhere. */
export function sendError(reply: FastifyReply, url: string, problem: Problem): FastifyReply {
  return isOAuthPath(url) ? sendOAuthError(reply, problem) : sendProblem(reply, problem);
}
