/**
 * `npm run test:cluster`: three service instances on loopback ports sharing one fresh Postgres database
 * (through a TCP proxy the harness can cut) and one private redis-server (which the harness kills and
 * restarts by PID). Prints one line per check with its figure; exits 1 if any check fails; always
 * cleans up every process, the proxy and the database.
 *
 * Env: CLUSTER_PG_URL (admin URL, default postgres://postgres@127.0.0.1:5432/test), CLUSTER_KEEP_LOGS=1.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  CuttableProxy,
  cleanup,
  createDatabase,
  freePort,
  Instance,
  PG_ADMIN_URL,
  PrivateRedis,
  peek,
  RequestFailed,
  type Res,
  RUN_DIR,
  request,
  sleep,
  watchdog,
} from './cluster-lib.js';

const t0 = Date.now();
watchdog(240_000);
const results: Array<{ ok: boolean; name: string; figure: string }> = [];

function report(ok: boolean, name: string, figure: string): void {
  results.push({ ok, name, figure });
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${figure}\n`);
}

async function check(name: string, fn: () => Promise<{ ok: boolean; figure: string }>): Promise<void> {
  const started = Date.now();
  try {
    const r = await fn();
    report(r.ok, name, `${r.figure} [${((Date.now() - started) / 1000).toFixed(1)} s]`);
  } catch (err) {
    report(false, name, `error: ${(err as Error).stack ?? String(err)}`);
  }
}

/**
 * `start`/`at`: when the request was sent / answered (ms). `source`: the instance's
 * `x-jwtkit-revocation-source` header (JWTKIT_TEST_REVOCATION_SOURCE), where each of the request's
 * revocation answers came from (`redis`, `mirror`, `storage`, `none`, `local`), when it sent one.
 */
type Outcome =
  | { status: number; retryAfter: boolean; source?: string; start: number; at: number }
  | { error: RequestFailed['kind']; code: string; start: number; at: number };

/** Call as attempt(request(...)): the request starts in the same tick, so `start` is its send time. */
async function attempt(p: Promise<Res>): Promise<Outcome> {
  const start = Date.now();
  try {
    const r = await p;
    return {
      status: r.status,
      retryAfter: typeof r.headers['retry-after'] === 'string',
      source:
        typeof r.headers['x-jwtkit-revocation-source'] === 'string'
          ? r.headers['x-jwtkit-revocation-source']
          : undefined,
      start,
      at: Date.now(),
    };
  } catch (err) {
    if (err instanceof RequestFailed) return { error: err.kind, code: err.code, start, at: Date.now() };
    return { error: 'other', code: String(err), start, at: Date.now() };
  }
}

/** Every revocation answer of the request came from Redis (`redis,redis,redis` for jti, sid, epoch). */
function redisAnsweredAll(source: string): boolean {
  const parts = source.split(',');
  return parts.length === 3 && parts.every((p) => p === 'redis');
}

/** Runs `concurrency` loops of `step` until `stop()` says so. */
async function load(
  concurrency: number,
  stop: () => boolean,
  step: (worker: number) => Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (!stop()) await step(w);
    }),
  );
}

const json = (r: Res) => r.json as Record<string, unknown>;

async function login(
  port: number,
  username: string,
  password: string,
): Promise<{ access: string; refresh: string }> {
  const r = await request(port, 'POST', '/auth/login', { body: { username, password } });
  if (r.status !== 200)
    throw new Error(`login ${username} on :${port} -> ${r.status} ${r.body.slice(0, 200)}`);
  return { access: String(json(r).access_token), refresh: String(json(r).refresh_token) };
}

const BOB = ['bob', 'bob-demo-password'] as const;
const ALICE = ['alice', 'alice-demo-password'] as const;

async function main(): Promise<void> {
  // ---- infrastructure ----
  const redis = await PrivateRedis.create(6391);
  await redis.start();
  const db = await createDatabase();
  const pgUrl = new URL(PG_ADMIN_URL);
  const proxy = new CuttableProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
  await proxy.start();

  const env: Record<string, string> = {
    JWTKIT_MODE: 'demo',
    SEED_DEMO_USERS: 'true',
    SECRET_KEY: randomBytes(36).toString('base64url'),
    ISSUER: 'http://jwtkit-cluster.test',
    AUDIENCE: 'http://jwtkit-cluster.test',
    DATABASE_URL: db.url('127.0.0.1', proxy.port),
    REDIS_URL: redis.url,
    REDIS_FAILURE_POLICY: 'closed',
    ARGON2_MEMORY_KIB: '64',
    ARGON2_ITERATIONS: '1',
    RATE_LIMIT_LOGIN_IP: '1000000/1m',
    RATE_LIMIT_LOGIN_ACCOUNT: '1000000/1m',
    RATE_LIMIT_REFRESH_IP: '1000000/1m',
    RATE_LIMIT_LOGIN_ACCOUNT_ANY_IP: '1000000/1m',
    RATE_LIMIT_PASSWORD_IP: '1000000/1m',
    RATE_LIMIT_REVOKE_IP: '1000000/1m',
    RATE_LIMIT_REGISTER_IP: '1000000/1m',
    SHUTDOWN_DRAIN_MS: '1000',
    LOG_LEVEL: 'warn',
    // Each authenticated answer says where its revocation answers came from (the fail-closed checks).
    JWTKIT_TEST_REVOCATION_SOURCE: 'true',
  };
  const names = ['A', 'B', 'C'] as const;
  const ports = [await freePort(), await freePort(), await freePort()];
  const [A, B, C] = names.map((n, i) => new Instance(n, ports[i]!, env)) as [Instance, Instance, Instance];
  const all = [A, B, C];
  // A first (creates the schema, the signing keys and the demo users), then B and C together.
  A.start();
  await A.waitReady();
  B.start();
  C.start();
  await Promise.all([B.waitReady(), C.waitReady()]);
  process.stdout.write(
    `cluster: 3 instances on :${ports.join(', :')}, postgres database ${db.name} via proxy :${proxy.port}, redis :${redis.port} (pid ${redis.pid}), ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  // ---- 1. refresh race ----
  await check('refresh-race', async () => {
    const { access, refresh } = await login(A.port, ...BOB);
    const sid = String(peek(access).payload.sid);
    const rs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        attempt(request(all[i % 3]!.port, 'POST', '/auth/refresh', { body: { refresh_token: refresh } })),
      ),
    );
    // the tokens handed out: re-run to collect bodies cheaply is not possible (spent), so count statuses
    const s5xx = rs.filter((r) => 'status' in r && r.status >= 500).length;
    const errors = rs.filter((r) => 'error' in r).length;
    const ok = rs.filter((r) => 'status' in r && r.status === 200).length;
    const other = rs.length - s5xx - errors - ok;
    const q = await db.pool.query<{ active: string; total: string }>(
      `SELECT count(*) FILTER (WHERE status = 'active') AS active, count(*) AS total FROM refresh_tokens WHERE session_id = $1`,
      [sid],
    );
    const active = Number(q.rows[0]?.active);
    const total = Number(q.rows[0]?.total);
    return {
      ok: active === 1 && s5xx === 0 && errors === 0 && total === 2,
      figure: `50 parallel refreshes over 3 instances -> ${active} active token in the family (${total} tokens total), ${ok} x 200 (same successor, grace), ${other} other 4xx, ${s5xx} 5xx, ${errors} transport errors`,
    };
  });

  // distinct successor check: every 200 must carry the same refresh token
  await check('refresh-race-same-successor', async () => {
    const { refresh } = await login(B.port, ...BOB);
    const rs = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(all[i % 3]!.port, 'POST', '/auth/refresh', { body: { refresh_token: refresh } }).catch(
          () => null,
        ),
      ),
    );
    const tokens = new Set(
      rs.filter((r): r is Res => r?.status === 200).map((r) => String(json(r).refresh_token)),
    );
    const fails = rs.filter((r) => r === null || r.status !== 200).length;
    return {
      ok: tokens.size === 1 && fails === 0,
      figure: `30 parallel refreshes -> ${tokens.size} distinct new refresh token(s), ${fails} non-200`,
    };
  });

  // ---- 2. logout propagation ----
  await check('logout-propagation', async () => {
    const { access } = await login(A.port, ...BOB);
    for (const i of [B, C]) {
      const r = await request(i.port, 'GET', '/me', { token: access });
      if (r.status !== 200) throw new Error(`/me on ${i.name} before logout -> ${r.status}`);
    }
    const lo = await request(A.port, 'POST', '/auth/logout', { token: access });
    if (lo.status !== 204) throw new Error(`logout -> ${lo.status}`);
    const t = Date.now();
    const until401 = async (i: Instance) => {
      for (;;) {
        const r = await request(i.port, 'GET', '/me', { token: access });
        if (r.status === 401) return Date.now() - t;
        if (Date.now() - t > 3000) return Number.POSITIVE_INFINITY;
        await sleep(5);
      }
    };
    const [b, c] = await Promise.all([until401(B), until401(C)]);
    return {
      ok: b < 1000 && c < 1000,
      figure: `logout on A -> access token rejected (401) on B after ${b} ms, on C after ${c} ms (limit 1000 ms)`,
    };
  });

  // ---- 3. key rotation under load ----
  await check('key-rotation', async () => {
    const admin = await login(A.port, ...ALICE);
    const workers = await Promise.all(Array.from({ length: 6 }, () => login(A.port, ...BOB)));
    const firstTokens = workers.map((w) => w.access);
    let stop = false;
    let verified = 0;
    const failures: string[] = [];
    const byKid = new Map<string, number>();
    const loadDone = load(
      6,
      () => stop,
      async (w) => {
        const r = await request(A.port, 'POST', '/auth/refresh', {
          body: { refresh_token: workers[w]!.refresh },
        });
        if (r.status !== 200) {
          failures.push(`refresh on A -> ${r.status}`);
          await sleep(20);
          return;
        }
        workers[w] = { access: String(json(r).access_token), refresh: String(json(r).refresh_token) };
        const kid = String(peek(workers[w]!.access).header.kid);
        for (const [inst, token] of [
          [B, workers[w]!.access],
          [C, workers[w]!.access],
          [w % 2 ? B : C, firstTokens[w]!], // issued before any rotation: must keep verifying
        ] as const) {
          const o = await attempt(request(inst.port, 'GET', '/me', { token }));
          if ('status' in o && o.status === 200) {
            verified++;
            if (token !== firstTokens[w]) byKid.set(kid, (byKid.get(kid) ?? 0) + 1);
          } else failures.push(`/me on ${inst.name} -> ${'status' in o ? o.status : o.code}`);
        }
      },
    );
    await sleep(600);
    const kids: string[] = [];
    const propagation: number[] = [];
    for (let round = 0; round < 2; round++) {
      const r = await request(A.port, 'POST', '/admin/keys/rotate', { token: admin.access });
      if (r.status !== 200) throw new Error(`rotate -> ${r.status} ${r.body.slice(0, 200)}`);
      const kid = String(json(r).active);
      kids.push(kid);
      // B and C sign with the new key once they heard of the rotation
      const t = Date.now();
      await Promise.all(
        [B, C].map(async (i) => {
          for (;;) {
            const l = await login(i.port, ...BOB);
            if (peek(l.access).header.kid === kid) return propagation.push(Date.now() - t);
            if (Date.now() - t > 3000) return propagation.push(Number.POSITIVE_INFINITY);
            await sleep(20);
          }
        }),
      );
      await sleep(900);
    }
    stop = true;
    await loadDone;
    const newKeyVerified = kids.reduce((n, k) => n + (byKid.get(k) ?? 0), 0);
    const maxProp = Math.max(...propagation);
    return {
      ok:
        failures.length === 0 &&
        newKeyVerified > 0 &&
        kids.every((k) => (byKid.get(k) ?? 0) > 0) &&
        maxProp < 1000,
      figure: `2 rotations on A under load: ${verified} /me verifications on B and C, ${failures.length} failures${
        failures.length ? ` (${[...new Set(failures)].slice(0, 3).join(', ')})` : ''
      }; ${newKeyVerified} with the new keys; B and C signing with the new key after max ${maxProp} ms`,
    };
  });

  // ---- 4. Redis killed mid-load, restarted ----
  await check('redis-outage', async () => {
    const tokens = await Promise.all(all.map((i) => login(i.port, ...BOB)));
    const revoked = await login(A.port, ...BOB);
    const lo = await request(A.port, 'POST', '/auth/logout', { token: revoked.access });
    if (lo.status !== 204) throw new Error(`logout -> ${lo.status}`);
    let stop = false;
    const outcomes: Outcome[] = [];
    const loadDone = load(
      6,
      () => stop,
      async (w) => {
        outcomes.push(
          await attempt(
            request(all[w % 3]!.port, 'GET', '/me', { token: tokens[w % 3]!.access, timeoutMs: 5000 }),
          ),
        );
        await sleep(5);
      },
    );
    await sleep(500);
    await redis.stop();
    const killedAt = Date.now();
    await sleep(1500);
    // during the outage logout must not silently succeed-or-crash; login keeps working (limits per instance)
    const loginDuring = await attempt(
      request(B.port, 'POST', '/auth/login', { body: { username: BOB[0], password: BOB[1] } }),
    );
    // The window of "Redis is down" ends when the restart is *begun*: an instance may reconnect to the new
    // Redis (and rightly answer 200 from it) before start() resolves here.
    const restartBegunAt = Date.now();
    await redis.start();
    const restartedAt = Date.now();
    // recovery: every instance answers /me 200 again
    const recovered = await Promise.all(
      all.map(async (i, n) => {
        for (;;) {
          const r = await attempt(request(i.port, 'GET', '/me', { token: tokens[n]!.access }));
          if ('status' in r && r.status === 200) return Date.now() - restartedAt;
          if (Date.now() - restartedAt > 8000) return Number.POSITIVE_INFINITY;
          await sleep(20);
        }
      }),
    );
    await sleep(300);
    stop = true;
    await loadDone;
    // sent after the crash (+100 ms for the instances to see their connection close), answered before the
    // restart began: nothing could have answered from Redis then.
    const during = outcomes.filter((o) => o.start > killedAt + 100 && o.at < restartBegunAt);
    // The policy itself, whatever the timing: under `closed`, no 200 unless Redis answered every
    // revocation question of that request (a 200 from the mirror, storage or nothing is a fail-open).
    const oks = outcomes.filter(
      (o): o is Extract<Outcome, { status: number }> => 'status' in o && o.status === 200,
    );
    const okNoHeader = oks.filter((o) => o.source === undefined).length;
    const okNotRedis = oks.filter((o) => o.source !== undefined && !redisAnsweredAll(o.source));
    const count = (f: (o: Outcome) => boolean) => outcomes.filter(f).length;
    const n503 = count((o) => 'status' in o && o.status === 503);
    const n503NoRetry = count((o) => 'status' in o && o.status === 503 && !o.retryAfter);
    const n401 = count((o) => 'status' in o && o.status === 401);
    const n5xxOther = count((o) => 'status' in o && o.status >= 500 && o.status !== 503);
    const nErr = count((o) => 'error' in o);
    const duringOk = during.filter((o) => 'status' in o && o.status === 200).length;
    const revokedAfter = await Promise.all(
      all.map((i) => request(i.port, 'GET', '/me', { token: revoked.access })),
    );
    const revokedHolds = revokedAfter.filter((r) => r.status === 401).length;
    const aliveAll = all.every((i) => i.alive);
    const unhandled = (await Promise.all(all.map((i) => i.grepLog(/unhandled|uncaught/i)))).flat();
    const maxRecovery = Math.max(...recovered);
    const loginOk = 'status' in loginDuring && loginDuring.status === 200;
    return {
      ok:
        n503 > 0 &&
        n503NoRetry === 0 &&
        n401 === 0 &&
        n5xxOther === 0 &&
        nErr === 0 &&
        duringOk === 0 &&
        oks.length > 0 &&
        okNoHeader === 0 &&
        okNotRedis.length === 0 &&
        maxRecovery < 5000 &&
        revokedHolds === 3 &&
        aliveAll &&
        unhandled.length === 0 &&
        loginOk,
      figure: `redis-server killed (SIGKILL) under /me load for 1.5 s: ${outcomes.length} requests, ${n503} x 503 (${
        n503 - n503NoRetry
      } with Retry-After), ${n401} x 401, ${n5xxOther} other 5xx, ${nErr} transport errors, ${duringOk} x 200 while down (fail closed); ${oks.length} x 200 in all, ${
        oks.length - okNoHeader - okNotRedis.length
      } answered by Redis, ${okNotRedis.length} not (${[...new Set(okNotRedis.map((o) => o.source))].join(' ') || '-'}), ${okNoHeader} without a source; login during outage ${
        'status' in loginDuring ? loginDuring.status : loginDuring.code
      }; restarted empty -> all 3 instances verifying again after max ${maxRecovery} ms (limit 5000); token revoked before the crash still 401 on ${revokedHolds}/3; ${
        aliveAll ? 'no crash' : 'AN INSTANCE DIED'
      }; ${unhandled.length} unhandled rejections`,
    };
  });

  // ---- 4b. Redis stalled (SIGSTOP): commands time out instead of hanging requests ----
  await check('redis-stall', async () => {
    const tok = await login(B.port, ...BOB);
    let stop = false;
    const outcomes: Outcome[] = [];
    const loadDone = load(
      6,
      () => stop,
      async (w) => {
        outcomes.push(
          await attempt(request(all[w % 3]!.port, 'GET', '/me', { token: tok.access, timeoutMs: 8000 })),
        );
        await sleep(5);
      },
    );
    await sleep(300);
    redis.pause();
    const pausedAt = Date.now();
    // The load loops may all be waiting on requests that were in flight when Redis stopped (they wait out
    // the 1 s command timeout), so they need not send anything inside the window checked below. Probes
    // sent by the harness on its own clock, every 100 ms from the pause, always do.
    const probes: Array<Promise<Outcome>> = [];
    for (let i = 0; i < 8; i++) {
      probes.push(attempt(request(all[i % 3]!.port, 'GET', '/me', { token: tok.access, timeoutMs: 8000 })));
      await sleep(100);
    }
    await sleep(2000 - (Date.now() - pausedAt));
    redis.resume();
    const resumedAt = Date.now();
    const recovered = await Promise.all(
      all.map(async (i) => {
        for (;;) {
          const r = await attempt(request(i.port, 'GET', '/me', { token: tok.access }));
          if ('status' in r && r.status === 200) return Date.now() - resumedAt;
          if (Date.now() - resumedAt > 8000) return Number.POSITIVE_INFINITY;
          await sleep(20);
        }
      }),
    );
    stop = true;
    await loadDone;
    outcomes.push(...(await Promise.all(probes)));
    // Sent after the signal: the stamps are whole milliseconds (Date.now() truncates), so a request
    // stamped in the pause's own millisecond, or the next, may have left before the signal and been
    // answered by Redis before it stopped. Two milliseconds of margin (the kill check allows 100, the
    // Postgres cut 50).
    const stalled = outcomes.filter((o) => o.start >= pausedAt + 2 && o.start < resumedAt - 1200);
    const slowest = Math.max(0, ...stalled.map((o) => o.at - o.start));
    const st = (o: Outcome) => ('status' in o ? o.status : -1);
    const bad = outcomes.filter((o) => st(o) !== 200 && st(o) !== 503).length;
    const n503 = stalled.filter((o) => st(o) === 503).length;
    // Any other answer in the window, with when it was sent (ms after the pause) and how long it took.
    const odd = stalled
      .filter((o) => st(o) !== 503)
      .map((o) => `${st(o)} sent +${o.start - pausedAt} ms, answered in ${o.at - o.start} ms`);
    const maxRecovery = Math.max(...recovered);
    return {
      ok:
        stalled.length > 0 &&
        n503 === stalled.length &&
        slowest < 1500 &&
        bad === 0 &&
        maxRecovery < 5000 &&
        all.every((i) => i.alive),
      figure: `redis-server paused (SIGSTOP) 2 s under /me load: ${stalled.length} requests sent while stalled -> ${n503} x 503, slowest answer ${slowest} ms (command timeout 1000 ms; no hang); ${bad} answers other than 200/503; verifying again ${maxRecovery} ms after SIGCONT${odd.length ? `; not 503: ${odd.join(', ')}` : ''}`,
    };
  });

  // ---- 5b. Postgres backends terminated (pg_terminate_backend) ----
  await check('postgres-terminate', async () => {
    const tok = await login(A.port, ...BOB);
    let stop = false;
    const outcomes: Outcome[] = [];
    const loadDone = load(
      6,
      () => stop,
      async (w) => {
        outcomes.push(
          await attempt(
            w % 2
              ? request(all[w % 3]!.port, 'GET', '/me', { token: tok.access })
              : request(all[w % 3]!.port, 'POST', '/auth/login', {
                  body: { username: BOB[0], password: BOB[1] },
                }),
          ),
        );
        await sleep(5);
      },
    );
    await sleep(300);
    const killed = await db.pool.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2',
      [db.name, 'jwtkit-harness'],
    );
    const t = Date.now();
    await sleep(700);
    stop = true;
    await loadDone;
    const after = await Promise.all(all.map((i) => login(i.port, ...BOB).then(() => Date.now() - t)));
    const st = (o: Outcome) => ('status' in o ? o.status : -1);
    const n503 = outcomes.filter((o) => st(o) === 503).length;
    const bad = outcomes.filter((o) => st(o) !== 200 && st(o) !== 503).length;
    return {
      ok: bad === 0 && all.every((i) => i.alive),
      figure: `${killed.rowCount} instance backends terminated under load: ${outcomes.length} requests, ${n503} x 503 (in-flight queries), ${bad} other failures; login 200 on all 3 instances ${Math.max(...after)} ms afterwards; no crash`,
    };
  });

  // ---- 5. Postgres connection loss ----
  await check('postgres-outage', async () => {
    const me = await Promise.all(all.map((i) => login(i.port, ...BOB)));
    const chains = await Promise.all(Array.from({ length: 3 }, (_, n) => login(all[n]!.port, ...BOB)));
    let stop = false;
    const meOut: Outcome[] = [];
    const loginOut: Outcome[] = [];
    const refreshOut: Outcome[] = [];
    const loadDone = Promise.all([
      load(
        3,
        () => stop,
        async (w) => {
          meOut.push(await attempt(request(all[w]!.port, 'GET', '/me', { token: me[w]!.access })));
          await sleep(5);
        },
      ),
      load(
        2,
        () => stop,
        async (w) => {
          loginOut.push(
            await attempt(
              request(all[w]!.port, 'POST', '/auth/login', { body: { username: BOB[0], password: BOB[1] } }),
            ),
          );
          await sleep(20);
        },
      ),
      load(
        3,
        () => stop,
        async (w) => {
          const start = Date.now();
          try {
            const r = await request(all[(w + 1) % 3]!.port, 'POST', '/auth/refresh', {
              body: { refresh_token: chains[w]!.refresh },
            });
            refreshOut.push({
              status: r.status,
              retryAfter: typeof r.headers['retry-after'] === 'string',
              start,
              at: Date.now(),
            });
            if (r.status === 200)
              chains[w] = { access: String(json(r).access_token), refresh: String(json(r).refresh_token) };
          } catch (err) {
            const e = err as RequestFailed;
            refreshOut.push({ error: e.kind ?? 'other', code: String(e.code), start, at: Date.now() });
          }
          await sleep(20);
        },
      ),
    ]);
    await sleep(500);
    proxy.cut();
    const cutAt = Date.now();
    await sleep(2000);
    proxy.restore();
    const restoredAt = Date.now();
    const recovered = await Promise.all(
      all.map(async (i) => {
        for (;;) {
          const r = await attempt(
            request(i.port, 'POST', '/auth/login', { body: { username: BOB[0], password: BOB[1] } }),
          );
          if ('status' in r && r.status === 200) return Date.now() - restoredAt;
          if (Date.now() - restoredAt > 15_000) return Number.POSITIVE_INFINITY;
          await sleep(50);
        }
      }),
    );
    await sleep(300);
    stop = true;
    await loadDone;
    const inCut = (o: Outcome) => o.start > cutAt + 50 && o.at < restoredAt;
    const st = (o: Outcome) => ('status' in o ? o.status : -1);
    const login503 = loginOut.filter((o) => inCut(o) && st(o) === 503).length;
    const loginInCut = loginOut.filter(inCut).length;
    const refresh503 = refreshOut.filter((o) => inCut(o) && st(o) === 503).length;
    const no503Retry = [...loginOut, ...refreshOut].filter(
      (o) => 'status' in o && o.status === 503 && !o.retryAfter,
    ).length;
    const meInCut = meOut.filter(inCut);
    const meOkInCut = meInCut.filter((o) => st(o) === 200).length;
    const meBad = meOut.filter((o) => st(o) !== 200).length;
    const x500 = [...meOut, ...loginOut, ...refreshOut].filter(
      (o) => 'status' in o && o.status >= 500 && o.status !== 503,
    ).length;
    const transport = [...meOut, ...loginOut, ...refreshOut].filter((o) => 'error' in o).length;
    const refresh401 = refreshOut.filter((o) => st(o) === 401).length;
    const doubles = await db.pool.query(
      `SELECT session_id FROM refresh_tokens WHERE status = 'active' GROUP BY session_id HAVING count(*) > 1`,
    );
    const maxRecovery = Math.max(...recovered);
    return {
      ok:
        login503 > 0 &&
        login503 === loginInCut &&
        refresh503 > 0 &&
        no503Retry === 0 &&
        meInCut.length > 0 &&
        meBad === 0 &&
        x500 === 0 &&
        transport === 0 &&
        maxRecovery < 10_000 &&
        doubles.rowCount === 0 &&
        all.every((i) => i.alive),
      figure: `proxy to Postgres cut for 2 s under load: login ${login503}/${loginInCut} x 503, refresh ${refresh503} x 503 (all 503 with Retry-After: ${
        no503Retry === 0
      }), GET /me ${meOkInCut}/${meInCut.length} x 200 during the cut (${meBad} non-200 overall), ${x500} other 5xx, ${transport} transport errors; recovered (login 200 on all 3) after max ${maxRecovery} ms (limit 10000); families with 2 active refresh tokens: ${
        doubles.rowCount
      }; refresh 401s: ${refresh401}`,
    };
  });

  // ---- 6. SIGTERM under load ----
  // Two kinds of clients aim at C. "Balancer" clients behave like a load balancer's upstream pool: they
  // stop opening new requests to C once its readiness probe answers 503 (the drain makes it do so at
  // once), but every request they already sent must complete: they must see 0 failures of any kind.
  // "Naive" clients ignore readiness and keep connecting until the process is gone: every request
  // that got an answer must be a 200 (never a 5xx), and no request sent before the listener closed
  // (SIGTERM + SHUTDOWN_DRAIN_MS) may fail; connection attempts after that are refused/reset by the
  // kernel before the application ever accepted them, and are reported (a balancer retries them).
  await check('sigterm-drain', async () => {
    const tok = await login(C.port, ...BOB);
    let stop = false;
    let ready = true;
    let signalledAt = 0;
    type Rec = { o: Outcome; naive: boolean };
    const recs: Rec[] = [];
    let readyz503At = 0;
    const step = (naive: boolean) => async (w: number) => {
      if (!naive && !ready) {
        await sleep(10);
        return;
      }
      const o = await attempt(
        w % 3 === 0
          ? request(C.port, 'POST', '/auth/login', { body: { username: BOB[0], password: BOB[1] } })
          : request(C.port, 'GET', '/me', { token: tok.access }),
      );
      recs.push({ o, naive });
      if ('error' in o) await sleep(20);
    };
    const loadDone = Promise.all([load(8, () => stop, step(false)), load(4, () => stop, step(true))]);
    const readyPoll = (async () => {
      while (!stop) {
        const o = await attempt(request(C.port, 'GET', '/readyz'));
        if (!('status' in o) || o.status !== 200) {
          if (ready) readyz503At = Date.now();
          ready = false;
        }
        await sleep(25);
      }
    })();
    await sleep(1000);
    signalledAt = Date.now();
    C.proc!.kill('SIGTERM');
    const exit = await Promise.race([
      C.exit!,
      sleep(15_000).then(() => ({ code: null, signal: null, at: Number.POSITIVE_INFINITY })),
    ]);
    const drainedMs = exit.at - signalledAt;
    await sleep(200);
    stop = true;
    await Promise.all([loadDone, readyPoll]);
    const listenerClosedAt = signalledAt + Number(env.SHUTDOWN_DRAIN_MS);
    const st = (r: Rec) => ('status' in r.o ? r.o.status : -1);
    const balancer = recs.filter((r) => !r.naive);
    const naive = recs.filter((r) => r.naive);
    const inflight = recs.filter((r) => r.o.start < signalledAt && r.o.at >= signalledAt);
    const inflightOk = inflight.filter((r) => st(r) === 200).length;
    const balancerBad = balancer.filter((r) => st(r) !== 200).length;
    const balancerAfter = balancer.filter((r) => r.o.start >= signalledAt).length;
    const answeredNot200 = recs.filter((r) => 'status' in r.o && r.o.status !== 200).length;
    const naiveFailedBeforeClose = naive.filter(
      (r) => 'error' in r.o && r.o.start < listenerClosedAt - 50,
    ).length;
    const naiveRefused = naive.filter((r) => 'error' in r.o && r.o.error === 'refused').length;
    const naiveReset = naive.filter((r) => 'error' in r.o && r.o.error !== 'refused').length;
    const naiveServedInDrain = naive.filter((r) => r.o.start >= signalledAt && st(r) === 200).length;
    return {
      ok:
        exit.code === 0 &&
        drainedMs < 10_000 &&
        balancerBad === 0 &&
        answeredNot200 === 0 &&
        naiveFailedBeforeClose === 0 &&
        inflightOk === inflight.length &&
        readyz503At > 0,
      figure: `SIGTERM to C under load: balancer clients ${balancer.length} requests, ${balancerBad} failed (${balancerAfter} sent after the signal, readiness 503 after ${
        readyz503At ? readyz503At - signalledAt : '-'
      } ms); ${inflight.length} in flight at the signal, ${inflightOk} completed 200; naive clients ${naive.length} requests, ${naiveServedInDrain} served while draining, ${answeredNot200} answered non-200 (5xx), ${naiveFailedBeforeClose} failed before the listener closed, ${naiveRefused} refused + ${naiveReset} reset at/after listener close (never accepted by the app); exit code ${
        exit.code
      } after ${drainedMs} ms (limit 10000)`,
    };
  });

  await hardeningScenarios(env, redis);
  await oauthReplayScenarios(A.port, B.port, env.ISSUER!);
}

/**
 * Issue #13 scenarios (multi-instance): without REDIS_URL a second instance on one Postgres database is
 * refused (its message names REDIS_URL); with Redis, parallel wrong logins spread over instances are
 * counted before the Argon2 check, so at most the per-account budget is ever verified.
 */
async function hardeningScenarios(env: Record<string, string>, redis: PrivateRedis): Promise<void> {
  await check('single-instance-lease-without-redis', async () => {
    const solo = await createDatabase();
    const pgUrl = new URL(PG_ADMIN_URL);
    const soloEnv: Record<string, string> = {
      ...env,
      DATABASE_URL: solo.url(pgUrl.hostname, Number(pgUrl.port || 5432)),
    };
    delete soloEnv.REDIS_URL;
    const D = new Instance('D-no-redis', await freePort(), soloEnv);
    const E = new Instance('E-no-redis', await freePort(), soloEnv);
    D.start();
    await D.waitReady();
    E.start();
    const exit = await Promise.race([E.exit!, sleep(20_000).then(() => null)]);
    await sleep(100);
    const { readFileSync } = await import('node:fs');
    const log = readFileSync(E.logPath, 'utf8');
    const named = /set REDIS_URL/.test(log) && /already serving this database/.test(log);
    const dStill = (await request(D.port, 'GET', '/readyz')).status;
    await D.kill();
    // the lease goes with the process: E starts once D is gone
    const E2 = new Instance('E2-no-redis', await freePort(), soloEnv);
    E2.start();
    let e2Ready = true;
    await E2.waitReady(20_000).catch(() => {
      e2Ready = false;
    });
    await E2.kill();
    return {
      ok: exit !== null && exit.code === 2 && named && dStill === 200 && e2Ready,
      figure: `second instance without REDIS_URL exited ${exit ? exit.code : 'never'} (${named ? 'message names REDIS_URL' : 'message missing'}); first kept serving (/readyz ${dStill}); after the first stopped, a new one started: ${e2Ready}`,
    };
  });

  await check('login-limit-before-hash-across-instances', async () => {
    const limited = {
      ...env,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `jwtkit-limits-${randomBytes(3).toString('hex')}:`,
      RATE_LIMIT_LOGIN_ACCOUNT: '5/15m',
      RATE_LIMIT_LOGIN_ACCOUNT_ANY_IP: '8/5m',
    };
    const F = new Instance('F-limits', await freePort(), limited);
    const G = new Instance('G-limits', await freePort(), limited);
    F.start();
    G.start();
    await Promise.all([F.waitReady(), G.waitReady()]);
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        attempt(
          request((i % 2 ? F : G).port, 'POST', '/auth/login', {
            body: { username: ALICE[0], password: `wrong-guess-${i}-xxxxxxxx` },
          }),
        ),
      ),
    );
    const st = (o: Outcome) => ('status' in o ? o.status : -1);
    const verified = guesses.filter((o) => st(o) === 401).length;
    const limitedCount = guesses.filter((o) => st(o) === 429).length;
    await Promise.all([F.kill(), G.kill()]);
    return {
      ok: verified <= 5 && verified >= 1 && limitedCount === 30 - verified,
      figure: `30 parallel wrong passwords for one account over 2 instances (budget 5, counted in Redis before Argon2): ${verified} verified (401), ${limitedCount} refused (429)`,
    };
  });
}

/**
 * Issue #16 (multi-instance): a private_key_jwt client assertion and a DPoP proof accepted by A's token
 * endpoint are refused by B's, and a DPoP proof accepted by A at a protected route (/me) is refused by
 * B's (their jti stores are in Redis).
 */
async function oauthReplayScenarios(portA: number, portB: number, issuer: string): Promise<void> {
  const { createDpopProof, encode, exportPublicJwk, generateKeyPair } = await import('jwtkit');
  const admin = (await login(portA, ...ALICE)).access;
  const post = (port: number, path: string, body: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
  const register = async (client: Record<string, unknown>) => {
    const r = await post(portA, '/admin/oauth-clients', JSON.stringify(client), {
      authorization: `Bearer ${admin}`,
      'content-type': 'application/json',
    });
    if (r.status !== 201) throw new Error(`register client -> ${r.status} ${await r.text()}`);
    return (await r.json()) as { client_id: string; client_secret?: string };
  };
  const form = 'application/x-www-form-urlencoded';
  const tag = randomBytes(3).toString('hex');

  await check('client-assertion-replay-across-instances', async () => {
    const pair = generateKeyPair('ES256');
    const id = `cluster-pkjwt-${tag}`;
    await register({
      client_id: id,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [exportPublicJwk(pair.publicKey)] },
    });
    const now = Math.floor(Date.now() / 1000);
    const assertion = encode(
      { iss: id, sub: id, aud: `${issuer}/oauth/token`, exp: now + 60, jti: randomBytes(16).toString('hex') },
      pair.privateKey,
      { algorithm: 'ES256' },
    );
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString();
    const onA = await post(portA, '/oauth/token', body, { 'content-type': form });
    const onB = await post(portB, '/oauth/token', body, { 'content-type': form });
    const errorB = ((await onB.json()) as { error?: string }).error;
    return {
      ok: onA.status === 200 && onB.status === 401 && errorB === 'invalid_client',
      figure: `assertion used on A -> ${onA.status}; the same assertion on B -> ${onB.status} ${errorB}`,
    };
  });

  await check('dpop-proof-replay-across-instances', async () => {
    const id = `cluster-basic-${tag}`;
    const { client_secret } = await register({ client_id: id });
    const proof = createDpopProof(generateKeyPair('ES256').privateKey, {
      algorithm: 'ES256',
      method: 'POST',
      url: `${issuer}/oauth/token`,
    });
    const headers = {
      'content-type': form,
      authorization: `Basic ${Buffer.from(`${id}:${client_secret}`).toString('base64')}`,
      dpop: proof,
    };
    const onA = await post(portA, '/oauth/token', 'grant_type=client_credentials', headers);
    const typeA = ((await onA.json()) as { token_type?: string }).token_type;
    const onB = await post(portB, '/oauth/token', 'grant_type=client_credentials', headers);
    const errorB = ((await onB.json()) as { error?: string }).error;
    return {
      ok: onA.status === 200 && typeA === 'DPoP' && onB.status === 400 && errorB === 'invalid_dpop_proof',
      figure: `DPoP proof used on A -> ${onA.status} ${typeA}; the same proof on B -> ${onB.status} ${errorB}`,
    };
  });

  await check('dpop-resource-proof-replay-across-instances', async () => {
    const key = generateKeyPair('ES256').privateKey;
    const proof = (method: string, path: string, accessToken?: string) =>
      createDpopProof(key, {
        algorithm: 'ES256',
        method,
        url: `${issuer}${path}`,
        ...(accessToken ? { accessToken } : {}),
      });
    // A DPoP-bound user session (login with a DPoP header), then one proof for GET /me used on A and B.
    const loginA = await post(
      portA,
      '/auth/login',
      JSON.stringify({ username: ALICE[0], password: ALICE[1] }),
      {
        'content-type': 'application/json',
        dpop: proof('POST', '/auth/login'),
      },
    );
    const tokens = (await loginA.json()) as { access_token?: string; token_type?: string };
    const access = String(tokens.access_token);
    const headers = { authorization: `DPoP ${access}`, dpop: proof('GET', '/me', access) };
    const get = (port: number) => fetch(`http://127.0.0.1:${port}/me`, { headers });
    const onA = await get(portA);
    const onB = await get(portB);
    const codeB = ((await onB.json()) as { code?: string }).code;
    const fresh = await fetch(`http://127.0.0.1:${portB}/me`, {
      headers: { authorization: `DPoP ${access}`, dpop: proof('GET', '/me', access) },
    });
    return {
      ok:
        tokens.token_type === 'DPoP' &&
        onA.status === 200 &&
        onB.status === 401 &&
        codeB === 'invalid_dpop_proof' &&
        fresh.status === 200,
      figure: `DPoP-bound /me with one proof: on A -> ${onA.status}; the same proof on B -> ${onB.status} ${codeB}; a fresh proof on B -> ${fresh.status}`,
    };
  });
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  process.stdout.write(`FAIL harness: ${(err as Error).stack ?? String(err)}\n`);
  exitCode = 1;
} finally {
  await cleanup();
}
const failed = results.filter((r) => !r.ok).length;
if (failed > 0 || results.length < 11) exitCode = 1;
const keep = exitCode !== 0 || Boolean(process.env.CLUSTER_KEEP_LOGS);
process.stdout.write(
  `\ncluster: ${results.length - failed}/${results.length} checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s; instance logs ${keep ? `kept in ${RUN_DIR}` : 'removed'}\n`,
);
if (!keep) rmSync(RUN_DIR, { recursive: true, force: true });
process.exit(exitCode);
