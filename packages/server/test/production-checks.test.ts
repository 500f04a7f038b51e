// Issue #13: what production mode refuses at start (demo data, a second instance without Redis, a
// guessable JWT_SECRET, a damaged SQLite file, a SECRET_KEY that does not open the stored keys), the
// commands that fix it, and the refusal of over-long access tokens whoever signed them.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { describe, test } from 'node:test';
import { encode } from 'jwtkit';
import { runCommand } from '../src/cli.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { PostgresStorage } from '../src/storage/postgres.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { ALICE, assertProblem, BOB, bearer, login, startApp, TEST_ENV } from './helpers.js';
import { PG_URL, postgresUnavailable } from './pg.js';

const random32 = () => randomBytes(32).toString('base64url');

/** Production settings for startApp (which adds DATABASE_URL and the cheap test limits). */
const production = (secretKey = random32()): Record<string, string> => ({
  JWTKIT_MODE: 'production',
  SECRET_KEY: secretKey,
  ISSUER: 'https://auth.example.test',
  ARGON2_MEMORY_KIB: '19456',
  ARGON2_ITERATIONS: '1',
  SEED_DEMO_USERS: 'false',
});

const refused = async (p: Promise<unknown>, name: string, re: RegExp): Promise<string> => {
  try {
    const started = (await p) as { close?: () => Promise<void> };
    await started.close?.();
  } catch (err) {
    assert.equal((err as Error).name, name, String(err));
    assert.match((err as Error).message, re);
    return (err as Error).message;
  }
  assert.fail(`expected ${name}`);
};

const cli = async (args: string[], env: Record<string, string>) => {
  const lines: string[] = [];
  const code = await runCommand(args, { ...TEST_ENV, ...env }, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
};

const skipWithoutPostgres = async (t: { skip(m: string): void }): Promise<boolean> => {
  const reason = await postgresUnavailable();
  if (!reason) return false;
  if (process.env.CI) assert.fail(reason);
  t.skip(reason);
  return true;
};

describe('production refuses demo data', () => {
  test('a database started in demo mode: refused with the command; the command removes it all', async () => {
    const demo = await startApp();
    const dir = demo.dir;
    const dbFile = demo.dbFile;
    await demo.app.close();
    const prod = production();
    const message = await refused(startApp(prod, { dir }), 'DemoDataError', /remove-demo-data/);
    assert.match(message, /demo account "alice" \(id 101, admin\)/);
    assert.match(message, /demo account "bob"/);
    assert.match(message, /signing key .* sealed with the demo secret/);
    const removed = await cli(['remove-demo-data'], { ...prod, DATABASE_URL: dbFile });
    assert.equal(removed.code, 0, removed.out);
    assert.match(removed.out, /removed demo account "alice"/);
    const t = await startApp(prod, { dir });
    try {
      assertProblem(
        await t.app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { username: ALICE.username, password: ALICE.password },
        }),
        401,
        'invalid_credentials',
      );
      assert.equal(await t.services.storage.getUserById(101), null);
      // the keys are new: none of the demo-sealed ones remain
      assert.ok((await t.services.storage.listSigningKeys()).length >= 2);
      const again = await cli(['remove-demo-data'], { ...prod, DATABASE_URL: dbFile });
      assert.equal(again.code, 1, 'the running instance holds the lease');
      assert.match(again.out, /REDIS_URL/);
    } finally {
      await t.close();
    }
    const nothing = await cli(['remove-demo-data'], { ...prod, DATABASE_URL: dbFile });
    assert.equal(nothing.code, 0);
    assert.match(nothing.out, /no demo data found/);
  });

  test('an account that merely uses a published demo password is refused too (SQLite and Postgres)', async (t) => {
    const secretKey = random32();
    const check = async (build: Parameters<typeof startApp>[1]) => {
      const first = await startApp({ SEED_DEMO_USERS: 'false', SECRET_KEY: secretKey }, build);
      const reg = await first.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: 'bob', password: BOB.password },
      });
      assert.equal(reg.statusCode, 201, reg.body);
      await first.app.close();
      const message = await refused(
        startApp(production(secretKey), { ...build, dir: first.dir }),
        'DemoDataError',
        /account "bob" \(id \d+\) uses the published demo password/,
      );
      assert.doesNotMatch(message, /signing key/, 'SECRET_KEY was set: the keys are not demo-sealed');
      return first;
    };
    const sqlite = await check({});
    await sqlite.close();
    if (await skipWithoutPostgres(t)) return;
    const storage = new PostgresStorage({
      connectionString: PG_URL,
      schema: `jwtkit_demo_${randomBytes(4).toString('hex')}`,
      max: 4,
    });
    try {
      await check({ build: { infra: { storage } } });
    } finally {
      await storage.dropSchema();
      await storage.close();
    }
  });
});

describe('one instance per database without REDIS_URL', () => {
  test('SQLite: a second instance is refused with a message naming REDIS_URL; after the first stops it starts', async () => {
    const a = await startApp();
    try {
      await refused(startApp({}, { dir: a.dir }), 'InstanceLeaseError', /set REDIS_URL/);
      // a is unaffected and its revocations are the only ones
      const tok = await login(a.app, BOB);
      assert.equal(
        (await a.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) })).statusCode,
        200,
      );
    } finally {
      await a.app.close();
    }
    const b = await startApp({}, { dir: a.dir });
    await b.close();
  });

  test('Postgres: the same through pg_try_advisory_lock (per schema)', async (t) => {
    if (await skipWithoutPostgres(t)) return;
    const schema = `jwtkit_lease_${randomBytes(4).toString('hex')}`;
    const open = () => new PostgresStorage({ connectionString: PG_URL, schema, max: 4 });
    const s1 = open();
    const s2 = open();
    const other = new PostgresStorage({ connectionString: PG_URL, schema: `${schema}_x`, max: 2 });
    try {
      const a = await startApp({}, { build: { infra: { storage: s1 } } });
      try {
        const msg = await refused(
          startApp({}, { build: { infra: { storage: s2 } } }),
          'InstanceLeaseError',
          /REDIS_URL/,
        );
        assert.match(msg, new RegExp(`advisory lock on schema ${schema}`));
        assert.equal(await other.acquireInstanceLease(), true, 'another schema is another lease');
      } finally {
        await a.close();
      }
      const b = await startApp({}, { build: { infra: { storage: s2 } } });
      await b.close();
    } finally {
      await s1.dropSchema().catch(() => {});
      await s1.close();
      await s2.close();
      await other.close();
    }
  });
});

test('Postgres: a lease lost with its connection is taken back, or reported when another instance took it', async (t) => {
  if (await skipWithoutPostgres(t)) return;
  const schema = `jwtkit_relock_${randomBytes(4).toString('hex')}`;
  const s1 = new PostgresStorage({ connectionString: PG_URL, schema, max: 2 });
  const s2 = new PostgresStorage({ connectionString: PG_URL, schema, max: 2 });
  const admin = new PostgresStorage({ connectionString: PG_URL, max: 1 });
  const lostMessages: string[] = [];
  s1.onLeaseLost = (m) => lostMessages.push(m);
  const killLeaseBackend = async () => {
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      const r = await c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = 727275
           AND objid::bigint = (hashtext($1)::bigint & 4294967295)`,
        [schema],
      );
      assert.equal(r.rowCount, 1, 'one lease backend');
    } finally {
      await c.end();
    }
  };
  const until = async (cond: () => boolean, ms: number) => {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > ms) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  };
  try {
    assert.equal(await s1.acquireInstanceLease(), true);
    await killLeaseBackend();
    assert.ok(await until(() => !s1.holdsInstanceLease, 2000), 'the loss is noticed');
    assert.ok(await until(() => s1.holdsInstanceLease, 5000), 'and the lease taken back');
    assert.equal(await s2.acquireInstanceLease(), false, 'a second instance is refused again');
    // lost and taken by another instance before the retry: reported, not silently shared
    await killLeaseBackend();
    assert.ok(await until(() => !s1.holdsInstanceLease, 2000));
    assert.equal(await s2.acquireInstanceLease(), true);
    assert.ok(await until(() => lostMessages.length > 0, 5000), 'reported');
    assert.match(lostMessages[0]!, /another instance now holds it/);
  } finally {
    await s1.close();
    await s2.close();
    await admin.close();
  }
});

describe('JWT_SECRET and access-token lifetime', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...env, DATABASE_URL: '/tmp/x.sqlite' }, '/x');
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
  };
  const prodHs = (secret: string) => ({ ...production(), JWT_SECRET: secret });

  test('production refuses low-entropy JWT_SECRET text and accepts base64/hex of 32 random bytes', () => {
    for (const weak of [
      'password1234567890password1234567890',
      'changeme-changeme-changeme-changeme-12345678',
      'Mytopsecretjwtsigningkeyforproductionuse2024',
      'ThisIsMyVeryLongAndSecureSecretKeyForJWTs2024',
      Buffer.from('some plain text encoded in base64 is not random').toString('base64'),
      '0123456789abcdef'.repeat(4),
      'a'.repeat(64),
      randomBytes(24).toString('base64'), // 192 bits
      'a secret with spaces and punctuation!!! 0123456789',
    ]) {
      const p = problems(prodHs(weak));
      assert.ok(
        p.some((x) => /^JWT_SECRET .*256 bits from a random source/.test(x)),
        `${weak}: ${p.join('; ')}`,
      );
    }
    for (let i = 0; i < 200; i++) {
      for (const good of [
        randomBytes(32).toString('base64'),
        randomBytes(32).toString('base64url'),
        randomBytes(32).toString('hex'),
        randomBytes(48).toString('base64'),
      ])
        assert.deepEqual(problems(prodHs(good)), [], good);
    }
  });

  test('an access token living longer than ACCESS_TOKEN_TTL + leeway is refused, whoever signed it', async () => {
    const secret = random32();
    const t = await startApp({ JWT_SECRET: secret, ACCESS_TOKEN_TTL: '10m', CLOCK_LEEWAY: '5' });
    try {
      const now = Math.floor(t.clock.now() / 1000);
      const good = await login(t.app, ALICE);
      const claims = {
        iss: t.config.issuer,
        aud: t.config.audience,
        sub: '101',
        user_id: 101,
        username: 'alice',
        role: 'admin',
        sid: randomUUID(),
        client_id: 'jwtkit-demo',
        epoch: 0,
        jti: randomUUID(),
        iat: now,
        auth_time: now,
      };
      const forge = (extra: Record<string, number>) =>
        encode({ ...claims, jti: randomUUID(), ...extra }, Buffer.from(secret), {
          algorithm: 'HS256',
          keyId: String(
            (
              JSON.parse(Buffer.from(good.access_token.split('.')[0]!, 'base64url').toString()) as {
                kid: string;
              }
            ).kid,
          ),
          headers: { typ: 'at+jwt' },
        });
      const me = (token: string) => t.app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
      // the key works: a token with the service's own lifetime is accepted (so the refusals below are about lifetime)
      assert.equal((await me(forge({ exp: now + 600 }))).statusCode, 200);
      assert.equal((await me(forge({ exp: now + 605 }))).statusCode, 200, 'TTL + leeway');
      assertProblem(await me(forge({ iat: now + 3600, exp: now + 3700 })), 401, 'invalid_token');
      const tooLong: Array<Record<string, number>> = [
        { exp: now + 10 * 365 * 86400 },
        { exp: now + 606 },
        { iat: now - 3600, exp: now + 60 },
      ];
      for (const bad of tooLong) {
        const res = await me(forge(bad));
        assertProblem(res, 401, 'invalid_token');
        assert.match(String(res.headers['www-authenticate']), /lives longer than this service issues/);
      }
      // introspection says inactive too
      const intro = await t.app.inject({
        method: 'POST',
        url: '/oauth/introspect',
        headers: bearer(good.access_token),
        payload: { token: forge({ exp: now + 86400 }) },
      });
      assert.deepEqual(intro.json(), { active: false });
    } finally {
      await t.close();
    }
  });
});

describe('SECRET_KEY that does not open the stored keys', () => {
  test('named in the message with what to do; reset-signing-keys recovers', async () => {
    const a = await startApp({ SECRET_KEY: random32() });
    const tok = await login(a.app, BOB);
    await a.app.close();
    const otherKey = random32();
    const message = await refused(
      startApp({ SECRET_KEY: otherKey }, { dir: a.dir }),
      'SecretKeyMismatchError',
      /^SECRET_KEY does not match the key that sealed the stored signing keys/,
    );
    assert.match(message, /reset-signing-keys/);
    assert.doesNotMatch(message, /Unsupported state/);
    const reset = await cli(['reset-signing-keys'], { SECRET_KEY: otherKey, DATABASE_URL: a.dbFile });
    assert.equal(reset.code, 0, reset.out);
    const b = await startApp({ SECRET_KEY: otherKey }, { dir: a.dir });
    try {
      assertProblem(
        await b.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) }),
        401,
        'invalid_token',
      );
      assert.equal((await login(b.app, BOB)).token_type, 'Bearer');
    } finally {
      await b.close();
    }
  });
});

describe('damaged SQLite file', () => {
  const damage = (file: string, at: number, length: number) => {
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(length), 0, length, at);
    closeSync(fd);
  };

  test('quick_check at start: a damaged file refuses to start and says how to restore it', async () => {
    const a = await startApp();
    for (let i = 0; i < 40; i++)
      await a.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: `user${i}`, password: `a-long-password-${i}-xyz` },
      });
    await a.app.close(); // checkpoints the WAL into the file
    assert.ok(statSync(a.dbFile).size > 4096 * 4);
    for (const page of [1, 2, 3]) damage(a.dbFile, 4096 * page, 64); // b-tree page headers; file header intact
    const msg = await refused(startApp({}, { dir: a.dir }), 'StorageCorruptError', /is damaged/);
    assert.match(msg, /restore the latest backup/);
    assert.match(msg, /\.recover/);
    damage(a.dbFile, 0, 100); // the header: SQLITE_NOTADB
    await refused(startApp({}, { dir: a.dir }), 'StorageCorruptError', /is damaged/);
    await a.close();
  });

  test('SQLITE_CORRUPT while running: 503 storage_corrupt and /readyz not ready', async () => {
    const t = await startApp();
    try {
      const storage = t.services.storage as SqliteStorage;
      const corrupt = Object.assign(new Error('database disk image is malformed'), {
        code: 'SQLITE_CORRUPT',
      });
      storage.getUserByUsername = async () => {
        throw corrupt;
      };
      storage.ping = async () => {
        throw corrupt;
      };
      assertProblem(
        await t.app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { username: BOB.username, password: BOB.password },
        }),
        503,
        'storage_corrupt',
      );
      assertProblem(await t.app.inject({ method: 'GET', url: '/readyz' }), 503, 'not_ready');
    } finally {
      await t.close();
    }
  });

  test('the storage remembers corruption: once a query hit it, ping fails (readiness) for good', async () => {
    const a = await startApp();
    await a.app.close();
    const s = new SqliteStorage({ filename: a.dbFile });
    try {
      damage(a.dbFile, 0, 100);
      const s2 = new SqliteStorage({ filename: a.dbFile });
      await assert.rejects(s2.checkIntegrity(), { name: 'StorageCorruptError' });
      await assert.rejects(s2.ping(), { name: 'StorageCorruptError' });
      await assert.rejects(s2.getUserById(1), { name: 'StorageCorruptError' });
      await s2.close();
    } finally {
      await s.close();
      await a.close();
    }
  });
});
