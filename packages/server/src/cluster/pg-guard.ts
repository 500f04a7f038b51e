/**
 * Guard for a pg behaviour that would crash the process when Postgres goes away: a client checked out
 * with `pool.connect()` (transactions) has no 'error' listener while it is checked out, so a dropped
 * connection emits an unhandled 'error' event ("Connection terminated unexpectedly") and Node exits.
 * (`pool.query()` is safe: it listens itself.) Found by the cluster harness (postgres-outage check).
 *
 * The guard gives every checked-out client a listener until it is released. The failing query still
 * rejects (and maps to a 503); the pool discards the broken client on release.
 *
 * The proper home of this fix is `storage/postgres.ts#tx` (`client.on('error', ...)` around the
 * transaction, `client.release(err)` when the connection broke); once it is there this guard is a no-op.
 */
import pg from 'pg';

const GUARDED = Symbol.for('jwtkit.pg-checkout-guard');

type Connect = (this: pg.Pool, cb?: (...args: unknown[]) => void) => Promise<pg.PoolClient> | undefined;

export function installPgCheckoutGuard(): void {
  const proto = pg.Pool.prototype as unknown as { connect: Connect; [GUARDED]?: true };
  if (proto[GUARDED]) return;
  const connect = proto.connect;
  proto.connect = function (this: pg.Pool, cb?: (...args: unknown[]) => void) {
    // The callback form is pool.query's own path, which attaches its own listener.
    if (typeof cb === 'function') return connect.call(this, cb);
    return (connect.call(this) as Promise<pg.PoolClient>).then((client) => {
      const swallow = () => {}; // the pending query rejects with the same error
      client.on('error', swallow);
      const release = client.release;
      client.release = (err?: Error | boolean) => {
        client.removeListener('error', swallow);
        return release.call(client, err);
      };
      return client;
    });
  };
  proto[GUARDED] = true;
}
