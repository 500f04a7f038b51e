import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
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

test('sqlite: two connections on one file in one process wait for each other without blocking (no deadlock)', async () => {
  // A transaction spans awaits; a blocking busy_timeout in the second connection would stop the event
  // loop that the first one needs to commit, and both would fail with SQLITE_BUSY after 5 s.
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-sqlite-'));
  const file = join(dir, 'two.sqlite');
  const a = new SqliteStorage({ filename: file });
  const b = new SqliteStorage({ filename: file });
  try {
    await a.migrate();
    await b.migrate();
    const u = await a.createUser({ username: 'u', passwordHash: 'h', role: 'user', now: 1 });
    const first = { id: randomUUID(), tokenHash: randomUUID(), expiresAt: 10_000 };
    const sessionId = randomUUID();
    await a.createSession(
      { id: sessionId, userId: u.id, clientId: 'c', expiresAt: 10_000, userAgent: null, ip: null, now: 1 },
      first,
    );
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).rotateRefreshToken(
          first.id,
          { id: randomUUID(), tokenHash: randomUUID(), expiresAt: 10_000 },
          2,
        ),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal((await b.listRefreshTokens(sessionId)).length, 2);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: a read that meets a lock waits and tries again; any other failure is typed at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-sqlite-'));
  const storage = new SqliteStorage({ filename: join(dir, 'locked.sqlite') });
  // The profile read's statement answers what `failures` holds, in order, before reading for real.
  const failures: Array<{ code: string }> = [];
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database.Database, sql: string) {
    const statement = prepare.call(this, sql);
    if (!sql.startsWith('SELECT id, username, role, created_at FROM users')) return statement;
    const get = statement.get.bind(statement) as (...args: unknown[]) => unknown;
    statement.get = (...args: unknown[]) => {
      const failure = failures.shift();
      if (failure) throw Object.assign(new Error('injected'), failure);
      return get(...args);
    };
    return statement;
  } as typeof prepare;
  try {
    await storage.migrate();
    const u = await storage.createUser({ username: 'u', passwordHash: 'h', role: 'user', now: 1 });
    failures.push({ code: 'SQLITE_BUSY' }, { code: 'SQLITE_BUSY_SNAPSHOT' }, { code: 'SQLITE_BUSY' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const profile = await storage.getUserProfile(u.id);
    clearInterval(timer);
    assert.equal(profile?.username, 'u');
    assert.equal(failures.length, 0, 'every locked attempt was retried');
    assert.ok(ticks >= 1, 'the retries waited on timers, not in a loop');
    failures.push({ code: 'SQLITE_IOERR' });
    await assert.rejects(storage.getUserProfile(u.id), { code: 'SQLITE_IOERR' });
    failures.push({ code: 'SQLITE_CORRUPT' });
    await assert.rejects(storage.getUserProfile(u.id), { name: 'StorageCorruptError' });
  } finally {
    Database.prototype.prepare = prepare;
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
