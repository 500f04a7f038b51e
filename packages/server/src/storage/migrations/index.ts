/**
 * The numbered schema migrations, one list for both engines, recorded in `schema_migrations` (version,
 * name, applied_at). A migration is one SQL text with `{{macros}}` for the engines' type names (see
 * sql.ts), or, where even the statements differ (ALTER), one text per engine.
 *
 * Databases made before this list existed recorded their version elsewhere (SQLite `PRAGMA
 * user_version`, Postgres `jwtkit_migrations`); their migrations are 0001 and 0002 here, unchanged, so
 * the first run adopts that record and continues from it. The legacy records are left as they were.
 */
import type { Db, Engine, Macros } from '../sql.js';
import { expandMacros } from '../sql.js';
import { m0001 } from './0001-initial.js';
import { m0002 } from './0002-oauth-clients.js';
import { m0003 } from './0003-one-schema.js';

export interface Migration {
  version: number;
  name: string;
  up: string | Record<Engine, string>;
  macros?: Macros;
}

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003];

/** The SQL a migration runs on one engine. */
export function migrationSql(m: Migration, engine: Engine): string {
  return expandMacros(typeof m.up === 'string' ? m.up : m.up[engine], engine, m.macros);
}

export interface MigrationHooks {
  /** Serialises concurrent migrators (Postgres advisory lock; SQLite: its write lock already does). */
  lock(db: Db): Promise<void>;
  /** How many migrations the database recorded before `schema_migrations` (0 for a new database). */
  legacyVersion(db: Db): Promise<number>;
}

/** Applies every migration not yet recorded, all in one transaction; returns the versions it applied. */
export async function runMigrations(
  db: Db,
  hooks: MigrationHooks,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): Promise<number[]> {
  return db.tx(async (t) => {
    await hooks.lock(t);
    await t.exec(
      expandMacros(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {{int64}} NOT NULL)',
        t.engine,
      ),
    );
    const record = (m: Migration) =>
      t.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        now(),
      ]);
    let current = Number(
      (await t.get('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations'))?.v ?? 0,
    );
    if (current === 0) {
      const legacy = await hooks.legacyVersion(t);
      for (const m of migrations.filter((x) => x.version <= legacy)) await record(m);
      current = legacy;
    }
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest)
      throw new Error(
        `the database schema is at version ${current}, newer than this build knows (${latest}): run the newer release, or restore a backup made before it`,
      );
    const applied: number[] = [];
    for (const m of migrations.filter((x) => x.version > current)) {
      await t.exec(migrationSql(m, t.engine));
      await record(m);
      applied.push(m.version);
    }
    return applied;
  });
}
