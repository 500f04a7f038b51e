import type { FastifyInstance } from 'fastify';
import { JWKS_MAX_AGE } from '../config.js';
import { requestContext, requireIntrospectionAuth } from '../http.js';
import { problems, type SchemaTypes } from '../schemas.js';
import type { Services } from '../services/index.js';
import { introspectClientToken, OAuthClientService } from '../services/oauth-clients.js';
import { authorizationServerMetadata } from '../services/oauth-metadata.js';

const tokenBody = {
  type: 'object',
  required: ['token'],
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 8192 },
    token_type_hint: { type: 'string', maxLength: 64 },
    // RFC 7662/7009 allow clients to send their credentials in the body; accepted and ignored.
    client_id: { type: 'string', maxLength: 256 },
  },
  additionalProperties: false,
} as const;

export async function oauthRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const api = app.withTypeProvider<SchemaTypes>();
  const { oauth, keys } = services;
  const tags = ['oauth'];
  // client_credentials tokens (no user) are introspected and revoked here too.
  const clients = new OAuthClientService(services);

  api.post('/oauth/introspect', {
    preHandler: requireIntrospectionAuth(services),
    schema: { body: tokenBody },
    config: {
      acceptsForm: true,
      auth: 'admin',
      openapi: {
        summary: 'RFC 7662 token introspection (access or refresh token)',
        basicAuth: true,
        description:
          'The caller authenticates with HTTP Basic client credentials (INTROSPECTION_CLIENTS) or an admin bearer token. Unknown, expired or revoked tokens answer {"active": false}.',
        tags,
        responses: {
          '200': {
            description: 'Introspection response',
            schema: { type: 'object', properties: { active: { type: 'boolean' } } },
          },
          ...problems(400, 401, 403, 415),
        },
      },
    },
    handler: async (req) =>
      (await introspectClientToken(clients, req.body.token)) ??
      oauth.introspect(req.body.token, req.body.token_type_hint),
  });

  api.post('/oauth/revoke', {
    schema: { body: tokenBody },
    config: {
      acceptsForm: true,
      openapi: {
        summary: 'RFC 7009 token revocation (refresh token: its session; access token: its jti)',
        description:
          'Possession of the token is the authorization. Always 200, also for unknown tokens; revoking a revoked token changes nothing (no audit event). Limited per IP (RATE_LIMIT_REVOKE_IP).',
        tags,
        responses: { '200': { description: 'Revoked (or nothing to revoke)' }, ...problems(400, 415, 429) },
      },
    },
    handler: async (req, reply) => {
      const client = await clients.verify(req.body.token);
      if (client) await services.tokens.denylistToken(client);
      else await oauth.revokeToken(req.body.token, req.body.token_type_hint, requestContext(req));
      return reply.code(200).send();
    },
  });

  api.get('/.well-known/jwks.json', {
    config: {
      openapi: {
        summary: 'Public signing keys (JWK Set): next, active and still-verifying retired keys',
        tags: ['discovery'],
      },
    },
    handler: async (_req, reply) => {
      reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE}`);
      reply.type('application/jwk-set+json');
      return keys.jwks();
    },
  });

  api.get('/.well-known/oauth-authorization-server', {
    config: { openapi: { summary: 'RFC 8414 authorization server metadata', tags: ['discovery'] } },
    handler: async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return authorizationServerMetadata(services);
    },
  });
}
