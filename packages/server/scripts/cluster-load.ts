/**
 * Bounded load run against a local 3-instance cluster (fresh Postgres database, private Redis):
 * autocannon on GET /me (one instance, then all three at once) and on POST /auth/login (production
 * Argon2 parameters). Prints a markdown table for docs/scaling.md.
 *
 *   npx tsx packages/server/scripts/cluster-load.ts [--duration 10] [--connections 48]
 *
 * Everything runs on this machine: the load generator competes with the instances for the same cores,
 * so the figures are a floor, not a capacity plan.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
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
  const measured = async (name: string, run: () => Promise<Omit<Row, 'name'>>): Promise<Row> => {
    const c0 = await commands();
    const res = await run();
    const c1 = await commands();
    return { name, ...res, redisPerReq: (c1 - c0 - 1) / Math.max(1, res.total) };
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
  const body = JSON.stringify({ username: 'bob', password: 'bob-demo-password' });
  rows.push(
    await measured('POST /auth/login, 3 instances (Argon2id 19 MiB t=2)', () =>
      cannon(urls('/auth/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: 12,
      }),
    ),
  );
  r.disconnect();

  const cpu = cpus()[0]?.model ?? 'cpu';
  process.stdout.write(
    `\n${availableParallelism()} cores (${cpu}), node ${process.version}, ${duration} s per run, ${connections} connections for /me (12 for login), load average before the run ${before}, after ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n\n`,
  );
  process.stdout.write(
    '| run | req/s | p50 ms | p99 ms | errors | non-2xx | requests | Redis cmds/req |\n|---|---:|---:|---:|---:|---:|---:|---:|\n',
  );
  for (const x of rows) {
    process.stdout.write(
      `| ${x.name} | ${Math.round(x.reqs)} | ${x.p50} | ${x.p99} | ${x.errors} | ${x.non2xx} | ${x.total} | ${x.redisPerReq?.toFixed(2) ?? '-'} |\n`,
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
