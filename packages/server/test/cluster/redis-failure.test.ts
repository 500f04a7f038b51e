// The Redis failure policy against a private redis-server this test stops (by PID) and restarts:
// fail closed = 503 + Retry-After; fail open = answer from the local mirror; recovery without restart,
// a restarted (empty) Redis is refilled from storage; no unhandled rejection anywhere.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster, FailurePolicy } from '../../src/cluster/index.js';
import { createCluster, isUnavailableError, unavailableError } from '../../src/cluster/index.js';
import { UnavailableError } from '../../src/domain-errors.js';
import { toProblem } from '../../src/error-mapper.js';
import type { ServiceEvent } from '../../src/services/events.js';
import type { RevocationSource } from '../../src/services/revocation.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { freePort, PrivateRedis, redisServerMissing, skipUnless, uniquePrefix } from './_redis.js';

const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

const until = async (cond: () => Promise<boolean> | boolean, ms: number): Promise<number> => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
};

const rejects503 = async (p: Promise<unknown>) => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof UnavailableError, `expected an UnavailableError, got ${String(err)}`);
    const problem = toProblem(err);
    assert.equal(problem.status, 503);
    assert.equal(problem.code, 'revocation_unavailable');
    assert.match(problem.headers['retry-after'] ?? '', /^\d+$/);
    return true;
  });
};

const usable = async (c: Cluster) => {
  try {
    await c.denylist.has('probe');
    return true;
  } catch {
    return false;
  }
};

describe('redis failure policy (private redis-server)', () => {
  let redis: PrivateRedis | null = null;
  let missing: string | null = null;

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    missing = redisServerMissing();
    if (missing) return;
    redis = new PrivateRedis(await freePort());
    await redis.start();
  });

  after(async () => {
    await redis?.stop();
    process.off('unhandledRejection', onUnhandled);
  });

  const open = async (policy: FailurePolicy) => {
    const storage = new SqliteStorage({ filename: ':memory:' });
    await storage.migrate();
    const prefix = uniquePrefix('failure');
    const mk = () => createCluster({ redisUrl: redis!.url, policy, prefix, storage, clock: Date.now });
    return { storage, a: await mk(), b: await mk() };
  };

  test('denylist TTL is the remaining lifetime of the entry', async (t) => {
    if (skipUnless(t, missing)) return;
    const { storage, a, b } = await open('closed');
    try {
      await a.denylist.add('jti:ttl', Date.now() + 90_000);
      const pttl = await a.link.redis.pttl(a.link.key('deny:jti:ttl'));
      assert.ok(pttl > 88_000 && pttl <= 90_000, `pttl ${pttl}`);
    } finally {
      await a.close();
      await b.close();
      await storage.close();
    }
  });

  test('closed: Redis down -> 503 with Retry-After (never a 401 answer), limits fall back, restart -> recovers and refills', async (t) => {
    if (skipUnless(t, missing)) return;
    const { storage, a, b } = await open('closed');
    const gotB: ServiceEvent[] = [];
    b.bus.subscribe((e) => gotB.push(e));
    try {
      const u = await storage.createUser({
        username: 'erin',
        passwordHash: 'h',
        role: 'user',
        now: Date.now(),
      });
      await a.denylist.add('jti:before', Date.now() + 60_000);
      assert.equal(await b.denylist.has('jti:before'), true);
      assert.equal(await b.epochs.get(u.id), 0);

      await redis!.stop();
      await until(() => !a.link.connected && !b.link.connected, 3000);
      // unknown keys cannot be cleared without Redis: 503, not "not revoked" and not 401
      await rejects503(b.denylist.has('jti:unknown'));
      await rejects503(b.epochs.get(u.id));
      // a revocation made during the outage is durable in storage (Redis gets it on reconnect)
      await a.denylist.add('jti:during', Date.now() + 60_000);
      assert.equal(await storage.isDenylisted('jti:during', Date.now()), true);
      assert.equal(await a.epochs.bump(u.id), 1);
      // rate limits keep working per instance
      const rule = { max: 5, windowSeconds: 60 };
      assert.equal((await a.limiter.hit('login', rule)).count, 1);
      assert.equal((await a.limiter.hit('login', rule)).count, 2);
      // publish never throws
      await a.bus.publish({ type: 'keys-changed' });

      const t0 = Date.now();
      await redis!.start(); // empty: no persistence
      await until(async () => (await usable(a)) && (await usable(b)), 5000);
      const recoveryMs = Date.now() - t0;
      assert.ok(recoveryMs < 5000, `recovered in ${recoveryMs} ms`);
      // entries from before the restart were reloaded from storage; the one made during the outage too
      assert.equal(await b.denylist.has('jti:before'), true);
      const fresh = await createCluster({
        redisUrl: redis!.url,
        policy: 'closed',
        prefix: a.link.prefix,
        storage,
        clock: Date.now,
      });
      try {
        assert.equal(
          await fresh.denylist.has('jti:before'),
          true,
          'pre-restart entries were reloaded from storage',
        );
        assert.equal(await fresh.link.redis.exists(fresh.link.key('deny:jti:before')), 1);
        assert.equal(
          await fresh.denylist.has('jti:during'),
          true,
          'a new instance sees the outage-time revocation',
        );
        assert.equal(await fresh.epochs.get(u.id), 1, 'the epoch bump made during the outage reached Redis');
      } finally {
        await fresh.close();
      }
      assert.equal(await b.epochs.get(u.id), 1);
      // b's subscriber came back and told b to reload keys (messages may have been missed)
      await until(() => gotB.some((e) => e.type === 'keys-changed'), 3000);
      assert.equal(unhandled.length, 0, `unhandled rejections: ${unhandled.map(String).join('; ')}`);
    } finally {
      await a.close();
      await b.close();
      await storage.close();
    }
  });

  test('open: Redis down -> answers from the local mirror (known revocations still hold)', async (t) => {
    if (skipUnless(t, missing)) return;
    const { storage, a, b } = await open('open');
    try {
      const u = await storage.createUser({
        username: 'frank',
        passwordHash: 'h',
        role: 'user',
        now: Date.now(),
      });
      await a.denylist.add('jti:known', Date.now() + 60_000);
      await until(() => b.denylist.has('jti:known'), 1000);
      await a.epochs.bump(u.id);
      await until(async () => (await b.epochs.get(u.id)) === 1, 1000);

      await redis!.stop();
      await until(() => !b.link.connected, 3000);
      assert.equal(await b.denylist.has('jti:known'), true);
      assert.equal(await b.denylist.has('jti:unknown'), false);
      assert.equal(await b.epochs.get(u.id), 1);

      await redis!.start();
      await until(async () => a.link.usable && b.link.usable, 5000);
      assert.equal(await b.denylist.has('jti:known'), true);
      assert.equal(unhandled.length, 0);
    } finally {
      await a.close();
      await b.close();
      await storage.close();
    }
  });

  test('Redis down at start-up: the service starts within the wait, applies the policy, and connects once Redis appears', async (t) => {
    if (skipUnless(t, missing)) return;
    const late = new PrivateRedis(await freePort());
    const storage = new SqliteStorage({ filename: ':memory:' });
    await storage.migrate();
    const t0 = Date.now();
    const c = await createCluster({
      redisUrl: late.url,
      policy: 'closed',
      prefix: uniquePrefix('late'),
      storage,
      clock: Date.now,
      connectWaitMs: 500,
    });
    try {
      assert.ok(Date.now() - t0 < 2500, 'start-up is bounded');
      assert.equal(c.health().redis, 'unavailable');
      await rejects503(c.denylist.has('jti:x'));
      await late.start();
      await until(() => c.link.usable, 5000);
      assert.equal(await c.denylist.has('jti:x'), false);
      assert.equal(c.health().redis, 'ok');
      assert.equal(unhandled.length, 0);
    } finally {
      await c.close();
      await late.stop();
      await storage.close();
    }
  });

  test('a stalled Redis (SIGSTOP): checks fail within the command timeout instead of hanging', async (t) => {
    if (skipUnless(t, missing)) return;
    const { storage, a, b } = await open('closed');
    try {
      assert.equal(await a.denylist.has('jti:none'), false);
      redis!.pause();
      const t0 = Date.now();
      await rejects503(a.denylist.has('jti:none'));
      const ms = Date.now() - t0;
      assert.ok(ms >= 900 && ms < 2500, `failed after ${ms} ms (command timeout 1000 ms)`);
      redis!.resume();
      await until(async () => usable(a), 3000);
    } finally {
      redis!.resume();
      await a.close();
      await b.close();
      await storage.close();
    }
  });

  test('the revocation trace names where each answer came from (what the cluster fail-closed check reads)', async (t) => {
    if (skipUnless(t, missing)) return;
    const { storage, a, b } = await open('open');
    try {
      const u = await storage.createUser({
        username: 'grace',
        passwordHash: 'h',
        role: 'user',
        now: Date.now(),
      });
      const trace = () => ({ sources: [] as RevocationSource[] });
      const up = trace();
      assert.equal(await b.denylist.has('jti:nobody', up), false);
      assert.equal(await b.epochs.get(u.id, up), 0);
      assert.deepEqual(up.sources, ['redis', 'redis']);

      await a.denylist.add('jti:gone', Date.now() + 60_000);
      const hit = trace();
      assert.equal(await a.denylist.has('jti:gone', hit), true);
      assert.deepEqual(hit.sources, ['mirror']);

      await redis!.stop();
      await until(() => !b.link.connected, 3000);
      const down = trace();
      assert.equal(await b.denylist.has('jti:nobody', down), false);
      assert.equal(await b.epochs.get(u.id, down), 0);
      // Under `open` the answers came from nowhere / this process: never reported as Redis.
      assert.deepEqual(down.sources, ['none', 'mirror']);
      await redis!.start();
      await until(async () => a.link.usable && b.link.usable, 5000);
    } finally {
      await a.close();
      await b.close();
      await storage.close();
    }
  });

  test('unavailable-backend errors map to 503 problems; other errors do not', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    assert.equal(isUnavailableError(refused), true);
    assert.equal(
      isUnavailableError(
        Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      ),
      true,
    );
    assert.equal(isUnavailableError(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isUnavailableError(new AggregateError([refused, refused])), true);
    assert.equal(isUnavailableError(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
    assert.equal(isUnavailableError(new TypeError('x is undefined')), false);
    assert.equal(isUnavailableError(null), false);
    const e = unavailableError(refused);
    assert.ok(e);
    const p = toProblem(e);
    assert.equal(p.status, 503);
    assert.equal(p.code, 'storage_unavailable');
    assert.equal(p.headers['retry-after'], '2');
    assert.equal(unavailableError(new Error('boom')), null);
  });
});
