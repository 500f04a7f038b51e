/** The revocation interfaces: implemented in memory over storage (services/revocation.ts) and over Redis (cluster/revocation.ts). */

/**
 * Where one revocation answer came from: `local` (this process is the only writer: its own memory),
 * `redis` (Redis answered this request), `mirror` (this process's copy of what it heard from Redis),
 * `storage` (the database), `none` (nothing was asked: the open failure policy let it through).
 * Recorded only when a caller passes a trace (the cluster test's fail-closed check); free otherwise.
 */
export type RevocationSource = 'local' | 'redis' | 'mirror' | 'storage' | 'none';
export interface RevocationTrace {
  sources: RevocationSource[];
}

/** The three revocation questions of one access token, answered together. */
export interface RevocationAnswers {
  /** Which denylist entry matched, if any. */
  denied: 'jti' | 'sid' | null;
  /** The user's current epoch (null: no such user); undefined when `denied` already decided. */
  epoch?: number | null;
}

/**
 * Answers jti, session and epoch in one go. The Redis implementation does it in one round trip
 * (cluster/revocation.ts); without one, the token service asks the denylist and the epoch store in turn.
 */
export interface RevocationReader {
  read(jtiKey: string, sidKey: string, userId: number, trace?: RevocationTrace): Promise<RevocationAnswers>;
}

export interface Denylist {
  /**
   * Denylists `key` until `expiresAt` (ms). Resolves true when this call denylisted it, false when it
   * already was (or has expired): of concurrent calls for one key, at most one resolves true.
   */
  add(key: string, expiresAt: number): Promise<boolean>;
  has(key: string, trace?: RevocationTrace): Promise<boolean>;
}

export interface EpochStore {
  /** The user's current epoch, or null when the user does not exist. */
  get(userId: number, trace?: RevocationTrace): Promise<number | null>;
  /** Increments and returns the new epoch (null: no such user). */
  bump(userId: number): Promise<number | null>;
}
