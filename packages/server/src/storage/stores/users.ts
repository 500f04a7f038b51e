import { toUser, toUserProfile } from '../rows.js';
import { type Db, insertUnique } from '../sql.js';
import type { UserStore } from '../types.js';

export function userStore(db: Db): UserStore {
  return {
    async createUser(user) {
      // No id: the database assigns one (Postgres refuses an explicit NULL in an identity column).
      const [columns, values, args] = user.id === undefined ? ['', '', []] : ['id, ', '?, ', [user.id]];
      const row = await insertUnique(db, 'username or id already exists', () =>
        db.get(
          `INSERT INTO users (${columns}username, password_hash, role, created_at, updated_at)
           VALUES (${values}?, ?, ?, ?, ?) RETURNING *`,
          [...args, user.username, user.passwordHash, user.role, user.now, user.now],
        ),
      );
      return toUser(row!);
    },

    async getUserById(id) {
      const row = await db.get('SELECT * FROM users WHERE id = ?', [id]);
      return row ? toUser(row) : null;
    },

    async getUserProfile(id) {
      const row = await db.get('SELECT id, username, role, created_at FROM users WHERE id = ?', [id]);
      return row ? toUserProfile(row) : null;
    },

    async getUserByUsername(username) {
      const row = await db.get('SELECT * FROM users WHERE username = ?', [username]);
      return row ? toUser(row) : null;
    },

    async listUsers(page) {
      const rows = await db.all('SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?', [
        page.limit,
        page.offset,
      ]);
      const count = await db.get('SELECT COUNT(*) AS n FROM users');
      return { users: rows.map(toUser), total: Number(count?.n ?? 0) };
    },

    async updateUser(id, patch, now) {
      const row = await db.get(
        `UPDATE users SET
           role = COALESCE(?, role),
           disabled = COALESCE(?, disabled),
           password_hash = COALESCE(?, password_hash),
           updated_at = ?
         WHERE id = ? RETURNING *`,
        [patch.role ?? null, patch.disabled ?? null, patch.passwordHash ?? null, now, id],
      );
      return row ? toUser(row) : null;
    },

    async deleteUser(id) {
      return (await db.run('DELETE FROM users WHERE id = ?', [id])) > 0;
    },

    async bumpTokenEpoch(id, now) {
      const row = await db.get(
        'UPDATE users SET token_epoch = token_epoch + 1, updated_at = ? WHERE id = ? RETURNING token_epoch',
        [now, id],
      );
      return row ? Number(row.token_epoch) : null;
    },
  };
}
