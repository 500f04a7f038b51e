import type { FastifyInstance } from 'fastify';
import { Problem } from '../errors.js';
import { sendProblem } from '../http.js';
import { DOCS_HTML, type OpenApiCollector } from '../openapi.js';
import type { Services } from '../services/index.js';

export async function systemRoutes(
  app: FastifyInstance,
  { services, openapi, version }: { services: Services; openapi: OpenApiCollector; version: string },
): Promise<void> {
  const tags = ['system'];

  app.get('/healthz', {
    config: { openapi: { summary: 'Liveness: the process answers', tags } },
    handler: async () => ({ status: 'ok' }),
  });

  app.get('/readyz', {
    config: {
      openapi: {
        summary: 'Readiness: the database answers and a signing key is loaded',
        tags,
        responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
      },
    },
    handler: async (_req, reply) => {
      try {
        await services.storage.ping();
        services.keys.signingKey();
      } catch {
        return sendProblem(
          reply,
          new Problem(
            503,
            'not_ready',
            'Service Unavailable',
            'The database or the signing keys are not available.',
          ),
        );
      }
      return { status: 'ready', storage: services.storage.kind, algorithm: services.keys.algorithm };
    },
  });

  app.get('/openapi.json', {
    config: { openapi: { summary: 'This OpenAPI 3.1 document', tags } },
    handler: async () =>
      openapi.document({ title: 'jwtkit auth service', version, serverUrl: services.config.issuer }),
  });

  app.get('/docs', {
    config: { openapi: { summary: 'Human-readable API documentation', tags } },
    handler: async (_req, reply) => {
      reply.header(
        'content-security-policy',
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      );
      reply.type('text/html; charset=utf-8');
      return DOCS_HTML;
    },
  });
}
