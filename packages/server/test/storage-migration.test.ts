// A database created by the previous release (the committed dumps in fixtures/storage-v1, schema AND
// data, made by that release's code: see make.ts there) upgrades in place on both engines, and reads
// back exactly what that release read from it. Also: both engines end with the same tables and columns.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS } from '../src/storage/migrations/index.js';
import { PostgresStorage } from '../src/storage/postgres.js';
import { numberPlaceholders } from '../src/storage/sql.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import type { Storage } from '../src/storage/types.js';
import { SESSION_ID, snapshot, T0, TOKEN_IDS } from './fixtures/storage-v1/seed.js';
import { PG_URL, postgresUnavailable, uniqueSchema } from './pg.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/storage-v1/${name}`, import.meta.url), 'utf8');
const LATEST = MIGRATIONS.at(-1)!.version;

/** Table -> sorted column names. */
type Columns = Record<string, string[]>;

async function sqliteColumns(file: string): Promise<Columns> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ name: string }>;
    const out: Columns = {};
    for (const { name } of tables)
      out[name] = (db.pragma(`table_info(${name})`) as Array<{ name: string }>).map((c) => c.name).sort();
    return out;
  } finally {
    db.close();
  }
}

async function pgColumns(schema: string): Promise<Columns> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const res = await client.query(
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2',
      [schema],
    );
    const out: Columns = {};
    for (const r of res.rows as Array<{ table_name: string; column_name: string }>)
      out[r.table_name] = [...(out[r.table_name] ?? []), r.column_name];
    return out;
  } finally {
    await client.end();
  }
}

/** The upgraded store still works on the old data: ids continue, the family keeps its order. */
async function keepsWorking(s: Storage): Promise<void> {
  const carol = await s.createUser({ username: 'carol', passwordHash: 'h', role: 'user', now: T0 + 90 });
  assert.ok(carol.id >= 1000, `a new user id starts at 1000 on both engines (got ${carol.id})`);
  const last = TOKEN_IDS[2];
  const next = { id: '5f0c8d1e-0000-4000-8000-0000000000a4', tokenHash: 'h3', expiresAt: T0 + 3_600_000 };
  assert.equal(await s.rotateRefreshToken(last, next, T0 + 20), true);
  const family = (await s.listRefreshTokens(SESSION_ID)).map((t) => t.id);
  assert.deepEqual(family, [...TOKEN_IDS, next.id], 'issue order kept within one millisecond');
}

/** Records as JSON text has them (the expected files were written with JSON.stringify). */
const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('storage migrations', () => {
  test('placeholders are numbered for Postgres outside quotes only', () => {
    assert.equal(numberPlaceholders("a = ? AND b = '?' AND c = ?"), "a = $1 AND b = '?' AND c = $2");
  });

  test('migrations are numbered 1..n without gaps', () => {
    assert.deepEqual(
      MIGRATIONS.map((m) => m.version),
      MIGRATIONS.map((_, i) => i + 1),
    );
  });

  test('sqlite: a database of the previous release upgrades in place with its data intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-migrate-'));
    try {
      const old = join(dir, 'old.sqlite');
      const raw = new Database(old);
      raw.exec(fixture('sqlite.sql'));
      assert.equal(raw.pragma('user_version', { simple: true }), 2);
      raw.close();
      const s = new SqliteStorage({ filename: old });
      try {
        await s.migrate();
        await s.migrate();
        assert.deepEqual(json(await snapshot(s)), JSON.parse(fixture('expected-sqlite.json')));
        await keepsWorking(s);
      } finally {
        await s.close();
      }
      const fresh = new SqliteStorage({ filename: join(dir, 'fresh.sqlite') });
      await fresh.migrate();
      await fresh.close();
      const upgraded = await sqliteColumns(old);
      assert.deepEqual(upgraded, await sqliteColumns(join(dir, 'fresh.sqlite')));
      const check = new Database(old, { readonly: true });
      const versions = check.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      check.close();
      assert.deepEqual(
        versions,
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('sqlite: a database newer than this build is refused, not touched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-migrate-'));
    const s = new SqliteStorage({ filename: join(dir, 'db.sqlite') });
    try {
      await s.migrate();
      const raw = new Database(join(dir, 'db.sqlite'));
      raw
        .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)")
        .run(LATEST + 1);
      raw.close();
      await assert.rejects(s.migrate(), /newer than this build/);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('postgres: a schema of the previous release upgrades in place with its data intact; same columns as SQLite', async (t) => {
    const reason = await postgresUnavailable();
    if (reason) {
      if (process.env.CI) assert.fail(reason);
      t.skip(reason);
      return;
    }
    const old = uniqueSchema('mig');
    const fresh = uniqueSchema('migf');
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const s = new PostgresStorage({ connectionString: PG_URL, schema: old, max: 2 });
    const f = new PostgresStorage({ connectionString: PG_URL, schema: fresh, max: 2 });
    try {
      await admin.query(fixture('postgres.sql').replaceAll('jwtkit_fixture_v1', old));
      await s.migrate();
      await s.migrate();
      assert.deepEqual(json(await snapshot(s)), JSON.parse(fixture('expected-postgres.json')));
      await keepsWorking(s);
      await f.migrate();
      const { jwtkit_migrations: legacy, ...upgraded } = await pgColumns(old);
      assert.ok(legacy, 'the legacy record is left in place');
      assert.deepEqual(upgraded, await pgColumns(fresh));
      const dir = mkdtempSync(join(tmpdir(), 'jwtkit-migrate-'));
      try {
        const lite = new SqliteStorage({ filename: join(dir, 'db.sqlite') });
        await lite.migrate();
        await lite.close();
        assert.deepEqual(upgraded, await sqliteColumns(join(dir, 'db.sqlite')), 'both engines: one schema');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const versions = await admin.query(
        `SELECT version, name FROM ${old}.schema_migrations ORDER BY version`,
      );
      assert.deepEqual(
        versions.rows,
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
    } finally {
      await s.dropSchema().catch(() => {});
      await f.dropSchema().catch(() => {});
      await s.close();
      await f.close();
      await admin.end();
    }
  });
});
