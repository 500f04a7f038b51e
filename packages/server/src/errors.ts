/**
 * Typed HTTP problems (RFC 9457), HTTP edge only. Services throw domain errors (domain-errors.ts); the one
 * error mapper (error-mapper.ts) turns them (and any Fastify 4xx error) into `Problem`s, written as
 * `application/problem+json`. Nothing else reaches the client.
 */

export const PROBLEM_BASE = 'https://jwtkit.dev/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  [extension: string]: unknown;
}

export class Problem extends Error {
  override readonly name = 'Problem';
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(
    readonly status: number,
    /** Stable machine-readable code, also the last segment of `type`. */
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    options: { headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail ?? title);
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  body(instance?: string): ProblemBody {
    return {
      type: PROBLEM_BASE + this.code,
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(instance === undefined ? {} : { instance }),
      code: this.code,
      ...this.extensions,
    };
  }
}

// Common problems -------------------------------------------------------------------------------

export const badRequest = (code: string, detail: string, extensions?: Record<string, unknown>) =>
  new Problem(400, code, 'Bad Request', detail, extensions ? { extensions } : {});

export const invalidCredentials = () =>
  new Problem(401, 'invalid_credentials', 'Invalid credentials', 'The username or password is incorrect.');

export const invalidRefreshToken = (detail = 'The refresh token is invalid, expired or revoked.') =>
  new Problem(401, 'invalid_grant', 'Invalid refresh token', detail);

export const notFound = (what: string) =>
  new Problem(404, 'not_found', 'Not Found', `${what} was not found.`);

export const conflict = (code: string, detail: string) => new Problem(409, code, 'Conflict', detail);

export const tooManyRequests = (retryAfterSeconds: number) =>
  new Problem(429, 'rate_limited', 'Too Many Requests', 'Too many attempts; retry later.', {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    extensions: { retry_after: Math.max(1, Math.ceil(retryAfterSeconds)) },
  });

// RFC 6750 bearer-token problems ----------------------------------------------------------------

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/** 401 without error attributes: the request carried no bearer token (RFC 6750 §3.1). */
export const missingToken = (realm: string) =>
  new Problem(401, 'missing_token', 'Unauthorized', 'A bearer access token is required.', {
    headers: { 'www-authenticate': `Bearer realm=${quote(realm)}` },
  });

/** 400 invalid_request: malformed Authorization header. */
export const invalidRequestToken = (realm: string, detail: string) =>
  new Problem(400, 'invalid_request', 'Bad Request', detail, {
    headers: {
      'www-authenticate': `Bearer realm=${quote(realm)}, error="invalid_request", error_description=${quote(detail)}`,
    },
  });

/** 401 invalid_token: expired, revoked, malformed, or otherwise unacceptable token. */
export const invalidToken = (realm: string, detail: string) =>
  new Problem(401, 'invalid_token', 'Unauthorized', detail, {
    headers: {
      'www-authenticate': `Bearer realm=${quote(realm)}, error="invalid_token", error_description=${quote(detail)}`,
    },
  });

/** 403 insufficient_scope: authenticated, but the role does not allow this. */
export const insufficientScope = (realm: string, required: string) =>
  new Problem(403, 'insufficient_scope', 'Forbidden', `This requires the ${required} role.`, {
    headers: {
      'www-authenticate': `Bearer realm=${quote(realm)}, error="insufficient_scope", error_description=${quote(
        `requires role ${required}`,
      )}, scope=${quote(required)}`,
    },
  });

/** 401 invalid_client: wrong HTTP Basic client credentials (RFC 6749 §5.2). */
export const invalidClient = (realm: string) =>
  new Problem(401, 'invalid_client', 'Unauthorized', 'Client authentication failed.', {
    headers: { 'www-authenticate': `Basic realm=${quote(realm)}` },
  });
