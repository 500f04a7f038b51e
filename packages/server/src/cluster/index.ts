/**
 * The Redis-backed pieces of a multi-instance deployment, created together from REDIS_URL:
 * event bus (pub/sub), denylist, epoch store, rate limiter, and the link that tracks Redis health.
 * `services/index.ts` uses them instead of the in-process implementations when REDIS_URL is set.
 */
import type { Storage } from '../storage/types.js';
import { RedisEventBus } from './event-bus.js';
import type { FailurePolicy } from './failure.js';
import { RedisRateLimiter } from './rate-limiter.js';
import type { LinkLogger } from './redis.js';
import { RedisLink } from './redis.js';
import { RedisDenylist, RedisEpochStore, RedisRevocationReader } from './revocation.js';

export { RedisEventBus } from './event-bus.js';
export type { FailurePolicy } from './failure.js';
export { BackendUnavailableError, isUnavailableError, unavailableError } from './failure.js';
export { RedisRateLimiter } from './rate-limiter.js';
export { RedisLink } from './redis.js';
export { RedisDenylist, RedisEpochStore, RedisRevocationReader } from './revocation.js';

export interface ClusterOptions {
  redisUrl: string;
  policy: FailurePolicy;
  /** Key/channel prefix (default `jwtkit:`). */
  prefix?: string;
  storage: Storage;
  clock: () => number;
  log?: LinkLogger;
  /** How long start-up waits for Redis before serving anyway (policy applies meanwhile). Default 3 s. */
  connectWaitMs?: number;
}

export interface Cluster {
  link: RedisLink;
  bus: RedisEventBus;
  denylist: RedisDenylist;
  epochs: RedisEpochStore;
  /** jti, session and epoch of one request in one round trip. */
  revocationReader: RedisRevocationReader;
  limiter: RedisRateLimiter;
  policy: FailurePolicy;
  health(): { redis: 'ok' | 'unavailable'; policy: FailurePolicy; downForMs: number | null };
  close(): Promise<void>;
}

export async function createCluster(o: ClusterOptions): Promise<Cluster> {
  const link = new RedisLink({
    url: o.redisUrl,
    prefix: o.prefix ?? 'jwtkit:',
    ...(o.log ? { log: o.log } : {}),
  });
  const bus = new RedisEventBus(link);
  const deps = { link, storage: o.storage, bus, clock: o.clock, policy: o.policy };
  const denylist = new RedisDenylist(deps);
  const epochs = new RedisEpochStore(deps);
  const revocationReader = new RedisRevocationReader(link, denylist, epochs);
  const limiter = new RedisRateLimiter(link, o.clock);
  const wait = o.connectWaitMs ?? 3000;
  const [usable] = await Promise.all([link.start(wait), bus.start(wait)]);
  if (!usable) {
    link.log.warn(
      { policy: o.policy },
      'redis not reachable at start-up; serving with the failure policy and reconnecting',
    );
  }
  return {
    link,
    bus,
    denylist,
    epochs,
    revocationReader,
    limiter,
    policy: o.policy,
    health() {
      const h = link.health();
      return {
        redis: h.connected && h.synced ? 'ok' : 'unavailable',
        policy: o.policy,
        downForMs: h.downForMs,
      };
    },
    async close() {
      denylist.close();
      epochs.close();
      await bus.close();
      await link.close();
    },
  };
}
