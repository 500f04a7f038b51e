/**
 * Brute-force protection counters behind a small interface (a Redis implementation can replace the
 * in-memory one for a cluster). Fixed windows: simple, and `Retry-After` is exact.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { LimitRule } from '../config.js';
import { tooManyRequests } from '../errors.js';

export interface LimitState {
  count: number;
  /** Seconds until the window resets. */
  retryAfter: number;
}

export interface RateLimiter {
  /** Counts one hit against `key` and returns the state after it. */
  hit(key: string, rule: LimitRule): Promise<LimitState>;
  /** The state without counting. */
  peek(key: string, rule: LimitRule): Promise<LimitState>;
  reset(key: string): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  #lastSweep = 0;

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  #get(key: string, rule: LimitRule, now: number) {
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + rule.windowSeconds * 1000 };
      this.#windows.delete(key); // re-inserted at the end: Map order is "oldest window first"
      this.#windows.set(key, w);
      if (this.#windows.size > this.maxKeys) this.#sweep(now);
    }
    return w;
  }

  /**
   * Drops expired windows (at most once a second, so a flood of new keys cannot make every insert a full
   * scan); if still over the bound, the oldest windows go: the map never grows past `maxKeys` entries.
   */
  #sweep(now: number): void {
    if (now - this.#lastSweep >= 1000) {
      this.#lastSweep = now;
      for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
    }
    for (const k of this.#windows.keys()) {
      if (this.#windows.size <= this.maxKeys) break;
      this.#windows.delete(k);
    }
  }

  async hit(key: string, rule: LimitRule): Promise<LimitState> {
    const now = this.clock();
    const w = this.#get(key, rule, now);
    w.count++;
    return { count: w.count, retryAfter: Math.ceil((w.resetAt - now) / 1000) };
  }

  async peek(key: string, _rule: LimitRule): Promise<LimitState> {
    const now = this.clock();
    const w = this.#windows.get(key);
    if (!w || w.resetAt <= now) return { count: 0, retryAfter: 0 };
    return { count: w.count, retryAfter: Math.ceil((w.resetAt - now) / 1000) };
  }

  async reset(key: string): Promise<void> {
    this.#windows.delete(key);
  }
}

/**
 * Counts a hit (one atomic increment) and throws a 429 problem (with Retry-After) once the rule's
 * budget is spent. Call it BEFORE the work it protects: of N concurrent callers at most `max` pass.
 */
export async function enforce(limiter: RateLimiter, key: string, rule: LimitRule): Promise<void> {
  const s = await limiter.hit(key, rule);
  if (s.count > rule.max) throw tooManyRequests(s.retryAfter);
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
