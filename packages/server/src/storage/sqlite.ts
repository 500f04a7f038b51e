import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { MigrationHooks } from './migrations/index.js';
import type { Db, Row } from './sql.js';
import { SqlStorage } from './sql-storage.js';
import { isCorruptionError, StorageCorruptError } from './types.js';

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans are stored as 0/1. */
const bind = (args: readonly unknown[]): unknown[] =>
  args.map((a) => (typeof a === 'boolean' ? (a ? 1 : 0) : a));

/**
 * The SQLite `Db`: one connection (SQLite serialises writers anyway). better-sqlite3 is synchronous, so
 * a transaction spanning awaits would let other calls on this connection slip into it: while one is
 * open, every other call waits for it to end. Any SQLITE_CORRUPT / SQLITE_NOTADB becomes a
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
      this.raw.pragma('busy_timeout = 5000');
    } catch (err) {
      // SQLITE_NOTADB on the first read of a file that is not a database: reported by checkIntegrity().
      if (!isCorruptionError(err)) throw err;
      this.corrupt = new StorageCorruptError(filename, String((err as Error).message));
    }
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

  async all(sql: string, args: readonly unknown[] = []): Promise<Row[]> {
    while (this.#txEnd) await this.#txEnd;
    return this.#inTx.all(sql, args);
  }

  async get(sql: string, args: readonly unknown[] = []): Promise<Row | undefined> {
    while (this.#txEnd) await this.#txEnd;
    return this.#inTx.get(sql, args);
  }

  async run(sql: string, args: readonly unknown[] = []): Promise<number> {
    while (this.#txEnd) await this.#txEnd;
    return this.#inTx.run(sql, args);
  }

  async exec(sql: string): Promise<void> {
    while (this.#txEnd) await this.#txEnd;
    return this.#inTx.exec(sql);
  }

  async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    while (this.#txEnd) await this.#txEnd;
    let end = () => {};
    this.#txEnd = new Promise<void>((resolve) => {
      end = resolve;
    });
    try {
      // IMMEDIATE: the write lock is taken now, so another process cannot slip in between our read and write.
      this.#guard(() => this.raw.exec('BEGIN IMMEDIATE'));
      try {
        const result = await fn(this.#inTx);
        this.#guard(() => this.raw.exec('COMMIT'));
        return result;
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw err;
      }
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
