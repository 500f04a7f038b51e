import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStorage } from '../src/storage/postgres.js';
import { storageConformance } from './storage-conformance.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<string | null> | undefined;
/** null when Postgres answers, else the reason it does not. */
function probe(): Promise<string | null> {
  reachable ??= (async () => {
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
  return reachable;
}

storageConformance('postgres (unique schema per test)', async () => {
  const reason = await probe();
  if (reason) return reason;
  const schema = `jwtkit_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const storage = new PostgresStorage({ connectionString: PG_URL, schema, max: 8 });
  return {
    storage,
    cleanup: async () => {
      await storage.dropSchema();
      await storage.close();
    },
  };
});
