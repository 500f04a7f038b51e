/**
 * `jwtkit/fetch`: bearer-token authentication for any handler that takes a WHATWG `Request` (Deno, Bun,
 * Cloudflare Workers, Next.js route handlers, Node 20 fetch servers). The core the other adapters wrap.
 *
 * ```ts
 * import { createAuthenticator, toResponse } from 'jwtkit/fetch'
 * const authenticate = createAuthenticator({ jwksUrl, issuer, audience, algorithms: ['RS256'] })
 * const auth = await authenticate(request); if (!auth.ok) return toResponse(auth)
 * ```
 */
import type { JwtPayload } from '../decode.js';
import {
  type AuthAnonymous,
  type AuthenticatorOptions,
  type AuthFailure,
  type AuthResult,
  type ClaimsSpec,
  type CredentialInput,
  claimsRequirement,
  createCore,
  failureBody,
  failureHeaders,
  type Requirement,
  scopeRequirement,
} from './core.js';

export type {
  AuthAnonymous,
  AuthenticatorOptions,
  AuthFailure,
  AuthResult,
  AuthSuccess,
  ClaimsSpec,
  ClaimsValidator,
  DpopContext,
  DpopOptions,
  Register,
  RegisteredClaims,
  Requirement,
  StandardSchemaLike,
  VerifyOutcome,
} from './core.js';
/** Failures for a `verify` hook to answer with (RFC 6750 §3: fixed, token-free descriptions). */
export { insufficientScope, invalidToken } from './core.js';

/** The authenticator: `await authenticate(request, ...requirements)`. */
export interface Authenticator<C> {
  (request: Request, ...requirements: Requirement[]): Promise<AuthResult<C>>;
  readonly realm: string;
}

/** An authenticator whose `credentialsOptional: true` lets requests without credentials through. */
export interface OptionalAuthenticator<C> {
  (request: Request, ...requirements: Requirement[]): Promise<AuthResult<C> | AuthAnonymous>;
  readonly realm: string;
}

/** Reads the credential-bearing parts of a fetch Request (headers are already joined by the platform). */
export function credentialsOf(request: Request, native: unknown = request): CredentialInput {
  const h = request.headers;
  const authorization = h.get('authorization');
  const cookie = h.get('cookie');
  const dpop = h.get('dpop');
  return {
    authorization: authorization === null ? [] : [authorization],
    cookie: cookie === null ? [] : [cookie],
    url: request.url,
    method: request.method,
    dpop: dpop === null ? [] : dpop.split(',').map((s) => s.trim()),
    native,
  };
}

/**
 * Validates the options now (typed `InvalidOptionsError`s) and returns the per-request function.
 * Requirements (`requireScope`, `requireClaims`) given to a call are checked after verification.
 */
export function createAuthenticator<C = JwtPayload>(
  options: AuthenticatorOptions<C> & { credentialsOptional: true },
): OptionalAuthenticator<C>;
export function createAuthenticator<C = JwtPayload>(options: AuthenticatorOptions<C>): Authenticator<C>;
export function createAuthenticator<C = JwtPayload>(
  options: AuthenticatorOptions<C>,
): Authenticator<C> | OptionalAuthenticator<C> {
  const core = createCore(options, 'createAuthenticator()');
  const realm = core.realm;
  const fn = async (request: Request, ...requirements: Requirement[]) => {
    const result = await core.authenticate(credentialsOf(request));
    if (!result.ok || result.claims === null) return result;
    for (const r of requirements) {
      const failure = r.check(result.claims, realm);
      if (failure) return failure;
    }
    return result;
  };
  return Object.assign(fn, { realm }) as Authenticator<C>;
}

/** A requirement: the token's `scope` (space-separated) or `scp` claim holds every one of `scopes`. */
export function requireScope(...scopes: string[]): Requirement {
  return scopeRequirement(scopes, 'requireScope()');
}

/** A requirement on claim values (`{ role: 'admin' }`, any-of arrays) or a predicate. */
export function requireClaims(spec: ClaimsSpec | ((claims: JwtPayload) => boolean)): Requirement {
  return claimsRequirement(spec, 'requireClaims()');
}

/** The RFC 6750 response for a failure: status, `WWW-Authenticate`, JSON `{ error, error_description }`. */
export function toResponse(failure: AuthFailure, body: unknown = failureBody(failure)): Response {
  return new Response(JSON.stringify(body), {
    status: failure.status,
    headers: { 'content-type': 'application/json', ...failureHeaders(failure) },
  });
}
