/**
 * Prometheus metrics of the service (prom-client, its own registry per app).
 *
 * Where each number comes from, so that none can drift from what happened:
 * - requests, latency, rate-limit hits, tokens issued and refresh rotations: one `onResponse` hook at the
 *   HTTP edge (route pattern, method, status); requests and latency are kept in plain per-(method, route)
 *   slots and turned into Prometheus series when scraped, so a request costs no label hashing;
 * - logins, reuse detections, revocations, key rotations: the audit log's events (`observeAudit`), the
 *   same events that are persisted and logged;
 * - Redis/Postgres health and latency, signing-key age, dropped log lines: read when scraped;
 * - process, heap, GC and event-loop lag: prom-client's default Node collectors.
 *
 * `/metrics` is never on the public listener anonymously: it is served on METRICS_PORT (a listener of its
 * own, loopback by default), and on the public listener only with METRICS_TOKEN as a bearer credential.
 */
import client from 'prom-client';
import type { AuditType } from '../services/audit.js';
import { RequestSlots } from './request-slots.js';

/** What a scrape reads from the running service (each optional: tests build metrics without a service). */
export interface MetricsSources {
  /** Time one storage round trip (throws when the database does not answer). */
  pingStorage?: () => Promise<void>;
  storageKind?: string;
  /** Time one Redis round trip (throws when Redis does not answer); undefined without Redis. */
  pingRedis?: () => Promise<void>;
  /** Active key's activation time and the next key's creation time (ms), and the rotation min age (s). */
  keys?: () => { activeSince: number | null; nextCreated: number | null; minAgeSeconds: number };
  /** Lines the log sink dropped because stdout did not keep up. */
  logDropped?: () => number;
  /** The access-token verification cache's cumulative hits and misses. */
  verifyCache?: () => { hits: number; misses: number };
  clock?: () => number;
}

/** Token-issuing routes (route pattern -> method -> grant), for `jwtkit_tokens_issued_total`. */
const GRANT_BY_ROUTE = new Map<string, ReadonlyMap<string, string>>([
  ['/auth/login', new Map([['POST', 'password_login']])],
  ['/auth/register', new Map([['POST', 'registration']])],
  ['/auth/refresh', new Map([['POST', 'refresh_token']])],
  ['/oauth/token', new Map([['POST', 'token_endpoint']])],
]);

const REFRESH_GRANT = 'refresh_token';

/** Audit event -> revocation kind, for `jwtkit_revocations_total`. */
const REVOCATION_KIND = new Map<AuditType, string>([
  ['user.logout', 'logout'],
  ['user.logout_all', 'logout_all'],
  ['session.revoked', 'session'],
  ['sessions.revoked_by_admin', 'admin'],
  ['token.revoked', 'token'],
  ['user.password_changed', 'password_change'],
]);

async function timed(fn: () => Promise<void>): Promise<number | null> {
  const t0 = performance.now();
  try {
    await fn();
    return (performance.now() - t0) / 1000;
  } catch {
    return null;
  }
}

export class Metrics {
  readonly registry = new client.Registry();
  readonly #requests: RequestSlots;
  readonly #logins: client.Counter<'outcome'>;
  readonly #tokens: client.Counter<'grant'>;
  readonly #rotations: client.Counter;
  readonly #reuse: client.Counter;
  readonly #familiesRevoked: client.Counter<'reason'>;
  readonly #revocations: client.Counter<'kind'>;
  readonly #rateLimited: client.Counter<'route'>;
  readonly #keyRotations: client.Counter;

  constructor(sources: MetricsSources = {}, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const clock = sources.clock ?? Date.now;
    this.#requests = new RequestSlots(this.registry);
    this.#logins = new client.Counter({
      name: 'jwtkit_logins_total',
      help: 'Password logins, by outcome (success, failure).',
      labelNames: ['outcome'],
      registers,
    });
    this.#tokens = new client.Counter({
      name: 'jwtkit_tokens_issued_total',
      help: 'Responses that issued tokens, by grant.',
      labelNames: ['grant'],
      registers,
    });
    this.#rotations = new client.Counter({
      name: 'jwtkit_refresh_rotations_total',
      help: 'Successful refreshes (a refresh token exchanged for a new pair).',
      registers,
    });
    this.#reuse = new client.Counter({
      name: 'jwtkit_refresh_reuse_detected_total',
      help: 'A rotated refresh token presented again after the grace window (the family is revoked).',
      registers,
    });
    this.#familiesRevoked = new client.Counter({
      name: 'jwtkit_refresh_families_revoked_total',
      help: 'Refresh-token families (sessions) revoked, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.#revocations = new client.Counter({
      name: 'jwtkit_revocations_total',
      help: 'Revocations of tokens or sessions, by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.#rateLimited = new client.Counter({
      name: 'jwtkit_rate_limited_total',
      help: 'Requests refused with 429, by route pattern.',
      labelNames: ['route'],
      registers,
    });
    this.#keyRotations = new client.Counter({
      name: 'jwtkit_signing_key_rotations_total',
      help: 'Signing-key rotations performed by this instance.',
      registers,
    });

    const up = new client.Gauge({
      name: 'jwtkit_backend_up',
      help: 'Whether the backend answered a ping at scrape time (1) or not (0).',
      labelNames: ['backend'],
      registers,
    });
    const latency = new client.Gauge({
      name: 'jwtkit_backend_ping_seconds',
      help: 'Round trip of one ping command to the backend at scrape time.',
      labelNames: ['backend'],
      registers,
    });
    // One collect for both gauges: the pings run once per scrape.
    const backends: Array<[string, (() => Promise<void>) | undefined]> = [
      [sources.storageKind ?? 'storage', sources.pingStorage],
      ['redis', sources.pingRedis],
    ];
    new client.Gauge({
      name: 'jwtkit_backend_checks',
      help: 'Backends checked at scrape time.',
      registers,
      async collect() {
        let n = 0;
        for (const [name, ping] of backends) {
          if (!ping) continue;
          n++;
          const s = await timed(ping);
          up.set({ backend: name }, s === null ? 0 : 1);
          if (s !== null) latency.set({ backend: name }, s);
        }
        this.set(n);
      },
    });
    new client.Gauge({
      name: 'jwtkit_signing_key_age_seconds',
      help: 'How long the active signing key has been signing.',
      registers,
      collect() {
        const k = sources.keys?.();
        if (k?.activeSince != null) this.set((clock() - k.activeSince) / 1000);
      },
    });
    new client.Gauge({
      name: 'jwtkit_signing_key_next_rotation_ready_seconds',
      help: 'Seconds until the published next key may be promoted (0: rotation may run now).',
      registers,
      collect() {
        const k = sources.keys?.();
        if (k?.nextCreated != null) this.set(Math.max(0, k.minAgeSeconds - (clock() - k.nextCreated) / 1000));
      },
    });
    // Cumulative numbers kept by the verifier, turned into a counter at scrape time.
    let seen = { hits: 0, misses: 0 };
    new client.Counter({
      name: 'jwtkit_verify_cache_lookups_total',
      help: 'Access-token verification cache lookups, by result (hit: signature not re-verified; revocation is checked either way).',
      labelNames: ['result'],
      registers,
      collect() {
        const now = sources.verifyCache?.();
        if (!now) return;
        if (now.hits > seen.hits) this.inc({ result: 'hit' }, now.hits - seen.hits);
        if (now.misses > seen.misses) this.inc({ result: 'miss' }, now.misses - seen.misses);
        seen = now;
      },
    });
    new client.Gauge({
      name: 'jwtkit_log_lines_dropped',
      help: 'Log lines dropped since start because stdout did not keep up (never blocks the service).',
      registers,
      collect() {
        this.set(sources.logDropped?.() ?? 0);
      },
    });
    if (options.defaultMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
  }

  /** One answered request (from the HTTP edge). `route` is the pattern (`/admin/users/:id`), not the URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe(method, route, status, seconds);
    if (status === 429) this.#rateLimited.inc({ route });
    if (status === 200 || status === 201) {
      const grant = GRANT_BY_ROUTE.get(route)?.get(method);
      if (grant !== undefined) {
        this.#tokens.inc({ grant });
        if (grant === REFRESH_GRANT) this.#rotations.inc();
      }
    }
  }

  /** One audit event (the same events that are persisted and logged). */
  observeAudit(type: AuditType): void {
    if (type === 'user.login') this.#logins.inc({ outcome: 'success' });
    else if (type === 'user.login_failed') this.#logins.inc({ outcome: 'failure' });
    else if (type === 'refresh.reuse_detected') {
      this.#reuse.inc();
      this.#familiesRevoked.inc({ reason: 'reuse' });
    } else if (type === 'keys.rotated') this.#keyRotations.inc();
    const kind = REVOCATION_KIND.get(type);
    if (kind !== undefined) {
      this.#revocations.inc({ kind });
      if (kind === 'logout' || kind === 'session') this.#familiesRevoked.inc({ reason: kind });
    }
  }

  /** The Prometheus text exposition (content type: `contentType`). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
