import type { FastifyInstance } from 'fastify';
import { claimsOf, requestContext, requireAuth } from '../http.js';
import { problems, type SchemaTypes, userIdParam, userSchema } from '../schemas.js';
import type { Services } from '../services/index.js';

export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const api = app.withTypeProvider<SchemaTypes>();
  const { admin: adminService, keys } = services;
  const admin = requireAuth(services, 'admin');
  const tags = ['admin'];
  const guarded = problems(400, 401, 403);

  api.get('/admin/users', {
    preHandler: admin,
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0 },
        },
      },
    },
    config: {
      auth: 'admin',
      openapi: {
        summary: 'List users',
        tags,
        responses: {
          '200': {
            description: 'A page of users',
            schema: {
              type: 'object',
              properties: {
                users: { type: 'array', items: userSchema },
                total: { type: 'integer' },
                limit: { type: 'integer' },
                offset: { type: 'integer' },
              },
            },
          },
          ...guarded,
        },
      },
    },
    handler: async (req) => adminService.listUsers(req.query.limit, req.query.offset),
  });

  api.patch('/admin/users/:id', {
    preHandler: admin,
    schema: {
      params: userIdParam,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { role: { type: 'string', enum: ['admin', 'user'] }, disabled: { type: 'boolean' } },
      },
    },
    config: {
      auth: 'admin',
      openapi: {
        summary: "Change a user's role or disable/enable them (their existing tokens stop working)",
        tags,
        responses: {
          '200': { description: 'The updated user', schema: userSchema },
          ...guarded,
          ...problems(404, 409, 415),
        },
      },
    },
    handler: async (req) =>
      adminService.updateUser(claimsOf(req), req.params.id, req.body, requestContext(req)),
  });

  api.post('/admin/users/:id/revoke-sessions', {
    preHandler: admin,
    schema: { params: userIdParam },
    config: {
      auth: 'admin',
      openapi: {
        summary: "Revoke all of a user's sessions and access tokens",
        tags,
        responses: {
          '200': {
            description: 'Done',
            schema: { type: 'object', properties: { revoked_sessions: { type: 'integer' } } },
          },
          ...guarded,
          ...problems(404),
        },
      },
    },
    handler: async (req) =>
      adminService.adminRevokeSessions(claimsOf(req), req.params.id, requestContext(req)),
  });

  api.get('/admin/audit-events', {
    preHandler: admin,
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          before: { type: 'integer', minimum: 1, description: 'return events with a lower id (paging)' },
          user_id: { type: 'integer', minimum: 1 },
          type: { type: 'string', maxLength: 64, pattern: '^[a-z_.]+$' },
        },
      },
    },
    config: {
      auth: 'admin',
      openapi: {
        summary: 'Audit events, newest first',
        tags,
        responses: {
          '200': {
            description: 'Events',
            schema: {
              type: 'object',
              properties: { events: { type: 'array' }, next_before: { type: ['integer', 'null'] } },
            },
          },
          ...guarded,
        },
      },
    },
    handler: async (req) => {
      const q = req.query;
      const events = await services.audit.list({
        limit: q.limit,
        ...(q.before === undefined ? {} : { beforeId: q.before }),
        ...(q.user_id === undefined ? {} : { userId: q.user_id }),
        ...(q.type === undefined ? {} : { type: q.type }),
      });
      return {
        events: events.map((e) => ({
          id: e.id,
          at: new Date(e.at).toISOString(),
          type: e.type,
          user_id: e.userId,
          actor_id: e.actorId,
          session_id: e.sessionId,
          ip: e.ip,
          details: e.details,
        })),
        next_before: events.length === q.limit ? (events.at(-1)?.id ?? null) : null,
      };
    },
  });

  api.get('/admin/keys', {
    preHandler: admin,
    config: {
      auth: 'admin',
      openapi: {
        summary: 'Signing keys (metadata only, never private material)',
        tags,
        responses: { '200': { description: 'Keys' }, ...guarded },
      },
    },
    handler: async () => ({ algorithm: keys.algorithm, keys: keys.list() }),
  });

  api.post('/admin/keys/rotate', {
    preHandler: admin,
    config: {
      auth: 'admin',
      openapi: {
        summary: 'Rotate: the published next key starts signing, a new next key is published',
        tags,
        responses: { '200': { description: 'New key state' }, ...guarded, ...problems(409) },
      },
    },
    handler: async (req) => {
      const r = await keys.rotate(claimsOf(req).user_id);
      return { ...r, keys: keys.list() };
    },
  });
}
