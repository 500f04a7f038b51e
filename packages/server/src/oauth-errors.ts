/**
 * RFC 6749 §5.2 error responses for every `/oauth/*` endpoint (token, introspection RFC 7662 §2.3,
 * revocation RFC 7009 §2.2.1): `{"error", "error_description"?, "error_uri"?}` as `application/json`
 * with `Cache-Control: no-store`. Every other endpoint keeps problem+json (errors.ts, http.ts).
 *
 * The services throw domain errors; error-mapper.ts makes them `Problem`s and this module writes those.
 */
import type { FastifyReply } from 'fastify';
import { PROBLEM_BASE, type Problem } from './errors.js';

/** Error codes registered for OAuth (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 9449 §12.2). */
const OAUTH_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_token',
  'insufficient_scope',
  'unsupported_token_type',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'server_error',
  'temporarily_unavailable',
  'invalid_target',
]);

/** RFC 6749 §5.2: these are answered with 400 (unless specified otherwise). */
const ALWAYS_400 = new Set([
  'invalid_request',
  'invalid_dpop_proof',
  'invalid_target',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
]);

export interface OAuthErrorBody {
  error: string;
  error_description?: string;
  error_uri?: string;
}

/** The OAuth error code and HTTP status for a problem. */
export function oauthErrorOf(problem: Problem): { status: number; error: string } {
  let error: string;
  if (OAUTH_CODES.has(problem.code)) error = problem.code;
  else if (problem.code === 'missing_token') error = 'invalid_client';
  else if (problem.status === 429 || problem.status === 503) error = 'temporarily_unavailable';
  else if (problem.status >= 500) error = 'server_error';
  else if (problem.status === 401) error = 'invalid_client';
  else if (problem.status === 403) error = 'insufficient_scope';
  else error = 'invalid_request';
  // A service's own OAuth error (e.g. invalid_grant, 401 on /auth/refresh) takes §5.2's status; transport
  // problems mapped to invalid_request keep theirs (413, 415).
  // A DPoP challenge (RFC 9449 §7.1: a protected resource, e.g. introspection with a bound admin token)
  // keeps its 401.
  const challenge = problem.headers['www-authenticate'] ?? '';
  const status =
    ALWAYS_400.has(error) &&
    OAUTH_CODES.has(problem.code) &&
    problem.status < 500 &&
    !challenge.startsWith('DPoP ')
      ? 400
      : problem.status;
  return { status, error };
}

/** Error descriptions are limited to RFC 6749's %x20-21 / %x23-5B / %x5D-7E. */
const descriptionText = (s: string) => s.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '').slice(0, 500);

export function oauthErrorBody(problem: Problem): OAuthErrorBody {
  const { error } = oauthErrorOf(problem);
  const description = descriptionText(problem.detail ?? problem.title);
  return {
    error,
    ...(description ? { error_description: description } : {}),
    error_uri: PROBLEM_BASE + problem.code,
  };
}

export function sendOAuthError(reply: FastifyReply, problem: Problem): FastifyReply {
  const { status } = oauthErrorOf(problem);
  reply.code(status);
  for (const [k, v] of Object.entries(problem.headers)) reply.header(k, v);
  reply.header('cache-control', 'no-store');
  reply.header('pragma', 'no-cache');
  reply.type('application/json; charset=utf-8');
  return reply.send(oauthErrorBody(problem));
}

/** The OAuth endpoints: every path under /oauth/. */
export const isOAuthPath = (url: string): boolean => /^\/oauth(\/|$|\?)/.test(url);
