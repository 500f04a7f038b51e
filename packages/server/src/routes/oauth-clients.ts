/** Admin API for registered machine clients: register (the secret is shown once), list, delete. */
import type { FastifyInstance } from 'fastify';
import { claimsOf, requestContext, requireAuth } from '../http.js';
import { problems, type SchemaTypes } from '../schemas.js';
import type { Services } from '../services/index.js';
import type { OAuthClientService } from '../services/oauth-clients.js';

const clientSchema = {
  type: 'object',
  properties: {
    client_id: { type: 'string' },
    name: { type: 'string' },
    token_endpoint_auth_method: { type: 'string', enum: ['client_secret_basic', 'private_key_jwt'] },
    scope: { type: 'string' },
    audiences: { type: 'array', items: { type: 'string' } },
    jwks: { type: 'object' },
    jwks_uri: { type: 'string' },
    created_at: { type: 'string' },
  },
} as const;

export async function oauthClientRoutes(
  app: FastifyInstance,
  { services, clients }: { services: Services; clients: OAuthClientService },
): Promise<void> {
  const api = app.withTypeProvider<SchemaTypes>();
  const admin = requireAuth(services, 'admin');
  const tags = ['admin'];

  api.post('/admin/oauth-clients', {
    preHandler: admin,
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          client_id: { type: 'string', minLength: 1, maxLength: 64 },
          name: { type: 'string', minLength: 1, maxLength: 200 },
          token_endpoint_auth_method: { type: 'string', enum: ['client_secret_basic', 'private_key_jwt'] },
          scope: { type: 'string', maxLength: 2048 },
          audiences: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 512 } },
          jwks: {
            type: 'object',
            required: ['keys'],
            properties: { keys: { type: 'array', minItems: 1, maxItems: 10, items: { type: 'object' } } },
          },
          jwks_uri: { type: 'string', minLength: 1, maxLength: 2048 },
        },
      },
    },
    config: {
      auth: 'admin',
      openapi: {
        summary: 'Register a machine client (client_credentials); a client_secret is returned once',
        description:
          'client_secret_basic clients get a generated secret (stored as a SHA-256 digest, shown only in this response). private_key_jwt clients register their public keys (jwks) or a jwks_uri.',
        tags,
        responses: {
          '201': { description: 'Registered', schema: clientSchema },
          ...problems(400, 401, 403, 409, 415),
        },
      },
    },
    handler: async (req, reply) => {
      const out = await clients.register(req.body, claimsOf(req).user_id, requestContext(req));
      return reply
        .code(201)
        .send({ ...out.client, ...(out.client_secret ? { client_secret: out.client_secret } : {}) });
    },
  });

  api.get('/admin/oauth-clients', {
    preHandler: admin,
    config: {
      auth: 'admin',
      openapi: {
        summary: 'List registered machine clients (never their secrets)',
        tags,
        responses: {
          '200': {
            description: 'Clients',
            schema: { type: 'object', properties: { clients: { type: 'array', items: clientSchema } } },
          },
          ...problems(400, 401, 403),
        },
      },
    },
    handler: async () => ({ clients: await clients.list() }),
  });

  api.delete('/admin/oauth-clients/:id', {
    preHandler: admin,
    schema: {
      params: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
      },
    },
    config: {
      auth: 'admin',
      openapi: {
        summary:
          'Delete a machine client: it can no longer get tokens, and its tokens stop being accepted here',
        tags,
        responses: { '204': { description: 'Deleted' }, ...problems(400, 401, 403, 404) },
      },
    },
    handler: async (req, reply) => {
      await clients.delete(req.params.id, claimsOf(req).user_id, requestContext(req));
      return reply.code(204).send();
    },
  });
}
