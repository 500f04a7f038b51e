/**
 * Graceful shutdown for an instance behind a load balancer.
 *
 * On SIGTERM: (1) drain — keep serving for `drainMs`, but `/readyz` answers 503 (the balancer stops
 * routing here) and every response carries `Connection: close`, so clients stop reusing their sockets
 * and no request can be sent on a connection the server is about to close; (2) close — stop accepting
 * connections and let in-flight requests finish (Fastify `close()`); (3) exit. A hard deadline bounds it.
 * The HTTP side of the drain (readiness 503, `Connection: close`) is the Fastify plugin in drain-plugin.ts.
 */
import type { Server } from 'node:http';

/** What the shutdown needs of the app (a Fastify instance fits): its listener and its close. */
export interface ClosableServer {
  readonly server: Pick<Server, 'closeIdleConnections' | 'closeAllConnections'>;
  close(): PromiseLike<unknown>;
}

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
  app: ClosableServer,
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
