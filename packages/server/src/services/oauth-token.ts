/**
 * The RFC 6749 §3.2 token endpoint's grants. One implementation of each use-case: the refresh grant is
 * `AuthService.refresh` (the same rotation, grace window and reuse detection as `/auth/refresh`).
 * There is no password grant (RFC 9700 §2.4): users log in at /auth/login.
 */
import { decodeUnverified } from 'jwtkit';
import {
  InvalidClientError,
  InvalidGrantError,
  type OAuthRequestCode,
  OAuthRequestError,
} from '../domain-errors.js';
import type { OAuthClientRecord } from '../storage/types.js';
import {
  ASSERTION_ALGORITHMS,
  ClientAssertionError,
  ClientAssertionVerifier,
  JWT_BEARER_ASSERTION,
} from './client-assertion.js';
import type { Services } from './index.js';
import { OAuthClientService, parseScope } from './oauth-clients.js';
import { enforce, rateLimitSubject } from './rate-limit.js';
import type { RequestContext } from './sessions.js';

/** The client an assertion claims to be (`sub`, else `iss`), unverified: only to count the attempt. */
function claimedIssuer(assertion: string): string {
  try {
    const c = decodeUnverified(assertion) as Record<string, unknown>;
    const id = typeof c.sub === 'string' ? c.sub : c.iss;
    return typeof id === 'string' ? id : '?';
  } catch {
    return '?';
  }
}

/** The grants /oauth/token serves: the metadata's grant_types_supported is this list. */
export const GRANT_TYPES = ['refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** Client authentication at /oauth/token (RFC 7591 §2 names). */
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly string[] = [
  'none',
  'client_secret_basic',
  'private_key_jwt',
];
/** JWS algorithms accepted for private_key_jwt client assertions. */
export const CLIENT_ASSERTION_ALGORITHMS: readonly string[] = ASSERTION_ALGORITHMS;
/** JWS algorithms accepted for DPoP proofs (RFC 9449). */
export { DPOP_ALGORITHMS } from './dpop.js';

export interface OAuthTokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

export type TokenParams = Record<string, string | undefined>;

const oauthError = (error: OAuthRequestCode, description: string) =>
  new OAuthRequestError(error, description);

const isGrant = (g: string): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g);

/** Who is calling: a registered client that authenticated, or a public client (maybe naming itself). */
type Caller =
  | { client: OAuthClientRecord; clientId: string }
  | { client: null; clientId: string | undefined };

export class OAuthTokenService {
  readonly clients: OAuthClientService;
  readonly #assertions: ClientAssertionVerifier;

  constructor(private readonly s: Services) {
    this.clients = new OAuthClientService(s);
    this.#assertions = new ClientAssertionVerifier(s, this.clients, `${s.config.issuer}/oauth/token`);
  }

  /** RFC 9449 §5: the proof of a token request; its key's thumbprint binds the tokens (cnf.jkt). */
  #dpop(proof: string | string[] | undefined): Promise<string | undefined> {
    return this.s.dpop.tokenRequestProof(proof, '/oauth/token');
  }

  /** `authorization`: the request's Authorization header (client_secret_basic). */
  async token(
    params: TokenParams,
    ctx: RequestContext,
    authorization: string | undefined,
    dpop?: string | string[],
  ): Promise<OAuthTokenResponse> {
    const caller = await this.#authenticateClient(params, authorization, ctx);
    const grant = params.grant_type;
    const jkt = await this.#dpop(dpop);
    if (grant === undefined || grant === '')
      throw oauthError('invalid_request', 'The grant_type parameter is required.');
    if (!isGrant(grant)) {
      throw oauthError(
        'unsupported_grant_type',
        `This server supports the grant types: ${GRANT_TYPES.join(', ')}.`,
      );
    }
    switch (grant) {
      case 'refresh_token':
        return this.#refresh(params, ctx, caller, jkt);
      case 'client_credentials':
        return this.#clientCredentials(params, caller, jkt);
    }
  }

  #invalidClient(description = 'Client authentication failed.') {
    return new InvalidClientError(this.s.config.realm, description);
  }

  /** RFC 6749 §2.3: at most one authentication method; unsupported credentials are refused, not ignored. */
  /**
   * Client authentication attempts are counted before the secret or the assertion is checked (an
   * assertion may cost a JWKS fetch and a signature check): per address, and per claimed client_id +
   * address; a success resets the latter (like login).
   */
  async #countAttempt(claimedId: string, ctx: RequestContext): Promise<string> {
    const { limiter, config } = this.s;
    const subject = rateLimitSubject(ctx.ip);
    await enforce(limiter, `client-auth-ip:${subject}`, config.rateLimits.clientAuthPerIp);
    const key = `client-auth:${claimedId.slice(0, 256)}:${subject}`;
    await enforce(limiter, key, config.rateLimits.clientAuth);
    return key;
  }

  async #authenticateClient(
    params: TokenParams,
    authorization: string | undefined,
    ctx: RequestContext,
  ): Promise<Caller> {
    const hasHeader = authorization !== undefined && authorization !== '';
    const inBody = params.client_secret !== undefined;
    const assertion = params.client_assertion !== undefined || params.client_assertion_type !== undefined;
    if ([hasHeader, inBody, assertion].filter(Boolean).length > 1)
      throw oauthError('invalid_request', 'Use exactly one client authentication method.');
    if (inBody)
      throw this.#invalidClient('client_secret_post is not supported; send the credentials with HTTP Basic.');
    if (assertion) {
      if (params.client_assertion_type !== JWT_BEARER_ASSERTION || !params.client_assertion)
        throw oauthError('invalid_request', `client_assertion_type must be ${JWT_BEARER_ASSERTION}.`);
      const limitKey = await this.#countAttempt(
        params.client_id ?? claimedIssuer(params.client_assertion),
        ctx,
      );
      try {
        const client = await this.#assertions.verify(params.client_assertion, params.client_id);
        await this.s.limiter.reset(limitKey);
        return { client, clientId: client.id };
      } catch (err) {
        // One answer for every failure (unknown client, bad signature, replay...): no oracle.
        if (err instanceof ClientAssertionError) throw this.#invalidClient();
        throw err;
      }
    }
    if (!hasHeader) return { client: null, clientId: params.client_id };
    const m = /^basic +([A-Za-z0-9+/]+=*) *$/i.exec(authorization!);
    if (!m) throw this.#invalidClient('Send the client credentials with HTTP Basic (client_secret_basic).');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0) throw this.#invalidClient();
    // RFC 6749 §2.3.1: client id and secret are form-urlencoded inside the Basic credentials.
    const unform = (v: string) => {
      try {
        return decodeURIComponent(v.replace(/\+/g, ' '));
      } catch {
        return null;
      }
    };
    const id = unform(decoded.slice(0, sep));
    const secret = unform(decoded.slice(sep + 1));
    if (id === null || secret === null) throw this.#invalidClient();
    if (params.client_id !== undefined && params.client_id !== id)
      throw oauthError('invalid_request', 'client_id differs from the authenticated client.');
    const limitKey = await this.#countAttempt(id, ctx);
    const client = await this.clients.checkSecret(id, secret);
    if (!client) throw this.#invalidClient();
    await this.s.limiter.reset(limitKey);
    return { client, clientId: client.id };
  }

  async #clientCredentials(params: TokenParams, caller: Caller, jkt?: string): Promise<OAuthTokenResponse> {
    // RFC 6749 §4.4.2: only confidential clients, which MUST authenticate.
    if (!caller.client)
      throw this.#invalidClient('The client_credentials grant needs client authentication.');
    const client = caller.client;
    const requested = parseScope(params.scope);
    if (requested === null) throw oauthError('invalid_scope', 'The scope parameter is malformed.');
    const denied = requested.filter((sc) => !client.scopes.includes(sc));
    if (denied.length > 0)
      throw oauthError('invalid_scope', 'The client may not be granted some of the requested scopes.');
    const scopes = requested.length > 0 ? requested : client.scopes;
    // RFC 8707 resource (or the common `audience`): one of the client's registered audiences.
    const target = params.resource ?? params.audience;
    if (target !== undefined && !client.audiences.includes(target))
      throw oauthError('invalid_target', 'The requested resource is not an audience of this client.');
    const audience = target ?? client.audiences[0]!;
    const issued = this.clients.issue(client, scopes, audience, jkt);
    // RFC 6749 §4.4.3: no refresh token.
    return {
      access_token: issued.token,
      token_type: jkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: issued.expiresIn,
      scope: scopes.join(' '),
    };
  }

  async #refresh(
    params: TokenParams,
    ctx: RequestContext,
    caller: Caller,
    jkt: string | undefined,
  ): Promise<OAuthTokenResponse> {
    const token = params.refresh_token;
    if (token === undefined || token === '')
      throw oauthError('invalid_request', 'The refresh_token parameter is required.');
    // User sessions are granted no OAuth scope: asking for one cannot be satisfied (RFC 6749 §6).
    if (params.scope !== undefined && params.scope.trim() !== '')
      throw oauthError('invalid_scope', 'Refresh tokens of user sessions carry no scope.');
    // The public client (CLIENT_ID) identifies itself with client_id (RFC 6749 §3.2.1); a refresh token
    // is only good for the client it was issued to.
    if (caller.clientId !== undefined) {
      const found = await this.s.sessions.lookup(token);
      if (found && found.session.clientId !== caller.clientId)
        throw new InvalidGrantError('The refresh token was issued to another client.');
    }
    const r = await this.s.auth.refresh(token, ctx, jkt);
    return {
      access_token: r.access_token,
      token_type: r.token_type,
      expires_in: r.expires_in,
      refresh_token: r.refresh_token,
    };
  }
}
