// Over 300 lines: the three Redis revocation classes (denylist, epochs, one-round-trip reader) share their Lua scripts, keys and failure policy.
/**
 * Revocation state shared through Redis.
 *
 * `RedisDenylist`: one key per revoked token/session, `SET <prefix>deny:<key> 1 PXAT <expiresAt>`, so
 * Redis drops it exactly when no token it could match is still alive. Written through to `Storage`
 * first (durable: Redis may run without persistence), then to Redis; after every reconnect, if Redis
 * lost its data (restart), the entries are reloaded from storage before any check trusts Redis again.
 *
 * `RedisEpochStore`: the truth is the users table (atomic bump in Postgres); Redis holds a shared cache
 * `<prefix>epoch:<userId>` written with a "never decrease" script, so a slow reader can never overwrite
 * a newer epoch with an older one. A bump whose Redis write failed is replayed on reconnect.
 *
 * Both keep a small local mirror (from their own writes, reads and pub/sub messages): a positive denylist
 * hit is answered locally, and under `REDIS_FAILURE_POLICY=open` the mirror answers while Redis is down.
 */

import { createHash } from 'node:crypto';
import type { Storage } from '../storage/types.js';
import type { EventBus } from './events.js';
import type { FailurePolicy } from './failure.js';
import { revocationUnavailable } from './failure.js';
import type { RedisLink } from './redis.js';
import type {
  Denylist,
  EpochStore,
  RevocationAnswers,
  RevocationReader,
  RevocationTrace,
} from './revocation-types.js';

const SEEDED = 'denylist:seeded';

/** SET the key to ARGV[1] unless it already holds a greater value; (re)sets the TTL; returns the stored value. */
const SET_MAX = `
local cur = redis.call('GET', KEYS[1])
local v = tonumber(ARGV[1])
if cur and tonumber(cur) and tonumber(cur) >= v then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return tonumber(cur)
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return v
`;

interface StoreDeps {
  link: RedisLink;
  storage: Storage;
  bus: EventBus;
  clock: () => number;
  policy: FailurePolicy;
}

/** Logs "answering from the local mirror" at most once per outage. */
class OpenPolicyNotice {
  #warned = false;
  constructor(
    private readonly link: RedisLink,
    private readonly what: string,
  ) {}
  note(): void {
    if (this.#warned) return;
    this.#warned = true;
    this.link.log.warn(
      { policy: 'open', what: this.what },
      'redis unavailable: answering revocation checks from the local mirror',
    );
  }
  reset(): void {
    this.#warned = false;
  }
}

export class RedisDenylist implements Denylist {
  readonly #mirror = new Map<string, number>();
  readonly #unsubscribe: () => void;
  readonly #notice: OpenPolicyNotice;
  /** Entries whose Redis write failed: replayed on reconnect (storage already has them). */
  readonly #pending = new Map<string, number>();
  #lastSweep = 0;

  constructor(private readonly d: StoreDeps) {
    this.#notice = new OpenPolicyNotice(d.link, 'denylist');
    this.#unsubscribe = d.bus.subscribe((e) => {
      if (e.type === 'denylisted') this.#remember(e.key, e.expiresAt);
    });
    d.link.onReconnect(() => this.#resync());
  }

  #redisKey(key: string): string {
    return this.d.link.key(`deny:${key}`);
  }

  /** The Redis key of a denylist entry (for the one-round-trip reader). */
  redisKeyOf(key: string): string {
    return this.#redisKey(key);
  }

  /** A positive answer this process already knows (its own writes, reads and pub/sub messages). */
  knownRevoked(key: string): boolean {
    return this.#mirrorHas(key);
  }

  #remember(key: string, expiresAt: number): void {
    const prev = this.#mirror.get(key) ?? 0;
    if (expiresAt > prev) this.#mirror.set(key, expiresAt);
    const now = this.d.clock();
    if (this.#mirror.size > 20_000 && now - this.#lastSweep > 1000) {
      // At most one sweep a second; the mirror is only an accelerator, so when many entries are
      // alive at once, drop the ones closest to expiry (Redis stays the truth).
      this.#lastSweep = now;
      for (const [k, exp] of this.#mirror) if (exp <= now) this.#mirror.delete(k);
      if (this.#mirror.size > 20_000) {
        const byExpiry = [...this.#mirror].sort((x, y) => x[1] - y[1]);
        for (const [k] of byExpiry.slice(0, this.#mirror.size - 15_000)) this.#mirror.delete(k);
      }
    }
  }

  #mirrorHas(key: string): boolean {
    const exp = this.#mirror.get(key);
    if (exp === undefined) return false;
    if (exp <= this.d.clock()) {
      this.#mirror.delete(key);
      return false;
    }
    return true;
  }

  async #write(key: string, expiresAt: number): Promise<void> {
    const ttl = expiresAt - this.d.clock();
    if (ttl <= 0) return;
    await this.d.link.redis.set(this.#redisKey(key), '1', 'PX', ttl);
  }

  /** SET NX; true when the key did not exist yet (a jti or sid always gets the same expiry). */
  async #writeNew(key: string, expiresAt: number): Promise<boolean> {
    const ttl = expiresAt - this.d.clock();
    if (ttl <= 0) return false;
    const created = await this.d.link.redis.set(this.#redisKey(key), '1', 'PX', ttl, 'NX');
    return created === 'OK';
  }

  /** After a (re)connect: refill a Redis that lost its data from storage, then replay failed writes. */
  async #resync(): Promise<void> {
    const { redis } = this.d.link;
    const seeded = await redis.exists(this.d.link.key(SEEDED));
    if (!seeded) {
      const now = this.d.clock();
      const entries = await this.d.storage.listDenylistEntries(now);
      const batch = redis.pipeline();
      for (const e of entries)
        if (e.expiresAt > now) batch.set(this.#redisKey(e.key), '1', 'PX', e.expiresAt - now);
      batch.set(this.d.link.key(SEEDED), String(now));
      const results = (await batch.exec()) ?? [];
      for (const [err] of results) if (err) throw err;
      this.d.link.log.info({ entries: entries.length }, 'redis denylist reloaded from storage');
    }
    for (const [key, exp] of [...this.#pending]) {
      await this.#write(key, exp);
      this.#pending.delete(key);
    }
    this.#notice.reset();
  }

  async add(key: string, expiresAt: number): Promise<boolean> {
    if (expiresAt <= this.d.clock()) return false;
    // Already known here: nothing changes (idempotent; no second event).
    let fresh = !this.#mirrorHas(key);
    this.#remember(key, expiresAt);
    await this.d.storage.addDenylistEntry({ key, expiresAt });
    try {
      // NX: of every instance revoking the same key at once, exactly one creates it.
      fresh = (await this.#writeNew(key, expiresAt)) && fresh;
    } catch {
      // Durable in storage; Redis gets it on reconnect. Checks fail closed (or use the mirror) meanwhile.
      this.#pending.set(key, Math.max(expiresAt, this.#pending.get(key) ?? 0));
    }
    await this.d.bus.publish({ type: 'denylisted', key, expiresAt });
    return fresh;
  }

  async has(key: string, trace?: RevocationTrace): Promise<boolean> {
    if (this.#mirrorHas(key)) {
      trace?.sources.push('mirror'); // a denial: never what lets a request through
      return true;
    }
    if (this.d.link.usable) {
      try {
        const found = (await this.d.link.redis.exists(this.#redisKey(key))) === 1;
        trace?.sources.push('redis');
        return found;
      } catch {
        // fall through to the failure policy
      }
    }
    return this.withoutRedis(trace);
  }

  /** The answer when Redis cannot be asked (the mirror already said no): the failure policy. */
  withoutRedis(trace?: RevocationTrace): false {
    if (this.d.policy === 'closed') throw revocationUnavailable();
    this.#notice.note();
    trace?.sources.push('none');
    return false;
  }

  close(): void {
    this.#unsubscribe();
  }
}

export class RedisEpochStore implements EpochStore {
  readonly #mirror = new Map<number, number>();
  readonly #pending = new Map<number, number>();
  readonly #unsubscribe: () => void;
  readonly #notice: OpenPolicyNotice;
  /** Cache lifetime in Redis (s). A stale (lower) cached epoch can only let through tokens issued before
   * the bump, which expire on their own; so a long TTL is safe. */
  readonly #ttl = 86_400;

  constructor(private readonly d: StoreDeps) {
    this.#notice = new OpenPolicyNotice(d.link, 'epochs');
    this.#unsubscribe = d.bus.subscribe((e) => {
      if (e.type === 'epoch-changed') this.#remember(e.userId, e.epoch);
    });
    d.link.onReconnect(async () => {
      for (const [userId, epoch] of [...this.#pending]) {
        await this.#setMax(userId, epoch);
        this.#pending.delete(userId);
      }
      this.#notice.reset();
    });
  }

  #remember(userId: number, epoch: number): void {
    if (epoch > (this.#mirror.get(userId) ?? -1)) this.#mirror.set(userId, epoch);
    if (this.#mirror.size > 50_000) this.#mirror.clear();
  }

  /** The Redis key of a user's cached epoch (for the one-round-trip reader). */
  redisKeyOf(userId: number): string {
    return this.d.link.key(`epoch:${userId}`);
  }

  /** Records an epoch Redis answered (for the one-round-trip reader). */
  remember(userId: number, epoch: number): void {
    this.#remember(userId, epoch);
  }

  async #setMax(userId: number, epoch: number): Promise<number> {
    const v = await this.d.link.redis.eval(
      SET_MAX,
      1,
      this.d.link.key(`epoch:${userId}`),
      String(epoch),
      String(this.#ttl),
    );
    return Number(v);
  }

  async #fromStorage(userId: number): Promise<number | null> {
    const user = await this.d.storage.getUserById(userId);
    return user ? user.tokenEpoch : null;
  }

  async get(userId: number, trace?: RevocationTrace): Promise<number | null> {
    if (this.d.link.usable) {
      let cached: string | null | undefined;
      try {
        cached = await this.d.link.redis.get(this.d.link.key(`epoch:${userId}`));
      } catch {
        cached = undefined; // redis failed: policy below
      }
      if (cached !== undefined) {
        trace?.sources.push('redis');
        if (cached !== null) {
          const epoch = Number(cached);
          this.#remember(userId, epoch);
          return epoch;
        }
        let epoch: number | null;
        try {
          epoch = await this.#fromStorage(userId);
        } catch (err) {
          // Database down: a known epoch (from a bump message or an earlier read) still answers.
          const known = this.#mirror.get(userId);
          if (known !== undefined) return known;
          throw err;
        }
        if (epoch === null) return null;
        let stored = epoch;
        try {
          stored = await this.#setMax(userId, epoch);
        } catch {
          // not cached this time
        }
        this.#remember(userId, stored);
        return stored;
      }
    }
    return this.withoutRedis(userId, trace);
  }

  /** The answer when Redis cannot be asked: the failure policy (closed: 503; open: mirror, then storage). */
  async withoutRedis(userId: number, trace?: RevocationTrace): Promise<number | null> {
    if (this.d.policy === 'closed') throw revocationUnavailable();
    this.#notice.note();
    const known = this.#mirror.get(userId);
    trace?.sources.push(known === undefined ? 'storage' : 'mirror');
    if (known !== undefined) return known;
    return this.#fromStorage(userId);
  }

  async bump(userId: number): Promise<number | null> {
    const epoch = await this.d.storage.bumpTokenEpoch(userId, this.d.clock());
    if (epoch === null) return null;
    this.#remember(userId, epoch);
    try {
      await this.#setMax(userId, epoch);
    } catch {
      this.#pending.set(userId, Math.max(epoch, this.#pending.get(userId) ?? 0));
    }
    await this.d.bus.publish({ type: 'epoch-changed', userId, epoch });
    return epoch;
  }

  close(): void {
    this.#unsubscribe();
  }
}

/**
 * EXISTS jti, EXISTS sid, GET epoch for every request of a batch (KEYS in threes), in one command. A
 * missing epoch is Lua `false`, which Redis answers as nil in its place: the reply is 3 entries a request.
 */
const READ_ALL = `
local out = {}
for i = 1, #KEYS, 3 do
  out[i] = redis.call('EXISTS', KEYS[i])
  out[i + 1] = redis.call('EXISTS', KEYS[i + 1])
  out[i + 2] = redis.call('GET', KEYS[i + 2])
end
return out
`;

/** Most requests answered by one script call (3 keys each). */
export const MAX_READ_BATCH = 64;

type Answer = [number, number, string | null];
interface ReadBatch {
  readonly keys: string[];
  readonly waiters: { resolve(a: Answer): void; reject(e: unknown): void }[];
  sent: boolean;
}

/**
 * The revocation questions of one request in one Redis round trip (a Lua script: the keys are read
 * atomically, and one command is one round trip). What the mirror already knows to be revoked is
 * answered locally; an epoch Redis does not hold yet is read from storage (once per user, then cached).
 * When Redis cannot answer, the denylist and epoch store apply the failure policy exactly as before.
 *
 * The requests that ask within one event-loop turn share the round trip: their keys go in one script call
 * at the end of the turn (`setImmediate`, or at once at `MAX_READ_BATCH` requests), and each request gets
 * its own three answers back, in order. One socket write and one reply for the batch instead of one a
 * request (bench/FINDINGS.md S5f); a request alone in its turn waits for nothing. A failed or timed-out
 * call fails every request of the batch, each then applying the failure policy as before.
 *
 * The three keys share no hash tag: this runs on a single Redis (or a primary with replicas), not on
 * Redis Cluster, which would refuse a script over keys of different slots.
 */
export class RedisRevocationReader implements RevocationReader {
  #sha: string | null = null;
  #batch: ReadBatch | null = null;

  constructor(
    private readonly link: RedisLink,
    private readonly denylist: RedisDenylist,
    private readonly epochs: RedisEpochStore,
  ) {}

  #readAll(jti: string, sid: string, epoch: string): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      let batch = this.#batch;
      if (batch === null) {
        const fresh: ReadBatch = { keys: [], waiters: [], sent: false };
        this.#batch = batch = fresh;
        setImmediate(() => this.#send(fresh));
      }
      batch.keys.push(jti, sid, epoch);
      batch.waiters.push({ resolve, reject });
      if (batch.waiters.length >= MAX_READ_BATCH) this.#send(batch);
    });
  }

  async #send(batch: ReadBatch): Promise<void> {
    if (batch.sent) return;
    batch.sent = true;
    if (this.#batch === batch) this.#batch = null;
    const { keys, waiters } = batch;
    let flat: (number | string | null)[];
    try {
      flat = await this.#script(keys);
      if (!Array.isArray(flat) || flat.length !== keys.length)
        throw new Error('revocation script: wrong reply');
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    for (let i = 0; i < waiters.length; i++) {
      waiters[i]!.resolve([
        flat[3 * i] as number,
        flat[3 * i + 1] as number,
        (flat[3 * i + 2] ?? null) as string | null,
      ]);
    }
  }

  async #script(keys: string[]): Promise<(number | string | null)[]> {
    const { redis } = this.link;
    if (this.#sha !== null) {
      try {
        return (await redis.evalsha(this.#sha, keys.length, ...keys)) as (number | string | null)[];
      } catch (err) {
        if (!/NOSCRIPT/.test(String((err as Error)?.message))) throw err;
      }
    }
    const result = (await redis.eval(READ_ALL, keys.length, ...keys)) as (number | string | null)[];
    this.#sha ??= createHash('sha1').update(READ_ALL).digest('hex');
    return result;
  }

  async read(
    jtiKey: string,
    sidKey: string,
    userId: number,
    trace?: RevocationTrace,
  ): Promise<RevocationAnswers> {
    if (this.denylist.knownRevoked(jtiKey)) {
      trace?.sources.push('mirror');
      return { denied: 'jti' };
    }
    if (this.denylist.knownRevoked(sidKey)) {
      trace?.sources.push('mirror');
      return { denied: 'sid' };
    }
    if (this.link.usable) {
      let answer: Answer | undefined;
      try {
        answer = await this.#readAll(
          this.denylist.redisKeyOf(jtiKey),
          this.denylist.redisKeyOf(sidKey),
          this.epochs.redisKeyOf(userId),
        );
      } catch {
        answer = undefined; // Redis failed: the stores below apply the failure policy
      }
      if (answer) {
        trace?.sources.push('redis', 'redis', 'redis');
        if (answer[0] === 1) return { denied: 'jti' };
        if (answer[1] === 1) return { denied: 'sid' };
        if (answer[2] !== null) {
          const epoch = Number(answer[2]);
          this.epochs.remember(userId, epoch);
          return { denied: null, epoch };
        }
        // Not cached yet: the epoch store reads storage and caches it (its trace would repeat 'redis').
        return { denied: null, epoch: await this.epochs.get(userId) };
      }
    }
    // Redis unusable, or it just failed (timed out): never ask it again for this request, apply the
    // failure policy (closed: 503; open: what this process knows).
    this.denylist.withoutRedis(trace);
    return { denied: null, epoch: await this.epochs.withoutRedis(userId, trace) };
  }
}
