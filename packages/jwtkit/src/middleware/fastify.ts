/**
 * `jwtkit/fastify`: a Fastify plugin (decorates `request.auth` and `fastify.authenticate`) and a bare
 * `preHandler` factory. Fastify is used for types only.
 *
 * ```ts
 * import { jwtAuth } from 'jwtkit/fastify'
 * await app.register(jwtAuth, { jwksUrl, issuer, audience, algorithms: ['RS256'] })
 * app.get('/me', { preHandler: app.authenticate }, async (request) => ({ sub: request.auth?.sub }))
 * ```
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JwtPayload } from '../decode.js';
import {
  type AuthenticatorOptions,
  type AuthFailure,
  type ClaimsSpec,
  claimsRequirement,
  createCore,
  failureHeaders,
  missingCredentials,
  type RegisteredClaims,
  type Requirement,
  scopeRequirement,
  splitOptions,
} from './core.js';
import { nodeCredentials } from './node-request.js';

export type {
  AuthenticatorOptions,
  AuthFailure,
  ClaimsSpec,
  DpopOptions,
  Register,
  RegisteredClaims,
  VerifyOutcome,
} from './core.js';
/** Failures for a `verify` hook to answer with (RFC 6750 §3: fixed, token-free descriptions). */
export { insufficientScope, invalidToken } from './core.js';

/** A preHandler (async hook form). */
export type AuthPreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified claims (null until `authenticate` ran, or without credentials when optional). */
    auth: RegisteredClaims | null;
  }
  interface FastifyInstance {
    /** The preHandler that authenticates the bearer token (added by the jwtkit plugin). */
    authenticate: AuthPreHandler;
  }
}

export interface FastifyAuthOptions<C = RegisteredClaims> extends AuthenticatorOptions<C> {
  /**
   * Replaces the default answer (Fastify's error shape `{ statusCode, code, error, message }` with the
   * RFC 6750 `WWW-Authenticate` header). Send the reply yourself, or throw to use your error handler.
   */
  onError?: (failure: AuthFailure, request: FastifyRequest, reply: FastifyReply) => unknown;
  /** Plugin only: run `authenticate` for every route of the plugin's scope (default false). */
  global?: boolean;
}

const REASON: Record<number, string> = Object.assign(Object.create(null), {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  503: 'Service Unavailable',
});

/** Ours, plus the register options Fastify itself reads (`app.register(plugin, { prefix })`). */
const FASTIFY_NAMES = ['onError', 'global', 'prefix', 'logLevel', 'logSerializers'];

const REALM = Symbol.for('jwtkit.realm');
const ON_ERROR = Symbol.for('jwtkit.fastify.onError');
interface Marked {
  [REALM]?: string;
  [ON_ERROR]?: FastifyAuthOptions['onError'];
}

function answer(
  failure: AuthFailure,
  request: FastifyRequest,
  reply: FastifyReply,
  onError: FastifyAuthOptions['onError'],
): unknown {
  if (onError) return onError(failure, request, reply);
  return reply
    .code(failure.status)
    .headers(failureHeaders(failure))
    .send({
      statusCode: failure.status,
      code: failure.error ?? 'unauthorized',
      error: REASON[failure.status],
      message: failure.description,
    });
}

/** A preHandler that sets `request.auth` or answers per RFC 6750. Options are validated now. */
export function createPreHandler<C = RegisteredClaims>(options: FastifyAuthOptions<C>): AuthPreHandler {
  const { core: coreOptions, adapter } = splitOptions(options, FASTIFY_NAMES, 'jwtAuth()');
  const onError = adapter.onError as FastifyAuthOptions['onError'];
  if (onError !== undefined && typeof onError !== 'function')
    throw new TypeError('jwtAuth(): onError must be a function');
  const core = createCore(coreOptions, 'jwtAuth()');
  const realm = core.realm;
  return async (request, reply) => {
    (request as unknown as Marked)[REALM] = realm;
    (request as unknown as Marked)[ON_ERROR] = onError;
    const result = await core.authenticate(nodeCredentials(request.raw, request.url, request));
    if (!result.ok) return answer(result, request, reply, onError);
    request.auth = result.claims as RegisteredClaims | null;
    return undefined;
  };
}

function guard(requirement: Requirement): AuthPreHandler {
  return async (request, reply) => {
    const marked = request as unknown as Marked;
    const realm = marked[REALM] ?? 'api';
    if (request.auth === undefined || request.auth === null)
      return answer(missingCredentials(realm), request, reply, marked[ON_ERROR]);
    const failure = requirement.check(request.auth, realm);
    if (failure) return answer(failure, request, reply, marked[ON_ERROR]);
    return undefined;
  };
}

/** Per route, after `authenticate`: 403 `insufficient_scope` unless the token's scope holds every one. */
export function requireScope(...scopes: string[]): AuthPreHandler {
  return guard(scopeRequirement(scopes, 'requireScope()'));
}

/** Per route, after `authenticate`: 403 unless the claims match (`{ role: 'admin' }`) or the predicate holds. */
export function requireClaims(spec: ClaimsSpec | ((claims: JwtPayload) => boolean)): AuthPreHandler {
  return guard(claimsRequirement(spec, 'requireClaims()'));
}

/**
 * The plugin: `await app.register(jwtAuth, options)`. Decorates `request.auth` (null) and
 * `fastify.authenticate` in the registering scope (not encapsulated, like fastify-plugin).
 */
export const jwtAuth = Object.assign(
  async function jwtkitAuth(app: FastifyInstance, options: FastifyAuthOptions): Promise<void> {
    const preHandler = createPreHandler(options);
    if (!app.hasRequestDecorator('auth')) app.decorateRequest('auth', null);
    app.decorate('authenticate', preHandler);
    if (options.global === true) app.addHook('preHandler', preHandler);
  },
  {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'jwtkit-auth',
    [Symbol.for('plugin-meta')]: { name: 'jwtkit-auth', fastify: '4.x || 5.x' },
  },
);
