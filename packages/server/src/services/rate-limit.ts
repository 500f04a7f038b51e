/**
 * Brute-force protection: `enforce` and the subject rate limits count against. The counters (in memory
 * or in Redis) live in cluster/.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { RateLimiter } from '../cluster/memory-rate-limiter.js';
import type { LimitRule } from '../config.js';
import { RateLimitedError } from '../domain-errors.js';

export { type LimitState, MemoryRateLimiter, type RateLimiter } from '../cluster/memory-rate-limiter.js';

/**
 * Counts a hit (one atomic increment) and throws a 429 problem (with Retry-After) once the rule's
 * budget is spent. Call it BEFORE the work it protects: of N concurrent callers at most `max` pass.
 */
export async function enforce(limiter: RateLimiter, key: string, rule: LimitRule): Promise<void> {
  const s = await limiter.hit(key, rule);
  if (s.count > rule.max) throw new RateLimitedError(s.retryAfter);
}

/**
 * The client identity rate limits count against: an IPv4 address as is (IPv4-mapped IPv6 unwrapped),
 * an IPv6 address by its /64 prefix (one subscriber usually holds a whole /64, so counting single
 * addresses would let them rotate through 2^64 of them).
 */
export function rateLimitSubject(ip: string | null): string {
  if (ip === null || ip === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::') as [string?, string?];
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t]
    : h;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}
