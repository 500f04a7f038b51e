/**
 * Brute-force protection counters behind a small interface (a Redis implementation can replace the
 * in-memory one for a cluster). Fixed windows: simple, and `Retry-After` is exact.
 */
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

  constructor(private readonly clock: () => number = Date.now) {}

  #get(key: string, rule: LimitRule, now: number) {
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + rule.windowSeconds * 1000 };
      this.#windows.set(key, w);
      if (this.#windows.size > 100_000) this.#sweep(now);
    }
    return w;
  }

  #sweep(now: number): void {
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
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

/** Counts a hit and throws a 429 problem (with Retry-After) once the rule's budget is spent. */
export async function enforce(limiter: RateLimiter, key: string, rule: LimitRule): Promise<void> {
  const s = await limiter.hit(key, rule);
  if (s.count > rule.max) throw tooManyRequests(s.retryAfter);
}

/** Throws a 429 if the key has already used up its budget (without counting). */
export async function assertNotLimited(limiter: RateLimiter, key: string, rule: LimitRule): Promise<void> {
  const s = await limiter.peek(key, rule);
  if (s.count >= rule.max) throw tooManyRequests(s.retryAfter);
}
