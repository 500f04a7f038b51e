/**
 * `jwtkit/express`: bearer-token middleware for Express 4 and 5 (no runtime import of express).
 *
 * ```ts
 * import { jwtAuth, requireScope } from 'jwtkit/express'
 * app.use('/api', jwtAuth({ jwksUrl, issuer, audience, algorithms: ['RS256'] }))
 * app.get('/api/admin', requireScope('admin'), (req, res) => res.json({ sub: req.auth?.sub }))
 * ```
 */
import type { JwtPayload } from '../decode.js';
import {
  type AuthenticatorOptions,
  type AuthFailure,
  type ClaimsSpec,
  claimsRequirement,
  createCore,
  failureBody,
  failureHeaders,
  missingCredentials,
  type RegisteredClaims,
  type Requirement,
  scopeRequirement,
  splitOptions,
} from './core.js';
import { type NodeRequestLike, nodeCredentials } from './node-request.js';

export type { AuthenticatorOptions, AuthFailure, ClaimsSpec, Register, RegisteredClaims } from './core.js';

declare global {
  namespace Express {
    interface Request {
      /** The verified claims, set by `jwtAuth` (register your type: see `Register` in jwtkit/fetch). */
      auth?: RegisteredClaims;
    }
  }
}

/** The parts of Express's request and response this adapter uses (structural: Express 4 and 5). */
export interface ExpressRequestLike extends NodeRequestLike {
  originalUrl?: string;
  auth?: unknown;
}
export interface ExpressResponseLike {
  status(code: number): unknown;
  set(headers: Record<string, string>): unknown;
  json(body: unknown): unknown;
}
export type NextFunction = (error?: unknown) => void;
export type ExpressMiddleware = (
  req: ExpressRequestLike,
  res: ExpressResponseLike,
  next: NextFunction,
) => void;

export interface ExpressAuthOptions<C = RegisteredClaims> extends AuthenticatorOptions<C> {
  /**
   * Replaces the default answer (`res.status(..).set(WWW-Authenticate).json({ error, error_description })`).
   * Call `next(err)` to hand it to your error middleware instead; the headers are in `failureHeaders`.
   */
  onError?: (
    failure: AuthFailure,
    req: ExpressRequestLike,
    res: ExpressResponseLike,
    next: NextFunction,
  ) => void;
}

const REALM = Symbol.for('jwtkit.realm');
const ON_ERROR = Symbol.for('jwtkit.express.onError');

interface Marked {
  [REALM]?: string;
  [ON_ERROR]?: ExpressAuthOptions['onError'];
}

function send(
  failure: AuthFailure,
  req: ExpressRequestLike,
  res: ExpressResponseLike,
  next: NextFunction,
  onError: ExpressAuthOptions['onError'],
): void {
  if (onError) {
    onError(failure, req, res, next);
    return;
  }
  res.status(failure.status);
  res.set(failureHeaders(failure));
  res.json(failureBody(failure));
}

/** The authentication middleware: sets `req.auth` to the verified claims or answers per RFC 6750. */
export function jwtAuth<C = RegisteredClaims>(options: ExpressAuthOptions<C>): ExpressMiddleware {
  const { core: coreOptions, adapter } = splitOptions(options, ['onError'], 'jwtAuth()');
  const onError = adapter.onError as ExpressAuthOptions['onError'];
  if (onError !== undefined && typeof onError !== 'function')
    throw new TypeError('jwtAuth(): onError must be a function');
  const core = createCore(coreOptions, 'jwtAuth()');
  const realm = core.realm;
  return (req, res, next) => {
    (req as Marked)[REALM] = realm;
    (req as Marked)[ON_ERROR] = onError;
    core.authenticate(nodeCredentials(req, req.originalUrl ?? req.url ?? '/', req)).then(
      (result) => {
        if (!result.ok) return send(result, req, res, next, onError);
        if (result.claims !== null) req.auth = result.claims;
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

function guard(requirement: Requirement): ExpressMiddleware {
  return (req, res, next) => {
    const marked = req as Marked;
    const realm = marked[REALM] ?? 'api';
    // No jwtAuth in front (or credentialsOptional and no token): fail closed as "no credentials".
    if (req.auth === undefined || req.auth === null)
      return send(missingCredentials(realm), req, res, next, marked[ON_ERROR]);
    const failure = requirement.check(req.auth, realm);
    if (failure) return send(failure, req, res, next, marked[ON_ERROR]);
    next();
  };
}

/** Per route, after `jwtAuth`: 403 `insufficient_scope` unless the token's scope holds every one. */
export function requireScope(...scopes: string[]): ExpressMiddleware {
  return guard(scopeRequirement(scopes, 'requireScope()'));
}

/** Per route, after `jwtAuth`: 403 unless the claims match (`{ role: 'admin' }`) or the predicate holds. */
export function requireClaims(spec: ClaimsSpec | ((claims: JwtPayload) => boolean)): ExpressMiddleware {
  return guard(claimsRequirement(spec, 'requireClaims()'));
}

export { failureBody, failureHeaders };
