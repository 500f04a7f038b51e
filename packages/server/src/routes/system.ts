import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '../domain-errors.js';
import { domainProblem } from '../error-mapper.js';
import { sendProblem } from '../http.js';
import { DOCS_HTML, type OpenApiCollector } from '../openapi.js';
import { readinessFailure } from '../services/health.js';
import type { Services } from '../services/index.js';

/** CSP source for each inline <script>/<style> block of a page: its SHA-256 (no 'unsafe-inline'). */
function inlineHashes(html: string, tag: 'script' | 'style'): string {
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  return [...html.matchAll(re)]
    .map((m) => `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`)
    .join(' ');
}

/** The /docs page's policy: only its own inline blocks, by hash; it may not be framed. */
export const DOCS_CSP = [
  "default-src 'none'",
  `script-src ${inlineHashes(DOCS_HTML, 'script')}`,
  `style-src ${inlineHashes(DOCS_HTML, 'style')}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

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
    handler: async (req, reply) => {
      const failure = await readinessFailure(services.storage, services.keys);
      if (failure) {
        if (failure.corrupt) req.log.error({ err: failure.err }, (failure.err as Error).message);
        return sendProblem(
          reply,
          domainProblem(
            new UnavailableError('not_ready', 'The database or the signing keys are not available.'),
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
      reply.header('content-security-policy', DOCS_CSP);
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
      reply.type('text/html; charset=utf-8');
      return DOCS_HTML;
    },
  });
}
