/**
 * The composed `Storage`: one store per aggregate (stores/*.ts), all over the same `Db`, plus the
 * shared life-cycle steps (migrations, purge). `SqliteStorage` and `PostgresStorage` extend it and add
 * only what is the engine's own: the driver, the single-instance lease, integrity checks.
 */
import { type MigrationHooks, runMigrations } from './migrations/index.js';
import type { Db } from './sql.js';
import { auditStore } from './stores/audit.js';
import { oauthClientStore } from './stores/clients.js';
import { signingKeyStore } from './stores/keys.js';
import { sessionStore } from './stores/sessions.js';
import { denylistStore, settingStore } from './stores/settings.js';
import { userStore } from './stores/users.js';
import type { Storage, Stores } from './types.js';

// The store methods are copied onto the instance in the constructor; this declaration tells TypeScript
// they are there (one list of methods: the store interfaces in types.ts).
export interface SqlStorage extends Stores {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor assigns every member of Stores
export abstract class SqlStorage implements Storage {
  abstract readonly kind: Storage['kind'];
  abstract readonly leaseDescription: string;
  abstract ping(): Promise<void>;
  abstract checkIntegrity(): Promise<void>;
  abstract acquireInstanceLease(): Promise<boolean>;
  abstract releaseInstanceLease(): Promise<void>;
  abstract close(): Promise<void>;

  readonly #db: Db;

  protected constructor(db: Db) {
    this.#db = db;
    Object.assign(
      this,
      userStore(db),
      sessionStore(db),
      auditStore(db),
      signingKeyStore(db),
      denylistStore(db),
      settingStore(db),
      oauthClientStore(db),
    );
  }

  /** The engine's part of migrating: its lock and where it recorded versions before schema_migrations. */
  protected abstract readonly migrationHooks: MigrationHooks;

  async migrate(): Promise<void> {
    await runMigrations(this.#db, this.migrationHooks);
  }

  async purgeExpired(now: number, options: { auditBefore?: number } = {}): Promise<void> {
    await this.#db.tx(async (t) => {
      await t.run('DELETE FROM denylist WHERE expires_at <= ?', [now]);
      await t.run('DELETE FROM sessions WHERE expires_at <= ?', [now]);
      if (options.auditBefore !== undefined)
        await t.run('DELETE FROM audit_events WHERE at < ?', [options.auditBefore]);
    });
  }
}
