// Test helpers around Redis: skip rules, key prefixes. The launcher (reachability, free ports, a private
// redis-server) is the one the cluster harness uses too: ../redis-server.ts.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export { freePort, PrivateRedis, REDIS_URL, redisServerMissing, redisUnavailable } from '../redis-server.js';

/** Skips the test loudly (or fails under CI) when `reason` is set; returns true when the test should stop. */
export function skipUnless(t: { skip(msg: string): void }, reason: string | null): boolean {
  if (reason === null) return false;
  if (process.env.CI) throw new Error(`required service missing in CI: ${reason}`);
  t.skip(reason);
  return true;
}

export const uniquePrefix = (name: string) =>
  `jwtkit-test:${name}:${process.pid}:${randomBytes(4).toString('hex')}:`;

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
