/**
 * Redis connections for the cluster services: fail fast, never hang, never leave an 'error' unhandled.
 *
 * - `enableOfflineQueue: false` + `maxRetriesPerRequest: 1` + `commandTimeout`: while Redis is down a
 *   command rejects at once (or after `commandTimeout` if the server stalls) instead of queueing.
 * - `retryStrategy`: reconnect every 100 ms..1 s forever, so the service recovers without a restart.
 * - `RedisLink` tracks whether the command connection is usable AND re-synchronised: after every
 *   reconnect the stores replay what Redis may have lost (see `onReconnect`) before checks trust it.
 */

import type { RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';

import type { Logger } from '../logger.js';

export type LinkLogger = Logger;

export const silentLogger: LinkLogger = { info() {}, warn() {}, error() {} };

export interface RedisLinkOptions {
  url: string;
  /** Key and channel prefix (tests use a unique one). */
  prefix: string;
  log?: LinkLogger;
  /** ms; a command that takes longer fails (default 1000). */
  commandTimeout?: number;
}

export function redisOptions(commandTimeout: number, offlineQueue: boolean): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: offlineQueue,
    maxRetriesPerRequest: 1,
    commandTimeout: offlineQueue ? undefined : commandTimeout,
    connectTimeout: 2000,
    // Not auto-pipelining: with it, ioredis' commandTimeout does not reject the caller's promise (a stalled
    // Redis would hang requests); found by the harness's redis-stall check.
    enableAutoPipelining: false,
    // Reconnect quickly and forever: 100 ms, 200 ms, ... capped at 1 s.
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
    // A READONLY replica after a failover: reconnect.
    reconnectOnError: (err: Error) => /READONLY/.test(err.message),
  };
}

/** Redacts the password of a redis:// URL for logs. */
export const redactUrl = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

type SyncHook = () => Promise<void>;

/**
 * The command connection plus its state. `usable` = connected and re-synchronised; stores consult it
 * before trusting Redis (a just-restarted empty Redis must be refilled before its "no" means "not revoked").
 */
export class RedisLink {
  readonly redis: Redis;
  readonly prefix: string;
  readonly url: string;
  readonly log: LinkLogger;
  #connected = false;
  #synced = false;
  #everReady = false;
  #downSince: number | null = Date.now();
  #syncing: Promise<void> | null = null;
  #syncRetry: NodeJS.Timeout | null = null;
  #closed = false;
  /** Incremented on every 'ready': a sync only counts for the connection it ran on. */
  #generation = 0;
  readonly #hooks: SyncHook[] = [];
  #lastErrorLog = 0;

  constructor(options: RedisLinkOptions) {
    this.url = options.url;
    this.prefix = options.prefix;
    this.log = options.log ?? silentLogger;
    this.redis = new Redis(options.url, redisOptions(options.commandTimeout ?? 1000, false));
    this.redis.on('error', (err: Error) => this.#logError(err));
    this.redis.on('ready', () => {
      this.#connected = true;
      this.#generation++;
      const wasReady = this.#everReady;
      this.#everReady = true;
      if (wasReady) this.log.info({ redis: redactUrl(this.url) }, 'redis reconnected; re-synchronising');
      this.#startSync();
    });
    this.redis.on('close', () => this.#lost());
    this.redis.on('end', () => this.#lost());
  }

  #logError(err: Error): void {
    // Connection errors repeat on every retry: log at most one per 5 s.
    const now = Date.now();
    if (now - this.#lastErrorLog < 5000) return;
    this.#lastErrorLog = now;
    this.log.warn(
      { redis: redactUrl(this.url), err: { message: err.message, code: (err as { code?: string }).code } },
      'redis error',
    );
  }

  #lost(): void {
    if ((this.#connected || this.#synced) && !this.#closed) {
      this.log.warn({ redis: redactUrl(this.url) }, 'redis connection lost');
      this.#downSince = Date.now();
    }
    this.#connected = false;
    this.#synced = false;
  }

  /** Registers work to run after every (re)connect before the link counts as usable. */
  onReconnect(hook: SyncHook): void {
    this.#hooks.push(hook);
  }

  #startSync(): void {
    if (this.#syncing || this.#closed) return;
    const generation = this.#generation;
    this.#syncing = (async () => {
      await null; // never finish synchronously: `#syncing` is assigned first
      try {
        for (const hook of this.#hooks) await hook();
        if (generation !== this.#generation) {
          // Reconnected (maybe to a restarted server) while syncing: sync again.
          queueMicrotask(() => this.#startSync());
          return;
        }
        if (this.#connected) {
          this.#synced = true;
          if (this.#downSince !== null) {
            this.log.info(
              { redis: redactUrl(this.url), downMs: Date.now() - this.#downSince },
              'redis usable',
            );
          }
          this.#downSince = null;
        }
      } catch (err) {
        this.log.warn(
          { err: { message: (err as Error).message } },
          'redis re-synchronisation failed; retrying',
        );
        if (!this.#closed && this.#connected) {
          this.#syncRetry = setTimeout(() => {
            this.#syncRetry = null;
            this.#startSync();
          }, 500);
          this.#syncRetry.unref();
        }
      } finally {
        this.#syncing = null;
      }
    })();
  }

  /** Connected and re-synchronised: a "not found" from Redis can be trusted. */
  get usable(): boolean {
    return this.#connected && this.#synced;
  }

  get connected(): boolean {
    return this.#connected;
  }

  key(name: string): string {
    return this.prefix + name;
  }

  /** Starts connecting; resolves when usable or after `waitMs` (the service starts either way). */
  async start(waitMs = 3000): Promise<boolean> {
    this.redis.connect().catch(() => {}); // retried by retryStrategy; errors reach the 'error' handler
    const until = Date.now() + waitMs;
    while (!this.usable && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.usable;
  }

  /** Waits for an in-flight re-synchronisation (tests). */
  async settled(): Promise<void> {
    while (this.#syncing) await this.#syncing;
  }

  health(): { connected: boolean; synced: boolean; downForMs: number | null } {
    return {
      connected: this.#connected,
      synced: this.#synced,
      downForMs: this.#downSince === null ? null : Date.now() - this.#downSince,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#syncRetry) clearTimeout(this.#syncRetry);
    await this.#syncing?.catch(() => {});
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
