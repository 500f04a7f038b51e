import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AuditEventRecord,
  AuditQuery,
  DenylistEntry,
  NewAuditEvent,
  NewRefreshToken,
  NewSession,
  NewUser,
  OAuthClientRecord,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  Storage,
  UserPatch,
  UserRecord,
} from './types.js';
import { isCorruptionError, StorageConflictError, StorageCorruptError } from './types.js';

/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    disabled INTEGER NOT NULL DEFAULT 0,
    token_epoch INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoked_reason TEXT,
    user_agent TEXT,
    ip TEXT
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    parent_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'rotated', 'revoked')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    rotated_at INTEGER,
    replaced_by TEXT
  );
  CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);
  CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    user_id INTEGER,
    actor_id INTEGER,
    session_id TEXT,
    ip TEXT,
    details TEXT NOT NULL
  );
  CREATE INDEX audit_events_user ON audit_events(user_id);
  CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('next', 'active', 'retired')),
    private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    activated_at INTEGER,
    retired_at INTEGER
  );
  CREATE TABLE denylist (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  oauthClientsTable('INTEGER'),
];

import {
  auditDetailsJson,
  OAUTH_CLIENT_COLUMNS,
  oauthClientsTable,
  oauthClientValues,
  type Row,
  toAudit,
  toKey,
  toOAuthClient,
  toRefresh,
  toSession,
  toUser,
} from './rows.js';

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export interface SqliteStorageOptions {
  /** File path, or ':memory:'. Parent directories are created. */
  filename: string;
}

/** better-sqlite3 storage: WAL journal, foreign keys on, one connection (SQLite serialises writers). */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #filename: string;
  #lease: Database.Database | null = null;
  /** Set once a query failed with SQLITE_CORRUPT/NOTADB: readiness then answers 503. */
  #corrupt: StorageCorruptError | null = null;
  /** Statements prepared once per SQL text (the texts are constants, plus a few audit-query variants). */
  readonly #statements = new Map<string, Database.Statement>();

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  constructor(options: SqliteStorageOptions) {
    this.#filename = options.filename;
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.#db = new Database(options.filename);
    try {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('foreign_keys = ON');
      this.#db.pragma('busy_timeout = 5000');
    } catch (err) {
      // SQLITE_NOTADB on the first read of a file that is not a database: reported by checkIntegrity().
      if (!isCorruptionError(err)) throw err;
      this.#corrupt = new StorageCorruptError(options.filename, String((err as Error).message));
    }
    // Every storage call: SQLITE_CORRUPT / SQLITE_NOTADB become a StorageCorruptError (503, not ready).
    const self = this as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(SqliteStorage.prototype)) {
      if (
        name === 'constructor' ||
        name === 'close' ||
        name === 'leaseDescription' ||
        name === 'releaseInstanceLease'
      )
        continue;
      const fn = self[name];
      if (typeof fn !== 'function') continue;
      self[name] = (...args: unknown[]) =>
        (fn as (...a: unknown[]) => Promise<unknown>)
          .apply(this, args)
          .catch((err: unknown) => this.#fail(err));
    }
  }

  get leaseDescription(): string {
    return `lock file ${this.#filename}.instance-lock`;
  }

  /** Wraps a failure: corruption is remembered (readiness goes 503) and re-thrown typed. */
  #fail(err: unknown): never {
    if (isCorruptionError(err)) {
      this.#corrupt ??=
        err instanceof StorageCorruptError
          ? err
          : new StorageCorruptError(this.#filename, String((err as Error).message));
      throw this.#corrupt;
    }
    throw err;
  }

  async checkIntegrity(): Promise<void> {
    if (this.#corrupt) throw this.#corrupt;
    let rows: Array<{ quick_check?: unknown }>;
    try {
      rows = this.#db.pragma('quick_check(20)') as Array<{ quick_check?: unknown }>;
    } catch (err) {
      this.#fail(err);
    }
    const findings = rows.map((r) => String(r.quick_check)).filter((x) => x !== 'ok');
    if (findings.length > 0) {
      this.#corrupt = new StorageCorruptError(
        this.#filename,
        `quick_check: ${findings.slice(0, 3).join('; ')}`,
      );
      throw this.#corrupt;
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
      if (
        (err as { code?: string }).code?.startsWith('SQLITE_BUSY') ||
        (err as { code?: string }).code === 'SQLITE_LOCKED'
      )
        return false;
      throw err;
    }
    this.#lease = lock;
    return true;
  }

  async migrate(): Promise<void> {
    if (this.#corrupt) throw this.#corrupt;
    const current = Number(this.#db.pragma('user_version', { simple: true }));
    for (let i = current; i < MIGRATIONS.length; i++) {
      const sql = MIGRATIONS[i]!;
      this.#db.transaction(() => {
        this.#db.exec(sql);
        this.#db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  async ping(): Promise<void> {
    if (this.#corrupt) throw this.#corrupt;
    try {
      this.#prepare('SELECT COUNT(*) FROM users').get();
    } catch (err) {
      this.#fail(err);
    }
  }

  async releaseInstanceLease(): Promise<void> {
    if (this.#lease?.open) this.#lease.close();
    this.#lease = null;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    await this.releaseInstanceLease();
  }

  async deleteUser(id: number): Promise<boolean> {
    return this.#prepare('DELETE FROM users WHERE id = ?').run(id).changes > 0;
  }

  async deleteSigningKey(kid: string): Promise<boolean> {
    return this.#prepare('DELETE FROM signing_keys WHERE kid = ?').run(kid).changes > 0;
  }

  async getSetting(name: string): Promise<string | null> {
    const row = this.#prepare('SELECT value FROM settings WHERE name = ?').get(name) as Row | undefined;
    return row ? String(row.value) : null;
  }

  async deleteSetting(name: string): Promise<boolean> {
    return this.#prepare('DELETE FROM settings WHERE name = ?').run(name).changes > 0;
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    try {
      const row = this.#prepare(
        `INSERT INTO users (id, username, password_hash, role, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(user.id ?? null, user.username, user.passwordHash, user.role, user.now, user.now) as Row;
      return toUser(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new StorageConflictError('username or id already exists');
      throw err;
    }
  }

  async getUserById(id: number): Promise<UserRecord | null> {
    const row = this.#prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return row ? toUser(row) : null;
  }

  async getUserByUsername(username: string): Promise<UserRecord | null> {
    const row = this.#prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    return row ? toUser(row) : null;
  }

  async listUsers(page: { limit: number; offset: number }): Promise<{ users: UserRecord[]; total: number }> {
    const rows = this.#prepare('SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?').all(
      page.limit,
      page.offset,
    ) as Row[];
    const total = Number((this.#prepare('SELECT COUNT(*) AS n FROM users').get() as Row).n);
    return { users: rows.map(toUser), total };
  }

  async updateUser(id: number, patch: UserPatch, now: number): Promise<UserRecord | null> {
    const row = this.#prepare(
      `UPDATE users SET
           role = COALESCE(?, role),
           disabled = COALESCE(?, disabled),
           password_hash = COALESCE(?, password_hash),
           updated_at = ?
         WHERE id = ? RETURNING *`,
    ).get(
      patch.role ?? null,
      patch.disabled === undefined ? null : patch.disabled ? 1 : 0,
      patch.passwordHash ?? null,
      now,
      id,
    ) as Row | undefined;
    return row ? toUser(row) : null;
  }

  async bumpTokenEpoch(id: number, now: number): Promise<number | null> {
    const row = this.#prepare(
      'UPDATE users SET token_epoch = token_epoch + 1, updated_at = ? WHERE id = ? RETURNING token_epoch',
    ).get(now, id) as Row | undefined;
    return row ? Number(row.token_epoch) : null;
  }

  async createSession(session: NewSession, firstToken: NewRefreshToken): Promise<void> {
    this.#db.transaction(() => {
      this.#prepare(
        `INSERT INTO sessions (id, user_id, client_id, created_at, last_used_at, expires_at, user_agent, ip)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        session.id,
        session.userId,
        session.clientId,
        session.now,
        session.now,
        session.expiresAt,
        session.userAgent,
        session.ip,
      );
      this.#prepare(
        `INSERT INTO refresh_tokens (id, session_id, token_hash, parent_id, status, created_at, expires_at)
           VALUES (?, ?, ?, NULL, 'active', ?, ?)`,
      ).run(firstToken.id, session.id, firstToken.tokenHash, session.now, firstToken.expiresAt);
    })();
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const row = this.#prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? toSession(row) : null;
  }

  async listActiveSessions(userId: number, now: number): Promise<SessionRecord[]> {
    const rows = this.#prepare(
      `SELECT * FROM sessions s WHERE s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ?
           AND EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = s.id AND r.status = 'active' AND r.expires_at > ?)
         ORDER BY s.created_at DESC, s.id`,
    ).all(userId, now, now) as Row[];
    return rows.map(toSession);
  }

  async revokeSession(id: string, reason: string, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const res = this.#prepare(
        'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
      ).run(now, reason, id);
      this.#prepare(
        `UPDATE refresh_tokens SET status = 'revoked' WHERE session_id = ? AND status = 'active'`,
      ).run(id);
      return res.changes > 0;
    })();
  }

  async revokeUserSessions(userId: number, reason: string, now: number): Promise<string[]> {
    return this.#db.transaction(() => {
      const rows = this.#prepare(
        `UPDATE sessions SET revoked_at = ?, revoked_reason = ?
           WHERE user_id = ? AND revoked_at IS NULL RETURNING id`,
      ).all(now, reason, userId) as Row[];
      const ids = rows.map((r) => String(r.id));
      const stmt = this.#prepare(
        `UPDATE refresh_tokens SET status = 'revoked' WHERE session_id = ? AND status = 'active'`,
      );
      for (const id of ids) stmt.run(id);
      return ids;
    })();
  }

  async getRefreshTokenByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = this.#prepare('SELECT * FROM refresh_tokens WHERE token_hash = ?').get(tokenHash) as
      | Row
      | undefined;
    return row ? toRefresh(row) : null;
  }

  async getRefreshTokenById(id: string): Promise<RefreshTokenRecord | null> {
    const row = this.#prepare('SELECT * FROM refresh_tokens WHERE id = ?').get(id) as Row | undefined;
    return row ? toRefresh(row) : null;
  }

  async listRefreshTokens(sessionId: string): Promise<RefreshTokenRecord[]> {
    const rows = this.#prepare(
      'SELECT * FROM refresh_tokens WHERE session_id = ? ORDER BY created_at, rowid',
    ).all(sessionId) as Row[];
    return rows.map(toRefresh);
  }

  async rotateRefreshToken(oldId: string, next: NewRefreshToken, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const old = this.#prepare(
        `UPDATE refresh_tokens SET status = 'rotated', rotated_at = ?, replaced_by = ?
           WHERE id = ? AND status = 'active' AND expires_at > ? RETURNING session_id`,
      ).get(now, next.id, oldId, now) as Row | undefined;
      if (!old) return false;
      this.#prepare(
        `INSERT INTO refresh_tokens (id, session_id, token_hash, parent_id, status, created_at, expires_at)
           VALUES (?, ?, ?, ?, 'active', ?, ?)`,
      ).run(next.id, old.session_id, next.tokenHash, oldId, now, next.expiresAt);
      this.#prepare('UPDATE sessions SET last_used_at = ? WHERE id = ?').run(now, old.session_id);
      return true;
    })();
  }

  async appendAuditEvent(event: NewAuditEvent): Promise<AuditEventRecord> {
    const row = this.#prepare(
      `INSERT INTO audit_events (at, type, user_id, actor_id, session_id, ip, details)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ).get(
      event.at,
      event.type,
      event.userId,
      event.actorId,
      event.sessionId,
      event.ip,
      auditDetailsJson(event.details),
    ) as Row;
    return toAudit(row);
  }

  async listAuditEvents(query: AuditQuery): Promise<AuditEventRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      args.push(query.beforeId);
    }
    if (query.userId !== undefined) {
      where.push('user_id = ?');
      args.push(query.userId);
    }
    if (query.type !== undefined) {
      where.push('type = ?');
      args.push(query.type);
    }
    const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.#prepare(sql).all(...args, query.limit) as Row[];
    return rows.map(toAudit);
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const rows = this.#prepare('SELECT * FROM signing_keys ORDER BY created_at, kid').all() as Row[];
    return rows.map(toKey);
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    try {
      this.#prepare(
        `INSERT INTO signing_keys (kid, alg, status, private_key, public_jwk, created_at, activated_at, retired_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        key.kid,
        key.alg,
        key.status,
        key.privateKey,
        key.publicJwk,
        key.createdAt,
        key.activatedAt,
        key.retiredAt,
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new StorageConflictError('kid already exists');
      throw err;
    }
  }

  async rotateSigningKeys(expectedNext: string, newNext: SigningKeyRecord, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const next = this.#prepare(`SELECT kid FROM signing_keys WHERE kid = ? AND status = 'next'`).get(
        expectedNext,
      ) as Row | undefined;
      if (!next) return false;
      this.#prepare(`UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE status = 'active'`).run(
        now,
      );
      this.#prepare(`UPDATE signing_keys SET status = 'active', activated_at = ? WHERE kid = ?`).run(
        now,
        expectedNext,
      );
      this.#prepare(
        `INSERT INTO signing_keys (kid, alg, status, private_key, public_jwk, created_at, activated_at, retired_at)
           VALUES (?, ?, 'next', ?, ?, ?, NULL, NULL)`,
      ).run(newNext.kid, newNext.alg, newNext.privateKey, newNext.publicJwk, newNext.createdAt);
      return true;
    })();
  }

  async deleteRetiredSigningKeys(retiredBefore: number): Promise<string[]> {
    const rows = this.#prepare(
      `DELETE FROM signing_keys WHERE status = 'retired' AND retired_at < ? RETURNING kid`,
    ).all(retiredBefore) as Row[];
    return rows.map((r) => String(r.kid));
  }

  async addDenylistEntry(entry: DenylistEntry): Promise<void> {
    this.#prepare(
      `INSERT INTO denylist (key, expires_at) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    ).run(entry.key, entry.expiresAt);
  }

  async listDenylistEntries(now: number): Promise<DenylistEntry[]> {
    const rows = this.#prepare('SELECT key, expires_at FROM denylist WHERE expires_at > ?').all(now) as Row[];
    return rows.map((r) => ({ key: String(r.key), expiresAt: Number(r.expires_at) }));
  }

  async isDenylisted(key: string, now: number): Promise<boolean> {
    return (
      this.#prepare('SELECT 1 FROM denylist WHERE key = ? AND expires_at > ?').get(key, now) !== undefined
    );
  }

  async getOrSetSetting(name: string, value: string): Promise<string> {
    this.#prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(
      name,
      value,
    );
    return String((this.#prepare('SELECT value FROM settings WHERE name = ?').get(name) as Row).value);
  }

  async purgeExpired(now: number, options: { auditBefore?: number } = {}): Promise<void> {
    this.#db.transaction(() => {
      this.#prepare('DELETE FROM denylist WHERE expires_at <= ?').run(now);
      this.#prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
      if (options.auditBefore !== undefined)
        this.#prepare('DELETE FROM audit_events WHERE at < ?').run(options.auditBefore);
    })();
  }

  async createOAuthClient(client: OAuthClientRecord): Promise<void> {
    try {
      this.#prepare(
        `INSERT INTO oauth_clients (${OAUTH_CLIENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...oauthClientValues(client));
    } catch (err) {
      if (isUniqueViolation(err)) throw new StorageConflictError('client_id taken');
      throw err;
    }
  }

  async getOAuthClient(id: string): Promise<OAuthClientRecord | null> {
    const row = this.#prepare('SELECT * FROM oauth_clients WHERE id = ?').get(id) as Row | undefined;
    return row ? toOAuthClient(row) : null;
  }

  async listOAuthClients(): Promise<OAuthClientRecord[]> {
    return (this.#prepare('SELECT * FROM oauth_clients ORDER BY id').all() as Row[]).map(toOAuthClient);
  }

  async deleteOAuthClient(id: string): Promise<boolean> {
    return this.#prepare('DELETE FROM oauth_clients WHERE id = ?').run(id).changes > 0;
  }
}
