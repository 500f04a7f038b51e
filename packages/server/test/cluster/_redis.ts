// Test helpers: is the shared Redis reachable, and a private redis-server the test can stop and restart.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let probe: Promise<string | null> | undefined;
/** null when Redis answers PING, else why not. */
export function redisUnavailable(url = REDIS_URL): Promise<string | null> {
  probe ??= (async () => {
    const r = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1500,
      retryStrategy: () => null,
    });
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
      return null;
    } catch (err) {
      return `redis not reachable at ${url}: ${(err as Error).message}`;
    } finally {
      r.disconnect();
    }
  })();
  return probe;
}

/** Skips the test loudly (or fails under CI) when `reason` is set; returns true when the test should stop. */
export function skipUnless(t: { skip(msg: string): void }, reason: string | null): boolean {
  if (reason === null) return false;
  if (process.env.CI) throw new Error(`required service missing in CI: ${reason}`);
  t.skip(reason);
  return true;
}

export const uniquePrefix = (name: string) =>
  `jwtkit-test:${name}:${process.pid}:${randomBytes(4).toString('hex')}:`;

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export const redisServerMissing = (): string | null => {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'redis-server binary not found on PATH';
};

/** A private redis-server without persistence on its own port; stop() kills it by PID. */
export class PrivateRedis {
  #proc: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    this.#proc = proc;
    let spawnError: Error | null = null;
    proc.once('error', (err) => {
      spawnError = err; // e.g. redis-server not installed: reported below, never an uncaught 'error'
    });
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = new Redis(this.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      r.on('error', () => {});
      try {
        await r.connect();
        await r.ping();
        r.disconnect();
        return;
      } catch {
        r.disconnect();
        if (spawnError) throw new Error(`cannot run redis-server: ${(spawnError as Error).message}`);
        if (Date.now() > deadline || proc.exitCode !== null)
          throw new Error(`private redis-server on ${this.port} did not start`);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  }

  pause(): void {
    this.#proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.#proc?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((res) => proc.once('exit', res));
    proc.kill('SIGKILL');
    await exited;
  }
}
