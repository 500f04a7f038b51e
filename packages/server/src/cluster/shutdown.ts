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
  /** Hard deadline for the whole shutdown (ms). */
  timeoutMs: number;
}

/** Drains, closes, resolves true when everything finished before the deadline. */
export async function gracefulShutdown(
  app: FastifyInstance,
  drain: DrainState,
  o: ShutdownOptions,
): Promise<boolean> {
  drain.start();
  const deadline = new Promise<false>((r) => setTimeout(() => r(false), o.timeoutMs).unref());
  const work = (async () => {
    if (o.drainMs > 0) await new Promise((r) => setTimeout(r, o.drainMs));
    await app.close();
    return true as const;
  })();
  return Promise.race([work, deadline]);
}
