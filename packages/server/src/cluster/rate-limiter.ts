/**
 * Fixed-window rate limiting shared by every instance: one Lua script does INCR and sets the window's
 * expiry on the first hit, atomically, so N instances count against one budget.
 *
 * Failure policy: a rate limiter must not take the login endpoint down with it. While Redis is
 * unavailable each instance counts in its own memory (the same limits, per instance), and logs it.
 */
import type { LimitRule } from '../config.js';
import type { LimitState, RateLimiter } from './memory-rate-limiter.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RedisLink } from './redis.js';

const HIT = `
local c = redis.call('INCR', KEYS[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  t = tonumber(ARGV[1])
end
return {c, t}
`;

const PEEK = `
local c = redis.call('GET', KEYS[1])
if not c then return {0, 0} end
local t = redis.call('PTTL', KEYS[1])
if t < 0 then t = 0 end
return {tonumber(c), t}
`;

export class RedisRateLimiter implements RateLimiter {
  readonly #fallback: MemoryRateLimiter;
  #degraded = false;

  constructor(
    private readonly link: RedisLink,
    clock: () => number = Date.now,
  ) {
    this.#fallback = new MemoryRateLimiter(clock);
  }

  #key(key: string): string {
    return this.link.key(`rl:${key}`);
  }

  #degrade(): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.link.log.warn({}, 'redis unavailable: rate limits counted per instance until it returns');
  }

  #recover(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.link.log.info({}, 'rate limits shared through redis again');
  }

  static #state(reply: unknown): LimitState {
    const [count, pttl] = reply as [number, number];
    return { count: Number(count), retryAfter: Math.max(0, Math.ceil(Number(pttl) / 1000)) };
  }

  async hit(key: string, rule: LimitRule): Promise<LimitState> {
    if (this.link.connected) {
      try {
        const reply = await this.link.redis.eval(HIT, 1, this.#key(key), String(rule.windowSeconds * 1000));
        this.#recover();
        return RedisRateLimiter.#state(reply);
      } catch {
        // fall back below
      }
    }
    this.#degrade();
    return this.#fallback.hit(key, rule);
  }

  async peek(key: string, rule: LimitRule): Promise<LimitState> {
    if (this.link.connected) {
      try {
        const reply = await this.link.redis.eval(PEEK, 1, this.#key(key));
        this.#recover();
        return RedisRateLimiter.#state(reply);
      } catch {
        // fall back below
      }
    }
    this.#degrade();
    return this.#fallback.peek(key, rule);
  }

  async reset(key: string): Promise<void> {
    await this.#fallback.reset(key);
    if (!this.link.connected) return;
    try {
      await this.link.redis.del(this.#key(key));
    } catch {
      // the window expires on its own
    }
  }
}
