/** The OAuth token introspection (RFC 7662) and revocation (RFC 7009) endpoints. */
import type { Config } from '../config.js';
import type { AuditService } from './audit.js';
import type { RateLimiter } from './rate-limit.js';
import { enforce, rateLimitSubject } from './rate-limit.js';
import { type RequestContext, refreshTokenJkt, type SessionService } from './sessions.js';
import type { TokenService } from './tokens.js';

export class OAuthService {
  constructor(
    private readonly config: Config,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly clock: () => number,
  ) {}

  async introspect(token: string, hint: string | undefined): Promise<Record<string, unknown>> {
    const looksJwt = token.split('.').length === 3;
    const tryAccess = async () => {
      if (!looksJwt) return null;
      try {
        const c = this.tokens.verifySignatureAndClaims(token);
        if (await this.tokens.revocationReason(c)) return null;
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
      const found = await this.sessions.lookup(token);
      if (!found) return null;
      const { record, session, user } = found;
      const now = this.clock();
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
        iss: this.config.issuer,
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
    await enforce(this.limiter, `revoke-ip:${rateLimitSubject(ctx.ip)}`, this.config.rateLimits.revokePerIp);
    // Idempotent: a token already revoked changes nothing and writes no audit event.
    const revokeRefresh = async () => {
      const found = await this.sessions.lookup(token);
      if (!found) return false;
      const ok = await this.sessions.revoke(found.session.id, 'token_revoked');
      if (ok) {
        await this.audit.record('token.revoked', {
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
        const c = this.tokens.verifySignatureAndClaims(token);
        if (!(await this.tokens.denylistToken(c))) return true;
        await this.audit.record('token.revoked', {
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
