/**
 * Building blocks of the multi-instance harness: a private redis-server, a throwaway Postgres database,
 * a cuttable TCP proxy in front of Postgres, service instances as child processes, a small HTTP client
 * that tells "refused before accepted" from "failed after accepted", and cleanup that always runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import http from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PG_URL } from '../test/pg.js';
import { freePort, portFree, PrivateRedis as RedisServer } from '../test/redis-server.js';

export { freePort };

export const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));
export const RUN_DIR = join(tmpdir(), `jwtkit-cluster-${process.pid}-${randomBytes(3).toString('hex')}`);
mkdirSync(RUN_DIR, { recursive: true });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- cleanup --------------------------------------------------------------------------------------

const cleanups: Array<() => Promise<void> | void> = [];
const children = new Set<ChildProcess>();

/** Registers cleanup work (run in reverse order, once, on success, failure or a signal). */
export const onCleanup = (fn: () => Promise<void> | void) => cleanups.push(fn);

let cleaning: Promise<void> | null = null;
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`cleanup: ${(err as Error).message}\n`);
      }
    }
  })();
  return cleaning;
}

// Last resort: never leave a child behind, even on an unexpected exit.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\ncluster: ${sig}, cleaning up\n`);
    void cleanup().finally(() => process.exit(130));
  });
}
for (const ev of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(ev, (err: unknown) => {
    process.stdout.write(`FAIL harness: ${ev}: ${(err as Error)?.stack ?? String(err)}\n`);
    void cleanup().finally(() => process.exit(1));
  });
}

/** Fails the run (with cleanup) if it takes longer than `ms`: a harness must never hang CI. */
export function watchdog(ms: number): void {
  setTimeout(() => {
    process.stdout.write(`FAIL harness: still running after ${ms / 1000} s (watchdog)\n`);
    void cleanup().finally(() => process.exit(1));
  }, ms).unref();
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// ---- redis ----------------------------------------------------------------------------------------

/**
 * Our own redis-server (no persistence): the shared launcher (test/redis-server.ts), its child tracked
 * (killed if the harness exits) and stopped at cleanup, logging into the run directory.
 */
export class PrivateRedis extends RedisServer {
  static async create(preferred = 6391): Promise<PrivateRedis> {
    const port = (await portFree(preferred)) ? preferred : await freePort();
    const r = new PrivateRedis(port, { logFile: join(RUN_DIR, 'redis.log'), onSpawn: track });
    onCleanup(() => r.stop());
    return r;
  }
}

// ---- postgres -------------------------------------------------------------------------------------

/** The tests' Postgres (test/pg.ts), unless CLUSTER_PG_URL names another. */
export const PG_ADMIN_URL = process.env.CLUSTER_PG_URL ?? PG_URL;

/** A fresh database for this run (dropped at cleanup). Returns its name and a direct pool. */
export async function createDatabase(): Promise<{
  name: string;
  url: (host: string, port: number) => string;
  pool: pg.Pool;
}> {
  const name = `jwtkit_cluster_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const base = new URL(PG_ADMIN_URL);
  const url = (host: string, port: number) => {
    const u = new URL(base.href);
    u.hostname = host;
    u.port = String(port);
    u.pathname = `/${name}`;
    return u.href;
  };
  const pool = new pg.Pool({
    connectionString: url(base.hostname, Number(base.port || 5432)),
    max: 2,
    application_name: 'jwtkit-harness',
  });
  pool.on('error', () => {});
  onCleanup(async () => {
    await pool.end().catch(() => {});
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    try {
      await c.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
    } finally {
      await c.end();
    }
  });
  return { name, url, pool };
}

/**
 * A TCP proxy owned by the harness between the instances and Postgres. `cut()` destroys every open
 * connection and resets new ones at once (like a network partition that answers RST); `restore()`
 * forwards again.
 */
export class CuttableProxy {
  #server: Server | null = null;
  #sockets = new Set<Socket>();
  #cut = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.#server = createServer((client) => {
      if (this.#cut) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, this.targetHost);
      this.#sockets.add(client);
      this.#sockets.add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    const a = this.#server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
    onCleanup(() => this.stop());
  }

  cut(): void {
    this.#cut = true;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  restore(): void {
    this.#cut = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
    this.#server = null;
  }
}

// ---- service instances ----------------------------------------------------------------------------

export class Instance {
  proc: ChildProcess | null = null;
  readonly logPath: string;
  #log: WriteStream | null = null;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> | null = null;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly env: Record<string, string>,
  ) {
    this.logPath = join(RUN_DIR, `instance-${name}.log`);
  }

  get alive(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): void {
    this.#log = createWriteStream(this.logPath, { flags: 'a' });
    const proc = track(
      spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: SERVER_DIR,
        env: {
          ...process.env,
          ...this.env,
          PORT: String(this.port),
          HOST: '127.0.0.1',
          NODE_ENV: 'development',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    proc.stdout?.pipe(this.#log, { end: false });
    proc.stderr?.pipe(this.#log, { end: false });
    this.proc = proc;
    this.exit = new Promise((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    onCleanup(() => this.kill());
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive) throw new Error(`instance ${this.name} exited during start-up (see ${this.logPath})`);
      try {
        const r = await request(this.port, 'GET', '/readyz', { timeoutMs: 1000 });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`instance ${this.name} not ready after ${timeoutMs} ms (see ${this.logPath})`);
      await sleep(100);
    }
  }

  async kill(): Promise<void> {
    if (!this.proc || !this.alive) return;
    const exit = this.exit;
    this.proc.kill('SIGKILL');
    await exit;
  }

  /** Lines of this instance's log matching `re`. */
  async grepLog(re: RegExp): Promise<string[]> {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(this.logPath, 'utf8').catch(() => '');
    return text.split('\n').filter((l) => re.test(l));
  }
}

// ---- HTTP -----------------------------------------------------------------------------------------

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  ms: number;
}

/** A request error, classified: `refused` = the connection was never accepted; anything else happened after. */
export class RequestFailed extends Error {
  constructor(
    readonly kind: 'refused' | 'reset' | 'timeout' | 'other',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const keepAliveAgent = () => new http.Agent({ keepAlive: true, maxSockets: 256 });
const defaultAgent = keepAliveAgent();

export function request(
  port: number,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; agent?: http.Agent; timeoutMs?: number } = {},
): Promise<Res> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: o.agent ?? defaultAgent,
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) =>
          reject(new RequestFailed('reset', (err as NodeJS.ErrnoException).code ?? 'EIO', err.message)),
        );
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = body ? JSON.parse(body) : null;
          } catch {
            json = null;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json,
            ms: performance.now() - t0,
          });
        });
      },
    );
    req.setTimeout(o.timeoutMs ?? 10_000, () =>
      req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT_HARNESS' })),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'EUNKNOWN';
      const kind =
        code === 'ECONNREFUSED'
          ? 'refused'
          : code === 'ETIMEDOUT_HARNESS'
            ? 'timeout'
            : code === 'ECONNRESET' || /hang up/.test(err.message)
              ? 'reset'
              : 'other';
      reject(new RequestFailed(kind, code, err.message));
    });
    if (payload) req.write(payload);
    req.end();
  });
}

/** The decoded payload and header of a JWT (no verification: the harness only reads kid/sid). */
export function peek(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
