import { randomBytes } from 'node:crypto';
import { PostgresStorage } from '../src/storage/postgres.js';
import { PG_URL, postgresUnavailable } from './pg.js';
import { storageConformance } from './storage-conformance.js';

storageConformance('postgres (unique schema per test)', async () => {
  const reason = await postgresUnavailable();
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
