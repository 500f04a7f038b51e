/**
 * The auth use-cases: register, login, refresh, logout(-all), sessions, password change, the admin
 * operations and the OAuth introspection/revocation endpoints. Routes call these and nothing else.
 */
import type { Config } from '../config.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidInputError,
  NotFoundError,
} from '../domain-errors.js';
import type { Role, SessionRecord, Storage, UserRecord } from '../storage/types.js';
import { StorageConflictError } from '../storage/types.js';
import { escapeUnsafeText, hasUnsafeText } from '../text.js';
import type { AuditService } from './audit.js';
import type { PasswordHasher } from './passwords.js';
import { checkPasswordPolicy, normalizeText } from './passwords.js';
import type { RateLimiter } from './rate-limit.js';
import { enforce, rateLimitSubject } from './rate-limit.js';
import type { EpochStore } from './revocation.js';
import { type RequestContext, refreshTokenJkt, type SessionService } from './sessions.js';
import type { AccessClaims, TokenService } from './tokens.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token: string;
}

export interface PublicUser {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface PublicSession {
  id: string;
  client_id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$';
const USERNAME_RE = new RegExp(USERNAME_PATTERN);

/** The canonical form usernames are stored, looked up and rate-limited under: NFKC, lower case. */
export const canonicalUsername = (username: string): string => normalizeText(username).toLowerCase();

/** An address the account logged in from successfully stays "known" this long (seconds). */
export const KNOWN_ADDRESS_TTL = 30 * 86400;
const KNOWN_ADDRESS_RULE = { max: 1, windowSeconds: KNOWN_ADDRESS_TTL };

export const toPublicUser = (u: UserRecord): PublicUser => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  created_at: new Date(u.createdAt).toISOString(),
  updated_at: new Date(u.updatedAt).toISOString(),
});

const toPublicSession = (s: SessionRecord, currentId: string | null): PublicSession => ({
  id: s.id,
  client_id: s.clientId,
  created_at: new Date(s.createdAt).toISOString(),
  last_used_at: new Date(s.lastUsedAt).toISOString(),
  expires_at: new Date(s.expiresAt).toISOString(),
  ip: s.ip,
  user_agent: s.userAgent,
  current: s.id === currentId,
});

export interface AuthDeps {
  config: Config;
  storage: Storage;
  passwords: PasswordHasher;
  tokens: TokenService;
  sessions: SessionService;
  epochs: EpochStore;
  audit: AuditService;
  limiter: RateLimiter;
  clock: () => number;
}

export class AuthService {
  constructor(private readonly d: AuthDeps) {}

  // ---- self-service -------------------------------------------------------------------------

  async register(username: string, password: string, ctx: RequestContext): Promise<PublicUser> {
    await enforce(
      this.d.limiter,
      `register-ip:${rateLimitSubject(ctx.ip)}`,
      this.d.config.rateLimits.registerPerIp,
    );
    if (hasUnsafeText(username))
      throw new InvalidInputError('invalid_username', 'The username is not well-formed Unicode text.');
    const name = canonicalUsername(username);
    if (!USERNAME_RE.test(name)) {
      throw new InvalidInputError(
        'invalid_username',
        'Usernames are 3 to 32 letters, digits, ".", "_" or "-".',
      );
    }
    checkPasswordPolicy(password, name);
    const passwordHash = await this.d.passwords.hash(password);
    try {
      const user = await this.d.storage.createUser({
        username: name,
        passwordHash,
        role: 'user',
        now: this.d.clock(),
      });
      await this.d.audit.record('user.registered', { userId: user.id, actorId: user.id, ip: ctx.ip });
      return toPublicUser(user);
    } catch (err) {
      if (err instanceof StorageConflictError)
        throw new ConflictError('username_taken', 'This username is already taken.');
      throw err;
    }
  }

  /** `jkt`: the DPoP proof key's thumbprint (RFC 9449): the access and refresh tokens are bound to it. */
  async login(username: string, password: string, ctx: RequestContext, jkt?: string): Promise<TokenResponse> {
    const { limiter, config } = this.d;
    const subject = rateLimitSubject(ctx.ip);
    await enforce(limiter, `login-ip:${subject}`, config.rateLimits.loginPerIp);
    if (hasUnsafeText(username) || hasUnsafeText(password)) {
      // Refused before any lookup or hash; the attempt is still audited (escaped, so any storage takes it).
      const name = escapeUnsafeText(username.slice(0, 64));
      await this.d.audit.record('user.login_failed', {
        userId: null,
        ip: ctx.ip,
        details: { username: name, reason: 'malformed_input' },
      });
      throw new InvalidInputError(
        'invalid_request',
        'The username or password is not well-formed Unicode text (NUL or lone surrogate).',
      );
    }
    const name = canonicalUsername(username);
    // Every attempt is counted BEFORE the password hash runs (atomic increments), so N parallel guesses
    // cost at most the budget in Argon2 work: per account+address, and per account across all addresses
    // it has not logged in from recently (those addresses only meet the per account+address limit, so
    // a distributed attacker slows new-device logins for one window at most, never the user's own).
    const accountKey = `login-account:${name}:${subject}`;
    const knownKey = `login-known:${name}:${subject}`;
    const anyIpKey = `login-any-ip:${name}`;
    await enforce(limiter, accountKey, config.rateLimits.loginPerAccountIp);
    const known = (await limiter.peek(knownKey, KNOWN_ADDRESS_RULE)).count > 0;
    if (!known) await enforce(limiter, anyIpKey, config.rateLimits.loginPerAccount);

    const user = USERNAME_RE.test(name) ? await this.d.storage.getUserByUsername(name) : null;
    let ok = false;
    let legacyHash = false;
    if (user)
      ({ ok, legacy: legacyHash } = await this.d.passwords.verifyDetailed(user.passwordHash, password));
    else await this.d.passwords.verifyDummy(password);
    if (!ok || !user || user.disabled) {
      await this.d.audit.record('user.login_failed', {
        userId: user?.id ?? null,
        ip: ctx.ip,
        details: {
          username: name.slice(0, 64),
          reason: !user ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password',
        },
      });
      throw new InvalidCredentialsError();
    }
    await limiter.reset(accountKey);
    if (!known) await limiter.reset(anyIpKey);
    await limiter.hit(knownKey, KNOWN_ADDRESS_RULE);
    if (legacyHash || this.d.passwords.needsRehash(user.passwordHash)) {
      // Cost parameters changed (e.g. raised): upgrade the stored hash while we hold the password.
      await this.d.storage.updateUser(
        user.id,
        { passwordHash: await this.d.passwords.hash(password) },
        this.d.clock(),
      );
    }
    const { session, refreshToken } = await this.d.sessions.create(user, config.clientId, ctx, jkt);
    const access = this.d.tokens.issueAccessToken(user, session.id, session.clientId, session.createdAt, jkt);
    await this.d.audit.record('user.login', {
      userId: user.id,
      actorId: user.id,
      sessionId: session.id,
      ip: ctx.ip,
    });
    return {
      access_token: access.token,
      token_type: jkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
    };
  }

  /**
   * `jkt`: the DPoP proof key's thumbprint. A bound refresh token needs a proof made with its key; the
   * new access token is bound to the proof's key (an unbound session's refresh token stays unbound).
   */
  async refresh(refreshToken: string, ctx: RequestContext, jkt?: string): Promise<TokenResponse> {
    await enforce(
      this.d.limiter,
      `refresh-ip:${rateLimitSubject(ctx.ip)}`,
      this.d.config.rateLimits.refreshPerIp,
    );
    const r = await this.d.sessions.refresh(refreshToken, ctx, jkt);
    const access = this.d.tokens.issueAccessToken(
      r.user,
      r.session.id,
      r.session.clientId,
      r.session.createdAt,
      jkt,
    );
    return {
      access_token: access.token,
      token_type: jkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: access.expiresIn,
      refresh_token: r.refreshToken,
    };
  }

  async logout(claims: AccessClaims, ctx: RequestContext): Promise<void> {
    await this.d.sessions.revoke(claims.sid, 'logout');
    await this.d.tokens.denylistToken(claims);
    await this.d.audit.record('user.logout', {
      userId: claims.user_id,
      actorId: claims.user_id,
      sessionId: claims.sid,
      ip: ctx.ip,
    });
  }

  async logoutAll(claims: AccessClaims, ctx: RequestContext): Promise<{ revoked_sessions: number }> {
    await this.d.epochs.bump(claims.user_id);
    const ids = await this.d.sessions.revokeAll(claims.user_id, 'logout_all');
    await this.d.audit.record('user.logout_all', {
      userId: claims.user_id,
      actorId: claims.user_id,
      sessionId: claims.sid,
      ip: ctx.ip,
      details: { sessions: ids.length },
    });
    return { revoked_sessions: ids.length };
  }

  async me(claims: AccessClaims): Promise<Record<string, unknown>> {
    const user = await this.d.storage.getUserById(claims.user_id);
    if (!user) throw new NotFoundError('The user');
    return {
      user_id: user.id,
      username: user.username,
      role: user.role,
      created_at: new Date(user.createdAt).toISOString(),
      session_id: claims.sid,
      client_id: claims.client_id,
      token_expires_at: new Date(claims.exp * 1000).toISOString(),
    };
  }

  async listSessions(claims: AccessClaims): Promise<PublicSession[]> {
    return (await this.d.sessions.list(claims.user_id)).map((s) => toPublicSession(s, claims.sid));
  }

  async revokeOwnSession(claims: AccessClaims, sessionId: string, ctx: RequestContext): Promise<void> {
    const session = await this.d.sessions.get(sessionId);
    if (!session || session.userId !== claims.user_id || session.revokedAt !== null)
      throw new NotFoundError('The session');
    await this.d.sessions.revoke(sessionId, 'revoked_by_user');
    await this.d.audit.record('session.revoked', {
      userId: claims.user_id,
      actorId: claims.user_id,
      sessionId,
      ip: ctx.ip,
    });
  }

  async changePassword(
    claims: AccessClaims,
    current: string,
    next: string,
    ctx: RequestContext,
  ): Promise<void> {
    const { limiter, config } = this.d;
    // Counted before the hash runs: per address, and per account (the same budget as a login).
    await enforce(limiter, `password-ip:${rateLimitSubject(ctx.ip)}`, config.rateLimits.passwordPerIp);
    const key = `password:${claims.user_id}`;
    await enforce(limiter, key, config.rateLimits.loginPerAccountIp);
    const user = await this.d.storage.getUserById(claims.user_id);
    if (!user) throw new NotFoundError('The user');
    checkPasswordPolicy(next, user.username);
    if (!(await this.d.passwords.verify(user.passwordHash, current))) {
      throw new ForbiddenError('invalid_current_password', 'The current password is incorrect.');
    }
    await limiter.reset(key);
    if (normalizeText(current) === normalizeText(next))
      throw new InvalidInputError('weak_password', 'The new password must differ from the current one.');
    await this.d.storage.updateUser(
      user.id,
      { passwordHash: await this.d.passwords.hash(next) },
      this.d.clock(),
    );
    await this.d.epochs.bump(user.id);
    const ids = await this.d.sessions.revokeAll(user.id, 'password_changed');
    await this.d.audit.record('user.password_changed', {
      userId: user.id,
      actorId: user.id,
      sessionId: claims.sid,
      ip: ctx.ip,
      details: { revoked_sessions: ids.length },
    });
  }

  // ---- admin --------------------------------------------------------------------------------

  async listUsers(
    limit: number,
    offset: number,
  ): Promise<{ users: PublicUser[]; total: number; limit: number; offset: number }> {
    const page = await this.d.storage.listUsers({ limit, offset });
    return { users: page.users.map(toPublicUser), total: page.total, limit, offset };
  }

  async updateUser(
    actor: AccessClaims,
    id: number,
    patch: { role?: Role; disabled?: boolean },
    ctx: RequestContext,
  ): Promise<PublicUser> {
    const before = await this.d.storage.getUserById(id);
    if (!before) throw new NotFoundError('The user');
    if (
      id === actor.user_id &&
      (patch.disabled === true || (patch.role !== undefined && patch.role !== 'admin'))
    ) {
      throw new ConflictError('cannot_modify_self', 'Admins cannot disable or demote themselves.');
    }
    const after = await this.d.storage.updateUser(id, patch, this.d.clock());
    if (!after) throw new NotFoundError('The user');
    const roleChanged = before.role !== after.role;
    const disabledNow = !before.disabled && after.disabled;
    let revoked = 0;
    if (roleChanged || disabledNow) await this.d.epochs.bump(id); // old tokens carry a stale role / a disabled user
    if (disabledNow) revoked = (await this.d.sessions.revokeAll(id, 'user_disabled')).length;
    await this.d.audit.record('user.updated', {
      userId: id,
      actorId: actor.user_id,
      ip: ctx.ip,
      details: {
        ...(patch.role === undefined ? {} : { role: { from: before.role, to: after.role } }),
        ...(patch.disabled === undefined ? {} : { disabled: { from: before.disabled, to: after.disabled } }),
        revoked_sessions: revoked,
      },
    });
    return toPublicUser((await this.d.storage.getUserById(id)) ?? after);
  }

  async adminRevokeSessions(
    actor: AccessClaims,
    id: number,
    ctx: RequestContext,
  ): Promise<{ revoked_sessions: number }> {
    const user = await this.d.storage.getUserById(id);
    if (!user) throw new NotFoundError('The user');
    await this.d.epochs.bump(id);
    const ids = await this.d.sessions.revokeAll(id, 'revoked_by_admin');
    await this.d.audit.record('sessions.revoked_by_admin', {
      userId: id,
      actorId: actor.user_id,
      ip: ctx.ip,
      details: { sessions: ids.length },
    });
    return { revoked_sessions: ids.length };
  }

  // ---- OAuth (RFC 7662 / RFC 7009) ----------------------------------------------------------

  async introspect(token: string, hint: string | undefined): Promise<Record<string, unknown>> {
    const looksJwt = token.split('.').length === 3;
    const tryAccess = async () => {
      if (!looksJwt) return null;
      try {
        const c = this.d.tokens.verifySignatureAndClaims(token);
        if (await this.d.tokens.revocationReason(c)) return null;
        return {
          active: true,
          token_type: c.cnf ? 'DPoP' : 'Bearer',
          client_id: c.client_id,
          username: c.username,
          sub: c.sub,
          aud: c.aud,
          iss: c.iss,
          exp: c.exp,
          iat: c.iat,
          jti: c.jti,
          sid: c.sid,
          user_id: c.user_id,
          role: c.role,
          // RFC 9449 §6.2: a resource server introspecting a bound token learns the key it is bound to.
          ...(c.cnf ? { cnf: { jkt: c.cnf.jkt } } : {}),
        };
      } catch {
        return null;
      }
    };
    const tryRefresh = async () => {
      const found = await this.d.sessions.lookup(token);
      if (!found) return null;
      const { record, session, user } = found;
      const now = this.d.clock();
      if (
        record.status !== 'active' ||
        record.expiresAt <= now ||
        session.revokedAt !== null ||
        session.expiresAt <= now ||
        user.disabled
      ) {
        return null;
      }
      return {
        active: true,
        token_type: 'refresh_token',
        client_id: session.clientId,
        username: user.username,
        sub: String(user.id),
        iss: this.d.config.issuer,
        exp: Math.floor(record.expiresAt / 1000),
        iat: Math.floor(record.createdAt / 1000),
        sid: session.id,
        ...(refreshTokenJkt(token) ? { cnf: { jkt: refreshTokenJkt(token) } } : {}),
      };
    };
    const order = hint === 'refresh_token' ? [tryRefresh, tryAccess] : [tryAccess, tryRefresh];
    for (const attempt of order) {
      const r = await attempt();
      if (r) return r;
    }
    return { active: false };
  }

  /** RFC 7009: always succeeds for unknown or invalid tokens. */
  async revokeToken(token: string, hint: string | undefined, ctx: RequestContext): Promise<void> {
    await enforce(
      this.d.limiter,
      `revoke-ip:${rateLimitSubject(ctx.ip)}`,
      this.d.config.rateLimits.revokePerIp,
    );
    // Idempotent: a token already revoked changes nothing and writes no audit event.
    const revokeRefresh = async () => {
      const found = await this.d.sessions.lookup(token);
      if (!found) return false;
      const ok = await this.d.sessions.revoke(found.session.id, 'token_revoked');
      if (ok) {
        await this.d.audit.record('token.revoked', {
          userId: found.user.id,
          sessionId: found.session.id,
          ip: ctx.ip,
          details: { token_type: 'refresh_token' },
        });
      }
      return true;
    };
    const revokeAccess = async () => {
      if (token.split('.').length !== 3) return false;
      try {
        const c = this.d.tokens.verifySignatureAndClaims(token);
        if (!(await this.d.tokens.denylistToken(c))) return true;
        await this.d.audit.record('token.revoked', {
          userId: c.user_id,
          sessionId: c.sid,
          ip: ctx.ip,
          details: { token_type: 'access_token', jti: c.jti },
        });
        return true;
      } catch {
        return false;
      }
    };
    const order = hint === 'access_token' ? [revokeAccess, revokeRefresh] : [revokeRefresh, revokeAccess];
    for (const attempt of order) if (await attempt()) return;
  }
}
