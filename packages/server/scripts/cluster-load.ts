/**
 * Bounded load run against a local 3-instance cluster (fresh Postgres database, private Redis):
 * GET /me, POST /auth/refresh and POST /auth/login (production Argon2 parameters), each on one instance
 * and then on all three at once. Prints a markdown table for docs/scaling.md.
 *
 *   npx tsx packages/server/scripts/cluster-load.ts [--duration 10] [--connections 48]
 *
 * Everything runs on this machine: the load generator competes with the instances for the same cores,
 * so req/s is a floor, not a capacity plan. What does not depend on the machine's other load is the cost
 * of one request, also measured here: Redis commands and Postgres transactions per request (server-side
 * counters), and CPU milliseconds per request in the instances, in Redis and in Postgres (from
 * /proc/<pid>/stat, Linux). Those give the per-core arithmetic of docs/scaling.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  cleanup,
  createDatabase,
  freePort,
  Instance,
  PG_ADMIN_URL,
  PrivateRedis,
  request,
} from './cluster-lib.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '48' } },
});
const duration = Math.min(60, Math.max(2, Number(values.duration)));
const connections = Math.min(512, Math.max(3, Number(values.connections)));

interface Row {
  name: string;
  reqs: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
  /** Redis commands per request (INFO total_commands_processed delta / requests). */
  redisPerReq?: number;
  /** Postgres transactions per request (pg_stat_database xact_commit + xact_rollback delta / requests). */
  pgPerReq?: number;
  /** CPU ms per request: the instances, the Redis server, every Postgres process. */
  cpu?: { instances: number; redis: number; postgres: number };
}

/** CPU time of one process in ms (utime + stime from /proc/<pid>/stat, USER_HZ = 100); 0 if unreadable. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU ms of every process named postgres (the server, its backends and workers), by pid. */
function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'postgres')
        out.set(Number(d), cpuMs(Number(d)));
    } catch {
      // gone
    }
  }
  return out;
}

/** Postgres CPU spent between two snapshots: processes alive at the end (a new one counts from 0). */
function postgresCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * POST /auth/refresh under load: each connection keeps its own refresh-token chain (a refresh token is
 * good once), `connections` chains spread over `ports`, for `seconds`.
 */
async function refreshLoad(ports: number[], chains: string[], seconds: number): Promise<Omit<Row, 'name'>> {
  const deadline = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  await Promise.all(
    chains.map(async (first, i) => {
      let token = first;
      const port = ports[i % ports.length]!;
      while (Date.now() < deadline) {
        const t0 = performance.now();
        try {
          const r = await request(port, 'POST', '/auth/refresh', { body: { refresh_token: token } });
          latencies.push(performance.now() - t0);
          if (r.status !== 200) {
            non2xx++;
            return; // the chain is broken: stop it rather than count a run of failures
          }
          token = String((r.json as { refresh_token: string }).refresh_token);
        } catch {
          errors++;
          return;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    reqs: latencies.length / seconds,
    p50: Math.round(percentile(latencies, 0.5)),
    p99: Math.round(percentile(latencies, 0.99)),
    errors,
    non2xx,
    total: latencies.length,
  };
}

async function cannon(
  urls: string[],
  o: {
    method: 'GET' | 'POST';
    headers: Record<string, string>;
    body?: string;
    connections: number;
    seconds?: number;
  },
): Promise<Omit<Row, 'name'>> {
  const per = Math.max(1, Math.floor(o.connections / urls.length));
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url,
        method: o.method,
        headers: o.headers,
        ...(o.body ? { body: o.body } : {}),
        connections: per,
        duration: o.seconds ?? duration,
      }),
    ),
  );
  return {
    reqs: results.reduce((n, r) => n + r.requests.average, 0),
    // per-instance percentiles: report the worst instance
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((n, r) => n + r.errors + r.timeouts, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    total: results.reduce((n, r) => n + r.requests.total, 0),
  };
}

const before = loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');

async function main(): Promise<void> {
  const redis = await PrivateRedis.create(6392);
  await redis.start();
  const db = await createDatabase();
  const env: Record<string, string> = {
    JWTKIT_MODE: 'demo',
    SECRET_KEY: 'load-test-secret-key-0123456789-abcdefghijklmnop',
    ISSUER: 'http://jwtkit-cluster.test',
    AUDIENCE: 'http://jwtkit-cluster.test',
    DATABASE_URL: db.url(new URL(PG_ADMIN_URL).hostname, Number(new URL(PG_ADMIN_URL).port || 5432)),
    REDIS_URL: redis.url,
    // production Argon2 (OWASP: 19 MiB, t=2): login throughput is what it would be in production
    RATE_LIMIT_LOGIN_IP: '100000000/1m',
    RATE_LIMIT_LOGIN_ACCOUNT: '100000000/1m',
    RATE_LIMIT_REFRESH_IP: '100000000/1m',
    RATE_LIMIT_LOGIN_ACCOUNT_ANY_IP: '100000000/1m',
    RATE_LIMIT_PASSWORD_IP: '100000000/1m',
    RATE_LIMIT_REVOKE_IP: '100000000/1m',
    LOG_LEVEL: 'warn',
  };
  const ports = [await freePort(), await freePort(), await freePort()];
  const inst = ports.map((p, i) => new Instance(`load-${'ABC'[i]}`, p, env));
  inst[0]!.start();
  await inst[0]!.waitReady();
  inst[1]!.start();
  inst[2]!.start();
  await Promise.all([inst[1]!.waitReady(), inst[2]!.waitReady()]);

  const lr = await request(ports[0]!, 'POST', '/auth/login', {
    body: { username: 'bob', password: 'bob-demo-password' },
  });
  if (lr.status !== 200) throw new Error(`login -> ${lr.status}`);
  const token = String((lr.json as { access_token: string }).access_token);
  const auth = { authorization: `Bearer ${token}` };
  const urls = (path: string) => ports.map((p) => `http://127.0.0.1:${p}${path}`);

  const rows: Row[] = [];
  const r = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await r.info('stats'))?.[1] ?? 0);
  const redisPid = Number(/process_id:(\d+)/.exec(await r.info('server'))?.[1] ?? 0);
  const stats = new pg.Client({
    connectionString: db.url(new URL(PG_ADMIN_URL).hostname, Number(new URL(PG_ADMIN_URL).port || 5432)),
  });
  await stats.connect();
  const xacts = async () => {
    // Postgres publishes a backend's counters at most once a second: wait for the last ones first.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const q = await stats.query(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(q.rows[0]?.n ?? 0);
  };
  const cpuNow = () => ({
    instances: inst.reduce((n, i) => n + cpuMs(i.proc?.pid), 0),
    redis: cpuMs(redisPid),
    postgres: postgresCpu(),
  });
  const measured = async (name: string, run: () => Promise<Omit<Row, 'name'>>): Promise<Row> => {
    const x0 = await xacts();
    const c0 = await commands();
    const u0 = cpuNow();
    const res = await run();
    const u1 = cpuNow();
    const c1 = await commands();
    const x1 = await xacts();
    const n = Math.max(1, res.total);
    return {
      name,
      ...res,
      redisPerReq: (c1 - c0 - 1) / n,
      // the two reads of pg_stat_database are transactions of their own
      pgPerReq: (x1 - x0 - 2) / n,
      cpu: {
        instances: (u1.instances - u0.instances) / n,
        redis: (u1.redis - u0.redis) / n,
        postgres: postgresCpuDelta(u0.postgres, u1.postgres) / n,
      },
    };
  };
  // warm-up: every instance (JIT, pools, caches)
  await cannon(urls('/me'), { method: 'GET', headers: auth, connections: 12, seconds: 4 }).catch(() => {});
  rows.push(
    await measured('GET /me, 1 instance', () =>
      cannon([urls('/me')[0]!], { method: 'GET', headers: auth, connections }),
    ),
  );
  rows.push(
    await measured('GET /me, 3 instances', () =>
      cannon(urls('/me'), { method: 'GET', headers: auth, connections }),
    ),
  );
  // Refresh: 12 chains (12 logins first; a refresh token is good once, so each chain rotates its own).
  const chains = async () => {
    const out: string[] = [];
    for (let i = 0; i < 12; i++) {
      const l = await request(ports[i % 3]!, 'POST', '/auth/login', {
        body: { username: 'bob', password: 'bob-demo-password' },
      });
      if (l.status !== 200) throw new Error(`login for a refresh chain -> ${l.status}`);
      out.push(String((l.json as { refresh_token: string }).refresh_token));
    }
    return out;
  };
  const warm = await chains();
  await refreshLoad(ports, warm, 2);
  const c1 = await chains();
  rows.push(await measured('POST /auth/refresh, 1 instance', () => refreshLoad([ports[0]!], c1, duration)));
  const c3 = await chains();
  rows.push(await measured('POST /auth/refresh, 3 instances', () => refreshLoad(ports, c3, duration)));
  const body = JSON.stringify({ username: 'bob', password: 'bob-demo-password' });
  const login = (targets: string[]) =>
    cannon(targets, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: 12,
    });
  rows.push(
    await measured('POST /auth/login, 1 instance (Argon2id 19 MiB t=2)', () =>
      login([urls('/auth/login')[0]!]),
    ),
  );
  rows.push(
    await measured('POST /auth/login, 3 instances (Argon2id 19 MiB t=2)', () => login(urls('/auth/login'))),
  );
  await stats.end();
  r.disconnect();

  const cpu = cpus()[0]?.model ?? 'cpu';
  process.stdout.write(
    `\n${availableParallelism()} cores (${cpu}), node ${process.version}, ${duration} s per run, ${connections} connections for /me (12 for login, 12 refresh chains), load average before the run ${before}, after ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n\n`,
  );
  process.stdout.write(
    "| run | req/s | p50 ms | p99 ms | errors | non-2xx | requests | Redis commands/req (a script's own included) | PG xacts/req | CPU ms/req: instances | Redis | Postgres |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
  );
  const f = (x: number | undefined, d = 2) => (x === undefined ? '-' : x.toFixed(d));
  for (const x of rows) {
    process.stdout.write(
      `| ${x.name} | ${Math.round(x.reqs)} | ${x.p50} | ${x.p99} | ${x.errors} | ${x.non2xx} | ${x.total} | ${f(x.redisPerReq)} | ${f(x.pgPerReq)} | ${f(x.cpu?.instances, 3)} | ${f(x.cpu?.redis, 3)} | ${f(x.cpu?.postgres, 3)} |\n`,
    );
  }
  process.stdout.write(
    '\nPer core (1000 / CPU ms per request; CPU ms from /proc, 10 ms resolution over the whole run):\n\n',
  );
  process.stdout.write(
    '| run | instance req/s per core | Redis req/s per core | Postgres req/s per core |\n|---|---:|---:|---:|\n',
  );
  const perCore = (ms: number | undefined) => (ms && ms > 0 ? Math.round(1000 / ms).toString() : '-');
  for (const x of rows) {
    process.stdout.write(
      `| ${x.name} | ${perCore(x.cpu?.instances)} | ${perCore(x.cpu?.redis)} | ${perCore(x.cpu?.postgres)} |\n`,
    );
  }
}

let code = 0;
try {
  await main();
} catch (err) {
  process.stderr.write(`load: ${(err as Error).stack ?? String(err)}\n`);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);
