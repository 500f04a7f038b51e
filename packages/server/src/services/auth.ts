/**
 * The self-service account use-cases behind /auth/*: register, login, refresh, password change, /me.
 * Sessions (logout, list, revoke) are user-sessions.ts, the admin operations admin.ts, the OAuth
 * introspection/revocation endpoints oauth.ts. Routes call these and nothing else.
 */
import type { Config } from '../config.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidInputError,
  NotFoundError,
} from '../domain-errors.js';
import { isoTime } from '../iso-time.js';
import type { Role, SessionRecord, Storage, UserRecord } from '../storage/types.js';
import { StorageConflictError } from '../storage/types.js';
import { escapeUnsafeText, hasUnsafeText } from '../text.js';
import type { AuditService } from './audit.js';
import type { PasswordHasher } from './passwords.js';
import { checkPasswordPolicy, normalizeText } from './passwords.js';
import type { RateLimiter } from './rate-limit.js';
import { enforce, rateLimitSubject } from './rate-limit.js';
import type { EpochStore } from './revocation.js';
import type { RequestContext, SessionService } from './sessions.js';
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

export const toPublicSession = (s: SessionRecord, currentId: string | null): PublicSession => ({
  id: s.id,
  client_id: s.clientId,
  created_at: new Date(s.createdAt).toISOString(),
  last_used_at: new Date(s.lastUsedAt).toISOString(),
  expires_at: new Date(s.expiresAt).toISOString(),
  ip: s.ip,
  user_agent: s.userAgent,
  current: s.id === currentId,
});
export class AuthService {
  constructor(
    private readonly config: Config,
    private readonly storage: Storage,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly epochs: EpochStore,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly clock: () => number,
  ) {}

  async register(username: string, password: string, ctx: RequestContext): Promise<PublicUser> {
    await enforce(
      this.limiter,
      `register-ip:${rateLimitSubject(ctx.ip)}`,
      this.config.rateLimits.registerPerIp,
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
    const passwordHash = await this.passwords.hash(password);
    try {
      const user = await this.storage.createUser({
        username: name,
        passwordHash,
        role: 'user',
        now: this.clock(),
      });
      await this.audit.record('user.registered', { userId: user.id, actorId: user.id, ip: ctx.ip });
      return toPublicUser(user);
    } catch (err) {
      if (err instanceof StorageConflictError)
        throw new ConflictError('username_taken', 'This username is already taken.');
      throw err;
    }
  }

  /** `jkt`: the DPoP proof key's thumbprint (RFC 9449): the access and refresh tokens are bound to it. */
  async login(username: string, password: string, ctx: RequestContext, jkt?: string): Promise<TokenResponse> {
    const { limiter, config } = this;
    const subject = rateLimitSubject(ctx.ip);
    await enforce(limiter, `login-ip:${subject}`, config.rateLimits.loginPerIp);
    if (hasUnsafeText(username) || hasUnsafeText(password)) {
      // Refused before any lookup or hash; the attempt is still audited (escaped, so any storage takes it).
      const name = escapeUnsafeText(username.slice(0, 64));
      await this.audit.record('user.login_failed', {
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

    const user = USERNAME_RE.test(name) ? await this.storage.getUserByUsername(name) : null;
    let ok = false;
    let legacyHash = false;
    if (user) ({ ok, legacy: legacyHash } = await this.passwords.verifyDetailed(user.passwordHash, password));
    else await this.passwords.verifyDummy(password);
    if (!ok || !user || user.disabled) {
      await this.audit.record('user.login_failed', {
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
    if (legacyHash || this.passwords.needsRehash(user.passwordHash)) {
      // Cost parameters changed (e.g. raised): upgrade the stored hash while we hold the password.
      await this.storage.updateUser(
        user.id,
        { passwordHash: await this.passwords.hash(password) },
        this.clock(),
      );
    }
    const { session, refreshToken } = await this.sessions.create(user, config.clientId, ctx, jkt);
    const access = this.tokens.issueAccessToken(user, session.id, session.clientId, session.createdAt, jkt);
    await this.audit.record('user.login', {
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
      this.limiter,
      `refresh-ip:${rateLimitSubject(ctx.ip)}`,
      this.config.rateLimits.refreshPerIp,
    );
    const r = await this.sessions.refresh(refreshToken, ctx, jkt);
    const access = this.tokens.issueAccessToken(
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

  async me(claims: AccessClaims): Promise<Record<string, unknown>> {
    const user = await this.storage.getUserProfile(claims.user_id);
    if (!user) throw new NotFoundError('The user');
    return {
      user_id: user.id,
      username: user.username,
      role: user.role,
      created_at: isoTime(user.createdAt),
      session_id: claims.sid,
      client_id: claims.client_id,
      token_expires_at: isoTime(claims.exp * 1000),
    };
  }

  async changePassword(
    claims: AccessClaims,
    current: string,
    next: string,
    ctx: RequestContext,
  ): Promise<void> {
    const { limiter, config } = this;
    // Counted before the hash runs: per address, and per account (the same budget as a login).
    await enforce(limiter, `password-ip:${rateLimitSubject(ctx.ip)}`, config.rateLimits.passwordPerIp);
    const key = `password:${claims.user_id}`;
    await enforce(limiter, key, config.rateLimits.loginPerAccountIp);
    const user = await this.storage.getUserById(claims.user_id);
    if (!user) throw new NotFoundError('The user');
    checkPasswordPolicy(next, user.username);
    if (!(await this.passwords.verify(user.passwordHash, current))) {
      throw new ForbiddenError('invalid_current_password', 'The current password is incorrect.');
    }
    await limiter.reset(key);
    if (normalizeText(current) === normalizeText(next))
      throw new InvalidInputError('weak_password', 'The new password must differ from the current one.');
    await this.storage.updateUser(user.id, { passwordHash: await this.passwords.hash(next) }, this.clock());
    await this.epochs.bump(user.id);
    const ids = await this.sessions.revokeAll(user.id, 'password_changed');
    await this.audit.record('user.password_changed', {
      userId: user.id,
      actorId: user.id,
      sessionId: claims.sid,
      ip: ctx.ip,
      details: { revoked_sessions: ids.length },
    });
  }
}
