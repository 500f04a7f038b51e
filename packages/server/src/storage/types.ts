/**
 * The storage boundary of the auth service. Every persistent fact lives behind one async interface per
 * aggregate (users, sessions + refresh tokens, audit, signing keys, denylist, settings, OAuth clients),
 * composed into `Storage`. The stores (`stores/`) hold the SQL, once for both engines; `sqlite.ts`
 * (better-sqlite3, WAL) and `postgres.ts` (pg Pool) only run it. Services never see SQL.
 *
 * Times are integer milliseconds since the epoch. Ids: users are integers, sessions and refresh tokens
 * are random UUIDs, audit events are increasing integers.
 */

export type Role = 'admin' | 'user';
export type RefreshTokenStatus = 'active' | 'rotated' | 'revoked';
export type SigningKeyStatus = 'next' | 'active' | 'retired';

export interface UserRecord {
  id: number;
  username: string;
  passwordHash: string;
  role: Role;
  disabled: boolean;
  /** Per-user token epoch: access tokens carrying an older epoch are rejected. */
  tokenEpoch: number;
  createdAt: number;
  updatedAt: number;
}

/** What `GET /me` answers about a user: no password hash, no epoch (read without them: a narrower row). */
export type UserProfile = Pick<UserRecord, 'id' | 'username' | 'role' | 'createdAt'>;

export interface NewUser {
  /** Explicit id (used for the demo seed); omitted means "assign one". */
  id?: number;
  username: string;
  passwordHash: string;
  role: Role;
  now: number;
}

export interface UserPatch {
  role?: Role;
  disabled?: boolean;
  passwordHash?: string;
}

/** A login session = one refresh-token family. */
export interface SessionRecord {
  id: string;
  userId: number;
  clientId: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
  userAgent: string | null;
  ip: string | null;
}

export interface NewSession {
  id: string;
  userId: number;
  clientId: string;
  expiresAt: number;
  userAgent: string | null;
  ip: string | null;
  now: number;
}

export interface NewRefreshToken {
  id: string;
  /** SHA-256 of the opaque token (hex); the token itself is never stored. */
  tokenHash: string;
  expiresAt: number;
}

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  tokenHash: string;
  parentId: string | null;
  status: RefreshTokenStatus;
  createdAt: number;
  expiresAt: number;
  rotatedAt: number | null;
  replacedBy: string | null;
}

export interface AuditEventRecord {
  id: number;
  at: number;
  type: string;
  userId: number | null;
  actorId: number | null;
  sessionId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEventRecord, 'id'>;

export interface AuditQuery {
  limit: number;
  /** Only events with an id lower than this (cursor for paging backwards). */
  beforeId?: number;
  userId?: number;
  type?: string;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  /** Private key material, encrypted at rest by the keys service (opaque to storage). */
  privateKey: string;
  /** Public JWK as JSON text. */
  publicJwk: string;
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
}

export interface DenylistEntry {
  key: string;
  expiresAt: number;
}

/** A registered machine client (RFC 6749 §2; client_credentials grant). */
export type ClientAuthMethod = 'client_secret_basic' | 'private_key_jwt';

export interface OAuthClientRecord {
  /** client_id */
  id: string;
  name: string;
  authMethod: ClientAuthMethod;
  /** SHA-256 (hex) of the client secret (client_secret_basic); null for private_key_jwt. */
  secretHash: string | null;
  /** Scopes the client may be granted. */
  scopes: string[];
  /** Audiences (resource servers) the client may get tokens for; the first is the default. */
  audiences: string[];
  /** private_key_jwt: the client's public JWK Set (JSON text), or its JWKS URL. */
  jwks: string | null;
  jwksUri: string | null;
  createdAt: number;
}

/** Users and their token epoch. */
export interface UserStore {
  /** Throws StorageConflictError when the username (or explicit id) is taken. */
  createUser(user: NewUser): Promise<UserRecord>;
  getUserById(id: number): Promise<UserRecord | null>;
  getUserProfile(id: number): Promise<UserProfile | null>;
  getUserByUsername(username: string): Promise<UserRecord | null>;
  listUsers(page: { limit: number; offset: number }): Promise<{ users: UserRecord[]; total: number }>;
  updateUser(id: number, patch: UserPatch, now: number): Promise<UserRecord | null>;
  /** Deletes the user (their sessions and refresh tokens go with them); false if absent. */
  deleteUser(id: number): Promise<boolean>;
  /** Atomically increments the user's token epoch and returns the new value (null: no such user). */
  bumpTokenEpoch(id: number, now: number): Promise<number | null>;
}

/** Sessions (refresh-token families) and their refresh tokens. */
export interface SessionStore {
  createSession(session: NewSession, firstToken: NewRefreshToken): Promise<void>;
  getSession(id: string): Promise<SessionRecord | null>;
  /** Sessions that are not revoked, not expired, and still hold an unexpired active refresh token. */
  listActiveSessions(userId: number, now: number): Promise<SessionRecord[]>;
  /** Revokes the session and every refresh token in it. Returns false if it was already revoked or absent. */
  revokeSession(id: string, reason: string, now: number): Promise<boolean>;
  /** Revokes every live session of the user; returns the ids it revoked. */
  revokeUserSessions(userId: number, reason: string, now: number): Promise<string[]>;
  getRefreshTokenByHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  getRefreshTokenById(id: string): Promise<RefreshTokenRecord | null>;
  /** The family's tokens in the order they were issued. */
  listRefreshTokens(sessionId: string): Promise<RefreshTokenRecord[]>;
  /**
   * The refresh compare-and-set: atomically marks `oldId` rotated (only if it is still active and
   * unexpired), inserts `next` as the active token of the same family and touches the session.
   * Returns true for exactly one of any number of concurrent callers; false otherwise (nothing changed).
   */
  rotateRefreshToken(oldId: string, next: NewRefreshToken, now: number): Promise<boolean>;
}

export interface AuditStore {
  appendAuditEvent(event: NewAuditEvent): Promise<AuditEventRecord>;
  listAuditEvents(query: AuditQuery): Promise<AuditEventRecord[]>;
}

export interface SigningKeyStore {
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  insertSigningKey(key: SigningKeyRecord): Promise<void>;
  /**
   * Atomically: the current `active` key becomes `retired`, the `expectedNext` key becomes `active`,
   * and `newNext` is inserted as `next`. Returns false (nothing changed) when `expectedNext` is no
   * longer the next key (a concurrent rotation won).
   */
  rotateSigningKeys(expectedNext: string, newNext: SigningKeyRecord, now: number): Promise<boolean>;
  /** Deletes one signing key (any status); false if absent. */
  deleteSigningKey(kid: string): Promise<boolean>;
  /** Deletes retired keys retired before `retiredBefore`; returns their kids. */
  deleteRetiredSigningKeys(retiredBefore: number): Promise<string[]>;
}

/** Access-token denylist (jti / session ids), persisted so it survives restarts. */
export interface DenylistStore {
  addDenylistEntry(entry: DenylistEntry): Promise<void>;
  listDenylistEntries(now: number): Promise<DenylistEntry[]>;
  isDenylisted(key: string, now: number): Promise<boolean>;
}

/** Settings (instance secrets, etc.). */
export interface SettingStore {
  /** Stores `value` under `name` unless one exists; returns the stored value either way. */
  getOrSetSetting(name: string, value: string): Promise<string>;
  getSetting(name: string): Promise<string | null>;
  deleteSetting(name: string): Promise<boolean>;
}

/** Registered OAuth machine clients. */
export interface OAuthClientStore {
  /** Throws StorageConflictError when the client_id is taken. */
  createOAuthClient(client: OAuthClientRecord): Promise<void>;
  getOAuthClient(id: string): Promise<OAuthClientRecord | null>;
  /** In client_id order (UTF-8 bytes, the same on both engines). */
  listOAuthClients(): Promise<OAuthClientRecord[]>;
  deleteOAuthClient(id: string): Promise<boolean>;
}

/** The engine's life cycle: schema, health, the single-instance lease. */
export interface StorageLifecycle {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema (idempotent): the numbered migrations in `migrations/`. */
  migrate(): Promise<void>;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  /**
   * Integrity check at start (SQLite: `PRAGMA quick_check`); throws StorageCorruptError when the
   * database file is damaged. Postgres checks its own pages: a no-op there.
   */
  checkIntegrity(): Promise<void>;
  /**
   * Takes the single-instance lease on this database (held until `close()`; released by the OS or the
   * database when the process dies). False when another process holds it.
   */
  acquireInstanceLease(): Promise<boolean>;
  /** Gives the lease back (also done by `close()`). */
  releaseInstanceLease(): Promise<void>;
  /** Where the lease lives, for messages (a lock file path, or "Postgres advisory lock on schema x"). */
  readonly leaseDescription: string;
  close(): Promise<void>;
  /**
   * Deletes expired denylist entries and sessions past their expiry (with their refresh tokens), and
   * audit events older than `auditBefore` (ms) when given.
   */
  purgeExpired(now: number, options?: { auditBefore?: number }): Promise<void>;
}

/** One store per aggregate. */
export interface Stores
  extends UserStore,
    SessionStore,
    AuditStore,
    SigningKeyStore,
    DenylistStore,
    SettingStore,
    OAuthClientStore {}

/** What the services use: the stores and the life cycle, composed (see sql-storage.ts). */
export interface Storage extends StorageLifecycle, Stores {}

/** The database file is damaged (SQLITE_CORRUPT / SQLITE_NOTADB, or quick_check found problems). */
export class StorageCorruptError extends Error {
  override readonly name = 'StorageCorruptError';
  readonly code = 'storage_corrupt';
  constructor(
    readonly location: string,
    readonly findings: string,
  ) {
    super(
      `the SQLite database ${location} is damaged (${findings}). Stop every instance, keep a copy of the file, and restore the latest backup (or try \`sqlite3 ${location} ".recover" | sqlite3 recovered.sqlite\`, then point DATABASE_URL at the recovered file). Nothing was written.`,
    );
  }
}

/** SQLite error codes that mean "the file is damaged", not "the request was wrong". */
export const isCorruptionError = (err: unknown): boolean => {
  if (err instanceof StorageCorruptError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT_INDEX';
};

export class StorageConflictError extends Error {
  override readonly name = 'StorageConflictError';
  constructor(message: string) {
    super(message);
  }
}
