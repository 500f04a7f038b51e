// The one Redis launcher, shared by the tests (test/cluster/_redis.ts) and the cluster harness
// (scripts/cluster-lib.ts): is the shared Redis reachable, free ports, and a private redis-server the
// caller can pause, resume and kill.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let probe: Promise<string | null> | undefined;
/** null when the shared Redis answers PING, else why not. */
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

export const redisServerMissing = (): string | null => {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'redis-server binary not found on PATH';
};

/** A port nobody listens on right now (the OS picks it). */
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

/** Whether `port` can be listened on. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** True when something on `port` answers `send` with text containing `expect` within 500 ms. */
export function tcpAnswers(port: number, send: string, expect: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write(send));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes(expect)) done(true);
    });
  });
}

export interface PrivateRedisOptions {
  /** Where redis-server writes its log (default: none, warnings only, discarded). */
  logFile?: string;
  /** Called with the child once spawned (the harness tracks its children to kill them on exit). */
  onSpawn?: (child: ChildProcess) => void;
}

/** A private redis-server without persistence on its own port; pause/resume/stop act on its PID. */
export class PrivateRedis {
  #proc: ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly options: PrivateRedisOptions = {},
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  async start(): Promise<void> {
    const log = this.options.logFile;
    const proc = spawn(
      'redis-server',
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1'],
        ...['--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        ...(log ? ['--logfile', log] : ['--loglevel', 'warning']),
      ],
      { stdio: 'ignore' },
    );
    this.#proc = proc;
    this.options.onSpawn?.(proc);
    let spawnError: Error | null = null;
    proc.once('error', (err) => {
      spawnError = err; // e.g. redis-server not installed: reported below, never an uncaught 'error'
    });
    const deadline = Date.now() + 5000;
    while (!(await tcpAnswers(this.port, 'PING\r\n', '+PONG'))) {
      if (spawnError) throw new Error(`cannot run redis-server: ${(spawnError as Error).message}`);
      if (proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server did not start on ${this.port}${log ? ` (see ${log})` : ''}`);
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  /** SIGSTOP / SIGCONT: the server hangs with its connections open (a stalled, not a dead, Redis). */
  pause(): void {
    this.#proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.#proc?.kill('SIGCONT');
  }

  /** SIGKILL (a crash, not a clean shutdown). */
  async stop(): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((res) => proc.once('exit', res));
    proc.kill('SIGKILL');
    await exited;
  }
}
