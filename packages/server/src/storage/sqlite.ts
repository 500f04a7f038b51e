import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { MigrationHooks } from './migrations/index.js';
import type { Db, Row } from './sql.js';
import { SqlStorage } from './sql-storage.js';
import { isCorruptionError, StorageCorruptError } from './types.js';

const BUSY_TIMEOUT_MS = 5000;
const isBusy = (err: unknown): boolean => String((err as { code?: unknown })?.code).startsWith('SQLITE_BUSY');

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans are stored as 0/1. */
const bind = (args: readonly unknown[]): unknown[] =>
  args.map((a) => (typeof a === 'boolean' ? (a ? 1 : 0) : a));

/**
 * The SQLite `Db`: one connection (SQLite serialises writers anyway). better-sqlite3 is synchronous, so
 * a transaction spanning awaits would let other calls on this connection slip into it: while one is
 * open, every other call waits for it to end. Locks held by other connections are waited for
 * asynchronously (see #whenFree). Any SQLITE_CORRUPT / SQLITE_NOTADB becomes a
 * StorageCorruptError, remembered so readiness answers 503.
 */
class SqliteDb implements Db {
  readonly engine = 'sqlite' as const;
  readonly raw: Database.Database;
  corrupt: StorageCorruptError | null = null;
  /** Statements prepared once per SQL text (the texts are constants, plus a few audit-query variants). */
  readonly #statements = new Map<string, Database.Statement>();
  /**
   * Resolves when the open transaction ends; null when none is open. Each call checks it and then runs
   * (or opens its own transaction) in one synchronous step, so two waiters never both get in.
   */
  #txEnd: Promise<void> | null = null;
  /** The calls a transaction's body makes: straight to the connection, no waiting. */
  readonly #inTx: Db;

  constructor(readonly filename: string) {
    this.raw = new Database(filename);
    try {
      this.raw.pragma('journal_mode = WAL');
      this.raw.pragma('synchronous = NORMAL');
      this.raw.pragma('foreign_keys = ON');
      this.raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    } catch (err) {
      // SQLITE_NOTADB on the first read of a file that is not a database: reported by checkIntegrity().
      if (!isCorruptionError(err)) throw err;
      this.corrupt = new StorageCorruptError(filename, String((err as Error).message));
    }
    // From here on, lock waits are asynchronous (#whenFree), never a blocking busy_timeout.
    if (!this.corrupt) this.raw.pragma('busy_timeout = 0');
    this.#inTx = {
      engine: this.engine,
      all: async (sql, args = []) => this.#guard(() => this.#prepare(sql).all(...bind(args)) as Row[]),
      get: async (sql, args = []) =>
        this.#guard(() => this.#prepare(sql).get(...bind(args)) as Row | undefined),
      run: async (sql, args = []) => this.#guard(() => this.#prepare(sql).run(...bind(args)).changes),
      exec: async (sql) => this.#guard(() => void this.raw.exec(sql)),
      tx: (fn) => fn(this.#inTx),
      isUniqueViolation: this.isUniqueViolation,
    };
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** A failure: corruption is remembered (readiness goes 503) and re-thrown typed. */
  fail(err: unknown): unknown {
    if (!isCorruptionError(err)) return err;
    this.corrupt ??=
      err instanceof StorageCorruptError
        ? err
        : new StorageCorruptError(this.filename, String((err as Error).message));
    return this.corrupt;
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw this.fail(err);
    }
  }

  /**
   * Runs `fn` once no transaction of ours is open. The lock of another connection (another process, or
   * another instance in this one) is waited for here, asynchronously, for up to 5 s: a synchronous
   * busy_timeout would block the event loop, and with it the other instance that holds the lock.
   */
  async #whenFree<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      while (this.#txEnd) await this.#txEnd;
      try {
        return this.#guard(fn);
      } catch (err) {
        if (!isBusy(err) || Date.now() > deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * `#whenFree` without its loop when no transaction of ours is open and the statement does not meet a
   * lock: the common case (every GET /me), answered without an async frame per call. A lock goes to
   * `#whenFree`, which waits for it as before; any other failure is what `#guard` makes of it.
   */
  #whenFreeNow<T>(fn: () => T): Promise<T> {
    if (this.#txEnd === null) {
      try {
        return Promise.resolve(fn());
      } catch (err) {
        if (!isBusy(err)) return Promise.reject(this.fail(err));
      }
    }
    return this.#whenFree(fn);
  }

  all(sql: string, args: readonly unknown[] = []): Promise<Row[]> {
    return this.#whenFreeNow(() => this.#prepare(sql).all(...bind(args)) as Row[]);
  }

  get(sql: string, args: readonly unknown[] = []): Promise<Row | undefined> {
    return this.#whenFreeNow(() => this.#prepare(sql).get(...bind(args)) as Row | undefined);
  }

  run(sql: string, args: readonly unknown[] = []): Promise<number> {
    return this.#whenFree(() => this.#prepare(sql).run(...bind(args)).changes);
  }

  exec(sql: string): Promise<void> {
    return this.#whenFree(() => void this.raw.exec(sql));
  }

  async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    let end = () => {};
    // IMMEDIATE: the write lock is taken now, so no other connection writes between our reads and writes.
    await this.#whenFree(() => {
      this.raw.exec('BEGIN IMMEDIATE');
      this.#txEnd = new Promise<void>((resolve) => {
        end = resolve;
      });
    });
    try {
      const result = await fn(this.#inTx);
      this.#guard(() => this.raw.exec('COMMIT'));
      return result;
    } catch (err) {
      if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
      throw err;
    } finally {
      this.#txEnd = null;
      end();
    }
  }

  isUniqueViolation(err: unknown): boolean {
    const code = (err as { code?: unknown })?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }
}

export interface SqliteStorageOptions {
  /** File path, or ':memory:'. Parent directories are created. */
  filename: string;
}

/** better-sqlite3 storage: WAL journal, foreign keys on, one connection. */
export class SqliteStorage extends SqlStorage {
  readonly kind = 'sqlite' as const;
  readonly #db: SqliteDb;
  readonly #filename: string;
  #lease: Database.Database | null = null;

  constructor(options: SqliteStorageOptions) {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    const db = new SqliteDb(options.filename);
    super(db);
    this.#db = db;
    this.#filename = options.filename;
  }

  protected readonly migrationHooks: MigrationHooks = {
    lock: async () => {}, // BEGIN IMMEDIATE already holds the write lock
    legacyVersion: async (t) => Number((await t.get('PRAGMA user_version'))?.user_version ?? 0),
  };

  get leaseDescription(): string {
    return `lock file ${this.#filename}.instance-lock`;
  }

  async checkIntegrity(): Promise<void> {
    if (this.#db.corrupt) throw this.#db.corrupt;
    let rows: Array<{ quick_check?: unknown }>;
    try {
      rows = this.#db.raw.pragma('quick_check(20)') as Array<{ quick_check?: unknown }>;
    } catch (err) {
      throw this.#db.fail(err);
    }
    const findings = rows.map((r) => String(r.quick_check)).filter((x) => x !== 'ok');
    if (findings.length > 0) {
      this.#db.corrupt = new StorageCorruptError(
        this.#filename,
        `quick_check: ${findings.slice(0, 3).join('; ')}`,
      );
      throw this.#db.corrupt;
    }
  }

  async acquireInstanceLease(): Promise<boolean> {
    if (this.#lease) return true;
    if (this.#filename === ':memory:') return true;
    // A second SQLite file held in an EXCLUSIVE transaction: the OS drops the lock with the process, so a
    // crash never leaves a stale lease behind (unlike a PID file).
    const lock = new Database(`${this.#filename}.instance-lock`, { timeout: 0 });
    try {
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.exec('CREATE TABLE IF NOT EXISTS lease (pid INTEGER, since INTEGER)');
      lock.exec('BEGIN EXCLUSIVE');
      lock.prepare('DELETE FROM lease').run();
      lock.prepare('INSERT INTO lease (pid, since) VALUES (?, ?)').run(process.pid, Date.now());
    } catch (err) {
      lock.close();
      const code = (err as { code?: string }).code;
      if (code?.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') return false;
      throw this.#db.fail(err);
    }
    this.#lease = lock;
    return true;
  }

  override async migrate(): Promise<void> {
    if (this.#db.corrupt) throw this.#db.corrupt;
    await super.migrate();
  }

  async ping(): Promise<void> {
    if (this.#db.corrupt) throw this.#db.corrupt;
    await this.#db.get('SELECT COUNT(*) AS n FROM users');
  }

  async releaseInstanceLease(): Promise<void> {
    if (this.#lease?.open) this.#lease.close();
    this.#lease = null;
  }

  async close(): Promise<void> {
    if (this.#db.raw.open) this.#db.raw.close();
    await this.releaseInstanceLease();
  }
}
