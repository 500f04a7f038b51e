/** The audit log: security-relevant events, persisted through Storage and mirrored to the app log. */
import type { FastifyBaseLogger } from 'fastify';
import type { AuditEventRecord, AuditQuery, Storage } from '../storage/types.js';

export type AuditType =
  | 'user.registered'
  | 'user.login'
  | 'user.login_failed'
  | 'user.logout'
  | 'user.logout_all'
  | 'user.password_changed'
  | 'user.updated'
  | 'session.revoked'
  | 'sessions.revoked_by_admin'
  | 'refresh.reuse_detected'
  | 'token.revoked'
  | 'keys.rotated'
  | 'keys.created';

export interface AuditContext {
  userId?: number | null;
  actorId?: number | null;
  sessionId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export class AuditService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: () => number,
    private readonly log?: FastifyBaseLogger,
  ) {}

  async record(type: AuditType, ctx: AuditContext = {}): Promise<AuditEventRecord> {
    const event = await this.storage.appendAuditEvent({
      at: this.clock(),
      type,
      userId: ctx.userId ?? null,
      actorId: ctx.actorId ?? null,
      sessionId: ctx.sessionId ?? null,
      ip: ctx.ip ?? null,
      details: ctx.details ?? {},
    });
    this.log?.info(
      { audit: { id: event.id, type, userId: event.userId, sessionId: event.sessionId } },
      'audit event',
    );
    return event;
  }

  list(query: AuditQuery): Promise<AuditEventRecord[]> {
    return this.storage.listAuditEvents(query);
  }
}
