// Several instances starting together on one empty database create exactly one active and one next key.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { createServices } from '../src/services/index.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { TEST_ENV } from './helpers.js';

test('concurrent first starts share one key bootstrap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-boot-'));
  const file = join(dir, 'db.sqlite');
  const config = loadConfig({ ...TEST_ENV, DATABASE_URL: file }, dir);
  const stores = [0, 1, 2].map(() => new SqliteStorage({ filename: file }));
  try {
    await stores[0]!.migrate();
    // Several instances on one database model a Redis deployment: no single-instance lease here.
    const all = await Promise.all(
      stores.map((storage) => createServices(config, { storage, singleInstanceLease: false })),
    );
    const keys = await stores[0]!.listSigningKeys();
    assert.deepEqual(keys.map((k) => k.status).sort(), ['active', 'next']);
    const kids = new Set(all.map((s) => s.keys.signingKey().kid));
    assert.equal(kids.size, 1, 'every instance signs with the same key');
    await Promise.all(all.map((s) => s.close()));
  } finally {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
