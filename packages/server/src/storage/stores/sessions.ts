import { toRefresh, toSession } from '../rows.js';
import type { Db } from '../sql.js';
import type { NewRefreshToken, SessionStore } from '../types.js';

/** The next token of a family: `seq` counts the family's inserts (ties of created_at keep their order). */
const insertToken = (
  db: Db,
  sessionId: string,
  token: NewRefreshToken,
  parentId: string | null,
  now: number,
) =>
  db.run(
    `INSERT INTO refresh_tokens (id, session_id, token_hash, parent_id, status, created_at, expires_at, seq)
     VALUES (?, ?, ?, ?, 'active', ?, ?,
       (SELECT COALESCE(MAX(seq), 0) + 1 FROM refresh_tokens WHERE session_id = ?))`,
    [token.id, sessionId, token.tokenHash, parentId, now, token.expiresAt, sessionId],
  );

const REVOKE_TOKENS = `UPDATE refresh_tokens SET status = 'revoked' WHERE session_id = ? AND status = 'active'`;

/** Sessions (refresh-token families) and their refresh tokens: one aggregate. */
export function sessionStore(db: Db): SessionStore {
  return {
    async createSession(session, firstToken) {
      await db.tx(async (t) => {
        await t.run(
          `INSERT INTO sessions (id, user_id, client_id, created_at, last_used_at, expires_at, user_agent, ip)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            session.id,
            session.userId,
            session.clientId,
            session.now,
            session.now,
            session.expiresAt,
            session.userAgent,
            session.ip,
          ],
        );
        await insertToken(t, session.id, firstToken, null, session.now);
      });
    },

    async getSession(id) {
      const row = await db.get('SELECT * FROM sessions WHERE id = ?', [id]);
      return row ? toSession(row) : null;
    },

    async listActiveSessions(userId, now) {
      const rows = await db.all(
        `SELECT * FROM sessions s WHERE s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ?
           AND EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = s.id AND r.status = 'active' AND r.expires_at > ?)
         ORDER BY s.created_at DESC, s.id`,
        [userId, now, now],
      );
      return rows.map(toSession);
    },

    async revokeSession(id, reason, now) {
      return db.tx(async (t) => {
        const changed = await t.run(
          'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
          [now, reason, id],
        );
        await t.run(REVOKE_TOKENS, [id]);
        return changed > 0;
      });
    },

    async revokeUserSessions(userId, reason, now) {
      return db.tx(async (t) => {
        const rows = await t.all(
          `UPDATE sessions SET revoked_at = ?, revoked_reason = ?
           WHERE user_id = ? AND revoked_at IS NULL RETURNING id`,
          [now, reason, userId],
        );
        const ids = rows.map((r) => String(r.id));
        for (const id of ids) await t.run(REVOKE_TOKENS, [id]);
        return ids;
      });
    },

    async getRefreshTokenByHash(tokenHash) {
      const row = await db.get('SELECT * FROM refresh_tokens WHERE token_hash = ?', [tokenHash]);
      return row ? toRefresh(row) : null;
    },

    async getRefreshTokenById(id) {
      const row = await db.get('SELECT * FROM refresh_tokens WHERE id = ?', [id]);
      return row ? toRefresh(row) : null;
    },

    async listRefreshTokens(sessionId) {
      const rows = await db.all(
        'SELECT * FROM refresh_tokens WHERE session_id = ? ORDER BY created_at, seq',
        [sessionId],
      );
      return rows.map(toRefresh);
    },

    async rotateRefreshToken(oldId, next, now) {
      return db.tx(async (t) => {
        // The compare-and-set. On Postgres the row lock this UPDATE takes makes a concurrent rotation of
        // the same token wait, re-check `status = 'active'` and match nothing; SQLite holds the write
        // lock for the whole transaction. Either way exactly one caller wins.
        const old = await t.get(
          `UPDATE refresh_tokens SET status = 'rotated', rotated_at = ?, replaced_by = ?
           WHERE id = ? AND status = 'active' AND expires_at > ? RETURNING session_id`,
          [now, next.id, oldId, now],
        );
        if (!old) return false;
        const sessionId = String(old.session_id);
        await insertToken(t, sessionId, next, oldId, now);
        await t.run('UPDATE sessions SET last_used_at = ? WHERE id = ?', [now, sessionId]);
        return true;
      });
    },
  };
}
