/**
 * `EventBus` over Redis pub/sub: every instance hears every other instance's key rotations, denylist
 * entries and epoch bumps within milliseconds (one PUBLISH, one channel, JSON messages).
 *
 * Pub/sub is at-most-once: a message published while an instance is disconnected is lost for it. So
 * when the subscriber connection comes back, the bus delivers a local `keys-changed` (the instance
 * reloads its signing keys from the database), and the revocation stores never rely on messages for
 * correctness (their truth is in Redis keys; messages only refresh local mirrors).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Redis as RedisClient } from 'ioredis';
import type { EventBus, ServiceEvent } from './events.js';
import type { RedisLink } from './redis.js';
import { redactUrl, redisOptions } from './redis.js';

interface Envelope {
  from: string;
  event: ServiceEvent;
}

/** Validates a message from the channel (anything else is dropped). */
export function parseEnvelope(text: string): Envelope | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object') return null;
  const { from, event } = v as { from?: unknown; event?: unknown };
  if (typeof from !== 'string' || event === null || typeof event !== 'object') return null;
  const e = event as Record<string, unknown>;
  switch (e.type) {
    case 'keys-changed':
      return { from, event: { type: 'keys-changed' } };
    case 'denylisted':
      if (
        typeof e.key !== 'string' ||
        e.key.length > 512 ||
        typeof e.expiresAt !== 'number' ||
        !Number.isFinite(e.expiresAt)
      ) {
        return null;
      }
      return { from, event: { type: 'denylisted', key: e.key, expiresAt: e.expiresAt } };
    case 'epoch-changed':
      if (!Number.isSafeInteger(e.userId) || !Number.isSafeInteger(e.epoch)) return null;
      return { from, event: { type: 'epoch-changed', userId: e.userId as number, epoch: e.epoch as number } };
    default:
      return null;
  }
}

export class RedisEventBus implements EventBus {
  readonly instanceId = randomUUID();
  readonly channel: string;
  readonly #handlers = new Set<(event: ServiceEvent) => void>();
  readonly #sub: Redis;
  #subscribedOnce = false;
  #published = 0;
  #received = 0;
  #publishFailures = 0;

  constructor(private readonly link: RedisLink) {
    this.channel = link.key('events');
    // A subscriber connection may queue its SUBSCRIBE until connected (and ioredis re-subscribes).
    this.#sub = new RedisClient(link.url, redisOptions(1000, true));
    this.#sub.on('error', () => {}); // the command link logs connection trouble
    this.#sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const env = parseEnvelope(message);
      if (!env || env.from === this.instanceId) return;
      this.#received++;
      this.#deliver(env.event);
    });
    this.#sub.on('ready', () => {
      if (this.#subscribedOnce) {
        // We may have missed messages while disconnected: reload what they would have told us.
        link.log.info({ redis: redactUrl(link.url) }, 'event bus re-subscribed; reloading keys');
        this.#deliver({ type: 'keys-changed' });
      }
      this.#subscribedOnce = true;
    });
  }

  /** Connects and subscribes (resolves when subscribed or after `waitMs`). */
  async start(waitMs = 3000): Promise<void> {
    this.#sub.connect().catch(() => {});
    await Promise.race([
      this.#sub.subscribe(this.channel).catch(() => {}),
      new Promise((r) => setTimeout(r, waitMs).unref()),
    ]);
  }

  #deliver(event: ServiceEvent): void {
    for (const h of this.#handlers) {
      try {
        h(event);
      } catch (err) {
        this.link.log.error({ err: { message: (err as Error).message } }, 'event handler failed');
      }
    }
  }

  /** Delivers locally at once, then to the other instances. Never throws: the stores do not depend on delivery. */
  async publish(event: ServiceEvent): Promise<void> {
    this.#deliver(event);
    try {
      await this.link.redis.publish(
        this.channel,
        JSON.stringify({ from: this.instanceId, event } satisfies Envelope),
      );
      this.#published++;
    } catch (err) {
      this.#publishFailures++;
      this.link.log.warn(
        { event: event.type, err: { message: (err as Error).message } },
        'event not published (redis unavailable)',
      );
    }
  }

  subscribe(handler: (event: ServiceEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  stats(): { published: number; received: number; publishFailures: number } {
    return { published: this.#published, received: this.#received, publishFailures: this.#publishFailures };
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    if (this.#sub.status === 'end') return;
    try {
      await this.#sub.quit();
    } catch {
      this.#sub.disconnect();
    }
  }
}
