import { toKey } from '../rows.js';
import { type Db, insertUnique } from '../sql.js';
import type { SigningKeyRecord, SigningKeyStore } from '../types.js';

const insertKey = (db: Db, key: SigningKeyRecord) =>
  db.run(
    `INSERT INTO signing_keys (kid, alg, status, private_key, public_jwk, created_at, activated_at, retired_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      key.kid,
      key.alg,
      key.status,
      key.privateKey,
      key.publicJwk,
      key.createdAt,
      key.activatedAt,
      key.retiredAt,
    ],
  );

export function signingKeyStore(db: Db): SigningKeyStore {
  return {
    async listSigningKeys() {
      return (await db.all('SELECT * FROM signing_keys ORDER BY created_at, kid')).map(toKey);
    },

    async insertSigningKey(key) {
      await insertUnique(db, 'kid already exists', () => insertKey(db, key));
    },

    async rotateSigningKeys(expectedNext, newNext, now) {
      return db.tx(async (t) => {
        // The guard is the first write: a concurrent rotation waits on this row (Postgres) or on the
        // write lock (SQLite), then finds it no longer `next` and changes nothing.
        const promoted = await t.run(
          `UPDATE signing_keys SET status = 'active', activated_at = ? WHERE kid = ? AND status = 'next'`,
          [now, expectedNext],
        );
        if (promoted === 0) return false;
        await t.run(
          `UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE status = 'active' AND kid <> ?`,
          [now, expectedNext],
        );
        await insertKey(t, { ...newNext, status: 'next', activatedAt: null, retiredAt: null });
        return true;
      });
    },

    async deleteSigningKey(kid) {
      return (await db.run('DELETE FROM signing_keys WHERE kid = ?', [kid])) > 0;
    },

    async deleteRetiredSigningKeys(retiredBefore) {
      const rows = await db.all(
        `DELETE FROM signing_keys WHERE status = 'retired' AND retired_at < ? RETURNING kid`,
        [retiredBefore],
      );
      return rows.map((r) => String(r.kid));
    },
  };
}
