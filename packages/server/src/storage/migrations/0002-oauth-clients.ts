import type { Migration } from './index.js';

/** Registered machine clients (client_credentials grant). */
export const m0002: Migration = {
  version: 2,
  name: 'oauth-clients',
  up: `
  CREATE TABLE oauth_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    auth_method TEXT NOT NULL CHECK (auth_method IN ('client_secret_basic', 'private_key_jwt')),
    secret_hash TEXT,
    scopes TEXT NOT NULL,
    audiences TEXT NOT NULL,
    jwks TEXT,
    jwks_uri TEXT,
    created_at {{int64}} NOT NULL
  );
  `,
};
