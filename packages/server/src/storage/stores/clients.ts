import { toOAuthClient } from '../rows.js';
import { byUtf8, type Db, insertUnique } from '../sql.js';
import type { OAuthClientStore } from '../types.js';

/** Registered OAuth machine clients. Scopes and audiences are stored as JSON text on both engines. */
export function oauthClientStore(db: Db): OAuthClientStore {
  return {
    async createOAuthClient(c) {
      await insertUnique(db, 'client_id taken', () =>
        db.run(
          `INSERT INTO oauth_clients (id, name, auth_method, secret_hash, scopes, audiences, jwks, jwks_uri, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            c.id,
            c.name,
            c.authMethod,
            c.secretHash,
            JSON.stringify(c.scopes),
            JSON.stringify(c.audiences),
            c.jwks,
            c.jwksUri,
            c.createdAt,
          ],
        ),
      );
    },

    async getOAuthClient(id) {
      const row = await db.get('SELECT * FROM oauth_clients WHERE id = ?', [id]);
      return row ? toOAuthClient(row) : null;
    },

    async listOAuthClients() {
      // Sorted here, by UTF-8 bytes: the engines' default text orders differ (Postgres follows the
      // database locale), and the list is small.
      const clients = (await db.all('SELECT * FROM oauth_clients')).map(toOAuthClient);
      return clients.sort((a, b) => byUtf8(a.id, b.id));
    },

    async deleteOAuthClient(id) {
      return (await db.run('DELETE FROM oauth_clients WHERE id = ?', [id])) > 0;
    },
  };
}
