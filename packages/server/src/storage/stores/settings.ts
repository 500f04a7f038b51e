import type { Db } from '../sql.js';
import type { DenylistStore, SettingStore } from '../types.js';

/** The persisted access-token denylist (jti / session ids). */
export function denylistStore(db: Db): DenylistStore {
  return {
    async addDenylistEntry(entry) {
      // Re-adding a key never shortens its entry.
      await db.run(
        `INSERT INTO denylist (key, expires_at) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET expires_at =
           CASE WHEN excluded.expires_at > denylist.expires_at THEN excluded.expires_at ELSE denylist.expires_at END`,
        [entry.key, entry.expiresAt],
      );
    },

    async listDenylistEntries(now) {
      const rows = await db.all('SELECT key, expires_at FROM denylist WHERE expires_at > ?', [now]);
      return rows.map((r) => ({ key: String(r.key), expiresAt: Number(r.expires_at) }));
    },

    async isDenylisted(key, now) {
      return (
        (await db.get('SELECT 1 AS hit FROM denylist WHERE key = ? AND expires_at > ?', [key, now])) !==
        undefined
      );
    },
  };
}

/** Named instance values (secrets generated at first start, etc.). */
export function settingStore(db: Db): SettingStore {
  return {
    async getOrSetSetting(name, value) {
      await db.run('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [
        name,
        value,
      ]);
      return String((await db.get('SELECT value FROM settings WHERE name = ?', [name]))?.value);
    },

    async getSetting(name) {
      const row = await db.get('SELECT value FROM settings WHERE name = ?', [name]);
      return row ? String(row.value) : null;
    },

    async deleteSetting(name) {
      return (await db.run('DELETE FROM settings WHERE name = ?', [name])) > 0;
    },
  };
}
