// Postgres reachability for the tests that need it (skip loudly, or fail under CI).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let probe: Promise<string | null> | undefined;

/** null when Postgres answers, else why not. */
export function postgresUnavailable(): Promise<string | null> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return null;
    } catch (err) {
      return `postgres not reachable at ${PG_URL.replace(/:[^:@/]*@/, ':***@')}: ${(err as Error).message}`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return probe;
}

/** A schema name no other test (or helper sharing this Postgres) uses: `jwtkit_test_<tag>_<pid>_<random>`. */
export const uniqueSchema = (tag: string): string =>
  `jwtkit_test_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
