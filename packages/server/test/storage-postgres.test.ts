import { PostgresStorage } from '../src/storage/postgres.js';
import { PG_URL, postgresUnavailable, uniqueSchema } from './pg.js';
import { storageConformance } from './storage-conformance.js';

storageConformance('postgres (unique schema per test)', async () => {
  const reason = await postgresUnavailable();
  if (reason) return reason;
  const storage = new PostgresStorage({ connectionString: PG_URL, schema: uniqueSchema('conf'), max: 8 });
  return {
    storage,
    cleanup: async () => {
      await storage.dropSchema();
      await storage.close();
    },
  };
});
