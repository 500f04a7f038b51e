/** Wires the services together from a config and (optionally) injected infrastructure. */

import type { Cluster } from '../cluster/index.js';
import { createCluster } from '../cluster/index.js';
import { withOutageReads } from '../cluster/outage-reads.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { AdminService } from './admin.js';
import { AuditService, type AuditType } from './audit.js';
import { AuthService } from './auth.js';
import { DEMO_USERS, DemoDataError, findDemoData } from './demo-data.js';
import { DpopService } from './dpop.js';
import type { EventBus } from './events.js';
import { LocalEventBus } from './events.js';
import { KeyService } from './keys.js';
import { InstanceLeaseError } from './lease.js';
import { OAuthService } from './oauth.js';
import { PasswordHasher } from './passwords.js';
import type { RateLimiter } from './rate-limit.js';
import { MemoryRateLimiter } from './rate-limit.js';
import type { Denylist, EpochStore } from './revocation.js';
import { StorageDenylist, StorageEpochStore } from './revocation.js';
import { resolveInstanceSecret } from './secrets.js';
import { SessionService } from './sessions.js';
import { TokenService } from './tokens.js';
import { UserSessionsService } from './user-sessions.js';

/** Everything a cluster deployment may swap (Redis-backed implementations, a shared clock in tests). */
export interface Infrastructure {
  storage?: Storage;
  bus?: EventBus;
  denylist?: Denylist;
  epochs?: EpochStore;
  limiter?: RateLimiter;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /** Told of every audit event (the metrics). */
  auditObserver?: (type: AuditType) => void;
  /**
   * Without REDIS_URL the service takes a single-instance lease on its database and refuses to start
   * when another process holds it. false: skip it (tests that model several instances in one process).
   */
  singleInstanceLease?: boolean;
}

export interface Services {
  config: Config;
  storage: Storage;
  bus: EventBus;
  denylist: Denylist;
  epochs: EpochStore;
  limiter: RateLimiter;
  clock: () => number;
  audit: AuditService;
  keys: KeyService;
  passwords: PasswordHasher;
  tokens: TokenService;
  sessions: SessionService;
  /** Self-service account: register, login, refresh, password, /me. */
  auth: AuthService;
  /** The signed-in user's sessions: logout(-all), list, revoke one. */
  userSessions: UserSessionsService;
  /** Admin operations on users. */
  admin: AdminService;
  /** OAuth introspection (RFC 7662) and revocation (RFC 7009). */
  oauth: OAuthService;
  /** DPoP proofs (RFC 9449): replay store, server nonces, token-request proofs. */
  dpop: DpopService;
  /** The Redis-backed pieces when REDIS_URL is set (health for readiness), else null. */
  cluster: Cluster | null;
  close(): Promise<void>;
}

export { DEMO_USERS } from './demo-data.js';

export async function createServices(
  config: Config,
  infra: Infrastructure = {},
  log?: Logger,
): Promise<Services> {
  const clock = infra.clock ?? Date.now;
  const baseStorage = infra.storage ?? createStorage(config.databaseUrl, config.baseDir);
  try {
    return await wire(config, infra, baseStorage, clock, log);
  } catch (err) {
    if (!infra.storage) await baseStorage.close().catch(() => {});
    throw err;
  }
}

async function wire(
  config: Config,
  infra: Infrastructure,
  baseStorage: Storage,
  clock: () => number,
  log: Logger | undefined,
): Promise<Services> {
  // Postgres can be unreachable while this process lives on: /me keeps answering (cluster/outage-reads.ts).
  const storage = baseStorage.kind === 'postgres' ? withOutageReads(baseStorage) : baseStorage;
  // A damaged SQLite file refuses to start (and says what to do) instead of answering 500s.
  await storage.checkIntegrity();
  // Without Redis, revocations, epochs and rate limits live in this process: only one process may serve
  // the database (the lease is released by the OS / Postgres when the process ends, even by a crash).
  const revocationInProcess = !config.redisUrl && !infra.bus && !infra.denylist && !infra.epochs;
  if (revocationInProcess && infra.singleInstanceLease !== false) {
    if (!(await storage.acquireInstanceLease())) throw new InstanceLeaseError(storage.leaseDescription);
    const pgStorage = baseStorage as { onLeaseLost?: ((message: string) => void) | null };
    if ('onLeaseLost' in pgStorage) pgStorage.onLeaseLost = (message) => log?.error({}, message);
  }
  try {
    return await wireServices(config, infra, storage, clock, log);
  } catch (err) {
    await storage.releaseInstanceLease().catch(() => {});
    throw err;
  }
}

async function wireServices(
  config: Config,
  infra: Infrastructure,
  storage: Storage,
  clock: () => number,
  log: Logger | undefined,
): Promise<Services> {
  await storage.migrate();
  // REDIS_URL: denylist, epochs, rate limits and events shared through Redis (cluster/).
  const cluster =
    config.redisUrl && !infra.bus
      ? await createCluster({
          redisUrl: config.redisUrl,
          policy: config.redisFailurePolicy,
          prefix: config.redisPrefix,
          storage,
          clock,
          ...(log ? { log } : {}),
        })
      : null;
  const bus = infra.bus ?? cluster?.bus ?? new LocalEventBus();
  const ownDenylist = infra.denylist || cluster ? null : new StorageDenylist(storage, bus, clock);
  if (ownDenylist) await ownDenylist.init();
  const denylist = infra.denylist ?? cluster?.denylist ?? ownDenylist!;
  const ownEpochs = infra.epochs || cluster ? null : new StorageEpochStore(storage, bus, clock);
  const epochs = infra.epochs ?? cluster?.epochs ?? ownEpochs!;
  const limiter = infra.limiter ?? cluster?.limiter ?? new MemoryRateLimiter(clock);
  const audit = new AuditService(storage, clock, log, infra.auditObserver);
  const passwords = new PasswordHasher(config.argon2);
  if (config.mode === 'production') {
    const demo = await findDemoData(storage, passwords);
    if (demo.length > 0) throw new DemoDataError(demo);
  }
  const secret = await resolveInstanceSecret(config, storage);
  const keys = new KeyService(config, storage, bus, audit, clock);
  await keys.init(secret);
  // With Redis (and its own denylist and epochs), jti, session and epoch are read in one round trip.
  const reader = cluster && !infra.denylist && !infra.epochs ? cluster.revocationReader : undefined;
  const tokens = new TokenService(config, keys, denylist, epochs, clock, reader);
  const sessions = new SessionService(config, storage, tokens, audit, clock, secret);
  const dpop = new DpopService(config, clock, cluster, secret);
  const auth = new AuthService(config, storage, passwords, tokens, sessions, epochs, audit, limiter, clock);
  const userSessions = new UserSessionsService(tokens, sessions, epochs, audit);
  const admin = new AdminService(storage, sessions, epochs, audit, clock);
  const oauth = new OAuthService(config, tokens, sessions, audit, limiter, clock);

  if (config.seedDemoUsers) {
    for (const u of DEMO_USERS) {
      if (await storage.getUserById(u.id)) continue;
      if (await storage.getUserByUsername(u.username)) continue;
      await storage
        .createUser({
          id: u.id,
          username: u.username,
          role: u.role,
          passwordHash: await passwords.hash(u.password),
          now: clock(),
        })
        .catch((err: unknown) => {
          if ((err as Error)?.name !== 'StorageConflictError') throw err;
        });
    }
  }
  await passwords.warmUp();

  // Expired revocation entries and sessions, and audit events past AUDIT_RETENTION: at start, then hourly.
  const purgeNow = () =>
    storage.purgeExpired(clock(), { auditBefore: clock() - config.auditRetention * 1000 });
  await purgeNow();
  const purge = setInterval(() => void purgeNow().catch(() => {}), 3600_000);
  purge.unref();

  return {
    config,
    storage,
    bus,
    denylist,
    epochs,
    limiter,
    clock,
    audit,
    keys,
    passwords,
    tokens,
    sessions,
    auth,
    userSessions,
    admin,
    oauth,
    dpop,
    cluster,
    async close() {
      clearInterval(purge);
      keys.close();
      ownDenylist?.close();
      ownEpochs?.close();
      if (!infra.bus) await bus.close();
      await cluster?.close();
      await storage.releaseInstanceLease();
      if (!infra.storage) await storage.close();
    },
  };
}
