/**
 * The one seam between the stores and the two engines. Every query in `stores/` and `migrations/` is
 * written once, with `?` placeholders; each engine implements `Db`: SQLite runs the text as it is,
 * Postgres numbers the placeholders (`$1`, `$2`, ...). Booleans are bound as 0/1 on SQLite. The few
 * things the two dialects spell differently live in `Dialect`, and nowhere else.
 */

import { StorageConflictError } from './types.js';

export type Row = Record<string, unknown>;

export type Engine = 'sqlite' | 'postgres';

export interface Db {
  readonly engine: Engine;
  /** All rows of a query. */
  all(sql: string, args?: readonly unknown[]): Promise<Row[]>;
  /** The first row, or undefined. */
  get(sql: string, args?: readonly unknown[]): Promise<Row | undefined>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, args?: readonly unknown[]): Promise<number>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). SQLite takes
   * the write lock at the start (BEGIN IMMEDIATE); other calls on this connection wait for the end.
   */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** True when `err` is a unique / primary-key violation. */
  isUniqueViolation(err: unknown): boolean;
}

/**
 * `?` -> `$1`, `$2`, ... outside quotes (Postgres). Our SQL has no `?` in literals or operators; a quoted
 * `'?'` is left alone all the same.
 */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

/** Names in migration texts that each engine spells its own way: `{{int64}}` etc. */
export type Macros = Record<string, Record<Engine, string>>;

export const TYPE_MACROS: Macros = {
  /** 64-bit integer (times in ms, ids). */
  int64: { sqlite: 'INTEGER', postgres: 'BIGINT' },
  bool: { sqlite: 'INTEGER', postgres: 'BOOLEAN' },
  false: { sqlite: '0', postgres: 'FALSE' },
  /** JSON document (audit details). */
  json: { sqlite: 'TEXT', postgres: 'JSONB' },
  /** An increasing integer primary key assigned by the database. */
  serial_pk: { sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT', postgres: 'BIGSERIAL PRIMARY KEY' },
};

/** Replaces `{{name}}` with the engine's spelling; an unknown name is an error, not silent text. */
export function expandMacros(sql: string, engine: Engine, macros: Macros = {}): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const m = Object.hasOwn(macros, name)
      ? macros[name]
      : Object.hasOwn(TYPE_MACROS, name)
        ? TYPE_MACROS[name]
        : undefined;
    if (!m) throw new Error(`migration: unknown macro {{${name}}}`);
    return m[engine];
  });
}

/** Runs an insert; a unique violation (the key is taken) becomes StorageConflictError(`message`). */
export async function insertUnique<T>(db: Db, message: string, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (err) {
    if (db.isUniqueViolation(err)) throw new StorageConflictError(message);
    throw err;
  }
}

/** Byte order of UTF-8 text (SQLite BINARY and Postgres "C" collation), for sorting in JS. */
export const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
