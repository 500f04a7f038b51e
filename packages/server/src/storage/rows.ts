/**
 * Database rows -> storage records, shared by the SQLite and Postgres implementations. The two engines
 * differ only in how they return booleans (0/1 vs BOOLEAN) and JSON (text vs jsonb); both are accepted.
 */

import { escapeUnsafeDeep } from '../text.js';
import type { Row } from './sql.js';
import type {
  AuditEventRecord,
  ClientAuthMethod,
  OAuthClientRecord,
  RefreshTokenRecord,
  RefreshTokenStatus,
  Role,
  SessionRecord,
  SigningKeyRecord,
  SigningKeyStatus,
  UserProfile,
  UserRecord,
} from './types.js';

/**
 * The JSON text stored in `audit_events.details` by both engines: NUL and lone surrogates escaped first
 * (Postgres JSONB refuses both; SQLite would silently turn lone surrogates into U+FFFD), so an audit
 * event about a hostile request is always kept, and reads back the same on either engine.
 */
export function auditDetailsJson(details: Record<string, unknown>): string {
  return JSON.stringify(escapeUnsafeDeep(details));
}

const n = (v: unknown): number => Number(v);
const nn = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const ns = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toUser(r: Row): UserRecord {
  return {
    id: n(r.id),
    username: String(r.username),
    passwordHash: String(r.password_hash),
    role: r.role as Role,
    disabled: r.disabled === true || Number(r.disabled) === 1, // Postgres BOOLEAN or SQLite 0/1
    tokenEpoch: n(r.token_epoch),
    createdAt: n(r.created_at),
    updatedAt: n(r.updated_at),
  };
}

export function toUserProfile(r: Row): UserProfile {
  return { id: n(r.id), username: String(r.username), role: r.role as Role, createdAt: n(r.created_at) };
}

export function toSession(r: Row): SessionRecord {
  return {
    id: String(r.id),
    userId: n(r.user_id),
    clientId: String(r.client_id),
    createdAt: n(r.created_at),
    lastUsedAt: n(r.last_used_at),
    expiresAt: n(r.expires_at),
    revokedAt: nn(r.revoked_at),
    revokedReason: ns(r.revoked_reason),
    userAgent: ns(r.user_agent),
    ip: ns(r.ip),
  };
}

export function toRefresh(r: Row): RefreshTokenRecord {
  return {
    id: String(r.id),
    sessionId: String(r.session_id),
    tokenHash: String(r.token_hash),
    parentId: ns(r.parent_id),
    status: r.status as RefreshTokenStatus,
    createdAt: n(r.created_at),
    expiresAt: n(r.expires_at),
    rotatedAt: nn(r.rotated_at),
    replacedBy: ns(r.replaced_by),
  };
}

export function toAudit(r: Row): AuditEventRecord {
  return {
    id: n(r.id),
    at: n(r.at),
    type: String(r.type),
    userId: nn(r.user_id),
    actorId: nn(r.actor_id),
    sessionId: ns(r.session_id),
    ip: ns(r.ip),
    details: parseDetails(r.details),
  };
}

export function toKey(r: Row): SigningKeyRecord {
  return {
    kid: String(r.kid),
    alg: String(r.alg),
    status: r.status as SigningKeyStatus,
    privateKey: String(r.private_key),
    publicJwk: String(r.public_jwk),
    createdAt: n(r.created_at),
    activatedAt: nn(r.activated_at),
    retiredAt: nn(r.retired_at),
  };
}

/** Audit details: jsonb arrives parsed, SQLite TEXT arrives as a string; anything unreadable is `{}`. */
function parseDetails(v: unknown): Record<string, unknown> {
  if (typeof v !== 'string') return (v ?? {}) as Record<string, unknown>;
  try {
    return JSON.parse(v) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const stringList = (v: unknown): string[] => {
  const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(parsed) ? parsed.map(String) : [];
};

export function toOAuthClient(r: Row): OAuthClientRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    authMethod: String(r.auth_method) as ClientAuthMethod,
    secretHash: ns(r.secret_hash),
    scopes: stringList(r.scopes),
    audiences: stringList(r.audiences),
    jwks: ns(r.jwks),
    jwksUri: ns(r.jwks_uri),
    createdAt: n(r.created_at),
  };
}
