/**
 * Access-token revocation state, kept behind two small interfaces so a cluster can back them with Redis:
 *
 * - `Denylist`: revoked access-token ids (`jti:<id>`) and revoked sessions (`sid:<id>`), each kept only
 *   until every token it could match has expired.
 * - `EpochStore`: the per-user token epoch; an access token whose `epoch` claim is lower than the
 *   user's current epoch is rejected (logout-all, password change, admin revoke, disable, role change).
 *
 * The in-process implementations persist through `Storage` (so revocations survive restarts) and keep
 * a memory mirror so the per-request checks cost no I/O.
 */

import type { EventBus } from '../cluster/events.js';
import type { Denylist, EpochStore, RevocationTrace } from '../cluster/revocation-types.js';
import type { Storage } from '../storage/types.js';

export type {
  Denylist,
  EpochStore,
  RevocationAnswers,
  RevocationReader,
  RevocationSource,
  RevocationTrace,
} from '../cluster/revocation-types.js';

export class StorageDenylist implements Denylist {
  readonly #entries = new Map<string, number>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly storage: Storage,
    private readonly bus: EventBus,
    private readonly clock: () => number,
  ) {
    this.#unsubscribe = bus.subscribe((e) => {
      if (e.type === 'denylisted') this.#remember(e.key, e.expiresAt);
    });
  }

  async init(): Promise<void> {
    for (const e of await this.storage.listDenylistEntries(this.clock())) this.#remember(e.key, e.expiresAt);
  }

  #remember(key: string, expiresAt: number): void {
    const prev = this.#entries.get(key) ?? 0;
    if (expiresAt > prev) this.#entries.set(key, expiresAt);
    if (this.#entries.size > 10_000) this.#sweep();
  }

  #sweep(): void {
    const now = this.clock();
    for (const [k, exp] of this.#entries) if (exp <= now) this.#entries.delete(k);
  }

  async add(key: string, expiresAt: number): Promise<boolean> {
    const now = this.clock();
    if (expiresAt <= now) return false;
    const prev = this.#entries.get(key);
    const fresh = prev === undefined || prev <= now;
    // Remembered before the first await, so concurrent calls for one key see it (one process).
    this.#remember(key, expiresAt);
    await this.storage.addDenylistEntry({ key, expiresAt });
    await this.bus.publish({ type: 'denylisted', key, expiresAt });
    return fresh;
  }

  async has(key: string, trace?: RevocationTrace): Promise<boolean> {
    trace?.sources.push('local');
    const exp = this.#entries.get(key);
    if (exp === undefined) return false;
    if (exp <= this.clock()) {
      this.#entries.delete(key);
      return false;
    }
    return true;
  }

  close(): void {
    this.#unsubscribe();
  }
}

export class StorageEpochStore implements EpochStore {
  readonly #cache = new Map<number, number>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly storage: Storage,
    private readonly bus: EventBus,
    private readonly clock: () => number,
  ) {
    this.#unsubscribe = bus.subscribe((e) => {
      if (e.type === 'epoch-changed') this.#cache.set(e.userId, e.epoch);
    });
  }

  async get(userId: number, trace?: RevocationTrace): Promise<number | null> {
    const hit = this.#cache.get(userId);
    trace?.sources.push(hit === undefined ? 'storage' : 'local');
    if (hit !== undefined) return hit;
    const user = await this.storage.getUserById(userId);
    if (!user) return null;
    if (this.#cache.size > 50_000) this.#cache.clear();
    this.#cache.set(userId, user.tokenEpoch);
    return user.tokenEpoch;
  }

  async bump(userId: number): Promise<number | null> {
    const epoch = await this.storage.bumpTokenEpoch(userId, this.clock());
    if (epoch === null) return null;
    this.#cache.set(userId, epoch);
    await this.bus.publish({ type: 'epoch-changed', userId, epoch });
    return epoch;
  }

  close(): void {
    this.#unsubscribe();
  }
}
