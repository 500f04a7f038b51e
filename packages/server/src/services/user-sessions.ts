import { NotFoundError } from '../domain-errors.js';
import type { AuditService } from './audit.js';
import { type PublicSession, toPublicSession } from './auth.js';
import type { EpochStore } from './revocation.js';
import type { RequestContext, SessionService } from './sessions.js';
import type { AccessClaims, TokenService } from './tokens.js';

export class UserSessionsService {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly epochs: EpochStore,
    private readonly audit: AuditService,
  ) {}

  async logout(claims: AccessClaims, ctx: RequestContext): Promise<void> {
    await this.sessions.revoke(claims.sid, 'logout');
    await this.tokens.denylistToken(claims);
    await this.audit.record('user.logout', {
      userId: claims.user_id,
      actorId: claims.user_id,
      sessionId: claims.sid,
      ip: ctx.ip,
    });
  }

  async logoutAll(claims: AccessClaims, ctx: RequestContext): Promise<{ revoked_sessions: number }> {
    await this.epochs.bump(claims.user_id);
    const ids = await this.sessions.revokeAll(claims.user_id, 'logout_all');
    await this.audit.record('user.logout_all', {
      userId: claims.user_id,
      actorId: claims.user_id,
      sessionId: claims.sid,
      ip: ctx.ip,
      details: { sessions: ids.length },
    });
    return { revoked_sessions: ids.length };
  }

  async listSessions(claims: AccessClaims): Promise<PublicSession[]> {
    return (await this.sessions.list(claims.user_id)).map((s) => toPublicSession(s, claims.sid));
  }

  async revokeOwnSession(claims: AccessClaims, sessionId: string, ctx: RequestContext): Promise<void> {
    const session = await this.sessions.get(sessionId);
    if (!session || session.userId !== claims.user_id || session.revokedAt !== null)
      throw new NotFoundError('The session');
    await this.sessions.revoke(sessionId, 'revoked_by_user');
    await this.audit.record('session.revoked', {
      userId: claims.user_id,
      actorId: claims.user_id,
      sessionId,
      ip: ctx.ip,
    });
  }
}
