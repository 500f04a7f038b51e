/**
 * Sessions = refresh-token families. Refresh tokens are opaque random strings, stored only as SHA-256
 * hashes, single use, rotated on every refresh through the storage's atomic compare-and-set.
 *
 * The child of a refresh token is derived from it: child = HMAC(instance key, parent). So when several
 * requests race with the same token (or a client retries after a lost response) inside the grace window,
 * every one of them receives the *same* new token, and the family still has exactly one active token.
 * The grace applies to the immediate predecessor of the active token only; any other reuse of a spent
 * token revokes the whole family, ends its access tokens and writes an audit event.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { InvalidGrantError } from '../domain-errors.js';
import type { RefreshTokenRecord, SessionRecord, Storage, UserRecord } from '../storage/types.js';
import type { AuditService } from './audit.js';
import { deriveKey } from './secrets.js';
import type { TokenService } from './tokens.js';

export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}

export interface RefreshResult {
  user: UserRecord;
  session: SessionRecord;
  refreshToken: string;
  /** True when answered from the grace window (a concurrent or retried refresh). */
  grace: boolean;
}

/** 32 random bytes, base64url: 43 characters. */
/**
 * A DPoP-bound session's refresh tokens carry the key's thumbprint after a dot: `<43>.<jkt>`. The stored
 * hash covers the whole text, so the suffix cannot be changed or stripped (the lookup would fail), and the
 * binding is checked against the proof before the token is looked up or rotated: a stolen bound refresh
 * token without the key is refused without spending it (no reuse detection triggered by the thief).
 */
export const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}(?:\.[A-Za-z0-9_-]{43})?$/;

/** The DPoP key thumbprint a refresh token is bound to, or undefined. */
export const refreshTokenJkt = (token: string): string | undefined => {
  const dot = token.indexOf('.');
  return dot < 0 ? undefined : token.slice(dot + 1);
};

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export class SessionService {
  readonly #childKey: Buffer;

  constructor(
    private readonly config: Config,
    private readonly storage: Storage,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly clock: () => number,
    instanceSecret: Buffer,
  ) {
    this.#childKey = deriveKey(instanceSecret, 'refresh-token-child');
  }

  /** The successor of a refresh token (same DPoP binding). */
  #child(parent: string): string {
    const jkt = refreshTokenJkt(parent);
    const child = createHmac('sha256', this.#childKey).update(parent).digest('base64url');
    return jkt === undefined ? child : `${child}.${jkt}`;
  }

  async create(
    user: UserRecord,
    clientId: string,
    ctx: RequestContext,
    /** DPoP key thumbprint: the session's refresh tokens are bound to it. */
    jkt?: string,
  ): Promise<{ session: SessionRecord; refreshToken: string }> {
    const now = this.clock();
    const random = randomBytes(32).toString('base64url');
    const refreshToken = jkt === undefined ? random : `${random}.${jkt}`;
    const expiresAt = now + this.config.sessionMaxAge * 1000;
    const session = {
      id: randomUUID(),
      userId: user.id,
      clientId,
      expiresAt,
      userAgent: ctx.userAgent?.slice(0, 512) ?? null,
      ip: ctx.ip,
      now,
    };
    await this.storage.createSession(session, {
      id: randomUUID(),
      tokenHash: hashToken(refreshToken),
      expiresAt: Math.min(expiresAt, now + this.config.refreshTokenTtl * 1000),
    });
    return {
      session: { ...session, createdAt: now, lastUsedAt: now, revokedAt: null, revokedReason: null },
      refreshToken,
    };
  }

  /** The live token record, session and user for a presented refresh token, or null. */
  async lookup(
    token: string,
  ): Promise<{ record: RefreshTokenRecord; session: SessionRecord; user: UserRecord } | null> {
    if (!REFRESH_TOKEN_PATTERN.test(token)) return null;
    const record = await this.storage.getRefreshTokenByHash(hashToken(token));
    if (!record) return null;
    const session = await this.storage.getSession(record.sessionId);
    if (!session) return null;
    const user = await this.storage.getUserById(session.userId);
    if (!user) return null;
    return { record, session, user };
  }

  /** `jkt`: the thumbprint of the request's DPoP proof key, if it had one. */
  async refresh(token: string, ctx: RequestContext, jkt?: string): Promise<RefreshResult> {
    const bound = refreshTokenJkt(token);
    if (bound !== undefined && bound !== jkt)
      throw new InvalidGrantError(
        jkt === undefined
          ? 'The refresh token is bound to a DPoP key: send a DPoP proof made with that key.'
          : 'The DPoP proof is not made with the key the refresh token is bound to.',
      );
    const found = await this.lookup(token);
    if (!found) throw new InvalidGrantError();
    const { session, user } = found;
    let record = found.record;
    const now = this.clock();
    if (session.revokedAt !== null || session.expiresAt <= now || record.status === 'revoked') {
      throw new InvalidGrantError();
    }
    if (user.disabled) throw new InvalidGrantError();

    if (record.status === 'active') {
      if (record.expiresAt <= now) throw new InvalidGrantError('The refresh token has expired.');
      const child = this.#child(token);
      const won = await this.storage.rotateRefreshToken(
        record.id,
        {
          id: randomUUID(),
          tokenHash: hashToken(child),
          expiresAt: Math.min(session.expiresAt, now + this.config.refreshTokenTtl * 1000),
        },
        now,
      );
      if (won) return { user, session, refreshToken: child, grace: false };
      // Lost the race: re-read what the winner did.
      const again = await this.storage.getRefreshTokenById(record.id);
      if (!again) throw new InvalidGrantError();
      record = again;
    }

    if (record.status === 'rotated') {
      const grace = this.config.refreshReuseGrace * 1000;
      const withinGrace = grace > 0 && record.rotatedAt !== null && now - record.rotatedAt <= grace;
      if (withinGrace && record.replacedBy !== null) {
        const successor = await this.storage.getRefreshTokenById(record.replacedBy);
        const child = this.#child(token);
        if (successor && successor.status === 'active' && successor.tokenHash === hashToken(child)) {
          return { user, session, refreshToken: child, grace: true };
        }
      }
      await this.#reuseDetected(session, record, ctx);
      throw new InvalidGrantError('Refresh token reuse detected; the session has been revoked.');
    }
    throw new InvalidGrantError();
  }

  async #reuseDetected(
    session: SessionRecord,
    record: RefreshTokenRecord,
    ctx: RequestContext,
  ): Promise<void> {
    const revoked = await this.storage.revokeSession(session.id, 'refresh_token_reuse', this.clock());
    await this.tokens.denylistSession(session.id);
    if (revoked) {
      await this.audit.record('refresh.reuse_detected', {
        userId: session.userId,
        sessionId: session.id,
        ip: ctx.ip,
        details: {
          token_id: record.id,
          rotated_at: record.rotatedAt === null ? null : new Date(record.rotatedAt).toISOString(),
          user_agent: ctx.userAgent?.slice(0, 200) ?? null,
        },
      });
    }
  }

  /** Revokes one session (its refresh tokens and its access tokens). */
  async revoke(sessionId: string, reason: string): Promise<boolean> {
    const revoked = await this.storage.revokeSession(sessionId, reason, this.clock());
    await this.tokens.denylistSession(sessionId);
    return revoked;
  }

  /** Revokes every session of the user; returns their ids. */
  async revokeAll(userId: number, reason: string): Promise<string[]> {
    const ids = await this.storage.revokeUserSessions(userId, reason, this.clock());
    for (const id of ids) await this.tokens.denylistSession(id);
    return ids;
  }

  list(userId: number): Promise<SessionRecord[]> {
    return this.storage.listActiveSessions(userId, this.clock());
  }

  get(sessionId: string): Promise<SessionRecord | null> {
    return this.storage.getSession(sessionId);
  }
}
