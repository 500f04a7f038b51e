import { isAbsolute, resolve } from 'node:path';
import { PostgresStorage } from './postgres.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './types.js';

export type { Storage } from './types.js';

/**
 * Picks the storage from a DATABASE_URL: `postgres://` / `postgresql://` -> Postgres; `sqlite:<path>`,
 * `file:<path>` or a bare path -> SQLite. Relative SQLite paths resolve against `baseDir`.
 */
export function createStorage(databaseUrl: string, baseDir: string): Storage {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return new PostgresStorage({ connectionString: databaseUrl });
  return new SqliteStorage({ filename: sqlitePath(databaseUrl, baseDir) });
}

export function sqlitePath(databaseUrl: string, baseDir: string): string {
  let p = databaseUrl;
  if (/^sqlite:/i.test(p)) p = p.slice('sqlite:'.length);
  else if (/^file:/i.test(p)) p = p.slice('file:'.length);
  if (p.startsWith('//')) p = p.slice(2);
  if (p === ':memory:') return p;
  return isAbsolute(p) ? p : resolve(baseDir, p);
}
