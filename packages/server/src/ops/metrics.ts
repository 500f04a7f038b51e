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

const DURATION_NAME = 'jwtkit_http_request_duration_seconds';
const DURATION_HELP = 'Time from receiving a request to answering it, by route pattern and method.';
const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** One (method, route): latency bucket counts (not cumulative; the last one is above every bound), and answers by status. */
interface Slot {
  readonly method: string;
  readonly route: string;
  readonly buckets: number[];
  sum: number;
  count: number;
  readonly statuses: Map<number, number>;
}

/** One sample as prom-client's registry reads it from a metric's `get()`. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** The latency histogram read from the slots: prom-client's metric shape (`get`), no per-request hashing. */
class SlotHistogram {
  readonly name = DURATION_NAME;
  readonly help = DURATION_HELP;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #slots: () => readonly Slot[];
  readonly #reset: () => void;

  constructor(slots: () => readonly Slot[], reset: () => void) {
    this.#slots = slots;
    this.#reset = reset;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    const bucketName = `${DURATION_NAME}_bucket`;
    for (const s of this.#slots()) {
      let acc = 0;
      let i = 0;
      for (const le of DURATION_BUCKETS) {
        acc += s.buckets[i++] ?? 0;
        values.push({
          labels: { le, method: s.method, route: s.route },
          value: acc,
          metricName: bucketName,
        });
      }
      values.push({
        labels: { le: '+Inf', method: s.method, route: s.route },
        value: s.count,
        metricName: bucketName,
      });
      values.push({
        labels: { method: s.method, route: s.route },
        value: s.sum,
        metricName: `${DURATION_NAME}_sum`,
      });
      values.push({
        labels: { method: s.method, route: s.route },
        value: s.count,
        metricName: `${DURATION_NAME}_count`,
      });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#reset();
  }
}

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
  /** method -> route pattern -> slot; bounded by the routes, as the route is a pattern, never a URL. */
  #slots = new Map<string, Map<string, Slot>>();
  /** Slots in the order first seen, and (slot, status) pairs likewise: the order prom-client exposes. */
  #slotList: Slot[] = [];
  #statusList: Array<[Slot, number]> = [];
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
    const statusList = () => this.#statusList;
    new client.Counter({
      name: 'jwtkit_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
      collect() {
        this.reset();
        for (const [s, status] of statusList()) {
          this.inc({ method: s.method, route: s.route, status: String(status) }, s.statuses.get(status) ?? 0);
        }
      },
    });
    this.registry.registerMetric(
      new SlotHistogram(
        () => this.#slotList,
        () => this.#clearSlots(),
      ) as unknown as client.Metric,
    );
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
    let byRoute = this.#slots.get(method);
    if (byRoute === undefined) {
      byRoute = new Map();
      this.#slots.set(method, byRoute);
    }
    let slot = byRoute.get(route);
    if (slot === undefined) {
      slot = {
        method,
        route,
        buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
        statuses: new Map(),
      };
      byRoute.set(route, slot);
      this.#slotList.push(slot);
    }
    const n = slot.statuses.get(status);
    if (n === undefined) {
      slot.statuses.set(status, 1);
      this.#statusList.push([slot, status]);
    } else slot.statuses.set(status, n + 1);
    if (Number.isFinite(seconds)) {
      let i = 0;
      for (const bound of DURATION_BUCKETS) {
        if (seconds <= bound) break;
        i++;
      }
      slot.buckets[i] = (slot.buckets[i] ?? 0) + 1;
      slot.sum += seconds;
      slot.count += 1;
    }
    if (status === 429) this.#rateLimited.inc({ route });
    if (status === 200 || status === 201) {
      const grant = GRANT_BY_ROUTE.get(route)?.get(method);
      if (grant !== undefined) {
        this.#tokens.inc({ grant });
        if (grant === REFRESH_GRANT) this.#rotations.inc();
      }
    }
  }

  #clearSlots(): void {
    this.#slots = new Map();
    this.#slotList = [];
    this.#statusList = [];
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
