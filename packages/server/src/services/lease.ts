/** The single-instance lease: without REDIS_URL, revocations live in process memory (see index.ts). */
export class InstanceLeaseError extends Error {
  override readonly name = 'InstanceLeaseError';
  constructor(readonly where: string) {
    super(
      `another jwtkit instance is already serving this database (${where}). Without REDIS_URL, revocations (logout, demotions, disabled users), token epochs and rate limits live in each process's memory, so a second instance would keep accepting tokens the first one revoked. Stop the other instance, or set REDIS_URL (one Redis shared by all) on every instance to run several.`,
    );
  }
}
