import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
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
