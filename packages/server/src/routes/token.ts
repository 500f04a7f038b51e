/** POST /oauth/token (RFC 6749 §3.2): form-encoded only; errors are RFC 6749 §5.2 JSON (oauth-errors.ts). */
import type { FastifyInstance } from 'fastify';
import { Problem } from '../errors.js';
import { requestContext } from '../http.js';
import type { SchemaTypes } from '../schemas.js';
import type { Services } from '../services/index.js';
import { OAuthTokenService } from '../services/oauth-token.js';
import { oauthClientRoutes } from './oauth-clients.js';

const param = { type: 'string', maxLength: 8192 } as const;

/** RFC 6749 §3.2: unknown parameters are ignored; the known ones are bounded strings. */
const tokenParams = {
  type: 'object',
  properties: {
    grant_type: { type: 'string', maxLength: 128 },
    refresh_token: { type: 'string', maxLength: 512 },
    scope: { type: 'string', maxLength: 1024 },
    client_id: { type: 'string', maxLength: 256 },
    client_secret: { type: 'string', maxLength: 512 },
    client_assertion_type: { type: 'string', maxLength: 256 },
    client_assertion: param,
    resource: { type: 'string', maxLength: 2048 },
    audience: { type: 'string', maxLength: 2048 },
  },
} as const;

export const TOKEN_PATH = '/oauth/token';

export async function tokenRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const api = app.withTypeProvider<SchemaTypes>();
  const tokens = new OAuthTokenService(services);
  // Protected routes recognise client_credentials tokens (no user) and say so (services/tokens.ts).
  services.tokens.clientTokens = tokens.clients;
  await app.register(oauthClientRoutes, { services, clients: tokens.clients });
  api.post(TOKEN_PATH, {
    schema: { body: tokenParams },
    preValidation: async (req) => {
      const type = String(req.headers['content-type'] ?? '').toLowerCase();
      if (!type.startsWith('application/x-www-form-urlencoded'))
        throw new Problem(
          415,
          'unsupported_media_type',
          'Unsupported Media Type',
          'The token endpoint accepts application/x-www-form-urlencoded only (RFC 6749 section 3.2).',
        );
    },
    config: {
      acceptsForm: true,
      formOnly: true,
      openapi: {
        summary: 'RFC 6749 token endpoint: refresh_token and client_credentials grants (no password grant)',
        description:
          'application/x-www-form-urlencoded only (RFC 6749 §3.2). grant_type=refresh_token rotates the refresh token exactly like /auth/refresh (same grace window and reuse detection). grant_type=client_credentials for registered clients, authenticated with client_secret_basic (HTTP Basic) or private_key_jwt (client_assertion, RFC 7523). A DPoP header (RFC 9449) binds the issued tokens to its key (token_type DPoP). Client authentication attempts are rate limited (RATE_LIMIT_CLIENT_AUTH, RATE_LIMIT_CLIENT_AUTH_IP). Errors are RFC 6749 §5.2 JSON: 400 invalid_request, invalid_grant, unsupported_grant_type, invalid_scope, invalid_target, invalid_dpop_proof, use_dpop_nonce (with a DPoP-Nonce header); 401 invalid_client.',
        tags: ['oauth'],
        responses: {
          '200': {
            description: 'RFC 6749 §5.1 access token response',
            schema: {
              type: 'object',
              properties: {
                access_token: { type: 'string' },
                token_type: { type: 'string' },
                expires_in: { type: 'integer' },
                refresh_token: { type: 'string' },
                scope: { type: 'string' },
              },
            },
          },
          '400': { description: 'RFC 6749 §5.2 error' },
          '401': { description: 'invalid_client (RFC 6749 §5.2)' },
          '415': { description: 'Not form-encoded' },
          '429': { description: 'Too many requests' },
        },
      },
    },
    handler: async (req, reply) => {
      const body = await tokens.token(
        req.body ?? {},
        requestContext(req),
        req.headers.authorization,
        req.headers.dpop,
      );
      reply.header('pragma', 'no-cache');
      return body;
    },
  });
}
