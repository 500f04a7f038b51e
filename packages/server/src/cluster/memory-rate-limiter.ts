/**
 * Rate-limit counters behind a small interface: the in-memory one here (one instance, or the per-instance
 * fallback without Redis); the Redis one is cluster/rate-limiter.ts. Fixed windows: simple, and
 * `Retry-After` is exact.
 */
import type { LimitRule } from '../config.js';

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
