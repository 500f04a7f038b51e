/** Readiness (/readyz): the database answers and a signing key is loaded. */
import { isCorruptionError, type Storage } from '../storage/types.js';
import type { KeyService } from './keys.js';

/** Null when ready; else what failed, and whether it is a damaged database file (the operator must act). */
export async function readinessFailure(
  storage: Storage,
  keys: KeyService,
): Promise<{ err: unknown; corrupt: boolean } | null> {
  try {
    await storage.ping();
    keys.signingKey();
    return null;
  } catch (err) {
    return { err, corrupt: isCorruptionError(err) };
  }
}
