import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { storageConformance } from './storage-conformance.js';

storageConformance('sqlite (temporary file, WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-sqlite-'));
  const storage = new SqliteStorage({ filename: join(dir, 'nested', 'test.sqlite') });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
