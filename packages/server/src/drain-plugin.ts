/**
 * The HTTP side of the graceful drain (cluster/shutdown.ts holds the state and the shutdown sequence), as
 * a Fastify plugin: while draining, `/readyz` answers 503 (the balancer stops routing here) and every
 * response carries `Connection: close`.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { DrainState } from './cluster/shutdown.js';
import { UnavailableError } from './domain-errors.js';
import { domainProblem, sendProblem } from './error-mapper.js';

const drainPlugin: FastifyPluginCallback<{ drain: DrainState }> = (app, { drain }, done) => {
  // Decided when the response is SENT, not when the request arrived: a request in flight when SIGTERM
  // came is answered with `Connection: close` too, so its socket closes instead of idling in keep-alive.
  app.addHook('onSend', (_request, reply, payload, next) => {
    if (drain.draining) reply.header('connection', 'close');
    next(null, payload);
  });
  // Callback form: no promise per request while not draining (the common case).
  app.addHook('onRequest', (request, reply, done) => {
    if (!drain.draining) return done();
    reply.header('connection', 'close');
    if (request.url === '/readyz' || request.url.startsWith('/readyz?')) {
      sendProblem(reply, domainProblem(new UnavailableError('draining', 'This instance is shutting down.')));
      return; // replied: the request goes no further
    }
    done();
  });
  done();
};

// Not encapsulated (what fastify-plugin does, without the dependency): the hooks apply to every route.
Object.assign(drainPlugin, { [Symbol.for('skip-override')]: true });

/** Register on the root instance (`app.register(drainHooks, { drain })`) before the routes. */
export const drainHooks = drainPlugin;
