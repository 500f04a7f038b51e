/**
 * HTTP plumbing shared by every route: problem+json errors, content types, bearer authentication
 * (RFC 6750), request context, and the Fastify type augmentations the routes rely on.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { type AuthFailure, type AuthPreHandler, createPreHandler, invalidToken } from 'jwtkit/fastify';
import type {} from 'jwtkit/fetch';
import { DomainError, InsufficientScopeError, InvalidClientError } from './domain-errors.js';
import { sendError, toProblem } from './error-mapper.js';
import { Problem } from './errors.js';
import type { Services } from './services/index.js';
import type { RevocationTrace } from './services/revocation.js';
import type { RequestContext } from './services/sessions.js';
import type { AccessClaims } from './services/tokens.js';
import { MAX_ACCESS_TOKEN_LENGTH } from './services/tokens.js';
import type { Role } from './storage/types.js';
import { findUnsafeText } from './text.js';

export interface RouteDoc {
  summary: string;
  description?: string;
  tags?: string[];
  responses?: Record<string, { description: string; schema?: unknown }>;
  /** HTTP Basic client credentials are accepted too (OpenAPI security). */
  basicAuth?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Accept application/x-www-form-urlencoded bodies (the OAuth endpoints). */
    acceptsForm?: boolean;
    /** Only application/x-www-form-urlencoded (the token endpoint, RFC 6749 §3.2): for the OpenAPI document. */
    formOnly?: boolean;
    /** The handler refuses NUL / lone surrogates itself (to audit the attempt first). */
    ownTextCheck?: boolean;
    /** Required role; set by `requireAuth` (used for the OpenAPI security section). */
    auth?: Role | 'any';
    openapi?: RouteDoc;
  }
}
declare module 'jwtkit/fetch' {
  // `request.auth` (declared by jwtkit/fastify) holds the service's access-token claims.
  interface Register {
    claims: AccessClaims;
  }
}

export { PROBLEM_TYPE, sendProblem, toProblem } from './error-mapper.js';

export function registerHttpBasics(app: FastifyInstance, options: { hsts?: boolean } = {}): void {
  app.decorateRequest('auth', null);

  app.setErrorHandler((err, request, reply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request rejected');
    // RFC 6749 §5.2 JSON errors on the OAuth endpoints (oauth-errors.ts); problem+json elsewhere.
    return sendError(reply, request.url, problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = new Problem(
      404,
      'not_found',
      'Not Found',
      `No route for ${request.method} ${request.url.split('?')[0]}.`,
    );
    return sendError(reply, request.url, problem);
  });

  // Bodies: JSON (Fastify's parser, with prototype-poisoning protection) and, for the OAuth endpoints,
  // application/x-www-form-urlencoded. Nothing else.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const params = new URLSearchParams(body as string);
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of params) {
      if (k in out) {
        done(
          new Problem(400, 'invalid_request', 'Bad Request', `Parameter "${k.slice(0, 40)}" is repeated.`),
          undefined,
        );
        return;
      }
      out[k] = v;
    }
    done(null, { ...out });
  });
  // Hooks in callback form: an `async` hook costs a promise and a microtask on every request (bench/FINDINGS S5a).
  app.addHook('preValidation', (request, _reply, done) => {
    const type = String(request.headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('application/x-www-form-urlencoded') && !request.routeOptions.config.acceptsForm) {
      return done(
        new Problem(
          415,
          'unsupported_media_type',
          'Unsupported Media Type',
          'This endpoint accepts application/json only.',
        ),
      );
    }
    done();
  });

  // One preHandler for every request (each hook costs a little on every request, /me included):
  // - No string from a request reaches a query or a JSON column unchecked: NUL (refused by Postgres TEXT
  //   and JSONB) and lone surrogates (refused by JSONB, silently replaced by SQLite) answer 400 here.
  //   Routes with `ownTextCheck` (login) refuse such text themselves, after auditing the attempt.
  // - Ajv coerces "1e400" to Infinity and then skips minimum/maximum on the coerced value: after
  //   validation, every number from the URL must be a safe integer.
  app.addHook('preHandler', (request, _reply, done) => {
    if (!request.routeOptions.config.ownTextCheck) {
      const at =
        findUnsafeText(request.body, 'body') ??
        findUnsafeText(request.query, 'querystring') ??
        findUnsafeText(request.params, 'params');
      if (at) {
        return done(
          new Problem(
            400,
            'invalid_text',
            'Bad Request',
            `The request is invalid: ${at} holds a NUL character or a lone surrogate (text must be well-formed Unicode without NUL).`,
          ),
        );
      }
    }
    const range = outOfRange(request.query, 'querystring') ?? outOfRange(request.params, 'params');
    if (range !== null) {
      return done(
        new Problem(
          400,
          'validation_failed',
          'Bad Request',
          `The request is invalid: ${range} is out of range`,
        ),
      );
    }
    done();
  });

  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    // The issuer is https://: browsers must never talk to this origin over plain HTTP again (RFC 6797).
    if (options.hsts) reply.header('strict-transport-security', 'max-age=31536000');
    done();
  });
}

/** `where/key` of the first number in `obj` (query or params, after Ajv) that is not a safe integer. */
function outOfRange(obj: unknown, where: string): string | null {
  if (obj === null || typeof obj !== 'object') return null;
  // for...in over own keys: no entries array per request (GET /me has an empty query and no params).
  for (const k in obj) {
    if (!Object.hasOwn(obj, k)) continue;
    const v = (obj as Record<string, unknown>)[k];
    if (typeof v === 'number' && !Number.isSafeInteger(v)) return `${where}/${k.slice(0, 40)}`;
  }
  return null;
}

export const requestContext = (request: FastifyRequest): RequestContext => ({
  ip: request.ip ?? null,
  userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
});

/**
 * Bearer and DPoP authentication of protected routes: the middleware core of the library
 * (`jwtkit/fastify`, the one RFC 6750 implementation: credential extraction, the answers and their
 * `WWW-Authenticate` challenges, RFC 9449 §7 proof checks with the service's replay store and nonces).
 * Verification is the service's own (`TokenService.authenticate`: cached verifier + one revocation read),
 * handed to the core as its `verify` hook. Failures become problems (problem+json, or RFC 6749 §5.2 JSON
 * under /oauth/) through the error handler.
 */
const preHandlers = new WeakMap<Services, AuthPreHandler>();
const TRACE = Symbol('revocation-trace');
type Traced = FastifyRequest & { [TRACE]?: RevocationTrace };

function bearerPreHandler(services: Services): AuthPreHandler {
  let handler = preHandlers.get(services);
  if (handler) return handler;
  const realm = services.config.realm;
  const traced = services.config.revocationSourceHeader;
  const dpop = services.dpop;
  handler = createPreHandler({
    realm,
    maxTokenLength: MAX_ACCESS_TOKEN_LENGTH,
    dpop: {
      algorithms: dpop.algorithms,
      origin: dpop.origin,
      replayStore: dpop.replayStore,
      leeway: services.config.leeway,
      ...(dpop.nonces ? { nonces: dpop.nonces } : {}),
    },
    verify: async (token, native) => {
      const trace: RevocationTrace | undefined = traced ? { sources: [] } : undefined;
      if (trace) (native as Traced)[TRACE] = trace;
      try {
        // The verified header comes back with the claims: the middleware core does not parse the token again.
        const { claims, header } = await services.tokens.authenticate(token, trace);
        return { ok: true, claims: claims as never, header };
      } catch (err) {
        if (err instanceof DomainError || err instanceof Problem) {
          const p = toProblem(err);
          if (p.status === 401) return invalidToken(realm, p.detail ?? p.title);
        }
        throw err; // 403 (a client token), 503 (Redis or the database): onError rethrows it as is
      }
    },
    onError: (failure) => {
      throw toServiceProblem(failure);
    },
  });
  preHandlers.set(services, handler);
  return handler;
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden' };

/** The core's answer as the service's problem (same status, code, challenge and nonce headers). */
function toServiceProblem(failure: AuthFailure): unknown {
  if (failure.status === 503)
    return failure.cause instanceof Error ? failure.cause : toProblem(failure.cause);
  const headers: Record<string, string> = {};
  if (failure.wwwAuthenticate !== undefined) headers['www-authenticate'] = failure.wwwAuthenticate;
  if (failure.dpopNonce !== undefined) headers['dpop-nonce'] = failure.dpopNonce;
  return new Problem(
    failure.status,
    failure.error ?? 'missing_token',
    TITLES[failure.status] ?? 'Unauthorized',
    failure.error === null ? 'A bearer access token is required.' : failure.description,
    { headers },
  );
}

/**
 * A preHandler that authenticates the bearer token and, optionally, requires a role. Callback form: Fastify
 * calls `done` when the one promise of the chain settles, not an `async` wrapper around it (one promise
 * and its adoption less per protected request; bench/FINDINGS.md S5).
 */
export function requireAuth(services: Services, role: Role | 'any' = 'any'): preHandlerHookHandler {
  return (request, reply, done) => {
    authenticateBearer(services, request, role, reply).then(
      () => done(),
      // Fail closed: a rejection without a value still stops the request (Fastify's own runner does too).
      (err: unknown) => done((err || new Error('bearer authentication failed')) as Error),
    );
  };
}

/** RFC 6750 bearer (or RFC 9449 DPoP) authentication of one request; sets `request.auth` or rejects. */
export function authenticateBearer(
  services: Services,
  request: FastifyRequest,
  role: Role | 'any',
  reply?: FastifyReply,
): Promise<void> {
  // The onError hook throws, so the reply is never sent here.
  return bearerPreHandler(services)(request, reply as FastifyReply).then(() => {
    const trace = (request as Traced)[TRACE];
    if (trace) reply?.header('x-jwtkit-revocation-source', trace.sources.join(','));
    const claims = request.auth;
    if (!claims) throw new Error('bearer authentication set no claims');
    if (role === 'admin' && claims.role !== 'admin')
      throw new InsufficientScopeError(services.config.realm, 'admin');
  });
}

/**
 * For RFC 7662: HTTP Basic credentials of a configured introspection client, or else an admin bearer
 * token. Wrong Basic credentials never fall back to the bearer check.
 */
export function requireIntrospectionAuth(services: Services): preHandlerHookHandler {
  const clients = services.config.introspectionClients.map((c) => ({
    id: c.id,
    digest: createHash('sha256').update(`${c.id}:${c.secret}`).digest(),
  }));
  return async (request) => {
    const header = request.headers.authorization ?? '';
    const m = /^basic +([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!m || clients.length === 0) return authenticateBearer(services, request, 'admin');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    // RFC 6749 §2.3.1: client id and secret are form-urlencoded inside the Basic credentials.
    const decode = (v: string) => {
      try {
        return decodeURIComponent(v.replace(/\+/g, ' '));
      } catch {
        return v;
      }
    };
    const presented = createHash('sha256')
      .update(sep < 0 ? decoded : `${decode(decoded.slice(0, sep))}:${decode(decoded.slice(sep + 1))}`)
      .digest();
    if (!clients.some((c) => timingSafeEqual(c.digest, presented)))
      throw new InvalidClientError(services.config.realm);
  };
}

/** The authenticated claims (only call behind requireAuth). */
export function claimsOf(request: FastifyRequest): AccessClaims {
  if (!request.auth) throw new Error('route is missing requireAuth');
  return request.auth;
}
