import type { Migration } from './index.js';

/**
 * Ends the drift 0001 carried, so both engines hold the same columns with the same meaning:
 * - `refresh_tokens.seq` (Postgres only, a global BIGSERIAL) becomes a per-family insertion counter on
 *   both, written by the store (`MAX(seq) + 1` within the session). Existing values keep their order:
 *   SQLite fills it from rowid (insertion order), Postgres keeps its sequence values.
 * - user ids the database assigns start at 1000 on both (Postgres always did), so they never meet the
 *   explicit ids of the demo seed (101, 102). Existing ids are kept; SQLite continues above the highest.
 * ALTER statements differ between the engines, so this one is written per engine.
 */
export const m0003: Migration = {
  version: 3,
  name: 'one-schema',
  up: {
    sqlite: `
    ALTER TABLE refresh_tokens ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    UPDATE refresh_tokens SET seq = rowid;
    INSERT INTO sqlite_sequence (name, seq)
      SELECT 'users', 999 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users');
    UPDATE sqlite_sequence SET seq = 999 WHERE name = 'users' AND seq < 999;
    `,
    postgres: `
    ALTER TABLE refresh_tokens ALTER COLUMN seq SET DEFAULT 0;
    DROP SEQUENCE refresh_tokens_seq_seq;
    `,
  },
};
