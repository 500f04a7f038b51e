/**
 * `jwtkit/hono`: bearer-token middleware for Hono (Node, Bun, Deno, Workers); Hono is used for types only.
 * It wraps `jwtkit/fetch` on `c.req.raw`, so it runs wherever the library runs.
 *
 * ```ts
 * import { jwtAuth } from 'jwtkit/hono'
 * app.use('/api/*', jwtAuth({ jwksUrl, issuer, audience, algorithms: ['RS256'] }))
 * app.get('/api/me', (c) => c.json({ sub: c.get('auth').sub }))
 * ```
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { JwtPayload } from '../decode.js';
import {
  type AuthenticatorOptions,
  type AuthFailure,
  type ClaimsSpec,
  type CredentialInput,
  claimsRequirement,
  createCore,
  failureBody,
  failureHeaders,
  missingCredentials,
  type Requirement,
  scopeRequirement,
  splitOptions,
} from './core.js';
import { credentialsOf } from './fetch.js';
import { type NodeRequestLike, nodeCredentials } from './node-request.js';

export type { AuthenticatorOptions, AuthFailure, ClaimsSpec } from './core.js';

/** The Hono env the middleware adds: `c.get('auth')` is the verified claims. */
export interface AuthEnv<C = JwtPayload> {
  Variables: { auth: C };
}

export interface HonoAuthOptions<C = JwtPayload> extends AuthenticatorOptions<C> {
  /** Replaces the default answer (`c.json({ error, error_description }, status)` + `WWW-Authenticate`). */
  onError?: (failure: AuthFailure, c: Context) => Response | Promise<Response>;
}

const REALM = 'jwtkit.realm';
const ON_ERROR = 'jwtkit.onError';

function answer(
  failure: AuthFailure,
  c: Context,
  onError: HonoAuthOptions['onError'],
): Response | Promise<Response> {
  if (onError) return onError(failure, c);
  return c.json(failureBody(failure), failure.status, failureHeaders(failure));
}

/**
 * On Node (@hono/node-server puts the `IncomingMessage` in `c.env.incoming`) the raw headers are read
 * directly: no WHATWG `Headers` object is built, and duplicated headers stay visible as duplicates.
 * Elsewhere (Bun, Deno, Workers) the platform's `Request`.
 */
function credentialsFrom(c: Context): CredentialInput {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming as NodeRequestLike | undefined;
  if (
    typeof incoming === 'object' &&
    incoming !== null &&
    Array.isArray(incoming.rawHeaders) &&
    typeof incoming.headers === 'object'
  )
    return nodeCredentials(incoming, c.req.url, c);
  return credentialsOf(c.req.raw, c);
}

/** The middleware: sets `c.get('auth')` or answers per RFC 6750. Options are validated now. */
export function jwtAuth<C = JwtPayload>(options: HonoAuthOptions<C>): MiddlewareHandler<AuthEnv<C>> {
  const { core: coreOptions, adapter } = splitOptions(options, ['onError'], 'jwtAuth()');
  const onError = adapter.onError as HonoAuthOptions['onError'];
  if (onError !== undefined && typeof onError !== 'function')
    throw new TypeError('jwtAuth(): onError must be a function');
  const core = createCore(coreOptions, 'jwtAuth()');
  const realm = core.realm;
  return async (c, next) => {
    const vars = c as unknown as { set(k: string, v: unknown): void };
    vars.set(REALM, realm);
    vars.set(ON_ERROR, onError);
    const result = await core.authenticate(credentialsFrom(c));
    if (!result.ok) return answer(result, c as unknown as Context, onError);
    c.set('auth', result.claims as C);
    await next();
    return undefined;
  };
}

function guard(requirement: Requirement): MiddlewareHandler {
  return async (c, next) => {
    const get = (k: string) => (c as unknown as { get(k: string): unknown }).get(k);
    const realm = (get(REALM) as string | undefined) ?? 'api';
    const onError = get(ON_ERROR) as HonoAuthOptions['onError'];
    const claims = get('auth');
    if (claims === undefined || claims === null) return answer(missingCredentials(realm), c, onError);
    const failure = requirement.check(claims, realm);
    if (failure) return answer(failure, c, onError);
    await next();
    return undefined;
  };
}

/** Per route, after `jwtAuth`: 403 `insufficient_scope` unless the token's scope holds every one. */
export function requireScope(...scopes: string[]): MiddlewareHandler {
  return guard(scopeRequirement(scopes, 'requireScope()'));
}

/** Per route, after `jwtAuth`: 403 unless the claims match (`{ role: 'admin' }`) or the predicate holds. */
export function requireClaims(spec: ClaimsSpec | ((claims: JwtPayload) => boolean)): MiddlewareHandler {
  return guard(claimsRequirement(spec, 'requireClaims()'));
}
