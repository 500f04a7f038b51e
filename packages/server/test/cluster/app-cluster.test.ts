// Two real apps (same database, same Redis) wired by REDIS_URL: revocations, epochs, key rotations and
// rate limits cross instances; a Redis outage answers 503 + Retry-After over HTTP; the SIGTERM drain.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { RedisRateLimiter } from '../../src/cluster/index.js';
import { loadConfig } from '../../src/config.js';
import { ALICE, BOB, bearer, jwtPart, login, startApp, TEST_ENV, type TestApp } from '../helpers.js';
import {
  dropPrefix,
  freePort,
  PrivateRedis,
  REDIS_URL,
  redisServerMissing,
  redisUnavailable,
  skipUnless,
  uniquePrefix,
} from './_redis.js';

const until = async (cond: () => Promise<boolean>, ms: number): Promise<number> => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
};

async function pair(
  redisUrl: string,
  extra: Record<string, string> = {},
): Promise<{ a: TestApp; b: TestApp; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-cluster-app-'));
  const prefix = uniquePrefix('app');
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, ISSUER: 'http://cluster.test', ...extra };
  const a = await startApp(env, { dir });
  const b = await startApp(env, { dir }); // after a: the signing keys exist
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await dropPrefix(redisUrl, prefix).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const me = (t: TestApp, token: string) => t.app.inject({ method: 'GET', url: '/me', headers: bearer(token) });

describe('two app instances sharing Redis', () => {
  test('REDIS_URL wires the Redis implementations; logout and logout-all on A reach B within 1 s', async (t) => {
    if (skipUnless(t, await redisUnavailable())) return;
    const c = await pair(REDIS_URL);
    try {
      assert.ok(c.a.services.cluster, 'cluster wiring');
      assert.ok(c.a.services.limiter instanceof RedisRateLimiter);
      const tok = await login(c.a.app, BOB);
      assert.equal((await me(c.b, tok.access_token)).statusCode, 200);
      const lo = await c.a.app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: bearer(tok.access_token),
      });
      assert.equal(lo.statusCode, 204);
      const ms = await until(async () => (await me(c.b, tok.access_token)).statusCode === 401, 1000);
      assert.ok(ms < 1000);

      const t1 = await login(c.b.app, BOB);
      const t2 = await login(c.b.app, BOB);
      assert.equal((await me(c.a, t2.access_token)).statusCode, 200);
      const all = await c.a.app.inject({
        method: 'POST',
        url: '/auth/logout-all',
        headers: bearer(t1.access_token),
      });
      assert.equal(all.statusCode, 200);
      await until(async () => (await me(c.b, t2.access_token)).statusCode === 401, 1000);
      assert.equal((await me(c.a, t2.access_token)).statusCode, 401);
    } finally {
      await c.close();
    }
  });

  test('a key rotation on A: B verifies the new tokens at once and signs with the new key within 1 s', async (t) => {
    if (skipUnless(t, await redisUnavailable())) return;
    const c = await pair(REDIS_URL);
    try {
      const admin = await login(c.a.app, ALICE);
      const old = await login(c.b.app, BOB);
      const r = await c.a.app.inject({
        method: 'POST',
        url: '/admin/keys/rotate',
        headers: bearer(admin.access_token),
      });
      assert.equal(r.statusCode, 200, r.body);
      const kid = String(r.json().active);
      const fresh = await login(c.a.app, BOB);
      assert.equal(jwtPart(fresh.access_token, 0).kid, kid);
      assert.equal(
        (await me(c.b, fresh.access_token)).statusCode,
        200,
        'B verifies tokens signed with the new key',
      );
      assert.equal(
        (await me(c.b, old.access_token)).statusCode,
        200,
        'tokens from the retired key keep verifying',
      );
      await until(async () => jwtPart((await login(c.b.app, BOB)).access_token, 0).kid === kid, 1000);
    } finally {
      await c.close();
    }
  });

  test('login limits are counted across instances', async (t) => {
    if (skipUnless(t, await redisUnavailable())) return;
    const c = await pair(REDIS_URL, { RATE_LIMIT_LOGIN_ACCOUNT: '3/1m' });
    try {
      const wrong = { username: 'bob', password: 'not-the-password' };
      const statuses: number[] = [];
      for (const inst of [c.a, c.b, c.a, c.b]) {
        statuses.push(
          (await inst.app.inject({ method: 'POST', url: '/auth/login', payload: wrong })).statusCode,
        );
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      const limited = await c.a.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: BOB.username, password: BOB.password },
      });
      assert.equal(limited.statusCode, 429, 'the account+IP budget is shared');
      assert.match(String(limited.headers['retry-after']), /^\d+$/);
    } finally {
      await c.close();
    }
  });
});

describe('failure policy over HTTP (private redis-server)', () => {
  let redis: PrivateRedis | null = null;
  let missing: string | null = null;
  before(async () => {
    missing = redisServerMissing();
    if (missing) return;
    redis = new PrivateRedis(await freePort());
    await redis.start();
  });
  after(async () => {
    await redis?.stop();
  });

  test('Redis down: GET /me answers 503 + Retry-After (never 401), login still works; back: 200 again', async (t) => {
    if (skipUnless(t, missing)) return;
    const c = await pair(redis!.url);
    try {
      const tok = await login(c.a.app, BOB);
      assert.equal((await me(c.b, tok.access_token)).statusCode, 200);
      await redis!.stop();
      await until(async () => !c.b.services.cluster!.link.connected, 3000);
      const r = await me(c.b, tok.access_token);
      assert.equal(r.statusCode, 503);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      assert.equal(r.json().code, 'revocation_unavailable');
      assert.match(String(r.headers['retry-after']), /^\d+$/);
      assert.equal(r.headers['www-authenticate'], undefined, 'not an authentication failure');
      const l = await c.a.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: BOB.username, password: BOB.password },
      });
      assert.equal(l.statusCode, 200, 'rate limits fall back to per-instance counting');
      await redis!.start();
      const ms = await until(async () => (await me(c.b, tok.access_token)).statusCode === 200, 5000);
      assert.ok(ms < 5000);
    } finally {
      await c.close();
    }
  });

  test('REDIS_FAILURE_POLICY=open: GET /me keeps answering 200 from local knowledge', async (t) => {
    if (skipUnless(t, missing)) return;
    const c = await pair(redis!.url, { REDIS_FAILURE_POLICY: 'open' });
    try {
      const tok = await login(c.a.app, BOB);
      const revoked = await login(c.a.app, BOB);
      assert.equal((await me(c.b, tok.access_token)).statusCode, 200);
      const lo = await c.a.app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: bearer(revoked.access_token),
      });
      assert.equal(lo.statusCode, 204, lo.body);
      await until(async () => (await me(c.b, revoked.access_token)).statusCode === 401, 1000);
      await redis!.stop();
      await until(async () => !c.b.services.cluster!.link.connected, 3000);
      assert.equal((await me(c.b, tok.access_token)).statusCode, 200);
      assert.equal(
        (await me(c.b, revoked.access_token)).statusCode,
        401,
        'a revocation B heard of still holds',
      );
      await redis!.start();
      await until(async () => c.b.services.cluster!.link.usable, 5000);
    } finally {
      await c.close();
    }
  });
});

describe('graceful-shutdown drain', () => {
  test('while draining: /readyz 503, every response closes its connection, requests are still served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-drain-'));
    const config = loadConfig({ ...TEST_ENV, DATABASE_URL: join(dir, 'db.sqlite') }, dir);
    const { app, drain } = await buildApp(config, { logger: false });
    try {
      const before = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(before.statusCode, 200);
      assert.notEqual(before.headers.connection, 'close');
      drain.start();
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().code, 'draining');
      assert.equal(ready.headers.connection, 'close');
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
      assert.equal(health.headers.connection, 'close');
      const l = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: BOB.username, password: BOB.password },
      });
      assert.equal(l.statusCode, 200, 'requests keep being served while draining');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
