import type { FastifyInstance } from 'fastify';

/**
 * Registers the web page (`/`) and its static assets. Owned by the web-page work (issue 8);
 * the app calls this once while it is being built.
 */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  app.get('/', async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    return '<!doctype html><title>jwtkit</title><h1>jwtkit</h1>';
  });
}
