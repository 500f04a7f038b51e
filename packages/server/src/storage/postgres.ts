import pg from 'pg';
import type { MigrationHooks } from './migrations/index.js';
import { type Db, numberPlaceholders, type Row } from './sql.js';
import { SqlStorage } from './sql-storage.js';

/** `?` texts numbered once each (the texts are constants, plus a few audit-query variants). */
const numbered = new Map<string, string>();
const positional = (sql: string): string => {
  let text = numbered.get(sql);
  if (text === undefined) {
    text = numberPlaceholders(sql);
    numbered.set(sql, text);
  }
  return text;
};

type Query = (text: string, args?: unknown[]) => Promise<pg.QueryResult>;

/** A `Db` over a pool or over one checked-out client (inside a transaction, where `tx` joins it). */
function pgDb(query: Query, tx: Db['tx'] | null): Db {
  const db: Db = {
    engine: 'postgres',
    all: async (sql, args = []) => (await query(positional(sql), [...args])).rows as Row[],
    get: async (sql, args = []) => (await query(positional(sql), [...args])).rows[0] as Row | undefined,
    run: async (sql, args = []) => (await query(positional(sql), [...args])).rowCount ?? 0,
    exec: async (sql) => void (await query(sql)),
    tx: tx ?? ((fn) => fn(db)),
    isUniqueViolation: (err) => (err as { code?: unknown })?.code === '23505',
  };
  return db;
}

export interface PostgresStorageOptions {
  connectionString: string;
  /** Schema to create and use (search_path); default: the server's default (`public`). */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** A query that takes longer fails (default 10 s), so a hung database answers 503 instead of stalling. */
  queryTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** PostgreSQL storage over a pg Pool. Every multi-statement operation runs in one transaction. */
export class PostgresStorage extends SqlStorage {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;
  readonly #connectionString: string;
  /** The connection holding the single-instance advisory lock (session-level), when taken. */
  #lease: pg.Client | null = null;

  constructor(options: PostgresStorageOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error('invalid Postgres schema name');
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5000,
      // A database that hangs (rather than drops connections) must not hold requests: fail the query.
      query_timeout: options.queryTimeoutMs ?? 10_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle client erroring (server restart) must not crash the process.
    pool.on('error', () => {});
    super(
      pgDb(
        (text, args) => pool.query(text, args),
        (fn) => PostgresStorage.#tx(pool, fn),
      ),
    );
    this.#pool = pool;
    this.#schema = options.schema;
    this.#connectionString = options.connectionString;
  }

  static async #tx<T>(pool: pg.Pool, fn: (db: Db) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    // A checked-out client has no 'error' listener of pg's own: without this one, a connection dropped
    // mid-transaction emits an unhandled 'error' and ends the process. The pending query rejects anyway.
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(pgDb((text, args) => client.query(text, args), null));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken ??= rollbackError; // e.g. after a query timeout: do not reuse this connection
      });
      throw err;
    } finally {
      client.removeListener('error', onError);
      // A broken connection is destroyed instead of returned to the pool.
      client.release(broken ?? false);
    }
  }

  protected readonly migrationHooks: MigrationHooks = {
    lock: async (t) => void (await t.get('SELECT pg_advisory_xact_lock(727274)')),
    legacyVersion: async (t) => {
      const legacy = await t.get("SELECT to_regclass('jwtkit_migrations') AS t");
      if (!legacy?.t) return 0;
      return Number((await t.get('SELECT COALESCE(MAX(version), 0) AS v FROM jwtkit_migrations'))?.v ?? 0);
    },
  };

  override async migrate(): Promise<void> {
    if (this.#schema) await this.#pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
    await super.migrate();
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async checkIntegrity(): Promise<void> {
    // Postgres verifies its own pages (and reports damage as errors on access); nothing to do at start.
  }

  get leaseDescription(): string {
    return `Postgres advisory lock on schema ${this.#schema ?? 'public'}`;
  }

  /** Called when a lost lease (its connection dropped) could not be taken back: another instance has it. */
  onLeaseLost: ((message: string) => void) | null = null;
  #wantLease = false;
  #leaseRetry: NodeJS.Timeout | null = null;

  async acquireInstanceLease(): Promise<boolean> {
    if (this.#lease) return true;
    const ok = await this.#takeLease();
    if (ok) this.#wantLease = true;
    return ok;
  }

  async #takeLease(): Promise<boolean> {
    const client = new pg.Client({
      connectionString: this.#connectionString,
      connectionTimeoutMillis: 5000,
      ...(this.#schema ? { options: `-c search_path=${this.#schema}` } : {}),
    });
    const lost = () => {
      // The connection (and with it the lock) is gone, e.g. a database restart: take it back.
      if (this.#lease !== client) return;
      this.#lease = null;
      this.#retryLease();
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    // A session-level lock: released when this connection ends (process exit, crash, or close()).
    // Keyed by the schema name (locks are per database already), so two schemas never share a lease.
    let ok = false;
    try {
      const rows = await client.query('SELECT pg_try_advisory_lock(727275, hashtext($1)) AS ok', [
        this.#schema ?? 'public',
      ]);
      ok = rows.rows[0]?.ok === true;
    } finally {
      if (!ok) await client.end().catch(() => {});
    }
    if (ok) this.#lease = client;
    return ok;
  }

  #retryLease(): void {
    if (!this.#wantLease || this.#leaseRetry) return;
    this.#leaseRetry = setTimeout(async () => {
      this.#leaseRetry = null;
      if (!this.#wantLease || this.#lease) return;
      try {
        if (!(await this.#takeLease()) && this.#wantLease)
          this.onLeaseLost?.(
            `the single-instance lease (${this.leaseDescription}) was lost with its database connection and another instance now holds it; stop one of them, or set REDIS_URL on both`,
          );
      } catch {
        this.#retryLease(); // database still unreachable: try again
      }
    }, 500);
    this.#leaseRetry.unref();
  }

  async releaseInstanceLease(): Promise<void> {
    this.#wantLease = false;
    if (this.#leaseRetry) clearTimeout(this.#leaseRetry);
    this.#leaseRetry = null;
    const lease = this.#lease;
    this.#lease = null;
    await lease?.end().catch(() => {});
  }

  /** True while this storage holds the lease (tests). */
  get holdsInstanceLease(): boolean {
    return this.#lease !== null;
  }

  async close(): Promise<void> {
    await this.releaseInstanceLease();
    await this.#pool.end();
  }

  /** Drops the schema this storage was created with (tests). */
  async dropSchema(): Promise<void> {
    if (!this.#schema) throw new Error('no schema to drop');
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${this.#schema} CASCADE`);
  }
}
