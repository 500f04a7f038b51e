import { auditDetailsJson, toAudit } from '../rows.js';
import type { Db } from '../sql.js';
import type { AuditStore } from '../types.js';

export function auditStore(db: Db): AuditStore {
  return {
    async appendAuditEvent(event) {
      const row = await db.get(
        `INSERT INTO audit_events (at, type, user_id, actor_id, session_id, ip, details)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          event.at,
          event.type,
          event.userId,
          event.actorId,
          event.sessionId,
          event.ip,
          auditDetailsJson(event.details),
        ],
      );
      return toAudit(row!);
    },

    async listAuditEvents(query) {
      const where: string[] = [];
      const args: unknown[] = [];
      const filter = (clause: string, value: unknown) => {
        if (value === undefined) return;
        where.push(clause);
        args.push(value);
      };
      filter('id < ?', query.beforeId);
      filter('user_id = ?', query.userId);
      filter('type = ?', query.type);
      const rows = await db.all(
        `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
        [...args, query.limit],
      );
      return rows.map(toAudit);
    },
  };
}
