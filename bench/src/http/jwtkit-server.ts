// Our server (packages/server buildApp) for `npm run bench:http`, run in its own child process.
// Usage: node --import tsx jwtkit-server.ts <HS256|ES256> [plain|observed|redis]
// Demo mode (seeds alice / alice-demo-password), SQLite in a temp dir. `plain`: logger off. `observed`: what
// an operator runs (LOG_LEVEL=info: one line per request through the service's log sink on stdout, which
// the bench drains; metrics on). `redis`: plain, plus REDIS_URL (revocation through Redis, one round trip a request). Once listening on
// 127.0.0.1 it logs in over HTTP (POST /auth/login), proves the revocation check is live (a logged-out
// token gets 401 on GET /me), and prints one JSON line {"port":..,"token":..,"note":..} (or {"error":..}).
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const alg = process.argv[2] === 'HS256' ? 'HS256' : 'ES256';
const mode = process.argv[3] === 'observed' ? 'observed' : process.argv[3] === 'redis' ? 'redis' : 'plain';

function fail(message: string): never {
  process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  process.exit(1);
}

interface ServerModule {
  buildApp: (
    config: unknown,
    options?: { logger?: boolean; logStream?: { write(line: string): unknown } },
  ) => Promise<{
    app: { listen(o: { host: string; port: number }): Promise<string>; close(): Promise<void> };
  }>;
}
interface ConfigModule {
  loadConfig: (env: Record<string, string | undefined>, cwd?: string) => unknown;
}

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice-demo-password' }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || typeof body.access_token !== 'string')
    fail(`POST /auth/login answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
  return body.access_token;
}

async function main(): Promise<void> {
  let server: ServerModule;
  let config: ConfigModule;
  try {
    // String() keeps tsc from type-checking the server package from here.
    server = (await import(String('../../../packages/server/src/app.js'))) as ServerModule;
    config = (await import(String('../../../packages/server/src/config.js'))) as ConfigModule;
  } catch (e) {
    fail(`packages/server buildApp not available: ${(e as Error).message.split('\n')[0]}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-bench-http-'));
  const env: Record<string, string> = {
    JWTKIT_MODE: 'demo',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}`,
    LOG_LEVEL: 'warn',
    JWT_ALG: alg,
    // Login is not what is measured: cheap password hashing keeps start-up fast.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
  };
  if (alg === 'HS256') env.JWT_SECRET = randomBytes(48).toString('base64url');
  let logStream: { write(line: string): unknown } | undefined;
  if (mode === 'observed') {
    env.LOG_LEVEL = 'info';
    env.METRICS_TOKEN = randomBytes(32).toString('base64url');
    const sink = (await import(String('../../../packages/server/src/ops/log-sink.js'))) as {
      LogSink: new (t: unknown) => { write(line: string): unknown };
    };
    // Where a deployed service logs: the log sink on stdout (main.ts does the same), here a pipe that the
    // bench drains, as a container runtime or journald reads it. BENCH_LOG_TARGET=file: an fs.WriteStream
    // on a file instead (what this bench did before 2026-12-03: its writes go through libuv's thread pool,
    // which shares the server's pinned core; no deployment logs that way; bench/FINDINGS.md S5f).
    logStream = new sink.LogSink(
      process.env.BENCH_LOG_TARGET === 'file' ? createWriteStream(join(dir, 'log.ndjson')) : process.stdout,
    );
  }
  if (mode === 'redis') {
    env.REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
    env.REDIS_PREFIX = `jwtkit-bench-${randomBytes(4).toString('hex')}:`;
  }
  const cfg = config.loadConfig(env, dir);
  const { app } = await server.buildApp(cfg, logStream ? { logger: true, logStream } : { logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const base = address.replace('localhost', '127.0.0.1');

  const token = await login(base);
  // Revocation is part of what GET /me does: a logged-out token must be refused.
  const other = await login(base);
  const out = await fetch(`${base}/auth/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${other}` },
  });
  if (out.status !== 204) fail(`POST /auth/logout answered ${out.status}`);
  const after = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${other}` } });
  if (after.status !== 401) fail(`GET /me with a logged-out token answered ${after.status}, expected 401`);
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { alg?: string };
  if (header.alg !== alg) fail(`the server signs with ${header.alg}, expected ${alg}`);

  process.stdout.write(
    `${JSON.stringify({ port: Number(new URL(base).port), token, note: 'revocation verified live: a logged-out token got 401 on GET /me' })}\n`,
  );
  const done = () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  const stop = () => {
    setTimeout(done, 2000).unref(); // app.close() may wait on idle keep-alive sockets
    void app.close().finally(done);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
