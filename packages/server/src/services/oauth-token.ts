/**
 * The RFC 6749 §3.2 token endpoint's grants. One implementation of each use-case: the refresh grant is
 * `AuthService.refresh` (the same rotation, grace window and reuse detection as `/auth/refresh`).
 * There is no password grant (RFC 9700 §2.4): users log in at /auth/login.
 */
import { Problem } from '../errors.js';
import type { Services } from './index.js';
import type { RequestContext } from './sessions.js';

/** The grants /oauth/token serves: the metadata's grant_types_supported is this list. */
export const GRANT_TYPES = ['refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** Client authentication at /oauth/token (RFC 7591 §2 names). */
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly string[] = ['none'];
/** JWS algorithms accepted for private_key_jwt client assertions. */
export const CLIENT_ASSERTION_ALGORITHMS: readonly string[] = [];
/** JWS algorithms accepted for DPoP proofs (RFC 9449). */
export const DPOP_ALGORITHMS: readonly string[] = [];

export interface OAuthTokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

export type TokenParams = Record<string, string | undefined>;

export const oauthError = (error: string, description: string, status = 400, headers = {}) =>
  new Problem(status, error, status === 401 ? 'Unauthorized' : 'Bad Request', description, { headers });

const isGrant = (g: string): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g);

export class OAuthTokenService {
  constructor(private readonly s: Services) {}

  /** `authorization`: the request's Authorization header (client_secret_basic). */
  async token(
    params: TokenParams,
    ctx: RequestContext,
    authorization: string | undefined,
  ): Promise<OAuthTokenResponse> {
    // Client credentials of a kind nobody holds are refused, never ignored.
    if (
      (authorization !== undefined && authorization !== '') ||
      params.client_secret !== undefined ||
      params.client_assertion !== undefined ||
      params.client_assertion_type !== undefined
    ) {
      throw this.#invalidClient();
    }
    const grant = params.grant_type;
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
        return this.#refresh(params, ctx);
    }
  }

  #invalidClient(description = 'Client authentication failed.') {
    return oauthError('invalid_client', description, 401, {
      'www-authenticate': `Basic realm="${this.s.config.realm.replace(/["\\]/g, '')}"`,
    });
  }

  async #refresh(params: TokenParams, ctx: RequestContext): Promise<OAuthTokenResponse> {
    const token = params.refresh_token;
    if (token === undefined || token === '')
      throw oauthError('invalid_request', 'The refresh_token parameter is required.');
    // User sessions are granted no OAuth scope: asking for one cannot be satisfied (RFC 6749 §6).
    if (params.scope !== undefined && params.scope.trim() !== '')
      throw oauthError('invalid_scope', 'Refresh tokens of user sessions carry no scope.');
    // The public client (CLIENT_ID) identifies itself with client_id (RFC 6749 §3.2.1); a refresh token
    // is only good for the client it was issued to.
    if (params.client_id !== undefined) {
      const found = await this.s.sessions.lookup(token);
      if (found && found.session.clientId !== params.client_id)
        throw oauthError('invalid_grant', 'The refresh token was issued to another client.');
    }
    const r = await this.s.auth.refresh(token, ctx);
    return {
      access_token: r.access_token,
      token_type: 'Bearer',
      expires_in: r.expires_in,
      refresh_token: r.refresh_token,
    };
  }
}
