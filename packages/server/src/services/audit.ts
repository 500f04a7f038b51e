/** The audit log: security-relevant events, persisted through Storage and mirrored to the app log. */
import type { Logger } from '../logger.js';
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
  | 'keys.created'
  | 'oauth_client.registered'
  | 'oauth_client.deleted';

export interface AuditContext {
  userId?: number | null;
  actorId?: number | null;
  sessionId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** Events an operator should see at `warn` (an attack or a mistake in progress); the rest log at `info`. */
const WARN_EVENTS: ReadonlySet<AuditType> = new Set(['user.login_failed', 'refresh.reuse_detected']);

export class AuditService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: () => number,
    private readonly log?: Logger,
    /** Told of every recorded event (the metrics). */
    private readonly observer?: (type: AuditType) => void,
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
    // One log line per security event, named by its audit type (the stable name operators alert on).
    const line = { event: type, auditId: event.id, userId: event.userId, sessionId: event.sessionId };
    if (WARN_EVENTS.has(type)) this.log?.warn(line, type);
    else this.log?.info(line, type);
    this.observer?.(type);
    return event;
  }

  list(query: AuditQuery): Promise<AuditEventRecord[]> {
    return this.storage.listAuditEvents(query);
  }
}
