/**
 * The failure policy of a multi-instance deployment, in one place.
 *
 * - Redis unreachable (or not yet re-synchronised after a reconnect): revocation checks either fail
 *   CLOSED (default: `503` + `Retry-After`, never `401`, so clients keep their tokens and retry) or
 *   fail OPEN (`REDIS_FAILURE_POLICY=open`: the instance answers from what it last knew — its local
 *   mirror of denylist entries and epochs — and logs that it does so).
 * - Rate limits never fail requests: without Redis each instance counts in memory (per-instance limits).
 * - Postgres unreachable: any storage call fails with a connection error, which `isUnavailableError`
 *   recognises and the HTTP edge maps to `503` + `Retry-After` (login, refresh, logout...), while
 *   token verification (keys in memory, revocation state in Redis) keeps working.
 */
import { UnavailableError } from '../domain-errors.js';

export type FailurePolicy = 'closed' | 'open';

/** Seconds clients are told to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2;

export const serviceUnavailable = (code: string, detail: string, retryAfter = RETRY_AFTER_SECONDS) =>
  new UnavailableError(code, detail, retryAfter);

/** The 503 a fail-closed revocation check answers while Redis is unreachable. */
export const revocationUnavailable = () =>
  serviceUnavailable(
    'revocation_unavailable',
    'Token revocation state is temporarily unavailable; retry shortly (your token was not rejected).',
  );

/** The 503 for a request that needs the database while it is unreachable. */
export const storageUnavailable = () =>
  serviceUnavailable('storage_unavailable', 'The database is temporarily unavailable; retry shortly.');

/** Thrown by the Redis-backed stores when Redis cannot answer (mapped to a 503 by the HTTP layer). */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: 'redis' | 'storage',
    message: string,
  ) {
    super(message);
  }
}

const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATE: 57P01 admin_shutdown (pg_terminate_backend), 57P02 crash_shutdown, 57P03 cannot_connect_now,
// 53300 too_many_connections; class 08 = connection exceptions.
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);

const MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /terminating connection due to administrator command/i,
  /connection is closed/i,
  /stream isn't writeable/i,
  /command timed out/i,
  /reached the max retries per request/i,
  /cannot use a pool after calling end/i,
];

/**
 * True when `err` means "a backend (Postgres, Redis) could not be reached", as opposed to a bug or a
 * bad request: such errors become a 503 with Retry-After, never a 500.
 */
export function isUnavailableError(err: unknown): boolean {
  if (err instanceof BackendUnavailableError) return true;
  if (err === null || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown; errors?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NET_CODES.has(code) || PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && MESSAGES.some((re) => re.test(e.message as string))) return true;
  // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1).
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => isUnavailableError(x)))
    return true;
  if (e.cause !== undefined && e.cause !== err) return isUnavailableError(e.cause);
  return false;
}

/** The domain error (a 503 at the HTTP edge) for an unavailable-backend error, or null for any other error. */
export function unavailableError(err: unknown): UnavailableError | null {
  if (!isUnavailableError(err)) return null;
  if (err instanceof BackendUnavailableError && err.backend === 'redis') return revocationUnavailable();
  return storageUnavailable();
}
