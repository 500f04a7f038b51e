// One contract for the revocation/limit/event seams, run against the in-process implementations and
// the Redis ones. "a" and "b" are two instances of one deployment (same storage, same Redis).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cluster } from '../../src/cluster/index.js';
import { createCluster } from '../../src/cluster/index.js';
import type { LimitRule } from '../../src/config.js';
import type { EventBus, ServiceEvent } from '../../src/services/events.js';
import { LocalEventBus } from '../../src/services/events.js';
import type { RateLimiter } from '../../src/services/rate-limit.js';
import { MemoryRateLimiter } from '../../src/services/rate-limit.js';
import type { Denylist, EpochStore } from '../../src/services/revocation.js';
import { StorageDenylist, StorageEpochStore } from '../../src/services/revocation.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { dropPrefix, REDIS_URL, redisUnavailable, skipUnless, uniquePrefix } from './_redis.js';

interface Node {
  denylist: Denylist;
  epochs: EpochStore;
  limiter: RateLimiter;
  bus: EventBus;
}

interface Deployment {
  storage: Storage;
  a: Node;
  b: Node;
  cleanup(): Promise<void>;
}

const clock = Date.now;

async function memoryDeployment(): Promise<Deployment> {
  const storage = new SqliteStorage({ filename: ':memory:' });
  await storage.migrate();
  const bus = new LocalEventBus();
  const limiter = new MemoryRateLimiter(clock); // one process: one limiter
  const mk = async (): Promise<Node & { close(): void }> => {
    const denylist = new StorageDenylist(storage, bus, clock);
    await denylist.init();
    const epochs = new StorageEpochStore(storage, bus, clock);
    return {
      denylist,
      epochs,
      limiter,
      bus,
      close: () => {
        denylist.close();
        epochs.close();
      },
    };
  };
  const a = await mk();
  const b = await mk();
  return {
    storage,
    a,
    b,
    async cleanup() {
      a.close();
      b.close();
      await bus.close();
      await storage.close();
    },
  };
}

async function redisDeployment(): Promise<Deployment | string> {
  const reason = await redisUnavailable();
  if (reason) return reason;
  const storage = new SqliteStorage({ filename: ':memory:' });
  await storage.migrate();
  const prefix = uniquePrefix('contract');
  const mk = () => createCluster({ redisUrl: REDIS_URL, policy: 'closed', prefix, storage, clock });
  const a: Cluster = await mk();
  const b: Cluster = await mk();
  return {
    storage,
    a,
    b,
    async cleanup() {
      await a.close();
      await b.close();
      await dropPrefix(REDIS_URL, prefix);
      await storage.close();
    },
  };
}

const backends: Array<[string, () => Promise<Deployment | string>]> = [
  ['in-process', memoryDeployment],
  ['redis', redisDeployment],
];

const until = async (cond: () => Promise<boolean> | boolean, ms: number): Promise<number> => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - t0;
};

for (const [name, open] of backends) {
  describe(`cluster seams contract: ${name}`, () => {
    const it = (title: string, fn: (d: Deployment) => Promise<void>) =>
      test(title, async (t) => {
        const d = await open();
        if (typeof d === 'string') {
          skipUnless(t, d);
          return;
        }
        try {
          await fn(d);
        } finally {
          await d.cleanup();
        }
      });

    it('denylist: an entry added on one instance is seen by the other; unknown keys are not', async ({
      a,
      b,
      storage,
    }) => {
      const exp = clock() + 60_000;
      assert.equal(await b.denylist.has('jti:one'), false);
      await a.denylist.add('jti:one', exp);
      assert.equal(await a.denylist.has('jti:one'), true);
      const ms = await until(() => b.denylist.has('jti:one'), 1000);
      assert.ok(ms < 1000);
      assert.equal(await b.denylist.has('jti:two'), false);
      // durable: written through to storage
      assert.equal(await storage.isDenylisted('jti:one', clock()), true);
    });

    it('denylist: already-expired entries are ignored; entries end with their lifetime', async ({ a, b }) => {
      await a.denylist.add('jti:past', clock() - 1);
      assert.equal(await b.denylist.has('jti:past'), false);
      await a.denylist.add('sid:short', clock() + 250);
      assert.equal(await b.denylist.has('sid:short'), true);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await a.denylist.has('sid:short'), false);
      assert.equal(await b.denylist.has('sid:short'), false);
    });

    it('epochs: null for unknown users, bump increments, the other instance sees it at once', async ({
      a,
      b,
      storage,
    }) => {
      assert.equal(await a.epochs.get(4242), null);
      assert.equal(await a.epochs.bump(4242), null);
      const u = await storage.createUser({
        username: 'carol',
        passwordHash: 'h',
        role: 'user',
        now: clock(),
      });
      assert.equal(await a.epochs.get(u.id), 0);
      assert.equal(await b.epochs.get(u.id), 0); // b caches 0
      assert.equal(await a.epochs.bump(u.id), 1);
      await until(async () => (await b.epochs.get(u.id)) === 1, 1000);
      assert.equal(await b.epochs.bump(u.id), 2);
      await until(async () => (await a.epochs.get(u.id)) === 2, 1000);
    });

    it('epochs: concurrent reads never leave a stale (lower) epoch behind', async ({ a, b, storage }) => {
      const u = await storage.createUser({ username: 'dave', passwordHash: 'h', role: 'user', now: clock() });
      const work: Array<Promise<unknown>> = [];
      for (let i = 0; i < 10; i++) {
        work.push(a.epochs.bump(u.id));
        for (let j = 0; j < 5; j++) work.push(b.epochs.get(u.id));
      }
      await Promise.all(work);
      const final = (await storage.getUserById(u.id))!.tokenEpoch;
      assert.equal(final, 10);
      await until(async () => (await b.epochs.get(u.id)) === 10 && (await a.epochs.get(u.id)) === 10, 1000);
    });

    it('rate limiter: counts across instances, peek does not count, reset clears, window expires', async ({
      a,
      b,
    }) => {
      const rule: LimitRule = { max: 3, windowSeconds: 60 };
      const s1 = await a.limiter.hit('k1', rule);
      assert.equal(s1.count, 1);
      assert.ok(s1.retryAfter > 0 && s1.retryAfter <= 60, `retryAfter ${s1.retryAfter}`);
      assert.equal((await b.limiter.hit('k1', rule)).count, 2);
      assert.equal((await a.limiter.peek('k1', rule)).count, 2);
      assert.equal((await b.limiter.peek('k1', rule)).count, 2);
      assert.equal((await b.limiter.hit('k1', rule)).count, 3);
      await a.limiter.reset('k1');
      assert.equal((await b.limiter.peek('k1', rule)).count, 0);
      assert.equal((await b.limiter.hit('k1', rule)).count, 1);
      assert.equal((await a.limiter.peek('other', rule)).count, 0);
      const short: LimitRule = { max: 1, windowSeconds: 1 };
      await a.limiter.hit('k2', short);
      await a.limiter.hit('k2', short);
      assert.equal((await b.limiter.peek('k2', short)).count, 2);
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await b.limiter.peek('k2', short)).count, 0);
      assert.equal((await b.limiter.hit('k2', short)).count, 1);
    });

    it('rate limiter: 40 parallel hits over two instances count exactly 40', async ({ a, b }) => {
      const rule: LimitRule = { max: 100, windowSeconds: 60 };
      const states = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).limiter.hit('par', rule)),
      );
      assert.deepEqual(
        states.map((s) => s.count).sort((x, y) => x - y),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    });

    it('event bus: the other instance receives every event within 1 s; the publisher once', async ({
      a,
      b,
    }) => {
      const gotA: ServiceEvent[] = [];
      const gotB: ServiceEvent[] = [];
      const offA = a.bus.subscribe((e) => gotA.push(e));
      const offB = b.bus.subscribe((e) => gotB.push(e));
      const events: ServiceEvent[] = [
        { type: 'keys-changed' },
        { type: 'denylisted', key: 'jti:x', expiresAt: 1_900_000_000_000 },
        { type: 'epoch-changed', userId: 7, epoch: 3 },
      ];
      for (const e of events) await a.bus.publish(e);
      const ms = await until(() => gotB.length >= 3, 1000);
      assert.ok(ms < 1000);
      assert.deepEqual(gotB, events);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(gotA, events, 'the publisher hears its own events exactly once');
      offA();
      offB();
      await a.bus.publish({ type: 'keys-changed' });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(gotB.length, 3, 'unsubscribed handlers hear nothing');
    });
  });
}
