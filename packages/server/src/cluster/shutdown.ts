/**
 * Graceful shutdown for an instance behind a load balancer.
 *
 * On SIGTERM: (1) drain — keep serving for `drainMs`, but `/readyz` answers 503 (the balancer stops
 * routing here) and every response carries `Connection: close`, so clients stop reusing their sockets
 * and no request can be sent on a connection the server is about to close; (2) close — stop accepting
 * connections and let in-flight requests finish (Fastify `close()`); (3) exit. A hard deadline bounds it.
 */
import type { FastifyInstance } from 'fastify';
import { Problem } from '../errors.js';
import { sendProblem } from '../http.js';

export class DrainState {
  #draining = false;
  #since: number | null = null;

  get draining(): boolean {
    return this.#draining;
  }

  start(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#since = Date.now();
  }

  get since(): number | null {
    return this.#since;
  }
}

/** Registers the drain behaviour (call before `app.ready()`). */
export function registerDrain(app: FastifyInstance, drain: DrainState): void {
  // Decided when the response is SENT, not when the request arrived: a request in flight when SIGTERM
  // came is answered with `Connection: close` too, so its socket closes instead of idling in keep-alive.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (drain.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!drain.draining) return;
    reply.header('connection', 'close');
    if (request.url === '/readyz' || request.url.startsWith('/readyz?')) {
      return sendProblem(
        reply,
        new Problem(503, 'draining', 'Service Unavailable', 'This instance is shutting down.'),
      );
    }
  });
}

export interface ShutdownOptions {
  /** Serve-while-draining period before closing the listener (ms). */
  drainMs: number;
  /** How long in-flight requests may take after the drain, before connections are cut (ms). */
  graceMs: number;
}

/**
 * Drains, then closes: stops accepting, answers in-flight requests (with `Connection: close`), closes
 * every connection as soon as it is idle (checked every 25 ms while `close()` waits, so keep-alive
 * clients cannot hold the process open), then the storage (the app's onClose hook). Resolves true when
 * everything finished within `drainMs + graceMs`; false when connections had to be cut at the deadline
 * (the storage is closed either way).
 */
export async function gracefulShutdown(
  app: FastifyInstance,
  drain: DrainState,
  o: ShutdownOptions,
): Promise<boolean> {
  drain.start();
  if (o.drainMs > 0) await new Promise((r) => setTimeout(r, o.drainMs));
  const server = app.server;
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  let cut = false;
  const deadline = setTimeout(() => {
    cut = true;
    server.closeAllConnections();
  }, o.graceMs);
  try {
    server.closeIdleConnections();
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
  return !cut;
}
